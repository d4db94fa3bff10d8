"""The one lint core the toolkit's four linters share: buildspec, pipeline, course and iac.

Each linter declares its rules in a :class:`Registry`, one decorator next to
each check, with the rule's id, a short description, its :class:`Severity` and
the documentation URL it rests on (as cfn-lint declares its rules). A check is
a small pure function: it takes what its linter looks at (a parsed buildspec, a
pipeline model, a notebook) and yields :class:`Hit` s in that linter's own
terms of place; the linter turns each hit into one :class:`Finding`, the only
finding type, placed by a :class:`Where`. The command line prints findings,
the summary line and the exit code through :func:`render` and
:func:`exit_code`, whichever linter made them.

Example::

    RULES = Registry("buildspec")

    @RULES.rule("BS017", "runtime-versions outside the install phase", url=REFERENCE)
    def check_runtime_versions_phase(doc):
        ...
        yield Hit(("phases", name), "runtime-versions in the build phase", "move it to install")
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

__all__ = [
    "Check",
    "Finding",
    "Hit",
    "Registry",
    "Rule",
    "Severity",
    "Where",
    "exit_code",
    "render",
    "suggest",
    "summary",
]


class Severity(StrEnum):
    """How bad a finding is; compares equal to its string (``Severity.ERROR == "error"``).

    ``ERROR``: the service would reject the file or silently misbehave, so the
    command exits 1. ``WARNING``: it works, but not as the author likely meant,
    or the course advises otherwise. ``INFO``: a note (cfn-lint's informational rules).
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Where:
    """Where a finding is; each linter fills the parts it knows.

    Attributes:
        path: The file, as given on the command line ("" when linting data).
        line: 1-based line in the file.
        column: 1-based column in the file.
        cell: 1-based notebook cell.
        location: A path inside the document: ``stages[2].actions[0]`` (a pipeline
            declaration), ``Pipeline.stages[1]`` or ``Resources/Bucket/Properties``
            (a template).
    """

    path: str = ""
    line: int | None = None
    column: int | None = None
    cell: int | None = None
    location: str = ""

    def __str__(self) -> str:
        """``path:line:column``, ``path:cell N``, ``path: location``, or what is known of them."""
        head = self.path
        if self.line is not None:
            head += f":{self.line}:{self.column or 1}"
        if self.cell is not None:
            head += f":cell {self.cell}"
        return ": ".join(part for part in (head, self.location) if part) or "<input>"


@dataclass(frozen=True)
class Finding:
    """One problem one rule found.

    Attributes:
        code: The rule's id, e.g. ``BS014``, ``PL010``, ``CO002`` or cfn-lint's ``E3030``.
        severity: The rule's severity (an inline buildspec's finding keeps its own).
        message: What is wrong.
        fix: What to do about it ("" when the rule has no advice).
        where: Where it is.
    """

    code: str
    severity: Severity
    message: str
    fix: str = ""
    where: Where = field(default_factory=Where)

    def __post_init__(self) -> None:
        # Accept the plain string too ("error"), as the JSON and older callers give it.
        object.__setattr__(self, "severity", Severity(self.severity))

    @property
    def path(self) -> str:
        """The file (``where.path``)."""
        return self.where.path

    @property
    def line(self) -> int | None:
        """The 1-based line (``where.line``)."""
        return self.where.line

    @property
    def column(self) -> int | None:
        """The 1-based column (``where.column``)."""
        return self.where.column

    @property
    def cell(self) -> int | None:
        """The 1-based notebook cell (``where.cell``)."""
        return self.where.cell

    @property
    def location(self) -> str:
        """The path inside the document (``where.location``)."""
        return self.where.location

    def format(self) -> str:
        """Return ``where: CODE message (fix)`` on one line."""
        fix = f" ({self.fix})" if self.fix else ""
        return f"{self.where}: {self.code} {self.message}{fix}"

    def __str__(self) -> str:
        return self.format()

    def placed(self, **where: Any) -> Finding:
        """The same finding at another place: the given :class:`Where` fields replaced."""
        return replace(self, where=replace(self.where, **where))

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: code, severity, message, fix and every known part of where."""
        known = {
            name: value
            for name, value in vars(self.where).items()
            if value is not None and value != ""
        }
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "fix": self.fix,
            **known,
        }


@dataclass(frozen=True)
class Hit:
    """What a check yields; its linter turns it into a :class:`Finding`.

    Attributes:
        where: The place in the linter's own terms: a key path in a buildspec, a
            JSON path in a pipeline declaration, a cell number in a notebook.
        message: What is wrong.
        fix: What to do about it.
        key: The problem is the mapping key at ``where``, not its value (a
            buildspec places the finding at the key's line and column).
    """

    where: Any
    message: str
    fix: str = ""
    key: bool = False


#: A rule's check: takes what its linter looks at and yields hits.
Check = Callable[[Any], Iterable[Hit]]
_C = TypeVar("_C", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """A lint rule, declared next to its check.

    Attributes:
        id: Stable code, e.g. ``BS017``.
        summary: One line saying what the rule catches.
        severity: How bad its findings are.
        url: The documentation page the rule rests on; "" only for the course's own
            advice that no page states.
        check: The check; None for a rule whose findings come from elsewhere (what
            stops the YAML parser, a file that cannot be read).
        example: One line that triggers the rule, for ``rules`` listings.
    """

    id: str
    summary: str
    severity: Severity
    url: str
    check: Check | None = None
    example: str = ""

    def describe(self) -> str:
        """Two lines for ``mlcicd ... rules``: id, severity, summary (and example), then the URL."""
        example = f"  e.g. {self.example}" if self.example else ""
        source = self.url or "(the course's own advice)"
        return f"{self.id}  {self.severity:<7}  {self.summary}{example}\n        {source}"


class Registry:
    """The rules of one linter, registered by :meth:`rule` next to their checks.

    Iterating gives the rules in id order, which is the order a linter runs them
    and lists their findings at one place.
    """

    def __init__(self, name: str) -> None:
        """Start an empty registry for the linter called ``name`` (used in errors)."""
        self.name = name
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        """Register ``rule``; an id registered twice is a programming error."""
        if rule.id in self._rules:
            raise ValueError(f"{self.name} lint: rule {rule.id} is registered twice")
        self._rules[rule.id] = rule
        return rule

    def rule(
        self,
        id: str,
        summary: str,
        severity: Severity = Severity.ERROR,
        *,
        url: str,
        example: str = "",
    ) -> Callable[[_C], _C]:
        """Decorator: register the decorated function as the check of a new rule.

        Returns:
            A decorator that returns the function unchanged.
        """

        def register(check: _C) -> _C:
            self.add(Rule(id, summary, Severity(severity), url, check, example))
            return check

        return register

    def declare(
        self,
        id: str,
        summary: str,
        severity: Severity = Severity.ERROR,
        *,
        url: str,
        example: str = "",
    ) -> str:
        """Register a rule without a check (its findings come from elsewhere); return its id."""
        self.add(Rule(id, summary, Severity(severity), url, None, example))
        return id

    def __iter__(self) -> Iterator[Rule]:
        return iter(sorted(self._rules.values(), key=lambda rule: rule.id))

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, id: object) -> bool:
        return id in self._rules

    def __getitem__(self, id: str) -> Rule:
        return self._rules[id]

    def hits(self, subject: Any) -> Iterator[tuple[Rule, Hit]]:
        """Run every rule's check on ``subject``; yield each (rule, hit) in rule order."""
        for rule in self:
            if rule.check is not None:
                for hit in rule.check(subject):
                    yield rule, hit

    def describe(self) -> str:
        """Every rule, two lines each (:meth:`Rule.describe`), for ``mlcicd ... rules``."""
        return "\n".join(rule.describe() for rule in self)


def suggest(word: Any, choices: Iterable[Any]) -> str:
    """Return a "did you mean" fix for a misspelt ``word``, or "" when nothing is close."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def summary(findings: Sequence[Finding], subject: str) -> str:
    """One line: ``subject: E error(s), W warning(s)`` (and infos, when there are any)."""
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    infos = f", {counts[Severity.INFO]} info" if counts[Severity.INFO] else ""
    return (
        f"{subject}: {counts[Severity.ERROR]} error(s), "
        f"{counts[Severity.WARNING]} warning(s){infos}"
    )


def render(findings: Sequence[Finding], *, output: str = "text", subject: str) -> str:
    """What a lint command prints.

    Args:
        findings: In the order to print them.
        output: ``"text"``: one :meth:`Finding.format` line each, then the
            :func:`summary`. ``"json"``: a JSON list of :meth:`Finding.to_dict`.
        subject: What was linted, for the summary (``buildspec.yml``, ``3 file(s)``).

    Returns:
        The text, without a final newline.
    """
    if output == "json":
        return json.dumps([finding.to_dict() for finding in findings], indent=2)
    return "\n".join([*(finding.format() for finding in findings), summary(findings, subject)])


def exit_code(findings: Iterable[Finding]) -> int:
    """1 when any finding is an error, else 0."""
    return int(any(finding.severity == Severity.ERROR for finding in findings))
