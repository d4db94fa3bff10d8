"""``mlcicd course build|lint`` through click's runner: one line per problem, meaningful exits."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mlcicd import cli
from mlcicd.course import notebook as n


def solution(root: Path) -> Path:
    nb = n.new_notebook(
        [
            n.markdown("# Doubling"),
            n.solution(
                "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
            ),
            n.checkpoint_cell("98.1", 2),
        ]
    )
    path = root / "solutions" / "98_doubling.ipynb"
    n.write(nb, path)
    return path


def test_build_then_check_then_stale(tmp_path: Path, double_check: str) -> None:
    runner = CliRunner()
    root = ["--root", str(tmp_path)]
    path = solution(tmp_path)

    stale = runner.invoke(cli.main, ["course", "build", "--check", *root])
    assert stale.exit_code == 1
    assert f"stale: {tmp_path / 'exercises' / '98_doubling.ipynb'}" in stale.output
    assert "run `mlcicd course build` and commit the result" in stale.output

    built = runner.invoke(cli.main, ["course", "build", *root])
    assert built.exit_code == 0, built.output
    assert built.output.endswith("built 1 exercises, 1 checkpoints.\n")

    fresh = runner.invoke(cli.main, ["course", "build", "--check", *root])
    assert (fresh.exit_code, fresh.output) == (
        0,
        "exercises/ is up to date (1 exercises, 1 checkpoints).\n",
    )
    assert path.exists()


def test_a_broken_solution_is_one_sentence_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "02_broken.ipynb").write_text("{not json")
    result = CliRunner().invoke(cli.main, ["course", "build", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {tmp_path / 'solutions' / '02_broken.ipynb'}: not a")
    assert "Traceback" not in result.output


def test_lint_lists_findings_and_exits_1(tmp_path: Path) -> None:
    # A lesson with an absolute path and none of a lesson's four sections (no next lesson
    # to link: it is the only one): one CO002 at its cell, four CO007 for the notebook.
    nb = n.new_notebook([n.code("open('/home/ana/x.csv')")])
    n.write(nb, tmp_path / "notebooks" / "01_a.ipynb")
    result = CliRunner().invoke(cli.main, ["course", "lint", "--root", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(
        "notebooks/01_a.ipynb:cell 1: CO002 holds the absolute path '/home/ana/x.csv' (use "
    )
    assert [line.split(": ")[1].split()[0] for line in lines[1:-1]] == ["CO007"] * 4
    assert lines[-1] == f"the notebooks under {tmp_path}: 5 error(s), 0 warning(s)"


def test_lint_of_a_clean_course_exits_0_with_the_summary(tmp_path: Path) -> None:
    lesson = n.new_notebook(
        [
            n.markdown("# 01 · A\n## Objectives\n..."),
            n.code("x = 1", tags=("parameters",)),
            n.markdown("## Muddy points\n..."),
            n.code("Quiz(...)"),
        ]
    )
    n.write(lesson, tmp_path / "notebooks" / "01_a.ipynb")
    result = CliRunner().invoke(cli.main, ["course", "lint", "--root", str(tmp_path)])
    assert (result.exit_code, result.output) == (
        0,
        f"the notebooks under {tmp_path}: 0 error(s), 0 warning(s)\n",
    )
