"""The reader on real public pipeline files: every one gives at least one pipeline.

The corpus (``../shared/corpus/pipelines``, described by SOURCES.md) holds
CloudFormation templates in YAML and JSON, ``get-pipeline`` output and a
``create-pipeline`` input; it is never copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.pipeline.draw import draw_pipeline
from mlcicd.pipeline.io import read_pipelines
from mlcicd.pipeline.simulate import simulate
from mlcicd.pipeline.validate import validate_file

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "pipelines"
FILES = sorted(CORPUS.iterdir()) if CORPUS.is_dir() else []

#: Files known to declare more than one pipeline, and how many.
SEVERAL = {
    "aws-samples__sagemaker-custom-project-templates__s3_templates__sample-templates"
    "__templates__build-train-deploy-codepipeline.yaml": 2,
}

needs_corpus = pytest.mark.skipif(
    not FILES, reason=f"pipeline corpus not found at {CORPUS} (see shared/corpus/SOURCES.md)"
)


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_corpus_file_reads_into_pipelines(path: Path) -> None:
    pipelines = read_pipelines(path)
    assert len(pipelines) == SEVERAL.get(path.name, 1)
    for pipeline in pipelines.values():
        assert pipeline.name
        assert pipeline.role_arn
        assert len(pipeline.stages) >= 2
        assert all(stage.name for stage in pipeline.stages)
        for _, _, _, action in pipeline.actions():
            assert action.name and action.action_type_id.provider
            # The API takes only strings here; placeholders stand in for intrinsics.
            assert all(isinstance(value, str) for value in action.configuration.values())


@needs_corpus
def test_corpus_holds_the_twelve_files() -> None:
    assert len(FILES) == 12


@needs_corpus
@pytest.mark.parametrize("path", FILES, ids=[path.name for path in FILES])
def test_corpus_file_validates_simulates_and_draws(path: Path) -> None:
    # Real templates may have real findings; what matters is that every one is
    # reported as a finding with a location, never as a crash.
    findings = validate_file(path)
    assert all(finding.location and finding.code.startswith("PL") for finding in findings)
    for pipeline in read_pipelines(path).values():
        execution = simulate(pipeline)
        assert execution.status in ("Succeeded", "Failed")
        figure = draw_pipeline(pipeline, execution=execution)
        stage_labels = {text.get_text() for ax in figure.axes for text in ax.texts}
        assert len(stage_labels) >= len(pipeline.stages)
