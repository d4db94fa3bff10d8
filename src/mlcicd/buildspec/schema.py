"""The shape of a buildspec, and the checks that read the document against it.

:data:`TOP` says which keys each section has and whether each holds a mapping,
a list or a single value; the checks here (duplicate keys, version, unknown
keys, wrong types) walk the parsed document against it. Every check takes a
:class:`~mlcicd.buildspec.load.Document` and yields :class:`Hit` s (where, what,
how to fix); :mod:`mlcicd.buildspec.lint` gives them the rule's code and severity.
The helpers here are shared with :mod:`mlcicd.buildspec.rules`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlcicd.buildspec.load import Document, KeyPath
from mlcicd.buildspec.model import PHASES, VERSIONS


@dataclass(frozen=True)
class Hit:
    """One problem a check found.

    Attributes:
        where: Path of the value (or key) the problem is at.
        message: What is wrong, in CodeBuild's words.
        hint: How to fix it.
        on_key: Point at the key rather than its value.
    """

    where: KeyPath
    message: str
    hint: str
    on_key: bool = False


Check = Callable[[Document], Iterator[Hit]]


# ---- the shape of a buildspec ----------------------------------------------


@dataclass(frozen=True)
class Section:
    """A mapping with fixed keys; ``what`` names them in messages ("key", "phase")."""

    fields: Mapping[str, Any]
    what: str = "key"


@dataclass(frozen=True)
class Named:
    """A mapping whose keys the user chooses (report groups, variables), each an ``item``."""

    item: Any


@dataclass(frozen=True)
class ListOf:
    """A list of ``item``."""

    item: Any


SCALAR = "a single value"
SCALARS = "a list (or a single value)"  # CodeBuild takes one string where a list is expected
ANY = "anything"

_BUILD_ENV = Section(
    dict.fromkeys(("compute-type", "fleet", "image", "privileged-mode", "type"), SCALAR)
    | {"variables": Named(ANY)}
)
_BUILD = Section(
    dict.fromkeys(("identifier", "buildspec", "debug-session", "ignore-failure"), SCALAR)
    | {"depend-on": SCALARS, "env": _BUILD_ENV}
)
_ARTIFACT_SET = dict.fromkeys(
    ("name", "discard-paths", "base-directory", "enable-symlinks", "s3-prefix"), SCALAR
) | {"files": SCALARS, "exclude-paths": SCALARS}
_PHASE = Section(
    dict.fromkeys(("run-as", "on-failure"), SCALAR)
    | {"runtime-versions": Named(SCALAR), "commands": SCALARS, "finally": SCALARS}
)
#: The buildspec's shape: top-level keys and what each holds.
TOP = Section(
    {
        "version": SCALAR,
        "run-as": SCALAR,
        "env": Section(
            {
                "shell": SCALAR,
                "variables": Named(ANY),
                "parameter-store": Named(SCALAR),
                "exported-variables": ANY,
                "secrets-manager": Named(SCALAR),
                "git-credential-helper": SCALAR,
            }
        ),
        "proxy": Section(dict.fromkeys(("upload-artifacts", "logs"), SCALAR)),
        "batch": Section(
            {
                "fast-fail": SCALAR,
                "build-graph": ListOf(_BUILD),
                "build-list": ListOf(_BUILD),
                "build-matrix": Section(
                    {
                        "static": Section({"ignore-failure": SCALAR, "env": ANY}),
                        "dynamic": Section({"buildspec": SCALARS, "env": ANY}),
                    }
                ),
                "build-fanout": Section(dict.fromkeys(("parallelism", "ignore-failure"), SCALAR)),
            }
        ),
        "phases": Section(dict.fromkeys(PHASES, _PHASE), what="phase"),
        "reports": Named(
            Section(
                dict.fromkeys(("base-directory", "discard-paths", "file-format"), SCALAR)
                | {"files": SCALARS}
            )
        ),
        "artifacts": Section(
            _ARTIFACT_SET | {"secondary-artifacts": Named(Section(_ARTIFACT_SET))}
        ),
        "cache": Section(
            dict.fromkeys(("key", "action"), SCALAR) | {"paths": SCALARS, "fallback-keys": SCALARS}
        ),
    }
)
# Version 0.1 (CodeBuild's first format) set variables with ``environment_variables``.
_TOP_0_1 = Section(
    dict(TOP.fields) | {"environment_variables": Section({"plaintext": Named(SCALAR)})}
)


def top_level(doc: Document) -> dict[Any, Any]:
    return doc.data if isinstance(doc.data, dict) else {}


def as_dict(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def shape_of(doc: Document) -> Section:
    return _TOP_0_1 if str(top_level(doc).get("version")) == "0.1" else TOP


def _walk(value: Any, shape: Any, where: KeyPath) -> Iterator[tuple[KeyPath, Any, Any]]:
    """Yield (path, shape, value) for every value the shape describes, depth first."""
    yield where, shape, value
    if isinstance(shape, Section) and isinstance(value, dict):
        for key, child in value.items():
            if key in shape.fields:
                yield from _walk(child, shape.fields[key], (*where, key))
    elif isinstance(shape, Named) and isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, shape.item, (*where, key))
    elif isinstance(shape, ListOf) and isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, shape.item, (*where, index))


def dotted(where: KeyPath) -> str:
    return ".".join(str(part) for part in where) or "the document"


def kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    return "a list" if isinstance(value, list) else "a single value"


def suggest(word: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else "remove it"


def phases_of(doc: Document) -> Iterator[tuple[str, dict[Any, Any]]]:
    for name, phase in as_dict(top_level(doc).get("phases")).items():
        if name in PHASES and isinstance(phase, dict):
            yield name, phase


def commands_of(doc: Document) -> Iterator[tuple[KeyPath, Any]]:
    """Yield (path, command) of every command in ``commands`` and ``finally`` blocks."""
    for name, phase in phases_of(doc):
        for block in ("commands", "finally"):
            value = phase.get(block)
            where: KeyPath = ("phases", name, block)
            if isinstance(value, list):
                for index, command in enumerate(value):
                    yield (*where, index), command
            elif value is not None:
                yield where, value


# ---- the checks --- ------------------------------------------


def check_duplicate_keys(doc: Document) -> Iterator[Hit]:
    """A key written twice: YAML silently keeps only the last value."""
    for dup in doc.duplicates:
        yield Hit(
            dup.path,
            f"duplicate key '{dup.path[-1]}' (first at line {dup.first[0]}, "
            f"again at line {dup.second[0]}); YAML keeps only the last one",
            "merge the two into one key",
            on_key=True,
        )


def check_top_level_mapping(doc: Document) -> Iterator[Hit]:
    """The document must be a mapping of sections."""
    if not isinstance(doc.data, dict):
        yield Hit(
            (),
            f"a buildspec must be a mapping of sections, not {kind_of(doc.data)}"
            if doc.data is not None
            else "the buildspec is empty",
            "start with `version: 0.2` and a `phases:` section",
        )


def check_version(doc: Document) -> Iterator[Hit]:
    """``version`` must be 0.2 (or 0.1)."""
    top = top_level(doc)
    if not isinstance(doc.data, dict):
        return
    if "version" not in top:
        yield Hit((), "missing `version`", "add `version: 0.2` as the first line")
        return
    version = top["version"]
    known = (isinstance(version, str) and version.strip() in VERSIONS) or (
        isinstance(version, float) and str(version) in VERSIONS
    )
    if not known:
        yield Hit(
            ("version",),
            f"version {version!r} is not a buildspec version ({' or '.join(VERSIONS)})",
            "write `version: 0.2` and use the current buildspec syntax",
        )


def check_version_spelling(doc: Document) -> Iterator[Hit]:
    """A float version written other than ``0.1``/``0.2`` (``0.20``) is read as a number."""
    version = top_level(doc).get("version")
    raw = doc.raws.get(("version",), "")
    if isinstance(version, float) and str(version) in VERSIONS and raw != str(version):
        yield Hit(
            ("version",),
            f"version written as {raw} is read as the number {version}",
            f"write it as CodeBuild documents it: `version: {version}` or quote it",
        )


def check_unknown_top_level_key(doc: Document) -> Iterator[Hit]:
    """A top-level key CodeBuild does not know (it ignores it)."""
    shape = shape_of(doc)
    for key in top_level(doc):
        if key not in shape.fields:
            hint = suggest(key, shape.fields)
            if key == "environment_variables":
                hint = "version 0.2 uses `env: variables:`"
            yield Hit((key,), f"unknown top-level key '{key}' (CodeBuild ignores it)", hint, True)


def check_unknown_key(doc: Document) -> Iterator[Hit]:
    """A key CodeBuild does not know inside a known section."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if where and isinstance(shape, Section) and isinstance(value, dict):
            for key in value:
                if key not in shape.fields:
                    yield Hit(
                        (*where, key),
                        f"unknown {shape.what} '{key}' in {dotted(where)}",
                        suggest(key, shape.fields),
                        on_key=True,
                    )


