"""The buildspec's shape as a JSON Schema, for editors and for ``jsonschema``.

:func:`json_schema` generates a JSON Schema (draft 2020-12) from the linter's own
shape, :data:`mlcicd.buildspec.schema.TOP`, so the two cannot drift: a key the
linter knows is a property, a mapping of user-chosen names is
``additionalProperties``, a yes/no switch takes a boolean or one of YAML 1.1's
boolean spellings, ``env.shell`` one of the documented shells. The few checks a
shape cannot say (exported variable names, batch identifiers, version numbers)
reuse the linter's patterns.

What the schema allows is what the linter finds no *error* in: unknown
top-level keys (BS013) and legacy keys (BS040) are warnings, so they validate.
Editors read it through the YAML language server's modeline::

    # yaml-language-server: $schema=buildspec.schema.json

(``mlcicd buildspec schema > buildspec.schema.json``). :func:`validate` checks
loaded data with the ``jsonschema`` library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlcicd.buildspec.model import COVERAGE_REPORT_FORMATS, TEST_REPORT_FORMATS, VERSIONS
from mlcicd.buildspec.schema import (
    ANY,
    BUILDSPEC_REF,
    FLAG_WORDS,
    SCALARS,
    TOP,
    Choice,
    Flag,
    ListOf,
    Named,
    Section,
)

#: The JSON Schema dialect of :func:`json_schema`.
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Spellings YAML 1.1 reads as booleans; an editor reading YAML 1.2 sees them as text.
YAML11_BOOLEANS: tuple[str, ...] = tuple(
    spelling
    for word in ("y", "yes", "n", "no", "true", "false", "on", "off")
    for spelling in dict.fromkeys((word, word.capitalize(), word.upper()))
)
_SCALAR: dict[str, Any] = {"type": ["string", "number", "boolean", "null"]}
_NAME = "[A-Za-z_][A-Za-z0-9_]*"


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


#: Refinements by path ("*" for any name or list index): what the linter's rules
#: (not the shape) check, with the same patterns.
_REFINED: Mapping[tuple[str, ...], dict[str, Any]] = {
    ("version",): {
        "enum": [*VERSIONS, *(float(v) for v in VERSIONS)],
        "description": "The buildspec version; 0.2 is current.",
    },
    ("env", "exported-variables"): {
        "type": ["array", "null"],
        "items": {
            "type": "string",
            "pattern": f"^(?!AWS_){_NAME}$",
            "description": "A variable name; names starting with AWS_ cannot be exported.",
        },
    },
    ("phases", "*", "on-failure"): {
        "type": "string",
        "pattern": "^(ABORT|CONTINUE|RETRY(-.+)?)$",
    },
    ("reports", "*", "file-format"): {
        "type": ["string", "null"],
        "pattern": "^("
        + "|".join(_any_case(f) for f in TEST_REPORT_FORMATS + COVERAGE_REPORT_FORMATS)
        + ")$",
    },
    **{
        ("batch", kind, "*", "identifier"): {"type": "string", "pattern": "^[A-Za-z0-9_]+$"}
        for kind in ("build-graph", "build-list")
    },
}


def _flag(shape: Flag) -> dict[str, Any]:
    words = sorted({*YAML11_BOOLEANS, *(w for f in FLAG_WORDS for w in (f, f.upper()))})
    off, on = shape.words
    return {
        "anyOf": [{"type": "boolean"}, {"type": "string", "enum": words}, {"type": "null"}],
        "description": f"{on} or {off}. See {shape.url}",
    }


def _node(shape: Any, path: tuple[str, ...]) -> dict[str, Any]:
    """The schema of one shape at ``path`` (used to find refinements)."""
    for pattern, refined in _REFINED.items():
        if len(pattern) == len(path) and all(
            p in ("*", q) for p, q in zip(pattern, path, strict=True)
        ):
            return dict(refined)
    if isinstance(shape, Section):
        properties = {key: _node(item, (*path, key)) for key, item in shape.fields.items()}
        properties |= {
            key: {"deprecated": True, "description": f"Ignored: {why}."}
            for key, why in shape.ignored.items()
        }
        return {
            "type": ["object", "null"],
            "properties": properties,
            # The top level may hold keys CodeBuild ignores (a warning); sections may not.
            "additionalProperties": not path,
        }
    if isinstance(shape, Named):
        return {"type": ["object", "null"], "additionalProperties": _node(shape.item, (*path, "*"))}
    if isinstance(shape, ListOf):
        return {"type": ["array", "null"], "items": _node(shape.item, (*path, "*"))}
    if isinstance(shape, Flag):
        return _flag(shape)
    if isinstance(shape, Choice):
        return {"enum": [*shape.values, None], "description": f"See {shape.url}"}
    if shape == SCALARS:
        return {"anyOf": [_SCALAR, {"type": "array", "items": _SCALAR}]}
    return {} if shape == ANY else dict(_SCALAR)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a buildspec (draft 2020-12), generated from the linter's shape.

    Returns:
        The schema as plain data (``json.dumps`` it).
    """
    schema = _node(TOP, ())
    schema["type"] = "object"
    # Version 0.1 named its variables environment_variables (BS013 warns on it in 0.2).
    schema["required"] = ["version"]
    return {
        "$schema": DIALECT,
        "title": "AWS CodeBuild buildspec",
        "description": f"The buildspec file of AWS CodeBuild. Reference: {BUILDSPEC_REF}",
        **schema,
    }


def validate(data: Any) -> list[str]:
    """Check loaded buildspec data against :func:`json_schema`.

    Args:
        data: What a YAML loader returned for the file.

    Returns:
        One line per problem, ``path: message``; empty when the data fits.
    """
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schema())
    return [
        f"{'.'.join(str(p) for p in error.absolute_path) or 'the document'}: {error.message}"
        for error in sorted(
            validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
        )
    ]
