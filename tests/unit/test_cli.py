"""The mlcicd command line, through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import mlcicd
from mlcicd import cli, lab


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli.main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"mlcicd, version {mlcicd.__version__}\n"
    assert mlcicd.__version__ == "0.1.0"


def test_help_lists_the_subcommands_that_exist(runner: CliRunner) -> None:
    result = runner.invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    section = result.output.split("Commands:")[1].strip().splitlines()
    assert [line.split()[0] for line in section] == sorted(cli.main.commands)
    assert "lab" in cli.main.commands


def test_lab_outside_the_course_is_one_clear_sentence(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli.main, ["lab", "--root", str(tmp_path)])
    assert result.exit_code == 2
    assert "has no notebooks/ folder" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def course(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir()
    return tmp_path


def test_lab_prints_port_and_url_then_starts(
    runner: CliRunner, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[lab.LabLaunch] = []
    monkeypatch.setattr(lab, "run_lab", started.append)
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: port != 8888)

    result = runner.invoke(cli.main, ["lab", "--root", str(course)])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        "Port 8888 is in use; JupyterLab will use port 8889.",
        "JupyterLab on port 8889: http://127.0.0.1:8889/lab/tree/notebooks",
    ]
    assert [launch.port for launch in started] == [8889]


def test_lab_on_a_taken_port_says_which_port_to_free(
    runner: CliRunner, course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lab, "port_is_free", lambda host, port: False)
    result = runner.invoke(cli.main, ["lab", "--root", str(course), "--port", "9999"])
    assert result.exit_code == 2
    assert "Port 9999 on 127.0.0.1 is in use" in result.output
    assert "Traceback" not in result.output
