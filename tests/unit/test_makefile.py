"""The Makefile's guard rails: a missing or old Python is one clear sentence."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_python(tmp_path: Path) -> None:
    result = make("check-python", f"PYTHON={tmp_path / 'python3'}")
    assert result.returncode != 0
    assert "needs Python 3.11 or newer" in result.stdout
    assert "was not found" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_too_old_python(tmp_path: Path) -> None:
    old = tmp_path / "python3"
    old.write_text('#!/bin/sh\n[ "$1" = --version ] && echo "Python 3.8.10" && exit 0\nexit 1\n')
    old.chmod(0o755)
    result = make("check-python", f"PYTHON={old}")
    assert result.returncode != 0
    assert "is Python 3.8.10" in result.stdout


def test_this_python_passes() -> None:
    import sys

    assert make("check-python", f"PYTHON={sys.executable}").returncode == 0


def test_help_lists_the_setup_commands() -> None:
    result = make()
    assert result.returncode == 0
    assert [line.split()[1] for line in result.stdout.splitlines()][:3] == ["lab", "test", "course"]