def _fits(shape: Any, value: Any) -> bool:
    if value is None or shape == ANY:
        # An empty value is CodeBuild's "not set"; the emptiness rules judge it.
        return True
    if isinstance(shape, Section | Named):
        return isinstance(value, dict)
    if isinstance(shape, ListOf):
        return isinstance(value, list)
    if shape == SCALARS:
        return not isinstance(value, dict)
    return not isinstance(value, dict | list)


def check_types(doc: Document) -> Iterator[Hit]:
    """A mapping where a list or a value is expected, or the other way round."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if where and not _fits(shape, value):
            wanted = (
                "a mapping"
                if isinstance(shape, Section | Named)
                else ("a list" if isinstance(shape, ListOf) else shape)
            )
            yield Hit(
                where,
                f"{dotted(where)} must be {wanted}, not {kind_of(value)}",
                "check the indentation and the `-` of list items",
            )


def check_command_type(doc: Document) -> Iterator[Hit]:
    """A command that YAML read as a mapping or list (an unquoted ``: `` inside it)."""
    for where, command in commands_of(doc):
        if isinstance(command, dict | list):
            yield Hit(
                where,
                f"command is {kind_of(command)}, not a string "
                "(an unquoted `: ` or `- ` makes YAML read it as structure)",
                'quote the whole command: - "echo key: value"',
            )
