"""A typed model of the AWS CodeBuild buildspec (version 0.2; 0.1 read too).

Field names follow the buildspec's keys with ``-`` as ``_`` (``run-as`` is
``run_as``, ``finally`` is ``finally_``). :func:`from_dict` builds a model from
the plain data a YAML loader returns, widening what CodeBuild widens (a single
string where a list is expected, ``yes``/``no`` booleans, numbers where strings
are expected); :func:`to_dict` gives the plain data back, in CodeBuild's key
names and order, leaving out what is unset. ``from_dict(to_dict(x)) == x``.

Checking that data is *valid* is the linter's job (:mod:`mlcicd.buildspec.lint`):
:func:`from_dict` assumes a buildspec the linter found no error in, and raises
:class:`~mlcicd.exceptions.BuildspecError` only when the shape makes a model
impossible.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlcicd.exceptions import BuildspecError

#: The phases, in the order CodeBuild runs them.
PHASES: tuple[str, ...] = ("install", "pre_build", "build", "post_build")
#: Test report formats (``reports.<group>.file-format``), upper case.
TEST_REPORT_FORMATS: tuple[str, ...] = (
    "JUNITXML",
    "CUCUMBERJSON",
    "NUNITXML",
    "NUNIT3XML",
    "TESTNGXML",
    "VISUALSTUDIOTRX",
)
#: Code coverage report formats, upper case.
COVERAGE_REPORT_FORMATS: tuple[str, ...] = ("CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV")
#: CodeBuild's limit on report groups in one buildspec.
MAX_REPORT_GROUPS = 5
VERSIONS: tuple[str, ...] = ("0.1", "0.2")


@dataclass(frozen=True)
class Phase:
    """One build phase.

    Attributes:
        commands: Shell commands, run in order.
        finally_: Commands that always run after ``commands`` (the ``finally`` block).
        run_as: Linux user for this phase.
        on_failure: ``ABORT``, ``CONTINUE``, ``RETRY``, ``RETRY-<count>``,
            ``RETRY-<regex>`` or ``RETRY-<count>-<regex>``; None is CodeBuild's default.
        runtime_versions: Runtime name to version (``install`` only), e.g. ``{"python": "3.12"}``.
    """

    commands: tuple[str, ...] = ()
    finally_: tuple[str, ...] = ()
    run_as: str | None = None
    on_failure: str | None = None
    runtime_versions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Env:
    """The ``env`` section.

    Attributes:
        shell: ``bash``, ``/bin/sh``, ... (Linux) for the build's commands.
        variables: Plain environment variables.
        parameter_store: Variable name to SSM Parameter Store name.
        secrets_manager: Variable name to ``secret-id:json-key:version-stage:version-id``.
        exported_variables: Variables whose final values the build exports.
        git_credential_helper: Whether CodeBuild's git credential helper is on.
    """

    shell: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    parameter_store: dict[str, str] = field(default_factory=dict)
    secrets_manager: dict[str, str] = field(default_factory=dict)
    exported_variables: tuple[str, ...] = ()
    git_credential_helper: bool | None = None


@dataclass(frozen=True)
class Proxy:
    """The ``proxy`` section (explicit proxy server builds)."""

    upload_artifacts: bool | None = None
    logs: bool | None = None


@dataclass(frozen=True)
class Batch:
    """The ``batch`` section. Build entries are kept as plain data in CodeBuild's shape.

    Attributes:
        fast_fail: Stop the batch at the first failed build.
        build_graph: Builds with ``identifier``, optional ``depend-on``, ``buildspec``, ``env``, ...
        build_list: Builds with ``identifier``, optional ``buildspec``, ``env``, ...
        build_matrix: ``static`` and ``dynamic`` sections.
        build_fanout: ``parallelism`` and ``ignore-failure``.
    """

    fast_fail: bool | None = None
    build_graph: tuple[dict[str, Any], ...] = ()
    build_list: tuple[dict[str, Any], ...] = ()
    build_matrix: dict[str, Any] | None = None
    build_fanout: dict[str, Any] | None = None


@dataclass(frozen=True)
class ReportGroup:
    """One ``reports`` group.

    Attributes:
        files: Glob patterns of report files, relative to ``base_directory``.
        file_format: One of the test or coverage formats (any case); None means JUnit XML.
        base_directory: Where ``files`` are matched.
        discard_paths: Whether report file paths are flattened.
    """

    files: tuple[str, ...] = ()
    file_format: str | None = None
    base_directory: str | None = None
    discard_paths: bool | None = None


@dataclass(frozen=True)
class ArtifactSet:
    """One set of build output artifacts (the primary one, or a secondary one).

    Attributes:
        files: Glob patterns, relative to ``base_directory``.
        name: Artifact name.
        discard_paths: Flatten paths in the zip.
        base_directory: Where ``files`` are matched.
        exclude_paths: Glob patterns to leave out.
        enable_symlinks: Keep symbolic links in the zip.
        s3_prefix: Prefix of the artifact in S3.
    """

    files: tuple[str, ...] = ()
    name: str | None = None
    discard_paths: bool | None = None
    base_directory: str | None = None
    exclude_paths: tuple[str, ...] = ()
    enable_symlinks: bool | None = None
    s3_prefix: str | None = None


@dataclass(frozen=True)
class Artifacts(ArtifactSet):
    """The ``artifacts`` section: the primary set, plus named secondary sets."""

    secondary_artifacts: dict[str, ArtifactSet] = field(default_factory=dict)


@dataclass(frozen=True)
class Cache:
    """The ``cache`` section.

    Attributes:
        paths: Paths to cache.
        key: The cache key.
        fallback_keys: Keys tried when ``key`` misses (need ``key``).
        action: ``restore``, ``save`` or ``restore-save`` style action.
    """

    paths: tuple[str, ...] = ()
    key: str | None = None
    fallback_keys: tuple[str, ...] = ()
    action: str | None = None


@dataclass(frozen=True)
class Buildspec:
    """A whole buildspec.

    Attributes:
        version: ``"0.2"`` (or ``"0.1"``: one shell per command).
        run_as: Linux user for all commands.
        env: The ``env`` section.
        proxy: The ``proxy`` section.
        batch: The ``batch`` section.
        phases: Phase name to phase, in :data:`PHASES` order.
        reports: Report group name to group.
        artifacts: The ``artifacts`` section.
        cache: The ``cache`` section.
    """

    version: str = "0.2"
    run_as: str | None = None
    env: Env | None = None
    proxy: Proxy | None = None
    batch: Batch | None = None
    phases: dict[str, Phase] = field(default_factory=dict)
    reports: dict[str, ReportGroup] = field(default_factory=dict)
    artifacts: Artifacts | None = None
    cache: Cache | None = None


# ---- from plain data -------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _texts(value: Any) -> tuple[str, ...]:
    # CodeBuild accepts one string where a list of strings is expected.
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(_text(item) for item in value if item is not None)
    return (_text(value),)


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "true", "on", "1")


def _strings(value: Any) -> dict[str, str]:
    # A key with nothing after it (FOO:) is an empty string, not "None".
    return {str(k): "" if v is None else _text(v) for k, v in (value or {}).items()}


def _optional(value: Any) -> str | None:
    return None if value is None else _text(value)


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BuildspecError(f"{where}{key} must be a mapping, not {type(value).__name__}")
    return value


def _phase(data: Mapping[str, Any]) -> Phase:
    return Phase(
        commands=_texts(data.get("commands")),
        finally_=_texts(data.get("finally")),
        run_as=_optional(data.get("run-as")),
        on_failure=_optional(data.get("on-failure")),
        runtime_versions=_strings(data.get("runtime-versions")),
    )


def _artifact_set(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "files": _texts(data.get("files")),
        "name": _optional(data.get("name")),
        "discard_paths": _flag(data.get("discard-paths")),
        "base_directory": _optional(data.get("base-directory")),
        "exclude_paths": _texts(data.get("exclude-paths")),
        "enable_symlinks": _flag(data.get("enable-symlinks")),
        "s3_prefix": _optional(data.get("s3-prefix")),
    }


def from_dict(data: Mapping[str, Any]) -> Buildspec:
    """Build a :class:`Buildspec` from loaded YAML data.

    Args:
        data: The document's top-level mapping.

    Returns:
        The model.

    Raises:
        BuildspecError: A section has a shape no buildspec can have.
    """
    if not isinstance(data, Mapping):
        raise BuildspecError("a buildspec must be a mapping of sections")
    env = _section(data, "env", "")
    phases = _section(data, "phases", "")
    artifacts = _section(data, "artifacts", "")
    batch = _section(data, "batch", "")
    cache = _section(data, "cache", "")
    proxy = _section(data, "proxy", "")
    reports = _section(data, "reports", "")
    return Buildspec(
        version=_text(data.get("version", "0.2")),
        run_as=_optional(data.get("run-as")),
        env=None
        if "env" not in data
        else Env(
            shell=_optional(env.get("shell")),
            variables=_strings(env.get("variables")),
            parameter_store=_strings(env.get("parameter-store")),
            secrets_manager=_strings(env.get("secrets-manager")),
            exported_variables=_texts(env.get("exported-variables")),
            git_credential_helper=_flag(env.get("git-credential-helper")),
        ),
        proxy=None
        if "proxy" not in data
        else Proxy(_flag(proxy.get("upload-artifacts")), _flag(proxy.get("logs"))),
        batch=None
        if "batch" not in data
        else Batch(
            fast_fail=_flag(batch.get("fast-fail")),
            # Copies: the model must not share mutable data with the caller's.
            build_graph=tuple(copy.deepcopy(batch.get("build-graph") or ())),
            build_list=tuple(copy.deepcopy(batch.get("build-list") or ())),
            build_matrix=copy.deepcopy(batch.get("build-matrix")),
            build_fanout=copy.deepcopy(batch.get("build-fanout")),
        ),
        phases={
            name: _phase(_section(phases, name, "phases.")) for name in PHASES if name in phases
        },
        reports={
            str(name): ReportGroup(
                files=_texts(group.get("files")),
                file_format=_optional(group.get("file-format")),
                base_directory=_optional(group.get("base-directory")),
                discard_paths=_flag(group.get("discard-paths")),
            )
            for name, group in ((n, _section(reports, n, "reports.")) for n in reports)
        },
        artifacts=None
        if "artifacts" not in data
        else Artifacts(
            **_artifact_set(artifacts),
            secondary_artifacts={
                str(name): ArtifactSet(**_artifact_set(_section(secondary, name, "")))
                for secondary in (_section(artifacts, "secondary-artifacts", "artifacts."),)
                for name in secondary
            },
        ),
        cache=None
        if "cache" not in data
        else Cache(
            paths=_texts(cache.get("paths")),
            key=_optional(cache.get("key")),
            fallback_keys=_texts(cache.get("fallback-keys")),
            action=_optional(cache.get("action")),
        ),
    )


# ---- to plain data ---------------------------------------------------------


def _compact(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Unset (None), empty lists and empty mappings are left out, as a person would.
    return {key: value for key, value in pairs if value not in (None, (), [], {})}


def _artifact_set_dict(item: ArtifactSet) -> dict[str, Any]:
    return _compact(
        [
            ("files", list(item.files)),
            ("name", item.name),
            ("discard-paths", item.discard_paths),
            ("base-directory", item.base_directory),
            ("exclude-paths", list(item.exclude_paths)),
            ("enable-symlinks", item.enable_symlinks),
            ("s3-prefix", item.s3_prefix),
        ]
    )


def to_dict(spec: Buildspec) -> dict[str, Any]:
    """Return ``spec`` as plain data with CodeBuild's keys, in CodeBuild's order.

    Args:
        spec: The model; not modified.

    Returns:
        Nested dicts and lists of strings and booleans, ready for a YAML dumper.
    """
    out: list[tuple[str, Any]] = [("version", spec.version), ("run-as", spec.run_as)]
    if spec.env is not None:
        env = spec.env
        out.append(
            (
                "env",
                _compact(
                    [
                        ("shell", env.shell),
                        ("variables", dict(env.variables)),
                        ("parameter-store", dict(env.parameter_store)),
                        ("secrets-manager", dict(env.secrets_manager)),
                        ("exported-variables", list(env.exported_variables)),
                        ("git-credential-helper", env.git_credential_helper),
                    ]
                ),
            )
        )
    if spec.proxy is not None:
        out.append(
            (
                "proxy",
                _compact(
                    [("upload-artifacts", spec.proxy.upload_artifacts), ("logs", spec.proxy.logs)]
                ),
            )
        )
    if spec.batch is not None:
        batch = spec.batch
        out.append(
            (
                "batch",
                _compact(
                    [
                        ("fast-fail", batch.fast_fail),
                        ("build-graph", [dict(b) for b in batch.build_graph]),
                        ("build-list", [dict(b) for b in batch.build_list]),
                        ("build-matrix", batch.build_matrix),
                        ("build-fanout", batch.build_fanout),
                    ]
                ),
            )
        )
    phases = {
        name: _compact(
            [
                ("run-as", phase.run_as),
                ("on-failure", phase.on_failure),
                ("runtime-versions", dict(phase.runtime_versions)),
                ("commands", list(phase.commands)),
                ("finally", list(phase.finally_)),
            ]
        )
        for name, phase in sorted(spec.phases.items(), key=lambda item: PHASES.index(item[0]))
    }
    out.append(("phases", phases))
    out.append(
        (
            "reports",
            {
                name: _compact(
                    [
                        ("files", list(group.files)),
                        ("file-format", group.file_format),
                        ("base-directory", group.base_directory),
                        ("discard-paths", group.discard_paths),
                    ]
                )
                for name, group in spec.reports.items()
            },
        )
    )
    if spec.artifacts is not None:
        primary = _artifact_set_dict(spec.artifacts)
        secondary = {
            name: _artifact_set_dict(item)
            for name, item in spec.artifacts.secondary_artifacts.items()
        }
        if secondary:
            primary["secondary-artifacts"] = secondary
        out.append(("artifacts", primary))
    if spec.cache is not None:
        cache = spec.cache
        out.append(
            (
                "cache",
                _compact(
                    [
                        ("paths", list(cache.paths)),
                        ("key", cache.key),
                        ("fallback-keys", list(cache.fallback_keys)),
                        ("action", cache.action),
                    ]
                ),
            )
        )
    # A section that is set is kept even when empty (env: {}), so that
    # from_dict gives Env() back, not None; empty phases and reports are left out.
    return {
        key: value
        for key, value in out
        if value is not None and not (key in ("phases", "reports") and not value)
    }
