"""The buildspec lint rules beyond the document's shape: phases, reports, artifacts, env.

Each check is a small pure function: it takes a parsed
:class:`~mlcicd.buildspec.document.Document` and yields
:class:`~mlcicd.lint.Hit` s (where, what, how to fix); the decorator above it
registers it in :data:`~mlcicd.buildspec.registry.RULES` with its rule's id,
summary, severity and the CodeBuild page it rests on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mlcicd.buildspec.batch_rules import batch_builds
from mlcicd.buildspec.document import Document, KeyPath
from mlcicd.buildspec.model import COVERAGE_REPORT_FORMATS, MAX_REPORT_GROUPS, TEST_REPORT_FORMATS
from mlcicd.buildspec.registry import BUILDSPEC_REF, RULES, TEST_REPORTING_REF
from mlcicd.buildspec.schema import as_dict, commands_of, kind_of, phases_of, top_level
from mlcicd.lint import Hit, Severity, suggest

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _env_variables(doc: Document) -> Iterator[tuple[KeyPath, Any, Any]]:
    """Yield (path, name, value) of the build's variables and each batch build's."""
    env = as_dict(top_level(doc).get("env"))
    for name, value in as_dict(env.get("variables")).items():
        yield ("env", "variables", name), name, value
    for kind, entries in batch_builds(doc):
        for index, build in enumerate(entries):
            variables = as_dict(as_dict(as_dict(build).get("env")).get("variables"))
            for name, value in variables.items():
                yield ("batch", kind, index, "env", "variables", name), name, value


@RULES.rule(
    "BS017",
    "runtime-versions outside the install phase",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="build: {runtime-versions: {python: '3.12'}}",
)
def check_runtime_versions_phase(doc: Document) -> Iterator[Hit]:
    """``runtime-versions`` is read in the ``install`` phase only."""
    for name, phase in phases_of(doc):
        if name != "install" and "runtime-versions" in phase:
            yield Hit(
                ("phases", name, "runtime-versions"),
                f"runtime-versions in the {name} phase (CodeBuild reads it in install only)",
                "move runtime-versions to phases.install",
                key=True,
            )


def _lost_digits(doc: Document, where: KeyPath) -> tuple[str, float] | None:
    """(raw, value) when the scalar at ``where`` is a float written with digits YAML drops."""
    raw = doc.raws.get(where)
    value = _value_at(doc.data, where)
    if raw is None or not isinstance(value, float) or raw.strip() == str(value):
        return None
    return raw.strip(), value


def _is_runtime_version(where: KeyPath) -> bool:
    return len(where) == 4 and where[0] == "phases" and where[2] == "runtime-versions"


@RULES.rule(
    "BS018",
    "a number that loses digits as a float",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="python: 3.10",
)
def check_float_lost_digits(doc: Document) -> Iterator[Hit]:
    """A number like ``1.20`` that YAML reads as the float ``1.2``, losing a digit."""
    for where in doc.raws:
        lost = _lost_digits(doc, where)
        # Runtime versions have their own rule (BS019), with a runtime's fix.
        if lost and where != ("version",) and not _is_runtime_version(where):
            raw, value = lost
            yield Hit(where, f"{raw} is read as the number {value}", f'quote it: "{raw}"')


def _value_at(data: Any, where: KeyPath) -> Any:
    for part in where:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


@RULES.rule(
    "BS019",
    "a runtime version YAML reads as another number (3.10 as 3.1)",
    Severity.WARNING,
    url=f"{BUILDSPEC_REF}#runtime-versions-in-build-spec",
    example="python: 3.10",
)
def check_float_runtime_version(doc: Document) -> Iterator[Hit]:
    """A runtime version YAML changes (``python: 3.10`` is read as 3.1); ``3.12`` is fine."""
    for name, phase in phases_of(doc):
        for runtime in as_dict(phase.get("runtime-versions")):
            where = ("phases", name, "runtime-versions", runtime)
            lost = _lost_digits(doc, where)
            if lost:
                raw, value = lost
                yield Hit(
                    where,
                    f"runtime version {runtime}: {raw} is read as the number {value}, "
                    f"so CodeBuild is asked for {runtime} {value}",
                    f'quote it: {runtime}: "{raw}"',
                )


@RULES.rule(
    "BS020",
    "a commands key with no commands",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="post_build: {commands: }",
)
def check_empty_commands(doc: Document) -> Iterator[Hit]:
    """A ``commands`` key with no commands: the phase does nothing."""
    for name, phase in phases_of(doc):
        commands = phase.get("commands", ...)
        if commands is None or (isinstance(commands, list) and all(c is None for c in commands)):
            yield Hit(
                ("phases", name, "commands"),
                f"phases.{name}.commands is empty",
                f"add commands, or remove the {name} phase",
                key=True,
            )


@RULES.rule(
    "BS021",
    "finally without commands in a phase (the reference calls commands required)",
    Severity.WARNING,
    url=f"{BUILDSPEC_REF}#build-spec.phases.post_build",
    example="post_build: {finally: [echo done]}",
)
def check_finally_without_commands(doc: Document) -> Iterator[Hit]:
    """A phase with ``finally`` but no ``commands``: the reference calls commands required."""
    for name, phase in phases_of(doc):
        if "finally" in phase and "commands" not in phase:
            yield Hit(
                ("phases", name, "finally"),
                f"phases.{name} has finally but no commands; the reference calls commands "
                "required (CodeBuild has been seen to run such a phase)",
                f"add commands: to phases.{name}, e.g. - echo {name}, to follow the reference",
                key=True,
            )


def _valid_on_failure(value: str) -> bool:
    if value in ("ABORT", "CONTINUE", "RETRY"):
        return True
    if not value.startswith("RETRY-") or value == "RETRY-":
        return False
    count, _, pattern = value[len("RETRY-") :].partition("-")
    # RETRY-<count>, RETRY-<count>-<regex> or RETRY-<regex>.
    regex = pattern if count.isdecimal() else value[len("RETRY-") :]
    if count.isdecimal() and not pattern:
        return True
    try:
        re.compile(regex)
    except re.error:
        return False
    return bool(regex)


@RULES.rule(
    "BS022",
    "invalid on-failure",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="on-failure: abort",
)
def check_on_failure(doc: Document) -> Iterator[Hit]:
    """``on-failure`` must be ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex> ..."""
    for name, phase in phases_of(doc):
        value = phase.get("on-failure")
        if value is not None and not _valid_on_failure(str(value)):
            yield Hit(
                ("phases", name, "on-failure"),
                f"on-failure {value!r} is not ABORT, CONTINUE, RETRY, RETRY-<count>, "
                "RETRY-<regex> or RETRY-<count>-<regex>",
                f"use upper case, e.g. {str(value).upper() if value else 'ABORT'}",
            )


def _report_groups(doc: Document) -> Iterator[tuple[Any, dict[Any, Any]]]:
    for name, group in as_dict(top_level(doc).get("reports")).items():
        yield name, as_dict(group)


@RULES.rule(
    "BS023",
    "unknown report file-format",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="file-format: JUNIT",
)
def check_report_format(doc: Document) -> Iterator[Hit]:
    """A report ``file-format`` that is neither a test nor a coverage format."""
    formats = TEST_REPORT_FORMATS + COVERAGE_REPORT_FORMATS
    for name, group in _report_groups(doc):
        value = group.get("file-format")
        if value is not None and str(value).upper() not in formats:
            close = suggest(str(value).upper(), formats)
            yield Hit(
                ("reports", name, "file-format"),
                f"unknown report file-format {value!r}",
                f"use one of {', '.join(formats)}" + (f"; {close}" if close else ""),
            )


@RULES.rule(
    "BS024",
    "more than 5 report groups",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="reports: {a: .., b: .., c: .., d: .., e: .., f: ..}",
)
def check_report_group_count(doc: Document) -> Iterator[Hit]:
    """More report groups than CodeBuild allows in one buildspec."""
    count = len(as_dict(top_level(doc).get("reports")))
    if count > MAX_REPORT_GROUPS:
        yield Hit(
            ("reports",),
            f"{count} report groups; CodeBuild allows at most {MAX_REPORT_GROUPS}",
            "merge report groups (one group can match many files)",
            key=True,
        )


@RULES.rule(
    "BS025",
    "a report group without files",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="reports: {pytest: {file-format: JUNITXML}}",
)
def check_report_files(doc: Document) -> Iterator[Hit]:
    """A report group without ``files``: CodeBuild finds no reports."""
    for name, group in _report_groups(doc):
        if not group.get("files"):
            yield Hit(
                ("reports", name),
                f"report group '{name}' has no files",
                "add files: with the report paths, e.g. - 'reports/*.xml'",
                key=True,
            )


@RULES.rule(
    "BS031",
    "artifacts without files",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="artifacts: {name: out}",
)
def check_artifacts_files(doc: Document) -> Iterator[Hit]:
    """An ``artifacts`` section without ``files`` (and no secondary artifacts)."""
    top = top_level(doc)
    artifacts = as_dict(top.get("artifacts"))
    if (
        "artifacts" in top
        and not artifacts.get("files")
        and not artifacts.get("secondary-artifacts")
    ):
        yield Hit(
            ("artifacts",),
            "artifacts has no files",
            "add files:, e.g. - '**/*', or remove the artifacts section",
            key=True,
        )


@RULES.rule(
    "BS032",
    "a secondary artifact without files",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="secondary-artifacts: {logs: {name: l}}",
)
def check_secondary_artifacts_files(doc: Document) -> Iterator[Hit]:
    """A ``secondary-artifacts`` entry without ``files``."""
    artifacts = as_dict(top_level(doc).get("artifacts"))
    for name, entry in as_dict(artifacts.get("secondary-artifacts")).items():
        if not as_dict(entry).get("files"):
            yield Hit(
                ("artifacts", "secondary-artifacts", name),
                f"secondary artifact '{name}' has no files",
                "add files: with the paths of this artifact",
                key=True,
            )


@RULES.rule(
    "BS033",
    "cache fallback-keys without key",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="cache: {fallback-keys: [main]}",
)
def check_fallback_keys(doc: Document) -> Iterator[Hit]:
    """``cache.fallback-keys`` without ``cache.key``."""
    cache = as_dict(top_level(doc).get("cache"))
    if cache.get("fallback-keys") and not cache.get("key"):
        yield Hit(
            ("cache", "fallback-keys"),
            "cache.fallback-keys without cache.key",
            "add key: (fallback keys are tried when the key misses)",
            key=True,
        )


def _secret_parts(reference: str) -> list[str]:
    # An ARN secret-id holds colons itself: arn:aws:secretsmanager:<region>:<account>:secret:<name>
    if reference.startswith("arn:"):
        parts = reference.split(":")
        return [":".join(parts[:7]), *parts[7:]]
    return reference.split(":")


@RULES.rule(
    "BS034",
    "a malformed secrets-manager reference",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="TOKEN: ':json-key'",
)
def check_secrets_manager(doc: Document) -> Iterator[Hit]:
    """A secrets-manager reference not in ``secret-id:json-key:version-stage:version-id`` form."""
    secrets = as_dict(as_dict(top_level(doc).get("env")).get("secrets-manager"))
    for name, reference in secrets.items():
        parts = _secret_parts(str(reference).strip()) if reference is not None else [""]
        if not parts[0] or len(parts) > 4:
            yield Hit(
                ("env", "secrets-manager", name),
                f"secrets-manager reference {reference!r} is not "
                "secret-id:json-key:version-stage:version-id",
                "write e.g. my-secret:password (the json-key and versions may be left out)",
            )


@RULES.rule(
    "BS035",
    "exported-variables not a list of names",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="exported-variables: {A: 1}",
)
def check_exported_variables(doc: Document) -> Iterator[Hit]:
    """``exported-variables`` must be a list of variable names."""
    env = as_dict(top_level(doc).get("env"))
    if "exported-variables" not in env:
        return
    names = env["exported-variables"]
    if not isinstance(names, list):
        yield Hit(
            ("env", "exported-variables"),
            f"env.exported-variables must be a list of variable names, not {kind_of(names)}",
            "write one name per line: - MY_VAR",
        )
        return
    for index, name in enumerate(names):
        if not isinstance(name, str) or not _NAME.match(name):
            yield Hit(
                ("env", "exported-variables", index),
                f"{name!r} is not an environment variable name",
                "use letters, digits and underscores, not starting with a digit",
            )


@RULES.rule(
    "BS043",
    "an exported variable starting with AWS_ (cannot be exported)",
    Severity.ERROR,
    url=f"{BUILDSPEC_REF}#build-spec.env.exported-variables",
    example="exported-variables: [AWS_REGION]",
)
def check_exported_aws(doc: Document) -> Iterator[Hit]:
    """An exported variable named ``AWS_...``: the reference says these cannot be exported."""
    names = as_dict(top_level(doc).get("env")).get("exported-variables")
    for index, name in enumerate(names if isinstance(names, list) else []):
        if isinstance(name, str) and name.upper().startswith("AWS_"):
            yield Hit(
                ("env", "exported-variables", index),
                f"{name} cannot be exported: CodeBuild does not export variables starting "
                "with AWS_",
                f"copy it to another name in a command (export MY_{name[4:]}=${name}) "
                "and export that",
            )


@RULES.rule(
    "BS036",
    "a variable whose value is a mapping or list",
    Severity.ERROR,
    url=BUILDSPEC_REF,
    example="variables: {A: [1, 2]}",
)
def check_variable_structure(doc: Document) -> Iterator[Hit]:
    """An environment variable whose value is a mapping or a list."""
    for where, name, value in _env_variables(doc):
        if isinstance(value, dict | list):
            yield Hit(
                where,
                f"variable {name} is {kind_of(value)}; a variable holds one value",
                "quote the value, or join list items into one string",
            )


@RULES.rule(
    "BS037",
    "a variable yes/no/on/off read as a boolean",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="variables: {DEBUG: yes}",
)
def check_variable_boolean(doc: Document) -> Iterator[Hit]:
    """A variable like ``yes``/``on``/``no`` that YAML 1.1 reads as a boolean."""
    for where, name, value in _env_variables(doc):
        raw = doc.raws.get(where, "")
        if isinstance(value, bool) and raw.lower() not in ("true", "false"):
            yield Hit(
                where,
                f"variable {name}: {raw} is the boolean {str(value).lower()} in YAML 1.1, "
                "so CodeBuild may not set the text you wrote",
                f'quote it to keep the text: {name}: "{raw}"',
            )


@RULES.rule(
    "BS038",
    "a variable in CodeBuild's reserved CODEBUILD_ namespace",
    Severity.WARNING,
    url=BUILDSPEC_REF,
    example="variables: {CODEBUILD_X: 1}",
)
def check_reserved_variable(doc: Document) -> Iterator[Hit]:
    """A variable named ``CODEBUILD_...``: the namespace is CodeBuild's own."""
    for where, name, _value in _env_variables(doc):
        if str(name).upper().startswith("CODEBUILD_"):
            yield Hit(
                where,
                f"variable {name}: names starting with CODEBUILD_ are reserved by CodeBuild",
                "rename it, e.g. without the CODEBUILD_ prefix",
                key=True,
            )


_TEST_RUNNER = re.compile(r"\bpytest\b|junit", re.IGNORECASE)


@RULES.rule(
    "BS039",
    "advice: pytest runs but no reports: section, CodeBuild shows no test report",
    Severity.WARNING,
    url=TEST_REPORTING_REF,
    example="commands: [pytest]",
)
def check_reports_advice(doc: Document) -> Iterator[Hit]:
    """Tests run (pytest, JUnit) but no ``reports`` section: CodeBuild shows no test report."""
    if "reports" in top_level(doc):
        return
    for where, command in commands_of(doc):
        if isinstance(command, str) and _TEST_RUNNER.search(command):
            yield Hit(
                where,
                "pytest runs but no reports: section, CodeBuild shows no test report",
                "run pytest --junitxml=reports/junit.xml and add "
                "reports: {pytest: {files: [reports/junit.xml], file-format: JUNITXML}}",
            )
            return
