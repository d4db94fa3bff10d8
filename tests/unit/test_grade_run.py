"""Grading runs, without nbval: finding submissions, shards, the exercise, nbval's verdicts."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mlcicd.course import notebook as n
from mlcicd.course.nbval_run import CellResult, NbvalResults
from mlcicd.exceptions import GradeError
from mlcicd.grade import kernel, run
from mlcicd.grade.manifest import CheckpointSpec, ExerciseSpec
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.run import (
    MESSAGE_LIMIT,
    Submission,
    _checkpoint_result,
    find_submissions,
    grade_submission,
    identify,
    shard,
)


def spec(checkpoint_id: str, points: int) -> CheckpointSpec:
    """Return the manifest's record of a checkpoint."""
    cell = n.checkpoint_cell(checkpoint_id, points)
    return CheckpointSpec(checkpoint_id, points, n.cell_checksum(cell), cell["id"])


EXERCISES = {
    "02_unit_tests": ExerciseSpec("02_unit_tests", "02_unit_tests.ipynb", (spec("02.1", 2),)),
    "08_codepipeline": ExerciseSpec(
        "08_codepipeline", "08_codepipeline.ipynb", (spec("08.1", 2), spec("08.2", 3))
    ),
}


def touch(path: Path) -> Path:
    """Create an (empty) file and its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def found(targets: Sequence[Path], base: Path) -> list[tuple[str, str]]:
    """Return (relative path, learner) of the submissions found."""
    return [(s.path.relative_to(base).as_posix(), s.learner) for s in find_submissions(targets)]


def test_a_single_notebook_is_its_stems_submission(tmp_path: Path) -> None:
    notebook = touch(tmp_path / "alice.ipynb")
    assert find_submissions([notebook]) == [Submission(notebook, "alice")]


def test_a_folder_of_notebooks_is_one_learner_per_notebook(tmp_path: Path) -> None:
    for name in ("bob.ipynb", "alice.ipynb", "notes.txt"):
        touch(tmp_path / "subs" / name)
    assert found([tmp_path / "subs"], tmp_path) == [
        ("subs/alice.ipynb", "alice"),
        ("subs/bob.ipynb", "bob"),
    ]


def test_a_folder_of_learner_folders_names_learners_by_folder(tmp_path: Path) -> None:
    touch(tmp_path / "subs" / "bob" / "08_codepipeline.ipynb")
    touch(tmp_path / "subs" / "alice" / "02_unit_tests.ipynb")
    touch(tmp_path / "subs" / "alice" / "08_codepipeline.ipynb")
    touch(tmp_path / "subs" / "alice" / "deeper" / "ignored.ipynb")
    touch(tmp_path / "subs" / ".ipynb_checkpoints" / "alice-checkpoint.ipynb")
    touch(tmp_path / "subs" / ".hidden" / "x.ipynb")
    touch(tmp_path / "subs" / "__pycache__" / "y.ipynb")
    # The notebook deeper in alice's folder is found, to be reported as skipped.
    assert found([tmp_path / "subs"], tmp_path) == [
        ("subs/alice/02_unit_tests.ipynb", "alice"),
        ("subs/alice/08_codepipeline.ipynb", "alice"),
        ("subs/alice/deeper/ignored.ipynb", "alice"),
        ("subs/bob/08_codepipeline.ipynb", "bob"),
    ]


def test_several_targets_are_sorted_by_path(tmp_path: Path) -> None:
    zed = touch(tmp_path / "zed.ipynb")
    touch(tmp_path / "subs" / "amy.ipynb")
    assert found([zed, tmp_path / "subs"], tmp_path) == [
        ("subs/amy.ipynb", "amy"),
        ("zed.ipynb", "zed"),
    ]


def test_a_missing_path_is_a_grade_error(tmp_path: Path) -> None:
    with pytest.raises(GradeError, match="there is no such file or folder") as raised:
        find_submissions([tmp_path / "nowhere"])
    assert raised.value.path == str(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "files", [[], ["notes.txt"], [".hidden/x.ipynb"]], ids=["empty", "no notebook", "hidden only"]
)
def test_a_folder_without_notebooks_is_a_grade_error(tmp_path: Path, files: list[str]) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    for name in files:
        touch(folder / name)
    with pytest.raises(GradeError, match=r"holds no notebook \(\*\.ipynb\) to grade") as raised:
        find_submissions([folder])
    assert raised.value.path == str(folder)


FIVE = [Submission(Path(f"{i}.ipynb"), str(i)) for i in range(5)]


@pytest.mark.parametrize(
    ("spec_text", "learners"),
    [
        ("1/2", ["0", "2", "4"]),
        ("2/2", ["1", "3"]),
        ("1/1", ["0", "1", "2", "3", "4"]),
        ("3/3", ["2"]),
        (" 2/7 ", ["1"]),
        ("7/7", []),
    ],
)
def test_shards(spec_text: str, learners: list[str]) -> None:
    assert [s.learner for s in shard(FIVE, spec_text)] == learners


@pytest.mark.parametrize("spec_text", ["0/2", "3/2", "x", "1/0", "1-2", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_a_grade_error(spec_text: str) -> None:
    with pytest.raises(GradeError, match=r"give K/N with 1 <= K <= N"):
        shard(FIVE, spec_text)


def test_shards_cover_every_submission_once() -> None:
    parts = [shard(FIVE, f"{k}/3") for k in (1, 2, 3)]
    assert sorted((s for part in parts for s in part), key=lambda s: s.learner) == FIVE


def with_exercise(name: str | None) -> dict[str, Any]:
    """Return notebook JSON whose metadata names ``name`` (or no exercise)."""
    return {"metadata": {"mlcicd": {"exercise": name}} if name else {}}


@pytest.mark.parametrize(
    ("claimed", "file_name", "expected", "exercise"),
    [
        ("08_codepipeline", "whatever.ipynb", None, "08_codepipeline"),
        ("08_codepipeline", "alice.ipynb", "08_codepipeline", "08_codepipeline"),
        (None, "08_codepipeline.ipynb", None, "08_codepipeline"),
        (None, "alice_08_codepipeline.ipynb", None, "08_codepipeline"),
        (None, "alice_02_unit_tests.ipynb", "02_unit_tests", "02_unit_tests"),
        (None, "alice.ipynb", "02_unit_tests", "02_unit_tests"),
        ("08_codepipeline", "alice_08_codepipeline.ipynb", None, "08_codepipeline"),
    ],
    ids=[
        "metadata",
        "metadata and --exercise agree",
        "file name",
        "prefixed file name",
        "prefixed file name and --exercise",
        "only --exercise",
        "metadata and file name agree",
    ],
)
def test_identify(claimed: str | None, file_name: str, expected: str | None, exercise: str) -> None:
    assert identify(with_exercise(claimed), Path(file_name), EXERCISES, expected).name == exercise


@pytest.mark.parametrize(
    ("claimed", "file_name", "expected", "message"),
    [
        (
            "08_codepipeline",
            "whatever.ipynb",
            "02_unit_tests",
            "this is exercise 08_codepipeline's notebook, not 02_unit_tests's",
        ),
        (
            None,
            "08_codepipeline.ipynb",
            "02_unit_tests",
            "this is exercise 08_codepipeline's notebook, not 02_unit_tests's",
        ),
        (
            "02_unit_tests",
            "alice_08_codepipeline.ipynb",
            None,
            "the file is named for exercise 08_codepipeline, but the notebook is exercise "
            "02_unit_tests's; submit the 08_codepipeline notebook",
        ),
        (
            "99_unknown",
            "notes.ipynb",
            None,
            "exercise 99_unknown is not in the manifest (it has 02_unit_tests, 08_codepipeline); "
            "grade with the manifest of this notebook's course",
        ),
        (
            None,
            "notes.ipynb",
            None,
            "cannot tell which exercise this is (no course metadata, and the file name is "
            "no exercise's); pass --exercise NAME",
        ),
    ],
    ids=[
        "metadata vs --exercise",
        "file name vs --exercise",
        "file vs metadata",
        "unknown",
        "none",
    ],
)
def test_identify_refuses(
    claimed: str | None, file_name: str, expected: str | None, message: str
) -> None:
    with pytest.raises(GradeError) as raised:
        identify(with_exercise(claimed), Path(file_name), EXERCISES, expected)
    assert raised.value.message == message


def failure(line: str) -> str:
    """Return nbval's report text of a cell whose check printed ``line`` (in colour)."""
    return (
        "\x1b[91mNotebook cell execution failed\x1b[0m\n"
        "\x1b[94mCell 4: Cell outputs differ\n\nInput:\n\x1b[0m"
        '# NBVAL_CHECK_OUTPUT\ncheckpoint("02.1")\n\n'
        "Expected:\nCheckpoint 02.1 passed (2/2 points)\n\n"
        f"Actual:\n\x1b[31m{line}\x1b[0m\n"
    )


