"""``mlcicd grade`` exit codes, messages and report files (no submission here can run)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlcicd.cli import main

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "exercises" / "manifest.json"


def invoke(*args: str) -> Result:
    """Run ``mlcicd`` with ``args``."""
    return CliRunner().invoke(main, list(args))


def unit_tests_spec() -> dict:
    """The manifest's entry for 02_unit_tests, read directly (not through the grader)."""
    exercises = json.loads(MANIFEST.read_text(encoding="utf-8"))["exercises"]
    (spec,) = (spec for spec in exercises if spec["name"] == "02_unit_tests")
    return spec


@pytest.fixture
def not_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return alice's submission that is not JSON, in a folder with no manifest above it."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "alice_02_unit_tests.ipynb"
    path.write_text("{this is not json", encoding="utf-8")
    return path


def test_without_a_manifest_it_exits_2_with_one_error_line(not_json: Path) -> None:
    result = invoke("grade", str(not_json))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert len(result.stderr.splitlines()) == 1
    assert "exercises/manifest.json" in result.stderr and "--manifest" in result.stderr
    assert "Traceback" not in result.output


def test_an_ungradable_submission_is_reported_and_grading_succeeds(
    not_json: Path, tmp_path: Path
) -> None:
    before = not_json.read_bytes()
    out = tmp_path / "reports"
    result = invoke(
        "grade", str(not_json), "--manifest", str(MANIFEST),
        "--json", str(out / "grades.json"),
        "--junit", str(out / "grades.xml"),
        "--csv", str(out / "grades.csv"),
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # The error row keeps the exercise its file name gives, and that exercise's maximum.
    assert lines[0] == f"{not_json} (02_unit_tests)"
    assert lines[1].startswith("  not graded: not a readable notebook (JSONDecodeError")
    assert lines[-1] == "1 submission(s): 0 graded, 1 not gradable."
    assert not_json.read_bytes() == before

    (submission,) = json.loads((out / "grades.json").read_text(encoding="utf-8"))["submissions"]
    assert submission["learner"] == "alice_02_unit_tests" and submission["score"] == 0
    assert submission["errors"][0].startswith("not a readable notebook")
    case = ET.parse(out / "grades.xml").getroot().find("testsuite/testcase")
    assert case is not None and case.get("name") == "grading"
    assert case.find("error") is not None
    (header, row) = csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8")))
    assert header == ["learner", "exercise", "path", "score", "max_score", "errors"]
    maximum = sum(point["points"] for point in unit_tests_spec()["checkpoints"])
    assert row[:5] == ["alice_02_unit_tests", "02_unit_tests", str(not_json), "0", str(maximum)]
    assert sorted(p.name for p in out.iterdir()) == ["grades.csv", "grades.json", "grades.xml"]


def test_fail_under_fails_an_ungradable_submission(not_json: Path) -> None:
    result = invoke("grade", str(not_json), "--manifest", str(MANIFEST), "--fail-under", "50")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-1] == "Some submissions scored below 50%."


def test_a_bad_shard_exits_2_with_the_message(not_json: Path) -> None:
    result = invoke("grade", str(not_json), "--manifest", str(MANIFEST), "--shard", "3/2")
    assert result.exit_code == 2
    assert result.stderr == "Error: --shard '3/2': give K/N with 1 <= K <= N, e.g. 1/4\n"
    assert "Traceback" not in result.output


def test_an_unknown_exercise_option_exits_2(not_json: Path) -> None:
    result = invoke("grade", str(not_json), "--manifest", str(MANIFEST), "--exercise", "99_nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --exercise 99_nope: the manifest has 02_unit_tests, ")


def test_a_missing_submission_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("grade", "nowhere", "--manifest", str(MANIFEST))
    assert result.exit_code == 2
    assert result.stderr == "Error: nowhere: there is no such file or folder\n"


@pytest.mark.parametrize(
    ("args", "environ", "timeout"),
    [
        ((), {}, 30),
        ((), {"MLCICD_GRADE_TIMEOUT": "120"}, 120),
        (("--timeout", "45"), {"MLCICD_GRADE_TIMEOUT": "120"}, 45),  # the option wins
    ],
)
def test_the_cell_timeout_comes_from_the_option_else_the_environment(
    not_json: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    environ: dict[str, str],
    timeout: int,
) -> None:
    from mlcicd.grade import api

    seen: dict[str, object] = {}

    def grade_paths(targets: list[Path], **options: object) -> list[object]:
        seen.update(options)
        return []

    monkeypatch.setattr(api, "grade_paths", grade_paths)
    monkeypatch.delenv("MLCICD_GRADE_TIMEOUT", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["grade", str(not_json), *args])
    assert result.exit_code == 0, result.output
    assert seen["timeout"] == timeout
