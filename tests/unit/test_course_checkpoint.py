"""Checkpoints: one deterministic line, the first failing case, and which cell to run first."""

from __future__ import annotations

import pytest

from mlcicd.course.checkpoint import (
    CheckFailed,
    case,
    check,
    checkpoint,
    evaluate,
    expect,
    get_check,
    registered,
)
from mlcicd.exceptions import CourseError

PASSED = "Checkpoint 98.1 passed (2/2 points)"


def test_a_right_answer_prints_the_success_line(double_check: str) -> None:
    assert evaluate(double_check, {"double": lambda x: x * 2}) == (True, PASSED)


def test_an_answer_written_differently_passes_too(double_check: str) -> None:
    assert evaluate(double_check, {"double": lambda x: x + x})[0]


@pytest.mark.parametrize(
    ("double", "expected"),
    [
        (
            lambda x: x * 3,
            "Checkpoint 98.1 failed (0/2 points): double(3): returned 9, expected 6. "
            "Hint: Multiply by two.",
        ),
        (
            lambda x: 1 / x * x * 2,
            "Checkpoint 98.1 failed (0/2 points): double(0): ZeroDivisionError: "
            "division by zero. Hint: Multiply by two.",
        ),
        (
            lambda x: (_ for _ in ()).throw(NotImplementedError("replace this line")),
            "Checkpoint 98.1 failed (0/2 points): double(0): your code still raises "
            "NotImplementedError; replace the stub (the `raise NotImplementedError` line) "
            "with your code and run that cell again. Hint: Multiply by two.",
        ),
    ],
    ids=["wrong value", "learner error", "untouched stub"],
)
def test_a_wrong_answer_names_the_first_failing_case(
    double_check: str, double: object, expected: str
) -> None:
    assert evaluate(double_check, {"double": double}) == (False, expected)


def test_object_addresses_never_reach_the_line(double_check: str) -> None:
    class Thing:
        pass

    def double(x: int) -> int:
        raise ValueError(f"bad {Thing()}")

    passed, line = evaluate(double_check, {"double": double})
    assert not passed
    assert "0x" not in line
    assert "ValueError: bad <" in line


def test_a_missing_name_says_which_cell_to_run_first(double_check: str) -> None:
    passed, line = evaluate(double_check, {"unrelated": 1})
    assert not passed
    assert line == (
        "Checkpoint 98.1 cannot run yet (0/2 points): `double` is not defined. Run cell "
        "'Ex 1' first (after a kernel restart, run the cells above from the top), then run "
        "this cell again."
    )


def test_checkpoint_reads_the_callers_variables_and_prints_one_line(
    double_check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace = {"checkpoint": checkpoint, "double": lambda x: 2 * x}
    exec(f'result = checkpoint("{double_check}")', namespace)  # as a notebook cell runs
    assert capsys.readouterr().out == PASSED + "\n"
    assert namespace["result"] is None  # nothing else shows under the cell


def test_an_unknown_checkpoint_is_a_clear_error() -> None:
    with pytest.raises(CourseError, match=r"there is no checkpoint 97\.3"):
        get_check("97.3")


def test_an_id_registered_twice_is_refused(double_check: str) -> None:
    with pytest.raises(CourseError, match="registered twice"):
        check(double_check, points=1, needs=(), hint="")(lambda: None)


def test_case_prefixes_the_problem_and_expect_fails_only_on_false() -> None:
    expect(1 == 1, "never raised")
    with (
        pytest.raises(CheckFailed, match=r"^an empty frame: it has 0 rows$"),
        case("an empty frame"),
    ):
        expect(False, "it has 0 rows")


def test_every_registered_check_of_the_course_is_well_formed() -> None:
    checks = registered()
    assert checks, "the course registers its checkpoints in mlcicd.course.checks"
    for spec in checks:
        assert 1 <= spec.points <= 3, spec.id
        assert spec.needs and spec.hint, spec.id
