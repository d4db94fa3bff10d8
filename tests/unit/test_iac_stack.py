"""The course's CDK stack, tested as infrastructure: CDK assertions, IAM, cfn-lint, a snapshot.

The stack is synthesized once for the module (jsii starts Node.js and loads
aws-cdk-lib: seconds). Every assertion goes through ``TemplateAssertions``, so
a failed expectation is a plain ``AssertionError``, as pytest users expect.

The snapshot (``src/mlcicd/iac/MlCiCd.template.json``, which grading reads) catches
*any* change to the template, wanted or not. After a deliberate change, read the diff pytest shows,
then rewrite the snapshot on purpose with::

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/unit/test_iac_stack.py

and commit the new snapshot with the change that explains it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from mlcicd.iac import cdk_problem, require_cdk, statements, wildcard_actions

PROBLEM = cdk_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

# The committed template ships in the package (mlcicd.iac.committed_template reads it).
SNAPSHOT = Path(__file__).resolve().parents[2] / "src" / "mlcicd" / "iac" / "MlCiCd.template.json"
LAYER_PROJECTS = {
    "churn-unit-tests": "unit",
    "churn-integration-tests": "integration",
    "churn-data-tests": "data",
    "churn-quality-gate": "model",
    "churn-e2e-tests": "staging",
}
#: What a test project's role may do besides reading artifacts: its own logs and reports.
CODEBUILD_HOUSEKEEPING = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "codebuild:CreateReportGroup",
    "codebuild:CreateReport",
    "codebuild:UpdateReport",
    "codebuild:BatchPutTestCases",
    "codebuild:BatchPutCodeCoverages",
}


@pytest.fixture(scope="module")
def stack() -> Any:
    require_cdk()
    from mlcicd.iac import new_app, new_stack

    return new_stack(new_app())


@pytest.fixture(scope="module")
def template(stack: Any) -> Any:
    """``Template.from_stack`` of the course's stack; failures raise ``AssertionError``."""
    from aws_cdk.assertions import Template

    from mlcicd.iac import TemplateAssertions

    return TemplateAssertions(Template.from_stack(stack))


@pytest.fixture(scope="module")
def data(template: Any) -> dict[str, Any]:
    return template.to_json()


def _logical_id(data: dict[str, Any], resource_type: str, **properties: Any) -> str:
    (found,) = [
        logical_id
        for logical_id, resource in data["Resources"].items()
        if resource["Type"] == resource_type
        and all(resource["Properties"].get(k) == v for k, v in properties.items())
    ]
    return found


def _bucket_arn(data: dict[str, Any]) -> dict[str, Any]:
    return {"Fn::GetAtt": [_logical_id(data, "AWS::S3::Bucket"), "Arn"]}


# ---- CDK assertions ---------------------------------------------------------


def test_every_cdk_module_building_the_stack_loads_is_one_the_install_compiles(
    data: dict[str, Any],
) -> None:
    """jsii's bindings import modules lazily while the stack is built and synthesized."""
    import aws_cdk

    from mlcicd.bytecode import cdk_modules

    assert data["Resources"]  # synthesized: every module that took has been loaded
    root = Path(aws_cdk.__file__).parent
    # Files only: publication adds file-less `_private` modules to each package.
    files = [Path(m.__file__) for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
    loaded = {f.relative_to(root).parts[0] for f in files if f.is_relative_to(root)}
    loaded.discard("__init__.py")  # aws_cdk itself
    assert {"aws_s3", "aws_codebuild"} <= loaded, loaded
    assert loaded - cdk_modules(root) == set(), "mlcicd.bytecode leaves these uncompiled"


def test_the_artifact_bucket_is_versioned_encrypted_private_and_kept(template: Any) -> None:
    from aws_cdk.assertions import Match

    template.resource_count_is("AWS::S3::Bucket", 1)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        Match.object_like(
            {
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
            }
        ),
    )
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Retain"})


