"""The committed sample JUnit report, and lesson 01 reading it until ``make test`` has run.

Lesson 01 shows the figures of a JUnit report: the learner's own
(``build/reports/junit.xml``), else a release's snapshot, else the sample
``docs/sample-junit.xml`` committed with the course.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from report_builders import junit, put

from mlcicd.course.notebook import read
from mlcicd.testing.layers import layer_figures
from mlcicd.testing.suite import SAMPLE, SuiteSnapshot, figures_or_snapshot, snapshot_json

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "01_why_ml_cicd.ipynb"
CASE = re.compile(r'<testcase classname="([^"]+)" name="([^"]+)"')


def test_the_shipped_sample_is_labelled_as_a_sample_and_small() -> None:
    text = (ROOT / SAMPLE).read_text(encoding="utf-8")
    assert "SAMPLE JUnit report" in text and "It is NOT a full run" in text
    assert '<testsuites name="SAMPLE' in text
    assert len(text.encode()) < 16_000


def test_the_shipped_sample_has_passing_cases_in_three_layers() -> None:
    figures = layer_figures(ROOT / SAMPLE)
    assert [f.layer for f in figures] == ["unit", "integration", "e2e"]
    assert all(f.tests > 0 and f.failed == 0 for f in figures)
    # The layers' seconds per test grow up the pyramid, which is what the lesson shows.
    per_test = [f.seconds / f.tests for f in figures]
    assert per_test == sorted(per_test)


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_case_of_the_sample_is_a_test_of_this_suite() -> None:
    cases = CASE.findall((ROOT / SAMPLE).read_text(encoding="utf-8"))
    assert cases
    missing = []
    for classname, name in cases:
        module = ROOT / (classname.replace(".", "/") + ".py")
        function = name.split("[")[0]
        if not module.is_file() or function not in _test_functions(module):
            missing.append(f"{classname}::{function}")
    assert not missing, f"renamed or removed since the sample was recorded: {missing}"


# --- the order lesson 01 reads its figures in ----------------------------------------

REPORT = junit(("tests.unit.test_mine", 0.5))
SAMPLE_RUN = junit(("tests.unit.test_s", 0.25), ("tests.e2e.test_s", 4.0))


@pytest.fixture
def recorded_run(tmp_path: Path) -> str:
    """A release's snapshot with a timed run of 3 unit cases."""
    report = put(tmp_path / "course", "r.xml", junit(*[("tests.unit.test_r", 1.0)] * 3))
    return snapshot_json(SuiteSnapshot("0.1.0", {"unit": 3}, tuple(layer_figures(report))))


@pytest.mark.parametrize(
    ("files", "layers", "said"),
    [
        ({"sample": SAMPLE_RUN}, [("unit", 1), ("e2e", 1)], r"SAMPLE of this course's own suite"),
        ({"report": REPORT, "sample": SAMPLE_RUN}, [("unit", 1)], r"^Read 1 test cases"),
        ({"snapshot": "run", "sample": SAMPLE_RUN}, [("unit", 3)], r"no test suite: these are"),
        (
            {"snapshot": snapshot_json(SuiteSnapshot("0.1.0", {"unit": 3})), "sample": SAMPLE_RUN},
            [("unit", 1), ("e2e", 1)],
            r"SAMPLE",
        ),
        ({"sample": "<broken"}, [], r"run make test first"),
        ({}, [], r"run make test first"),
    ],
    ids=[
        "only the sample",
        "the report wins",
        "a release's timed run wins",
        "a release without a run: the sample",
        "broken sample",
        "nothing",
    ],
)
def test_lesson_01_reads_the_report_then_the_snapshot_then_the_sample(
    tmp_path: Path, recorded_run: str, files: dict[str, str], layers: list[Any], said: str
) -> None:
    paths = {name: tmp_path / name for name in ("report", "snapshot", "sample")}
    for name, text in files.items():
        put(tmp_path, name, recorded_run if text == "run" else text)
    figures, source = figures_or_snapshot(paths["report"], paths["snapshot"], paths["sample"])
    assert [(f.layer, f.tests) for f in figures] == layers
    assert re.search(said, source), source


# --- the lesson's own cells ----------------------------------------------------------


def _lesson_figures(report: Path) -> tuple[list[Any], str]:
    """Run lesson 01's parameters cell and the cell that reads the figures, ``report`` given."""
    cells = read(LESSON).cells
    (parameters,) = [c for c in cells if "parameters" in c.metadata.get("tags", [])]
    (reading,) = [c for c in cells if "figures_or_snapshot(" in c.source]
    namespace: dict[str, Any] = {}
    exec(parameters.source, namespace)  # the lesson's own code, on purpose
    notebooks = LESSON.parent
    namespace.update(
        report=str(report),
        snapshot=str(notebooks / namespace["snapshot"]),
        sample=str(notebooks / namespace["sample"]),
    )
    exec(reading.source, namespace)
    return namespace["figures"], namespace["source"]


def test_lesson_01_shows_the_sample_until_the_learner_report_exists(tmp_path: Path) -> None:
    report = tmp_path / "build" / "reports" / "junit.xml"
    figures, source = _lesson_figures(report)
    assert figures == layer_figures(ROOT / SAMPLE)
    assert "SAMPLE" in source and "sample-junit.xml" in source

    put(tmp_path, "build/reports/junit.xml", REPORT)
    figures, source = _lesson_figures(report)
    assert [(f.layer, f.tests) for f in figures] == [("unit", 1)]
    assert source == "Read 1 test cases from junit.xml."
