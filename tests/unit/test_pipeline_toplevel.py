"""Artifact stores, triggers, empty stages and template paths: the edge cases of each rule.

``test_pipeline_validate`` has one broken row per rule; these rows pin down
what each rule must leave alone (placeholders from templates, the region
``get-pipeline`` writes on every action, a mistyped list the shape walk
already reports) and the wording of its fixes.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlcicd.pipeline.validate import Finding, validate

ROLE = "arn:aws:iam::123456789012:role/pipeline"
CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/abc"
STORE = {"type": "S3", "location": "artifacts-bucket"}


def act(name: str, category: str, provider: str, config: dict, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "actionTypeId": {
            "category": category,
            "owner": "AWS",
            "provider": provider,
            "version": "1",
        },
        "configuration": config,
        **extra,
    }


def base() -> dict[str, Any]:
    """A connection source, a CodeCommit source and a CloudFormation deploy behind an approval."""
    github = act(
        "App",
        "Source",
        "CodeStarSourceConnection",
        {"ConnectionArn": CONNECTION, "FullRepositoryId": "org/app", "BranchName": "main"},
        outputArtifacts=[{"name": "AppSource"}],
    )
    codecommit = act(
        "Infra",
        "Source",
        "CodeCommit",
        {"RepositoryName": "infra", "BranchName": "main"},
        outputArtifacts=[{"name": "InfraSource"}],
    )
    deploy = act(
        "Deploy",
        "Deploy",
        "CloudFormation",
        {
            "ActionMode": "CREATE_UPDATE",
            "StackName": "app-staging",
            "TemplatePath": "InfraSource::stack.yaml",
            "TemplateConfiguration": "InfraSource::staging.json",
        },
        inputArtifacts=[{"name": "InfraSource"}, {"name": "AppSource"}],
        runOrder=2,
    )
    approve = act("Approve", "Approval", "Manual", {}, runOrder=1)
    return {
        "name": "app",
        "roleArn": ROLE,
        "pipelineType": "V2",
        "artifactStore": copy.deepcopy(STORE),
        "stages": [
            {"name": "Source", "actions": [github, codecommit]},
            {"name": "Deploy", "actions": [approve, deploy]},
        ],
    }


def with_changes(changes: dict[str, Any], *, actions: dict[str, dict] | None = None) -> dict:
    decl = base()
    decl.update(copy.deepcopy(changes))
    for stage in decl["stages"]:
        for action in stage["actions"]:
            action.update(copy.deepcopy((actions or {}).get(action["name"], {})))
    return {key: value for key, value in decl.items() if value is not None}


def trigger(source: str) -> dict[str, Any]:
    return {
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": source},
    }


def found(decl: dict) -> list[tuple[str, str]]:
    return [(f.code, f.location) for f in validate(decl, template=True)]


def test_the_base_declaration_is_valid() -> None:
    assert found(base()) == []


#: The deploy action's configuration, for rows that change one key of it.
CFG = base()["stages"][1]["actions"][1]["configuration"]
EAST = {"us-east-1": STORE, "us-west-2": {"type": "S3", "location": "artifacts-west"}}

ROWS = [
    # Regions
    (
        "get-pipeline writes the pipeline's region on every action: one store is right",
        with_changes(
            {}, actions={"App": {"region": "us-east-1"}, "Deploy": {"region": "us-east-1"}}
        ),
        [],
    ),
    (
        "a second region with artifactStore only",
        with_changes(
            {}, actions={"App": {"region": "us-east-1"}, "Deploy": {"region": "eu-west-1"}}
        ),
        [("PL025", "stages[1].actions[1].region")],
    ),
    (
        "every region with a store",
        with_changes(
            {"artifactStore": None, "artifactStores": EAST},
            actions={"Deploy": {"region": "us-west-2"}},
        ),
        [],
    ),
    (
        "a region that is a template placeholder is not judged",
        with_changes(
            {"artifactStore": None, "artifactStores": EAST},
            actions={"Deploy": {"region": "${FindInMap:Regions.us-west-2.Second}"}},
        ),
        [],
    ),
    (
        "stores keyed by placeholders are not judged",
        with_changes(
            {"artifactStore": None, "artifactStores": {"${Ref:AWS::Region}": STORE}},
            actions={"Deploy": {"region": "eu-west-1"}},
        ),
        [],
    ),
    # Triggers
    (
        "a trigger on the connection source",
        with_changes({"triggers": [trigger("App")]}),
        [],
    ),
    (
        "triggers with no pipelineType are not judged V1",
        with_changes({"pipelineType": None, "triggers": [trigger("App")]}),
        [],
    ),
    (
        "a trigger naming no source action",
        with_changes({"triggers": [trigger("Ap")]}),
        [("PL027", "triggers[0].gitConfiguration.sourceActionName")],
    ),
    (
        "two triggers on one source action",
        with_changes({"triggers": [trigger("App"), trigger("App")]}),
        [("PL027", "triggers[1].gitConfiguration.sourceActionName")],
    ),
    (
        "a trigger on the CodeCommit source, on a V1 pipeline",
        with_changes({"pipelineType": "V1", "triggers": [trigger("Infra")]}),
        [("PL026", "triggers"), ("PL027", "triggers[0].gitConfiguration.sourceActionName")],
    ),
    # Stages
    (
        "actions mistyped: the walk's PL003, not also PL023",
        with_changes({"stages": [base()["stages"][0], {"name": "Deploy", "actions": {}}]}),
        [("PL014", "stages"), ("PL003", "stages[1].actions")],
    ),
    # Template paths
    (
        "TemplatePath without '::'",
        with_changes(
            {}, actions={"Deploy": {"configuration": {**CFG, "TemplatePath": "stack.yaml"}}}
        )
        if (_cfg := base()["stages"][1]["actions"][1]["configuration"])
        else {},
        [("PL028", "stages[1].actions[1].configuration.TemplatePath")],
    ),
    (
        "TemplateConfiguration from an artifact the action does not take",
        with_changes(
            {},
            actions={
                "Deploy": {"configuration": {**CFG, "TemplateConfiguration": "Config::prod.json"}}
            },
        ),
        [("PL028", "stages[1].actions[1].configuration.TemplateConfiguration")],
    ),
    (
        "a TemplatePath placeholder is not judged",
        with_changes(
            {},
            actions={
                "Deploy": {"configuration": {**CFG, "TemplatePath": "${Ref:Artifact}::t.yaml"}}
            },
        ),
        [],
    ),
]


@pytest.mark.parametrize(("decl", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_rule_edges(decl: dict, expected: list[tuple[str, str]]) -> None:
    assert found(decl) == expected


def _only(decl: dict, code: str) -> Finding:
    (finding,) = [f for f in validate(decl, template=True) if f.code == code]
    return finding


@pytest.mark.parametrize(
    ("decl", "code", "words"),
    [
        (with_changes({"triggers": [trigger("Ap")]}), "PL027", "did you mean 'App'?"),
        (with_changes({"triggers": [trigger("Infra")]}), "PL027", "EventBridge"),
        (with_changes({"artifactStores": EAST}), "PL024", "keep artifactStores"),
        (
            with_changes(
                {"artifactStore": None, "artifactStores": EAST},
                actions={"Deploy": {"region": "eu-west-1"}},
            ),
            "PL025",
            "add an artifact store for eu-west-1",
        ),
        (
            with_changes(
                {},
                actions={"Deploy": {"configuration": {**CFG, "TemplatePath": "AppSrc::t.yaml"}}},
            ),
            "PL028",
            "did you mean 'AppSource'?",
        ),
    ],
)
def test_fixes_say_how_to_fix(decl: dict, code: str, words: str) -> None:
    assert words in _only(decl, code).fix
