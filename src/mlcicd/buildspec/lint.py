"""Lint buildspecs: findings with a stable code, a location and a fix hint.

:data:`RULES` is the ordered registry of every rule (code, severity, one-line
summary, an example that triggers it, and its check). :func:`lint_text` parses
the text (:func:`~mlcicd.buildspec.document.parse`; what stops parsing becomes a
finding too) and runs every check; findings come back sorted by line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlcicd.buildspec.document import (
    ALIAS_BOMB,
    DUPLICATE_KEY,
    ENCODING,
    SYNTAX,
    TAB,
    TOO_DEEP,
    TOO_LARGE,
    Document,
    parse,
)
from mlcicd.buildspec.rules import (
    check_artifacts_files,
    check_build_identifier_form,
    check_build_identifier_missing,
    check_build_identifier_unique,
    check_depend_on,
    check_empty_commands,
    check_exported_aws,
    check_exported_variables,
    check_fallback_keys,
    check_finally_without_commands,
    check_float_lost_digits,
    check_float_runtime_version,
    check_on_failure,
    check_one_batch_kind,
    check_report_files,
    check_report_format,
    check_report_group_count,
    check_reports_advice,
    check_reserved_variable,
    check_runtime_versions_phase,
    check_secondary_artifacts_files,
    check_secrets_manager,
    check_variable_boolean,
    check_variable_structure,
)
from mlcicd.buildspec.schema import (
    BATCH_REF,
    BUILDSPEC_REF,
    Check,
    Hit,
    check_choices,
    check_command_type,
    check_duplicate_keys,
    check_flags,
    check_ignored_key,
    check_top_level_mapping,
    check_types,
    check_unknown_key,
    check_unknown_top_level_key,
    check_version,
    check_version_spelling,
)
from mlcicd.exceptions import BuildspecError

#: Code of the finding for a file that cannot be read.
UNREADABLE = "BS000"


@dataclass(frozen=True)
class Rule:
    """A lint rule.

    Attributes:
        code: Stable code, ``BS001`` ...
        severity: ``"error"`` (CodeBuild rejects or misreads the file) or ``"warning"``.
        summary: One line saying what the rule catches.
        example: One line of YAML that triggers it.
        check: The check; None for the problems :func:`~mlcicd.buildspec.document.parse`
            stops at (their findings come from its error).
        url: The CodeBuild documentation the rule rests on.
    """

    code: str
    severity: str
    summary: str
    example: str
    check: Check | None = None
    url: str = BUILDSPEC_REF


@dataclass(frozen=True)
class Finding:
    """One problem in one buildspec.

    Attributes:
        code: The rule's code, e.g. ``BS014``.
        severity: ``"error"`` or ``"warning"``.
        message: What is wrong.
        hint: How to fix it.
        path: The file.
        line: 1-based line.
        column: 1-based column.
    """

    code: str
    severity: str
    message: str
    hint: str
    path: str
    line: int
    column: int

    def format(self) -> str:
        """Return ``path:line:col: CODE message (hint)`` on one line."""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as plain data (for JSON)."""
        return asdict(self)


