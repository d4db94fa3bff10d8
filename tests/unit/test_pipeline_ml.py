"""The ML pipeline: its gates in order, parallel tests, and an artifact flow that holds."""

from __future__ import annotations

import pytest

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.actions import manual_approval, s3_source
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import Pipeline

ROLE = "arn:aws:iam::123456789012:role/pipeline"


@pytest.fixture
def pipeline() -> Pipeline:
    return ml_pipeline(role_arn=ROLE, artifact_bucket="artifacts")


def test_stages_are_the_gates_in_order(pipeline: Pipeline) -> None:
    assert [stage.name for stage in pipeline.stages] == [
        "Source",
        "Build",
        "Test",
        "Approval",
        "DeployStaging",
        "E2E",
        "DeployProduction",
    ]
    assert pipeline.artifact_store == {"type": "S3", "location": "artifacts"}


def test_the_three_test_actions_run_in_parallel(pipeline: Pipeline) -> None:
    test = pipeline.stages[2]
    assert [(a.name, a.action_type_id.category, a.run_order) for a in test.actions] == [
        ("IntegrationTests", "Test", 1),
        ("DataTests", "Test", 1),
        ("ModelQualityGate", "Test", 1),
    ]


def test_every_input_is_produced_by_an_earlier_stage(pipeline: Pipeline) -> None:
    produced: set[str] = set()
    for stage in pipeline.stages:
        for action in stage.actions:
            missing = set(action.input_artifacts) - produced
            assert not missing, f"{stage.name}.{action.name} reads {missing} before it exists"
        for action in stage.actions:
            assert not set(action.output_artifacts) & produced, "an artifact is written twice"
            produced |= set(action.output_artifacts)


def test_e2e_reads_the_staging_endpoint_from_the_staging_namespace(pipeline: Pipeline) -> None:
    staging = pipeline.stages[4].actions[0]
    e2e = pipeline.stages[5].actions[0]
    assert staging.namespace == "Staging"
    assert '"value":"#{Staging.EndpointName}"' in e2e.configuration["EnvironmentVariables"]


def test_a_custom_source_names_the_artifact_everyone_reads() -> None:
    source = s3_source("Source", bucket="src", key="churn.zip", output="Code")
    pipeline = ml_pipeline(role_arn=ROLE, artifact_bucket="a", source=source)
    assert pipeline.stages[0].actions == (source,)
    assert pipeline.stages[1].actions[0].input_artifacts == ("Code",)


def test_a_source_must_be_a_source_action() -> None:
    with pytest.raises(PipelineError, match="must be a Source action"):
        ml_pipeline(role_arn=ROLE, artifact_bucket="a", source=manual_approval("Approve"))