FAILED_LINE = "Checkpoint 02.1 failed (0/2 points): double(3) returned 5, expected 6. Hint: x2."
TIMEOUT = (
    "#x1B[91mNotebook cell execution failed#x1B[0m\n"
    "#x1B[94mCell 4: Timeout of 5 seconds exceeded executing cell\n\nInput:\n#x1B[0m"
    "while True: pass\n\nTraceback:\nKeyboardInterrupt\n"
)
KERNEL_DIED = (
    "Notebook cell execution failed\nCell 3: Timeout of 5 seconds exceeded while executing "
    "cell. Failed to interrupt kernel in 5 seconds, so failing without traceback.\n"
)
SKIPPED = "Previous cell timed out, expected cell to fail"
ERROR = (
    "Notebook cell execution failed\nCell 4: Cell execution caused an exception\n\nInput:\n"
    'checkpoint("02.1")\n\nTraceback:\n\x1b[31mNameError\x1b[0m: '
    "name 'double' is not defined\n\n"
)


@pytest.mark.parametrize(
    ("result", "earlier", "status", "points", "message"),
    [
        (CellResult("passed"), {}, "passed", 2, ""),
        (CellResult("failed", failure(FAILED_LINE)), {}, "failed", 0, FAILED_LINE),
        (
            CellResult("failed", failure(FAILED_LINE).replace("\x1b", "#x1B")),
            {},
            "failed",
            0,
            FAILED_LINE,
        ),
        (
            CellResult("failed", failure("Checkpoint 02.1 cannot run yet (0/2 points): no double")),
            {},
            "failed",
            0,
            "Checkpoint 02.1 cannot run yet (0/2 points): no double",
        ),
        (
            CellResult("failed", TIMEOUT),
            {},
            "timeout",
            0,
            "Cell 4: Timeout of 5 seconds exceeded executing cell",
        ),
        (
            CellResult("failed", "Timeout of 5 seconds exceeded executing cell"),
            {},
            "timeout",
            0,
            "Timeout of 5 seconds exceeded executing cell",
        ),
        (
            CellResult("skipped", SKIPPED),
            {2: CellResult("passed"), 3: CellResult("failed", KERNEL_DIED)},
            "not run",
            0,
            "not run: the kernel died or hung in an earlier cell",
        ),
        (
            CellResult("skipped", SKIPPED),
            {2: CellResult("failed", TIMEOUT)},
            "not run",
            0,
            "not run: an earlier cell timed out",
        ),
        (CellResult("failed", ERROR), {}, "error", 0, "NameError: name 'double' is not defined"),
        (None, {}, "not run", 0, "nbval did not run this cell"),
    ],
    ids=[
        "passed",
        "failed",
        "failed, colours escaped by the JUnit report",
        "cannot run yet",
        "timeout",
        "timeout, one line",
        "kernel died",
        "earlier timeout",
        "error",
        "no verdict",
    ],
)
def test_nbval_verdicts_become_checkpoint_results(
    result: CellResult | None,
    earlier: dict[int, CellResult],
    status: str,
    points: int,
    message: str,
) -> None:
    checkpoint = _checkpoint_result("02.1", 2, result, earlier)
    assert (checkpoint.id, checkpoint.max_points) == ("02.1", 2)
    assert (checkpoint.status, checkpoint.points, checkpoint.message) == (status, points, message)