def test_the_bucket_refuses_requests_without_tls(template: Any) -> None:
    from aws_cdk.assertions import Match

    deny_plain_http = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {"PolicyDocument": {"Statement": Match.array_with([Match.object_like(deny_plain_http)])}},
    )


@pytest.mark.parametrize(("project", "layer"), sorted(LAYER_PROJECTS.items()))
def test_each_layer_has_a_project_running_its_tests_and_reporting_junit(
    template: Any, project: str, layer: str
) -> None:
    from aws_cdk.assertions import Match

    buildspec = {
        "version": "0.2",
        "phases": Match.object_like(
            {
                "build": {
                    "commands": Match.array_with(
                        [
                            Match.string_like_regexp(
                                f"^pytest tests/{layer} .*--junitxml=reports/{layer}.xml$"
                            )
                        ]
                    ),
                }
            }
        ),
        "reports": {
            layer: {
                "files": [f"{layer}.xml"],
                "file-format": "JUNITXML",
                "base-directory": "reports",
            }
        },
    }
    template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Name": project,
            "Source": {
                "Type": "CODEPIPELINE",
                "BuildSpec": Match.serialized_json(Match.object_like(buildspec)),
            },
        },
    )


@pytest.mark.parametrize("project", sorted(LAYER_PROJECTS))
def test_each_inline_buildspec_is_the_one_mlcicd_iac_buildspecs_declares(
    data: dict[str, Any], project: str
) -> None:
    from mlcicd.buildspec import loads
    from mlcicd.buildspec.model import from_dict
    from mlcicd.iac.buildspecs import layer_buildspec

    resource = data["Resources"][_logical_id(data, "AWS::CodeBuild::Project", Name=project)]
    # CodeBuild reads the inline buildspec as YAML, which JSON is a subset of.
    cloud = loads(resource["Properties"]["Source"]["BuildSpec"])
    assert cloud == from_dict(layer_buildspec(project.removeprefix("churn-")))


def test_the_build_project_is_told_where_models_go_and_how_they_are_served(
    data: dict[str, Any],
) -> None:
    resource = data["Resources"][
        _logical_id(data, "AWS::CodeBuild::Project", Name="churn-unit-tests")
    ]
    variables = {
        v["Name"]: v["Value"] for v in resource["Properties"]["Environment"]["EnvironmentVariables"]
    }
    assert variables["MODEL_BUCKET"] == {"Ref": _logical_id(data, "AWS::S3::Bucket")}
    role = variables["ENDPOINT_ROLE_ARN"]["Fn::GetAtt"][0]
    trust = data["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert variables["SERVING_IMAGE"] == {
        "Fn::Sub": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/churn-serve:latest"
    }


def test_only_the_build_project_packages_the_model_and_its_template(data: dict[str, Any]) -> None:
    artifacts = {}
    for resource in data["Resources"].values():
        if resource["Type"] == "AWS::CodeBuild::Project":
            spec = json.loads(resource["Properties"]["Source"]["BuildSpec"])
            artifacts[resource["Properties"]["Name"]] = spec.get("artifacts", {}).get("files")
    assert artifacts.pop("churn-unit-tests") == ["model.tar.gz", "template.yaml"]
    assert set(artifacts.values()) == {None}


def test_the_pipeline_has_the_ml_pipelines_stages_and_the_projects_it_names(
    template: Any,
) -> None:
    from aws_cdk.assertions import Match

    template.resource_count_is("AWS::CodeBuild::Project", len(LAYER_PROJECTS))
    template.resource_count_is("AWS::CodePipeline::Pipeline", 1)
    stages = ["Source", "Build", "Test", "Approval", "DeployStaging", "E2E", "DeployProduction"]
    template.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "PipelineType": "V2",
            "Stages": [Match.object_like({"Name": name}) for name in stages],
        },
    )


