"""Round trip on real files: the model a file gives is the model its dump gives back.

For every buildspec that loads (``../shared/corpus/buildspecs`` when present,
and the accepted real-file cases): ``loads`` -> model -> ``dumps`` -> ``loads``
gives an equal model. For every pipeline template (``../shared/corpus/pipelines``
when present, and ``tests/data/realfiles/pipelines``): declaration -> model ->
``to_dict`` -> ``from_dict`` gives an equal model, and so does a trip through
JSON text, as ``mlcicd pipeline`` writes files. Reading and writing are one
declaration each (:mod:`mlcicd.convert`), so a field that one side forgets
shows up here as a difference.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcicd.buildspec.dump import dumps
from mlcicd.buildspec.lint import lint_file
from mlcicd.buildspec.load import loads
from mlcicd.pipeline.io import read_pipelines
from mlcicd.pipeline.model import from_dict, to_dict

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"
REALFILES = ROOT / "tests" / "data" / "realfiles"


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


def _loadable(paths: list[Path]) -> list[Path]:
    # Only files the linter finds no error in become a model at all.
    return [p for p in paths if not [f for f in lint_file(p) if f.severity == "error"]]


CORPUS_BUILDSPECS = _files(CORPUS / "buildspecs", "*.y*ml")
REAL_BUILDSPECS = _loadable(_files(REALFILES / "buildspecs", "**/*.y*ml"))
CORPUS_PIPELINES = _files(CORPUS / "pipelines", "*")
REAL_PIPELINES = _files(REALFILES / "pipelines", "*")

needs_corpus = pytest.mark.skipif(
    not CORPUS_BUILDSPECS, reason=f"corpus not found at {CORPUS} (see shared/corpus/SOURCES.md)"
)


def _buildspec_round_trip(path: Path) -> None:
    model = loads(path.read_bytes(), path=str(path))
    again = loads(dumps(model), path=f"dumps({path.name})")
    assert again == model


def _pipeline_round_trip(path: Path) -> None:
    pipelines = read_pipelines(path)
    assert pipelines, f"{path.name} declares no pipeline"
    for pipeline in pipelines.values():
        assert from_dict(to_dict(pipeline)) == pipeline
        assert from_dict(json.loads(json.dumps({"pipeline": to_dict(pipeline)}))) == pipeline


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_BUILDSPECS, ids=[p.name for p in CORPUS_BUILDSPECS])
def test_corpus_buildspec_round_trips(path: Path) -> None:
    _buildspec_round_trip(path)


@pytest.mark.parametrize("path", REAL_BUILDSPECS, ids=[p.name for p in REAL_BUILDSPECS])
def test_real_file_buildspec_round_trips(path: Path) -> None:
    _buildspec_round_trip(path)


@needs_corpus
@pytest.mark.parametrize("path", CORPUS_PIPELINES, ids=[p.name for p in CORPUS_PIPELINES])
def test_corpus_pipeline_round_trips(path: Path) -> None:
    _pipeline_round_trip(path)


@pytest.mark.parametrize("path", REAL_PIPELINES, ids=[p.name for p in REAL_PIPELINES])
def test_real_file_pipeline_round_trips(path: Path) -> None:
    _pipeline_round_trip(path)


def test_the_real_files_are_found() -> None:
    # A moved folder must fail here, not skip every case above silently.
    assert len(REAL_BUILDSPECS) >= 5
    assert len(REAL_PIPELINES) >= 10
