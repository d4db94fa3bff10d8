"""Run a buildspec on this machine, with CodeBuild's phase semantics.

:func:`run_buildspec` copies the source to a work directory (the user's tree is
never touched), runs the phases' commands in a shell there, and returns a
:class:`BuildResult` whose :meth:`~BuildResult.to_dict` has the shape of
``aws codebuild batch-get-builds``. What it does as CodeBuild does:

* Phases run in order INSTALL, PRE_BUILD, BUILD, POST_BUILD, then
  UPLOAD_ARTIFACTS, FINALIZING, COMPLETED. In a phase the first failing
  command stops the phase's other commands; ``finally`` commands always run;
  the phase fails if either part fails. A failure in INSTALL or PRE_BUILD goes
  straight to FINALIZING (no BUILD, POST_BUILD or artifacts); a failure in
  BUILD still runs POST_BUILD and the artifact upload.
* ``on-failure``: ``ABORT`` goes straight to FINALIZING from any phase;
  ``CONTINUE`` carries on as if the phase had succeeded (the build still ends
  FAILED); ``RETRY[-count][-regex]`` runs the phase again, up to ``count``
  (default 3) more times, and with a regex only while the phase's output matches.
* Version 0.2 runs every command in one shell, so ``cd`` and ``export`` carry
  over between commands and phases; version 0.1 gives each command a new shell.
  ``env.shell`` picks the shell (bash by default, else sh).
* The environment is built from scratch (:mod:`mlcicd.buildspec.variables`):
  ``CODEBUILD_*`` variables (``CODEBUILD_BUILD_SUCCEEDING`` turns 0 once a phase
  fails), ``env.variables`` (as written in the file: an unquoted ``true`` is
  ``true``, see :func:`~mlcicd.buildspec.load.model_of`), parameter-store and
  secrets-manager values fetched with boto3 and masked as ``***`` in every
  output, the caller's ``env``; never the host's AWS credentials.
  ``exported-variables`` are read from the shell after POST_BUILD.
* ``reports`` are summarised (:mod:`mlcicd.buildspec.reports`), ``artifacts``
  zipped and optionally uploaded to S3 (:mod:`mlcicd.buildspec.artifacts`),
  ``install.runtime-versions`` checked (:mod:`mlcicd.buildspec.runtimes`).
* A per-command timeout fails the phase (phase TIMED_OUT); the build timeout
  ends the build TIMED_OUT; Ctrl-C ends it STOPPED. Either way the shell's
  whole process group is killed.

What it does **not** emulate (a warning names each one a buildspec uses):
the build image and its installed tools (commands run with this machine's);
``run-as`` (commands run as the current user); privileged mode and Docker
daemon set-up; ``batch`` builds (the buildspec runs as one build); ``proxy``;
``cache`` (nothing is saved or restored); ``git-credential-helper``; VPC and
network settings; CloudWatch/S3 log upload; uploading reports to report
groups; the SUBMITTED, QUEUED, PROVISIONING and DOWNLOAD_SOURCE phases; and
the state of a 0.2 shell after a command kills it (a timeout, ``exit``): the
next command starts in a new shell.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from mlcicd.buildspec.artifacts import ArtifactError, ArtifactResult, publish
from mlcicd.buildspec.model import Buildspec
from mlcicd.buildspec.phases import PhaseResult, Phases
from mlcicd.buildspec.reports import ReportSummary, collect_reports
from mlcicd.buildspec.runtimes import check_runtime_versions
from mlcicd.buildspec.shell import Shell
from mlcicd.buildspec.variables import (
    Masker,
    base_environment,
    new_identity,
    resolve_secrets,
)
from mlcicd.exceptions import BuildspecError

if TYPE_CHECKING:
    import boto3

#: Build statuses, as ``batch-get-builds`` reports them.
SUCCEEDED, FAILED, STOPPED, TIMED_OUT = "SUCCEEDED", "FAILED", "STOPPED", "TIMED_OUT"


class BuildRunError(BuildspecError):
    """A build cannot start: no source directory, no such shell, ..."""


@dataclass(frozen=True)
class BuildResult:
    """How a local build ended.

    Attributes:
        build_id: ``CODEBUILD_BUILD_ID``.
        build_number: ``CODEBUILD_BUILD_NUMBER``.
        status: ``SUCCEEDED``, ``FAILED``, ``STOPPED`` or ``TIMED_OUT``.
        phases: The phases that ran, in order, COMPLETED last.
        exported_variables: ``(name, value)`` of ``env.exported-variables``, masked.
        reports: Summaries of the report groups that had files.
        artifacts: The packaged artifact sets, primary first.
        warnings: What the runner found but CodeBuild might not (runtime
            versions, settings not emulated, empty report groups).
        source_dir: The working copy the commands ran in.
        duration: Wall-clock seconds.
    """

    build_id: str
    build_number: int
    status: str
    phases: tuple[PhaseResult, ...]
    exported_variables: tuple[tuple[str, str], ...]
    reports: tuple[ReportSummary, ...]
    artifacts: tuple[ArtifactResult, ...]
    warnings: tuple[str, ...]
    source_dir: Path
    duration: float

    @property
    def succeeded(self) -> bool:
        """Whether the build's status is SUCCEEDED."""
        return self.status == SUCCEEDED

    def phase(self, phase_type: str) -> PhaseResult | None:
        """The result of a phase (``"BUILD"`` or ``"build"``), None if it did not run."""
        wanted = phase_type.upper()
        return next((p for p in self.phases if p.phase_type == wanted), None)

    @property
    def exported(self) -> dict[str, str]:
        """The exported variables as a mapping."""
        return dict(self.exported_variables)

    def to_dict(self) -> dict[str, object]:
        """Plain data shaped like one build of ``aws codebuild batch-get-builds``."""
        return {
            "id": self.build_id,
            "buildNumber": self.build_number,
            "buildStatus": self.status,
            "sourceDirectory": str(self.source_dir),
            "durationInSeconds": round(self.duration, 3),
            "phases": [phase.to_dict() for phase in self.phases],
            "exportedEnvironmentVariables": [
                {"name": name, "value": value} for name, value in self.exported_variables
            ],
            "reports": [report.to_dict() for report in self.reports],
            "artifacts": [artifact.to_dict() for artifact in self.artifacts],
            "warnings": list(self.warnings),
        }


