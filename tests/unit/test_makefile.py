"""The Makefile's guard rails: a missing or old Python is one clear sentence; JOBS=0 works."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

RunMake = Callable[..., subprocess.CompletedProcess[str]]  # the run_make fixture (conftest.py)


def test_missing_python(tmp_path: Path, run_make: RunMake) -> None:
    result = run_make("check-python", f"PYTHON={tmp_path / 'python3'}")
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stdout
    assert "was not found" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_too_old_python(tmp_path: Path, run_make: RunMake) -> None:
    old = tmp_path / "python3"
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.8.10" && exit 0\nexit 1\n')
    old.chmod(0o755)
    result = run_make("check-python", f"PYTHON={old}")
    assert result.returncode != 0
    assert "is Python 3.8.10" in result.stdout


def test_this_python_passes(run_make: RunMake) -> None:
    assert run_make("check-python", f"PYTHON={sys.executable}").returncode == 0


def test_help_lists_the_setup_commands(run_make: RunMake) -> None:
    result = run_make()
    assert result.returncode == 0
    assert [line.split()[1] for line in result.stdout.splitlines()][:3] == ["lab", "test", "course"]


@pytest.mark.parametrize(("jobs", "notebooks"), [("0", "1"), ("1", "1"), ("3", "3")])
@pytest.mark.parametrize("target", ["course", "site", "check"])
def test_jobs_0_runs_pytest_in_one_process_and_notebooks_one_at_a_time(
    run_make: RunMake, target: str, jobs: str, notebooks: str
) -> None:
    result = run_make("-n", target, f"JOBS={jobs}")
    assert result.returncode == 0, result.stderr
    runs = [line for line in result.stdout.splitlines() if "--jobs" in line]
    assert runs and all(f'--jobs "{notebooks}"' in line for line in runs), runs
    if target == "check":
        assert f'-n "{jobs}"' in result.stdout