#: Every rule, in the order findings on one line are listed.
RULES: tuple[Rule, ...] = (
    Rule(UNREADABLE, "error", "the file cannot be read", "mlcicd buildspec lint missing.yml"),
    Rule(SYNTAX, "error", "the file is not valid YAML", "phases: [build"),
    Rule(
        DUPLICATE_KEY,
        "error",
        "a key is written twice in one mapping",
        "build: {commands: [a], commands: [b]}",
        check_duplicate_keys,
    ),
    Rule(
        TAB,
        "error",
        "a tab is used for indentation (tabs between words are fine)",
        "phases:\\n\\tbuild:",
        url=f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    ),
    Rule(ENCODING, "error", "the file is not UTF-8 text", "b'env: caf\\xe9' (latin-1)"),
    Rule(TOO_LARGE, "error", "the file is over 1 MiB", "a 5 MB generated buildspec"),
    Rule(
        TOO_DEEP, "error", "mappings/lists nested over 100 levels deep", "[[[[...]]]] (10,000 deep)"
    ),
    Rule(
        ALIAS_BOMB, "error", "aliases expand past 100,000 nodes", "billion laughs: b: [*a, *a, ...]"
    ),
    Rule(
        "BS010",
        "error",
        "the document is not a mapping of sections",
        "- version: 0.2",
        check_top_level_mapping,
    ),
    Rule("BS011", "error", "version is missing or not 0.2/0.1", "version: 0.0", check_version),
    Rule(
        "BS012",
        "warning",
        "version written as a number other than 0.1/0.2",
        "version: 0.20",
        check_version_spelling,
    ),
    Rule(
        "BS013",
        "warning",
        "unknown top-level key (CodeBuild ignores it)",
        "artifact: {files: [a]}",
        check_unknown_top_level_key,
    ),
    Rule(
        "BS014",
        "error",
        "unknown key inside a section",
        "phases: {build: {command: [make]}}",
        check_unknown_key,
        f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    ),
    Rule(
        "BS015",
        "error",
        "a value of the wrong type (mapping, list or value)",
        "cache: {paths: node_modules/**/*}",
        check_types,
        f"{BUILDSPEC_REF}#build-spec-ref-syntax",
    ),
    Rule(
        "BS016",
        "error",
        "a command YAML reads as a mapping or list",
        "commands: [echo key: value]",
        check_command_type,
    ),
    Rule(
        "BS017",
        "error",
        "runtime-versions outside the install phase",
        "build: {runtime-versions: {python: '3.12'}}",
        check_runtime_versions_phase,
    ),
    Rule(
        "BS018",
        "warning",
        "a number that loses digits as a float",
        "python: 3.10",
        check_float_lost_digits,
    ),
    Rule(
        "BS019",
        "warning",
        "a runtime version YAML reads as another number (3.10 as 3.1)",
        "python: 3.10",
        check_float_runtime_version,
        f"{BUILDSPEC_REF}#runtime-versions-in-build-spec",
    ),
    Rule(
        "BS020",
        "warning",
        "a commands key with no commands",
        "post_build: {commands: }",
        check_empty_commands,
    ),
    Rule(
        "BS021",
        "warning",
        "finally without commands in a phase (the reference calls commands required)",
        "post_build: {finally: [echo done]}",
        check_finally_without_commands,
        f"{BUILDSPEC_REF}#build-spec.phases.post_build",
    ),
    Rule("BS022", "error", "invalid on-failure", "on-failure: abort", check_on_failure),
    Rule("BS023", "error", "unknown report file-format", "file-format: JUNIT", check_report_format),
    Rule(
        "BS024",
        "error",
        "more than 5 report groups",
        "reports: {a: .., b: .., c: .., d: .., e: .., f: ..}",
        check_report_group_count,
    ),
    Rule(
        "BS025",
        "error",
        "a report group without files",
        "reports: {pytest: {file-format: JUNITXML}}",
        check_report_files,
    ),
    Rule(
        "BS026",
        "error",
        "a batch build without identifier",
        "build-graph: [{buildspec: b.yml}]",
        check_build_identifier_missing,
    ),
    Rule(
        "BS027",
        "error",
        "a batch identifier with other than letters, digits, _",
        "identifier: unit-tests",
        check_build_identifier_form,
        f"{BATCH_REF}#build-spec.batch.build-graph",
    ),
    Rule(
        "BS028",
        "error",
        "two batch builds with one identifier",
        "build-list: [{identifier: a}, {identifier: a}]",
        check_build_identifier_unique,
    ),
    Rule(
        "BS029",
        "error",
        "depend-on names an unknown build",
        "depend-on: [nosuch]",
        check_depend_on,
        f"{BATCH_REF}#build-spec.batch.build-graph",
    ),
    Rule(
        "BS030",
        "error",
        "more than one batch type",
        "batch: {build-list: [..], build-graph: [..]}",
        check_one_batch_kind,
    ),
    Rule(
        "BS031", "error", "artifacts without files", "artifacts: {name: out}", check_artifacts_files
    ),
    Rule(
        "BS032",
        "error",
        "a secondary artifact without files",
        "secondary-artifacts: {logs: {name: l}}",
        check_secondary_artifacts_files,
    ),
    Rule(
        "BS033",
        "error",
        "cache fallback-keys without key",
        "cache: {fallback-keys: [main]}",
        check_fallback_keys,
    ),
    Rule(
        "BS034",
        "error",
        "a malformed secrets-manager reference",
        "TOKEN: ':json-key'",
        check_secrets_manager,
    ),
    Rule(
        "BS035",
        "error",
        "exported-variables not a list of names",
        "exported-variables: {A: 1}",
        check_exported_variables,
    ),
    Rule(
        "BS036",
        "error",
        "a variable whose value is a mapping or list",
        "variables: {A: [1, 2]}",
        check_variable_structure,
    ),
    Rule(
        "BS037",
        "warning",
        "a variable yes/no/on/off read as a boolean",
        "variables: {DEBUG: yes}",
        check_variable_boolean,
    ),
    Rule(
        "BS038",
        "warning",
        "a variable in CodeBuild's reserved CODEBUILD_ namespace",
        "variables: {CODEBUILD_X: 1}",
        check_reserved_variable,
    ),
    Rule(
        "BS039",
        "warning",
        "advice: pytest runs but no reports: section, CodeBuild shows no test report",
        "commands: [pytest]",
        check_reports_advice,
        "https://docs.aws.amazon.com/codebuild/latest/userguide/test-reporting.html",
    ),
    Rule(
        "BS040",
        "warning",
        "a legacy key CodeBuild ignores (artifacts.type)",
        "artifacts: {type: zip, files: [a]}",
        check_ignored_key,
        f"{BUILDSPEC_REF}#build-spec-ref-versions",
    ),
    Rule(
        "BS041",
        "error",
        "a yes/no (or true/false) switch set to something else",
        "discard-paths: flatten",
        check_flags,
        f"{BUILDSPEC_REF}#build-spec.artifacts.discard-paths",
    ),
    Rule(
        "BS042",
        "error",
        "env.shell is not a supported shell",
        "env: {shell: zsh}",
        check_choices,
        f"{BUILDSPEC_REF}#build-spec.shell",
    ),
    Rule(
        "BS043",
        "error",
        "an exported variable starting with AWS_ (cannot be exported)",
        "exported-variables: [AWS_REGION]",
        check_exported_aws,
        f"{BUILDSPEC_REF}#build-spec.env.exported-variables",
    ),
)


