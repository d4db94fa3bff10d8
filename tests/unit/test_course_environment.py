"""The start page's environment check says clearly what is missing and what to do."""

from __future__ import annotations

import importlib.util

import pytest

from mlcicd import doctor
from mlcicd.course.environment import check_items, environment_check
from mlcicd.testing import offline_aws


def test_everything_here_under_the_safety_net(capsys: pytest.CaptureFixture[str]) -> None:
    with offline_aws(mock=False):
        environment_check()
    lines = capsys.readouterr().out.splitlines()
    # Lesson 09's needs may only warn on a machine without Node.js.
    assert lines[-1].startswith("Everything the course needs is here")
    assert all(line.startswith(("ok ", "warn ")) for line in lines[:-1])
    names = [line.split(maxsplit=1)[1] for line in lines[:-1]]
    assert any(name.startswith("hypothesis ") for name in names)
    assert any(name.startswith("offline AWS in this kernel ") for name in names)
    # The kernel is running already: no port, no kernel start, no child process.
    assert not any(name.startswith(("JupyterLab port", "Jupyter kernel")) for name in names)
    packages = len(doctor.PACKAGES) + len(doctor.CDK_PACKAGES)
    # system, Python, the packages, Node.js, disk, offline AWS, then the verdict
    assert len(lines) == 2 + packages + 3 + 1


def test_a_missing_package_and_no_safety_net_are_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = importlib.util.find_spec

    def without_moto(name: str, *args: object) -> object:
        return None if name == "moto" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_moto)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")

    environment_check()

    out = capsys.readouterr().out
    assert "MISSING  moto " in out and "run `make lab` in the course folder" in out
    assert (
        "MISSING  offline AWS in this kernel " in out and "start JupyterLab with `make lab`" in out
    )
    assert out.splitlines()[-1] == (
        "2 problem(s): follow the advice on the MISSING and FAIL lines, "
        "then restart the kernel and run this cell again."
    )
    assert [item.name for item in check_items() if not item.ok] == [
        "moto",
        "offline AWS in this kernel",
    ]
