"""The checkpoints of exercise 09 (infrastructure as code) pass right answers, explain wrong ones.

The course's stack is synthesized once for the module (the check module caches
it); every other template is a small copy read with ``Template.from_json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks import ex09
from mlcicd.iac import cdk_problem

pytestmark = pytest.mark.skipif(cdk_problem() is not None, reason=cdk_problem() or "")

PUBLIC_ACCESS = {flag: True for flag in ex09.PUBLIC_ACCESS_FLAGS}


@pytest.fixture(scope="module", autouse=True)
def course() -> dict[str, Any]:
    """The course's template, synthesized once (later calls copy the check module's cache)."""
    return ex09.course_template()


# ---- reference answers, with knobs that make them wrong ---------------------------------


def assert_bucket_is_safe(
    template: Any, *, encrypted: bool = True, flags: tuple[str, ...] = tuple(PUBLIC_ACCESS)
) -> None:
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    wanted: dict[str, Any] = {
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": {flag: True for flag in flags},
    }
    if encrypted:
        wanted["BucketEncryption"] = {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": Match.any_value()}}
            ]
        }
    with cdk_assertion():
        template.has_resource_properties("AWS::S3::Bucket", wanted)


def bucket_without_cdk_assertion(template: Any) -> None:
    template.has_resource_properties("AWS::S3::Bucket", {"VersioningConfiguration": {}})
    template.has_resource_properties(
        "AWS::S3::Bucket", {"VersioningConfiguration": {"Status": "Enabled"}}
    )
    template.has_resource_properties(
        "AWS::S3::Bucket", {"PublicAccessBlockConfiguration": PUBLIC_ACCESS}
    )
    template.has_resource_properties("AWS::S3::Bucket", {"BucketEncryption": {}})


def bucket_aes256_only(template: Any) -> None:
    from mlcicd.iac import cdk_assertion

    wanted = {
        "VersioningConfiguration": {"Status": "Enabled"},
        "PublicAccessBlockConfiguration": PUBLIC_ACCESS,
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
    }
    with cdk_assertion():
        template.has_resource_properties("AWS::S3::Bucket", wanted)


def assert_runs_layer(
    template: Any, project: str, layer: str, *, check_format: bool = True, check_name: bool = True
) -> None:
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    report = Match.object_like({"file-format": "JUNITXML"}) if check_format else Match.any_value()
    command = Match.string_like_regexp(f"^pytest tests/{re.escape(layer)}( |$)")
    buildspec = Match.object_like(
        {
            "phases": Match.object_like(
                {"build": Match.object_like({"commands": Match.array_with([command])})}
            ),
            "reports": Match.object_like({layer: report}),
        }
    )
    properties: dict[str, Any] = {"Source": {"BuildSpec": Match.serialized_json(buildspec)}}
    if check_name:
        properties["Name"] = project
    with cdk_assertion():
        template.has_resource_properties("AWS::CodeBuild::Project", properties)


def runs_layer_anywhere(template: Any, project: str, layer: str) -> None:
    """Wrong: accepts the pytest command in any phase, the install phase too."""
    projects = template.find_resources("AWS::CodeBuild::Project", {"Properties": {"Name": project}})
    assert projects, f"no project {project}"
    for found in projects.values():
        spec = json.loads(found["Properties"]["Source"]["BuildSpec"])
        commands = [c for phase in spec["phases"].values() for c in phase.get("commands", [])]
        assert any(c.startswith(f"pytest tests/{layer}") for c in commands)
        assert spec["reports"].get(layer, {}).get("file-format") == "JUNITXML"


def pipeline_role_id(template: Any) -> str:
    from aws_cdk.assertions import Capture

    from mlcicd.iac import cdk_assertion

    role = Capture()
    with cdk_assertion():
        template.has_resource_properties(
            "AWS::CodePipeline::Pipeline", {"RoleArn": {"Fn::GetAtt": [role, "Arn"]}}
        )
    return role.as_string()


def role_assumed_by_codepipeline(template: Any) -> str:
    """Wrong: finds the role CodePipeline may assume, not the one the pipeline names."""
    roles = template.find_resources("AWS::IAM::Role")
    return next(name for name, role in roles.items() if "codepipeline" in json.dumps(role))


def allowed_actions(
    template: dict, role_id: str, *, deny: bool = False, first_role_only: bool = False
) -> set[str]:
    actions: set[str] = set()
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        roles = resource["Properties"].get("Roles", [])
        if first_role_only:
            roles = roles[:1]
        if {"Ref": role_id} not in roles:
            continue
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Allow" or deny:
                action = statement["Action"]
                actions.update([action] if isinstance(action, str) else action)
    return actions


def actions_lists_only(template: dict, role_id: str) -> set[str]:
    """Wrong: treats every Action as a list, so 's3:GetObject' becomes its characters."""
    actions: set[str] = set()
    for resource in template["Resources"].values():
        if (
            resource["Type"] == "AWS::IAM::Policy"
            and {"Ref": role_id} in resource["Properties"]["Roles"]
        ):
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Effect"] == "Allow":
                    actions.update(statement["Action"])
    return actions


def lint_errors(template: dict, *, errors_only: bool = True, ordered: bool = True) -> list[str]:
    from mlcicd.iac import lint_template

    codes = [f.code for f in lint_template(template) if f.is_error or not errors_only]
    return sorted(codes) if ordered else codes


# ---- the tests -----------------------------------------------------------------------------


def test_right_answers_pass() -> None:
    namespace = {
        "assert_bucket_is_safe": assert_bucket_is_safe,
        "assert_runs_layer": assert_runs_layer,
        "pipeline_role_id": pipeline_role_id,
        "allowed_actions": allowed_actions,
        "lint_errors": lint_errors,
    }
    for number in range(1, 6):
        assert evaluate(f"09.{number}", namespace) == (
            True,
            f"Checkpoint 09.{number} passed (2/2 points)",
        )


def test_the_reference_answers_agree_with_the_toolkit(course: dict[str, Any]) -> None:
    from mlcicd.iac import statements

    for role in ("IntegrationTestsRole105D588F", ex09.pipeline_role(course)):
        by_toolkit = {
            action for s in statements(course, role) if s.effect == "Allow" for action in s.actions
        }
        assert ex09.reference_actions(course, role) == by_toolkit


def test_a_stub_fails_every_checkpoint() -> None:
    def stub(*args: object) -> None:
        raise NotImplementedError("replace this line with your code")

    names = ("assert_bucket_is_safe", "assert_runs_layer", "pipeline_role_id")
    names += ("allowed_actions", "lint_errors")
    namespace = dict.fromkeys(names, stub)
    for number in range(1, 6):
        ok, line = evaluate(f"09.{number}", namespace)
        assert not ok and "still raises NotImplementedError" in line


def test_a_missing_name_cannot_run_yet() -> None:
    ok, line = evaluate("09.3", {})
    assert not ok
    assert "cannot run yet" in line and "'Exercise 3'" in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t: assert_bucket_is_safe(t, encrypted=False),
            "a bucket with encryption removed: your function returned None instead of raising",
        ),
        (
            lambda t: assert_bucket_is_safe(t, flags=tuple(PUBLIC_ACCESS)[:3]),
            "RestrictPublicBuckets set to false",
        ),
        (bucket_without_cdk_assertion, "raised jsii's RuntimeError, not AssertionError"),
        (bucket_aes256_only, "aws:kms instead of AES256: your function raised AssertionError"),
        (lambda t: assert_bucket_is_safe(t) or True, "returned True; return nothing"),
    ],
    ids=["no-encryption", "three-flags", "no-cdk-assertion", "aes256-only", "returns-true"],
)
def test_wrong_buckets_fail_09_1(answer: Callable[[Any], object], expected: str) -> None:
    ok, line = evaluate("09.1", {"assert_bucket_is_safe": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t, p, la: assert_runs_layer(t, p, la, check_format=False),
            "CUCUMBERJSON",
        ),
        (
            lambda t, p, la: assert_runs_layer(t, p, la, check_name=False),
            "asking for the wrong layer",
        ),
        (runs_layer_anywhere, "in the install phase, not the build phase"),
        (lambda t, p, la: None, "returned None instead of raising AssertionError"),
    ],
    ids=["any-format", "any-project", "anywhere", "accepts-all"],
)
def test_wrong_layers_fail_09_2(answer: Callable[..., object], expected: str) -> None:
    ok, line = evaluate("09.2", {"assert_runs_layer": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t: "PipelineRoleDCFDBB91",
            "pipeline role is renamed: returned 'PipelineRoleDCFDBB91', expected "
            "'ReleaseRole5C2F7A1B'",
        ),
        (role_assumed_by_codepipeline, "uses the deploy role: returned 'PipelineRoleDCFDBB91'"),
        (lambda t: {"Fn::GetAtt": [pipeline_role_id(t), "Arn"]}, "not the id as a str"),
    ],
    ids=["hard-coded", "by-principal", "whole-getatt"],
)
def test_wrong_roles_fail_09_3(answer: Callable[[Any], object], expected: str) -> None:
    ok, line = evaluate("09.3", {"pipeline_role_id": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t, r: allowed_actions(t, r, deny=True),
            "TrainRole of a small template (shared policy, Deny, str Action), role 'TrainRole': "
            "2 action(s) too many ['s3:DeleteObject', 's3:PutObject']",
        ),
        (actions_lists_only, "action(s) too many"),
        (
            lambda t, r: allowed_actions(t, r, first_role_only=True),
            "ServeRole of a small template (only the shared policy), role 'ServeRole': "
            "0 action(s) too many [] and 1 missing ['s3:GetObject']",
        ),
        (lambda t, r: sorted(allowed_actions(t, r)), "returned list, not a set"),
    ],
    ids=["counts-deny", "str-as-list", "first-role-only", "returns-list"],
)
def test_wrong_actions_fail_09_4(answer: Callable[[dict, str], object], expected: str) -> None:
    ok, line = evaluate("09.4", {"allowed_actions": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t: lint_errors(t, errors_only=False),
            "only a warning (W2001): returned ['W2001'], expected []",
        ),
        (
            lambda t: lint_errors(t, ordered=False),
            "returned ['E3030', 'E3002'], expected ['E3002', 'E3030']",
        ),
        (lambda t: ["E3030"], "returned ['E3030'], expected []"),
        (lambda t: tuple(lint_errors(t)), "returned tuple, not a list"),
    ],
    ids=["with-warnings", "unsorted", "constant", "tuple"],
)
def test_wrong_lint_answers_fail_09_5(answer: Callable[[dict], object], expected: str) -> None:
    ok, line = evaluate("09.5", {"lint_errors": answer})
    assert not ok
    assert expected in line
