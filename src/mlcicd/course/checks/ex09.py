"""Checkpoints of exercise 09 (infrastructure as code): cases on synthesized templates.

Every case runs the learner's function on the course's stack, read once per
process from its committed template (:func:`course_template`; a test keeps it
equal to what the stack synthesizes), or on a small copy of it with one thing
changed. The copies are plain dicts read with
``Template.from_json``, which is fast. Nothing is deployed.

Public cases (they run in the learner's notebook, and the learner's copy of the
course holds only them):

* 09.1: the course's bucket passes; the same bucket without versioning fails.
* 09.2: the integration-tests project runs the ``integration`` layer; asked for
  the ``data`` layer, it fails.
* 09.3: the pipeline's role id in the course's template.
* 09.4: the actions allowed to the integration-tests role of the course's
  template (the toolkit's :func:`mlcicd.iac.statements` gives the expected set).
* 09.5: a template with only a warning, and a bucket with one error.

The other cases are hidden: they exist only where the instructor grades, and a
failing one names the rule it checks, not its template. Each check requires
Node.js and ``aws_cdk``: without them it is not gradable here.

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

# BEGIN HIDDEN CASES
# isort: split
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES

#: What every check of this exercise needs on the machine (see ``missing_requirements``).
REQUIRES = ("node", "aws_cdk")

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
    # The committed template, which a test keeps equal to what the stack synthesizes
    # (tests/unit/test_iac_stack.py): a check runs twice when grading (in the learner's
    # kernel and outside it), and each synth there cost 4 s of jsii on top of its start.
    from mlcicd.iac import committed_template

    return json.dumps(committed_template())


def course_template() -> dict[str, Any]:
    """The course's stack as a template dict: read once per process, copied per call."""
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
            f"{what} raised jsii's RuntimeError, not AssertionError: a failed CDK assertion "
            "must reach the caller as AssertionError (that is what cdk_assertion does)",
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


def unversioned_bucket() -> dict[str, Any]:
    """The course template with its bucket's versioning removed."""
    data = course_template()
    _properties(data, BUCKET).pop("VersioningConfiguration")
    return data


# BEGIN HIDDEN CASES


def unsafe_buckets() -> list[tuple[str, dict[str, Any]]]:
    """The course template with its bucket made unsafe in one more way each, and the rule."""
    found = []
    for rule, change in (
        (
            "a bucket whose versioning is not Enabled raises AssertionError",
            lambda p: p["VersioningConfiguration"].update(Status="Suspended"),
        ),
        (
            "a bucket without encryption raises AssertionError",
            lambda p: p.pop("BucketEncryption"),
        ),
        (
            "a bucket whose encryption rule names no SSEAlgorithm raises AssertionError",
            lambda p: p.update(
                BucketEncryption={"ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": True}]}
            ),
        ),
        (
            "a bucket raises AssertionError unless all four public-access flags are True",
            lambda p: p["PublicAccessBlockConfiguration"].update(RestrictPublicBuckets=False),
        ),
        (
            "a bucket raises AssertionError unless all four public-access flags are True",
            lambda p: p["PublicAccessBlockConfiguration"].pop("BlockPublicPolicy"),
        ),
    ):
        data = course_template()
        change(_properties(data, BUCKET))
        found.append((rule, data))
    return found


def split_safety() -> dict[str, Any]:
    """Two buckets, each with only some of the three safety properties: neither is safe."""
    data = course_template()
    name = logical_id(data, BUCKET)
    props = data["Resources"][name]["Properties"]
    other = copy.deepcopy(data["Resources"][name])
    props.pop("BucketEncryption")
    other["Properties"].pop("VersioningConfiguration")
    data["Resources"]["LogsBucket"] = other
    return data


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


# END HIDDEN CASES