def test_long_messages_are_clipped() -> None:
    long_line = "ValueError: " + "x" * 2000
    checkpoint = _checkpoint_result("02.1", 2, CellResult("error", long_line), {})
    assert checkpoint.status == "error"
    assert len(checkpoint.message) == MESSAGE_LIMIT
    assert checkpoint.message == long_line[: MESSAGE_LIMIT - 1] + "…"


def test_long_messages_are_never_cut_mid_word() -> None:
    words = "Checkpoint 09.2 failed (0/2 points): " + " ".join(["assertion"] * 100)
    checkpoint = _checkpoint_result("09.2", 2, CellResult("failed", words), {})
    assert len(checkpoint.message) <= MESSAGE_LIMIT
    assert checkpoint.message.endswith("assertion…")
    assert words.startswith(checkpoint.message[:-1])


@pytest.fixture
def no_nbval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to run nbval fail the test."""

    def refuse(*args: object, **kwargs: object) -> NbvalResults:
        raise AssertionError("nbval must not run for this submission")

    monkeypatch.setattr(kernel, "run_nbval", refuse)


def notebook_json(**metadata: Any) -> str:
    """Return the text of a small course notebook with ``metadata``."""
    return n.dumps(n.new_notebook([n.code("x = 1")], **metadata))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{not json", "not a readable notebook (JSONDecodeError"),
        ("", "not a readable notebook (JSONDecodeError"),
        (
            json.dumps({"nbformat": 99, "nbformat_minor": 0, "metadata": {}, "cells": []}),
            "not a readable notebook",
        ),
        (json.dumps({"cells": []}), "not a readable notebook (ValueError"),
        (json.dumps([1, 2]), "not a readable notebook (ValueError"),
        (notebook_json(mlcicd={"exercise": "99_unknown"}), "exercise 99_unknown is not in"),
        (notebook_json(), "cannot tell which exercise this is"),
    ],
    ids=["not JSON", "empty", "nbformat 99", "JSON, no nbformat", "a list", "unknown", "anonymous"],
)
def test_a_broken_submission_is_an_error_row_and_stays_untouched(
    tmp_path: Path, no_nbval: None, text: str, error: str
) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(text, encoding="utf-8")
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    result = grade_submission(Submission(path, "alice"), EXERCISES)

    assert result.path == str(path) and result.learner == "alice"
    assert result.exercise == "" and result.checkpoints == ()
    assert (result.score, result.max_score) == (0, 0)
    assert not result.graded
    assert len(result.errors) == 1 and error in result.errors[0]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_submission_of_another_exercise_than_asked_is_an_error_row(
    tmp_path: Path, no_nbval: None
) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook_json(mlcicd={"exercise": "08_codepipeline"}), encoding="utf-8")
    result = grade_submission(Submission(path, "alice"), EXERCISES, expected="02_unit_tests")
    assert result.errors == ("this is exercise 08_codepipeline's notebook, not 02_unit_tests's",)


@pytest.mark.parametrize(
    "junk", ["tampered", {"exercise": ["08_codepipeline"]}], ids=["a string", "a list"]
)
def test_junk_exercise_metadata_is_an_error_row(
    tmp_path: Path, no_nbval: None, junk: object
) -> None:
    path = tmp_path / "notes.ipynb"
    path.write_text(notebook_json(mlcicd=junk), encoding="utf-8")
    result = grade_submission(Submission(path, "notes"), EXERCISES)
    assert result.errors and result.score == 0


@pytest.fixture
def fake_nbval(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Replace nbval: every code cell passes but checkpoint 08.2's, which fails.

    Yields the notebooks it was given, as they were written for it.
    """
    seen: list[Any] = []

    def fake(paths: Sequence[str], report: Path, *, cwd: Path, **kwargs: Any) -> NbvalResults:
        (name,) = paths
        nb = n.read(cwd / name)
        seen.append(nb)
        code_cells = [c for c in nb.cells if c.cell_type == "code"]
        # The outside verdicts agree with nbval, as the real nbval process would write them.
        setting = json.loads(kwargs["env"][kernel.SANDBOX_ENV])
        verdicts = {
            checkpoint: {"passed": checkpoint != "08.2", "line": f"Checkpoint {checkpoint} ..."}
            for checkpoint in setting["checkpoints"].values()
        }
        Path(setting["verdicts"]).write_text(json.dumps(verdicts))
        return {
            str(name): {
                number: CellResult("failed", failure("Checkpoint 08.2 failed (0/3 points): no"))
                if 'checkpoint("08.2")' in cell.source
                else CellResult("passed")
                for number, cell in enumerate(code_cells)
            }
        }

    monkeypatch.setattr(kernel, "run_nbval", fake)
    yield seen


