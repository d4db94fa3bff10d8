"""The checkpoints of exercise 09 (infrastructure as code) pass right answers, explain wrong ones.

The course's stack is read once for the module from its committed template (equal
to what it synthesizes, kept so by ``test_iac_stack.py``); every other template is
a small copy read with ``Template.from_json``. Each checkpoint is also run as the
learner's release ships it (``public_checks``): the reference passes and the stub
fails its public cases, and a wrong answer that only a hidden case catches passes
them, then fails graded with the rule.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from checkpoint_mutants import Wrong, graded_once, mutant_tests

from mlcicd import iac
from mlcicd.course.checkpoint import evaluate, get_check
from mlcicd.course.checks import ex09
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden
from mlcicd.iac import cdk_problem
from mlcicd.iac import environment as iac_environment

pytestmark = pytest.mark.skipif(cdk_problem() is not None, reason=cdk_problem() or "")

PUBLIC_ACCESS = {flag: True for flag in ex09.PUBLIC_ACCESS_FLAGS}


@pytest.fixture(scope="module", autouse=True)
def course() -> Iterator[dict[str, Any]]:
    """The course's template, as the checks see it: the committed one, with no synth.

    Synthesizing the stack costs 5-12 s of jsii the first time in a process, and the
    learner's release (``public_checks``) compiles a fresh check module with its own
    cache. The committed template is what the stack synthesizes (``test_iac_stack.py``
    keeps them equal), so every check gets the same input; they still start jsii for
    ``Template.from_json`` and run unchanged. Other stacks still really synthesize.
    """
    real = iac.synthesize

    def synthesize(make: Callable[..., Any] | None = None, **options: Any) -> dict[str, Any]:
        if make is None and not options:
            return iac.committed_template()
        return real(make, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(iac, "synthesize", synthesize)
        patch.setattr(ex09, "_synthesized", functools.cache(ex09._synthesized.__wrapped__))
        yield ex09.course_template()


# ---- reference answers, with knobs that make them wrong ---------------------------------


def assert_bucket_is_safe(
    template: Any,
    *,
    encrypted: bool = True,
    flags: tuple[str, ...] = tuple(PUBLIC_ACCESS),
    encryption: Any = None,
    status: Any = "Enabled",
) -> None:
    """The reference answer of Exercise 1; ``encryption`` replaces its BucketEncryption."""
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    wanted: dict[str, Any] = {
        "VersioningConfiguration": {"Status": status},
        "PublicAccessBlockConfiguration": {flag: True for flag in flags},
    }
    if encrypted:
        wanted["BucketEncryption"] = encryption or {
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
        assert any(f"{c} ".startswith(f"pytest tests/{layer} ") for c in commands)
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


@functools.cache
def _linted(text: str) -> tuple[Any, ...]:
    """cfn-lint's findings for a template's JSON text, once per text: the answers below all
    lint the same few templates, and each cfn-lint run takes about a second."""
    from mlcicd.iac import lint_template

    return tuple(lint_template(json.loads(text)))


def lint_template(template: dict) -> tuple[Any, ...]:
    return _linted(json.dumps(template))


def lint_errors(template: dict, *, errors_only: bool = True, ordered: bool = True) -> list[str]:
    codes = [f.code for f in lint_template(template) if f.severity == "error" or not errors_only]
    return sorted(codes) if ordered else codes


# ---- the tests -----------------------------------------------------------------------------

GOOD: dict[str, tuple[str, Callable[..., Any]]] = {
    "09.1": ("assert_bucket_is_safe", assert_bucket_is_safe),
    "09.2": ("assert_runs_layer", assert_runs_layer),
    "09.3": ("pipeline_role_id", pipeline_role_id),
    "09.4": ("allowed_actions", allowed_actions),
    "09.5": ("lint_errors", lint_errors),
}


def _stub(*args: object) -> None:
    raise NotImplementedError("replace this line with your code")


def test_right_answers_pass() -> None:
    namespace = {name: function for name, function in GOOD.values()}
    for number in range(1, 6):
        assert evaluate(f"09.{number}", namespace) == (
            True,
            f"Checkpoint 09.{number} passed (2/2 points)",
        )


def test_the_reference_answers_agree_with_the_toolkit(course: dict[str, Any]) -> None:
    for role in ("IntegrationTestsRole105D588F", ex09.pipeline_role(course)):
        assert ex09.reference_actions(course, role) == ex09.toolkit_actions(course, role)
    assert "iam:PassRole" in ex09.toolkit_actions(course, ex09.pipeline_role(course))


def test_a_stub_fails_every_checkpoint() -> None:
    namespace = {name: _stub for name, _ in GOOD.values()}
    for number in range(1, 6):
        ok, line = evaluate(f"09.{number}", namespace)
        assert not ok and "not written yet" in line


def test_a_missing_name_cannot_run_yet() -> None:
    ok, line = evaluate("09.3", {})
    assert not ok
    assert "cannot run yet" in line and "'Exercise 3'" in line


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_every_check_requires_node_and_the_cdk(checkpoint_id: str) -> None:
    assert get_check(checkpoint_id).requires == ("node", "aws_cdk")


def test_without_node_a_check_is_not_gradable_whatever_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(iac_environment, "cdk_problem", lambda: "Node.js is not installed")

    ok, line = evaluate("09.1", {"assert_bucket_is_safe": assert_bucket_is_safe})

    assert not ok
    assert line.startswith("Checkpoint 09.1 cannot be graded here (0/2 points): Node.js is not")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (bucket_without_cdk_assertion, "raised jsii's RuntimeError, not AssertionError"),
        (lambda t: assert_bucket_is_safe(t) or True, "returned True; return nothing"),
        (
            lambda t: None,
            "a bucket with versioning removed: your function returned None instead of raising",
        ),
    ],
    ids=["no-cdk-assertion", "returns-true", "accepts-all"],
)
def test_wrong_buckets_fail_09_1(answer: Callable[[Any], object], expected: str) -> None:
    ok, line = evaluate("09.1", {"assert_bucket_is_safe": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t, p, la: assert_runs_layer(t, p, la, check_name=False),
            "asking for the wrong layer",
        ),
        (lambda t, p, la: None, "returned None instead of raising AssertionError"),
    ],
    ids=["any-project", "accepts-all"],
)
def test_wrong_layers_fail_09_2(answer: Callable[..., object], expected: str) -> None:
    ok, line = evaluate("09.2", {"assert_runs_layer": answer})
    assert not ok
    assert expected in line


def test_a_whole_getatt_fails_09_3() -> None:
    answer = lambda t: {"Fn::GetAtt": [pipeline_role_id(t), "Arn"]}  # noqa: E731
    ok, line = evaluate("09.3", {"pipeline_role_id": answer})
    assert not ok
    assert "the course's template: returned dict, not the id as a str" in line


def test_a_list_fails_09_4() -> None:
    ok, line = evaluate("09.4", {"allowed_actions": lambda t, r: sorted(allowed_actions(t, r))})
    assert not ok
    assert "returned list, not a set" in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            lambda t: lint_errors(t, errors_only=False),
            "only a warning (W2001): returned ['W2001'], expected []",
        ),
        (lambda t: ["E3030"], "returned ['E3030'], expected []"),
        (lambda t: tuple(lint_errors(t)), "returned tuple, not a list"),
    ],
    ids=["with-warnings", "constant", "tuple"],
)
def test_wrong_lint_answers_fail_09_5(answer: Callable[[dict], object], expected: str) -> None:
    ok, line = evaluate("09.5", {"lint_errors": answer})
    assert not ok
    assert expected in line


# ---- the learner's release: public cases only ---------------------------------------------


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    name, function = GOOD[checkpoint_id]

    with public_checks("09"):
        right = evaluate(checkpoint_id, {name: function})
        passed, line = evaluate(checkpoint_id, {name: _stub})

    assert right == (True, f"Checkpoint {checkpoint_id} passed (2/2 points)")
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/2 points): ")
    assert "not written yet" in line
    assert "a hidden case" not in line


# (mistake in MUTANTS, the rule its graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, str, str]] = [
    (
        "encryption not checked",
        "a bucket without encryption raises AssertionError",
        "encryption removed",
    ),
    (
        "three public-access flags",
        "a bucket raises AssertionError unless all four public-access flags are True",
        "RestrictPublicBuckets",
    ),
    (
        "AES256 only",
        "a KMS-encrypted bucket is safe too: any SSEAlgorithm counts, and its encryption rule "
        "may name a key id beside it, so match that rule partially",
        "aws:kms",
    ),
    (
        "report format not checked",
        "a report whose file-format is not JUNITXML raises AssertionError",
        "CUCUMBERJSON",
    ),
    (
        "pytest in any phase",
        "pytest run in another phase than build raises AssertionError",
        "install",
    ),
    (
        "id written into the function",
        "the id is read from the template, not written into the function",
        "ReleaseRole5C2F7A1B",
    ),
    (
        "role codepipeline may assume",
        "the id is the role the pipeline's RoleArn names, whichever role that is",
        "DeployRole",
    ),
    (
        "deny counted as allow",
        "a Deny statement allows nothing, and an Action given as a str is one action",
        "s3:DeleteObject",
    ),
    (
        "every Action taken as a list",
        "the set holds every action the role's policies allow, and nothing else",
        "iam:PassRole",
    ),
    (
        "first role of a policy only",
        "a policy applies to every role in its Roles list",
        "ServeRole",
    ),
    (
        "not sorted",
        "every error code is listed, sorted, warnings left out",
        "E3002",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "rule", "hidden_input"), HIDDEN_ONLY, ids=[m for m, *_ in HIDDEN_ONLY]
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    mistake: str, rule: str, hidden_input: str
) -> None:
    wrong = _BY_MISTAKE[mistake]
    checkpoint_id = wrong.checkpoint
    namespace = {**REFERENCE, **wrong.objects}
    with public_checks("09"):
        public = evaluate(checkpoint_id, namespace)

    passed, line = graded_once(checkpoint_id, namespace)  # the mutant test's graded run

    assert public == (True, f"Checkpoint {checkpoint_id} passed (2/2 points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/2 points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("09")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case" not in public
    for helper in ("def reference_actions", "def small_iam_template", "def kms_bucket"):
        assert helper not in public  # the hidden cases' data and reference go with them
    compile(public, str(path), "exec")


# ---- wrong answers, each failing its checkpoint and only that one -----------------------


def _bucket_array_with_plain_dict(template: Any) -> None:
    """Wrong: a plain dict inside Match.array_with must equal the rule, so KMS fails."""
    from aws_cdk.assertions import Match

    encryption = {
        "ServerSideEncryptionConfiguration": Match.array_with(
            [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": Match.any_value()}}]
        )
    }
    assert_bucket_is_safe(template, encryption=encryption)


def _bucket_any_encryption(template: Any) -> None:
    """Wrong: any BucketEncryption counts, even a rule that names no algorithm."""
    from aws_cdk.assertions import Match

    assert_bucket_is_safe(template, encryption=Match.any_value())


def _bucket_any_versioning_status(template: Any) -> None:
    from aws_cdk.assertions import Match

    assert_bucket_is_safe(template, status=Match.any_value())


def _bucket_checked_property_by_property(template: Any) -> None:
    """Wrong: three separate assertions may each be met by a different bucket."""
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    with cdk_assertion():
        for wanted in (
            {"VersioningConfiguration": {"Status": "Enabled"}},
            {"PublicAccessBlockConfiguration": PUBLIC_ACCESS},
            {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": Match.any_value()}}
                    ]
                }
            },
        ):
            template.has_resource_properties("AWS::S3::Bucket", wanted)


def _runs_layer_pattern(template: Any, project: str, layer: str, command: str) -> None:
    """Exercise 2 with the build command matched by the regular expression ``command``."""
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    buildspec = Match.object_like(
        {
            "phases": Match.object_like(
                {
                    "build": Match.object_like(
                        {"commands": Match.array_with([Match.string_like_regexp(command)])}
                    )
                }
            ),
            "reports": Match.object_like({layer: Match.object_like({"file-format": "JUNITXML"})}),
        }
    )
    with cdk_assertion():
        template.has_resource_properties(
            "AWS::CodeBuild::Project",
            {"Name": project, "Source": {"BuildSpec": Match.serialized_json(buildspec)}},
        )


def _runs_layer_plain_dicts(template: Any, project: str, layer: str) -> None:
    """Wrong: plain dicts inside Match.serialized_json must equal the whole buildspec."""
    from aws_cdk.assertions import Match

    from mlcicd.iac import cdk_assertion

    buildspec = {"reports": {layer: {"file-format": "JUNITXML"}}}
    with cdk_assertion():
        template.has_resource_properties(
            "AWS::CodeBuild::Project",
            {"Name": project, "Source": {"BuildSpec": Match.serialized_json(buildspec)}},
        )


def _runs_layer_any_report_name(template: Any, project: str, layer: str) -> None:
    """Wrong: a JUnit report group of any name counts."""
    projects = template.find_resources("AWS::CodeBuild::Project", {"Properties": {"Name": project}})
    assert projects, f"no project {project}"
    for found in projects.values():
        spec = json.loads(found["Properties"]["Source"]["BuildSpec"])
        assert any(
            c.startswith(f"pytest tests/{layer} ") for c in spec["phases"]["build"]["commands"]
        )
        assert any(g.get("file-format") == "JUNITXML" for g in spec["reports"].values())


def _captures(template: Any, pattern: Callable[[Any], dict[str, Any]]) -> Any:
    """Exercise 3 capturing where ``pattern(capture)`` puts the capture; returns the capture."""
    from aws_cdk.assertions import Capture

    from mlcicd.iac import cdk_assertion

    capture = Capture()
    with cdk_assertion():
        template.has_resource_properties("AWS::CodePipeline::Pipeline", pattern(capture))
    return capture


def _second_element(template: Any) -> str:
    from aws_cdk.assertions import Match

    def pattern(c: Any) -> dict[str, Any]:
        return {"RoleArn": {"Fn::GetAtt": [Match.any_value(), c]}}

    return _captures(template, pattern).as_string()


def _project_role(template: Any) -> str:
    """Wrong: the role of a CodeBuild project, not of the pipeline."""
    projects = template.find_resources("AWS::CodeBuild::Project")
    return next(iter(projects.values()))["Properties"]["ServiceRole"]["Fn::GetAtt"][0]


def _first_policy_only(template: dict, role_id: str) -> set[str]:
    for resource in template["Resources"].values():
        props = resource["Properties"]
        if resource["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in props["Roles"]:
            return allowed_actions({"Resources": {"Only": resource}}, role_id)
    return set()


def _first_statement_only(template: dict, role_id: str) -> set[str]:
    trimmed = json.loads(json.dumps(template))
    for resource in trimmed["Resources"].values():
        if resource["Type"] == "AWS::IAM::Policy":
            document = resource["Properties"]["PolicyDocument"]
            document["Statement"] = document["Statement"][:1]
    return allowed_actions(trimmed, role_id)


def _error_findings(template: dict) -> list[Any]:
    return [finding for finding in lint_template(template) if finding.severity == "error"]


REFERENCE: dict[str, Any] = {name: function for name, function in GOOD.values()}

MUTANTS = [
    # 09.1: each safety property, on one bucket, with KMS allowed, raised as AssertionError
    Wrong("09.1", "no cdk_assertion", {"assert_bucket_is_safe": bucket_without_cdk_assertion}),
    Wrong(
        "09.1",
        "returns True",
        {"assert_bucket_is_safe": lambda t: assert_bucket_is_safe(t) or True},
    ),
    Wrong("09.1", "accepts every template", {"assert_bucket_is_safe": lambda t: None}),
    Wrong(
        "09.1",
        "encryption not checked",
        {"assert_bucket_is_safe": lambda t: assert_bucket_is_safe(t, encrypted=False)},
    ),
    Wrong(
        "09.1",
        "three public-access flags",
        {
            "assert_bucket_is_safe": lambda t: assert_bucket_is_safe(
                t, flags=tuple(PUBLIC_ACCESS)[:3]
            )
        },
    ),
    Wrong(
        "09.1", "any versioning status", {"assert_bucket_is_safe": _bucket_any_versioning_status}
    ),
    Wrong("09.1", "AES256 only", {"assert_bucket_is_safe": bucket_aes256_only}),
    Wrong(
        "09.1",
        "plain dict inside array_with",
        {"assert_bucket_is_safe": _bucket_array_with_plain_dict},
    ),
    Wrong("09.1", "any BucketEncryption", {"assert_bucket_is_safe": _bucket_any_encryption}),
    Wrong(
        "09.1",
        "property by property",
        {"assert_bucket_is_safe": _bucket_checked_property_by_property},
    ),
    # 09.2: the project, the build command, the report group
    Wrong(
        "09.2",
        "any project",
        {"assert_runs_layer": lambda t, p, la: assert_runs_layer(t, p, la, check_name=False)},
    ),
    Wrong("09.2", "accepts every template", {"assert_runs_layer": lambda t, p, la: None}),
    Wrong(
        "09.2",
        "report format not checked",
        {"assert_runs_layer": lambda t, p, la: assert_runs_layer(t, p, la, check_format=False)},
    ),
    Wrong("09.2", "pytest in any phase", {"assert_runs_layer": runs_layer_anywhere}),
    Wrong(
        "09.2",
        "folder name not bounded",
        {
            "assert_runs_layer": lambda t, p, la: _runs_layer_pattern(
                t, p, la, f"^pytest tests/{la}"
            )
        },
    ),
    Wrong(
        "09.2",
        "regular expression not anchored",
        {
            "assert_runs_layer": lambda t, p, la: _runs_layer_pattern(
                t, p, la, f"pytest tests/{la}( |$)"
            )
        },
    ),
    Wrong(
        "09.2", "plain dicts inside serialized_json", {"assert_runs_layer": _runs_layer_plain_dicts}
    ),
    Wrong("09.2", "report group of any name", {"assert_runs_layer": _runs_layer_any_report_name}),
    # 09.3: the id read from the template, at the right place
    Wrong(
        "09.3",
        "id written into the function",
        {"pipeline_role_id": lambda t: "PipelineRoleDCFDBB91"},
    ),
    Wrong(
        "09.3", "role codepipeline may assume", {"pipeline_role_id": role_assumed_by_codepipeline}
    ),
    Wrong(
        "09.3",
        "whole GetAtt returned",
        {"pipeline_role_id": lambda t: {"Fn::GetAtt": [pipeline_role_id(t), "Arn"]}},
    ),
    Wrong(
        "09.3",
        "capture returned, not its value",
        {
            "pipeline_role_id": lambda t: _captures(
                t, lambda c: {"RoleArn": {"Fn::GetAtt": [c, "Arn"]}}
            )
        },
    ),
    Wrong("09.3", "second element captured", {"pipeline_role_id": _second_element}),
    Wrong("09.3", "a build project's role", {"pipeline_role_id": _project_role}),
    # 09.4: every policy of the role, each statement, Allow only, a set
    Wrong(
        "09.4",
        "deny counted as allow",
        {"allowed_actions": lambda t, r: allowed_actions(t, r, deny=True)},
    ),
    Wrong("09.4", "every Action taken as a list", {"allowed_actions": actions_lists_only}),
    Wrong(
        "09.4",
        "first role of a policy only",
        {"allowed_actions": lambda t, r: allowed_actions(t, r, first_role_only=True)},
    ),
    Wrong(
        "09.4", "a list, not a set", {"allowed_actions": lambda t, r: sorted(allowed_actions(t, r))}
    ),
    Wrong(
        "09.4",
        "None when no policy",
        {"allowed_actions": lambda t, r: allowed_actions(t, r) or None},
    ),
    Wrong("09.4", "first policy only", {"allowed_actions": _first_policy_only}),
    Wrong("09.4", "first statement only", {"allowed_actions": _first_statement_only}),
    # 09.5: errors only, codes, sorted, every one
    Wrong("09.5", "warnings kept", {"lint_errors": lambda t: lint_errors(t, errors_only=False)}),
    Wrong("09.5", "a constant answer", {"lint_errors": lambda t: ["E3030"]}),
    Wrong("09.5", "a tuple", {"lint_errors": lambda t: tuple(lint_errors(t))}),
    Wrong("09.5", "not sorted", {"lint_errors": lambda t: lint_errors(t, ordered=False)}),
    Wrong("09.5", "sorted in reverse", {"lint_errors": lambda t: lint_errors(t)[::-1]}),
    Wrong("09.5", "first error only", {"lint_errors": lambda t: lint_errors(t)[:1]}),
    Wrong("09.5", "findings, not codes", {"lint_errors": _error_findings}),
]

_BY_MISTAKE = {wrong.mistake: wrong for wrong in MUTANTS}

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("09", REFERENCE, MUTANTS)
