"""Reading pipelines from CloudFormation templates, and pipeline files in and out.

Short-form tags become the long form JSON templates use, unresolved intrinsics
become readable placeholders, and a template's PascalCase pipeline becomes the
API's declaration.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.cfn import (
    MAX_BYTES,
    MAX_NODES,
    declaration,
    load_template,
    pipeline_properties,
    pipelines_from_template,
    placeholder,
)
from mlcicd.pipeline.io import pipeline_json, read_pipeline, read_pipelines, write_pipeline
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import from_dict, to_dict

TEMPLATE_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Repo: {Type: String}
Resources:
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: !GetAtt PipelineRole.Arn
      RestartExecutionOnUpdate: true
      PipelineType: V2
      ArtifactStore:
        Type: S3
        Location: !Ref ArtifactBucket
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeCommit, Version: 1}
              Configuration:
                RepositoryName: !Ref Repo
                BranchName: main
                PollForSourceChanges: false
              OutputArtifacts:
                - Name: SourceOutput
        - Name: Test
          Actions:
            - Name: UnitTests
              ActionTypeId: {Category: Test, Owner: AWS, Provider: CodeBuild, Version: "1"}
              RunOrder: 2
              Namespace: Unit
              Configuration:
                ProjectName: !Sub "${Repo}-tests"
              InputArtifacts:
                - Name: SourceOutput
"""

TEMPLATE_JSON = {
    "Resources": {
        "Pipeline": {
            "Type": "AWS::CodePipeline::Pipeline",
            "Properties": {
                "RoleArn": {"Fn::GetAtt": ["PipelineRole", "Arn"]},
                "RestartExecutionOnUpdate": True,
                "PipelineType": "V2",
                "ArtifactStore": {"Type": "S3", "Location": {"Ref": "ArtifactBucket"}},
                "Stages": [
                    {
                        "Name": "Source",
                        "Actions": [
                            {
                                "Name": "Source",
                                "ActionTypeId": {
                                    "Category": "Source",
                                    "Owner": "AWS",
                                    "Provider": "CodeCommit",
                                    "Version": 1,
                                },
                                "Configuration": {
                                    "RepositoryName": {"Ref": "Repo"},
                                    "BranchName": "main",
                                    "PollForSourceChanges": False,
                                },
                                "OutputArtifacts": [{"Name": "SourceOutput"}],
                            }
                        ],
                    },
                    {
                        "Name": "Test",
                        "Actions": [
                            {
                                "Name": "UnitTests",
                                "ActionTypeId": {
                                    "Category": "Test",
                                    "Owner": "AWS",
                                    "Provider": "CodeBuild",
                                    "Version": "1",
                                },
                                "RunOrder": 2,
                                "Namespace": "Unit",
                                "Configuration": {"ProjectName": {"Fn::Sub": "${Repo}-tests"}},
                                "InputArtifacts": [{"Name": "SourceOutput"}],
                            }
                        ],
                    },
                ],
            },
        }
    }
}

#: What both templates above declare, written out by hand in the API's shape.
EXPECTED = {
    "name": "Pipeline",  # no Name property: the logical id
    "roleArn": "${GetAtt:PipelineRole.Arn}",
    "artifactStore": {"type": "S3", "location": "${Ref:ArtifactBucket}"},
    "stages": [
        {
            "name": "Source",
            "actions": [
                {
                    "name": "Source",
                    "actionTypeId": {
                        "category": "Source",
                        "owner": "AWS",
                        "provider": "CodeCommit",
                        "version": "1",
                    },
                    "runOrder": 1,
                    "configuration": {
                        "RepositoryName": "${Ref:Repo}",
                        "BranchName": "main",
                        "PollForSourceChanges": "false",
                    },
                    "outputArtifacts": [{"name": "SourceOutput"}],
                    "inputArtifacts": [],
                }
            ],
        },
        {
            "name": "Test",
            "actions": [
                {
                    "name": "UnitTests",
                    "actionTypeId": {
                        "category": "Test",
                        "owner": "AWS",
                        "provider": "CodeBuild",
                        "version": "1",
                    },
                    "runOrder": 2,
                    "configuration": {"ProjectName": "${Repo}-tests"},
                    "outputArtifacts": [],
                    "inputArtifacts": [{"name": "SourceOutput"}],
                    "namespace": "Unit",
                }
            ],
        },
    ],
    "pipelineType": "V2",
}


