"""Checkpoints of exercise 09 (infrastructure as code): hidden cases on synthesized templates.

Every case runs the learner's function on the course's stack, synthesized once
per kernel (:func:`course_template`, about 5 s in Node.js), and on small copies
of it with one thing changed: versioning removed, a public-access flag off, a
report in the wrong format, the pipeline's role renamed. The copies are plain
dicts read with ``Template.from_json``, which is fast. Nothing is deployed.

``aws_cdk`` is imported inside the functions: importing this module (as the
course's tests do for every check) must not start Node.js.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

from mlcicd.course.checkpoint import case, check, expect

BUCKET = "AWS::S3::Bucket"
PROJECT = "AWS::CodeBuild::Project"
PIPELINE = "AWS::CodePipeline::Pipeline"
POLICY = "AWS::IAM::Policy"
ROLE = "AWS::IAM::Role"
PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
)


@functools.cache
def _synthesized() -> str:
    from mlcicd.iac import synthesize

    return json.dumps(synthesize())


def course_template() -> dict[str, Any]:
    """The course's stack as a template dict: synthesized once per process, copied per call."""
    return json.loads(_synthesized())


def as_template(data: dict[str, Any]) -> Any:
    """``aws_cdk.assertions.Template`` of (a copy of) ``data``."""
    from mlcicd.iac import require_cdk

    require_cdk()
    from aws_cdk.assertions import Template

    return Template.from_json(copy.deepcopy(data))


def logical_id(data: dict[str, Any], resource_type: str, **properties: Any) -> str:
    """The first resource of ``resource_type`` whose properties include ``properties``."""
    for name, resource in data["Resources"].items():
        props = resource.get("Properties", {})
        if resource.get("Type") == resource_type and all(
            props.get(k) == v for k, v in properties.items()
        ):
            return name
    raise KeyError(f"no {resource_type} with {properties}")


def _properties(data: dict[str, Any], resource_type: str, **match: Any) -> dict[str, Any]:
    return data["Resources"][logical_id(data, resource_type, **match)]["Properties"]


def _raises_assertion(call: Callable[[], Any], what: str) -> None:
    """Fail the case unless ``call()`` raises AssertionError (NotImplementedError propagates)."""
    try:
        result = call()
    except AssertionError:
        return
    except NotImplementedError:
        raise
    except RuntimeError as error:
        expect(
            "AssertionError" not in str(error),
            f"{what} raised jsii's RuntimeError, not AssertionError; wrap the CDK "
            "assertions in `with cdk_assertion():`",
        )
        raise
    expect(False, f"{what} returned {result!r} instead of raising AssertionError")


def _passes(call: Callable[[], Any], what: str) -> None:
    """Fail the case with the assertion's first line when ``call()`` raises AssertionError."""
    try:
        result = call()
    except AssertionError as error:
        first = (str(error).strip().splitlines() or [""])[0]
        expect(False, f"{what} raised AssertionError ({first}) but the template is fine")
    expect(result is None, f"{what} returned {result!r}; return nothing (None)")


# ---- 09.1 ------------------------------------------------------------------


def unsafe_buckets() -> list[tuple[str, dict[str, Any]]]:
    """The course template with its bucket made unsafe in one way each."""
    found = []
    for label, change in (
        ("versioning removed", lambda p: p.pop("VersioningConfiguration")),
        ("versioning suspended", lambda p: p["VersioningConfiguration"].update(Status="Suspended")),
        ("encryption removed", lambda p: p.pop("BucketEncryption")),
        (
            "RestrictPublicBuckets set to false",
            lambda p: p["PublicAccessBlockConfiguration"].update(RestrictPublicBuckets=False),
        ),
        (
            "BlockPublicPolicy left out",
            lambda p: p["PublicAccessBlockConfiguration"].pop("BlockPublicPolicy"),
        ),
    ):
        data = course_template()
        change(_properties(data, BUCKET))
        found.append((label, data))
    return found


def kms_bucket() -> dict[str, Any]:
    """The course template with its bucket encrypted by KMS instead of SSE-S3 (still safe)."""
    data = course_template()
    _properties(data, BUCKET)["BucketEncryption"] = {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {
                    "SSEAlgorithm": "aws:kms",
                    "KMSMasterKeyID": "alias/churn",
                }
            }
        ]
    }
    return data


