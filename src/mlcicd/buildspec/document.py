"""Read buildspec YAML safely, keeping where every key and value is in the file.

:func:`parse` turns text into a :class:`Document`: the plain data a YAML 1.1
loader gives (what CodeBuild reads: ``yes`` is ``True``, ``3.10`` is the float
``3.1``), the 1-based line and column of every key and value, and the duplicate
keys YAML itself would hide. It reads the event stream of ruamel.yaml and builds
the tree itself, so that it can stop early and explain why on hostile input:
files over :data:`MAX_BYTES`, nesting deeper than :data:`MAX_DEPTH`, aliases
that expand past :data:`MAX_NODES` ("billion laughs"), bytes that are not
UTF-8, tabs used as indentation. Each stop is a
:class:`~mlcicd.exceptions.BuildspecError` naming ``path:line:column`` and the
lint rule code, in time and memory bounded by those limits.

:mod:`mlcicd.buildspec.load` adds the linter and returns the typed model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from mlcicd.buildspec.scanner import TabScanner
from mlcicd.exceptions import BuildspecError

#: Largest buildspec read, in bytes (real ones are a few KiB).
MAX_BYTES = 1024 * 1024
#: Deepest nesting of mappings and lists (real buildspecs stay under 10).
MAX_DEPTH = 100
#: Most keys, values and list items a document may expand to, aliases included.
MAX_NODES = 100_000

#: Codes of the problems :func:`parse` finds (documented with the lint rules).
SYNTAX, DUPLICATE_KEY, TAB, ENCODING, TOO_LARGE, TOO_DEEP, ALIAS_BOMB = (
    "BS001",
    "BS002",
    "BS003",
    "BS004",
    "BS005",
    "BS006",
    "BS007",
)

#: A key or index path from the document root, e.g. ``("phases", "build", "commands", 0)``.
KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
# CodeBuild reads YAML 1.1, where ``yes``/``on`` are booleans and ``010`` is octal.
_RESOLVER = VersionedResolver(version=(1, 1))


@dataclass(frozen=True)
class Node:
    """One node of the positioned tree, as written in the file (aliases not expanded).

    Attributes:
        kind: ``"mapping"``, ``"sequence"``, ``"scalar"`` or ``"alias"``.
        line: 1-based line where the node starts.
        column: 1-based column where the node starts.
        value: The scalar's data (``kind == "scalar"``); None otherwise.
        raw: The scalar exactly as written, before YAML typed it (``"3.10"``).
        tag: The resolved YAML tag of a scalar, e.g. ``tag:yaml.org,2002:float``.
        items: Mapping: alternating key, value nodes; sequence: the items;
            alias: the one node it names.
    """

    kind: str
    line: int
    column: int
    value: Any = None
    raw: str = ""
    tag: str = ""
    items: tuple[Node, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Duplicate:
    """A key written twice in one mapping (YAML keeps only the last value).

    Attributes:
        path: Where the mapping is, then the key.
        first: (line, column) of the first occurrence.
        second: (line, column) of the repeated one.
    """

    path: KeyPath
    first: tuple[int, int]
    second: tuple[int, int]


@dataclass(frozen=True)
class Document:
    """A parsed buildspec with positions.

    Attributes:
        path: The file name used in messages.
        root: The positioned tree, or None for an empty document.
        data: Plain dicts, lists and scalars, as CodeBuild's YAML 1.1 reader sees them.
        values: Path to (line, column) of each value (the root is ``()``).
        keys: Path to (line, column) of each mapping key.
        raws: Path to the scalar text as written, for scalars YAML typed (numbers, booleans).
        duplicates: Keys written twice, in file order.
    """

    path: str
    root: Node | None
    data: Any
    values: dict[KeyPath, tuple[int, int]]
    keys: dict[KeyPath, tuple[int, int]]
    raws: dict[KeyPath, str]
    duplicates: tuple[Duplicate, ...]

    def where(self, path: KeyPath, *, key: bool = False) -> tuple[int, int]:
        """Return (line, column) of the value (or key) at ``path``, else of its nearest parent."""
        table = self.keys if key else self.values
        while path and path not in table:
            path = path[:-1]
        return table.get(path, self.values.get((), (1, 1)))


def _error(message: str, path: str, line: int, column: int, code: str) -> BuildspecError:
    return BuildspecError(message, path=path, line=line, column=column, code=code)


def _decode(text: str | bytes, path: str) -> str:
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        raise _error(
            f"file is {size} bytes, over the {MAX_BYTES}-byte limit; "
            "a buildspec is a few KiB: move data out of it",
            path,
            1,
            1,
            TOO_LARGE,
        )
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = text[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise _error(
            f"byte 0x{text[error.start]:02x} is not UTF-8; CodeBuild reads buildspecs as UTF-8: "
            "re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
            path,
            line,
            column,
            ENCODING,
        ) from None


def _scalar(tag: str, raw: str) -> Any:
    """Type one plain scalar as YAML 1.1 does."""
    kind = tag.rsplit(":", 1)[-1]
    text = raw.replace("_", "")
    if kind == "null":
        return None
    if kind == "bool":
        return raw.lower() in ("yes", "true", "on", "y")
    if kind == "int":
        sign = -1 if text.startswith("-") else 1
        digits = text.lstrip("+-")
        if ":" in digits:
            return sign * _base60(digits)
        for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
            if digits.lower().startswith(prefix):
                return sign * int(digits[2:], base)
        return sign * int(digits, 8 if len(digits) > 1 and digits.startswith("0") else 10)
    if kind == "float":
        lowered = text.lower()
        if lowered.lstrip("+-") == ".inf":
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        if _SEXAGESIMAL.match(text):
            sign = -1.0 if text.startswith("-") else 1.0
            return sign * float(_base60(text.lstrip("+-")))
        return float(text)
    # Timestamps and the rest stay text, as CodeBuild passes them to the shell.
    return raw


def _base60(digits: str) -> float:
    total: float = 0
    for part in digits.split(":"):
        total = total * 60 + float(part)
    return int(total) if total.is_integer() and "." not in digits else total


def _events(text: str, path: str) -> Iterator[Event]:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)
    yaml.Scanner = TabScanner  # tabs between words are YAML 1.2's blanks, not errors
    try:
        yield from yaml.parse(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        lines = text.splitlines()
        source = lines[line - 1] if 0 < line <= len(lines) else ""
        indent = source[: len(source) - len(source.lstrip(" \t"))]
        if "\t" in indent:
            raise _error(
                "tab character in indentation; YAML indents with spaces only: "
                "replace the tab with spaces",
                path,
                line,
                indent.index("\t") + 1,
                TAB,
            ) from None
        problem = " ".join(str(error.problem or error.context or "invalid YAML").split())
        raise _error(
            f"YAML syntax error: {problem}; fix the YAML (check indentation and quotes)",
            path,
            line,
            column,
            SYNTAX,
        ) from None
    except YAMLError as error:
        raise _error(f"YAML syntax error: {error}", path, 1, 1, SYNTAX) from None


def _tree(text: str, path: str) -> Node | None:
    """Build the positioned tree from the event stream, bounding depth."""
    # Open collections: (kind, line, column, anchor, items so far).
    stack: list[tuple[str, int, int, str | None, list[Node]]] = []
    # An anchor is usable once its node is complete, so no alias can name its own parent.
    anchors: dict[str, Node] = {}
    root: Node | None = None
    documents = 0
    for event in _events(text, path):
        line, column = event.start_mark.line + 1, event.start_mark.column + 1
        if isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _error(
                    "more than one YAML document (a second `---`); "
                    "a buildspec is one document: remove the extra `---`",
                    path,
                    line,
                    column,
                    SYNTAX,
                )
            continue
        if isinstance(event, MappingStartEvent | SequenceStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise _error(
                    f"nesting deeper than {MAX_DEPTH} levels; no buildspec needs this: "
                    "flatten the document",
                    path,
                    line,
                    column,
                    TOO_DEEP,
                )
            kind = "mapping" if isinstance(event, MappingStartEvent) else "sequence"
            stack.append((kind, line, column, event.anchor, []))
            continue
        anchor = None
        if isinstance(event, CollectionEndEvent):
            kind, start_line, start_column, anchor, items = stack.pop()
            node = Node(kind, start_line, start_column, items=tuple(items))
        elif isinstance(event, AliasEvent):
            if event.anchor not in anchors:
                raise _error(f"unknown alias *{event.anchor}", path, line, column, SYNTAX)
            node = Node("alias", line, column, items=(anchors[event.anchor],))
        elif isinstance(event, ScalarEvent):
            anchor = event.anchor
            node = _scalar_node(event, line, column, path)
        else:
            continue
        if anchor:
            anchors[anchor] = node
        if stack:
            stack[-1][4].append(node)
        else:
            root = node
    return root


def _scalar_node(event: ScalarEvent, line: int, column: int, path: str) -> Node:
    if event.tag not in (None, "!"):
        # Explicit tags (``!Ref``, ``!!binary``) mean nothing to CodeBuild.
        if not str(event.tag).startswith("tag:yaml.org,2002:"):
            raise _error(
                f"unknown YAML tag {event.tag}; CodeBuild does not read tags: "
                "remove it or quote the value",
                path,
                line,
                column,
                SYNTAX,
            )
        tag = str(event.tag)
    elif event.implicit[0]:
        tag = str(_RESOLVER.resolve(ScalarNode, event.value, (True, False)))
    else:
        tag = "tag:yaml.org,2002:str"
    return Node("scalar", line, column, _scalar(tag, event.value), event.value, tag)


@dataclass
class _Builder:
    """Expands the tree into plain data and position tables, counting every node."""

    path: str
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    raws: dict[KeyPath, str] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    count: int = 0
    alias: Node | None = None

    def build(self, node: Node, where: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            at = self.alias or node
            raise _error(
                f"document expands to more than {MAX_NODES} nodes (aliases multiply); "
                "this looks like a 'billion laughs' document: remove the aliases",
                self.path,
                at.line,
                at.column,
                ALIAS_BOMB,
            )
        if node.kind == "alias":
            outer, self.alias = self.alias, self.alias or node
            try:
                return self.build(node.items[0], where)
            finally:
                self.alias = outer
        self.values[where] = (node.line, node.column)
        if node.kind == "scalar":
            if node.tag != "tag:yaml.org,2002:str":
                self.raws[where] = node.raw
            return node.value
        if node.kind == "sequence":
            return [self.build(item, (*where, i)) for i, item in enumerate(node.items)]
        return self._mapping(node, where)

    def _mapping(self, node: Node, where: KeyPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        explicit: set[Any] = set()
        for key_node, value_node in zip(node.items[::2], node.items[1::2], strict=True):
            if key_node.kind == "scalar" and key_node.tag == _MERGE_TAG:
                # ``<<: *defaults``: YAML 1.1 merge; keys written here win.
                merged = self.build(value_node, where)
                for part in merged if isinstance(merged, list) else [merged]:
                    if isinstance(part, dict):
                        out.update({k: v for k, v in part.items() if k not in explicit})
                continue
            # Keys are scalars in any buildspec; a complex key is kept as its text.
            self.count += 1
            key = key_node.value if key_node.kind == "scalar" else f"<{key_node.kind}>"
            here = (*where, key)
            if key in explicit:
                self.duplicates.append(
                    Duplicate(here, self.keys[here], (key_node.line, key_node.column))
                )
            explicit.add(key)
            self.keys[here] = (key_node.line, key_node.column)
            out[key] = self.build(value_node, here)
        return out


def parse(text: str | bytes, *, path: str = "<string>") -> Document:
    """Parse buildspec YAML, keeping positions and catching what YAML hides.

    Args:
        text: The file's text, or its bytes (must be UTF-8).
        path: Name used in messages.

    Returns:
        The document; duplicate keys are in ``Document.duplicates`` (the linter reports them).

    Raises:
        BuildspecError: The text is not YAML, not UTF-8, indented with tabs, over
            :data:`MAX_BYTES`, nested deeper than :data:`MAX_DEPTH`, or expands past
            :data:`MAX_NODES`; ``code`` is the lint rule code.
    """
    source = _decode(text, path)
    root = _tree(source, path)
    builder = _Builder(path)
    data = None if root is None else builder.build(root, ())
    return Document(
        path=path,
        root=root,
        data=data,
        values=builder.values,
        keys=builder.keys,
        raws=builder.raws,
        duplicates=tuple(builder.duplicates),
    )