def pipeline_notebook(*, delete_first: bool = False) -> Any:
    """Return an 08_codepipeline exercise notebook, its first checkpoint deleted if asked."""
    cells = [
        n.markdown("# Pipelines"),
        n.code("a = 1"),
        n.checkpoint_cell("08.1", 2),
        n.code("b = 2"),
        n.checkpoint_cell("08.2", 3),
    ]
    if delete_first:
        del cells[2]
    return n.new_notebook(cells, mlcicd={"exercise": "08_codepipeline"})


def test_nbval_verdicts_are_mapped_to_checkpoints_by_position(
    tmp_path: Path, fake_nbval: list[Any]
) -> None:
    path = tmp_path / "alice_08_codepipeline.ipynb"
    n.write(pipeline_notebook(), path)

    result = grade_submission(Submission(path, "alice"), EXERCISES)

    assert result.errors == () and result.warnings == ()
    assert (result.exercise, result.score, result.max_score) == ("08_codepipeline", 2, 5)
    assert [(c.id, c.status, c.points) for c in result.checkpoints] == [
        ("08.1", "passed", 2),
        ("08.2", "failed", 0),
    ]
    assert result.checkpoints[1].message == "Checkpoint 08.2 failed (0/3 points): no"
    (graded,) = fake_nbval
    assert [c.cell_type for c in graded.cells] == [c.cell_type for c in pipeline_notebook().cells]


