"""A clean copy of this repository, for tests that run what a fresh checkout runs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def clean_copy(root: Path, target: Path) -> Path:
    """Copy the files git tracks or would track (not ignored) from ``root`` to ``target``.

    Skips the calling test when git is missing or ``root`` is not a checkout.
    """
    if shutil.which("git") is None:
        pytest.skip("git is not installed: no clean copy of the repository")
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip(f"{root} is not a git checkout: no clean copy of the repository")
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = root / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target
