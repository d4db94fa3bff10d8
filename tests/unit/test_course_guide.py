"""The instructor guide's generated blocks, and the casebook they show."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from mlcicd.course.casebook import Case, checkpoint_cases, module_cases
from mlcicd.course.guide import render, update_guide
from mlcicd.exceptions import CourseError

ROOT = Path(__file__).resolve().parents[2]

CHECKS = """
from contextlib import nullcontext as case, nullcontext as hidden_case

ROWS = [("a column [1, 2]", 1), ("a constant column [3, 3]", 2)]
BROKEN = {"lambda x: x": "the maximum maps to 1"}


def check(*args, **kwargs):
    return lambda function: function


def _judge(value, what):
    with case(f"your {what} string"):
        pass
    with hidden_case(f"{what} catches a broken version"):
        pass


@check("97.1", points=2)
def first(x):
    for description, _ in ROWS:
        with case(description):
            pass
    with hidden_case("negative numbers double too"):
        pass
    with hidden_case(computed_at_run_time()):
        pass
    for variant, rule in BROKEN.items():
        with hidden_case(rule):
            pass


@check("97.2", points=1)
def second(tests):
    _judge(tests, "TESTS")
"""


def load(tmp_path: Path, source: str) -> ModuleType:
    path = tmp_path / "ex97.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("ex97_for_tests", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cases_are_read_from_the_source_through_tables_and_helpers(tmp_path: Path) -> None:
    assert module_cases(load(tmp_path, CHECKS)) == {
        "97.1": [
            Case(False, "a column [1, 2]"),
            Case(False, "a constant column [3, 3]"),
            Case(True, "negative numbers double too"),
            # The case computed at run time says nothing: left out.
            Case(True, "the maximum maps to 1"),
        ],
        "97.2": [Case(False, "your TESTS string"), Case(True, "TESTS catches a broken version")],
    }


def test_every_checkpoint_of_the_course_has_public_and_hidden_cases() -> None:
    from mlcicd.course.checkpoint import registered

    exercises = sorted({c.id.split(".")[0] for c in registered()})
    found = {i: cases for e in exercises for i, cases in checkpoint_cases(e).items()}
    assert sorted(found) == sorted(c.id for c in registered())
    for checkpoint_id, cases in found.items():
        assert any(not c.hidden for c in cases), f"{checkpoint_id} has no public case"
        assert any(c.hidden for c in cases), f"{checkpoint_id} has no hidden case"


def sections() -> dict:
    return {"agenda": lambda: "| a | table |", "mistakes": lambda: "- one\n- two\n"}


def test_render_replaces_each_block_body_and_keeps_the_rest() -> None:
    text = (
        "# Guide\n\n<!-- BEGIN GENERATED: agenda -->\nold\n<!-- END GENERATED: agenda -->\n"
        "prose\n<!-- BEGIN GENERATED: mistakes -->\n<!-- END GENERATED: mistakes -->\n"
    )
    assert render(text, sections(), "g.md") == (
        "# Guide\n\n<!-- BEGIN GENERATED: agenda -->\n| a | table |\n"
        "<!-- END GENERATED: agenda -->\nprose\n<!-- BEGIN GENERATED: mistakes -->\n"
        "- one\n- two\n<!-- END GENERATED: mistakes -->\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "<!-- BEGIN GENERATED: agenda -->\n<!-- END GENERATED: agenda -->\n",
            "no generated block for mistakes",
        ),
        (
            "<!-- BEGIN GENERATED: agenda -->\n<!-- END GENERATED: agenda -->\n"
            "<!-- BEGIN GENERATED: mistakes -->\n<!-- END GENERATED: mistakes -->\n"
            "<!-- BEGIN GENERATED: typo -->\n<!-- END GENERATED: typo -->\n",
            "unknown generated block 'typo'",
        ),
    ],
    ids=["missing block", "unknown block"],
)
def test_a_malformed_guide_is_a_course_error_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(CourseError, match=message) as error:
        render(text, sections(), "docs/instructor-guide.md")
    assert error.value.path == "docs/instructor-guide.md"


def test_the_committed_guide_is_up_to_date() -> None:
    assert update_guide(ROOT, check=True), (
        "docs/instructor-guide.md is stale: run `.venv/bin/mlcicd course guide` and commit it"
    )


def test_a_missing_guide_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="cannot read the instructor guide"):
        update_guide(tmp_path, check=True)
