"""The shape of a buildspec, and the checks that read the document against it.

:data:`TOP` says which keys each section has and whether each holds a mapping,
a list or a single value; the checks here (duplicate keys, version, unknown
keys, wrong types) walk the parsed document against it. Every check takes a
:class:`~mlcicd.buildspec.document.Document`, yields :class:`~mlcicd.lint.Hit` s
(where, what, how to fix) and is registered in
:data:`~mlcicd.buildspec.registry.RULES` by the decorator above it, with its
rule's id, summary, severity and the CodeBuild page it rests on.
The helpers here are shared with :mod:`mlcicd.buildspec.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from mlcicd.buildspec.document import DUPLICATE_KEY, Document, KeyPath
from mlcicd.buildspec.model import PHASES, VERSIONS
from mlcicd.buildspec.registry import BATCH_REF, BUILDSPEC_REF, RULES
from mlcicd.lint import Hit, Severity, suggest

# ---- the shape of a buildspec ----------------------------------------------


@dataclass(frozen=True)
class Section:
    """A mapping with fixed keys; ``what`` names them in messages ("key", "phase").

    Attributes:
        fields: Key to the shape of its value.
        what: What a key is called in messages.
        ignored: Keys CodeBuild reads past without complaint (legacy ones), and why.
    """

    fields: Mapping[str, Any]
    what: str = "key"
    ignored: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Named:
    """A mapping whose keys the user chooses (report groups, variables), each an ``item``."""

    item: Any


@dataclass(frozen=True)
class ListOf:
    """A list of ``item``."""

    item: Any


@dataclass(frozen=True)
class Flag:
    """A switch the docs spell ``yes``/``no`` (or ``true``/``false``); any YAML boolean reads.

    Attributes:
        words: The two spellings the docs give, "off" first: ``("no", "yes")``.
        url: The documentation of the key.
    """

    words: tuple[str, str]
    url: str


@dataclass(frozen=True)
class Choice:
    """A single value out of a documented set (``env.shell``)."""

    values: tuple[str, ...]
    url: str


SCALAR = "a single value"
SCALARS = "a list (or a single value)"  # CodeBuild takes one string where a list is expected
ANY = "anything"
#: Quoted spellings a switch may take besides a YAML boolean.
FLAG_WORDS = ("yes", "no", "true", "false")
#: The shells ``env.shell`` takes (Linux, then Windows).
SHELLS = ("bash", "/bin/sh", "powershell.exe", "cmd.exe")

_YES_NO = ("no", "yes")
_TRUE_FALSE = ("false", "true")


def _flag(words: tuple[str, str], anchor: str, ref: str = BUILDSPEC_REF) -> Flag:
    return Flag(words, f"{ref}#{anchor}")


_BATCH_FLAG = _flag(_TRUE_FALSE, "build-spec.batch", BATCH_REF)
_BUILD_ENV = Section(
    dict.fromkeys(("compute-type", "fleet", "image", "type"), SCALAR)
    | {"privileged-mode": _BATCH_FLAG, "variables": Named(ANY)}
)
_BUILD = Section(
    {"identifier": SCALAR, "buildspec": SCALAR}
    | {"debug-session": _BATCH_FLAG, "ignore-failure": _BATCH_FLAG}
    | {"depend-on": SCALARS, "env": _BUILD_ENV}
)
_DISCARD = _flag(_YES_NO, "build-spec.artifacts.discard-paths")
_ARTIFACT_SET = dict.fromkeys(("name", "base-directory", "s3-prefix"), SCALAR) | {
    "discard-paths": _DISCARD,
    "enable-symlinks": _flag(_YES_NO, "build-spec.artifacts.enable-symlinks"),
    "files": SCALARS,
    "exclude-paths": SCALARS,
}
_PHASE = Section(
    dict.fromkeys(("run-as", "on-failure"), SCALAR)
    | {"runtime-versions": Named(SCALAR), "commands": SCALARS, "finally": SCALARS}
)
#: Why ``artifacts.type`` is read past (buildspec versions table of the reference).
LEGACY_ARTIFACT_TYPE = (
    "a version 0.1 key, deprecated since version 0.2; CodeBuild ignores it "
    "(the project's artifact settings decide the packaging)"
)
#: The buildspec's shape: top-level keys and what each holds.
TOP = Section(
    {
        "version": SCALAR,
        "run-as": SCALAR,
        "env": Section(
            {
                "shell": Choice(SHELLS, f"{BUILDSPEC_REF}#build-spec.shell"),
                "variables": Named(ANY),
                "parameter-store": Named(SCALAR),
                "exported-variables": ANY,
                "secrets-manager": Named(SCALAR),
                "git-credential-helper": _flag(_YES_NO, "build-spec.env.git-credential-helper"),
            }
        ),
        "proxy": Section(
            {
                "upload-artifacts": _flag(_YES_NO, "build-spec.proxy.upload-artifacts"),
                "logs": _flag(_YES_NO, "build-spec.proxy.logs"),
            }
        ),
        "batch": Section(
            {
                "fast-fail": _BATCH_FLAG,
                "build-graph": ListOf(_BUILD),
                "build-list": ListOf(_BUILD),
                "build-matrix": Section(
                    {
                        "static": Section({"ignore-failure": _BATCH_FLAG, "env": ANY}),
                        "dynamic": Section({"buildspec": SCALARS, "env": ANY}),
                    }
                ),
                "build-fanout": Section({"parallelism": SCALAR, "ignore-failure": _BATCH_FLAG}),
            }
        ),
        "phases": Section(dict.fromkeys(PHASES, _PHASE), what="phase"),
        "reports": Named(
            Section(
                dict.fromkeys(("base-directory", "file-format"), SCALAR)
                | {
                    "discard-paths": _flag(_YES_NO, "build-spec.reports.discard-paths"),
                    "files": SCALARS,
                }
            )
        ),
        "artifacts": Section(
            _ARTIFACT_SET | {"secondary-artifacts": Named(Section(_ARTIFACT_SET))},
            ignored={"type": LEGACY_ARTIFACT_TYPE},
        ),
        "cache": Section(
            # The reference calls paths a "required sequence": one string is not read.
            dict.fromkeys(("key", "action"), SCALAR)
            | {"paths": ListOf(SCALAR), "fallback-keys": SCALARS}
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


# ---- the checks, each registered as a rule -----------------------------------


@RULES.rule(
    DUPLICATE_KEY,
    "a key is written twice in one mapping",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="build: {commands: [a], commands: [b]}",
)
def check_duplicate_keys(doc: Document) -> Iterator[Hit]:
    """A key written twice: YAML silently keeps only the last value."""
    for dup in doc.duplicates:
        yield Hit(
            dup.path,
            f"duplicate key '{dup.path[-1]}' (first at line {dup.first[0]}, "
            f"again at line {dup.second[0]}); YAML keeps only the last one",
            "merge the two into one key",
            key=True,
        )


@RULES.rule(
    "BS010",
    "the document is not a mapping of sections",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="- version: 0.2",
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


@RULES.rule(
    "BS011",
    "version is missing or not 0.2/0.1",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="version: 0.0",
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


@RULES.rule(
    "BS012",
    "version written as a number other than 0.1/0.2",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="version: 0.20",
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


@RULES.rule(
    "BS013",
    "unknown top-level key (CodeBuild ignores it)",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="artifact: {files: [a]}",
)
def check_unknown_top_level_key(doc: Document) -> Iterator[Hit]:
    """A top-level key CodeBuild does not know (it ignores it)."""
    shape = shape_of(doc)
    for key in top_level(doc):
        if key not in shape.fields:
            fix = suggest(str(key), shape.fields) or "remove it"
            if key == "environment_variables":
                fix = "version 0.2 uses `env: variables:`"
            message = f"unknown top-level key '{key}' (CodeBuild ignores it)"
            yield Hit((key,), message, fix, key=True)


@RULES.rule(
    "BS014",
    "unknown key inside a section",
    Severity.ERROR,
    url=f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    example="phases: {build: {command: [make]}}",
)
def check_unknown_key(doc: Document) -> Iterator[Hit]:
    """A key CodeBuild does not know inside a known section."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if where and isinstance(shape, Section) and isinstance(value, dict):
            for key in value:
                if key not in shape.fields and key not in shape.ignored:
                    yield Hit(
                        (*where, key),
                        f"unknown {shape.what} '{key}' in {dotted(where)}",
                        suggest(str(key), shape.fields) or "remove it",
                        key=True,
                    )