def _build_dir(workdir: Path | None) -> tuple[Path, int]:
    # Each build gets a fresh build-<n> folder, so runs never overwrite each
    # other and n doubles as CODEBUILD_BUILD_NUMBER.
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="mlcicd-build-")), 1
    workdir.mkdir(parents=True, exist_ok=True)
    number = 1
    while True:
        candidate = workdir / f"build-{number}"
        try:
            candidate.mkdir()
        except FileExistsError:
            number += 1
            continue
        return candidate, number


def _copy_source(source_dir: Path, target: Path, workdir: Path | None) -> None:
    # A work directory inside the source (--workdir build under --source .)
    # must not be copied into itself.
    skip = workdir.resolve() if workdir is not None else None

    def ignore(folder: str, names: list[str]) -> list[str]:
        return [name for name in names if (Path(folder) / name).resolve() == skip]

    shutil.copytree(source_dir, target, symlinks=True, ignore=ignore)


def _shell_argv(name: str | None, path: str | None) -> list[str]:
    found = shutil.which(name or "bash", path=path)
    if found is None and name is None:
        found = shutil.which("sh", path=path)
    if found is None:
        raise BuildRunError(f"shell {name or 'bash'!r} is not on the build's PATH")
    return [found]


def _not_emulated(spec: Buildspec) -> list[str]:
    used = {
        "run-as": spec.run_as is not None or any(p.run_as for p in spec.phases.values()),
        "proxy": spec.proxy is not None,
        "batch": spec.batch is not None,
        "cache": spec.cache is not None,
        "git-credential-helper": bool(spec.env and spec.env.git_credential_helper),
    }
    return [f"{key} is not emulated by the local runner" for key, on in used.items() if on]


def _phase_table(phases: tuple[PhaseResult, ...]) -> str:
    rows = [f"{'Phase':<18}{'Status':<12}Duration"]
    rows += [
        f"{p.phase_type:<18}{p.status or '':<12}{'' if p.status is None else f'{p.duration:.1f}s'}"
        for p in phases
    ]
    return "\n".join(rows)


def _status(phases: tuple[PhaseResult, ...], stopped: bool, timed_out: bool) -> str:
    if stopped:
        return STOPPED
    if timed_out:
        return TIMED_OUT
    return SUCCEEDED if all(p.status in (SUCCEEDED, None) for p in phases) else FAILED


