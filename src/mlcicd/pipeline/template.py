"""Read CloudFormation template text (YAML or JSON) into plain data, intrinsics in long form.

The YAML short forms (``!Ref``, ``!Sub``, ``!GetAtt``, ...) are read into the long
forms (``{"Ref": ...}``, ``{"Fn::Sub": ...}``) that JSON templates use, so both
formats give the same data; :mod:`mlcicd.pipeline.cfn` reads pipelines out of it.

YAML is read with cfn-lint's decoder (``cfnlint.decode.decode_str``, through
:func:`mlcicd.internals.cfn_lint_decode`) when cfn-lint is installed (the ``iac``
extra), as the linter the pipeline rules agree with reads it; without it, with
ruamel.yaml's safe loader and the short-form tags registered here. Both read
YAML 1.1, as PyYAML (and so cfn-lint) does, and give the same data
(tests/unit/test_pipeline_template.py). Importing cfn-lint takes a few seconds,
so JSON is read with :func:`json.loads` first and never imports it.

Templates come from anywhere, so reading is bounded: safe loaders only (no
Python objects), at most :data:`MAX_BYTES` of text, and at most
:data:`MAX_NODES` values once aliases are expanded (cfn-lint stops sooner).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import Node, ScalarNode, SequenceNode

from mlcicd import internals
from mlcicd.exceptions import PipelineError

#: Largest template read, in bytes (CloudFormation itself takes at most 1 MB from S3).
MAX_BYTES = 5 * 1024 * 1024
#: Most values a template may expand to, aliases included ("billion laughs").
MAX_NODES = 1_000_000
#: Short-form tags whose long form is ``Fn::<name>``.
FN_TAGS: tuple[str, ...] = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Length",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "ToJsonString",
    "Transform",
)


class _TemplateConstructor(SafeConstructor):
    """The safe constructor plus CloudFormation's short-form tags.

    A subclass, because ``add_constructor`` on ruamel's own SafeConstructor would
    change every safe loader in the process.
    """


def _construct(constructor: SafeConstructor, node: Node) -> Any:
    if isinstance(node, ScalarNode):
        return constructor.construct_scalar(node)
    if isinstance(node, SequenceNode):
        return constructor.construct_sequence(node, deep=True)
    return constructor.construct_mapping(node, deep=True)


def _long_form(key: str) -> Callable[[SafeConstructor, Node], dict[str, Any]]:
    def construct(constructor: SafeConstructor, node: Node) -> dict[str, Any]:
        return {key: _construct(constructor, node)}

    return construct


def _get_att(constructor: SafeConstructor, node: Node) -> dict[str, Any]:
    value = _construct(constructor, node)
    if isinstance(value, str):
        # "!GetAtt Role.Arn": the logical id never contains a dot, the attribute may.
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


_TemplateConstructor.add_constructor("!Ref", _long_form("Ref"))
_TemplateConstructor.add_constructor("!Condition", _long_form("Condition"))
_TemplateConstructor.add_constructor("!GetAtt", _get_att)
for _name in FN_TAGS:
    _TemplateConstructor.add_constructor(f"!{_name}", _long_form(f"Fn::{_name}"))


#: Every short form, by the name of its long form.
SHORT_FORMS = frozenset({"Ref", "Condition", "Fn::GetAtt", *(f"Fn::{name}" for name in FN_TAGS)})

#: What reads a template's YAML: cfn-lint's decoder when installed, else ruamel.yaml.
Decoder = Literal["auto", "cfn-lint", "ruamel"]

_NESTED = "the template is nested too deeply"


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)  # as PyYAML, and so cfn-lint, reads templates
    yaml.Constructor = _TemplateConstructor
    return yaml


@cache
def has_cfn_lint() -> bool:
    """Whether cfn-lint (the ``iac`` extra) is installed, so its decoder reads YAML."""
    return importlib.util.find_spec("cfnlint") is not None


def _with_ruamel(text: str, path: str) -> Any:
    try:
        return _yaml().load(text)
    except YAMLError as error:
        raise PipelineError(f"neither JSON nor YAML: {str(error).strip()}", path=path) from None
    except RecursionError:
        raise PipelineError(_NESTED, path=path) from None


def _blank(text: str) -> bool:
    """Whether the YAML holds no document: only blank lines, comments and markers."""
    lines = (line.strip() for line in text.splitlines())
    return all(not line or line.startswith("#") or line in ("---", "...") for line in lines)


def _with_cfn_lint(text: str, path: str) -> Any:
    data, errors, tags = internals.cfn_lint_decode(text)
    if errors:
        line, column, message = errors[0]
        if "nesting depth" in message:
            raise PipelineError(f"{_NESTED} (line {line})", path=path)
        if "aliases are expanded" in message:
            message = f"the template expands to more than cfn-lint reads: {message}"
            raise PipelineError(message, path=path)
        where = f"line {line}, column {column}"
        raise PipelineError(f"neither JSON nor YAML: {where}: {message}", path=path)
    for line, column, name in tags:
        if name not in SHORT_FORMS:
            raise PipelineError(
                f"neither JSON nor YAML: line {line}, column {column}: unknown tag "
                f"!{name.removeprefix('Fn::')}; CloudFormation's short forms are "
                + ", ".join(sorted("!" + n.removeprefix("Fn::") for n in SHORT_FORMS)),
                path=path,
            )
    # cfn-lint reads an empty document as {}; ruamel.yaml, like CloudFormation, as nothing.
    return None if data == {} and _blank(text) else data


def load_template(text: str | bytes, *, path: str = "<template>", decoder: Decoder = "auto") -> Any:
    """Parse template text (JSON or YAML) into plain data, intrinsics in long form.

    Args:
        text: The template.
        path: Shown in error messages.
        decoder: What reads YAML: ``"auto"`` is cfn-lint's decoder when cfn-lint is
            installed, else ruamel.yaml; the two give the same data.

    Returns:
        The parsed document.

    Raises:
        PipelineError: Too large, not UTF-8, not YAML or JSON, or expanding
            past :data:`MAX_NODES` values.
    """
    if len(text) > MAX_BYTES:
        raise PipelineError(
            f"the template is {len(text)} characters long; at most {MAX_BYTES} are read",
            path=path,
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PipelineError(f"not UTF-8 text: {error}", path=path) from None
    try:
        # JSON first: it is faster, and JSON that YAML would also read gives the same data.
        data = json.loads(text)
    except ValueError:
        use_cfn_lint = decoder == "cfn-lint" or (decoder == "auto" and has_cfn_lint())
        data = _with_cfn_lint(text, path) if use_cfn_lint else _with_ruamel(text, path)
    except RecursionError:
        raise PipelineError(_NESTED, path=path) from None
    _check_size(data, path)
    return data


def _check_size(data: Any, path: str) -> None:
    # An explicit stack rather than recursion: the walk must stay bounded on hostile data.
    count, stack = 0, [data]
    while stack:
        value = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise PipelineError(
                f"the template expands to more than {MAX_NODES} values (YAML aliases?)",
                path=path,
            )
        if isinstance(value, Mapping):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
