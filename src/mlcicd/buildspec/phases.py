"""The phase engine of a local build: commands, ``finally``, ``on-failure`` and the flow.

:class:`Phases` runs the four build phases of a buildspec in a
:class:`~mlcicd.buildspec.shell.Shell` and decides, after each one, which phase
comes next, following CodeBuild's phase transitions (described in
:mod:`mlcicd.buildspec.run`). Everything it writes goes through the build's
:class:`~mlcicd.buildspec.variables.Masker`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TextIO

from mlcicd.buildspec.model import PHASES, Buildspec, Phase
from mlcicd.buildspec.shell import CommandResult, Shell
from mlcicd.buildspec.variables import Masker

SUCCEEDED, FAILED, STOPPED, TIMED_OUT = "SUCCEEDED", "FAILED", "STOPPED", "TIMED_OUT"
#: Retries of a phase with ``on-failure: RETRY`` and no count.
DEFAULT_RETRIES = 3
_RETRY = re.compile(r"RETRY(?:-(\d+))?(?:-(.+))?", re.DOTALL)


@dataclass(frozen=True)
class PhaseResult:
    """One phase of a build, as ``batch-get-builds`` lists it.

    Attributes:
        phase_type: ``INSTALL``, ``PRE_BUILD``, ..., ``COMPLETED``.
        status: ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT`` or ``STOPPED``; None for COMPLETED.
        duration: Wall-clock seconds.
        contexts: ``(statusCode, message)`` pairs explaining a failure, masked.
        attempts: How many times the phase ran (more than 1 after ``RETRY``).
    """

    phase_type: str
    status: str | None
    duration: float
    contexts: tuple[tuple[str, str], ...] = ()
    attempts: int = 1

    def to_dict(self) -> dict[str, object]:
        """Plain data in ``batch-get-builds`` shape (``durationInSeconds`` is whole seconds)."""
        out: dict[str, object] = {"phaseType": self.phase_type}
        if self.status is not None:
            out["phaseStatus"] = self.status
            out["durationInSeconds"] = round(self.duration)
            out["contexts"] = [{"statusCode": c, "message": m} for c, m in self.contexts]
        if self.attempts > 1:
            out["attempts"] = self.attempts
        return out


@dataclass(frozen=True)
class FailurePolicy:
    """A phase's ``on-failure``, parsed.

    Attributes:
        action: ``DEFAULT`` (not set), ``ABORT``, ``CONTINUE`` or ``RETRY``.
        retries: How many more times a failed phase runs.
        pattern: Retry only while the phase's output matches this regex.
    """

    action: str = "DEFAULT"
    retries: int = 0
    pattern: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> FailurePolicy:
        """Read ``ABORT``, ``CONTINUE``, ``RETRY``, ``RETRY-3``, ``RETRY-err``, ``RETRY-3-err``."""
        if text is None:
            return cls()
        if text in ("ABORT", "CONTINUE"):
            return cls(text)
        match = _RETRY.fullmatch(text)
        if match is None:
            return cls()  # the linter reports it; run with the default
        count, pattern = match.groups()
        return cls("RETRY", DEFAULT_RETRIES if count is None else int(count), pattern)

    def retry(self, attempt: int, output: str) -> bool:
        """Whether to run the phase again after failed attempt number ``attempt`` (from 1)."""
        if self.action != "RETRY" or attempt > self.retries:
            return False
        return self.pattern is None or re.search(self.pattern, output) is not None


@dataclass(frozen=True)
class Flow:
    """What the four build phases did.

    Attributes:
        phases: Results of the phases that ran.
        stopped: Ctrl-C ended the build.
        timed_out: The build timeout ended the build.
        upload: Whether UPLOAD_ARTIFACTS is due (not after INSTALL/PRE_BUILD
            failures, ABORT, a timeout or a stop).
    """

    phases: tuple[PhaseResult, ...]
    stopped: bool
    timed_out: bool
    upload: bool


class Phases:
    """Runs the build phases of one build.

    Args:
        shell: The build's shell.
        mask: Hides secret values in everything written.
        output: Where the command log goes.
        command_timeout: Seconds any one command may take.
    """

    def __init__(
        self, shell: Shell, *, mask: Masker, output: TextIO, command_timeout: float | None
    ) -> None:
        self._shell = shell
        self._mask = mask
        self._out = output
        self._command_timeout = command_timeout
        self._deadline: float | None = None
        self._timed_out = False

    def _log(self, message: str) -> None:
        self._out.write(f"[Container] {self._mask(message)}\n")
        self._out.flush()

    def _line(self, line: str) -> None:
        self._out.write(self._mask(line) + "\n")

    def _command(self, command: str) -> CommandResult:
        self._log(f"Running command {command}")
        limits = [t for t in (self._command_timeout,) if t is not None]
        if self._deadline is not None:
            limits.append(max(self._deadline - time.monotonic(), 0.0))
        result = self._shell.run(command, timeout=min(limits, default=None), on_line=self._line)
        if result.timed_out and self._deadline is not None:
            self._timed_out = time.monotonic() >= self._deadline
        if result.shell_exited:
            self._log("The shell exited; the next command runs in a new shell")
        return result

    def _block(self, commands: tuple[str, ...], outputs: list[str]) -> CommandResult | None:
        # Runs commands until one fails; returns the failing one.
        for command in commands:
            result = self._command(command)
            outputs.append(result.output)
            if not result.succeeded:
                return result
            if self._timed_out:
                break
        return None

    def _context(self, failure: CommandResult) -> tuple[str, str, str]:
        if self._timed_out:
            return TIMED_OUT, "BUILD_TIMED_OUT", f"Build timed out during: {failure.command}"
        if failure.timed_out:
            return (
                TIMED_OUT,
                "COMMAND_TIMED_OUT",
                f"Command did not exit within {self._command_timeout}s: {failure.command}",
            )
        return (
            FAILED,
            "COMMAND_EXECUTION_ERROR",
            f"Error while executing command: {failure.command}. "
            f"Reason: exit status {failure.exit_code}",
        )

    def _attempt(self, phase: Phase) -> tuple[str, tuple[tuple[str, str], ...], str]:
        outputs: list[str] = []
        failures = [self._block(phase.commands, outputs)]
        if not self._timed_out:
            failures.append(self._block(phase.finally_, outputs))
        found = [self._context(f) for f in failures if f is not None]
        if not found:
            return SUCCEEDED, (), "\n".join(outputs)
        status = TIMED_OUT if any(s == TIMED_OUT for s, _, _ in found) else FAILED
        return status, tuple((c, self._mask(m)) for _, c, m in found), "\n".join(outputs)

    def run_phase(self, name: str, phase: Phase | None) -> PhaseResult:
        """Run one phase, with its retries; a missing phase succeeds at once."""
        phase_type = name.upper()
        self._log(f"Entering phase {phase_type}")
        started = time.monotonic()
        policy = FailurePolicy.parse(phase.on_failure if phase else None)
        attempt = 1
        status, contexts = SUCCEEDED, ()
        while phase is not None:
            status, contexts, output = self._attempt(phase)
            if status == SUCCEEDED or self._timed_out or not policy.retry(attempt, output):
                break
            attempt += 1
            self._log(f"Phase {phase_type} failed; retry {attempt - 1} of {policy.retries}")
        self._log(f"Phase complete: {phase_type} State: {status}")
        for code, message in contexts:
            self._log(f"Phase context status code: {code} Message: {message}")
        return PhaseResult(phase_type, status, time.monotonic() - started, contexts, attempt)

    def run_all(self, spec: Buildspec, *, deadline: float | None) -> Flow:
        """Run INSTALL to POST_BUILD as CodeBuild's phase transitions say.

        Args:
            spec: The buildspec.
            deadline: ``time.monotonic()`` value at which the build times out.

        Returns:
            The phases that ran, and how the build ended.
        """
        self._deadline = deadline
        results: list[PhaseResult] = []
        upload = True
        current = (PHASES[0], time.monotonic())
        try:
            for name in PHASES:
                current = (name, time.monotonic())
                result = self.run_phase(name, spec.phases.get(name))
                results.append(result)
                if result.status == SUCCEEDED:
                    continue
                self._shell.set_variable("CODEBUILD_BUILD_SUCCEEDING", "0")
                action = FailurePolicy.parse(spec.phases[name].on_failure).action
                if self._timed_out or action == "ABORT":
                    upload = False
                    break
                if action == "CONTINUE":
                    continue
                if name in ("install", "pre_build"):
                    upload = False
                    break
        except KeyboardInterrupt:
            self._shell.close()
            name, started = current
            self._out.write("\n")
            self._log(f"Phase complete: {name.upper()} State: {STOPPED}")
            results.append(PhaseResult(name.upper(), STOPPED, time.monotonic() - started))
            return Flow(tuple(results), stopped=True, timed_out=False, upload=False)
        return Flow(tuple(results), stopped=False, timed_out=self._timed_out, upload=upload)