def run_buildspec(
    spec: Buildspec,
    *,
    source_dir: Path,
    workdir: Path | None = None,
    env: Mapping[str, str] | None = None,
    command_timeout: float | None = None,
    build_timeout: float | None = None,
    session: boto3.Session | None = None,
    artifact_bucket: str | None = None,
    output: TextIO | None = None,
    build_id: str | None = None,
    shell_prefix: Sequence[str] = (),
) -> BuildResult:
    """Run a buildspec locally, as CodeBuild would run it (see the module docstring).

    Args:
        spec: The buildspec; not modified.
        source_dir: The source; copied, never modified.
        workdir: Where to put ``build-<n>/src`` (the copy) and
            ``build-<n>/artifacts``; a new temporary directory (kept) when None.
        env: Extra variables, over the buildspec's (CodeBuild's start-build overrides).
        command_timeout: Seconds any one command may take.
        build_timeout: Seconds the whole build may take.
        session: boto3 session for parameter-store, secrets-manager and the upload.
        artifact_bucket: S3 bucket to upload the artifact zips to.
        output: Where the log and phase table go; ``sys.stdout`` when None.
        build_id: ``CODEBUILD_BUILD_ID``; ``local:<uuid4>`` when None.
        shell_prefix: A command the shell runs under, e.g. a sandbox when a grader
            runs a learner's buildspec (:mod:`mlcicd.course.contain`).

    Returns:
        The result; a failed build is a result, not an exception.

    Raises:
        BuildRunError: The source directory or the shell does not exist.
        SecretResolutionError: A parameter-store or secrets-manager value cannot be fetched.
    """
    out = sys.stdout if output is None else output
    if not source_dir.is_dir():
        raise BuildRunError(f"source directory {source_dir} does not exist")
    started = time.monotonic()
    secrets = resolve_secrets(spec.env, session)
    mask = Masker.of(secrets)
    build_dir, number = _build_dir(workdir)
    src = build_dir / "src"
    _copy_source(source_dir, src, workdir)
    identity = new_identity(
        build_id=build_id or f"local:{uuid.uuid4()}",
        build_number=number,
        region=(session.region_name if session is not None else None) or "us-east-1",
        source_dir=source_dir,
    )
    variables = {
        **base_environment(os.environ),
        **(spec.env.variables if spec.env else {}),
        **secrets,
        **(env or {}),
        **identity.variables(src),
    }
    argv = _shell_argv(spec.env.shell if spec.env else None, variables.get("PATH"))
    install = spec.phases.get("install")
    warnings = _not_emulated(spec) + [
        finding.message
        for finding in check_runtime_versions(
            install.runtime_versions if install else {}, path=variables.get("PATH")
        )
    ]
    for warning in warnings:
        out.write(f"[Container] Warning: {warning}\n")
    deadline = None if build_timeout is None else started + build_timeout
    argv = [*shell_prefix, *argv]
    with Shell(argv, cwd=src, env=variables, persistent=spec.version != "0.1") as shell:
        runner = Phases(shell, mask=mask, output=out, command_timeout=command_timeout)
        flow = runner.run_all(spec, deadline=deadline)
        exported: dict[str, str] = {}
        if spec.env and not (flow.stopped or flow.timed_out):
            exported = shell.read_variables(
                [n for n in spec.env.exported_variables if n.isidentifier()]
            )
    phases = list(flow.phases)
    artifacts: tuple[ArtifactResult, ...] = ()
    if flow.upload:
        upload_started = time.monotonic()
        contexts: tuple[tuple[str, str], ...] = ()
        try:
            artifacts = publish(
                spec.artifacts,
                src,
                build_dir / "artifacts",
                bucket=artifact_bucket,
                session=session,
            )
        except ArtifactError as error:
            contexts = (("CLIENT_ERROR", mask(str(error))),)
        for artifact in artifacts:
            where = artifact.location or artifact.path
            out.write(f"[Container] Artifact {artifact.identifier}: {where}\n")
        status = FAILED if contexts else SUCCEEDED
        duration = time.monotonic() - upload_started
        phases.append(PhaseResult("UPLOAD_ARTIFACTS", status, duration, contexts))
    reports, report_warnings = ((), ()) if flow.stopped else collect_reports(spec.reports, src)
    for line in (*report_warnings, *(r.format() for r in reports)):
        out.write(f"[Container] Report {mask(line)}\n")
    phases += [PhaseResult("FINALIZING", SUCCEEDED, 0.0), PhaseResult("COMPLETED", None, 0.0)]
    all_phases = tuple(phases)
    status = _status(all_phases, flow.stopped, flow.timed_out)
    out.write(f"\n{_phase_table(all_phases)}\n\nBuild status: {status}\n")
    out.flush()
    return BuildResult(
        build_id=identity.build_id,
        build_number=number,
        status=status,
        phases=all_phases,
        exported_variables=tuple((name, mask(value)) for name, value in exported.items()),
        reports=reports,
        artifacts=artifacts,
        warnings=tuple(warnings) + tuple(report_warnings),
        source_dir=src,
        duration=time.monotonic() - started,
    )


__all__ = ["BuildResult", "BuildRunError", "PhaseResult", "run_buildspec"]