@pytest.mark.parametrize(
    ("yaml_text", "long_form"),
    [
        ("!Ref Bucket", {"Ref": "Bucket"}),
        ("!Sub '${AWS::StackName}-x'", {"Fn::Sub": "${AWS::StackName}-x"}),
        ("!Sub ['${A}-x', {A: !Ref B}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}),
        ("!GetAtt Role.Arn", {"Fn::GetAtt": ["Role", "Arn"]}),
        ("!GetAtt Stack.Outputs.Url", {"Fn::GetAtt": ["Stack", "Outputs.Url"]}),
        ("!GetAtt [Role, Arn]", {"Fn::GetAtt": ["Role", "Arn"]}),
        ("!Join ['-', [a, !Ref B]]", {"Fn::Join": ["-", ["a", {"Ref": "B"}]]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        (
            "!Split [',', !ImportValue Subnets]",
            {"Fn::Split": [",", {"Fn::ImportValue": "Subnets"}]},
        ),
        (
            "!If [IsProd, a, !Ref AWS::NoValue]",
            {"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]},
        ),
        (
            "!And [!Equals [a, b], !Or [!Not [!Condition C], !Condition D]]",
            {
                "Fn::And": [
                    {"Fn::Equals": ["a", "b"]},
                    {"Fn::Or": [{"Fn::Not": [{"Condition": "C"}]}, {"Condition": "D"}]},
                ]
            },
        ),
        ("!FindInMap [Map, k1, k2]", {"Fn::FindInMap": ["Map", "k1", "k2"]}),
        ("!Base64 text", {"Fn::Base64": "text"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ],
)
def test_short_form_tags_become_the_long_form(yaml_text: str, long_form: dict) -> None:
    assert load_template(f"value: {yaml_text}\n") == {"value": long_form}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Foo"}, "${Ref:Foo}"),
        ({"Fn::GetAtt": ["Role", "Arn"]}, "${GetAtt:Role.Arn}"),
        ({"Fn::Sub": "${AWS::StackName}-artifacts"}, "${AWS::StackName}-artifacts"),
        ({"Fn::Sub": ["${A}-x", {"A": "1"}]}, "${A}-x"),
        (
            {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3"]]},
            "arn:${Ref:AWS::Partition}:s3",
        ),
        ({"Fn::Select": [1, ["a", "b"]]}, "b"),
        ({"Fn::ImportValue": "shared-role"}, "${ImportValue:shared-role}"),
        (
            {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "k"]},
            "${FindInMap:M.${Ref:AWS::Region}.k}",
        ),
        ({"Fn::If": ["Prod", "a", "b"]}, "${If:Prod?a|b}"),
        (True, "true"),
        (3, "3"),
        ({"k": {"Ref": "X"}}, '{"k":"${Ref:X}"}'),
    ],
)
def test_placeholder(value: object, expected: str) -> None:
    assert placeholder(value) == expected


@pytest.mark.parametrize("text", [TEMPLATE_YAML, json.dumps(TEMPLATE_JSON)], ids=["yaml", "json"])
def test_template_converts_to_the_api_declaration(text: str) -> None:
    pipelines = pipelines_from_template(text)
    assert list(pipelines) == ["Pipeline"]
    # RestartExecutionOnUpdate is CloudFormation's, not the API's: it must not appear.
    assert to_dict(pipelines["Pipeline"]) == EXPECTED


def test_name_property_wins_over_the_logical_id() -> None:
    text = TEMPLATE_YAML.replace("      PipelineType: V2\n", "      Name: !Sub '${Repo}-ci'\n")
    assert pipelines_from_template(text)["Pipeline"].name == "${Repo}-ci"


def test_conditional_configuration_and_no_value() -> None:
    text = TEMPLATE_YAML.replace(
        "                BranchName: main\n",
        "                BranchName: !If [IsProd, main, dev]\n"
        "                OutputArtifactFormat: !Ref AWS::NoValue\n",
    )
    configuration = pipelines_from_template(text)["Pipeline"].stages[0].actions[0].configuration
    assert configuration["BranchName"] == "${If:IsProd?main|dev}"
    assert "OutputArtifactFormat" not in configuration


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: [unclosed\n", "neither JSON nor YAML"),
        ("Resources: !Bogus x\n", "neither JSON nor YAML"),
        ("just a string\n", "not a CloudFormation template"),
        (
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n",
            "no AWS::CodePipeline::Pipeline resource in the template",
        ),
        (b"Resources: \xff\n", "not UTF-8"),
    ],
)
def test_unreadable_templates_raise_a_clear_error(text: str | bytes, message: str) -> None:
    with pytest.raises(PipelineError) as raised:
        pipelines_from_template(text, path="t.yaml")
    assert message in str(raised.value)
    assert raised.value.path == "t.yaml"


def test_python_tags_are_refused() -> None:
    with pytest.raises(PipelineError, match="neither JSON nor YAML"):
        load_template("x: !!python/object/apply:os.system ['true']\n")


def test_oversized_template_is_refused_before_parsing() -> None:
    with pytest.raises(PipelineError, match="at most"):
        load_template(" " * (MAX_BYTES + 1))


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"] + [
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)
    ]
    assert MAX_NODES < 10**8
    with pytest.raises(PipelineError, match="expands to more than"):
        load_template("\n".join(lines) + "\n")


def test_written_file_reads_back_as_the_same_pipeline(tmp_path: Path) -> None:
    pipeline = ml_pipeline(role_arn="arn:aws:iam::123456789012:role/p", artifact_bucket="art")
    path = write_pipeline(pipeline, tmp_path / "pipeline.json")
    assert json.loads(path.read_text())["pipeline"]["name"] == "churn-ml"
    assert path.read_text() == pipeline_json(pipeline)
    assert read_pipeline(path) == pipeline


def test_read_pipeline_reads_templates_by_content(tmp_path: Path) -> None:
    path = tmp_path / "no-extension"
    path.write_text(TEMPLATE_YAML)
    assert to_dict(read_pipeline(path)) == EXPECTED


def test_read_pipeline_needs_a_name_when_there_are_several(tmp_path: Path) -> None:
    two = dict(TEMPLATE_JSON)
    two["Resources"] = {
        **TEMPLATE_JSON["Resources"],
        "Other": TEMPLATE_JSON["Resources"]["Pipeline"],
    }
    path = tmp_path / "two.json"
    path.write_text(json.dumps(two))
    assert list(read_pipelines(path)) == ["Pipeline", "Other"]
    with pytest.raises(PipelineError, match="declares 2 pipelines"):
        read_pipeline(path)
    assert read_pipeline(path, name="Other").name == "Other"


def test_read_pipeline_refuses_other_json(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"version": 0.2}')
    with pytest.raises(PipelineError, match="neither a pipeline declaration"):
        read_pipeline(path)


@pytest.mark.parametrize("text", ["[" * 5000, "a: " + "[" * 5000], ids=["json", "yaml"])
def test_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(PipelineError, match="nested too deeply"):
        load_template(text)


@pytest.mark.parametrize(
    ("run_order", "expected"),
    [
        ("2", 2),
        (" 3 ", 3),
        (4, 4),
        ("two", "two"),
        ("²", "²"),
        ({"Ref": "Order"}, {"Ref": "Order"}),
    ],
)
def test_a_run_order_string_of_digits_is_an_integer(run_order: object, expected: object) -> None:
    # The CloudFormation User Guide's pipeline walkthrough writes RunOrder: '1';
    # CloudFormation turns it into the integer, so it is one here too. Anything
    # else is kept for the validator to report.
    action = {"Name": "A", "ActionTypeId": {"Category": "Build"}, "RunOrder": run_order}
    decl = declaration("P", {"Stages": [{"Name": "S", "Actions": [action]}]})
    assert decl["stages"][0]["actions"][0]["runOrder"] == expected


def test_pipeline_without_properties_is_named_after_its_logical_id() -> None:
    pipelines = pipelines_from_template(
        "Resources:\n  Ci:\n    Type: AWS::CodePipeline::Pipeline\n"
    )
    assert pipelines["Ci"].name == "Ci"
    assert pipelines["Ci"].stages == ()


def _cross_region_pipeline() -> dict:
    """Every optional field ``pipeline_properties`` writes, in the API's shape."""
    action = {
        "name": "Deploy",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "S3", "version": "1"},
        "runOrder": 2,
        "configuration": {"BucketName": "site", "Extract": "true"},
        "inputArtifacts": [{"name": "Src"}],
        "outputArtifacts": [],
        "namespace": "DeployVars",
        "region": "eu-west-1",
        "roleArn": "arn:aws:iam::123456789012:role/deployer",
    }
    source = {
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "runOrder": 1,
        "configuration": {"S3Bucket": "in", "S3ObjectKey": "src.zip"},
        "inputArtifacts": [],
        "outputArtifacts": [{"name": "Src"}],
    }
    return {
        "name": "cross",
        "roleArn": "arn:aws:iam::123456789012:role/pipeline",
        "artifactStores": {
            "us-east-1": {"type": "S3", "location": "art-use1"},
            "eu-west-1": {
                "type": "S3",
                "location": "art-euw1",
                "encryptionKey": {"id": "alias/k", "type": "KMS"},
            },
        },
        "stages": [
            {"name": "Source", "actions": [source]},
            {"name": "Deploy", "actions": [action]},
        ],
        "pipelineType": "V2",
        "executionMode": "QUEUED",
        "variables": [{"name": "Env", "defaultValue": "dev", "description": "target"}],
    }


