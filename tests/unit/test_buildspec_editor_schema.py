"""The buildspec JSON Schema: valid for every buildspec AWS runs, and it rejects wrong shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from mlcicd.buildspec import dumps
from mlcicd.buildspec.document import parse
from mlcicd.buildspec.editor_schema import YAML11_BOOLEANS, json_schema, validate
from mlcicd.buildspec.lint import lint_text
from mlcicd.buildspec.recipes import (
    grading_buildspec,
    layered_buildspec,
    pytest_buildspec,
    sns_notify_buildspec,
)
from mlcicd.cli import main
from mlcicd.iac.buildspecs import LAYERS, layer_buildspec

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus" / "buildspecs"
REALFILES = ROOT / "tests" / "data" / "realfiles" / "buildspecs"
CORPUS_FILES = sorted(CORPUS.glob("*.y*ml")) if CORPUS.is_dir() else []


def _data(path: Path) -> object:
    return parse(path.read_bytes(), path=str(path)).data


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.skipif(not CORPUS_FILES, reason=f"no shared corpus at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_every_corpus_buildspec_fits_the_schema(path: Path) -> None:
    assert validate(_data(path)) == []


ACCEPTED = sorted((REALFILES / "accepted").glob("*.yml"))
REJECTED = sorted((REALFILES / "rejected").glob("*.yml"))


@pytest.mark.parametrize("path", ACCEPTED, ids=[p.name for p in ACCEPTED])
def test_every_accepted_real_file_fits_the_schema(path: Path) -> None:
    assert validate(_data(path)) == []


@pytest.mark.parametrize("path", REJECTED, ids=[p.name for p in REJECTED])
def test_every_rejected_real_file_breaks_the_schema(path: Path) -> None:
    # Each holds one error the linter finds; the schema sees the same one.
    assert len(validate(_data(path))) == 1


COURSE = {
    "pytest": pytest_buildspec(),
    "layered": layered_buildspec(),
    "sns": sns_notify_buildspec(),
    "grading": grading_buildspec(),
}


@pytest.mark.parametrize("spec", COURSE.values(), ids=list(COURSE))
def test_every_recipe_fits_the_schema(spec: object) -> None:
    assert validate(parse(dumps(spec)).data) == []  # type: ignore[arg-type]


@pytest.mark.parametrize("layer", LAYERS)
def test_every_stack_buildspec_fits_the_schema(layer: str) -> None:
    assert validate(layer_buildspec(layer)) == []


WRONG = {
    "no-version": ({"phases": {"build": {"commands": ["make"]}}}, ""),
    "version-1.0": ({"version": "1.0"}, "version"),
    "phases-list": ({"version": 0.2, "phases": ["build"]}, "phases"),
    "phase-typo": ({"version": 0.2, "phases": {"biuld": {"commands": ["a"]}}}, "phases"),
    "commands-mapping": ({"version": 0.2, "phases": {"build": {"commands": {"a": 1}}}}, "phases"),
    "report-format": ({"version": 0.2, "reports": {"r": {"file-format": "JUNIT"}}}, "reports"),
    "on-failure": ({"version": 0.2, "phases": {"build": {"on-failure": "abort"}}}, "phases"),
}


@pytest.mark.parametrize(("data", "where"), WRONG.values(), ids=list(WRONG))
def test_wrong_shapes_are_rejected_where_they_are(data: object, where: str) -> None:
    [problem] = validate(data)
    assert problem.startswith(where or "the document")


def test_schema_and_linter_agree_on_yaml_1_1_switch_spellings() -> None:
    # An editor (YAML 1.2) sees `discard-paths: Yes` as text; the linter (YAML 1.1) as a boolean.
    for word in YAML11_BOOLEANS:
        text = f"version: 0.2\nartifacts:\n  files: [a]\n  discard-paths: {word}\n"
        assert validate({"version": "0.2", "artifacts": {"discard-paths": word}}) == [], word
        assert [f.code for f in lint_text(text) if f.severity == "error"] == [], word


def test_cli_prints_the_schema_and_names_the_editor_comment() -> None:
    runner = CliRunner()
    printed = runner.invoke(main, ["buildspec", "schema"])
    assert printed.exit_code == 0 and json.loads(printed.output) == json_schema()
    helped = runner.invoke(main, ["buildspec", "schema", "--help"])
    assert "# yaml-language-server: $schema=" in helped.output
