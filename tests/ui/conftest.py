"""The course in a real browser: JupyterLab started as ``make lab`` starts it, driven by Chromium.

* ``lab``: ``mlcicd lab`` (what ``make lab`` runs) on a free loopback port, no
  token, serving a *copy* of the course (running cells in a browser marks
  notebooks changed, and JupyterLab saves them), with temporary Jupyter config,
  data, runtime, workspace and settings folders.
* ``browser``: Debian's Chromium (:data:`CHROMIUM`, Playwright's
  ``executable_path``), headless. No browser is downloaded. JupyterLab and
  Chromium are stopped by process id.

A missing Chromium or Playwright skips these tests with one sentence locally;
in CI (``CI`` set, as ``.ci/run`` sets it) it fails them instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MLCICD = Path(sys.executable).with_name("mlcicd")
#: Debian's Chromium (``apt-get install chromium``); Playwright's own download fails here.
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "build" / "screenshots"
START_TIMEOUT = 90.0
#: Flags for a headless Chromium on a machine with no network but loopback: no
#: background connections (each would be refused), no first-run UI, no sandbox as root.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: JupyterLab user settings of the test profile: every cell in the page, so the
#: test can read all outputs (JupyterLab 4 otherwise renders only visible cells).
NOTEBOOK_SETTINGS = '{"windowingMode": "none"}'


def missing() -> str | None:
    """Why the browser tests cannot run here, in one sentence, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return (
            f"The browser tests need Debian's Chromium at {CHROMIUM}, which is not installed: "
            "run `apt-get install chromium` (as root), or let .ci/run install it."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "The browser tests need Playwright for Python: run `make test`, which installs it."
    return None


@pytest.fixture(scope="session", autouse=True)
def _browser_available() -> None:
    problem = missing()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{problem} (CI must run the browser tests)")
        pytest.skip(problem)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen[Any], *, grace: float = 20.0) -> None:
    """Stop ``process`` by its id: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab.

    Attributes:
        url: The start page URL ``mlcicd lab`` printed (what ``make lab`` shows).
        base: ``http://127.0.0.1:<port>``.
        root: The copy of the course it serves.
        started: ``time.monotonic()`` just before ``mlcicd lab`` was started.
    """

    url: str
    base: str
    root: Path
    started: float


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    course = tmp_path_factory.mktemp("course")
    ignore = shutil.ignore_patterns(".ipynb_checkpoints")
    for folder in ("notebooks", "exercises"):
        shutil.copytree(ROOT / folder, course / folder, ignore=ignore)
    home = tmp_path_factory.mktemp("jupyter")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(NOTEBOOK_SETTINGS, encoding="utf-8")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [str(MLCICD), "lab", "--port", str(port), "--root", str(course)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = process.stdout.readline()
        found = re.search(r"https?://\S+", printed)
        assert found, f"mlcicd lab printed no URL: {printed!r}"
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(f"{base}/api/status"):
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited with {process.returncode}: {printed}")
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {base} within {START_TIMEOUT:.0f} s")
            time.sleep(0.2)
        yield Lab(url=found.group(0), base=base, root=course, started=started)
    finally:
        stop(process)
        if process.stdout is not None:
            process.stdout.close()


def browser_pid(profile: Path) -> int | None:
    """The id of the Chromium browser process using ``profile``, from ``/proc``.

    Playwright starts Chromium itself and does not say its process id; the
    browser process is the one with this ``--user-data-dir`` and no ``--type``
    (its renderers and helpers have one).
    """
    flag = f"--user-data-dir={profile}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if flag in argv and not any(arg.startswith(b"--type=") for arg in argv):
            return int(entry.name)
    return None


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A Playwright browser context in Debian's Chromium (``executable_path``), headless."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=list(CHROMIUM_FLAGS),
            viewport={"width": 1400, "height": 1000},
        )
        assert browser_pid(profile) is not None, "Chromium's browser process was not found"
        try:
            yield context
        finally:
            context.close()
            # Should closing have left it running, stop it by its process id (looked
            # up again: a process id of the past may belong to another process now).
            left = browser_pid(profile)
            if left is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(left, signal.SIGKILL)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