def test_a_deleted_checkpoint_scores_zero_and_the_rest_is_still_mapped(
    tmp_path: Path, fake_nbval: list[Any]
) -> None:
    path = tmp_path / "alice.ipynb"
    n.write(pipeline_notebook(delete_first=True), path)
    before = path.read_bytes()

    result = grade_submission(Submission(path, "alice"), EXERCISES)

    assert [(c.id, c.status, c.points) for c in result.checkpoints] == [
        ("08.1", "deleted", 0),
        ("08.2", "failed", 0),
    ]
    assert result.warnings == ("checkpoint 08.1 was deleted: it scores 0",)
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "--disable-wasm-trap-handler"),
        ("--max-old-space-size=2048", "--max-old-space-size=2048 --disable-wasm-trap-handler"),
        ("--disable-wasm-trap-handler", "--disable-wasm-trap-handler"),
    ],
)
def test_graded_kernels_run_node_without_the_wasm_trap_handler(
    given: str | None, expected: str
) -> None:
    # Under the kernel's address-space limit, V8's trap handler cannot reserve its
    # WebAssembly memory, and the CDK (exercise 09) fails to start.
    base = {"PATH": "/usr/bin"} | ({"NODE_OPTIONS": given} if given else {})
    environ = run.kernel_environment(base)
    assert environ["NODE_OPTIONS"] == expected
    assert environ[run.GRADING_ENV] == "1"
    assert base.get("NODE_OPTIONS") == given  # the grader's own environment is unchanged


# ---- what the machine lacks is not the learner's fault ----------------------------


