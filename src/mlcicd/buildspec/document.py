"""Read buildspec YAML safely, keeping where every key and value is in the file.

:func:`parse` turns text into a :class:`Document`: the plain data a YAML 1.1
loader gives (what CodeBuild reads: ``yes`` is ``True``, ``3.10`` is the float
``3.1``), the 1-based line and column of every key and value, and the duplicate
keys YAML itself would hide.

ruamel.yaml does the YAML: its Composer builds the node graph (each node with its
``start_mark``), its YAML 1.1 resolver tags each plain scalar and its
``SafeConstructor`` types it. This module only walks the composed nodes, to
record positions, the text of typed scalars and duplicate keys, and to stop early
and explain why on hostile input: files over :data:`MAX_BYTES`, nesting deeper
than :data:`MAX_DEPTH` (stopped while composing, before ruamel's recursion goes
deeper), aliases that expand past :data:`MAX_NODES` ("billion laughs"), bytes
that are not UTF-8, tabs used as indentation. Each stop is a
:class:`~mlcicd.exceptions.BuildspecError` naming ``path:line:column`` and the
lint rule code, in time and memory bounded by those limits.

:mod:`mlcicd.buildspec.load` adds the linter and returns the typed model.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MantissaNoDotYAML1_1Warning, MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.events import AliasEvent, MappingStartEvent, SequenceStartEvent, StreamEndEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from mlcicd.buildspec.scanner import TabScanner
from mlcicd.exceptions import BuildspecError

__all__ = [
    "ALIAS_BOMB",
    "DUPLICATE_KEY",
    "ENCODING",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "SYNTAX",
    "TAB",
    "TOO_DEEP",
    "TOO_LARGE",
    "AliasNode",
    "Document",
    "Duplicate",
    "KeyPath",
    "Node",
    "parse",
]

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

_CORE = "tag:yaml.org,2002:"
_STR, _MERGE = _CORE + "str", _CORE + "merge"
# Tags the safe constructor types; any other YAML tag (timestamp, binary, ...) stays
# text, as CodeBuild passes it to the shell.
_TYPED = frozenset(_CORE + name for name in ("null", "bool", "int", "float"))


class AliasNode(Node):
    """Where an alias (``*name``) is written; ``value`` is the shared node it names.

    ruamel.yaml's Composer returns the named node itself for an alias; the wrapper
    keeps the alias's own position, which the "billion laughs" error points at.
    """

    __slots__ = ()
    id = "alias"


class _Stop(Exception):
    """A limit or rule hit while composing; :func:`parse` adds the path."""

    def __init__(self, code: str, message: str, mark: StreamMark) -> None:
        super().__init__(message)
        self.code, self.message, self.mark = code, message, mark


class _Resolver11(VersionedResolver):
    """The YAML 1.1 resolver, whatever ``%YAML`` directive the file carries.

    CodeBuild reads buildspecs as YAML 1.1 (``yes`` is true, ``010`` is octal);
    ruamel would switch to 1.2 rules on a ``%YAML 1.2`` line.
    """

    @property
    def processing_version(self) -> Any:
        return (1, 1)


class _Composer(Composer):
    """ruamel.yaml's Composer, bounding depth and keeping alias positions.

    It overrides the Composer's own hooks (``compose_node``, ``compose_document``
    and the ``parser``/``resolver`` lookups), as :class:`TabScanner` does the
    scanner's; tests/unit/test_buildspec_document.py pins what they do (depth,
    aliases, a second document), so an upgrade that changes them fails there.
    """

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False  # YAML allows redefining an anchor
        self.open = 0
        self._parser: Any = None
        self._resolver: Any = None

    # ruamel looks both up through properties of the YAML instance on every event;
    # one instance serves one document here, so they are looked up once (about 5% of parse).
    @property
    def parser(self) -> Any:
        if self._parser is None:
            self._parser = super().parser
        return self._parser

    @property
    def resolver(self) -> Any:
        if self._resolver is None:
            self._resolver = super().resolver
        return self._resolver

    def compose_document(self) -> Any:
        node = super().compose_document()
        if not self.parser.check_event(StreamEndEvent):
            raise _Stop(
                SYNTAX,
                "more than one YAML document (a second `---`); "
                "a buildspec is one document: remove the extra `---`",
                self.parser.peek_event().start_mark,
            )
        return node

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            target = self.anchors.get(event.anchor)
            # A collection still open (no end mark yet) is an ancestor: the alias
            # would make the data contain itself.
            if target is None or target.end_mark is None:
                raise _Stop(SYNTAX, f"unknown alias *{event.anchor}", event.start_mark)
            shared = super().compose_node(parent, index)
            return AliasNode(shared.ctag, shared, event.start_mark, event.end_mark)
        if not isinstance(event, MappingStartEvent | SequenceStartEvent):
            return super().compose_node(parent, index)
        # Checked before ruamel recurses into the collection, so a 10,000-deep
        # document stops here, at the first level past the limit.
        if self.open >= MAX_DEPTH:
            raise _Stop(TOO_DEEP, _TOO_DEEP_MESSAGE, event.start_mark)
        self.open += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.open -= 1


_TOO_DEEP_MESSAGE = (
    f"nesting deeper than {MAX_DEPTH} levels; no buildspec needs this: flatten the document"
)


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
        root: The composed tree (ruamel.yaml's nodes; marks are 0-based), aliases
            as :class:`AliasNode`, or None for an empty document.
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


def _at(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


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


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)
    yaml.Scanner = TabScanner  # tabs between words are YAML 1.2's blanks, not errors
    yaml.Resolver = _Resolver11
    yaml.Composer = _Composer
    return yaml


def _syntax_error(error: MarkedYAMLError, text: str, path: str) -> BuildspecError:
    """BS003 when the line the error is on is indented with a tab, else BS001."""
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    source = lines[line - 1] if 0 < line <= len(lines) else ""
    indent = source[: len(source) - len(source.lstrip(" \t"))]
    if "\t" in indent:
        return _error(
            "tab character in indentation; YAML indents with spaces only: "
            "replace the tab with spaces",
            path,
            line,
            indent.index("\t") + 1,
            TAB,
        )
    problem = " ".join(str(error.problem or error.context or "invalid YAML").split())
    return _error(
        f"YAML syntax error: {problem}; fix the YAML (check indentation and quotes)",
        path,
        line,
        column,
        SYNTAX,
    )


def _compose(text: str, path: str) -> tuple[Node | None, SafeConstructor]:
    """The composed root node, and a safe constructor reading YAML 1.1 for its scalars."""
    yaml = _yaml()
    try:
        root = yaml.compose(text)
    except _Stop as stop:
        line, column = stop.mark.line + 1, stop.mark.column + 1
        raise _error(stop.message, path, line, column, stop.code) from None
    except MarkedYAMLError as error:
        raise _syntax_error(error, text, path) from None
    except YAMLError as error:
        raise _error(f"YAML syntax error: {error}", path, 1, 1, SYNTAX) from None
    return root, yaml.constructor


@dataclass
class _Walker:
    """Expands the composed nodes into plain data and position tables, counting every node."""

    path: str
    constructor: SafeConstructor
    values: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[KeyPath, tuple[int, int]] = field(default_factory=dict)
    raws: dict[KeyPath, str] = field(default_factory=dict)
    duplicates: list[Duplicate] = field(default_factory=list)
    count: int = 0
    depth: int = 0
    alias: AliasNode | None = None

    def _stop(self, node: Node, code: str, message: str) -> BuildspecError:
        # Inside an alias, point at the outermost alias: that is what to remove.
        return _error(message, self.path, *_at(self.alias or node), code)

    def walk(self, node: Node, where: KeyPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self._stop(
                node,
                ALIAS_BOMB,
                f"document expands to more than {MAX_NODES} nodes (aliases multiply); "
                "this looks like a 'billion laughs' document: remove the aliases",
            )
        if isinstance(node, AliasNode):
            outer, self.alias = self.alias, self.alias or node
            try:
                return self.walk(node.value, where)
            finally:
                self.alias = outer
        self.values[where] = _at(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, where)
        # Aliases can nest what the composer bounded; keep the expanded data bounded too.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise self._stop(node, TOO_DEEP, _TOO_DEEP_MESSAGE)
            if isinstance(node, SequenceNode):
                return [self.walk(item, (*where, i)) for i, item in enumerate(node.value)]
            return self._mapping(node, where)
        finally:
            self.depth -= 1

    def _scalar(self, node: ScalarNode, where: KeyPath | None) -> Any:
        """The scalar's data; its text goes to ``raws`` at ``where`` (None: a key) if typed."""
        tag = node.tag
        if tag == _STR:
            return node.value
        if not tag.startswith(_CORE):
            # Explicit application tags (``!Ref``) mean nothing to CodeBuild.
            raise _error(
                f"unknown YAML tag {tag}; CodeBuild does not read tags: "
                "remove it or quote the value",
                self.path,
                *_at(node),
                SYNTAX,
            )
        if where is not None:
            self.raws[where] = node.value
        if tag not in _TYPED:
            return node.value
        try:
            with warnings.catch_warnings():
                # ruamel warns on a YAML 1.1 float without a dot (1e5); the linter says
                # what matters about numbers (BS019), and CodeBuild reads it as a float.
                warnings.simplefilter("ignore", MantissaNoDotYAML1_1Warning)
                return self.constructor.construct_object(node)
        except (ConstructorError, ValueError, KeyError):
            # Only an explicit tag can get here (``!!int abc``): the resolver matched the rest.
            raise _error(
                f"{node.value!r} is not a valid {tag.removeprefix(_CORE)}: "
                "remove the tag or fix the value",
                self.path,
                *_at(node),
                SYNTAX,
            ) from None

    def _key(self, node: Node) -> Any:
        # Keys are scalars in any buildspec; a complex key is kept as its kind.
        self.count += 1
        if isinstance(node, AliasNode):
            node = node.value
        if isinstance(node, ScalarNode):
            return self._scalar(node, None)
        return f"<{node.id}>"

    def _mapping(self, node: MappingNode, where: KeyPath) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merges = [value for key, value in node.value if key.tag == _MERGE]
        if merges:
            out = self._merged(merges, where)
            self.values[where] = _at(node)
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node)
            here = (*where, key)
            if key in explicit:
                self.duplicates.append(Duplicate(here, self.keys[here], _at(key_node)))
            explicit.add(key)
            self.keys[here] = _at(key_node)
            out[key] = self.walk(value_node, here)
        return out

    def _merged(self, merges: list[Node], where: KeyPath) -> dict[Any, Any]:
        """The keys ``<<: *defaults`` (YAML 1.1 merge) brings; keys written here win.

        Of several merged mappings (``<<: [*a, *b]``), the first that has a key wins,
        as the merge spec (and ruamel's SafeConstructor) says.
        """
        out: dict[Any, Any] = {}
        for merge in merges:
            merged = self.walk(merge, where)
            parts = merged if isinstance(merged, list) else [merged]
            for part in parts:
                if isinstance(part, dict):
                    out.update({k: v for k, v in part.items() if k not in out})
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
    root, constructor = _compose(source, path)
    walker = _Walker(path, constructor)
    data = None if root is None else walker.walk(root, ())
    return Document(
        path=path,
        root=root,
        data=data,
        values=walker.values,
        keys=walker.keys,
        raws=walker.raws,
        duplicates=tuple(walker.duplicates),
    )
