"""The ML pipeline: its gates in order, parallel tests, and an artifact flow that holds.

Its default source is a CodeConnections (GitHub) repository; CodeCommit and any
other source action stay available through ``source``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.cli import main
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.actions import codecommit_source, manual_approval, s3_source
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import ActionTypeId, Pipeline, to_dict
from mlcicd.pipeline.simulate import SUCCEEDED, simulate
from mlcicd.pipeline.validate import validate

ROLE = "arn:aws:iam::123456789012:role/pipeline"
CONNECTION = "arn:aws:codeconnections:eu-west-1:111122223333:connection/abc-123"


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


def test_the_default_source_is_a_github_repository_through_codeconnections(
    pipeline: Pipeline,
) -> None:
    (source,) = pipeline.stages[0].actions
    assert source.action_type_id == ActionTypeId("Source", "AWS", "CodeStarSourceConnection", "1")
    # The provider's three required keys (CodePipeline action reference, CodeStarSourceConnection).
    assert sorted(source.configuration) == ["BranchName", "ConnectionArn", "FullRepositoryId"]
    assert source.configuration["FullRepositoryId"] == "example-org/churn-ml"
    assert source.configuration["BranchName"] == "main"
    assert source.configuration["ConnectionArn"].startswith("arn:aws:codeconnections:")


def test_connection_repository_and_branch_are_parameters() -> None:
    pipeline = ml_pipeline(
        role_arn=ROLE,
        artifact_bucket="artifacts",
        connection_arn=CONNECTION,
        repository_id="acme/churn",
        branch="release",
    )
    assert pipeline.stages[0].actions[0].configuration == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "acme/churn",
        "BranchName": "release",
    }


def test_codecommit_stays_an_option() -> None:
    source = codecommit_source("Source", repository="churn")
    pipeline = ml_pipeline(role_arn=ROLE, artifact_bucket="artifacts", source=source)
    assert pipeline.stages[0].actions[0].action_type_id.provider == "CodeCommit"
    assert pipeline.stages[1].actions[0].input_artifacts == ("SourceOutput",)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"repository_id": "churn"}, "owner/repository"),
        ({"connection_arn": ROLE}, "connection ARN"),
        ({"branch": " "}, "branch"),
    ],
    ids=["repository without owner", "not a connection ARN", "blank branch"],
)
def test_a_bad_default_source_argument_names_the_argument(
    arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(PipelineError, match=message):
        ml_pipeline(role_arn=ROLE, artifact_bucket="artifacts", **arguments)


def test_the_default_pipeline_validates_and_simulates_clean(pipeline: Pipeline) -> None:
    assert [finding.format() for finding in validate(pipeline)] == []
    execution = simulate(pipeline)
    assert execution.status == SUCCEEDED
    assert [name for name, _ in execution.artifact_revisions] == ["SourceOutput"]


def test_mlcicd_pipeline_validate_accepts_the_connection_source(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"pipeline": to_dict(pipeline)}), encoding="utf-8")
    result = CliRunner().invoke(main, ["pipeline", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{path}: 0 error(s), 0 warning(s)"
