"""``mlcicd buildspec lint`` and ``mlcicd buildspec rules``, through click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.buildspec.lint import RULES
from mlcicd.cli import main

CLEAN = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
BROKEN = "version: 0.2\nphases:\n  biuld:\n    commands:\n      - make\n"
ADVICE = "version: 0.2\nphases:\n  build:\n    commands:\n      - pytest\n"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    def _write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


@pytest.mark.parametrize(
    ("text", "exit_code", "summary"),
    [
        (CLEAN, 0, "1 file(s): 0 error(s), 0 warning(s)"),
        (ADVICE, 0, "1 file(s): 0 error(s), 1 warning(s)"),
        (BROKEN, 1, "1 file(s): 1 error(s), 0 warning(s)"),
    ],
)
def test_text_output_and_exit_code(
    write: Callable[[str, str], str], text: str, exit_code: int, summary: str
) -> None:
    path = write("buildspec.yml", text)
    result = CliRunner().invoke(main, ["buildspec", "lint", path])
    assert result.exit_code == exit_code
    assert result.output.splitlines()[-1] == summary


def test_text_output_is_path_line_column_code(write: Callable[[str, str], str]) -> None:
    path = write("buildspec.yml", BROKEN)
    result = CliRunner().invoke(main, ["buildspec", "lint", path])
    assert result.output.splitlines()[0].startswith(f"{path}:3:3: BS014 unknown phase 'biuld'")


def test_json_output_is_a_list_of_findings(write: Callable[[str, str], str]) -> None:
    path = write("buildspec.yml", BROKEN)
    result = CliRunner().invoke(main, ["buildspec", "lint", "--format", "json", path])
    assert result.exit_code == 1
    [finding] = json.loads(result.output)
    assert (finding["code"], finding["line"], finding["column"]) == ("BS014", 3, 3)


def test_missing_file_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["buildspec", "lint", str(tmp_path / "nope.yml")])
    assert result.exit_code == 1
    assert "BS000 cannot read the file" in result.output
    assert "Traceback" not in result.output


def test_rules_lists_every_rule() -> None:
    result = CliRunner().invoke(main, ["buildspec", "rules"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines[::2]] == [rule.id for rule in RULES]
    assert "error" in lines[-2] and "e.g." in lines[-2]
    # Each rule is followed by the CodeBuild documentation it rests on.
    assert all(line.strip().startswith("https://docs.aws.amazon.com/") for line in lines[1::2])