def test_an_exercise_needing_a_missing_package_is_a_not_gradable_row(
    tmp_path: Path, no_nbval: None
) -> None:
    lacking = ExerciseSpec(
        "02_unit_tests",
        "02_unit_tests.ipynb",
        (spec("02.1", 2),),
        requires=("pandas", "no_such_package_for_grading"),
    )
    path = tmp_path / "02_unit_tests.ipynb"
    path.write_text(notebook_json(mlcicd={"exercise": "02_unit_tests"}), encoding="utf-8")
    before = path.read_bytes()

    result = grade_submission(Submission(path, "alice"), {"02_unit_tests": lacking})

    assert not result.graded and (result.score, result.max_score) == (0, 2)
    assert [(c.id, c.status) for c in result.checkpoints] == [("02.1", "not gradable")]
    (error,) = result.errors
    assert error.startswith("not gradable on this machine: this machine cannot grade exercise")
    assert "no_such_package_for_grading is not installed" in error
    assert "pip install '.[grade]'" in error  # how to fix it
    assert "pandas" not in error.split("package")[1]  # only what is missing is named
    assert path.read_bytes() == before


def test_a_checkpoint_the_kernel_could_not_grade_is_not_gradable_not_failed() -> None:
    line = (
        "Checkpoint 02.4 cannot be graded here (0/2 points): the package "
        "no_such_package_for_grading is not installed on this machine; install it. This is "
        "about the machine, not your code."
    )
    result = _checkpoint_result("02.4", 2, CellResult("failed", f"Expected: ...\n{line}\n"), {})
    assert (result.status, result.points) == ("not gradable", 0)
    assert result.message == line


@pytest.mark.parametrize("names", ["pandas", "numpy, pandas", "pandas.core"])
def test_a_claimed_missing_package_this_machine_has_is_a_failure_not_a_machine_problem(
    names: str,
) -> None:
    # Learner code can print any line; the grader checks the claim on its own machine.
    line = (
        f"Checkpoint 02.1 cannot be graded here (0/2 points): the package {names} is not "
        "installed on this machine; install it. This is about the machine, not your code."
    )
    result = _checkpoint_result("02.1", 2, CellResult("failed", f"Expected: ...\n{line}\n"), {})
    assert (result.status, result.points) == ("failed", 0)
    assert result.message.startswith(line) and "not so: this machine has it" in result.message


def test_a_claimed_missing_cdk_is_checked_against_this_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlcicd.iac import environment

    line = "Checkpoint 09.1 cannot be graded here (0/2 points): Node.js is not installed."
    monkeypatch.setattr(environment, "cdk_problem", lambda: None)
    assert not run.machine_lacks(line)
    monkeypatch.setattr(environment, "cdk_problem", lambda: "Node.js is not installed")
    assert run.machine_lacks(line)


# ---- links and duplicates in a class folder ------------------------------------------


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_a_symlinked_submission_is_an_error_row_and_never_followed(
    tmp_path: Path, no_nbval: None, linked: str
) -> None:
    target = tmp_path / "elsewhere" / "08_codepipeline.ipynb"
    target.parent.mkdir()
    target.write_text(notebook_json(mlcicd={"exercise": "08_codepipeline"}), encoding="utf-8")
    learner = tmp_path / "class" / "mallory"
    if linked == "file":
        learner.mkdir(parents=True)
        (learner / "08_codepipeline.ipynb").symlink_to(target)
    else:
        learner.parent.mkdir()
        learner.symlink_to(target.parent, target_is_directory=True)

    (submission,) = find_submissions([tmp_path / "class"])
    result = grade_submission(submission, EXERCISES)

    assert submission.learner == "mallory"
    # The error row keeps the exercise its name gives, and its maximum (2 + 3 points).
    assert (result.score, result.checkpoints, result.exercise) == (0, (), "08_codepipeline")
    assert result.max_score == 5
    assert result.errors[0].startswith("a symbolic link (or inside one), not a notebook")


def result_of(path: str, learner: str, exercise: str) -> SubmissionResult:
    return SubmissionResult(path, learner, exercise, 1, 2)


