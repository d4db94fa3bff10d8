"""scripts/wheelhouse keeps the download once per machine and links each clone's copy from it.

The script runs as ``make test`` runs it, with ``MLCICD_CACHE`` pointing at a cache
this test seeds (a stamp and a stand-in wheel), so nothing is downloaded: where a
download would start, pip is pointed at an index that is not there and fails fast.
The key the download is kept under is read as the script leaves it: the name of the
folder it starts a download in.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "wheelhouse"
PYPROJECT = (ROOT / "pyproject.toml").read_text()


def wheelhouse(cache: Path, out: Path, script: Path = SCRIPT) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "MLCICD_CACHE": str(cache),
        "PIP_CONFIG_FILE": os.devnull,  # no index of this machine's own
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",  # nothing listens there
        "PIP_FIND_LINKS": "",
        "PIP_RETRIES": "0",
    }
    return subprocess.run(
        ["bash", str(script), sys.executable, str(out)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def key_of(pyproject: str, tmp_path: Path) -> str:
    """The key the script keeps the download of a repository with ``pyproject`` under."""
    repository = tmp_path / f"repository-{len(list(tmp_path.glob('repository-*')))}"
    (repository / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, repository / "scripts" / "wheelhouse")
    (repository / "pyproject.toml").write_text(pyproject)
    cache = repository / "cache"
    done = wheelhouse(cache, repository / "out", repository / "scripts" / "wheelhouse")
    assert "Could not download the course's wheels" in done.stderr, done.stderr
    # The download started in that folder, then failed (.lock beside it is a file).
    (folder,) = [path for path in (cache / "wheelhouse").iterdir() if path.is_dir()]
    return folder.name


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> str:
    return key_of(PYPROJECT, tmp_path_factory.mktemp("key"))


def test_a_settings_edit_keeps_the_key_and_a_dependency_edit_changes_it(
    tmp_path: Path, key: str
) -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", key), key
    settings = PYPROJECT.replace("addopts = [", 'addopts = ["-v", ', 1)
    dependency = PYPROJECT.replace("dependencies = [", 'dependencies = ["six",', 1)
    assert settings != PYPROJECT and dependency != PYPROJECT
    assert key_of(settings, tmp_path) == key
    assert key_of(dependency, tmp_path) != key


def seed(cache: Path, key: str, *, stamped: bool) -> Path:
    folder = cache / "wheelhouse" / key
    folder.mkdir(parents=True)
    (folder / "stand_in-1.0-py3-none-any.whl").write_bytes(b"a wheel")
    if stamped:
        (folder / ".stamp").write_text(f"{key}\n")
    return folder


def test_a_kept_download_is_linked_into_the_clone_without_downloading(
    tmp_path: Path, key: str
) -> None:
    kept = seed(tmp_path / "cache", key, stamped=True)
    out = tmp_path / "clone" / "build" / "wheelhouse"

    done = wheelhouse(tmp_path / "cache", out)

    assert done.returncode == 0, done.stderr
    assert "Downloading" not in done.stdout
    wheel = out / "stand_in-1.0-py3-none-any.whl"
    assert wheel.read_bytes() == b"a wheel"
    assert wheel.stat().st_ino == (kept / wheel.name).stat().st_ino  # a link, not a copy
    assert (out / ".stamp").read_text().strip() == key


def test_after_a_change_the_last_download_is_the_start_and_no_stamp_lies(
    tmp_path: Path, key: str
) -> None:
    seed(tmp_path / "cache", "0" * 16, stamped=True)  # a pyproject.toml of before
    out = tmp_path / "out"

    done = wheelhouse(tmp_path / "cache", out)

    if done.returncode != 0:
        pytest.fail(done.stderr)
    assert "Could not download the course's wheels" in done.stderr
    moved = tmp_path / "cache" / "wheelhouse" / key
    assert (moved / "stand_in-1.0-py3-none-any.whl").is_file()  # kept: pip tops it up
    assert (
        not (moved / ".stamp").exists()
        and not (tmp_path / "cache" / "wheelhouse" / ("0" * 16)).exists()
    )
    assert not (out / ".stamp").exists()  # the tests say the wheelhouse is missing
