"""The linter on real public buildspecs: the accepted ones load, the rejected ones do not.

The corpus lives next to the repository (``../shared/corpus``, described by its
SOURCES.md); it is never copied in. Warnings are allowed on accepted files, each
one listed in :data:`EXPECTED_WARNINGS` with the reason it is right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.buildspec.lint import lint_file
from mlcicd.buildspec.load import load

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def _files(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*.y*ml")) if (CORPUS / folder).is_dir() else []


ACCEPTED = _files("buildspecs")
REJECTED = _files("buildspecs-rejected")
needs_corpus = pytest.mark.skipif(
    not ACCEPTED, reason=f"corpus not found at {CORPUS} (see shared/corpus/SOURCES.md)"
)

#: Warnings on accepted files, and why each is right.
EXPECTED_WARNINGS = {
    # Runtime versions written as numbers (python: 3.8): harmless today, 3.10 would read 3.1.
    "BS019",
    # eb_codebuild_settings is read by the Elastic Beanstalk CLI; CodeBuild ignores it.
    "BS013",
    # pr-build.yml has an empty `post_build: commands:`: that phase does nothing.
    "BS020",
}


@needs_corpus
@pytest.mark.parametrize("path", ACCEPTED, ids=[p.name for p in ACCEPTED])
def test_accepted_buildspec_has_no_error_and_loads(path: Path) -> None:
    findings = lint_file(path)
    assert [f.format() for f in findings if f.severity == "error"] == []
    assert {f.code for f in findings} <= EXPECTED_WARNINGS
    assert load(path).version in ("0.1", "0.2")


@needs_corpus
@pytest.mark.parametrize("path", REJECTED, ids=[p.name for p in REJECTED])
def test_rejected_buildspec_has_an_error(path: Path) -> None:
    assert [f for f in lint_file(path) if f.severity == "error"]