def test_a_learner_handing_in_one_exercise_twice_is_warned_on_each_copy() -> None:
    results = run.flag_duplicates(
        [
            result_of("c/ana/08_codepipeline.ipynb", "ana", "08_codepipeline"),
            result_of("c/ana/08_codepipeline-Copy1.ipynb", "ana", "08_codepipeline"),
            result_of("c/ana/02_unit_tests.ipynb", "ana", "02_unit_tests"),
            result_of("c/bo/08_codepipeline.ipynb", "bo", "08_codepipeline"),
            result_of("c/bo/broken.ipynb", "bo", ""),
            result_of("c/bo/also-broken.ipynb", "bo", ""),
        ]
    )
    warned = [r.path for r in results if r.warnings]
    assert warned == ["c/ana/08_codepipeline.ipynb", "c/ana/08_codepipeline-Copy1.ipynb"]
    assert results[0].warnings == (
        "2 submissions of exercise 08_codepipeline by ana (08_codepipeline.ipynb, "
        "08_codepipeline-Copy1.ipynb): each is graded; keep one",
    )
    assert [r.score for r in results] == [1] * 6  # nothing dropped, nothing rescored


PASSED = CheckpointResult("08.1", 2, 2, "passed", "")
FAILED = CheckpointResult("08.1", 0, 2, "failed", "Checkpoint 08.1 failed (0/2 points): kernel")
OUT_FAIL = (False, "Checkpoint 08.1 failed (0/2 points): outside")


@pytest.mark.parametrize(
    ("seen", "verdict", "status", "points", "message", "review"),
    [
        (PASSED, (True, "Checkpoint 08.1 passed (2/2 points)"), "passed", 2, "", False),
        # The kernel printed the success line; the check run outside says otherwise.
        (PASSED, OUT_FAIL, "failed", 0, OUT_FAIL[1], True),
        (PASSED, None, "failed", 0, "the grader's own run of the check did not happen", True),
        (FAILED, (True, "Checkpoint 08.1 passed (2/2 points)"), "failed", 0, FAILED.message, True),
        # Both failed: the message is the outside one, which learner code cannot write.
        (FAILED, OUT_FAIL, "failed", 0, OUT_FAIL[1], False),
        (replace(FAILED, status="timeout", message="t"), OUT_FAIL, "timeout", 0, "t", False),
    ],
)
def test_a_checkpoint_scores_only_when_nbval_and_the_outside_verdict_agree(
    seen: CheckpointResult,
    verdict: tuple[bool, str] | None,
    status: str,
    points: int,
    message: str,
    review: bool,
) -> None:
    judged, warning = run.judge(seen, verdict)
    assert (judged.status, judged.points, judged.message) == (status, points, message)
    assert (warning is not None) == review
    if warning:
        assert warning.startswith("review checkpoint 08.1:")


def test_a_notebook_in_a_learner_subfolder_is_reported_as_skipped_not_dropped(
    tmp_path: Path, no_nbval: None
) -> None:
    learner = tmp_path / "class" / "erin"
    touch(learner / "exercises" / "08_codepipeline.ipynb")
    touch(learner / ".ipynb_checkpoints" / "08_codepipeline-checkpoint.ipynb")

    (submission,) = find_submissions([tmp_path / "class"])
    result = grade_submission(submission, EXERCISES)

    assert (result.learner, result.exercise, result.score, result.max_score) == (
        "erin", "08_codepipeline", 0, 5,
    )  # fmt: skip
    assert result.errors[0].startswith("a notebook in a subfolder (exercises/08_codepipeline")


def lesson_file(path: Path, *, record: bool = True) -> Path:
    """Write a lesson notebook whose quiz output holds a saved record (or none)."""
    metadata = {"mlcicd": {"quiz": {"title": "Quiz", "questions": 2, "answers": []}}}
    output = {"output_type": "display_data", "data": {}, "metadata": metadata if record else {}}
    cell = {"cell_type": "code", "metadata": {}, "source": "", "outputs": [output]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "metadata": {}, "cells": [cell]}), encoding="utf-8")
    return path


def test_a_learner_with_only_lessons_has_no_submission_but_no_error(tmp_path: Path) -> None:
    root = tmp_path / "class"
    lesson_file(root / "alice" / "lessons" / "02_unit_tests.ipynb")
    lesson_file(root / "bob" / "01_why_ml_cicd.ipynb")
    touch(root / "bob" / "02_unit_tests.ipynb")  # bob has work to grade: not lessons only
    lesson_file(root / "carol" / "lessons" / "02_unit_tests.ipynb", record=False)
    # carol's lesson holds no quiz record: it is a notebook in a subfolder, reported.
    assert found([root], tmp_path) == [
        ("class/bob/02_unit_tests.ipynb", "bob"),
        ("class/carol/lessons/02_unit_tests.ipynb", "carol"),
    ]
    assert run.lesson_learners([root, root / "bob" / "02_unit_tests.ipynb"]) == {
        "alice": [root / "alice"]
    }