@RULES.rule(
    "BS040",
    "a legacy key CodeBuild ignores (artifacts.type)",
    Severity.WARNING,
    url=f"{BUILDSPEC_REF}#build-spec-ref-versions",
    example="artifacts: {type: zip, files: [a]}",
)
def check_ignored_key(doc: Document) -> Iterator[Hit]:
    """A legacy key CodeBuild reads past (``artifacts.type``): harmless, but it does nothing."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if isinstance(shape, Section) and isinstance(value, dict):
            for key in value:
                if key in shape.ignored:
                    yield Hit(
                        (*where, key),
                        f"{dotted((*where, key))} is ignored by CodeBuild: {shape.ignored[key]}",
                        "remove it",
                        key=True,
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


def _wanted(shape: Any) -> str:
    if isinstance(shape, Section | Named):
        return "a mapping"
    if isinstance(shape, ListOf):
        return "a list"
    return shape if isinstance(shape, str) else SCALAR


@RULES.rule(
    "BS015",
    "a value of the wrong type (mapping, list or value)",
    Severity.ERROR,
    url=f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    example="cache: {paths: node_modules/**/*}",
)
def check_types(doc: Document) -> Iterator[Hit]:
    """A mapping where a list or a value is expected, or the other way round."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if where and not _fits(shape, value):
            fix = "check the indentation and the `-` of list items"
            if isinstance(shape, ListOf) and not isinstance(value, dict):
                fix = f"write it as a list, one `- item` per line: - {value}"
            message = f"{dotted(where)} must be {_wanted(shape)}, not {kind_of(value)}"
            yield Hit(where, message, fix)


