"""A model of the AWS CodePipeline declaration, in the API's own shape.

The fields and their names follow the ``PipelineDeclaration`` of the
CodePipeline API (``get-pipeline`` output, ``create-pipeline
--cli-input-json`` input), in snake case: ``roleArn`` is ``role_arn``,
``actionTypeId`` is ``action_type_id``, ``runOrder`` is ``run_order``.
:func:`from_dict` reads that JSON (bare, or wrapped in ``{"pipeline": ...}``)
leniently, so that a broken declaration still becomes a model the validator
can report on; :func:`to_dict` writes the API's JSON back.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlcicd.exceptions import PipelineError

CATEGORIES: tuple[str, ...] = ("Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
OWNERS: tuple[str, ...] = ("AWS", "ThirdParty", "Custom")
PIPELINE_TYPES: tuple[str, ...] = ("V1", "V2")
EXECUTION_MODES: tuple[str, ...] = ("QUEUED", "SUPERSEDED", "PARALLEL")


@dataclass(frozen=True)
class ActionTypeId:
    """``actionTypeId``: what kind of action this is."""

    category: str
    owner: str
    provider: str
    version: str = "1"


@dataclass(frozen=True)
class Action:
    """One action of a stage.

    Attributes:
        name: Unique within its stage.
        action_type_id: Category, owner, provider, version.
        run_order: Actions with the same value run together; lower first.
        configuration: Provider settings; all values are strings in the API.
        input_artifacts: Names of artifacts the action reads.
        output_artifacts: Names of artifacts the action writes.
        namespace: Variable namespace of the action's outputs.
        region: Region of a cross-region action.
        role_arn: Role the action assumes.
    """

    name: str
    action_type_id: ActionTypeId
    run_order: int = 1
    configuration: dict[str, Any] = field(default_factory=dict)
    input_artifacts: tuple[str, ...] = ()
    output_artifacts: tuple[str, ...] = ()
    namespace: str | None = None
    region: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class Stage:
    """One stage: a name and its actions."""

    name: str
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """A whole pipeline declaration.

    Attributes:
        name: The pipeline's name.
        role_arn: The service role CodePipeline assumes.
        stages: The stages, in order.
        artifact_store: ``{"type": "S3", "location": bucket, ...}``.
        artifact_stores: Region to artifact store, for cross-region pipelines.
        version: The declaration's version number.
        pipeline_type: ``V1`` or ``V2``.
        execution_mode: ``QUEUED``, ``SUPERSEDED`` or ``PARALLEL``.
        variables: Pipeline-level variables (V2), as the API's list of mappings.
        extra: Other top-level members (``triggers``, ...), kept as given.
    """

    name: str
    role_arn: str
    stages: tuple[Stage, ...]
    artifact_store: dict[str, Any] | None = None
    artifact_stores: dict[str, Any] | None = None
    version: int | None = None
    pipeline_type: str | None = None
    execution_mode: str | None = None
    variables: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def actions(self) -> list[tuple[int, int, Stage, Action]]:
        """Every action with its stage index and action index, in declaration order."""
        return [
            (s, a, stage, action)
            for s, stage in enumerate(self.stages)
            for a, action in enumerate(stage.actions)
        ]


_KNOWN_TOP = {
    "name",
    "roleArn",
    "stages",
    "artifactStore",
    "artifactStores",
    "version",
    "pipelineType",
    "executionMode",
    "variables",
}


def _names(items: Any) -> tuple[str, ...]:
    return tuple(
        str(item.get("name", "")) if isinstance(item, Mapping) else str(item)
        for item in (items or ())
    )


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _action(data: Mapping[str, Any]) -> Action:
    type_id = data.get("actionTypeId") or {}
    return Action(
        name=str(data.get("name", "")),
        action_type_id=ActionTypeId(
            category=str(type_id.get("category", "")),
            owner=str(type_id.get("owner", "")),
            provider=str(type_id.get("provider", "")),
            version=str(type_id.get("version", "1")),
        ),
        run_order=_int(data.get("runOrder", 1), 1),
        configuration=copy.deepcopy(dict(data.get("configuration") or {})),
        input_artifacts=_names(data.get("inputArtifacts")),
        output_artifacts=_names(data.get("outputArtifacts")),
        namespace=data.get("namespace"),
        region=data.get("region"),
        role_arn=data.get("roleArn"),
    )


def unwrap(data: Any) -> Mapping[str, Any]:
    """Return the declaration itself from ``get-pipeline`` output or a bare declaration.

    Raises:
        PipelineError: ``data`` is not a mapping.
    """
    if not isinstance(data, Mapping):
        raise PipelineError("a pipeline declaration must be a JSON object")
    inner = data.get("pipeline")
    return inner if isinstance(inner, Mapping) else data


def from_dict(data: Any) -> Pipeline:
    """Read a declaration (bare, or ``{"pipeline": {...}}``) into a :class:`Pipeline`.

    Missing or mistyped members get neutral defaults, so the validator can
    still report on every problem; only a non-mapping is refused.

    Raises:
        PipelineError: ``data`` is not a mapping.
    """
    decl = unwrap(data)
    stages = []
    for stage in decl.get("stages") or ():
        if not isinstance(stage, Mapping):
            continue
        actions = tuple(
            _action(action) for action in stage.get("actions") or () if isinstance(action, Mapping)
        )
        stages.append(Stage(name=str(stage.get("name", "")), actions=actions))
    return Pipeline(
        name=str(decl.get("name", "")),
        role_arn=str(decl.get("roleArn", "")),
        stages=tuple(stages),
        artifact_store=copy.deepcopy(decl.get("artifactStore")),
        artifact_stores=copy.deepcopy(decl.get("artifactStores")),
        version=decl.get("version"),
        pipeline_type=decl.get("pipelineType"),
        execution_mode=decl.get("executionMode"),
        variables=tuple(copy.deepcopy(decl.get("variables") or ())),
        extra={k: copy.deepcopy(v) for k, v in decl.items() if k not in _KNOWN_TOP},
    )


def _action_dict(action: Action) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": action.name,
        "actionTypeId": {
            "category": action.action_type_id.category,
            "owner": action.action_type_id.owner,
            "provider": action.action_type_id.provider,
            "version": action.action_type_id.version,
        },
        "runOrder": action.run_order,
        "configuration": copy.deepcopy(action.configuration),
        "outputArtifacts": [{"name": name} for name in action.output_artifacts],
        "inputArtifacts": [{"name": name} for name in action.input_artifacts],
    }
    for key, value in (
        ("namespace", action.namespace),
        ("region", action.region),
        ("roleArn", action.role_arn),
    ):
        if value is not None:
            out[key] = value
    return out


def to_dict(pipeline: Pipeline) -> dict[str, Any]:
    """Write the declaration as the API's JSON (the value of ``"pipeline"``)."""
    out: dict[str, Any] = {"name": pipeline.name, "roleArn": pipeline.role_arn}
    if pipeline.artifact_store is not None:
        out["artifactStore"] = copy.deepcopy(pipeline.artifact_store)
    if pipeline.artifact_stores is not None:
        out["artifactStores"] = copy.deepcopy(pipeline.artifact_stores)
    out["stages"] = [
        {"name": stage.name, "actions": [_action_dict(a) for a in stage.actions]}
        for stage in pipeline.stages
    ]
    for key, value in (
        ("version", pipeline.version),
        ("pipelineType", pipeline.pipeline_type),
        ("executionMode", pipeline.execution_mode),
    ):
        if value is not None:
            out[key] = value
    if pipeline.variables:
        out["variables"] = [copy.deepcopy(v) for v in pipeline.variables]
    out.update(copy.deepcopy(pipeline.extra))
    return out
