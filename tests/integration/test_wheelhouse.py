"""scripts/wheelhouse keeps the download once per machine and links each clone's copy from it.

The script runs as ``make test`` runs it, with ``MLCICD_CACHE`` pointing at a cache
this test seeds (a stamp and a stand-in wheel), so nothing is downloaded: where a
download would start, pip is pointed at an index that is not there and fails fast.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "wheelhouse"
#: The script's list of what it downloads besides the course: part of the key.
WANTS = shlex.split(re.search(r"^wants=\((.*)\)$", SCRIPT.read_text(), re.M)[1])
KEY = hashlib.sha256(
    (ROOT / "pyproject.toml").read_bytes() + (" ".join(WANTS) + "\n").encode()
).hexdigest()[:16]


def wheelhouse(cache: Path, out: Path) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "MLCICD_CACHE": str(cache),
        "PIP_CONFIG_FILE": os.devnull,  # no index of this machine's own
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",  # nothing listens there
        "PIP_FIND_LINKS": "",
        "PIP_RETRIES": "0",
    }
    return subprocess.run(
        ["bash", str(SCRIPT), sys.executable, str(out)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def seed(cache: Path, key: str, *, stamped: bool) -> Path:
    folder = cache / "wheelhouse" / key
    folder.mkdir(parents=True)
    (folder / "stand_in-1.0-py3-none-any.whl").write_bytes(b"a wheel")
    if stamped:
        (folder / ".stamp").write_text(f"{key}\n")
    return folder


def test_a_kept_download_is_linked_into_the_clone_without_downloading(tmp_path: Path) -> None:
    kept = seed(tmp_path / "cache", KEY, stamped=True)
    out = tmp_path / "clone" / "build" / "wheelhouse"

    done = wheelhouse(tmp_path / "cache", out)

    assert done.returncode == 0, done.stderr
    assert "Downloading" not in done.stdout
    wheel = out / "stand_in-1.0-py3-none-any.whl"
    assert wheel.read_bytes() == b"a wheel"
    assert wheel.stat().st_ino == (kept / wheel.name).stat().st_ino  # a link, not a copy
    assert (out / ".stamp").read_text().strip() == KEY


def test_after_a_change_the_last_download_is_the_start_and_no_stamp_lies(tmp_path: Path) -> None:
    seed(tmp_path / "cache", "0" * 16, stamped=True)  # a pyproject.toml of before
    out = tmp_path / "out"

    done = wheelhouse(tmp_path / "cache", out)

    if done.returncode != 0:
        pytest.fail(done.stderr)
    assert "Could not download the course's wheels" in done.stderr
    moved = tmp_path / "cache" / "wheelhouse" / KEY
    assert (moved / "stand_in-1.0-py3-none-any.whl").is_file()  # kept: pip tops it up
    assert (
        not (moved / ".stamp").exists()
        and not (tmp_path / "cache" / "wheelhouse" / ("0" * 16)).exists()
    )
    assert not (out / ".stamp").exists()  # the tests say the wheelhouse is missing