def flag_value_ok(value: Any) -> bool:
    """Whether a switch's value reads as on/off: a YAML boolean or a quoted yes/no/true/false."""
    return isinstance(value, bool) or (
        isinstance(value, str) and value.strip().lower() in FLAG_WORDS
    )


@RULES.rule(
    "BS041",
    "a yes/no (or true/false) switch set to something else",
    Severity.ERROR,
    url=f"{BUILDSPEC_REF}#build-spec.artifacts.discard-paths",
    example="discard-paths: flatten",
)
def check_flags(doc: Document) -> Iterator[Hit]:
    """A yes/no (or true/false) switch set to something else."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if isinstance(shape, Flag) and _is_value(value) and not flag_value_ok(value):
            off, on = shape.words
            yield Hit(
                where,
                f"{dotted(where)} is {doc.raws.get(where, value)!r}; "
                f"CodeBuild takes {on} or {off} here",
                f"write {on} or {off} (see {shape.url})",
            )


@RULES.rule(
    "BS042",
    "env.shell is not a supported shell",
    Severity.ERROR,
    url=f"{BUILDSPEC_REF}#build-spec.shell",
    example="env: {shell: zsh}",
)
def check_choices(doc: Document) -> Iterator[Hit]:
    """A value outside a documented set: ``env.shell`` names no supported shell."""
    for where, shape, value in _walk(top_level(doc), shape_of(doc), ()):
        if isinstance(shape, Choice) and _is_value(value) and str(value) not in shape.values:
            yield Hit(
                where,
                f"{dotted(where)} {value!r} is not one of {', '.join(shape.values)}",
                suggest(str(value), shape.values) or f"use {shape.values[0]}",
            )


def _is_value(value: Any) -> bool:
    # None is "not set"; a mapping or list where a value belongs is check_types' finding.
    return value is not None and not isinstance(value, dict | list)


@RULES.rule(
    "BS016",
    "a command YAML reads as a mapping or list",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="commands: [echo key: value]",
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