@pytest.mark.parametrize(
    "pipeline",
    [
        ml_pipeline(
            role_arn="arn:aws:iam::123456789012:role/p",
            artifact_bucket="artifacts",
            notification_arn="arn:aws:sns:us-east-1:123456789012:t",
        ),
        from_dict(_cross_region_pipeline()),
    ],
    ids=["ml_pipeline", "cross-region"],
)
def test_pipeline_properties_read_back_as_the_same_declaration(pipeline: object) -> None:
    properties = pipeline_properties(pipeline)
    assert declaration("Logical", properties) == to_dict(pipeline)


def test_pipeline_properties_use_cloudformations_names() -> None:
    properties = pipeline_properties(from_dict(_cross_region_pipeline()))
    assert list(properties) == [
        "Name",
        "RoleArn",
        "ArtifactStores",
        "Stages",
        "PipelineType",
        "ExecutionMode",
        "Variables",
    ]
    assert properties["ArtifactStores"][1] == {
        "Region": "eu-west-1",
        "ArtifactStore": {
            "Type": "S3",
            "Location": "art-euw1",
            "EncryptionKey": {"Id": "alias/k", "Type": "KMS"},
        },
    }
    deploy = properties["Stages"][1]["Actions"][0]
    # Configuration keys are the provider's, never re-cased; empty lists are left out.
    assert deploy["Configuration"] == {"BucketName": "site", "Extract": "true"}
    assert "OutputArtifacts" not in deploy
    assert (deploy["Namespace"], deploy["Region"]) == ("DeployVars", "eu-west-1")
    assert properties["Variables"] == [
        {"Name": "Env", "DefaultValue": "dev", "Description": "target"}
    ]