def test_the_source_is_a_codeconnections_connection_the_role_may_use_and_nothing_else(
    data: dict[str, Any],
) -> None:
    from mlcicd.iac.stack import EXAMPLE_CONNECTION_ARN, EXAMPLE_REPOSITORY

    source = data["Resources"]["Pipeline"]["Properties"]["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"] == {
        "ConnectionArn": EXAMPLE_CONNECTION_ARN,
        "FullRepositoryId": EXAMPLE_REPOSITORY,
        "BranchName": "main",
    }
    pipeline_role = data["Resources"]["Pipeline"]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    granted = statements(data, role=pipeline_role)
    connection = [s for s in granted if any("connections:" in a for a in s.actions)]
    assert [(s.actions, s.resources) for s in connection] == [
        (("codeconnections:UseConnection",), (EXAMPLE_CONNECTION_ARN,))
    ]
    assert not [a for s in granted for a in s.actions if a.startswith("codecommit:")]


def test_a_codecommit_source_is_an_option_with_its_own_permissions() -> None:
    from mlcicd.iac import synthesize

    data = synthesize(source="codecommit", pipeline_name="churn-ml")
    source = data["Resources"]["Pipeline"]["Properties"]["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeCommit"
    assert source["Configuration"]["RepositoryName"] == "churn-ml"
    actions = {a for s in statements(data) for a in s.actions}
    assert "codecommit:GetBranch" in actions
    assert not any("connections:" in a for a in actions)


def test_an_unknown_source_is_refused_naming_the_choices() -> None:
    from mlcicd.exceptions import IacError
    from mlcicd.iac import synthesize

    with pytest.raises(
        IacError, match="source must be one of connection, codecommit, not 'github'"
    ):
        synthesize(source="github")


def test_the_pipeline_references_its_role_bucket_and_topic(
    template: Any, data: dict[str, Any]
) -> None:
    from aws_cdk.assertions import Capture, Match

    role, bucket, topic = Capture(), Capture(), Capture()
    template.has_resource_properties(
        "AWS::CodePipeline::Pipeline",
        {
            "RoleArn": {"Fn::GetAtt": [role, "Arn"]},
            "ArtifactStore": {"Type": "S3", "Location": {"Ref": bucket}},
            "Stages": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "Approval",
                            "Actions": [
                                Match.object_like(
                                    {
                                        "Configuration": {
                                            "NotificationArn": {"Ref": topic},
                                            "CustomData": Match.any_value(),
                                        }
                                    }
                                )
                            ],
                        }
                    )
                ]
            ),
        },
    )
    resources = data["Resources"]
    assert resources[role.as_string()]["Type"] == "AWS::IAM::Role"
    principal = resources[role.as_string()]["Properties"]["AssumeRolePolicyDocument"]
    assert principal["Statement"][0]["Principal"] == {"Service": "codepipeline.amazonaws.com"}
    assert resources[bucket.as_string()]["Type"] == "AWS::S3::Bucket"
    assert resources[topic.as_string()]["Type"] == "AWS::SNS::Topic"


def test_a_failed_execution_is_published_to_the_failure_topic(
    template: Any, data: dict[str, Any]
) -> None:
    from aws_cdk.assertions import Capture

    target = Capture()
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.codepipeline"],
                "detail-type": ["CodePipeline Pipeline Execution State Change"],
                "detail": {"pipeline": [{"Ref": "Pipeline"}], "state": ["FAILED"]},
            },
            "Targets": [{"Arn": {"Ref": target}, "Id": "Target0"}],
        },
    )
    assert target.as_string() == _logical_id(data, "AWS::SNS::Topic")
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sns:Publish",
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Resource": {"Ref": target.as_string()},
                        "Sid": "0",
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


def test_the_model_registry_is_a_package_group(template: Any) -> None:
    template.resource_count_is("AWS::SageMaker::ModelPackageGroup", 1)
    template.has_resource_properties(
        "AWS::SageMaker::ModelPackageGroup", {"ModelPackageGroupName": "churn-models"}
    )


