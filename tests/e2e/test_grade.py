"""``mlcicd grade`` on the real exercises and solutions, and on broken or tampered submissions.

One class of submissions is graded once (two at a time) and each test reads
its row. Every submission's bytes are compared before and after grading.
Every solution is graded at full marks in test_grading_as_shipped.py, in a
fresh venv installed exactly as the grading CI installs the course.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from mlcicd import cli
from mlcicd.course import notebook as n
from mlcicd.course.notebook import checkpoint_info, is_solution
from mlcicd.grade import SubmissionResult, grade_me, grade_paths

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "exercises" / "manifest.json"
EX08 = "08_codepipeline"
TIMEOUT = 6
Variant = Callable[[nbformat.NotebookNode], nbformat.NotebookNode]


def solution() -> nbformat.NotebookNode:
    return n.read(ROOT / "solutions" / f"{EX08}.ipynb")


def exercise() -> nbformat.NotebookNode:
    return n.read(ROOT / "exercises" / f"{EX08}.ipynb")


def checkpoint_index(nb: nbformat.NotebookNode, checkpoint_id: str) -> int:
    (index,) = [
        i for i, c in enumerate(nb.cells) if (checkpoint_info(c) or ("",))[0] == checkpoint_id
    ]
    return index


def solution_cells(nb: nbformat.NotebookNode) -> list[int]:
    return [i for i, c in enumerate(nb.cells) if is_solution(c)]


def half_done() -> nbformat.NotebookNode:
    """The exercise with the first two solution cells filled in."""
    nb, answers = exercise(), solution()
    for index in solution_cells(nb)[:2]:
        nb.cells[index].source = answers.cells[index].source
    return nb


def edited_check() -> nbformat.NotebookNode:
    nb = exercise()
    cell = nb.cells[checkpoint_index(nb, "08.1")]
    cell.source = "# NBVAL_CHECK_OUTPUT\nprint('Checkpoint 08.1 passed (2/2 points)')"
    return nb


def edited_expected_output() -> nbformat.NotebookNode:
    """The untouched exercise whose stored lines are what its stubs print: nbval would match."""
    nb = exercise()
    for index in [checkpoint_index(nb, f"08.{k}") for k in range(1, 5)]:
        nb.cells[index].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
    return nb


def printed_success() -> nbformat.NotebookNode:
    nb = exercise()
    nb.cells.insert(
        checkpoint_index(nb, "08.2"),
        n.code("print('Checkpoint 08.2 passed (2/2 points)')", cell_id="cheat"),
    )
    return nb


def deleted() -> nbformat.NotebookNode:
    nb = solution()
    del nb.cells[checkpoint_index(nb, "08.2")]
    return nb


def duplicated() -> nbformat.NotebookNode:
    nb = solution()
    index = checkpoint_index(nb, "08.1")
    nb.cells.insert(index + 1, copy.deepcopy(nb.cells[index]))
    return nb


def moved() -> nbformat.NotebookNode:
    """Checkpoint 08.1 moved to the top, before the code it checks exists."""
    nb = solution()
    cell = nb.cells.pop(checkpoint_index(nb, "08.1"))
    nb.cells.insert(0, cell)
    return nb


def endless_loop() -> nbformat.NotebookNode:
    """``stages_that_ran`` never returns: checkpoint 08.3 times out, 08.4 is still graded."""
    nb = solution()
    cell = nb.cells[solution_cells(nb)[2]]
    cell.source = cell.source.replace(
        "def stages_that_ran(execution: Execution) -> list[str]:\n",
        "def stages_that_ran(execution: Execution) -> list[str]:\n    while True:\n        pass\n",
    )
    assert "while True" in cell.source
    return nb


def kernel_exit() -> nbformat.NotebookNode:
    nb = solution()
    nb.cells.insert(checkpoint_index(nb, "08.3"), n.code("import os\nos._exit(1)", cell_id="x"))
    return nb


def memory_hog() -> nbformat.NotebookNode:
    """``with_approval`` asks for 64 GiB: MemoryError under the kernel's limit."""
    nb = solution()
    cell = nb.cells[solution_cells(nb)[1]]
    cell.source = cell.source.replace(
        "### BEGIN SOLUTION", "hog = bytearray(64 * 2**30)\n    ### BEGIN SOLUTION", 1
    )
    return nb


def reads_solutions() -> nbformat.NotebookNode:
    """Exercise 1 answered by running the solution notebook's code from ../solutions."""
    nb = exercise()
    nb.cells[solution_cells(nb)[0]].source = (
        "import json\n"
        f"_cells = json.load(open('../solutions/{EX08}.ipynb'))['cells']\n"
        "exec(''.join(_cells[3]['source']))"
    )
    return nb