_SEVERITY = {rule.code: rule.severity for rule in RULES}


def _finding(rule: Rule, hit: Hit, document: Document) -> Finding:
    line, column = document.where(hit.where, key=hit.on_key)
    return Finding(rule.code, rule.severity, hit.message, hit.hint, document.path, line, column)


def lint_document(document: Document) -> list[Finding]:
    """Run every rule's check on a parsed document.

    Args:
        document: From :func:`~mlcicd.buildspec.document.parse`; not modified.

    Returns:
        The findings, sorted by line, column and code.
    """
    found = [
        _finding(rule, hit, document)
        for rule in RULES
        if rule.check is not None
        for hit in rule.check(document)
    ]
    return sorted(found, key=lambda f: (f.line, f.column, f.code))


def _from_error(error: BuildspecError, path: str) -> Finding:
    # parse's messages read "what is wrong; what to do".
    message, _, hint = error.message.partition("; ")
    code = error.code or UNREADABLE
    return Finding(
        code,
        _SEVERITY.get(code, "error"),
        message,
        hint,
        error.path or path,
        error.line or 1,
        error.column or 1,
    )


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
        return [
            Finding(
                UNREADABLE,
                "error",
                f"cannot read the file: {reason}",
                "check the path",
                str(path),
                1,
                1,
            )
        ]
    return lint_text(content, path=str(path))