def test_a_class_of_lessons_only_is_no_error_and_gives_only_lesson_learners(
    tmp_path: Path,
) -> None:
    root = tmp_path / "class"
    lesson_file(root / "bob" / "lessons" / "03_data_tests.ipynb")
    lesson_file(root / "alice" / "lessons" / "02_unit_tests.ipynb")
    assert find_submissions([root]) == []
    assert list(run.lesson_learners([root])) == ["alice", "bob"]


def test_a_linked_learner_folder_of_lessons_is_not_followed(tmp_path: Path) -> None:
    lesson_file(tmp_path / "elsewhere" / "02_unit_tests.ipynb")
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "mallory").symlink_to(tmp_path / "elsewhere")
    assert run.lesson_learners([tmp_path / "class"]) == {}
    with pytest.raises(GradeError, match=r"holds no notebook \(\*\.ipynb\) to grade$"):
        find_submissions([tmp_path / "class"])


def test_a_folder_holding_lessons_outside_learner_folders_says_where_they_belong(
    tmp_path: Path,
) -> None:
    lesson_file(tmp_path / "class" / "02_unit_tests.ipynb")
    with pytest.raises(GradeError, match=r"to grade, only lesson notebooks \(02_unit") as raised:
        find_submissions([tmp_path / "class"])
    assert "CLASS/<learner>/lessons/" in raised.value.message


SLOW = ExerciseSpec(
    "09_infrastructure_as_code", "09_infrastructure_as_code.ipynb", (spec("09.1", 2),),
    requires=("aws_cdk", "node"),
)  # fmt: skip


def test_the_exercises_that_start_node_are_graded_first_and_ties_keep_their_order() -> None:
    names = ["ana/02_unit_tests", "ana/09_infrastructure_as_code", "bo/08_codepipeline"]
    names += ["bo/09_infrastructure_as_code", "bo/notes"]
    submissions = [Submission(Path(f"c/{name}.ipynb"), name.split("/")[0]) for name in names]
    exercises = {**EXERCISES, SLOW.name: SLOW}
    assert run.slowest_first(submissions, exercises) == [1, 3, 0, 2, 4]
    assert run.slowest_first(submissions, EXERCISES) == [0, 1, 2, 3, 4]


class InOrder:
    """A stand-in for ThreadPoolExecutor that runs each call when it is submitted."""

    def __init__(self, max_workers: int) -> None:
        self.max_workers = max_workers

    def __enter__(self) -> InOrder:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def submit(self, call: Any, *args: Any) -> Any:
        from concurrent.futures import Future

        future: Future[Any] = Future()
        future.set_result(call(*args))
        return future


def test_workers_start_the_slowest_first_and_the_results_keep_the_submissions_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[str] = []

    def graded(submission: Submission, *_: Any, **__: Any) -> SubmissionResult:
        started.append(submission.path.name)
        return result_of(str(submission.path), submission.learner, submission.path.stem)

    monkeypatch.setattr(run, "grade_submission", graded)
    monkeypatch.setattr(run, "hidden_folders", lambda *_, **__: ())
    monkeypatch.setattr(run, "ThreadPoolExecutor", InOrder)
    names = ("02_unit_tests", "08_codepipeline", "09_infrastructure_as_code")
    paths = [Path(f"c/{name}.ipynb") for name in names]
    submissions = [Submission(path, "ana") for path in paths]

    results = run.grade(submissions, {**EXERCISES, SLOW.name: SLOW}, workers=2)

    assert started == [f"{name}.ipynb" for name in (names[2], names[0], names[1])]
    assert [r.path for r in results] == [str(path) for path in paths]
    started.clear()
    run.grade(submissions, {**EXERCISES, SLOW.name: SLOW}, workers=1)
    assert started == [f"{name}.ipynb" for name in names]  # one at a time: as found
