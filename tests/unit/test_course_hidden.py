"""Hidden regions: found, stripped, and never leaving an answer in what learners get.

The per-exercise tests (test_checks_exNN.py) check each module's own hidden
helpers are gone; here every check module goes through the release's own scan
(:func:`mlcicd.course.release_verify.scan_files`), so the tests and
``mlcicd course release`` judge answer text the same way.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from mlcicd.course.checkpoint import evaluate, get_check
from mlcicd.course.hidden import check_module_path, hidden_regions, public_checks, strip_hidden
from mlcicd.course.release_verify import Answers, load_answers, scan_files
from mlcicd.exceptions import CourseError

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ("02", "03", "04", "05", "06", "07", "08", "09", "10")

MODULE = """\
import math
with case("public"):
    pass
    # BEGIN HIDDEN CASES
    with hidden_case("rule"):
        pass
    # END HIDDEN CASES
x = 1
"""


def test_regions_are_found_by_line_whatever_their_indent() -> None:
    assert hidden_regions(MODULE) == [(3, 6)]
    assert strip_hidden(MODULE) == 'import math\nwith case("public"):\n    pass\nx = 1\n'


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# END HIDDEN CASES\n", "line 1: # END HIDDEN CASES without a # BEGIN HIDDEN CASES"),
        ("# BEGIN HIDDEN CASES\nx = 1\n", "line 1: # BEGIN HIDDEN CASES is never closed"),
        (
            "# BEGIN HIDDEN CASES\n# BEGIN HIDDEN CASES\n# END HIDDEN CASES\n",
            "line 2: # BEGIN HIDDEN CASES inside the hidden region opened on line 1",
        ),
        (
            "if True:\n# BEGIN HIDDEN CASES\n    x = 1\n# END HIDDEN CASES\n",
            "without its hidden cases the module is not valid Python",
        ),
    ],
    ids=["end alone", "never closed", "nested", "leaves invalid Python"],
)
def test_a_malformed_region_is_a_course_error_naming_the_file(source: str, message: str) -> None:
    with pytest.raises(CourseError, match=message) as error:
        strip_hidden(source, "checks/ex99.py")
    assert error.value.path == "checks/ex99.py"


def test_public_checks_register_the_stripped_checks_and_then_restore_the_full_ones() -> None:
    full = get_check("02.1")
    with public_checks("02") as module:
        inside = get_check("02.1")
        assert not hasattr(module, "_CORRECT")  # a hidden helper of exercise 02
    assert inside is not full and inside.id == full.id
    assert get_check("02.1") is full
    registry = importlib.import_module("mlcicd.course.checkpoint")._REGISTRY
    assert registry["02.1"] is full


@pytest.fixture(scope="module")
def answers() -> Answers:
    return load_answers(ROOT)


#: A line of each of these solutions the scan must know (so it reads the right bodies).
KNOWN_LINES = {
    "08": 'approval = Stage("Approval", (actions.manual_approval("ApproveRelease"),))',
    "09": "actions.update([action] if isinstance(action, str) else action)",
    "02": "low, high = values.min(), values.max()",
}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_the_released_check_module_has_no_hidden_case_and_no_solution_line(
    answers: Answers, exercise: str
) -> None:
    path = check_module_path(exercise)
    source = path.read_text(encoding="utf-8")
    public = strip_hidden(source, str(path))
    own = [line for line in answers.lines if line.source.startswith(f"solutions/{exercise}_")]

    assert "hidden_case(" in source and "hidden_case(" not in public
    compile(public, str(path), "exec")
    assert len(own) > 5  # the solution's bodies were found
    if exercise in KNOWN_LINES:
        assert KNOWN_LINES[exercise] in {line.text for line in answers.lines}
    released = {f"src/mlcicd/course/checks/ex{exercise}.py": public.encode("utf-8")}
    assert scan_files(released, answers) == []


def test_the_scan_would_catch_a_solution_line_left_in_a_check_module(answers: Answers) -> None:
    planted = f"x = 1\n    {KNOWN_LINES['08']}\n"
    (leak,) = scan_files({"src/mlcicd/course/checks/ex08.py": planted.encode()}, answers)
    assert leak.where == "line 2" and "solutions/08_codepipeline.ipynb" in leak.what


def test_a_failing_public_case_in_the_release_still_names_its_input() -> None:
    with public_checks("02"):
        passed, line = evaluate("02.1", {"scale_to_unit": lambda values: values})
    assert not passed and "[-5, 0, 5, 10]" in line
