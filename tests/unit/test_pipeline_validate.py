"""``mlcicd.pipeline.validate``: one broken declaration per row, each with its exact findings.

Every row starts from the same valid ML pipeline (:func:`valid`), changes one
thing, and names the findings that change must produce: rule code and JSON path.
A row that expects one finding fails when the validator reports nothing, the
wrong place, or something extra.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mlcicd.buildspec.model import Buildspec, ReportGroup
from mlcicd.lint import Severity
from mlcicd.pipeline.model import from_dict
from mlcicd.pipeline.validate import RULES, Finding, validate, validate_file

DELETE = object()


def action(
    name: str,
    category: str,
    provider: str,
    configuration: Mapping[str, str],
    inputs: tuple[str, ...] = (),
    outputs: tuple[str, ...] = (),
    run_order: int = 1,
) -> dict[str, Any]:
    """One action declaration, as the API writes it."""
    return {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": "AWS",
            "provider": provider,
            "version": "1",
        },
        "runOrder": run_order,
        "configuration": dict(configuration),
        "inputArtifacts": [{"name": artifact} for artifact in inputs],
        "outputArtifacts": [{"name": artifact} for artifact in outputs],
    }


def deploy(name: str, stack: str) -> dict[str, Any]:
    configuration = {
        "ActionMode": "CREATE_UPDATE",
        "StackName": stack,
        "TemplatePath": "ModelOutput::template.yml",
    }
    return action(name, "Deploy", "CloudFormation", configuration, inputs=("ModelOutput",))


def valid() -> dict[str, Any]:
    """Source -> Build -> Test -> DeployStaging -> Approve -> DeployProd: no findings."""
    source = {"S3Bucket": "ml-source", "S3ObjectKey": "source.zip"}
    stages = [
        ("Source", [action("Source", "Source", "S3", source, outputs=("SourceOutput",))]),
        (
            "Build",
            [
                action(
                    "Train",
                    "Build",
                    "CodeBuild",
                    {"ProjectName": "train"},
                    inputs=("SourceOutput",),
                    outputs=("ModelOutput",),
                )
            ],
        ),
        (
            "Test",
            [
                action(
                    "UnitTests", "Test", "CodeBuild", {"ProjectName": "unit"}, ("SourceOutput",)
                ),
                action("Evaluate", "Test", "CodeBuild", {"ProjectName": "eval"}, ("ModelOutput",)),
            ],
        ),
        ("DeployStaging", [deploy("DeployStaging", "model-staging")]),
        ("Approve", [action("Approve", "Approval", "Manual", {})]),
        ("DeployProd", [deploy("DeployProd", "model-prod")]),
    ]
    return {
        "name": "ml-pipeline",
        "roleArn": "arn:aws:iam::123456789012:role/pipeline",
        "artifactStore": {"type": "S3", "location": "ml-artifacts"},
        "stages": [{"name": name, "actions": actions} for name, actions in stages],
    }


def edited(*edits: tuple[tuple[Any, ...], Any]) -> dict[str, Any]:
    """The valid declaration with each (path, value) set, or deleted for DELETE.

    A list index one past the end appends.
    """
    decl = valid()
    for path, value in edits:
        *parents, last = path
        target: Any = decl
        for part in parents:
            target = target[part]
        if value is DELETE:
            del target[last]
        elif isinstance(target, list) and last == len(target):
            target.append(value)
        else:
            target[last] = value
    return decl


REPORTS = Buildspec(reports={"pytest": ReportGroup(files=("report.xml",))})
PROJECTS = {"train": Buildspec(), "unit": REPORTS, "eval": REPORTS, "bare": Buildspec()}

#: A source action through a connection, named like the S3 source it replaces.
CONNECTION = action(
    "Source",
    "Source",
    "CodeStarSourceConnection",
    {
        "ConnectionArn": "arn:aws:codeconnections:us-east-1:123456789012:connection/abc",
        "FullRepositoryId": "example/ml",
        "BranchName": "main",
    },
    outputs=("SourceOutput",),
)
TRIGGER = {
    "providerType": "CodeStarSourceConnection",
    "gitConfiguration": {"sourceActionName": "Source", "push": [{"tags": {"includes": ["v*"]}}]},
}

TRAIN = ("stages", 1, "actions", 0)
UNIT = ("stages", 2, "actions", 0)
EVALUATE = ("stages", 2, "actions", 1)
STAGING = ("stages", 3, "actions", 0)
APPROVE = ("stages", 4, "actions", 0)
GATES = [
    {"name": f"Gate{i}", "actions": [action(f"Gate{i}", "Approval", "Manual", {})]}
    for i in range(45)
]


def _inputs(*names: str) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


# (id, the broken declaration, the exact (code, location) findings)
BROKEN: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("unknown top-level member", edited((("stagse",), [])), [("PL002", "stagse")]),
    (
        "unknown action member (runOrder misspelt)",
        edited(((*TRAIN, "runorder"), 2)),
        [("PL002", "stages[1].actions[0].runorder")],
    ),
    (
        "runOrder as a string",
        edited(((*TRAIN, "runOrder"), "2")),
        [("PL003", "stages[1].actions[0].runOrder")],
    ),
    (
        "configuration value not a string",
        edited(((*STAGING, "configuration", "StackName"), True)),
        [("PL003", "stages[3].actions[0].configuration.StackName")],
    ),
    ("stages not a list", edited((("stages",), {})), [("PL003", "stages"), ("PL010", "stages")]),
    ("roleArn missing", edited((("roleArn",), DELETE)), [("PL004", "roleArn")]),
    (
        "provider missing",
        edited(((*UNIT, "actionTypeId", "provider"), DELETE)),
        [("PL004", "stages[2].actions[0].actionTypeId.provider")],
    ),
    (
        "stage name over 100 characters",
        edited((("stages", 1, "name"), "B" * 101)),
        [("PL005", "stages[1].name")],
    ),
    ("runOrder 0", edited(((*TRAIN, "runOrder"), 0)), [("PL006", "stages[1].actions[0].runOrder")]),
    (
        "runOrder 1000",
        edited(((*TRAIN, "runOrder"), 1000)),
        [("PL006", "stages[1].actions[0].runOrder")],
    ),
    (
        "category misspelt",
        edited(((*TRAIN, "actionTypeId", "category"), "Bild")),
        [("PL007", "stages[1].actions[0].actionTypeId.category")],
    ),
    (
        "owner in lower case",
        edited(((*TRAIN, "actionTypeId", "owner"), "aws")),
        [("PL007", "stages[1].actions[0].actionTypeId.owner")],
    ),
    ("pipelineType V3", edited((("pipelineType",), "V3")), [("PL007", "pipelineType")]),
    (
        "executionMode in lower case",
        edited((("executionMode",), "queued")),
        [("PL007", "executionMode")],
    ),
    (
        "action name with a space",
        edited(((*TRAIN, "name"), "Train model")),
        [("PL008", "stages[1].actions[0].name")],
    ),
    ("roleArn not an ARN", edited((("roleArn",), "pipeline-role")), [("PL008", "roleArn")]),
    (
        "one stage only (and so only sources)",
        edited((("stages",), valid()["stages"][:1])),
        [("PL010", "stages"), ("PL014", "stages")],
    ),
    ("51 stages", edited((("stages",), valid()["stages"] + GATES)), [("PL011", "stages[50]")]),
    (
        "a build action in the source stage",
        edited(
            (
                ("stages", 0, "actions", 1),
                action(
                    "Lint",
                    "Build",
                    "CodeBuild",
                    {"ProjectName": "lint"},
                    ("SourceOutput",),
                    run_order=2,
                ),
            )
        ),
        [("PL012", "stages[0].actions[1].actionTypeId.category")],
    ),
    (
        "a stage before the source stage",
        edited(
            (
                ("stages",),
                [
                    {"name": "Gate", "actions": [copy.deepcopy(GATES[0]["actions"][0])]},
                    *valid()["stages"],
                ],
            )
        ),
        [
            ("PL012", "stages[0]"),
            ("PL012", "stages[0].actions[0].actionTypeId.category"),
            ("PL013", "stages[1].actions[0].actionTypeId.category"),
        ],
    ),
    (
        "a source action in the build stage",
        edited(
            (
                ("stages", 1, "actions", 1),
                action(
                    "Data",
                    "Source",
                    "S3",
                    {"S3Bucket": "d", "S3ObjectKey": "d.zip"},
                    outputs=("Data",),
                ),
            )
        ),
        [("PL013", "stages[1].actions[1].actionTypeId.category")],
    ),
    (
        "two stages named DeployStaging",
        edited((("stages", 5, "name"), "DeployStaging")),
        [("PL015", "stages[5].name")],
    ),
    (
        "two actions named UnitTests",
        edited(((*EVALUATE, "name"), "UnitTests")),
        [("PL016", "stages[2].actions[1].name")],
    ),
    (
        "input artifact misspelt",
        edited(((*TRAIN, "inputArtifacts"), _inputs("SourceOuput"))),
        [("PL017", "stages[1].actions[0].inputArtifacts[0].name")],
    ),
    (
        "input made in a later stage",
        edited(
            ((*UNIT, "outputArtifacts"), _inputs("TestReport")),
            ((*TRAIN, "inputArtifacts"), _inputs("SourceOutput", "TestReport")),
        ),
        [("PL018", "stages[1].actions[0].inputArtifacts[1].name")],
    ),
    (
        "input made by an action of the same runOrder",
        edited(
            ((*UNIT, "outputArtifacts"), _inputs("TestReport")),
            ((*EVALUATE, "inputArtifacts"), _inputs("ModelOutput", "TestReport")),
        ),
        [("PL018", "stages[2].actions[1].inputArtifacts[1].name")],
    ),
    (
        "artifact cycle: Train reads what is made from its own model",
        edited(
            ((*EVALUATE, "outputArtifacts"), _inputs("Metrics")),
            ((*TRAIN, "inputArtifacts"), _inputs("SourceOutput", "Metrics")),
        ),
        [("PL018", "stages[1].actions[0].inputArtifacts[1].name")],
    ),
    (
        "output artifact name used twice",
        edited(((*UNIT, "outputArtifacts"), _inputs("ModelOutput"))),
        [("PL019", "stages[2].actions[0].outputArtifacts[0].name")],
    ),
    (
        "manual approval with an input artifact",
        edited(((*APPROVE, "inputArtifacts"), _inputs("ModelOutput"))),
        [("PL020", "stages[4].actions[0].inputArtifacts")],
    ),
    (
        "CodeBuild test with no input",
        edited(((*UNIT, "inputArtifacts"), [])),
        [("PL020", "stages[2].actions[0].inputArtifacts")],
    ),
    (
        "CodeBuild without ProjectName",
        edited(((*TRAIN, "configuration", "ProjectName"), DELETE)),
        [("PL021", "stages[1].actions[0].configuration.ProjectName")],
    ),
    (
        "CREATE_UPDATE without TemplatePath",
        edited(((*STAGING, "configuration", "TemplatePath"), DELETE)),
        [("PL021", "stages[3].actions[0].configuration.TemplatePath")],
    ),
    (
        "configuration key misspelt",
        edited(((*TRAIN, "configuration", "BatchEnable"), "true")),
        [("PL022", "stages[1].actions[0].configuration.BatchEnable")],
    ),
    (
        "deploy with no test stage or approval before it",
        edited((("stages",), [valid()["stages"][i] for i in (0, 1, 3, 4, 5)])),
        [("PL030", "stages[2].actions[0]")],
    ),
    (
        "test project whose buildspec has no reports",
        edited(((*UNIT, "configuration", "ProjectName"), "bare")),
        [("PL031", "stages[2].actions[0].configuration.ProjectName")],
    ),
    (
        "production deploy with tests but neither staging nor approval before it",
        edited(
            (("stages",), [valid()["stages"][i] for i in (0, 1, 2, 3, 5)]),
            (("stages", 3, "name"), "DeployShared"),
            ((*STAGING, "name"), "DeployShared"),
            ((*STAGING, "configuration", "StackName"), "model-shared"),
        ),
        [("PL032", "stages[4].actions[0]")],
    ),
    (
        "a stage with no actions",
        edited((("stages", 4, "actions"), [])),
        [("PL023", "stages[4].actions")],
    ),
    (
        "artifactStore and artifactStores together",
        edited((("artifactStores",), {"us-east-1": {"type": "S3", "location": "ml-east"}})),
        [("PL024", "artifactStores")],
    ),
    (
        "an action in a region without an artifact store",
        edited(
            (("artifactStore",), DELETE),
            (("artifactStores",), {"us-east-1": {"type": "S3", "location": "ml-east"}}),
            ((*STAGING, "region"), "eu-west-1"),
        ),
        [("PL025", "stages[3].actions[0].region")],
    ),
    (
        "triggers on a V1 pipeline",
        edited(
            (("pipelineType",), "V1"),
            (("triggers",), [TRIGGER]),
            (("stages", 0, "actions", 0), CONNECTION),
        ),
        [("PL026", "triggers")],
    ),
    (
        "a trigger on an S3 source",
        edited((("pipelineType",), "V2"), (("triggers",), [TRIGGER])),
        [("PL027", "triggers[0].gitConfiguration.sourceActionName")],
    ),
    (
        "TemplatePath reads an artifact the action does not take",
        edited(((*STAGING, "configuration", "TemplatePath"), "SourceOutput::template.yml")),
        [("PL028", "stages[3].actions[0].configuration.TemplatePath")],
    ),
]

NOT_MAPPINGS = [None, [], "pipeline", 3, [{"name": "x"}]]


def _found(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(finding.code, finding.location) for finding in findings]


def test_the_valid_pipeline_has_no_findings() -> None:
    assert validate(valid(), PROJECTS) == []


@pytest.mark.parametrize(
    "data",
    [{"pipeline": valid()}, from_dict(valid())],
    ids=["wrapped as get-pipeline output", "a Pipeline model"],
)
def test_every_form_of_the_valid_pipeline_is_valid(data: Any) -> None:
    assert validate(data, PROJECTS) == []


@pytest.mark.parametrize(
    ("decl", "expected"), [row[1:] for row in BROKEN], ids=[r[0] for r in BROKEN]
)
def test_broken_declaration(decl: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _found(validate(decl, PROJECTS)) == expected


@pytest.mark.parametrize("data", NOT_MAPPINGS)
def test_not_a_mapping_is_one_finding(data: Any) -> None:
    assert _found(validate(data)) == [("PL001", "$")]


def test_every_rule_is_triggered_by_a_row() -> None:
    # PL040 lints a template's buildspecs: test_pipeline_inline and the real files.
    triggered = {code for _, _, found in BROKEN for code, _ in found} | {"PL001", "PL040"}
    assert {rule.id for rule in RULES} - triggered == set()


def test_every_rule_cites_the_aws_documentation() -> None:
    # The course's own gates cite the AWS page their advice follows as well.
    assert [
        rule.id for rule in RULES if not rule.url.startswith("https://docs.aws.amazon.com/")
    ] == []


def test_the_trigger_on_a_connection_source_is_valid() -> None:
    decl = edited(
        (("pipelineType",), "V2"),
        (("triggers",), [TRIGGER]),
        (("stages", 0, "actions", 0), CONNECTION),
    )
    assert validate(decl, PROJECTS) == []


def test_rule_codes_are_unique_and_in_order() -> None:
    codes = [rule.id for rule in RULES]
    assert codes == sorted(set(codes))


@pytest.mark.parametrize(
    ("decl", "words"),
    [
        (edited(((*TRAIN, "runorder"), 2)), "did you mean 'runOrder'?"),
        (edited(((*TRAIN, "inputArtifacts"), _inputs("SourceOuput"))), "'SourceOutput'"),
        (edited(((*TRAIN, "configuration", "BatchEnable"), "true")), "'BatchEnabled'"),
        (edited(((*TRAIN, "actionTypeId", "category"), "Bild")), "'Build'"),
        (edited(((*STAGING, "configuration", "StackName"), True)), 'quote it: "true"'),
        (edited(((*UNIT, "inputArtifacts"), [])), "declare 1 to 5 input"),
    ],
)
def test_fixes_say_how_to_fix(decl: dict[str, Any], words: str) -> None:
    (finding,) = validate(decl, PROJECTS)
    assert words in finding.fix


def test_minimum_stages_uses_the_service_wording() -> None:
    findings = validate(edited((("stages",), valid()["stages"][:1])))
    assert findings[0].message == "There should be a minimum of 2 stages in a pipeline"


def test_a_cycle_is_named_as_such() -> None:
    cycle = next(row[1] for row in BROKEN if row[0].startswith("artifact cycle"))
    (finding,) = validate(cycle, PROJECTS)
    assert "cycle" in finding.message


def test_running_an_action_later_fixes_a_same_stage_input() -> None:
    decl = edited(
        ((*UNIT, "outputArtifacts"), _inputs("TestReport")),
        ((*EVALUATE, "inputArtifacts"), _inputs("ModelOutput", "TestReport")),
        ((*EVALUATE, "runOrder"), 2),
    )
    assert validate(decl, PROJECTS) == []


def test_without_projects_the_reports_rule_is_quiet() -> None:
    assert validate(edited(((*UNIT, "configuration", "ProjectName"), "bare"))) == []


def test_a_finding_of_data_is_placed_at_its_json_path_only() -> None:
    # One stage of source actions only: PL010 and PL014, both at "stages".
    finding, *_ = validate(edited((("stages",), valid()["stages"][:1])))
    assert (finding.path, finding.line, finding.location) == ("", None, "stages")
    assert finding.severity is Severity.ERROR
    assert finding.format() == (
        "stages: PL010 There should be a minimum of 2 stages in a pipeline "
        "(add a stage after the source stage, e.g. Build)"
    )


def test_a_finding_of_a_file_names_the_file_first(tmp_path: Path) -> None:
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"pipeline": edited((("stages",), valid()["stages"][:1]))}))
    finding, *others = validate_file(path)
    assert finding.format().startswith(f"{path}: stages: PL010 There should be")
    assert [other.path for other in others] == [str(path)] * len(others)
    assert finding.to_dict() == {
        "code": "PL010",
        "severity": "error",
        "message": "There should be a minimum of 2 stages in a pipeline",
        "fix": "add a stage after the source stage, e.g. Build",
        "path": str(path),
        "location": "stages",
    }


@pytest.mark.parametrize("decl", [valid(), *(row[1] for row in BROKEN[:10])])
def test_the_input_is_not_mutated(decl: dict[str, Any]) -> None:
    before = copy.deepcopy(decl)
    validate(decl, PROJECTS)
    assert decl == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
PATHS = [
    ("name",),
    ("stages",),
    ("stages", 0),
    ("stages", 1, "actions"),
    (*TRAIN,),
    (*TRAIN, "actionTypeId"),
    (*TRAIN, "configuration"),
    (*TRAIN, "inputArtifacts"),
    (*TRAIN, "inputArtifacts", 0),
    (*TRAIN, "runOrder"),
    (*UNIT, "outputArtifacts"),
    ("artifactStore",),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_never_raises_on_any_json(data: Any) -> None:
    assert all(isinstance(finding, Finding) for finding in validate(data))
    assert all(isinstance(finding, Finding) for finding in validate({"stages": data}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), JSON)
# Found by this test: "¹" is a digit to str.isdigit() but not to int().
@example(path=("stages", 1, "actions", 0, "configuration"), garbage={"0¹": None})
def test_never_raises_on_a_valid_pipeline_with_garbage_inside(
    path: tuple[Any, ...], garbage: Any
) -> None:
    decl = edited((path, garbage))
    findings = validate(decl, PROJECTS)
    assert all(isinstance(finding, Finding) for finding in findings)
