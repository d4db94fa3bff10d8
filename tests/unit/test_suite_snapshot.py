"""The snapshot of the course's own test suite that a learner release carries for lessons 01, 06.

Each test builds a tiny ``tests/`` tree and, where needed, a tiny JUnit report.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from report_builders import junit, put

from mlcicd import __version__
from mlcicd.exceptions import CourseError
from mlcicd.testing.layers import LAYERS, LayerFigures
from mlcicd.testing.suite import (
    REPORT,
    SuiteSnapshot,
    count_test_functions,
    figures_or_snapshot,
    full_run,
    functions_or_snapshot,
    read_snapshot,
    snapshot_json,
    take_snapshot,
)

RECORDED = "recorded when this copy was released"


#: A whole run of the course below: every layer with test functions has cases.
WHOLE_RUN = junit(
    ("tests.unit.test_a", 0.125), ("tests.unit.test_a", 0.25), ("tests.e2e.test_flow", 3.004)
)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """Two unit test functions, one e2e; the other layers have none."""
    root = tmp_path / "course"
    put(root, "tests/unit/test_a.py", "def test_one():\n    pass\n\n\ndef test_two():\n    pass\n")
    put(root, "tests/e2e/test_flow.py", "def test_flow():\n    pass\n")
    put(root, "tests/integration/conftest.py", "def test_not_in_a_test_file():\n    pass\n")
    return root


@pytest.mark.parametrize(
    ("source", "count"),
    [
        ("def test_a():\n    pass\n", 1),
        ("async def test_a():\n    pass\n\n\ndef testing_too():\n    pass\n", 2),
        ("def helper():\n    pass\n\n\ndef check_test():\n    pass\n", 0),
        ("class TestThing:\n    def test_a(self): ...\n    def setup(self): ...\n", 1),
        ("class Thing:\n    def test_a(self): ...\n", 0),
        ('CODE = """\ndef test_in_a_string():\n    pass\n"""\n', 0),
        ("def outer():\n    def test_inner():\n        pass\n", 0),
    ],
    ids=["function", "async and test*", "helpers", "Test class", "other class", "string", "nested"],
)
def test_test_functions_are_what_pytest_collects_by_name(
    tmp_path: Path, source: str, count: int
) -> None:
    put(tmp_path, "tests/unit/test_x.py", source)
    assert count_test_functions(tmp_path / "tests")["unit"] == count


def test_every_layer_is_counted_in_its_folder_and_subfolders(tmp_path: Path) -> None:
    put(tmp_path, "tests/unit/test_a.py", "def test_a():\n    pass\n")
    put(tmp_path, "tests/unit/deeper/test_b.py", "def test_b():\n    pass\n")
    put(tmp_path, "tests/notebooks/test_n.py", "def test_n():\n    pass\n")
    put(tmp_path, "tests/other/test_o.py", "def test_o():\n    pass\n")
    counts = count_test_functions(tmp_path / "tests")
    assert list(counts) == list(LAYERS)
    assert counts == {"unit": 2, "integration": 0, "e2e": 0, "notebook": 1, "ui": 0}


def test_a_test_file_that_does_not_parse_is_named_with_its_line(tmp_path: Path) -> None:
    put(tmp_path, "tests/e2e/test_broken.py", "def test_a():\n    pass\ndef (:\n")
    with pytest.raises(CourseError, match=r"test_broken\.py: cannot count .*line 3"):
        count_test_functions(tmp_path / "tests")


@pytest.mark.parametrize(
    ("report", "whole"),
    [
        (WHOLE_RUN, True),
        (junit(("tests.unit.test_a", 0.5)), False),  # no e2e case: one layer was run
        (junit(("tests.e2e.test_flow", 3.0)), False),
        ("<testsuites><oops>", False),
        (None, False),
    ],
    ids=["whole run", "unit only", "e2e only", "not XML", "no report"],
)
def test_only_a_report_of_the_whole_suite_gives_figures(
    course: Path, report: str | None, whole: bool
) -> None:
    if report is not None:
        put(course, REPORT, report)
    figures = full_run(course / REPORT, count_test_functions(course / "tests"))
    assert bool(figures) is whole
    if whole:
        assert [(f.layer, f.tests) for f in figures] == [("unit", 2), ("e2e", 1)]


def test_the_snapshot_records_functions_and_the_run_without_a_date(course: Path) -> None:
    put(course, REPORT, WHOLE_RUN)
    data = json.loads(snapshot_json(take_snapshot(course)))
    assert data == {
        "recorded_by": "mlcicd course release",
        "mlcicd": __version__,
        "test_functions": {"unit": 2, "integration": 0, "e2e": 1, "notebook": 0, "ui": 0},
        "run": {
            "unit": {"tests": 2, "failed": 0, "skipped": 0, "seconds": 0.38},
            "e2e": {"tests": 1, "failed": 0, "skipped": 0, "seconds": 3.0},
        },
    }
    assert snapshot_json(take_snapshot(course)) == snapshot_json(take_snapshot(course))


def test_without_a_whole_run_the_snapshot_has_no_run(course: Path) -> None:
    put(course, REPORT, junit(("tests.unit.test_a", 0.5)))
    assert "run" not in json.loads(snapshot_json(take_snapshot(course)))


def test_a_course_without_tests_has_no_snapshot(tmp_path: Path) -> None:
    put(tmp_path, REPORT, WHOLE_RUN)
    assert take_snapshot(tmp_path) is None


def test_a_snapshot_reads_back_as_written(tmp_path: Path) -> None:
    snapshot = SuiteSnapshot("1.2.3", {"unit": 5, "e2e": 1}, (LayerFigures("unit", 9, 1, 2, 1.5),))
    path = put(tmp_path, "docs/test-layers.json", snapshot_json(snapshot))
    assert read_snapshot(path) == snapshot


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2]",
        '{"mlcicd": "0.1.0"}',
        '{"mlcicd": "0.1.0", "test_functions": {"unit": 1}, "run": {"unit": {"tests": 1}}}',
    ],
    ids=["not JSON", "a list", "no test_functions", "run without seconds"],
)
def test_a_broken_snapshot_is_named(tmp_path: Path, text: str) -> None:
    path = put(tmp_path, "docs/test-layers.json", text)
    with pytest.raises(CourseError, match=r"test-layers\.json: not a snapshot .*release the"):
        read_snapshot(path)


# --- what the lessons read: the live source first, else the snapshot ------------------


def lesson_paths(root: Path) -> tuple[Path, Path, Path]:
    return root / REPORT, root / "tests", root / "docs" / "test-layers.json"


@pytest.fixture
def release(course: Path, tmp_path: Path) -> Path:
    """A learner copy: no tests/, no report, the snapshot of ``course`` (a whole run)."""
    put(course, REPORT, WHOLE_RUN)
    root = tmp_path / "release"
    put(root, "docs/test-layers.json", snapshot_json(take_snapshot(course)))
    return root


def test_lesson_01_prefers_the_live_report(release: Path) -> None:
    report, _, snapshot = lesson_paths(release)
    put(release, REPORT, junit(("tests.unit.test_z", 1.0)))
    figures, source = figures_or_snapshot(report, snapshot)
    assert [(f.layer, f.tests) for f in figures] == [("unit", 1)]
    assert source == "Read 1 test cases from junit.xml."


def test_lesson_01_reads_the_snapshot_and_says_so(release: Path) -> None:
    report, _, snapshot = lesson_paths(release)
    figures, source = figures_or_snapshot(report, snapshot)
    assert [(f.layer, f.tests, f.seconds) for f in figures] == [("unit", 2, 0.38), ("e2e", 1, 3.0)]
    assert "course repository's own suite (3 test cases)" in source and RECORDED in source


@pytest.mark.parametrize(
    ("snapshot_text", "said"),
    [
        (None, "run make test first"),
        (
            snapshot_json(SuiteSnapshot("0.1.0", {"unit": 3, "e2e": 1, "ui": 0})),
            f"suite has 3 unit, 1 e2e test functions, {RECORDED} .*, but no timed run",
        ),
        ("{broken", r"test-layers\.json: not a snapshot"),
    ],
    ids=["no snapshot", "snapshot without a run", "broken snapshot"],
)
def test_lesson_01_without_figures_says_why(
    tmp_path: Path, snapshot_text: str | None, said: str
) -> None:
    report, _, snapshot = lesson_paths(tmp_path)
    if snapshot_text is not None:
        put(tmp_path, "docs/test-layers.json", snapshot_text)
    figures, source = figures_or_snapshot(report, snapshot)
    assert figures == []
    assert re.search(said, source), source


def test_lesson_06_counts_the_live_tests_silently(course: Path) -> None:
    _, tests, snapshot = lesson_paths(course)
    put(course, "docs/test-layers.json", "{broken")  # not read: tests/ is there
    assert functions_or_snapshot(tests, snapshot) == (count_test_functions(tests), "")


def test_lesson_06_reads_the_snapshot_and_says_so(release: Path) -> None:
    _, tests, snapshot = lesson_paths(release)
    counts, source = functions_or_snapshot(tests, snapshot)
    assert counts == {"unit": 2, "integration": 0, "e2e": 1, "notebook": 0, "ui": 0}
    assert "course repository's own suite" in source and RECORDED in source


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({}, "no .*test-layers.json to count from"),
        ({"docs/test-layers.json": "{broken"}, "not a snapshot"),
        ({"tests/unit/test_bad.py": "def (:\n"}, r"test_bad\.py: cannot count"),
    ],
    ids=["neither", "broken snapshot", "broken test file"],
)
def test_lesson_06_without_counts_shows_zeros_and_says_why(
    tmp_path: Path, files: dict[str, str], said: str
) -> None:
    for path, text in files.items():
        put(tmp_path, path, text)
    _, tests, snapshot = lesson_paths(tmp_path)
    counts, source = functions_or_snapshot(tests, snapshot)
    assert counts == dict.fromkeys(LAYERS, 0)
    assert re.search(said, source), source
