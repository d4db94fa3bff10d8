"""Lint buildspecs: :class:`~mlcicd.lint.Finding` s with a stable code, a line, a column and a fix.

:data:`RULES` is the buildspec linter's :class:`~mlcicd.lint.Registry`: each
check registers itself with its decorator in :mod:`mlcicd.buildspec.schema`,
:mod:`mlcicd.buildspec.rules` and :mod:`mlcicd.buildspec.batch_rules` (imported
here, so importing this module fills the registry); the problems
:func:`~mlcicd.buildspec.document.parse` stops at are declared here.
:func:`lint_text` parses the text (what stops parsing becomes a finding too) and
runs every check; findings come back sorted by line, column and code.
"""

from __future__ import annotations

from pathlib import Path

# The check modules register their rules into RULES when imported.
from mlcicd.buildspec import batch_rules, rules, schema  # noqa: F401
from mlcicd.buildspec.document import (
    ALIAS_BOMB,
    ENCODING,
    SYNTAX,
    TAB,
    TOO_DEEP,
    TOO_LARGE,
    Document,
    parse,
)
from mlcicd.buildspec.registry import BUILDSPEC_REF, RULES
from mlcicd.exceptions import BuildspecError
from mlcicd.lint import Finding, Severity, Where

__all__ = ["RULES", "UNREADABLE", "Finding", "lint_document", "lint_file", "lint_text"]

_E = Severity.ERROR

# The problems that stop the reader: their findings come from parse's error (or from
# lint_file), so these rules have no check.
#: Code of the finding for a file that cannot be read.
UNREADABLE = RULES.declare(
    "BS000",
    "the file cannot be read",
    _E,
    url=BUILDSPEC_REF,
    example="mlcicd buildspec lint missing.yml",
)
RULES.declare(SYNTAX, "the file is not valid YAML", _E, url=BUILDSPEC_REF, example="phases: [build")
RULES.declare(
    TAB,
    "a tab is used for indentation (tabs between words are fine)",
    _E,
    url=f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    example="phases:\\n\\tbuild:",
)
RULES.declare(
    ENCODING,
    "the file is not UTF-8 text",
    _E,
    url=BUILDSPEC_REF,
    example="b'env: caf\\xe9' (latin-1)",
)
RULES.declare(
    TOO_LARGE, "the file is over 1 MiB", _E, url=BUILDSPEC_REF, example="a 5 MB generated buildspec"
)
RULES.declare(
    TOO_DEEP,
    "mappings/lists nested over 100 levels deep",
    _E,
    url=BUILDSPEC_REF,
    example="[[[[...]]]] (10,000 deep)",
)
RULES.declare(
    ALIAS_BOMB,
    "aliases expand past 100,000 nodes",
    _E,
    url=BUILDSPEC_REF,
    example="billion laughs: b: [*a, *a, ...]",
)


def _order(finding: Finding) -> tuple[int, int, str]:
    # Every buildspec finding has a line and column (parse errors default to 1:1).
    return (finding.line or 1, finding.column or 1, finding.code)


def lint_document(document: Document) -> list[Finding]:
    """Run every rule's check on a parsed document.

    Args:
        document: From :func:`~mlcicd.buildspec.document.parse`; not modified.

    Returns:
        The findings, sorted by line, column and code.
    """
    found = []
    for rule, hit in RULES.hits(document):
        line, column = document.where(hit.where, key=hit.key)
        where = Where(document.path, line, column)
        found.append(Finding(rule.id, rule.severity, hit.message, hit.fix, where))
    return sorted(found, key=_order)


def _from_error(error: BuildspecError, path: str) -> Finding:
    # parse's messages read "what is wrong; what to do".
    message, _, fix = error.message.partition("; ")
    code = error.code or UNREADABLE
    severity = RULES[code].severity if code in RULES else Severity.ERROR
    where = Where(error.path or path, error.line or 1, error.column or 1)
    return Finding(code, severity, message, fix, where)


def lint_text(text: str | bytes, *, path: str = "<string>") -> list[Finding]:
    """Lint buildspec text.

    Args:
        text: The buildspec's text, or its bytes.
        path: Name used in findings.

    Returns:
        The findings sorted by line; a file that cannot be parsed gives one finding.
    """
    try:
        document = parse(text, path=path)
    except BuildspecError as error:
        return [_from_error(error, path)]
    return lint_document(document)


def lint_file(path: Path | str) -> list[Finding]:
    """Lint the buildspec file at ``path``; a file that cannot be read is a finding.

    Args:
        path: The file.

    Returns:
        The findings sorted by line.
    """
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"cannot read the file: {reason}"
        where = Where(str(path), 1, 1)
        return [Finding(UNREADABLE, RULES[UNREADABLE].severity, message, "check the path", where)]
    return lint_text(content, path=str(path))
