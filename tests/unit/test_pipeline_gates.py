"""``mlcicd.pipeline.gates``: the course's warnings about how a pipeline reaches production.

Each row is a pipeline written as stages of short action specs, and the exact
PL030/PL032 findings it must give. The rows were written from the issue's
cases: "pre-prod" is not production, a test stage and an approval before
production are enough, a change set or a deletion deploys nothing, and an
approval at a lower runOrder of the same stage gates the deployment.
"""

from __future__ import annotations

import pytest

from mlcicd.pipeline.gates import deploys, words
from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage
from mlcicd.pipeline.validate import validate

ROLE = "arn:aws:iam::123456789012:role/pipeline"
CATEGORIES = {
    "src": ("Source", "S3"),
    "build": ("Build", "CodeBuild"),
    "test": ("Test", "CodeBuild"),
    "approve": ("Approval", "Manual"),
    "deploy": ("Deploy", "CodeDeploy"),
    "cfn": ("Deploy", "CloudFormation"),
}


def step(spec: str) -> Action:
    """An action from ``kind:Name[@runOrder][:ActionMode]``, e.g. ``cfn:Delete@3:DELETE_ONLY``."""
    kind, name, *mode = spec.split(":")
    name, _, order = name.partition("@")
    category, provider = CATEGORIES[kind]
    configuration = {}
    if kind == "cfn":
        configuration = {"ActionMode": mode[0], "StackName": name.lower()}
    return Action(
        name=name,
        action_type_id=ActionTypeId(category, "AWS", provider),
        run_order=int(order or 1),
        configuration=configuration,
    )


def pipeline(*stages: str) -> Pipeline:
    """Stages as ``"StageName=spec,spec"``."""
    built = []
    for stage in stages:
        name, _, specs = stage.partition("=")
        built.append(Stage(name, tuple(step(spec) for spec in specs.split(","))))
    return Pipeline("p", ROLE, tuple(built))


def gate_findings(subject: Pipeline) -> list[tuple[str, str]]:
    # Artifacts and configuration are left out of these pipelines on purpose:
    # only the gates' findings are compared.
    return [(f.code, f.location) for f in validate(subject) if f.code in ("PL030", "PL032")]


SOURCE = "Source=src:Code"
BUILD = "Build=build:Package"

ROWS = [
    (
        "pre-prod is staging, not production",
        pipeline(
            SOURCE, BUILD, "Tests=test:Unit", "PreProd=deploy:DeployPreProd", "Prod=deploy:Live"
        ),
        [],
    ),
    (
        "tests and an approval before production are enough",
        pipeline(SOURCE, BUILD, "Test=test:Unit", "Approve=approve:Review", "Prod=deploy:Release"),
        [],
    ),
    (
        "tests alone before production are not",
        pipeline(SOURCE, BUILD, "Test=test:Unit", "Prod=deploy:Release"),
        [("PL032", "stages[3].actions[0]")],
    ),
    (
        "an approval alone before production is not",
        pipeline(SOURCE, BUILD, "Approve=approve:Review", "Production=deploy:Release"),
        [("PL032", "stages[3].actions[0]")],
    ),
    (
        "production first",
        pipeline(SOURCE, BUILD, "Prod=deploy:Release"),
        [("PL030", "stages[2].actions[0]"), ("PL032", "stages[2].actions[0]")],
    ),
    (
        "an approval at a lower runOrder gates the deployment of the same stage",
        pipeline(SOURCE, BUILD, "Staging=approve:Review,deploy:Deploy@2"),
        [],
    ),
    (
        "an approval at the same runOrder does not",
        pipeline(SOURCE, BUILD, "Staging=approve:Review,deploy:Deploy"),
        [("PL030", "stages[2].actions[1]")],
    ),
    (
        "a deletion and a change set deploy nothing; executing the change set does",
        pipeline(
            SOURCE,
            BUILD,
            "Cleanup=cfn:OldStack:DELETE_ONLY,cfn:Preview@2:CHANGE_SET_REPLACE,"
            "cfn:Apply@3:CHANGE_SET_EXECUTE",
        ),
        [("PL030", "stages[2].actions[2]")],
    ),
    (
        "the CloudFormation walkthrough: test stack, approval, deletion, then production",
        pipeline(
            SOURCE,
            "TestStage=cfn:CreateStack:REPLACE_ON_FAILURE,approve:ApproveTestStack@2,"
            "cfn:DeleteTestStack@3:DELETE_ONLY",
            "ProdStage=cfn:CreateChangeSet:CHANGE_SET_REPLACE,approve:ApproveChangeSet@2,"
            "cfn:ExecuteChangeSet@3:CHANGE_SET_EXECUTE",
        ),
        [("PL030", "stages[1].actions[0]")],
    ),
]


@pytest.mark.parametrize(("subject", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_gates(subject: Pipeline, expected: list[tuple[str, str]]) -> None:
    assert gate_findings(subject) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DeployPreProd", ["deploy", "preprod"]),
        ("pre-prod", ["preprod"]),
        ("PRE_PROD", ["preprod"]),
        ("non-prod-stack", ["nonprod", "stack"]),
        ("model-prod", ["model", "prod"]),
        ("ProdStage", ["prod", "stage"]),
        ("Deploy-to-CI", ["deploy", "to", "ci"]),
        ("reproduce", ["reproduce"]),
        ("${Ref:ProdStackName}", ["ref", "prod", "stack", "name"]),
    ],
)
def test_words_split_names_the_way_people_write_them(name: str, expected: list[str]) -> None:
    assert words(name) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("deploy:Deploy", True),
        ("cfn:Stack:CREATE_UPDATE", True),
        ("cfn:Stack:REPLACE_ON_FAILURE", True),
        ("cfn:Stack:CHANGE_SET_EXECUTE", True),
        ("cfn:Stack:CHANGE_SET_REPLACE", False),
        ("cfn:Stack:DELETE_ONLY", False),
        ("test:Unit", False),
    ],
)
def test_what_counts_as_a_deployment(spec: str, expected: bool) -> None:
    assert deploys(step(spec)) is expected
