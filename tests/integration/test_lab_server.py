"""JupyterLab started the way ``make lab`` starts it: serves /lab, news off, stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MLCICD = Path(sys.executable).with_name("mlcicd")
START_TIMEOUT = 90.0


@dataclass
class RunningLab:
    process: subprocess.Popen[str]
    base: str
    first_lines: list[str]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def running_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningLab]:
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
    }
    port = free_port()
    process = subprocess.Popen(
        [str(MLCICD), "lab", "--port", str(port), "--root", str(ROOT)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first_lines = [process.stdout.readline().rstrip("\n") for _ in range(2)]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {process.returncode}:\n{process.stdout.read()}"
                )
            try:
                if get(f"{base}/api/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer on {base} within {START_TIMEOUT:.0f} s")
            time.sleep(0.25)
        yield RunningLab(process, base, first_lines)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        process.stdout.close()


def test_lab_prints_its_port_and_start_page(running_lab: RunningLab) -> None:
    port = running_lab.base.rsplit(":", 1)[1]
    assert running_lab.first_lines[0] == (
        f"JupyterLab on port {port}: {running_lab.base}/lab/tree/notebooks/00_start_here.ipynb"
    )
    status, _ = get(f"{running_lab.base}/api/contents/notebooks/00_start_here.ipynb")
    assert status == 200  # the page it lands on is served


def test_lab_answers_200_without_a_token_on_loopback(running_lab: RunningLab) -> None:
    status, body = get(f"{running_lab.base}/lab")
    assert status == 200
    assert b"JupyterLab" in body


def test_the_news_prompt_and_update_checks_are_off(running_lab: RunningLab) -> None:
    status, body = get(
        f"{running_lab.base}/lab/api/settings/@jupyterlab/apputils-extension:notification"
    )
    assert status == 200
    properties = json.loads(body)["schema"]["properties"]
    assert properties["fetchNews"]["default"] == "false"
    assert properties["checkForUpdates"]["default"] is False


def test_lab_serves_the_course_folder(running_lab: RunningLab) -> None:
    status, body = get(f"{running_lab.base}/api/contents/notebooks")
    assert status == 200
    assert json.loads(body)["type"] == "directory"


def test_lab_stops_on_sigterm(running_lab: RunningLab) -> None:
    # Runs last in this module: stops the server the fixture started.
    running_lab.process.send_signal(signal.SIGTERM)
    assert running_lab.process.wait(timeout=20) is not None
    with pytest.raises(OSError):
        get(f"{running_lab.base}/api/status")
