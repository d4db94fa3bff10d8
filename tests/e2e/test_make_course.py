"""``make course``: every notebook runs headless, offline and timed; failures are listed."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import nbformat

RunMake = Callable[..., subprocess.CompletedProcess[str]]  # the run_make fixture (conftest.py)


def write_notebook(path: Path, *sources: str) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def make_course(run_make: RunMake, out: Path, *folders: Path) -> subprocess.CompletedProcess[str]:
    # Run as a learner with real-looking AWS settings exported: notebooks must not see them.
    return run_make(
        "course",
        f"LESSONS={' '.join(str(f) for f in folders)}",
        f"COURSE_OUT={out}",
        env={"AWS_PROFILE": "production", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"},
    )


def test_no_notebooks_is_said_and_is_not_an_error(tmp_path: Path, run_make: RunMake) -> None:
    result = make_course(run_make, tmp_path / "out", tmp_path)
    assert result.returncode == 0
    assert "No notebooks in" in result.stdout


def test_every_notebook_runs_offline_timed_and_a_failing_one_fails_the_run(
    tmp_path: Path, run_make: RunMake
) -> None:
    lessons, solutions = tmp_path / "lessons", tmp_path / "solutions"
    lessons.mkdir()
    solutions.mkdir()
    write_notebook(
        lessons / "00_ok.ipynb",
        "import os\nprint(os.environ['AWS_ACCESS_KEY_ID'], 'AWS_PROFILE' in os.environ)",
    )
    write_notebook(lessons / "01_broken.ipynb", "x = 1", "raise ValueError('lesson bug')")
    write_notebook(solutions / "02_ok.ipynb", "import os\nprint(os.getcwd())")
    out = tmp_path / "out"

    result = make_course(run_make, out, lessons, solutions)

    assert result.returncode != 0, result.stdout + result.stderr
    assert "2 of 3 notebooks ran without error" in result.stdout
    assert f"failed: {lessons / '01_broken.ipynb'}" in result.stdout
    # One line per notebook, with its time, whether it passed and (when not) the cell and error.
    assert re.search(
        rf"\d+\.\d s  ok      {re.escape(str(lessons / '00_ok.ipynb'))}", result.stdout
    )
    assert re.search(
        rf"\d+\.\d s  FAILED  {re.escape(str(lessons / '01_broken.ipynb'))}  "
        r"\(cell 2: ValueError: lesson bug\)",
        result.stdout,
    )
    executed = json.loads((out / "lessons" / "00_ok.ipynb").read_text())
    assert executed["cells"][0]["outputs"][0]["text"] == ["testing False\n"]
    # Each kernel runs in its notebook's folder, so relative paths work as in JupyterLab.
    solved = json.loads((out / "solutions" / "02_ok.ipynb").read_text())
    assert solved["cells"][0]["outputs"][0]["text"] == [f"{solutions}\n"]
    assert (out / "lessons" / "01_broken.ipynb").exists()  # papermill keeps the failing run
