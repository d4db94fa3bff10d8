"""Checkpoints: one deterministic line, the first failing case, and which cell to run first."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from checkpoint_mutants import solution_leak

from mlcicd.course.checkpoint import (
    Check,
    CheckFailed,
    case,
    check,
    checkpoint,
    concept_sentence,
    environment_problem,
    evaluate,
    expect,
    get_check,
    hidden_case,
    missing_requirements,
    not_written_line,
    registered,
    staged_line,
)
from mlcicd.exceptions import CourseError

ROOT = Path(__file__).resolve().parents[2]
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
            # No case input and no hint: an untouched stub learns nothing of the answer.
            "Checkpoint 98.1 failed (0/2 points): not written yet. Replace the `raise "
            "NotImplementedError` in cell 'Ex 1' with your code, then run that "
            "cell and this one again.",
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


# ---- hidden cases and what the machine lacks --------------------------------


checkpoint_module = importlib.import_module("mlcicd.course.checkpoint")
registry = checkpoint_module._REGISTRY


@pytest.fixture
def hidden_check() -> Iterator[str]:
    """Checkpoint 97.1: one public case, one hidden case (and no real exercise 97)."""

    @check("97.1", points=1, needs=("double",), hint="Multiply by two.")
    def _(double: object) -> None:
        with case("double(3)"):
            expect(double(3) == 6, f"returned {double(3)}, expected 6")
        with hidden_case("negative numbers double too"):
            expect(double(-41) == -82, f"returned {double(-41)}, expected -82")

    yield "97.1"
    registry.pop("97.1", None)


def test_a_failing_hidden_case_names_its_rule_and_never_its_input(hidden_check: str) -> None:
    passed, line = evaluate(hidden_check, {"double": lambda x: abs(x) * 2})
    assert not passed
    assert line == (
        "Checkpoint 97.1 failed (0/1 points): a hidden case failed: negative numbers double "
        "too. Hint: Multiply by two."
    )
    assert "41" not in line and "82" not in line


def test_public_cases_still_show_input_and_expected_value(hidden_check: str) -> None:
    assert (
        "double(3): returned 9, expected 6"
        in evaluate(hidden_check, {"double": lambda x: 3 * x})[1]
    )


def test_a_check_requiring_a_missing_package_cannot_be_graded_here() -> None:
    @check("96.1", points=2, needs=("x",), hint="h", requires=("no_such_package_for_grading",))
    def _(x: object) -> None:
        raise AssertionError("must not run")

    try:
        passed, line = evaluate("96.1", {"x": 1})
    finally:
        registry.pop("96.1", None)
    assert not passed
    assert line.startswith(
        "Checkpoint 96.1 cannot be graded here (0/2 points): the package "
        "no_such_package_for_grading is not installed on this machine"
    )
    assert line.endswith("This is about the machine, not your code.")


def test_an_import_error_from_the_course_is_the_machines_fault_not_the_learners() -> None:
    # An import the course's own code runs (here: compiled under the file name of one
    # of its modules) is the machine's fault; one the learner's code runs is theirs.
    statement = "import no_such_package_for_grading"
    by_course = compile(statement, checkpoint_module.__file__, "exec")
    through_importlib = compile(
        "importlib.import_module('no_such_package_for_grading')", checkpoint_module.__file__, "exec"
    )
    by_learner = compile(statement, "/tmp/ipykernel_1234/567.py", "exec")
    problems = {}
    for name, code in [
        ("course", by_course),
        ("importlib", through_importlib),
        ("learner", by_learner),
    ]:
        with pytest.raises(ImportError) as error:
            exec(code, {"importlib": importlib})
        problems[name] = environment_problem(error.value)
    assert "no_such_package_for_grading is not installed" in (problems["course"] or "")
    assert problems["importlib"] == problems["course"]
    assert problems["learner"] is None
    assert environment_problem(ValueError("x")) is None


def _untouched(*args: object, **kwargs: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("spec", registered(), ids=lambda spec: spec.id)
def test_an_untouched_stub_learns_where_to_write_and_nothing_of_the_answer(spec: Check) -> None:
    # Functions are stubs that raise; constants (TESTS, FIXED...) are not defined until
    # their cell is written, as in the exercise.
    namespace = {name: _untouched for name in spec.needs if not name.isupper()}
    passed, line = evaluate(spec.id, namespace)
    assert not passed
    assert "Hint" not in line and spec.hint not in line
    if len(namespace) == len(spec.needs) and not missing_requirements(spec.requires):
        assert line == not_written_line(spec)


# --- staged hints ------------------------------------------------------------------

CONCEPT = (
    " Same case again, so step back: Doubling is adding a number to itself. Review lesson 02, "
    'section "Edge cases first".'
)


def test_the_concept_comes_only_when_the_same_case_fails_again(double_check: str) -> None:
    kernel: dict[str, object] = {"double": lambda x: x * 3}
    first = staged_line(double_check, kernel)
    second = staged_line(double_check, kernel)
    assert first == evaluate(double_check, kernel)[1]
    assert CONCEPT not in first
    assert second == first + CONCEPT


def test_another_kernel_or_another_case_starts_at_the_first_stage(double_check: str) -> None:
    kernel: dict[str, object] = {"double": lambda x: x * 3}
    staged_line(double_check, kernel)
    # A fresh namespace (another kernel, or a restart) has seen no failure.
    assert CONCEPT not in staged_line(double_check, {"double": lambda x: x * 3})
    # The same kernel, now failing another case (double(0) passes, double(3) fails
    # before; this one fails double(0)): a new case is a first failure again.
    kernel["double"] = lambda x: x * 2 + 1
    assert CONCEPT not in staged_line(double_check, kernel)


@pytest.mark.parametrize(
    "double",
    [lambda x: x * 2, lambda x: (_ for _ in ()).throw(NotImplementedError("stub"))],
    ids=["passes", "untouched stub"],
)
def test_a_pass_or_an_untouched_stub_never_gets_the_concept(
    double_check: str, double: object
) -> None:
    kernel = {"double": double}
    lines = {staged_line(double_check, kernel) for _ in range(3)}
    assert lines == {evaluate(double_check, kernel)[1]}


def test_the_checkpoint_cell_prints_the_staged_line(
    double_check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    globals()["double"] = lambda x: x * 3
    try:
        checkpoint(double_check)
        checkpoint(double_check)
    finally:
        del globals()["double"]
    first, second = capsys.readouterr().out.splitlines()
    assert second == first + CONCEPT


def _headings(lesson: str) -> set[str]:
    (path,) = sorted(ROOT.joinpath("notebooks").glob(f"{lesson}_*.ipynb"))
    found = set()
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            found |= {
                line.lstrip("#").strip()
                for line in cell.source.splitlines()
                if line.startswith("#")
            }
    return found


@pytest.mark.parametrize("spec", registered(), ids=lambda spec: spec.id)
def test_every_check_has_a_concept_and_a_lesson_section_that_exists(spec: Check) -> None:
    assert spec.concept, f"{spec.id} has no concept (the hint after a repeated failure)"
    number, _, heading = spec.lesson.partition("#")
    assert number and heading, f"{spec.id}: lesson should be 'NN#Heading', not {spec.lesson!r}"
    assert heading in _headings(number), f"lesson {number} has no heading {heading!r}"


@pytest.mark.parametrize("spec", registered(), ids=lambda spec: spec.id)
def test_no_hint_stage_gives_the_solution_away(spec: Check) -> None:
    exercise = spec.id.split(".")[0]
    for text in (spec.hint, concept_sentence(spec)):
        leak = solution_leak(text, exercise)
        assert leak is None, f"{spec.id} gives away {leak} in {text!r}"