@check(
    "09.1",
    points=2,
    needs=("assert_bucket_is_safe",),
    hint=(
        "One bucket must have all three: versioning whose status is Enabled, a default "
        "encryption rule that names an algorithm (any algorithm, and the rule may hold more "
        "keys), and all four public-access flags true; a failed CDK assertion must reach the "
        "caller as AssertionError, which is what cdk_assertion is for."
    ),
    concept=(
        "A fine-grained assertion states only what must hold, so the CDK may add properties "
        "without breaking it. Nested dicts in a has_resource_properties pattern match "
        "partially, but a plain dict inside Match.array_with or Match.serialized_json must "
        "equal the value exactly: wrap it in Match.object_like to let the template hold more."
    ),
    lesson="09#Fine-grained assertions",
    defined_in="the cell under 'Exercise 1'",
    requires=REQUIRES,
)
def bucket_is_safe(assert_bucket_is_safe: Callable[[Any], Any]) -> None:
    """Passes safe buckets (SSE-S3 or KMS); raises AssertionError on each unsafe one."""
    with case("the course's template"):
        _passes(lambda: assert_bucket_is_safe(as_template(course_template())), "your function")
    with case("a bucket with versioning removed"):
        _raises_assertion(
            lambda: assert_bucket_is_safe(as_template(unversioned_bucket())), "your function"
        )
    # BEGIN HIDDEN CASES
    for rule, data in unsafe_buckets():
        with hidden_case(rule):
            _raises_assertion(lambda d=data: assert_bucket_is_safe(as_template(d)), "your function")
    with hidden_case(
        "versioning, encryption and public-access blocking must hold on the same bucket"
    ):
        _raises_assertion(
            lambda: assert_bucket_is_safe(as_template(split_safety())), "your function"
        )
    with hidden_case(
        "a KMS-encrypted bucket is safe too: any SSEAlgorithm counts, and its encryption rule "
        "may name a key id beside it, so match that rule partially"
    ):
        _passes(lambda: assert_bucket_is_safe(as_template(kms_bucket())), "your function")
    # END HIDDEN CASES


# ---- 09.2 ------------------------------------------------------------------

# BEGIN HIDDEN CASES


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


def _other_folder(spec: dict[str, Any]) -> None:
    commands = spec["phases"]["build"]["commands"]
    commands[0] = commands[0].replace("tests/integration", "tests/integration_slow", 1)


def _only_echoed(spec: dict[str, Any]) -> None:
    command = spec["phases"]["build"]["commands"][0]
    spec["phases"]["build"]["commands"] = [f"echo skipped: {command}"]


def _tests_in_install(spec: dict[str, Any]) -> None:
    spec["phases"]["install"]["commands"].append(spec["phases"]["build"]["commands"][0])
    spec["phases"]["build"]["commands"] = ["echo no tests here"]


#: Changes that break the integration project's buildspec, each with the rule that catches it.
BROKEN_BUILDSPECS: tuple[tuple[str, Callable[[dict[str, Any]], None]], ...] = (
    (
        "a report whose file-format is not JUNITXML raises AssertionError",
        lambda spec: _report(spec).update({"file-format": "CUCUMBERJSON"}),
    ),
    ("a report group not named after the layer raises AssertionError", _rename_report),
    ("a build phase that does not run pytest on the layer raises AssertionError", _no_pytest),
    (
        "pytest on another folder whose name only begins like the layer's raises AssertionError",
        _other_folder,
    ),
    (
        "a command that only mentions pytest, not starting with it, raises AssertionError",
        _only_echoed,
    ),
    ("pytest run in another phase than build raises AssertionError", _tests_in_install),
)

# END HIDDEN CASES


@check(
    "09.2",
    points=2,
    needs=("assert_runs_layer",),
    hint=(
        "Find the project by its Name. Its buildspec is JSON text, so match it parsed: one "
        "build-phase command must start by running pytest on the layer's own folder (a longer "
        "folder name is another folder), and a report group named after the layer must use "
        "the JUnit XML format. The buildspec holds more than you test for."
    ),
    concept=(
        "Match.serialized_json parses the text and matches the parsed value, but a plain dict "
        "in it (or in Match.array_with) must equal the value exactly; Match.object_like lets "
        "the buildspec hold more keys than the pattern names, and a regular expression must be "
        "anchored to say 'starts with'."
    ),
    lesson="09#A buildspec inside the template",
    defined_in="the cell under 'Exercise 2'",
    requires=REQUIRES,
)
def runs_layer(assert_runs_layer: Callable[[Any, str, str], Any]) -> None:
    """Each project runs its own layer with a JUnit report; wrong layers and formats fail."""
    course = course_template()
    project = "churn-integration-tests"
    with case(f"assert_runs_layer(template, {project!r}, 'integration') on the course's template"):
        _passes(
            lambda: assert_runs_layer(as_template(course), project, "integration"),
            "your function",
        )
    with case(f"the course's template, asking for the wrong layer ({project!r}, 'data')"):
        _raises_assertion(
            lambda: assert_runs_layer(as_template(course), project, "data"), "your function"
        )
    # BEGIN HIDDEN CASES
    for other, layer in (("churn-unit-tests", "unit"), ("churn-quality-gate", "model")):
        with hidden_case("each project of the course's template passes with its own layer"):
            _passes(
                lambda p=other, la=layer: assert_runs_layer(as_template(course), p, la),
                "your function",
            )
    with hidden_case("a project the template lacks raises AssertionError"):
        _raises_assertion(
            lambda: assert_runs_layer(as_template(course), "churn-smoke-tests", "smoke"),
            "your function",
        )
    for rule, change in BROKEN_BUILDSPECS:
        data = with_buildspec(project, change)
        with hidden_case(rule):
            _raises_assertion(
                lambda d=data: assert_runs_layer(as_template(d), project, "integration"),
                "your function",
            )
    # END HIDDEN CASES


