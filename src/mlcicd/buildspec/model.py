"""A typed model of the AWS CodeBuild buildspec (version 0.2; 0.1 read too).

Field names follow the buildspec's keys with ``-`` as ``_`` (``run-as`` is
``run_as``, ``finally`` is ``finally_``). :func:`from_dict` builds a model from
the plain data a YAML loader returns, widening what CodeBuild widens (a single
string where a list is expected, ``yes``/``no`` booleans, numbers where strings
are expected); :func:`to_dict` gives the plain data back, in CodeBuild's key
names and order, leaving out what is unset. ``from_dict(to_dict(x)) == x``.
Both are the same code (:class:`mlcicd.convert.Wire`), driven by the
dataclasses below: a key is the field name with ``-`` for ``_``, keys are
written in field order (``kw_only`` fields are placed on the wire without
moving in the constructor), and empty fields are left out.

Checking that data is *valid* is the linter's job (:mod:`mlcicd.buildspec.lint`):
:func:`from_dict` assumes a buildspec the linter found no error in, and raises
:class:`~mlcicd.exceptions.BuildspecError` only when the shape makes a model
impossible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlcicd.convert import ShapeError, Wire, hyphen, wire
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


# ---- CodeBuild's widening of scalars ----------------------------------------


def _text(value: Any, _: Any = str) -> str:
    # YAML 1.1 booleans read back as CodeBuild's yes/no; a bare "FOO:" is "", not "None".
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _texts(value: Any, _: Any = None) -> tuple[str, ...]:
    # CodeBuild accepts one string where a list of strings is expected.
    if isinstance(value, list | tuple):
        return tuple(_text(item) for item in value if item is not None)
    return (_text(value),)


def _flag(value: Any, _: Any = bool) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("yes", "true", "on", "1")


def _read_phases(value: Any, tp: Any) -> dict[str, Phase]:
    # Only CodeBuild's phases are kept, in the order CodeBuild runs them.
    if not isinstance(value, Mapping):
        raise ShapeError(f"must be a mapping, not {type(value).__name__}")
    return WIRE.converter.structure({n: value[n] for n in PHASES if n in value}, tp)


def _write_phases(phases: dict[str, Phase]) -> dict[str, Any]:
    ordered = sorted(phases.items(), key=lambda item: PHASES.index(item[0]))
    return {name: WIRE.unstructure(phase) for name, phase in ordered}


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

    # CodeBuild's documented key order puts these first; keyword-only keeps the
    # constructor's positional order (commands, finally_).
    run_as: str | None = field(default=None, kw_only=True)
    on_failure: str | None = field(default=None, kw_only=True)
    runtime_versions: dict[str, str] = field(default_factory=dict, kw_only=True)
    commands: tuple[str, ...] = ()
    finally_: tuple[str, ...] = ()


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
    phases: dict[str, Phase] = field(
        default_factory=dict, metadata=wire(structure=_read_phases, unstructure=_write_phases)
    )
    reports: dict[str, ReportGroup] = field(default_factory=dict)
    artifacts: Artifacts | None = None
    cache: Cache | None = None


#: Reads and writes every model above: hyphenated keys, CodeBuild's widening.
WIRE = Wire(
    hyphen,
    BuildspecError,
    omit_empty=True,
    scalars={str: _text, bool: _flag, tuple[str, ...]: _texts},
)


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
    return WIRE.structure(data, Buildspec)


def to_dict(spec: Buildspec) -> dict[str, Any]:
    """Return ``spec`` as plain data with CodeBuild's keys, in CodeBuild's order.

    A section that is set is kept even when empty (``env: {}``), so that
    :func:`from_dict` gives ``Env()`` back, not None; empty phases and reports
    are left out.

    Args:
        spec: The model; not modified.

    Returns:
        Nested dicts and lists of strings and booleans, ready for a YAML dumper.
    """
    return WIRE.unstructure(spec)