def huge_output() -> nbformat.NotebookNode:
    nb = solution()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * (50 * 2**20))]
    return nb


NOTEBOOKS: dict[str, Callable[[], nbformat.NotebookNode]] = {
    "untouched": exercise,
    "half_done": half_done,
    "edited_check": edited_check,
    "edited_expected_output": edited_expected_output,
    "printed_success": printed_success,
    "deleted": deleted,
    "duplicated": duplicated,
    "moved": moved,
    "endless_loop": endless_loop,
    "kernel_exit": kernel_exit,
    "memory_hog": memory_hog,
    "reads_solutions": reads_solutions,
    "huge_output": huge_output,
}
RAW: dict[str, bytes] = {
    "not_json": b"{this is not json",
    "empty": b"",
    "wrong_nbformat": json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": []}).encode(),
    "not_a_notebook": json.dumps({"hello": "world"}).encode(),
}


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A class: one folder per learner, each holding one submission."""
    root = tmp_path_factory.mktemp("submissions")
    for learner, make in NOTEBOOKS.items():
        n.write(make(), root / learner / f"{EX08}.ipynb")
    for learner, raw in RAW.items():
        (root / learner).mkdir()
        (root / learner / f"{EX08}.ipynb").write_bytes(raw)
    wrong = n.read(ROOT / "exercises" / "07_codebuild.ipynb")
    n.write(wrong, root / "wrong_exercise" / f"{EX08}.ipynb")
    return root


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.ipynb"))
    }


@pytest.fixture(scope="module")
def graded(klass: Path) -> tuple[dict[str, SubmissionResult], dict[str, str], dict[str, str]]:
    before = digests(klass)
    results = grade_paths([klass], manifest=MANIFEST, workers=2, timeout=TIMEOUT)
    return {r.learner: r for r in results}, before, digests(klass)


def statuses(result: SubmissionResult) -> dict[str, tuple[str, int]]:
    return {c.id: (c.status, c.points) for c in result.checkpoints}


def test_the_untouched_exercise_scores_0(graded: tuple) -> None:
    result = graded[0]["untouched"]
    assert result.errors == () and result.warnings == ()
    assert result.score == 0 < result.max_score
    assert {c.status for c in result.checkpoints} == {"failed"}


def test_the_submissions_are_never_modified(graded: tuple) -> None:
    _, before, after = graded
    assert after == before


def test_a_half_done_exercise_scores_exactly_the_checkpoints_done(graded: tuple) -> None:
    result = graded[0]["half_done"]
    assert statuses(result) == {
        "08.1": ("passed", 2),
        "08.2": ("passed", 2),
        "08.3": ("failed", 0),
        "08.4": ("failed", 0),
    }
    assert (result.score, result.max_score) == (4, 9)


def test_an_edited_checkpoint_is_reported_and_graded_from_the_course_cell(graded: tuple) -> None:
    result = graded[0]["edited_check"]
    assert result.score == 0
    assert any("checkpoint 08.1 was edited" in w for w in result.warnings)


@pytest.mark.parametrize("learner", ["edited_expected_output", "printed_success"])
def test_faked_success_earns_nothing(graded: tuple, learner: str) -> None:
    assert graded[0][learner].score == 0


def test_a_deleted_checkpoint_scores_0_with_the_reason(graded: tuple) -> None:
    result = graded[0]["deleted"]
    assert statuses(result)["08.2"] == ("deleted", 0)
    assert result.score == 7
    assert "checkpoint 08.2 was deleted: it scores 0" in result.warnings


def test_a_duplicated_checkpoint_is_reported_and_counted_once(graded: tuple) -> None:
    result = graded[0]["duplicated"]
    assert result.score == 9
    assert any("checkpoint 08.1 is duplicated" in w for w in result.warnings)


def test_a_moved_checkpoint_is_reported_and_graded_after_its_solution(graded: tuple) -> None:
    result = graded[0]["moved"]
    assert (
        "checkpoint 08.1 was moved above the cell it checks: cell 1 is ignored; the checkpoint "
        "is graded after its solution cell (cell 5)"
    ) in result.warnings
    assert statuses(result)["08.1"] == ("passed", 2)  # the course's cell, after the solution
    assert result.score == 9


def test_an_endless_loop_costs_its_checkpoint_only(graded: tuple) -> None:
    result = graded[0]["endless_loop"]
    assert statuses(result)["08.3"] == ("timeout", 0)
    assert f"Timeout of {TIMEOUT} seconds" in result.checkpoints[2].message
    assert result.score == 7


def test_a_dying_kernel_is_reported_with_the_checkpoints_it_cost(graded: tuple) -> None:
    result = graded[0]["kernel_exit"]
    assert statuses(result) == {
        "08.1": ("passed", 2),
        "08.2": ("passed", 2),
        "08.3": ("not run", 0),
        "08.4": ("not run", 0),
    }
    assert "the kernel died" in result.checkpoints[2].message


def test_a_dead_kernel_costs_no_wait_for_the_cell_timeout(tmp_path: Path) -> None:
    # nbval alone waits out the cell timeout (then 5 s more) for a kernel that has died.
    long = 120
    n.write(kernel_exit(), tmp_path / "learner" / f"{EX08}.ipynb")
    start = time.monotonic()
    (result,) = grade_paths([tmp_path], manifest=MANIFEST, timeout=long)
    assert time.monotonic() - start < long, "the grader waited for a dead kernel's reply"
    assert statuses(result)["08.3"] == ("not run", 0)
    assert "the kernel died" in result.checkpoints[2].message


def test_memory_exhaustion_under_the_limit_costs_its_checkpoint_only(graded: tuple) -> None:
    result = graded[0]["memory_hog"]
    assert statuses(result)["08.2"][1] == 0
    assert "MemoryError" in result.checkpoints[1].message
    assert result.score == 7


def test_the_solutions_folder_is_out_of_reach(graded: tuple) -> None:
    result = graded[0]["reads_solutions"]
    assert statuses(result)["08.1"] == ("failed", 0)
    assert result.score == 0


def test_a_huge_saved_output_is_dropped_and_grades_normally(graded: tuple) -> None:
    result = graded[0]["huge_output"]
    assert result.score == 9
    assert len(json.dumps(result.to_dict())) < 10_000


@pytest.mark.parametrize(
    ("learner", "error"),
    [
        ("not_json", "not a readable notebook"),
        ("empty", "not a readable notebook"),
        ("wrong_nbformat", "not a readable notebook"),
        ("not_a_notebook", "not a readable notebook"),
        ("wrong_exercise", "the notebook is exercise 07_codebuild's"),
    ],
)
def test_a_broken_submission_is_an_error_row_and_the_rest_are_graded(
    graded: tuple, learner: str, error: str
) -> None:
    result = graded[0][learner]
    assert result.score == 0 and result.checkpoints == ()
    assert error in result.errors[0]
    assert graded[0]["duplicated"].score == 9  # graded in the same run


def test_the_cli_writes_every_report_and_exits_0_whatever_the_scores(tmp_path: Path) -> None:
    submissions = tmp_path / "class"
    n.write(solution(), submissions / "ana" / f"{EX08}.ipynb")
    (submissions / "bo").mkdir()
    (submissions / "bo" / f"{EX08}.ipynb").write_text("{")
    out = tmp_path / "out"
    args = ["grade", str(submissions), "--manifest", str(MANIFEST), "-n", "2"]
    args += ["--json", str(out / "g.json"), "--csv", str(out / "g.csv")]
    args += ["--junit", str(out / "g.xml")]

    result = CliRunner().invoke(cli.main, args)

    assert result.exit_code == 0, result.output
    assert "  total 9/9" in result.output and "not graded: " in result.output
    rows = (out / "g.csv").read_text().splitlines()
    assert rows[0] == "learner,exercise,path,08.1,08.2,08.3,08.4,score,max_score,errors"
    assert rows[1].startswith("ana,08_codepipeline,") and rows[1].endswith(",2,2,2,3,9,9,")
    assert json.loads((out / "g.json").read_text())["submissions"][0]["score"] == 9
    assert (out / "g.xml").read_text().count("<testcase ") == 4 + 1


def test_grade_me_grades_the_saved_notebook_it_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As JupyterLab runs it: the kernel in the exercise's folder, the session naming the file."""
    folder = tmp_path / "exercises"
    n.write(half_done(), folder / f"{EX08}.ipynb")
    (folder / "manifest.json").write_bytes(MANIFEST.read_bytes())
    monkeypatch.chdir(folder)
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / f"{EX08}.ipynb"))
    monkeypatch.delenv("MLCICD_GRADING", raising=False)

    grade_me()

    out = capsys.readouterr().out
    assert out.startswith(f"Grading the saved {EX08}.ipynb")
    assert "  08.2        2/2     passed" in out
    assert "  total 4/9" in out