def test_a_failed_cdk_assertion_is_a_plain_assertion_error(template: Any) -> None:
    with pytest.raises(AssertionError, match="Expected 9 resources of type AWS::S3::Bucket"):
        template.resource_count_is("AWS::S3::Bucket", 9)


# ---- IAM: least privilege ---------------------------------------------------


def test_no_policy_allows_every_action(data: dict[str, Any]) -> None:
    assert wildcard_actions(data) == []
    every_action = [s for s in statements(data) if "*" in s.actions]
    assert every_action == []


@pytest.mark.parametrize("project", ["churn-integration-tests", "churn-data-tests"])
def test_a_test_projects_role_reads_the_artifact_bucket_and_nothing_more(
    data: dict[str, Any], project: str
) -> None:
    resources = data["Resources"]
    service_role = resources[_logical_id(data, "AWS::CodeBuild::Project", Name=project)][
        "Properties"
    ]["ServiceRole"]
    role = service_role["Fn::GetAtt"][0]
    granted = [s for s in statements(data, role=role) if s.effect == "Allow"]
    s3 = [s for s in granted if any(a.startswith("s3:") for a in s.actions)]
    assert [sorted(s.actions) for s in s3] == [["s3:GetObject", "s3:GetObjectVersion"]]
    assert s3[0].resources == ({"Fn::Join": ["", [_bucket_arn(data), "/*"]]},)
    others = {a for s in granted for a in s.actions} - set(s3[0].actions)
    assert others <= CODEBUILD_HOUSEKEEPING


def test_only_the_build_project_may_write_artifacts(data: dict[str, Any]) -> None:
    writers = {
        resource["Properties"]["Name"]
        for resource in data["Resources"].values()
        if resource["Type"] == "AWS::CodeBuild::Project"
        and any(
            "s3:PutObject" in s.actions
            for s in statements(data, role=resource["Properties"]["ServiceRole"]["Fn::GetAtt"][0])
        )
    }
    assert writers == {"churn-unit-tests"}


