"""The start page's environment check says clearly what is missing and what to do."""

from __future__ import annotations

import importlib

import pytest

from mlcicd.course import environment
from mlcicd.course.environment import check_items, environment_check
from mlcicd.testing import offline_aws


def test_everything_here_under_the_safety_net(capsys: pytest.CaptureFixture[str]) -> None:
    with offline_aws(mock=False):
        environment_check()
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "Everything the course needs is here."
    assert all(line.startswith("ok ") for line in lines[:-1])
    assert len(lines) == 1 + 1 + len(environment.PACKAGES) + 1


def test_a_missing_package_and_no_safety_net_are_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.import_module

    def without_moto(name: str, *args: object) -> object:
        if name == "moto":
            raise ModuleNotFoundError("No module named 'moto'", name="moto")
        return real(name, *args)

    monkeypatch.setattr(environment.importlib, "import_module", without_moto)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")

    environment_check()

    out = capsys.readouterr().out
    assert "MISSING  moto" in out and "run `make lab` from the course folder" in out
    assert "MISSING  offline AWS" in out and "start JupyterLab with `make lab`" in out
    assert out.splitlines()[-1].startswith("Something is missing")
    assert [item.name for item in check_items() if not item.ok] == [
        "moto",
        "offline AWS (fake credentials, real-AWS guard)",
    ]
