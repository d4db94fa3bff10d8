"""Build a buildspec step by step, in code that reads like the buildspec it makes.

Each method returns a *new* builder and leaves the one it was called on
unchanged, so a builder can be shared and extended in several directions.
Arguments are checked when they are given, with an error that says what to
write instead; :meth:`BuildspecBuilder.build_spec` returns the finished
:class:`~mlcicd.buildspec.model.Buildspec`.

Example:
    >>> spec = (
    ...     BuildspecBuilder()
    ...     .runtime(python="3.12")
    ...     .install("pip install -r requirements.txt")
    ...     .build("pytest tests/unit --junitxml=reports/unit.xml")
    ...     .post_build('echo "done"')
    ...     .report("pytest-reports", files=["*.xml"], base_directory="reports",
    ...             file_format="JUNITXML")
    ...     .artifacts(files=["**/*"])
    ...     .build_spec()
    ... )
    >>> spec.phases["build"].commands
    ('pytest tests/unit --junitxml=reports/unit.xml',)
    >>> sorted(spec.reports)
    ['pytest-reports']

Method names are the buildspec's keys with ``-`` as ``_``; the ``build`` phase
is :meth:`~BuildspecBuilder.build`, so the finished model comes from
:meth:`~BuildspecBuilder.build_spec`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from mlcicd.buildspec.model import (
    COVERAGE_REPORT_FORMATS,
    MAX_REPORT_GROUPS,
    PHASES,
    TEST_REPORT_FORMATS,
    Artifacts,
    ArtifactSet,
    Buildspec,
    Cache,
    Env,
    Phase,
    ReportGroup,
)
from mlcicd.exceptions import BuildspecError

#: ``on-failure`` values: ABORT, CONTINUE, RETRY, RETRY-<count>, RETRY-<regex>,
#: RETRY-<count>-<regex>.
ON_FAILURE = re.compile(
    r"ABORT|CONTINUE|RETRY|RETRY-(?P<count>[0-9]+)|RETRY-([0-9]+-)?(?P<regex>.+)"
)
#: What a shell accepts as a variable name.
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _text(value: Any, what: str) -> str:
    # A number where text belongs is the classic buildspec bug: 3.10 is 3.1.
    if not isinstance(value, str):
        raise BuildspecError(
            f"{what} must be a string, not {type(value).__name__} {value!r}; "
            f"write it in quotes, e.g. {str(value)!r}"
        )
    if not value:
        raise BuildspecError(f"{what} must not be empty")
    return value


def _texts(values: str | Iterable[str], what: str) -> tuple[str, ...]:
    # One string is one item, never a sequence of characters.
    items = (values,) if isinstance(values, str) else tuple(values)
    return tuple(_text(item, what) for item in items)


def _commands(commands: tuple[Any, ...], phase: str) -> tuple[str, ...]:
    for command in commands:
        if isinstance(command, list | tuple):
            raise BuildspecError(
                f"{phase} commands are given one per argument, not as a list: "
                f"write .{phase}(*commands) or .{phase}('first', 'second')"
            )
    return tuple(_text(command, f"a {phase} command") for command in commands)


def _variable_name(name: Any, what: str) -> str:
    if not (isinstance(name, str) and VARIABLE_NAME.fullmatch(name)):
        raise BuildspecError(f"{name!r} is not a shell variable name ({what})")
    return name


def _variables(values: dict[str, Any], what: str) -> dict[str, str]:
    return {
        _variable_name(name, what): _text(value, f"{what} {name}") for name, value in values.items()
    }


def _on_failure_ok(value: Any) -> bool:
    match = ON_FAILURE.fullmatch(value) if isinstance(value, str) else None
    if match is None or match["regex"] is None:
        return match is not None
    # CodeBuild retries when the error message matches the regex: it must be one.
    try:
        re.compile(match["regex"])
    except re.error:
        return False
    return True


def _flag(value: bool | None, what: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise BuildspecError(f"{what} must be True, False or None, not {value!r}")
    return value


def _file_format(file_format: str | None) -> str | None:
    if file_format is None:
        return None
    known = TEST_REPORT_FORMATS + COVERAGE_REPORT_FORMATS
    if not isinstance(file_format, str) or file_format.upper() not in known:
        raise BuildspecError(
            f"unknown report file format {file_format!r}; use one of {', '.join(known)}"
        )
    # CodeBuild accepts any case; the buildspec shows the documented upper case.
    return file_format.upper()


def _artifact_set(
    files: str | Iterable[str],
    *,
    name: str | None,
    base_directory: str | None,
    discard_paths: bool | None,
    exclude_paths: str | Iterable[str],
    enable_symlinks: bool | None,
    s3_prefix: str | None,
) -> dict[str, Any]:
    patterns = _texts(files, "an artifact file pattern")
    if not patterns:
        raise BuildspecError("artifacts need at least one file pattern, e.g. files=['**/*']")
    return {
        "files": patterns,
        "name": None if name is None else _text(name, "the artifact name"),
        "discard_paths": _flag(discard_paths, "discard_paths"),
        "base_directory": None
        if base_directory is None
        else _text(base_directory, "the artifact base directory"),
        "exclude_paths": _texts(exclude_paths, "an excluded path"),
        "enable_symlinks": _flag(enable_symlinks, "enable_symlinks"),
        "s3_prefix": None if s3_prefix is None else _text(s3_prefix, "the S3 prefix"),
    }


@dataclass(frozen=True)
class BuildspecBuilder:
    """An immutable, chainable builder of a :class:`~mlcicd.buildspec.model.Buildspec`.

    Attributes:
        spec: The buildspec built so far; start from an existing one to extend it,
            e.g. ``BuildspecBuilder(pytest_buildspec()).post_build("make docs")``.
    """

    spec: Buildspec = field(default_factory=Buildspec)

    def build_spec(self) -> Buildspec:
        """Return the finished buildspec.

        Returns:
            A deep copy, so changing it never changes this builder.
        """
        return copy.deepcopy(self.spec)

    # ---- env ------------------------------------------------------------

    def _env(self, **changes: Any) -> BuildspecBuilder:
        env = replace(self.spec.env or Env(), **changes)
        return replace(self, spec=replace(self.spec, env=env))

    def shell(self, name: str) -> BuildspecBuilder:
        """Set the shell that runs the commands (``env.shell``), e.g. ``"bash"``."""
        return self._env(shell=_text(name, "the shell"))

    def variables(self, **values: str) -> BuildspecBuilder:
        """Add plain environment variables (``env.variables``), e.g. ``variables(STAGE="test")``."""
        current = (self.spec.env or Env()).variables
        return self._env(variables={**current, **_variables(values, "variable")})

    def parameter_store(self, **names: str) -> BuildspecBuilder:
        """Add variables read from SSM Parameter Store: variable name to parameter name."""
        current = (self.spec.env or Env()).parameter_store
        return self._env(parameter_store={**current, **_variables(names, "parameter-store")})

    def secrets_manager(self, **references: str) -> BuildspecBuilder:
        """Add variables read from Secrets Manager.

        Args:
            **references: Variable name to
                ``secret-id:json-key:version-stage:version-id`` (trailing parts optional).

        Returns:
            A new builder.
        """
        current = (self.spec.env or Env()).secrets_manager
        return self._env(secrets_manager={**current, **_variables(references, "secrets-manager")})

    def exported_variables(self, *names: str) -> BuildspecBuilder:
        """Export these variables' final values from the build (``env.exported-variables``)."""
        added = tuple(_variable_name(name, "exported-variables") for name in names)
        current = (self.spec.env or Env()).exported_variables
        # Exporting a variable twice means the same as once.
        return self._env(exported_variables=tuple(dict.fromkeys(current + added)))

    # ---- phases ---------------------------------------------------------

    def phase(
        self,
        name: str,
        *commands: str,
        finally_: str | Iterable[str] = (),
        on_failure: str | None = None,
        run_as: str | None = None,
    ) -> BuildspecBuilder:
        """Add commands to a phase; the named methods (:meth:`install`, ...) call this.

        Args:
            name: ``install``, ``pre_build``, ``build`` or ``post_build``.
            *commands: Shell commands, appended to the phase's commands.
            finally_: Commands appended to the phase's ``finally`` block, which
                runs even when a command fails.
            on_failure: ``ABORT``, ``CONTINUE``, ``RETRY``, ``RETRY-<count>``,
                ``RETRY-<regex>`` or ``RETRY-<count>-<regex>``; None keeps the current value.
            run_as: Linux user for this phase; None keeps the current value.

        Returns:
            A new builder.

        Raises:
            BuildspecError: Unknown phase, a command that is not text, or a bad ``on_failure``.
        """
        if name not in PHASES:
            raise BuildspecError(f"unknown phase {name!r}; phases are {', '.join(PHASES)}")
        if on_failure is not None and not _on_failure_ok(on_failure):
            raise BuildspecError(
                f"bad on_failure {on_failure!r}; use ABORT, CONTINUE, RETRY, RETRY-<count>, "
                "RETRY-<regex> or RETRY-<count>-<regex>"
            )
        current = self.spec.phases.get(name, Phase())
        phase = replace(
            current,
            commands=current.commands + _commands(commands, name),
            finally_=current.finally_ + _texts(finally_, f"a {name} finally command"),
            on_failure=current.on_failure if on_failure is None else on_failure,
            run_as=current.run_as if run_as is None else _text(run_as, "run_as"),
        )
        return self._with_phase(name, phase)

    def _with_phase(self, name: str, phase: Phase) -> BuildspecBuilder:
        # Kept in CodeBuild's order, whatever order the phases were added in.
        phases = {**self.spec.phases, name: phase}
        ordered = {key: phases[key] for key in PHASES if key in phases}
        return replace(self, spec=replace(self.spec, phases=ordered))

    def install(self, *commands: str, **options: Any) -> BuildspecBuilder:
        """Add commands to the ``install`` phase; options as for :meth:`phase`."""
        return self.phase("install", *commands, **options)

    def pre_build(self, *commands: str, **options: Any) -> BuildspecBuilder:
        """Add commands to the ``pre_build`` phase; options as for :meth:`phase`."""
        return self.phase("pre_build", *commands, **options)

    def build(self, *commands: str, **options: Any) -> BuildspecBuilder:
        """Add commands to the ``build`` phase; options as for :meth:`phase`."""
        return self.phase("build", *commands, **options)

    def post_build(self, *commands: str, **options: Any) -> BuildspecBuilder:
        """Add commands to the ``post_build`` phase; options as for :meth:`phase`.

        ``post_build`` runs even when ``build`` failed; ``CODEBUILD_BUILD_SUCCEEDING``
        is then ``0``.
        """
        return self.phase("post_build", *commands, **options)

    def runtime(self, **versions: str) -> BuildspecBuilder:
        """Set runtime versions (``install.runtime-versions``), e.g. ``runtime(python="3.12")``.

        Versions are strings: ``python=3.10`` would be the number 3.1.
        """
        install = self.spec.phases.get("install", Phase())
        checked = {
            name: _text(version, f"the {name} version") for name, version in versions.items()
        }
        merged = {**install.runtime_versions, **checked}
        return self._with_phase("install", replace(install, runtime_versions=merged))

    # ---- reports, artifacts, cache ------------------------------------------

    def report(
        self,
        name: str,
        *,
        files: str | Iterable[str],
        base_directory: str | None = None,
        file_format: str | None = None,
        discard_paths: bool | None = None,
    ) -> BuildspecBuilder:
        """Declare a report group, so CodeBuild shows the test or coverage results.

        Args:
            name: Report group name (or the ARN of an existing group); a name
                given again replaces that group.
            files: Glob patterns of report files, relative to ``base_directory``.
            base_directory: Where ``files`` are matched.
            file_format: e.g. ``JUNITXML`` or ``COBERTURAXML``; None is JUnit XML.
            discard_paths: Flatten report file paths.

        Returns:
            A new builder.

        Raises:
            BuildspecError: No files, an unknown format, or more than five groups.
        """
        group = ReportGroup(
            files=_texts(files, "a report file pattern"),
            file_format=_file_format(file_format),
            base_directory=None
            if base_directory is None
            else _text(base_directory, "the report base directory"),
            discard_paths=_flag(discard_paths, "discard_paths"),
        )
        if not group.files:
            raise BuildspecError(f"report group {name!r} needs files, e.g. files=['*.xml']")
        reports = {**self.spec.reports, _text(name, "the report group name"): group}
        if len(reports) > MAX_REPORT_GROUPS:
            raise BuildspecError(
                f"CodeBuild allows at most {MAX_REPORT_GROUPS} report groups in a buildspec; "
                f"{name!r} would be number {len(reports)}"
            )
        return replace(self, spec=replace(self.spec, reports=reports))

    def artifacts(
        self,
        *,
        files: str | Iterable[str],
        name: str | None = None,
        base_directory: str | None = None,
        discard_paths: bool | None = None,
        exclude_paths: str | Iterable[str] = (),
        enable_symlinks: bool | None = None,
        s3_prefix: str | None = None,
    ) -> BuildspecBuilder:
        """Set the primary artifacts (``artifacts``); secondary sets are kept.

        Args:
            files: Glob patterns, relative to ``base_directory``, e.g. ``["**/*"]``.
            name: Artifact name.
            base_directory: Where ``files`` are matched.
            discard_paths: Flatten paths in the artifact.
            exclude_paths: Glob patterns to leave out.
            enable_symlinks: Keep symbolic links.
            s3_prefix: Prefix of the artifact in S3.

        Returns:
            A new builder.

        Raises:
            BuildspecError: No files, or an argument of the wrong type.
        """
        fields = _artifact_set(
            files,
            name=name,
            base_directory=base_directory,
            discard_paths=discard_paths,
            exclude_paths=exclude_paths,
            enable_symlinks=enable_symlinks,
            s3_prefix=s3_prefix,
        )
        secondary = self.spec.artifacts.secondary_artifacts if self.spec.artifacts else {}
        artifacts = Artifacts(**fields, secondary_artifacts=dict(secondary))
        return replace(self, spec=replace(self.spec, artifacts=artifacts))

    def secondary_artifacts(
        self,
        identifier: str,
        *,
        files: str | Iterable[str],
        name: str | None = None,
        base_directory: str | None = None,
        discard_paths: bool | None = None,
        exclude_paths: str | Iterable[str] = (),
        enable_symlinks: bool | None = None,
        s3_prefix: str | None = None,
    ) -> BuildspecBuilder:
        """Add (or replace) one secondary artifact set (``artifacts.secondary-artifacts``).

        Args:
            identifier: The artifact identifier, as set on the CodeBuild project.
            files: Glob patterns, relative to ``base_directory``.
            name: Artifact name.
            base_directory: Where ``files`` are matched.
            discard_paths: Flatten paths in the artifact.
            exclude_paths: Glob patterns to leave out.
            enable_symlinks: Keep symbolic links.
            s3_prefix: Prefix of the artifact in S3.

        Returns:
            A new builder.

        Raises:
            BuildspecError: No files, or an argument of the wrong type.
        """
        added = ArtifactSet(
            **_artifact_set(
                files,
                name=name,
                base_directory=base_directory,
                discard_paths=discard_paths,
                exclude_paths=exclude_paths,
                enable_symlinks=enable_symlinks,
                s3_prefix=s3_prefix,
            )
        )
        primary = self.spec.artifacts or Artifacts()
        secondary = {
            **primary.secondary_artifacts,
            _text(identifier, "the artifact identifier"): added,
        }
        artifacts = replace(primary, secondary_artifacts=secondary)
        return replace(self, spec=replace(self.spec, artifacts=artifacts))

    def cache(
        self,
        paths: str | Iterable[str],
        *,
        key: str | None = None,
        fallback_keys: str | Iterable[str] = (),
    ) -> BuildspecBuilder:
        """Set the cache: paths kept between builds, e.g. ``cache("/root/.cache/pip/**/*")``.

        Args:
            paths: Paths to cache.
            key: The cache key.
            fallback_keys: Keys tried, in order, when ``key`` misses.

        Returns:
            A new builder.

        Raises:
            BuildspecError: No paths, or fallback keys without a key.
        """
        cache = Cache(
            paths=_texts(paths, "a cache path"),
            key=None if key is None else _text(key, "the cache key"),
            fallback_keys=_texts(fallback_keys, "a cache fallback key"),
        )
        if not cache.paths:
            raise BuildspecError("the cache needs at least one path")
        if cache.fallback_keys and cache.key is None:
            raise BuildspecError("fallback_keys are tried when key misses: give key= too")
        return replace(self, spec=replace(self.spec, cache=cache))
