"""make check's notebooks: those touched since main, checked as the notebook layer checks them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mlcicd.course.nbval_run import CellResult
from mlcicd.course.notebook import checkpoint_cell, code, new_notebook, solution, write
from mlcicd.exceptions import CourseError
from mlcicd.testing.check import (
    Touched,
    Verdict,
    check_notebooks,
    exercise_problems,
    format_verdicts,
    main,
    touched_notebooks,
)

# Whoever runs the tests, commits here need a name, and no signing key.
IDENTITY = ("-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false")
NO_NODE = "The AWS CDK needs Node.js, which is not installed here: install Node.js 22 or 24."


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *IDENTITY, *args],
        check=True,
        capture_output=True,
    )


def put(root: Path, name: str, text: str = "{}") -> None:
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).write_text(text)


def repo(root: Path, branch: str = "main") -> Path:
    """A repository with one commit of course files on ``branch``."""
    git(root, "init", "-q", "-b", branch)
    for name in (
        "notebooks/00_start.ipynb",
        "notebooks/01_lesson.ipynb",
        "notebooks/02_lesson.ipynb",
        "solutions/02_lesson.ipynb",
        "exercises/02_lesson.ipynb",
        "src/x.py",
        ".gitignore",
    ):
        put(root, name, "scratch/\n" if name == ".gitignore" else "{}")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def test_committed_staged_unstaged_and_new_notebooks_are_touched(tmp_path: Path) -> None:
    root = repo(tmp_path)
    git(root, "checkout", "-q", "-b", "work")
    put(root, "notebooks/01_lesson.ipynb", '{"changed": 1}')
    git(root, "commit", "-q", "-am", "committed on the branch")
    put(root, "solutions/02_lesson.ipynb", '{"unstaged": 1}')
    put(root, "exercises/02_lesson.ipynb", '{"staged": 1}')
    git(root, "add", "exercises/02_lesson.ipynb")
    put(root, "notebooks/03_new.ipynb")  # untracked, not ignored
    (root / "notebooks/00_start.ipynb").unlink()  # deleted: nothing to run
    put(root, "src/x.py", "changed = 1")  # not a notebook
    put(root, "notebooks/README.md", "new")  # not a notebook
    put(root, "notebooks/.ipynb_checkpoints/01_lesson.ipynb")  # not a course notebook
    put(root, "scratch/notebooks/9.ipynb")  # ignored
    assert touched_notebooks(root) == Touched(
        tuple(
            Path(name)
            for name in (
                "exercises/02_lesson.ipynb",
                "notebooks/01_lesson.ipynb",
                "notebooks/03_new.ipynb",
                "solutions/02_lesson.ipynb",
            )
        )
    )


def test_what_main_changed_after_the_branch_left_it_is_not_touched(tmp_path: Path) -> None:
    root = repo(tmp_path)
    git(root, "checkout", "-q", "-b", "work")
    put(root, "notebooks/01_lesson.ipynb", '{"mine": 1}')
    git(root, "commit", "-q", "-am", "mine")
    git(root, "checkout", "-q", "main")
    put(root, "notebooks/02_lesson.ipynb", '{"theirs": 1}')
    git(root, "commit", "-q", "-am", "theirs")
    git(root, "checkout", "-q", "work")
    assert touched_notebooks(root).notebooks == (Path("notebooks/01_lesson.ipynb"),)


def test_on_main_with_a_clean_tree_nothing_is_touched(tmp_path: Path) -> None:
    assert touched_notebooks(repo(tmp_path)) == Touched()


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("no git", "git is not installed"),
        ("no repository", "is not a git repository"),
        ("no main", "has no branch 'main'"),
    ],
)
def test_without_git_a_repository_or_main_nothing_is_selected_and_the_reason_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setup: str, reason: str
) -> None:
    put(tmp_path, "notebooks/01_lesson.ipynb")
    if setup == "no main":
        repo(tmp_path, branch="trunk")
        put(tmp_path, "notebooks/01_lesson.ipynb", '{"changed": 1}')
    if setup == "no git":
        monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    touched = touched_notebooks(tmp_path)
    assert touched.notebooks == ()
    assert touched.reason is not None and reason in touched.reason


def test_a_failing_git_command_is_an_error_that_names_the_way_out(tmp_path: Path) -> None:
    root = repo(tmp_path)
    git(root, "checkout", "-q", "--orphan", "unrelated")  # no history shared with main
    git(root, "commit", "-q", "-m", "alone")
    with pytest.raises(CourseError, match="`make test` runs them all") as error:
        touched_notebooks(root)
    assert error.value.path == str(root)


def exercise(tmp_path: Path) -> Path:
    """Code cells: 0 setup, 1 stub, 2 checkpoint, 3 another checkpoint."""
    path = tmp_path / "exercises" / "02_x.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    cells = [
        code("import math"),
        solution("### BEGIN SOLUTION\nanswer = 1\n### END SOLUTION"),
        checkpoint_cell("02.1", 1),
        checkpoint_cell("02.2", 2),
    ]
    write(new_notebook(cells), path)
    return path


FAIL = CellResult("failed", "Traceback\nAssertionError: checkpoint 02.1")
PASS = CellResult("passed")


@pytest.mark.parametrize(
    ("results", "problems"),
    [
        ({0: PASS, 1: FAIL, 2: FAIL, 3: FAIL}, []),
        ({0: PASS, 1: PASS, 2: FAIL, 3: FAIL}, []),  # a stub may pass (e.g. it sets a default)
        (
            {0: PASS, 1: FAIL, 2: FAIL, 3: PASS},
            ["checkpoint cells [3] pass with no work done: they test nothing"],
        ),
        (
            {0: CellResult("error", "ImportError: no math"), 1: FAIL, 2: FAIL, 3: FAIL},
            ["code cell 0 fails, and is neither stub nor checkpoint: ImportError: no math"],
        ),
        ({0: PASS, 1: FAIL, 2: FAIL}, ["nbval ran cells [0, 1, 2] of 4 code cells"]),
    ],
    ids=["as-shipped", "stub-passes", "checkpoint-passes", "setup-fails", "cell-missing"],
)
def test_an_untouched_exercise_must_fail_every_checkpoint_and_nothing_else(
    tmp_path: Path, results: dict[int, CellResult], problems: list[str]
) -> None:
    assert exercise_problems(exercise(tmp_path), results) == problems


def lesson(root: Path, name: str, source: str) -> Path:
    put(root, f"notebooks/{name}")
    write(new_notebook([code(source)]), root / "notebooks" / name)
    return Path("notebooks") / name


def test_no_notebook_means_no_check(tmp_path: Path) -> None:
    assert check_notebooks(tmp_path, [], tmp_path / "out") == []


def test_a_lesson_that_needs_node_is_skipped_after_the_course_lint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlcicd.iac.environment

    monkeypatch.setattr(mlcicd.iac.environment, "cdk_problem", lambda: NO_NODE)
    cdk = lesson(tmp_path, "09_cdk.ipynb", "require_cdk()")
    lint, run = check_notebooks(tmp_path, [cdk], tmp_path / "out", jobs=1)
    assert lint.what == "mlcicd course lint"
    assert run == Verdict("notebooks/09_cdk.ipynb", 0.0, (), NO_NODE)


def test_a_lesson_runs_headless_and_its_failing_cell_is_named(tmp_path: Path) -> None:
    """The one test here that starts a kernel (a few seconds)."""
    bad = lesson(tmp_path, "02_bad.ipynb", "1 / 0")
    _, run = check_notebooks(tmp_path, [bad], tmp_path / "out", jobs=1)
    assert (run.what, run.ok) == ("notebooks/02_bad.ipynb", False)
    assert run.problems == ("cell 1: ZeroDivisionError: division by zero",)
    assert (tmp_path / "out" / "notebooks" / "02_bad.ipynb").is_file()  # to read


def test_the_verdicts_are_one_line_each_with_problems_under_them() -> None:
    text = format_verdicts(
        [
            Verdict("mlcicd course lint", 0.04),
            Verdict("notebooks/02.ipynb", 12.34, ("cell 3: boom",)),
            Verdict("notebooks/09.ipynb", 0.0, (), NO_NODE),
        ]
    )
    assert text.splitlines() == [
        "   0.0 s  ok    mlcicd course lint",
        "  12.3 s  FAIL  notebooks/02.ipynb",
        "           cell 3: boom",
        f"   0.0 s  skip  notebooks/09.ipynb  ({NO_NODE})",
    ]


def test_main_lists_the_touched_notebooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path)
    put(root, "notebooks/01_lesson.ipynb", '{"changed": 1}')
    assert main(["--root", str(root), "--list"]) == 0
    assert capsys.readouterr().out == "Notebooks touched since main: notebooks/01_lesson.ipynb\n"


def test_main_without_main_runs_nothing_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = repo(tmp_path, branch="trunk")
    put(root, "notebooks/01_lesson.ipynb", '{"changed": 1}')
    assert main(["--root", str(root)]) == 0
    assert capsys.readouterr().out == (
        "Notebooks: none run, as this repository has no branch 'main' to compare with; "
        "`make test` runs them all.\n"
    )
