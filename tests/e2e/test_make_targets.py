"""Makefile targets that fail: an install with no package index (the course's Makefile and
the learner release's), a test run with no test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from _shipped import RELEASE_MAKEFILE, ROOT, outside_make

RunMake = Callable[..., subprocess.CompletedProcess[str]]  # the run_make fixture (conftest.py)
UNREACHABLE = {
    "PIP_CONFIG_FILE": os.devnull,  # ignore this machine's own pip settings
    "PIP_INDEX_URL": "http://127.0.0.1:9/simple",  # discard port: nothing listens
    "PIP_RETRIES": "0",
    "PIP_TIMEOUT": "5",
}


def test_install_without_a_package_index_fails_clearly_and_leaves_no_stamp(
    tmp_path: Path, run_make: RunMake
) -> None:
    venv = tmp_path / "venv"
    stamp = venv / ".mlcicd-installed"
    result = run_make(
        str(stamp),
        f"VENV={venv}",
        f"PYTHON={sys.base_prefix}/bin/python3",
        env=UNREACHABLE,
        installed=False,
    )
    assert result.returncode != 0
    assert "Installing the course's Python packages" in result.stdout
    assert "failed; pip's messages above say why" in result.stdout
    assert "network" in result.stdout
    assert not stamp.exists()


def test_the_release_install_without_a_package_index_falls_back_to_pip_then_fails_clearly(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "learners"
    (folder / "src").mkdir(parents=True)
    shutil.copy(RELEASE_MAKEFILE, folder)
    shutil.copy(ROOT / "pyproject.toml", folder)
    environ = {**os.environ, **UNREACHABLE, "UV_INDEX_URL": UNREACHABLE["PIP_INDEX_URL"]}
    environ.pop("VIRTUAL_ENV", None)  # a learner's shell with no venv active
    environ = outside_make(environ)
    result = subprocess.run(
        ["make", "--no-print-directory", ".venv/.mlcicd-installed"],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "uv could not install the course: installing with pip instead." in result.stdout
    assert "failed; pip's messages above say why" in result.stdout
    assert not (folder / ".venv" / ".mlcicd-installed").exists()


def test_make_test_that_collects_no_test_fails(tmp_path: Path, run_make: RunMake) -> None:
    # One small file to select from: collecting the whole suite on both workers to find
    # nothing cost 22 core-seconds, against 8 here (the same workers, the same exit code 5).
    result = run_make(
        "test",
        f"REPORTS={tmp_path}",
        "PYTEST_ARGS=tests/unit/test_makefile.py -k no_test_is_called_this -p no:cacheprovider",
    )
    assert result.returncode != 0
    assert "pytest collected no tests, which counts as a failure" in result.stdout
    assert (tmp_path / "junit.xml").exists()