# ---- 09.3 ------------------------------------------------------------------


def pipeline_role(data: dict[str, Any]) -> str:
    """The reference: the logical id in the pipeline's ``RoleArn`` ``Fn::GetAtt``."""
    return _properties(data, PIPELINE)["RoleArn"]["Fn::GetAtt"][0]


# BEGIN HIDDEN CASES


def renamed(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``data`` with the logical id ``old`` renamed to ``new`` everywhere."""
    return json.loads(json.dumps(data).replace(f'"{old}"', f'"{new}"'))


def _role_id(pipeline_role_id: Callable[[Any], Any], data: dict[str, Any]) -> None:
    """Fail unless ``pipeline_role_id`` reads the id the pipeline of ``data`` names."""
    got = pipeline_role_id(as_template(data))
    expect(got == pipeline_role(data), f"returned {got!r}")


# END HIDDEN CASES


@check(
    "09.3",
    points=2,
    needs=("pipeline_role_id",),
    hint=(
        "Read the id from the template you are given, never write it down: the pipeline's "
        "role ARN is an attribute reference whose first element is the role's logical id, so "
        "let the assertion capture what stands there and return the captured value as a str."
    ),
    concept=(
        "Logical ids carry a hash the CDK computes, and a role is named in the template only "
        "by reference; a Capture in the pattern reads the value the match found, so the test "
        "follows the template instead of a copy of it."
    ),
    lesson="09#Capture: which role does a build run as?",
    defined_in="the cell under 'Exercise 3'",
    requires=REQUIRES,
)
def role_of_pipeline(pipeline_role_id: Callable[[Any], Any]) -> None:
    """Reads the id out of the template: a renamed or swapped role is found too."""
    course = course_template()
    with case("the course's template"):
        got = pipeline_role_id(as_template(course))
        wanted = pipeline_role(course)
        expect(isinstance(got, str), f"returned {type(got).__name__}, not the id as a str")
        expect(got == wanted, f"returned {got!r}, expected {wanted!r}")
    # BEGIN HIDDEN CASES
    with hidden_case("the id is read from the template, not written into the function"):
        _role_id(pipeline_role_id, renamed(course, wanted, "ReleaseRole5C2F7A1B"))
    with hidden_case("the id is the role the pipeline's RoleArn names, whichever role that is"):
        deploy_role = next(
            name
            for name, resource in course["Resources"].items()
            if resource["Type"] == ROLE and "cloudformation.amazonaws.com" in json.dumps(resource)
        )
        swapped = course_template()
        _properties(swapped, PIPELINE)["RoleArn"] = {"Fn::GetAtt": [deploy_role, "Arn"]}
        _role_id(pipeline_role_id, swapped)
    # END HIDDEN CASES


# ---- 09.4 ------------------------------------------------------------------


def toolkit_actions(data: dict[str, Any], role_id: str) -> set[str]:
    """The actions the toolkit's :func:`mlcicd.iac.statements` says ``role_id`` is allowed."""
    from mlcicd.iac import statements

    return {
        action
        for statement in statements(data, role_id)
        if statement.effect == "Allow"
        for action in statement.actions
    }


def _same_actions(got: Any, wanted: set[str]) -> None:
    expect(isinstance(got, set | frozenset), f"returned {type(got).__name__}, not a set")
    extra, missing = sorted(got - wanted), sorted(wanted - got)
    expect(
        not extra and not missing,
        f"{len(extra)} action(s) too many {extra[:3]} and {len(missing)} missing {missing[:3]}",
    )


# BEGIN HIDDEN CASES


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


def two_policies_template() -> dict[str, Any]:
    """One role with two policies of plain Allow lists: both policies add actions."""
    role = {"Type": ROLE, "Properties": {"AssumeRolePolicyDocument": {}}}
    allow = {"Effect": "Allow", "Resource": "*"}
    return {
        "Resources": {
            "TrainRole": role,
            "ReadPolicy": _policy(["TrainRole"], {**allow, "Action": ["s3:GetObject"]}),
            "TrainPolicy": _policy(
                ["TrainRole"], {**allow, "Action": ["sagemaker:CreateTrainingJob"]}
            ),
        }
    }


# END HIDDEN CASES


@check(
    "09.4",
    points=2,
    needs=("allowed_actions",),
    hint=(
        "Every IAM policy resource that names the role among its roles counts, and a policy "
        "may name several roles; from each, only statements that allow add actions, an Action "
        "is one string or a list of them, and the answer is a set, empty when no policy names "
        "the role."
    ),
    concept=(
        "In a template, a role's permissions are spread over the policies attached to it; "
        "least privilege is judged on their union of Allow statements, which is why each form "
        "IAM accepts (a string or a list, a shared policy, a Deny) must be read right."
    ),
    lesson="09#Least privilege: read the IAM policies",
    defined_in="the cell under 'Exercise 4'",
    requires=REQUIRES,
)
def actions_of_role(allowed_actions: Callable[[dict[str, Any], str], Any]) -> None:
    """Union of the Allow actions of the role's policies: strings, lists, shared policies, Deny."""
    course = course_template()
    integration = _properties(course, PROJECT, Name="churn-integration-tests")["ServiceRole"][
        "Fn::GetAtt"
    ][0]
    with case(f"the IntegrationTests role of the course's template, role {integration!r}"):
        got = allowed_actions(copy.deepcopy(course), integration)
        _same_actions(got, toolkit_actions(course, integration))
    # BEGIN HIDDEN CASES
    cases = [
        (
            "the set holds every action the role's policies allow, and nothing else",
            course,
            pipeline_role(course),
        ),
        (
            "every policy that names the role adds its actions, not only the first one found",
            two_policies_template(),
            "TrainRole",
        ),
        (
            "a Deny statement allows nothing, and an Action given as a str is one action",
            small_iam_template(),
            "TrainRole",
        ),
        (
            "a policy applies to every role in its Roles list",
            small_iam_template(),
            "ServeRole",
        ),
        ("a role without any policy gets the empty set", small_iam_template(), "AuditRole"),
    ]
    for rule, data, role_id in cases:
        with hidden_case(rule):
            got = allowed_actions(copy.deepcopy(data), role_id)
            _same_actions(got, reference_actions(data, role_id))
    # END HIDDEN CASES


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


# BEGIN HIDDEN CASES


def two_errors_template() -> dict[str, Any]:
    """E3030 (bad value) first in the template, then E3002 (misspelt property), and a W2001."""
    data = broken_bucket_template()
    data["Parameters"] = {"Environment": {"Type": "String"}}
    data["Resources"]["Topic"] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayNam": "x"}}
    return data


# END HIDDEN CASES


@check(
    "09.5",
    points=2,
    needs=("lint_errors",),
    hint=(
        "Only errors count: a warning or an informational finding is left out. Return the "
        "rule codes themselves (text, not findings), as a list, in sorted order whatever "
        "order cfn-lint reports them in, and an empty list when there is no error."
    ),
    concept=(
        "cfn-lint's errors are what CloudFormation would reject or what cannot work; its "
        "warnings are advice. A static gate fails the build on errors only, and a sorted list "
        "compares the same way on every run."
    ),
    lesson="09#cfn-lint: would CloudFormation accept it?",
    defined_in="the cell under 'Exercise 5'",
    requires=REQUIRES,
)
def only_errors(lint_errors: Callable[[dict[str, Any]], Any]) -> None:
    """Error codes only, sorted: warnings are left out, each error code listed."""
    for label, data, wanted in (
        ("a template with only a warning (W2001)", warning_only_template(), []),
        ("a bucket with versioning status 'Yes'", broken_bucket_template(), ["E3030"]),
    ):
        with case(label):
            got = lint_errors(data)
            expect(isinstance(got, list), f"returned {type(got).__name__}, not a list")
            expect(got == wanted, f"returned {got!r}, expected {wanted!r}")
    # BEGIN HIDDEN CASES
    for rule, data, wanted in (
        (
            "every error code is listed, sorted, warnings left out",
            two_errors_template(),
            ["E3002", "E3030"],
        ),
        ("a template cfn-lint finds no error in gives []", course_template(), []),
    ):
        with hidden_case(rule):
            got = lint_errors(data)
            expect(isinstance(got, list) and got == wanted, f"returned {got!r}")
    # END HIDDEN CASES
