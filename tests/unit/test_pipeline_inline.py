"""``mlcicd.pipeline.inline``: which BuildSpec values are buildspecs, and how they are linted."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.buildspec.lint import lint_text
from mlcicd.pipeline.inline import inline_buildspecs, is_inline, lint_inline
from mlcicd.pipeline.validate import validate_file

GOOD = "version: 0.2\nphases:\n  build:\n    commands:\n      - make\n"
TYPO = "version: 0.2\nphases:\n  biuld:\n    commands:\n      - make\n"


def project(build_spec: object) -> dict:
    return {
        "Type": "AWS::CodeBuild::Project",
        "Properties": {"Source": {"Type": "CODEPIPELINE", "BuildSpec": build_spec}},
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GOOD, True),
        ("version: 0.2", True),
        ('{"version": "0.2", "phases": {}}', True),
        ("buildspecs/build-with-cache.yml", False),
        ("arn:aws:s3:::my-codebuild-sample2/buildspec.yml", False),
        ("", False),
    ],
    ids=["yaml", "one line", "json (CDK fromObject)", "path", "s3 arn", "empty"],
)
def test_is_inline(value: str, expected: bool) -> None:
    assert is_inline(value) is expected


def test_inline_buildspecs_finds_text_sub_and_join_and_skips_the_rest() -> None:
    template = {
        "Resources": {
            "Text": project(GOOD),
            "Sub": project(
                {"Fn::Sub": "version: 0.2\nenv:\n  variables:\n    R: ${AWS::Region}\n"}
            ),
            "Join": project({"Fn::Join": ["\n", ["version: 0.2", "phases: {}"]]}),
            "Ref": project({"Ref": "BuildSpecParameter"}),
            "Path": project("ci/buildspec.yml"),
            "NoSource": {"Type": "AWS::CodeBuild::Project", "Properties": {}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Source": {"BuildSpec": GOOD}}},
        }
    }

    found = {spec.location: spec.text for spec in inline_buildspecs(template)}

    assert list(found) == [
        "Text.Properties.Source.BuildSpec",
        "Sub.Properties.Source.BuildSpec",
        "Join.Properties.Source.BuildSpec",
    ]
    assert "R: ${AWS::Region}" in found["Sub.Properties.Source.BuildSpec"]
    assert found["Join.Properties.Source.BuildSpec"] == "version: 0.2\nphases: {}"


@pytest.mark.parametrize("template", [None, [], {"Resources": []}, {"Resources": {"X": 1}}])
def test_inline_buildspecs_of_a_broken_template_is_empty(template: object) -> None:
    assert list(inline_buildspecs(template)) == []


def test_lint_inline_reports_what_buildspec_lint_reports() -> None:
    template = {"Resources": {"Good": project(GOOD), "Typo": project(TYPO)}}

    pairs = lint_inline(template)

    # The buildspec linter's own findings, unchanged, for the one that has any.
    assert [spec.location for spec, _ in pairs] == ["Typo.Properties.Source.BuildSpec"] * len(
        lint_text(TYPO)
    )
    assert [finding for _, finding in pairs] == lint_text(
        TYPO, path="Typo.Properties.Source.BuildSpec"
    )
    assert any(finding.severity == "error" for _, finding in pairs)


def test_validate_file_reports_an_inline_buildspec_at_its_template_path(tmp_path: Path) -> None:
    indented = "".join(f"          {line}\n" for line in TYPO.splitlines())
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n"
        "  Tests:\n"
        "    Type: AWS::CodeBuild::Project\n"
        "    Properties:\n"
        "      Source:\n"
        "        Type: CODEPIPELINE\n"
        "        BuildSpec: |\n" + indented + "  Pipeline:\n"
        "    Type: AWS::CodePipeline::Pipeline\n"
        "    Properties: {}\n"
    )

    inline = [f for f in validate_file(template) if f.code == "PL040"]

    (expected,) = [f for f in lint_text(TYPO) if f.severity == "error"]
    assert [(f.location, f.severity) for f in inline if f.severity == "error"] == [
        ("Tests.Properties.Source.BuildSpec", "error")
    ]
    error = next(f for f in inline if f.severity == "error")
    assert (
        error.message
        == f"inline buildspec line {expected.line}: {expected.code} {expected.message}"
    )
    assert error.fix == expected.fix