@check(
    "09.1",
    points=2,
    needs=("assert_bucket_is_safe",),
    hint=(
        "Inside `with cdk_assertion():`, call template.has_resource_properties('AWS::S3::Bucket', "
        "{...}) with VersioningConfiguration Status 'Enabled', a BucketEncryption whose "
        "SSEAlgorithm is Match.any_value(), and all four PublicAccessBlockConfiguration flags True."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def bucket_is_safe(assert_bucket_is_safe: Callable[[Any], Any]) -> None:
    """Passes safe buckets (SSE-S3 or KMS); raises AssertionError on each unsafe one."""
    with case("the course's template"):
        _passes(lambda: assert_bucket_is_safe(as_template(course_template())), "your function")
    for label, data in unsafe_buckets():
        with case(f"a bucket with {label}"):
            _raises_assertion(lambda d=data: assert_bucket_is_safe(as_template(d)), "your function")
    with case("a bucket encrypted with aws:kms instead of AES256"):
        _passes(lambda: assert_bucket_is_safe(as_template(kms_bucket())), "your function")


# ---- 09.2 ------------------------------------------------------------------


def with_buildspec(project: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The course template with the inline buildspec of ``project`` changed by ``change``."""
    data = course_template()
    source = _properties(data, PROJECT, Name=project)["Source"]
    spec = json.loads(source["BuildSpec"])
    change(spec)
    source["BuildSpec"] = json.dumps(spec, indent=2)
    return data


def _report(spec: dict[str, Any]) -> dict[str, Any]:
    return next(iter(spec["reports"].values()))


def _rename_report(spec: dict[str, Any]) -> None:
    spec["reports"] = {"reports": _report(spec)}


def _no_pytest(spec: dict[str, Any]) -> None:
    spec["phases"]["build"]["commands"] = ["python -m unittest discover tests/integration"]


def _tests_in_install(spec: dict[str, Any]) -> None:
    spec["phases"]["install"]["commands"].append(spec["phases"]["build"]["commands"][0])
    spec["phases"]["build"]["commands"] = ["echo no tests here"]


@check(
    "09.2",
    points=2,
    needs=("assert_runs_layer",),
    hint=(
        "has_resource_properties('AWS::CodeBuild::Project', {'Name': project, 'Source': "
        "{'BuildSpec': Match.serialized_json(Match.object_like({...}))}}): the build phase's "
        "commands hold a string matching Match.string_like_regexp(f'^pytest tests/{layer}'), "
        "and reports holds {layer: Match.object_like({'file-format': 'JUNITXML'})}."
    ),
    defined_in="the cell under 'Exercise 2'",
)
def runs_layer(assert_runs_layer: Callable[[Any, str, str], Any]) -> None:
    """Each project runs its own layer with a JUnit report; wrong layers and formats fail."""
    course = course_template()
    for project, layer in (
        ("churn-integration-tests", "integration"),
        ("churn-unit-tests", "unit"),
        ("churn-quality-gate", "model"),
    ):
        with case(f"assert_runs_layer(template, {project!r}, {layer!r}) on the course's template"):
            _passes(
                lambda p=project, la=layer: assert_runs_layer(as_template(course), p, la),
                "your function",
            )
    wrong: list[tuple[str, dict[str, Any], str, str]] = [
        (
            "the course's template, asking for the wrong layer",
            course,
            "churn-integration-tests",
            "data",
        ),
        (
            "the course's template, asking for a project it lacks",
            course,
            "churn-smoke-tests",
            "smoke",
        ),
        (
            "a template whose integration report is CUCUMBERJSON",
            with_buildspec(
                "churn-integration-tests",
                lambda s: _report(s).update({"file-format": "CUCUMBERJSON"}),
            ),
            "churn-integration-tests",
            "integration",
        ),
        (
            "a template whose integration report group is named 'reports'",
            with_buildspec("churn-integration-tests", _rename_report),
            "churn-integration-tests",
            "integration",
        ),
        (
            "a template whose integration build runs unittest, not pytest",
            with_buildspec("churn-integration-tests", _no_pytest),
            "churn-integration-tests",
            "integration",
        ),
        (
            "a template that runs pytest in the install phase, not the build phase",
            with_buildspec("churn-integration-tests", _tests_in_install),
            "churn-integration-tests",
            "integration",
        ),
    ]
    for label, data, project, layer in wrong:
        with case(f"{label} ({project!r}, {layer!r})"):
            _raises_assertion(
                lambda d=data, p=project, la=layer: assert_runs_layer(as_template(d), p, la),
                "your function",
            )


# ---- 09.3 ------------------------------------------------------------------


def renamed(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``data`` with the logical id ``old`` renamed to ``new`` everywhere."""
    return json.loads(json.dumps(data).replace(f'"{old}"', f'"{new}"'))


def pipeline_role(data: dict[str, Any]) -> str:
    """The reference: the logical id in the pipeline's ``RoleArn`` ``Fn::GetAtt``."""
    return _properties(data, PIPELINE)["RoleArn"]["Fn::GetAtt"][0]


@check(
    "09.3",
    points=2,
    needs=("pipeline_role_id",),
    hint=(
        "role = Capture(); template.has_resource_properties('AWS::CodePipeline::Pipeline', "
        "{'RoleArn': {'Fn::GetAtt': [role, 'Arn']}}); return role.as_string()."
    ),
    defined_in="the cell under 'Exercise 3'",
)
def role_of_pipeline(pipeline_role_id: Callable[[Any], Any]) -> None:
    """Reads the id out of the template: a renamed or swapped role is found too."""
    course = course_template()
    original = pipeline_role(course)
    deploy_role = next(
        name
        for name, resource in course["Resources"].items()
        if resource["Type"] == ROLE and "cloudformation.amazonaws.com" in json.dumps(resource)
    )
    swapped = course_template()
    _properties(swapped, PIPELINE)["RoleArn"] = {"Fn::GetAtt": [deploy_role, "Arn"]}
    for label, data in (
        ("the course's template", course),
        (
            "a template whose pipeline role is renamed",
            renamed(course, original, "ReleaseRole5C2F7A1B"),
        ),
        ("a template whose pipeline uses the deploy role", swapped),
    ):
        with case(label):
            got = pipeline_role_id(as_template(data))
            wanted = pipeline_role(data)
            expect(isinstance(got, str), f"returned {type(got).__name__}, not the id as a str")
            expect(got == wanted, f"returned {got!r}, expected {wanted!r}")


# ---- 09.4 ------------------------------------------------------------------


def _refs(roles: Any) -> set[str]:
    items = roles if isinstance(roles, list) else [roles]
    return {item["Ref"] for item in items if isinstance(item, dict) and "Ref" in item}


def reference_actions(data: dict[str, Any], role_id: str) -> set[str]:
    """The reference answer of 09.4, written independently of ``mlcicd.iac.statements``."""
    allowed: set[str] = set()
    for resource in data.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource.get("Type") != POLICY or role_id not in _refs(props.get("Roles", [])):
            continue
        body = props.get("PolicyDocument", {}).get("Statement", [])
        for statement in body if isinstance(body, list) else [body]:
            if statement.get("Effect") == "Allow":
                action = statement.get("Action", [])
                allowed.update([action] if isinstance(action, str) else action)
    return allowed


def _policy(roles: list[str], *statements: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": POLICY,
        "Properties": {
            "PolicyName": "policy",
            "Roles": [{"Ref": role} for role in roles],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": list(statements)},
        },
    }


def small_iam_template() -> dict[str, Any]:
    """Three roles; a policy shared by two, with a string Action and a Deny; one for one role."""
    role = {"Type": ROLE, "Properties": {"AssumeRolePolicyDocument": {}}}
    return {
        "Resources": {
            "TrainRole": copy.deepcopy(role),
            "ServeRole": copy.deepcopy(role),
            "AuditRole": copy.deepcopy(role),
            "SharedPolicy": _policy(
                ["TrainRole", "ServeRole"],
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Effect": "Deny", "Action": ["s3:DeleteObject", "s3:PutObject"], "Resource": "*"},
            ),
            "TrainPolicy": _policy(
                ["TrainRole"],
                {
                    "Effect": "Allow",
                    "Action": ["sagemaker:CreateTrainingJob", "s3:GetObject"],
                    "Resource": "*",
                },
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
            ),
            "AuditBucket": {"Type": BUCKET, "Properties": {}},
        }
    }


@check(
    "09.4",
    points=2,
    needs=("allowed_actions",),
    hint=(
        "Loop over template['Resources'].values(); keep Type 'AWS::IAM::Policy' whose "
        "Properties.Roles holds {'Ref': role_id}; for each statement with Effect 'Allow' add its "
        "Action (wrap a str in a list first) to a set."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def actions_of_role(allowed_actions: Callable[[dict[str, Any], str], Any]) -> None:
    """Union of the Allow actions of the role's policies: strings, lists, shared policies, Deny."""
    course = course_template()
    integration = _properties(course, PROJECT, Name="churn-integration-tests")["ServiceRole"][
        "Fn::GetAtt"
    ][0]
    cases = [
        ("the IntegrationTests role of the course's template", course, integration),
        ("the pipeline role of the course's template", course, pipeline_role(course)),
        (
            "TrainRole of a small template (shared policy, Deny, str Action)",
            small_iam_template(),
            "TrainRole",
        ),
        (
            "ServeRole of a small template (only the shared policy)",
            small_iam_template(),
            "ServeRole",
        ),
        ("AuditRole of a small template (no policy at all)", small_iam_template(), "AuditRole"),
    ]
    for label, data, role_id in cases:
        with case(f"{label}, role {role_id!r}"):
            got = allowed_actions(copy.deepcopy(data), role_id)
            wanted = reference_actions(data, role_id)
            expect(
                isinstance(got, set | frozenset),
                f"returned {type(got).__name__}, not a set",
            )
            extra, missing = sorted(got - wanted), sorted(wanted - got)
            expect(
                not extra and not missing,
                f"{len(extra)} action(s) too many {extra[:3]} and {len(missing)} missing "
                f"{missing[:3]}",
            )


# ---- 09.5 ------------------------------------------------------------------


def warning_only_template() -> dict[str, Any]:
    """A valid bucket and an unused parameter: cfn-lint warns (W2001), no error."""
    return {
        "Parameters": {"Environment": {"Type": "String"}},
        "Resources": {"Bucket": {"Type": BUCKET, "Properties": {}}},
    }


def broken_bucket_template() -> dict[str, Any]:
    """A bucket whose versioning status is 'Yes': cfn-lint error E3030 (not an allowed value)."""
    return {
        "Resources": {
            "Bucket": {"Type": BUCKET, "Properties": {"VersioningConfiguration": {"Status": "Yes"}}}
        }
    }


def two_errors_template() -> dict[str, Any]:
    """E3030 (bad value) first in the template, then E3002 (misspelt property), and a W2001."""
    data = broken_bucket_template()
    data["Parameters"] = {"Environment": {"Type": "String"}}
    data["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayNam": "x"}}
    return data


@check(
    "09.5",
    points=2,
    needs=("lint_errors",),
    hint=(
        "sorted(finding.code for finding in lint_template(template) if finding.is_error): "
        "a W... code is a warning, not an error."
    ),
    defined_in="the cell under 'Exercise 5'",
)
def only_errors(lint_errors: Callable[[dict[str, Any]], Any]) -> None:
    """Error codes only, sorted: warnings are left out, each error code listed."""
    for label, data, wanted in (
        ("a template with only a warning (W2001)", warning_only_template(), []),
        ("a bucket with versioning status 'Yes'", broken_bucket_template(), ["E3030"]),
        (
            "a template with E3030, then E3002, and a warning",
            two_errors_template(),
            ["E3002", "E3030"],
        ),
        ("the course's template", course_template(), []),
    ):
        with case(label):
            got = lint_errors(data)
            expect(isinstance(got, list), f"returned {type(got).__name__}, not a list")
            expect(got == wanted, f"returned {got!r}, expected {wanted!r}")
