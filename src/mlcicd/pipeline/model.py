"""A model of the AWS CodePipeline declaration, in the API's own shape.

The fields and their names follow the ``PipelineDeclaration`` of the
CodePipeline API (``get-pipeline`` output, ``create-pipeline
--cli-input-json`` input), in snake case: ``roleArn`` is ``role_arn``,
``actionTypeId`` is ``action_type_id``, ``runOrder`` is ``run_order``.
:func:`from_dict` reads that JSON (bare, or wrapped in ``{"pipeline": ...}``)
leniently, so that a broken declaration still becomes a model the validator
can report on; :func:`to_dict` writes the API's JSON back. Both are the same
code (:class:`mlcicd.convert.Wire`), driven by the dataclasses below: the field
order is the order members are written in (``kw_only`` fields are placed on the
wire without moving in the constructor), and a field with a None default is
left out while it is None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlcicd.convert import Wire, camel, wire
from mlcicd.exceptions import PipelineError

CATEGORIES: tuple[str, ...] = ("Source", "Build", "Deploy", "Test", "Invoke", "Approval", "Compute")
OWNERS: tuple[str, ...] = ("AWS", "ThirdParty", "Custom")
PIPELINE_TYPES: tuple[str, ...] = ("V1", "V2")
EXECUTION_MODES: tuple[str, ...] = ("QUEUED", "SUPERSEDED", "PARALLEL")


def _int_or(default: int | None) -> Any:
    # A mistyped number reads as the neutral default: the validator reports it.
    def read(value: Any, _: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    return read


def _read_names(items: Any, _: Any) -> tuple[str, ...]:
    # The API's artifacts are [{"name": ...}]; a bare name is taken as well.
    return tuple(
        str(item.get("name", "")) if isinstance(item, Mapping) else str(item)
        for item in (items or ())
    )


def _write_names(names: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


_ARTIFACTS = wire(structure=_read_names, unstructure=_write_names)


@dataclass(frozen=True)
class ActionTypeId:
    """``actionTypeId``: what kind of action this is."""

    category: str = ""
    owner: str = ""
    provider: str = ""
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

    name: str = ""
    action_type_id: ActionTypeId = field(default_factory=ActionTypeId)
    run_order: int = field(default=1, metadata=wire(structure=_int_or(1)))
    configuration: dict[str, Any] = field(default_factory=dict)
    # The API writes outputs before inputs; keyword-only keeps the constructor's order.
    output_artifacts: tuple[str, ...] = field(default=(), kw_only=True, metadata=_ARTIFACTS)
    input_artifacts: tuple[str, ...] = field(default=(), metadata=_ARTIFACTS)
    namespace: str | None = None
    region: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class Stage:
    """One stage: a name and its actions."""

    name: str = ""
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

    name: str = ""
    role_arn: str = ""
    # Written before the stages, as the API does; keyword-only in the constructor.
    artifact_store: dict[str, Any] | None = field(default=None, kw_only=True)
    artifact_stores: dict[str, Any] | None = field(default=None, kw_only=True)
    stages: tuple[Stage, ...] = ()
    version: int | None = field(default=None, metadata=wire(structure=_int_or(None)))
    pipeline_type: str | None = None
    execution_mode: str | None = None
    variables: tuple[dict[str, Any], ...] = field(default=(), metadata=wire(omit=True))
    extra: dict[str, Any] = field(default_factory=dict, metadata=wire(rest=True))

    def actions(self) -> list[tuple[int, int, Stage, Action]]:
        """Every action with its stage index and action index, in declaration order."""
        return [
            (s, a, stage, action)
            for s, stage in enumerate(self.stages)
            for a, action in enumerate(stage.actions)
        ]


#: Reads and writes every model above: camelCase keys, lenient reading.
WIRE = Wire(
    camel,
    PipelineError,
    omit_empty=False,
    skip_bad_items=True,
    scalars={str: lambda value, _: str(value)},
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
    return WIRE.structure(unwrap(data), Pipeline)


def to_dict(pipeline: Pipeline) -> dict[str, Any]:
    """Write the declaration as the API's JSON (the value of ``"pipeline"``)."""
    return WIRE.unstructure(pipeline)
