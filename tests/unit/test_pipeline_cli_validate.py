"""``mlcicd pipeline validate``, through click's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.cli import main
from mlcicd.pipeline.validate import RULES

ROLE = "arn:aws:iam::123456789012:role/pipeline"


def _action(name: str, category: str, provider: str, configuration: dict[str, str]) -> dict:
    return {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": "AWS",
            "provider": provider,
            "version": "1",
        },
        "configuration": configuration,
    }


SOURCE = {
    **_action("Source", "Source", "S3", {"S3Bucket": "src", "S3ObjectKey": "src.zip"}),
    "outputArtifacts": [{"name": "SourceOutput"}],
}
TEST = {
    **_action("Test", "Test", "CodeBuild", {"ProjectName": "unit"}),
    "inputArtifacts": [{"name": "SourceOutput"}],
}
DEPLOY = {
    **_action(
        "Deploy", "Deploy", "CodeDeploy", {"ApplicationName": "a", "DeploymentGroupName": "g"}
    ),
    "inputArtifacts": [{"name": "SourceOutput"}],
}


def declaration(*stages: tuple[str, dict]) -> str:
    stage_list = [{"name": name, "actions": [action]} for name, action in stages]
    return json.dumps({"pipeline": {"name": "p", "roleArn": ROLE, "stages": stage_list}})


CLEAN = declaration(("Source", SOURCE), ("Test", TEST))
WARNING = declaration(("Source", SOURCE), ("Deploy", DEPLOY))
BROKEN = declaration(("Source", SOURCE))
TEMPLATE = """\
Resources:
  Role:
    Type: AWS::IAM::Role
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: !GetAtt Role.Arn
      ArtifactStore: {Type: S3, Location: !Ref Bucket}
      Stages:
        - Name: Source
          Actions:
            - Name: Source
              ActionTypeId: {Category: Source, Owner: AWS, Provider: S3, Version: "1"}
              Configuration: {S3Bucket: !Ref Bucket, S3ObjectKey: src.zip}
              OutputArtifacts: [{Name: SourceOutput}]
        - Name: Deploy
          Actions:
            - Name: Deploy
              ActionTypeId: {Category: Deploy, Owner: AWS, Provider: S3, Version: "1"}
              Configuration: {BucketName: !Sub "${Env}-site"}
              InputArtifacts: [{Name: SourceOutput}]
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    def _write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


@pytest.mark.parametrize(
    ("text", "exit_code", "summary"),
    [
        (CLEAN, 0, "0 error(s), 0 warning(s)"),
        (WARNING, 0, "0 error(s), 1 warning(s)"),
        (BROKEN, 1, "2 error(s), 0 warning(s)"),
    ],
    ids=["clean", "warning only", "errors"],
)
def test_text_output_and_exit_code(
    write: Callable[[str, str], str], text: str, exit_code: int, summary: str
) -> None:
    path = write("pipeline.json", text)
    result = CliRunner().invoke(main, ["pipeline", "validate", path])
    assert result.exit_code == exit_code, result.output
    assert result.output.splitlines()[-1] == f"{path}: {summary}"


def test_text_lines_name_file_location_and_code(write: Callable[[str, str], str]) -> None:
    path = write("pipeline.json", BROKEN)
    result = CliRunner().invoke(main, ["pipeline", "validate", path])
    assert result.output.splitlines()[:2] == [
        f"{path}: stages: PL010 There should be a minimum of 2 stages in a pipeline "
        "(add a stage after the source stage, e.g. Build)",
        f"{path}: stages: PL014 every action is a source action: the pipeline builds, "
        "tests and deploys nothing (add a stage with a Build, Test or Deploy action)",
    ]


def test_json_output(write: Callable[[str, str], str]) -> None:
    path = write("pipeline.json", WARNING)
    result = CliRunner().invoke(main, ["pipeline", "validate", path, "--format", "json"])
    assert result.exit_code == 0
    (row,) = json.loads(result.output)
    assert {key: row[key] for key in ("path", "code", "severity", "location")} == {
        "path": path,
        "code": "PL030",
        "severity": "warning",
        "location": "stages[1].actions[0]",
    }
    assert "file" not in row
    assert "a Test action or a Manual approval" in row["fix"]


def test_template_findings_start_with_the_logical_id(write: Callable[[str, str], str]) -> None:
    # Placeholders (!GetAtt, !Ref, !Sub) are deploy-time values: not pattern errors.
    path = write("template.yml", TEMPLATE)
    result = CliRunner().invoke(main, ["pipeline", "validate", path])
    assert result.exit_code == 1, result.output
    assert [line.split(" ")[1:3] for line in result.output.splitlines()[:-1]] == [
        ["Pipeline.stages[1].actions[0]:", "PL030"],
        ["Pipeline.stages[1].actions[0].configuration.Extract:", "PL021"],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [b\n", "neither JSON nor YAML"),
        ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n", "no AWS::CodePipeline::Pipeline"),
    ],
    ids=["not JSON or YAML", "template without a pipeline"],
)
def test_unreadable_file_is_one_line_exit_2(
    write: Callable[[str, str], str], text: str, message: str
) -> None:
    path = write("bad.json", text)
    result = CliRunner().invoke(main, ["pipeline", "validate", path])
    assert result.exit_code == 2
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith(f"Error: {path}: ")
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_file_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["pipeline", "validate", str(tmp_path / "none.json")])
    assert result.exit_code == 2
    assert "cannot read the file" in result.output


def test_rules_lists_every_rule_with_its_documentation() -> None:
    result = CliRunner().invoke(main, ["pipeline", "rules"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 2 * len(RULES)
    assert lines[0].split()[:2] == ["PL001", "error"]
    assert all(line.strip().startswith("https://docs.aws.amazon.com/") for line in lines[1::2])
    assert [line.split()[0] for line in lines[::2]] == [rule.id for rule in RULES]
