"""The buildspec lint rules of the ``batch`` section: build identifiers and dependencies.

Like :mod:`mlcicd.buildspec.rules`, each check takes a parsed
:class:`~mlcicd.buildspec.document.Document`, yields :class:`~mlcicd.lint.Hit` s
and is registered in :data:`~mlcicd.buildspec.registry.RULES` by its decorator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlcicd.buildspec.document import Document
from mlcicd.buildspec.registry import BATCH_REF, BUILDSPEC_REF, RULES
from mlcicd.buildspec.schema import as_dict, top_level
from mlcicd.lint import Hit, Severity, suggest

_BATCH_KINDS = ("build-graph", "build-list", "build-matrix", "build-fanout")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")


def batch_builds(doc: Document) -> Iterator[tuple[str, list[Any]]]:
    """Yield (kind, entries) of ``batch.build-graph`` and ``batch.build-list``, where lists."""
    batch = as_dict(top_level(doc).get("batch"))
    for kind in ("build-graph", "build-list"):
        if isinstance(batch.get(kind), list):
            yield kind, batch[kind]


@RULES.rule(
    "BS026",
    "a batch build without identifier",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="build-graph: [{buildspec: b.yml}]",
)
def check_build_identifier_missing(doc: Document) -> Iterator[Hit]:
    """A batch build-graph/build-list entry without ``identifier``."""
    for kind, builds in batch_builds(doc):
        for index, build in enumerate(builds):
            if isinstance(build, dict) and build.get("identifier") is None:
                yield Hit(
                    ("batch", kind, index),
                    f"batch.{kind} entry {index + 1} has no identifier",
                    "add identifier: with a name of letters, digits and underscores",
                )


@RULES.rule(
    "BS027",
    "a batch identifier with other than letters, digits, _",
    Severity.ERROR,
    url=f"{BATCH_REF}#build-spec.batch.build-graph",
    example="identifier: unit-tests",
)
def check_build_identifier_form(doc: Document) -> Iterator[Hit]:
    """A batch build identifier with characters other than letters, digits, underscores."""
    for kind, builds in batch_builds(doc):
        for index, build in enumerate(builds):
            ident = as_dict(build).get("identifier")
            if ident is not None and not _IDENTIFIER.match(str(ident)):
                yield Hit(
                    ("batch", kind, index, "identifier"),
                    f"identifier {ident!r} may contain only letters, digits and underscores",
                    f"e.g. {_identifier_fix(ident)} (and the same in depend-on)",
                )


@RULES.rule(
    "BS028",
    "two batch builds with one identifier",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="build-list: [{identifier: a}, {identifier: a}]",
)
def check_build_identifier_unique(doc: Document) -> Iterator[Hit]:
    """Two batch builds with the same identifier."""
    for kind, builds in batch_builds(doc):
        seen: set[str] = set()
        for index, build in enumerate(builds):
            ident = as_dict(build).get("identifier")
            if ident is not None and str(ident) in seen:
                yield Hit(
                    ("batch", kind, index, "identifier"),
                    f"identifier {ident!r} is used by an earlier build",
                    "give each build its own identifier",
                )
            seen.add(str(ident))


def _identifier_fix(ident: Any) -> str:
    """The identifier with each character CodeBuild refuses replaced by ``_``."""
    return re.sub(r"[^A-Za-z0-9_]", "_", str(ident))


@RULES.rule(
    "BS029",
    "depend-on names an unknown build",
    Severity.ERROR,
    url=f"{BATCH_REF}#build-spec.batch.build-graph",
    example="depend-on: [nosuch]",
)
def check_depend_on(doc: Document) -> Iterator[Hit]:
    """A build-graph ``depend-on`` naming no build in the graph."""
    for kind, builds in batch_builds(doc):
        idents = [as_dict(b).get("identifier") for b in builds]
        known = {str(i) for i in idents}
        # A malformed identifier (BS027) is reported once, at the identifier: depend-on
        # entries that already use the fixed spelling BS027 suggests are not mistakes too.
        known |= {_identifier_fix(i) for i in idents if i is not None}
        for index, build in enumerate(builds):
            depends = as_dict(build).get("depend-on")
            names = depends if isinstance(depends, list) else [] if depends is None else [depends]
            for position, name in enumerate(names):
                if str(name) not in known:
                    where = ("batch", kind, index, "depend-on")
                    yield Hit(
                        (*where, position) if isinstance(depends, list) else where,
                        f"depend-on {name!r} names no build in batch.{kind}",
                        suggest(str(name), sorted(known)) or "remove it",
                    )


@RULES.rule(
    "BS030",
    "more than one batch type",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="batch: {build-list: [..], build-graph: [..]}",
)
def check_one_batch_kind(doc: Document) -> Iterator[Hit]:
    """More than one of build-graph, build-list, build-matrix, build-fanout."""
    kinds = [k for k in as_dict(top_level(doc).get("batch")) if k in _BATCH_KINDS]
    for kind in kinds[1:]:
        yield Hit(
            ("batch", kind),
            f"batch has both {kinds[0]} and {kind}; CodeBuild takes one batch type",
            f"keep {kinds[0]} or {kind}, not both",
            key=True,
        )