def _policy_statements(data: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """The raw statements of the policies attached to ``role`` (conditions included)."""
    return [
        statement
        for resource in data["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": role} in resource["Properties"]["Roles"]
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_deploy_role_may_pass_only_the_endpoint_role_and_only_to_sagemaker(
    data: dict[str, Any],
) -> None:
    deploy_role = _logical_id(
        data,
        "AWS::IAM::Role",
        Description="CloudFormation deploys the churn endpoint stacks with this role.",
    )
    (pass_role,) = [
        s for s in _policy_statements(data, deploy_role) if s["Action"] == "iam:PassRole"
    ]
    endpoint_role = pass_role["Resource"]["Fn::GetAtt"][0]
    trust = data["Resources"][endpoint_role]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }


def test_the_endpoint_role_reads_only_the_models_and_pulls_only_the_serving_image(
    data: dict[str, Any],
) -> None:
    role = _logical_id(
        data, "AWS::IAM::Role", Description="SageMaker serves the churn endpoints with this role."
    )
    granted = {a: s.resources for s in statements(data, role=role) for a in s.actions}
    assert granted["s3:GetObject"] == ({"Fn::Join": ["", [_bucket_arn(data), "/models/*"]]},)
    assert "s3:PutObject" not in granted
    (repository,) = granted["ecr:BatchGetImage"]
    assert repository["Fn::Join"][1][-1].endswith(":repository/churn-serve")


def test_the_pipeline_may_pass_only_the_deploy_role_and_only_to_cloudformation(
    data: dict[str, Any],
) -> None:
    pipeline_role = data["Resources"]["Pipeline"]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    (policy,) = [
        resource
        for resource in data["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and {"Ref": pipeline_role} in resource["Properties"]["Roles"]
    ]
    (pass_role,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "iam:PassRole"
    ]
    deploy_role = pass_role["Resource"]["Fn::GetAtt"][0]
    trust = data["Resources"][deploy_role]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert pass_role["Condition"] == {
        "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
    }


# ---- static checks: cfn-lint and the course's own pipeline validation ----------


def test_the_template_passes_cfn_lint_with_no_errors_or_warnings(data: dict[str, Any]) -> None:
    from mlcicd.iac import lint_template

    assert [finding.format() for finding in lint_template(data)] == []


def test_the_template_loads_validates_and_draws_as_the_ml_pipeline(
    data: dict[str, Any], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from mlcicd.buildspec import loads
    from mlcicd.cli import main
    from mlcicd.iac.synth import write_template
    from mlcicd.pipeline import ml_pipeline, to_dict, validate
    from mlcicd.pipeline.cfn import pipelines_from_data

    (pipeline,) = pipelines_from_data(data).values()
    # The projects' own buildspecs let validation check each test action reports its results.
    projects = {
        resource["Properties"]["Name"]: loads(resource["Properties"]["Source"]["BuildSpec"])
        for resource in data["Resources"].values()
        if resource["Type"] == "AWS::CodeBuild::Project"
    }
    assert [finding.format() for finding in validate(pipeline, projects, template=True)] == []
    design = ml_pipeline(role_arn="arn:aws:iam::123456789012:role/r", artifact_bucket="b")
    assert [s.name for s in pipeline.stages] == [s.name for s in design.stages]
    assert [[a.name for a in s.actions] for s in pipeline.stages] == [
        [a.name for a in s.actions] for s in design.stages
    ]
    assert to_dict(pipeline)["artifactStore"]["location"] == "${Ref:ArtifactBucket7410C9EF}"

    template = write_template(data, tmp_path / "MlCiCd.template.json")
    image = tmp_path / "pipeline.png"
    result = CliRunner().invoke(main, ["pipeline", "draw", str(template), "-o", str(image)])
    assert result.exit_code == 0, result.output
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---- the snapshot -----------------------------------------------------------


def test_the_template_matches_its_snapshot(data: dict[str, Any]) -> None:
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
        pytest.skip(f"snapshot rewritten: {SNAPSHOT.name}; review and commit it")
    assert SNAPSHOT.is_file(), (
        "no snapshot yet: create it with UPDATE_SNAPSHOTS=1 (see this module's docstring)"
    )
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    changed = sorted(
        key
        for key in expected["Resources"].keys() | data["Resources"].keys()
        if expected["Resources"].get(key) != data["Resources"].get(key)
    )
    assert data == expected, (
        f"the template differs from {SNAPSHOT.name} in resources {changed}; if the change is "
        "wanted, rewrite the snapshot with UPDATE_SNAPSHOTS=1 (see this module's docstring)"
    )


# ---- a stack that does not synthesize ---------------------------------------


def test_a_construct_error_reads_as_one_sentence_naming_the_problem() -> None:
    from aws_cdk import Stack
    from aws_cdk import aws_s3 as s3

    from mlcicd.exceptions import IacError
    from mlcicd.iac import synthesize

    def bad_bucket_name(scope: Any, construct_id: str, **kwargs: Any) -> Stack:
        stack = Stack(scope, construct_id, **kwargs)
        s3.Bucket(stack, "Data", bucket_name="Not_A_Valid_Bucket")
        return stack

    with pytest.raises(IacError) as caught:
        synthesize(bad_bucket_name)
    message = str(caught.value)
    assert message.startswith("the stack does not synthesize: Invalid S3 bucket name")
    assert "Not_A_Valid_Bucket" in message
    assert "\n" not in message and " at new " not in message


def test_the_cdk_app_in_infra_synthesizes_the_same_template(
    data: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import runpy

    infra = Path(__file__).resolve().parents[2] / "infra"
    assert json.loads((infra / "cdk.json").read_text(encoding="utf-8"))["app"] == "python app.py"
    # The CDK command line tells the app where to write through CDK_OUTDIR.
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path))
    runpy.run_path(str(infra / "app.py"), run_name="__main__")
    written = json.loads((tmp_path / "MlCiCd.template.json").read_text(encoding="utf-8"))
    assert written == data
