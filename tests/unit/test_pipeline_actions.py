"""Action builders: the API's action types and configuration keys, and clear errors.

The expected dictionaries are written out by hand from the CodePipeline action
reference, not computed, so a renamed key or a non-string value fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.actions import (
    cloudformation_deploy,
    codebuild_action,
    codecommit_source,
    connection_source,
    lambda_invoke,
    manual_approval,
    s3_source,
)
from mlcicd.pipeline.model import Action, ActionTypeId

ROLE = "arn:aws:iam::123456789012:role/cfn-deploy"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:approvals"
CONNECTION = "arn:aws:codeconnections:eu-west-1:123456789012:connection/abc-123"


def test_s3_source() -> None:
    action = s3_source("Source", bucket="src-bucket", key="churn/source.zip")
    assert action == Action(
        name="Source",
        action_type_id=ActionTypeId("Source", "AWS", "S3", "1"),
        configuration={
            "S3Bucket": "src-bucket",
            "S3ObjectKey": "churn/source.zip",
            "PollForSourceChanges": "false",
        },
        output_artifacts=("SourceOutput",),
    )


def test_s3_source_poll_is_the_string_true() -> None:
    action = s3_source("Source", bucket="b", key="k.zip", poll=True, output="Code")
    assert action.configuration["PollForSourceChanges"] == "true"
    assert action.output_artifacts == ("Code",)


def test_codecommit_source_writes_optional_keys_only_when_given() -> None:
    plain = codecommit_source("Source", repository="churn")
    assert plain.action_type_id == ActionTypeId("Source", "AWS", "CodeCommit", "1")
    assert plain.configuration == {"RepositoryName": "churn", "BranchName": "main"}

    full = codecommit_source(
        "Source", repository="churn", branch="dev", poll=False, output_format="CODEBUILD_CLONE_REF"
    )
    assert full.configuration == {
        "RepositoryName": "churn",
        "BranchName": "dev",
        "PollForSourceChanges": "false",
        "OutputArtifactFormat": "CODEBUILD_CLONE_REF",
    }


def test_connection_source() -> None:
    action = connection_source(
        "GitHub", connection_arn=CONNECTION, repository_id="acme/churn", output="Code"
    )
    assert action.action_type_id == ActionTypeId("Source", "AWS", "CodeStarSourceConnection", "1")
    assert action.configuration == {
        "ConnectionArn": CONNECTION,
        "FullRepositoryId": "acme/churn",
        "BranchName": "main",
    }
    assert action.output_artifacts == ("Code",)


def test_codebuild_build_action() -> None:
    action = codebuild_action(
        "UnitTests", project="churn-unit", inputs=["SourceOutput"], outputs=["BuildOutput"]
    )
    assert action == Action(
        name="UnitTests",
        action_type_id=ActionTypeId("Build", "AWS", "CodeBuild", "1"),
        configuration={"ProjectName": "churn-unit"},
        input_artifacts=("SourceOutput",),
        output_artifacts=("BuildOutput",),
    )


def test_codebuild_test_action_with_every_option() -> None:
    action = codebuild_action(
        "QualityGate",
        project="churn-gate",
        inputs=("SourceOutput", "BuildOutput"),
        category="Test",
        environment_variables={"MIN_AUC": "0.8"},
        primary_source="SourceOutput",
        batch=True,
        run_order=2,
    )
    assert action.action_type_id == ActionTypeId("Test", "AWS", "CodeBuild", "1")
    assert action.run_order == 2
    assert action.configuration == {
        "ProjectName": "churn-gate",
        "EnvironmentVariables": '[{"name":"MIN_AUC","value":"0.8","type":"PLAINTEXT"}]',
        "PrimarySource": "SourceOutput",
        "BatchEnabled": "true",
    }


def test_environment_variables_are_a_json_string_of_plaintext_entries() -> None:
    action = codebuild_action(
        "E2E",
        project="p",
        inputs=("SourceOutput",),
        environment_variables={"STAGE": "staging", "ENDPOINT": "#{Staging.EndpointName}"},
    )
    value = action.configuration["EnvironmentVariables"]
    assert isinstance(value, str)
    assert json.loads(value) == [
        {"name": "STAGE", "value": "staging", "type": "PLAINTEXT"},
        {"name": "ENDPOINT", "value": "#{Staging.EndpointName}", "type": "PLAINTEXT"},
    ]


def test_manual_approval_has_no_artifacts() -> None:
    action = manual_approval(
        "Approve",
        notification_arn=TOPIC,
        custom_data="Check the report",
        external_entity_link="https://example.com/report",
    )
    assert action == Action(
        name="Approve",
        action_type_id=ActionTypeId("Approval", "AWS", "Manual", "1"),
        configuration={
            "NotificationArn": TOPIC,
            "CustomData": "Check the report",
            "ExternalEntityLink": "https://example.com/report",
        },
    )
    assert manual_approval("Approve").configuration == {}


def test_lambda_invoke_serialises_mapping_parameters() -> None:
    action = lambda_invoke(
        "Notify", function_name="notify", user_parameters={"stage": "prod"}, inputs=("BuildOutput",)
    )
    assert action.action_type_id == ActionTypeId("Invoke", "AWS", "Lambda", "1")
    assert action.configuration == {"FunctionName": "notify", "UserParameters": '{"stage":"prod"}'}
    assert action.input_artifacts == ("BuildOutput",)
    text = lambda_invoke("Notify", function_name="notify", user_parameters="plain text")
    assert text.configuration["UserParameters"] == "plain text"


def test_cloudformation_deploy() -> None:
    action = cloudformation_deploy(
        "DeployStaging",
        stack_name="churn-staging",
        template_path="BuildOutput::template.yaml",
        role_arn=ROLE,
        parameter_overrides={"Stage": "staging"},
        inputs=("BuildOutput",),
    )
    assert action == Action(
        name="DeployStaging",
        action_type_id=ActionTypeId("Deploy", "AWS", "CloudFormation", "1"),
        configuration={
            "ActionMode": "CREATE_UPDATE",
            "StackName": "churn-staging",
            "TemplatePath": "BuildOutput::template.yaml",
            "RoleArn": ROLE,
            "Capabilities": "CAPABILITY_IAM",
            "ParameterOverrides": '{"Stage":"staging"}',
        },
        input_artifacts=("BuildOutput",),
    )


def test_cloudformation_capabilities_are_comma_separated_or_omitted() -> None:
    def deploy(capabilities: tuple[str, ...]) -> Action:
        return cloudformation_deploy(
            "Deploy",
            stack_name="s",
            template_path="A::t.yaml",
            role_arn=ROLE,
            capabilities=capabilities,
            inputs=("A",),
        )

    both = deploy(("CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"))
    assert both.configuration["Capabilities"] == "CAPABILITY_NAMED_IAM,CAPABILITY_AUTO_EXPAND"
    assert "Capabilities" not in deploy(()).configuration


def test_builders_do_not_share_configuration() -> None:
    first = codecommit_source("Source", repository="a")
    second = codecommit_source("Source", repository="a")
    first.configuration["BranchName"] = "changed"
    assert second.configuration["BranchName"] == "main"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: s3_source("has space", bucket="b", key="k"), "action name 'has space'"),
        (lambda: s3_source("S", bucket="", key="k"), "bucket must be a non-empty string"),
        (lambda: s3_source("S", bucket="b", key="k", output="bad name"), "artifact name"),
        (
            lambda: codecommit_source("S", repository="r", output_format="zip"),
            "output_format must be one of",
        ),
        (
            lambda: connection_source("S", connection_arn=ROLE, repository_id="a/b"),
            "connection_arn must be a connection ARN",
        ),
        (
            lambda: connection_source("S", connection_arn=CONNECTION, repository_id="churn"),
            "repository_id must be 'owner/repository'",
        ),
        (lambda: codebuild_action("B", project="p", inputs=()), "inputs must name 1 to 5"),
        (
            lambda: codebuild_action("B", project="p", inputs="SourceOutput"),
            "must be a sequence of names",
        ),
        (
            lambda: codebuild_action("B", project="p", inputs=("A",), category="Deploy"),
            "category must be 'Build' or 'Test'",
        ),
        (lambda: codebuild_action("B", project="p", inputs=("A", "B")), "say which is primary"),
        (
            lambda: codebuild_action("B", project="p", inputs=("A",), primary_source="C"),
            "primary_source 'C' is not one of inputs",
        ),
        (
            lambda: codebuild_action("B", project="p", inputs=("A",), run_order=0),
            "run_order must be an integer from 1 to 999",
        ),
        (
            lambda: codebuild_action(
                "B", project="p", inputs=("A",), environment_variables={"DEBUG": True}
            ),
            "environment_variables['DEBUG'] must be a string",
        ),
        (
            lambda: codebuild_action(
                "B", project="p", inputs=("A",), environment_variables={"X": "v" * 1000}
            ),
            "at most 1000",
        ),
        (lambda: manual_approval("A", notification_arn=ROLE), "notification_arn must be an ARN"),
        (
            lambda: manual_approval("A", external_entity_link="example.com"),
            "must be an http(s) URL",
        ),
        (lambda: lambda_invoke("L", function_name=""), "function_name must be a non-empty"),
        (
            lambda: cloudformation_deploy(
                "D", stack_name="s", template_path="A::t.yaml", inputs=("A",)
            ),
            "role_arn is required",
        ),
        (
            lambda: cloudformation_deploy(
                "D", stack_name="s", template_path="t.yaml", role_arn=ROLE, inputs=("A",)
            ),
            "template_path must be 'Artifact::path'",
        ),
        (
            lambda: cloudformation_deploy(
                "D", stack_name="s", template_path="B::t.yaml", role_arn=ROLE, inputs=("A",)
            ),
            "template_path reads artifact 'B'",
        ),
        (
            lambda: cloudformation_deploy(
                "D",
                stack_name="s",
                template_path="A::t.yaml",
                role_arn=ROLE,
                action_mode="DELETE_ONLY",
                inputs=("A",),
            ),
            "action_mode must be one of",
        ),
        (
            lambda: cloudformation_deploy(
                "D",
                stack_name="s",
                template_path="A::t.yaml",
                role_arn=ROLE,
                capabilities=("CAPABILITY_ALL",),
                inputs=("A",),
            ),
            "unknown capabilities ['CAPABILITY_ALL']",
        ),
    ],
)
def test_invalid_arguments_raise_a_clear_error(build: Callable[[], Action], message: str) -> None:
    with pytest.raises(PipelineError) as raised:
        build()
    assert message in str(raised.value)


@pytest.mark.parametrize("token", ["${Token[TOKEN.141]}", "${Token[AWS.AccountId.8]}"])
def test_a_cdk_token_stands_for_an_arn_known_at_deploy_time(token: str) -> None:
    # The CDK app passes role.role_arn and topic.topic_arn before they exist.
    approval = manual_approval("A", notification_arn=token)
    assert approval.configuration["NotificationArn"] == token
    deploy = cloudformation_deploy(
        "D", stack_name="s", template_path="A::t.yaml", role_arn=token, inputs=("A",)
    )
    assert deploy.configuration["RoleArn"] == token


@pytest.mark.parametrize(
    "almost", ["${Token[]}", "prefix ${Token[TOKEN.1]}", "${Token[TOKEN.1]} suffix", "${Ref:Topic}"]
)
def test_text_that_only_looks_like_a_token_is_still_not_an_arn(almost: str) -> None:
    with pytest.raises(PipelineError, match="notification_arn must be an ARN of sns"):
        manual_approval("A", notification_arn=almost)
