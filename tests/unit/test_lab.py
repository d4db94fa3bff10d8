"""Planning a JupyterLab start: page, port, token, root; nothing is started here."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from mlcicd import lab
from mlcicd.exceptions import LabError, PortInUseError


@pytest.fixture
def course(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir()
    return tmp_path


def test_start_page_is_the_notebooks_folder_until_there_is_a_lesson(course: Path) -> None:
    assert lab.start_page(course) == "notebooks"
    (course / "notebooks" / "01_why.ipynb").write_text("{}")
    (course / "notebooks" / "00_start_here.ipynb").write_text("{}")
    assert lab.start_page(course) == "notebooks/00_start_here.ipynb"


def test_a_taken_port_is_seen_as_taken() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not lab.port_is_free("127.0.0.1", port)
        with pytest.raises(PortInUseError) as caught:
            lab.choose_port("127.0.0.1", port)
    assert caught.value.port == port
    assert lab.port_is_free("127.0.0.1", port)


@pytest.mark.parametrize(
    ("busy", "expected"),
    [
        (set(), (8888, None)),
        ({8888}, (8889, "Port 8888 is in use; JupyterLab will use port 8889.")),
        ({8888, 8889, 8890}, (8891, "Port 8888 is in use; JupyterLab will use port 8891.")),
    ],
)
def test_without_port_the_first_free_one_is_used(
    monkeypatch: pytest.MonkeyPatch, busy: set[int], expected: tuple[int, str | None]
) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: port not in busy)
    assert lab.choose_port("127.0.0.1", None) == expected


def test_no_free_port_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: False)
    with pytest.raises(LabError, match="are all in use"):
        lab.choose_port("127.0.0.1", None)


def test_loopback_plan_has_no_token_and_lands_on_the_start_page(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: True)
    plan = lab.plan_lab(course, port=9000, is_root=False)

    assert plan.url == "http://127.0.0.1:9000/lab/tree/notebooks"
    assert "--IdentityProvider.token=" in plan.argv
    assert "--LabApp.default_url=/lab/tree/notebooks" in plan.argv
    assert "--ServerApp.open_browser=False" in plan.argv
    assert f"--ServerApp.root_dir={course.resolve()}" in plan.argv
    assert "--allow-root" not in plan.argv


def test_plan_off_loopback_keeps_the_token_and_root_gets_allow_root(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: True)
    plan = lab.plan_lab(course, host="0.0.0.0", port=9000, is_root=True)
    assert not any(arg.startswith("--IdentityProvider.token") for arg in plan.argv)
    assert "--allow-root" in plan.argv


def test_jupyterlab_runs_offline_whatever_the_shell_exports(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: True)
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    plan = lab.plan_lab(course, is_root=False)
    assert "AWS_PROFILE" not in plan.env
    assert plan.env["AWS_ACCESS_KEY_ID"] == "testing"
    assert "mlcicd.testing.guard" in plan.env["BOTOCORE_EXPERIMENTAL__PLUGINS"]
