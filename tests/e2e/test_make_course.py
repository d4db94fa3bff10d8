"""``make course``: every lesson runs headless with papermill, offline; failures are listed."""

from __future__ import annotations

import json
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


def make_course(run_make: RunMake, lessons: Path, out: Path) -> subprocess.CompletedProcess[str]:
    # Run as a learner with real-looking AWS settings exported: lessons must not see them.
    return run_make(
        "course",
        f"LESSONS={lessons}",
        f"COURSE_OUT={out}",
        env={"AWS_PROFILE": "production", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"},
    )


def test_no_lessons_is_said_and_is_not_an_error(tmp_path: Path, run_make: RunMake) -> None:
    result = make_course(run_make, tmp_path, tmp_path / "out")
    assert result.returncode == 0
    assert "no lesson notebooks" in result.stdout


def test_every_lesson_runs_offline_and_a_failing_one_fails_the_run(
    tmp_path: Path, run_make: RunMake
) -> None:
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    write_notebook(
        lessons / "00_ok.ipynb",
        "import os\nprint(os.environ['AWS_ACCESS_KEY_ID'], 'AWS_PROFILE' in os.environ)",
    )
    write_notebook(lessons / "01_broken.ipynb", "raise ValueError('lesson bug')")
    out = tmp_path / "out"

    result = make_course(run_make, lessons, out)

    assert result.returncode != 0
    assert "1 of 2 lessons ran without error" in result.stdout
    assert f"failed: {lessons / '01_broken.ipynb'}" in result.stdout
    executed = json.loads((out / "00_ok.ipynb").read_text())
    assert executed["cells"][0]["outputs"][0]["text"] == ["testing False\n"]
    assert (out / "01_broken.ipynb").exists()  # papermill keeps the failing run to read
