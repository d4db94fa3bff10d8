"""The walk of a raw declaration against botocore's service model of CodePipeline.

botocore's ``ParamValidator`` checks less (no enums, no patterns) and names
places loosely; this walk reports what the ``CreatePipeline`` API would reject
(unknown members, wrong types, missing required members, lengths, ranges, enum
values and patterns) with a JSON path such as
``stages[2].actions[0].inputArtifacts[0].name``, and keeps a copy of the data
with wrongly typed parts replaced by empty ones, so that the model the rules
run on is always built, with indices that match.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

import botocore.session

from mlcicd.lint import Hit, suggest

#: Location of a finding about the whole declaration.
ROOT = "$"

_KEY = re.compile(r"^[A-Za-z0-9_]+$")


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


def json_type(value: Any) -> str:
    """The JSON type name of a Python value, as a finding names it ("object", "null", ...)."""
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
    fix = f"write {expected}"
    if expected == "string" and isinstance(value, bool | int | float):
        fix = f"quote it: {json.dumps(json.dumps(value))}"
    return Hit(where, f"{node.name} must be {expected}, not {json_type(value)}", fix)


class Walk:
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
                fix = suggest(str(key), node.members) or "remove it"
                self.add(
                    "unknown", Hit(_child(where, key), f"{node.name} has no member {key!r}", fix)
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
            message, fix = f"fewer than {node.low}", f"give it at least {node.low}"
        elif node.high is not None and size > node.high:
            message, fix = f"more than {node.high}", f"keep it to {node.high}"
        else:
            return True
        self.add("length", Hit(where, f"{node.name} has {size} {unit}, {message}", fix))
        return False

    def string(self, node: _Node, value: str, where: str) -> None:
        if self.template and "${" in value:
            return
        # An empty or overlong string is reported once, not also as off-pattern.
        if not self.size(node, len(value), where, "character(s)"):
            return
        if node.enum and value not in node.enum:
            fix = suggest(value, node.enum) or f"use one of {', '.join(node.enum)}"
            self.add("enum", Hit(where, f"{value!r} is not a {node.name}", fix))
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
