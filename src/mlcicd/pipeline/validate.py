"""Validate CodePipeline declarations: findings with a stable code, a JSON path and a fix hint.

Two layers. The declaration is first walked against botocore's own service
model of CodePipeline (the ``pipeline`` member of ``CreatePipeline``), which
reports what the API would reject: unknown members, wrong types, missing
required members, lengths, ranges, enum values and patterns. botocore's
``ParamValidator`` checks less (no enums, no patterns) and names places
loosely; this walk gives every finding a path such as
``stages[2].actions[0].inputArtifacts[0].name``. The walk also keeps a copy of
the data with wrongly typed parts replaced by empty ones, so that the model
(:func:`~mlcicd.pipeline.model.from_dict`) the rules of
:mod:`mlcicd.pipeline.rules` run on is always built, with indices that match.

:data:`RULES` is the ordered registry; :func:`validate` never raises.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import botocore.session

from mlcicd.buildspec.model import Buildspec
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline import rules
from mlcicd.pipeline.model import Pipeline, from_dict, to_dict, unwrap
from mlcicd.pipeline.rules import Hit, Subject, suggest

#: Location of a finding about the whole declaration.
ROOT = "$"

_KEY = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Finding:
    """One problem in one pipeline declaration.

    Attributes:
        code: The rule's code, e.g. ``PL010``.
        severity: ``"error"`` (CodePipeline rejects it) or ``"warning"`` (the course's advice).
        location: JSON path in the declaration, e.g. ``stages[2].actions[0]``; ``$`` is the whole.
        message: What is wrong.
        hint: How to fix it.
    """

    code: str
    severity: str
    location: str
    message: str
    hint: str

    def format(self) -> str:
        """Return ``location: CODE message (hint)`` on one line."""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.location}: {self.code} {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as plain data (for JSON)."""
        return asdict(self)


Check = Callable[[Subject], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """A validation rule.

    Attributes:
        code: Stable code, ``PL001`` ...
        severity: ``"error"`` or ``"warning"``.
        summary: One line saying what the rule catches.
        check: The check; None for :data:`NOT_A_MAPPING`, found before any check runs.
    """

    code: str
    severity: str
    summary: str
    check: Check | None = None


# ---- the service model ----------------------------------------------------------


class _Node:
    """One botocore shape, reduced to what the walk needs (built once, read often)."""

    def __init__(self, shape: Any) -> None:
        meta = shape.metadata
        self.name: str = shape.name
        self.kind: str = shape.type_name
        self.low: int | None = meta.get("min")
        self.high: int | None = meta.get("max")
        self.enum: tuple[str, ...] = tuple(meta.get("enum", ()))
        self.pattern = _compile(meta.get("pattern"))
        self.required: tuple[str, ...] = tuple(meta.get("required", ()))
        self.members: dict[str, _Node] = {}
        self.member: _Node | None = None
        self.key: _Node | None = None
        self.value: _Node | None = None


def _compile(pattern: str | None) -> re.Pattern[str] | None:
    # Service patterns are Java regexes; the few Python cannot read are skipped.
    try:
        return re.compile(pattern) if pattern else None
    except re.error:
        return None


def _build(shape: Any, memo: dict[str, _Node]) -> _Node:
    if shape.name in memo:
        return memo[shape.name]
    node = memo[shape.name] = _Node(shape)
    if node.kind == "structure":
        node.members = {name: _build(member, memo) for name, member in shape.members.items()}
    elif node.kind == "list":
        node.member = _build(shape.member, memo)
    elif node.kind == "map":
        node.key = _build(shape.key, memo)
        node.value = _build(shape.value, memo)
    return node


@functools.cache
def declaration_shape() -> _Node:
    """Return the ``PipelineDeclaration`` of botocore's CodePipeline model, as walk nodes."""
    model = botocore.session.get_session().get_service_model("codepipeline")
    shape = model.operation_model("CreatePipeline").input_shape.members["pipeline"]
    return _build(shape, {})


# Shape kind to its JSON type name and the Python types that stand for it (dict
# before Mapping: the fast common case).
_TYPES: dict[str, tuple[str, tuple[type, ...]]] = {
    "structure": ("object", (dict, Mapping)),
    "map": ("object", (dict, Mapping)),
    "list": ("array", (list, tuple)),
    "string": ("string", (str,)),
    "integer": ("integer", (int,)),
    "long": ("integer", (int,)),
    "boolean": ("boolean", (bool,)),
}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    for kinds, name in (
        ((Mapping,), "object"),
        ((list, tuple), "array"),
        ((str,), "string"),
        ((int,), "integer"),
        ((float,), "number"),
    ):
        if isinstance(value, kinds):
            return name
    return type(value).__name__


def _fits(node: _Node, value: Any) -> bool:
    if node.kind not in _TYPES:
        return True
    # bool is an int in Python, never an integer in JSON.
    return isinstance(value, _TYPES[node.kind][1]) and (
        node.kind == "boolean" or type(value) is not bool
    )


def _child(path: str, key: Any) -> str:
    key = str(key)
    part = f".{key}" if _KEY.match(key) else f"[{json.dumps(key)}]"
    return part[1:] if path == ROOT else path + part


def _type_hit(node: _Node, value: Any, where: str) -> Hit:
    expected = _TYPES[node.kind][0] if node.kind in _TYPES else node.kind
    hint = f"write {expected}"
    if expected == "string" and isinstance(value, bool | int | float):
        hint = f"quote it: {json.dumps(json.dumps(value))}"
    return Hit(where, f"{node.name} must be {expected}, not {_json_type(value)}", hint)


class _Walk:
    """Walks data against the nodes, collecting hits and a shape-clean copy."""

    def __init__(self, template: bool = False) -> None:
        self.hits: dict[str, list[Hit]] = {}
        self.template = template

    def add(self, kind: str, hit: Hit) -> None:
        self.hits.setdefault(kind, []).append(hit)

    def value(self, node: _Node, value: Any, where: str) -> Any:
        """Check ``value``; return it cleaned, or None when it is of the wrong type."""
        if not _fits(node, value):
            self.add("type", _type_hit(node, value, where))
            return None
        if node.kind == "structure":
            return self.structure(node, value, where)
        if node.kind == "list":
            self.size(node, len(value), where, "item(s)")
            return [self.item(node.member, item, f"{where}[{i}]") for i, item in enumerate(value)]
        if node.kind == "map":
            self.size(node, len(value), where, "entries")
            return self.mapping(node, value, where)
        if node.kind == "string":
            self.string(node, value, where)
        elif node.kind in ("integer", "long"):
            self.number(node, value, where)
        return value

    def item(self, node: _Node, value: Any, where: str) -> Any:
        # A wrongly typed item stays as an empty one, so later indices keep their place.
        clean = self.value(node, value, where)
        return {} if clean is None and node.kind == "structure" else clean

    def structure(self, node: _Node, value: Mapping[Any, Any], where: str) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, item in value.items():
            member = node.members.get(key) if isinstance(key, str) else None
            if member is None:
                hint = suggest(str(key), node.members) or "remove it"
                self.add(
                    "unknown", Hit(_child(where, key), f"{node.name} has no member {key!r}", hint)
                )
                continue
            checked = self.value(member, item, _child(where, key))
            if checked is not None:
                clean[key] = checked
        for name in node.required:
            if name not in value:
                self.add(
                    "required",
                    Hit(_child(where, name), f"{node.name} needs member {name!r}", f"add {name}"),
                )
        return clean

    def mapping(self, node: _Node, value: Mapping[Any, Any], where: str) -> dict[str, Any]:
        clean: dict[str, Any] = {}
        for key, item in value.items():
            at = _child(where, key)
            if self.value(node.key, key, at) is None:
                continue
            # A wrongly typed value keeps its key, so "missing key" rules stay quiet.
            checked = self.value(node.value, item, at)
            clean[key] = checked if checked is not None else ""
        return clean

    def size(self, node: _Node, size: int, where: str, unit: str) -> bool:
        """Check a length; return whether it is within bounds."""
        if node.low is not None and size < node.low:
            message, hint = f"fewer than {node.low}", f"give it at least {node.low}"
        elif node.high is not None and size > node.high:
            message, hint = f"more than {node.high}", f"keep it to {node.high}"
        else:
            return True
        self.add("length", Hit(where, f"{node.name} has {size} {unit}, {message}", hint))
        return False

    def string(self, node: _Node, value: str, where: str) -> None:
        if self.template and "${" in value:
            return
        # An empty or overlong string is reported once, not also as off-pattern.
        if not self.size(node, len(value), where, "character(s)"):
            return
        if node.enum and value not in node.enum:
            hint = suggest(value, node.enum) or f"use one of {', '.join(node.enum)}"
            self.add("enum", Hit(where, f"{value!r} is not a {node.name}", hint))
        elif node.pattern is not None and not node.pattern.fullmatch(value):
            self.add(
                "pattern",
                Hit(
                    where,
                    f"{value!r} does not match the {node.name} pattern {node.pattern.pattern}",
                    "use only the characters the pattern allows",
                ),
            )

    def number(self, node: _Node, value: int, where: str) -> None:
        low, high = node.low, node.high
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"{low} to {high}"
            self.add("range", Hit(where, f"{node.name} {value} is out of range", f"use {bounds}"))


# ---- the registry ------------------------------------------------------------------

#: Code of the finding for data that is not a declaration (not a mapping).
NOT_A_MAPPING = "PL001"

#: Every rule, in the order their findings are listed for one location.
RULES: tuple[Rule, ...] = (
    Rule(NOT_A_MAPPING, "error", "the declaration is not a JSON object"),
    Rule("PL002", "error", "a member the API does not know", rules.shape_check("unknown")),
    Rule("PL003", "error", "a value of the wrong JSON type", rules.shape_check("type")),
    Rule("PL004", "error", "a required member is missing", rules.shape_check("required")),
    Rule(
        "PL005", "error", "a string, list or map too short or too long", rules.shape_check("length")
    ),
    Rule(
        "PL006", "error", "a number out of range (runOrder 1-999, ...)", rules.shape_check("range")
    ),
    Rule(
        "PL007",
        "error",
        "not one of the allowed values (category, owner, ...)",
        rules.shape_check("enum"),
    ),
    Rule(
        "PL008",
        "error",
        "a name that does not match the API's pattern",
        rules.shape_check("pattern"),
    ),
    Rule("PL010", "error", "fewer than 2 stages", rules.check_min_stages),
    Rule("PL011", "error", f"more than {rules.MAX_STAGES} stages", rules.check_max_stages),
    Rule(
        "PL012",
        "error",
        "first stage not all source actions, or none",
        rules.check_first_stage_sources,
    ),
    Rule(
        "PL013", "error", "a source action after the first stage", rules.check_source_outside_first
    ),
    Rule("PL014", "error", "only source actions", rules.check_non_source_action),
    Rule("PL015", "error", "two stages with one name", rules.check_unique_stage_names),
    Rule("PL016", "error", "two actions with one name in a stage", rules.check_unique_action_names),
    Rule("PL017", "error", "an input artifact no action produces", rules.check_inputs_produced),
    Rule(
        "PL018",
        "error",
        "an input artifact produced later, or by a cycle",
        rules.check_inputs_ordered,
    ),
    Rule("PL019", "error", "two output artifacts with one name", rules.check_unique_outputs),
    Rule(
        "PL020",
        "error",
        "too few or too many artifacts for the provider",
        rules.check_artifact_counts,
    ),
    Rule(
        "PL021",
        "error",
        "a required configuration key is missing",
        rules.check_required_configuration,
    ),
    Rule(
        "PL022",
        "error",
        "a configuration key the provider does not take",
        rules.check_unknown_configuration,
    ),
    Rule(
        "PL030",
        "warning",
        "ungated deployment: no test or approval before it",
        rules.check_ungated_deploy,
    ),
    Rule(
        "PL031", "warning", "a test action whose buildspec has no reports", rules.check_test_reports
    ),
    Rule(
        "PL032",
        "warning",
        "production deployment without a staging one before",
        rules.check_prod_after_staging,
    ),
)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    # Natural order of paths: stages[2] before stages[10].
    parts = re.split(r"(\d+)", finding.location)
    return tuple((0, int(p)) if p.isdecimal() else (1, p) for p in parts)


def validate(
    data: Mapping[str, Any] | Pipeline | Any,
    projects: Mapping[str, Buildspec] | None = None,
    *,
    template: bool = False,
) -> list[Finding]:
    """Validate a declaration (bare, ``{"pipeline": ...}``, or a model); never raises.

    Args:
        data: The declaration.
        projects: CodeBuild project name to its buildspec, for the test-reports rule.
        template: The declaration comes from a CloudFormation template, so a string
            holding a ``${...}`` placeholder (an intrinsic function) is only known
            at deploy time: its length, enum and pattern are not checked.

    Returns:
        The findings, in declaration order; empty when the declaration is valid.
    """
    if isinstance(data, Pipeline):
        data = to_dict(data)
    if not isinstance(data, Mapping):
        return [
            Finding(
                NOT_A_MAPPING,
                "error",
                ROOT,
                f"a pipeline declaration must be a JSON object, not {_json_type(data)}",
                'write {"name": ..., "roleArn": ..., "stages": [...]}',
            )
        ]
    raw = unwrap(data)
    walk = _Walk(template)
    clean = walk.value(declaration_shape(), raw, ROOT)
    subject = Subject(
        pipeline=from_dict(clean),
        projects=projects if projects is not None else {},
        shape_hits={kind: tuple(hits) for kind, hits in walk.hits.items()},
    )
    findings = [
        Finding(rule.code, rule.severity, hit.location, hit.message, hit.hint)
        for rule in RULES
        if rule.check is not None
        for hit in rule.check(subject)
    ]
    return sorted(findings, key=_sort_key)


def validate_file(
    path: str | Path, projects: Mapping[str, Buildspec] | None = None
) -> list[Finding]:
    """Validate a declaration file, or every pipeline of a CloudFormation template.

    A JSON or YAML document with a top-level ``Resources`` key is read as a
    template: each ``AWS::CodePipeline::Pipeline`` is converted to the API's JSON
    (:func:`~mlcicd.pipeline.cfn.declaration`) and validated with
    ``template=True``; the locations of its findings start with the resource's
    logical id (``Pipeline.stages[1]``).

    Raises:
        PipelineError: The file cannot be read, is neither JSON nor YAML, or is a
            template without a pipeline.
    """
    # Imported here: the template reader is only needed for files.
    from mlcicd.pipeline.cfn import PIPELINE_TYPE, declaration, load_template

    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise PipelineError(f"cannot read the file: {error.strerror}", path=str(path)) from None
    try:
        data = load_template(text, path=str(path))
    except PipelineError as error:
        # YAML errors span lines; the command line promises one line.
        raise PipelineError(" ".join(error.message.split()), path=str(path)) from None
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    if resources is None:
        return validate(data, projects)
    pipelines = {
        str(logical_id): resource.get("Properties")
        for logical_id, resource in (resources.items() if isinstance(resources, Mapping) else ())
        if isinstance(resource, Mapping) and resource.get("Type") == PIPELINE_TYPE
    }
    if not pipelines:
        raise PipelineError(f"no {PIPELINE_TYPE} resource in the template", path=str(path))
    return [
        Finding(
            finding.code,
            finding.severity,
            logical_id if finding.location == ROOT else f"{logical_id}.{finding.location}",
            finding.message,
            finding.hint,
        )
        for logical_id, properties in pipelines.items()
        for finding in validate(
            declaration(logical_id, properties if isinstance(properties, Mapping) else {}),
            projects,
            template=True,
        )
    ]
