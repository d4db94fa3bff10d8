"""The shell a local build runs its commands in, one command at a time.

CodeBuild runs the commands of a version 0.2 buildspec in one shell instance:
``cd`` and ``export`` in one command are still in force in the next, across
phases. :class:`Shell` does the same with one long-lived shell process that is
fed one command at a time; after each command the shell prints a line holding a
random token and the command's exit status, so the runner knows where the
command's output ends and whether it failed, without guessing from timing.
With ``persistent=False`` (version 0.1) every command gets a fresh shell
(``shell -c COMMAND``) and nothing carries over; the command is over when its
shell exits, and background jobs it left are killed with it.

The shell runs in its own process group (a new session), so a timeout or
Ctrl-C kills the shell *and* everything it started, background jobs included.
If a command ends the shell itself (``exit 1``, ``set -e`` then a failure) the
command fails with the shell's status, and the next command starts a new shell:
what earlier commands set up is then lost, and a line in the log says so.
"""

from __future__ import annotations

import contextlib
import os
import select
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Bytes read from the shell's output per system call.
_CHUNK = 65536
#: Seconds between checks whether a one-shot (version 0.1) shell has exited.
_POLL = 0.05


def _ignore_line(line: str) -> None:
    """Drop a line; used for the runner's own bookkeeping commands."""


@dataclass(frozen=True)
class CommandResult:
    """How one command ended.

    Attributes:
        command: The command as written in the buildspec.
        exit_code: Its exit status; None when it was killed (timeout).
        output: What it printed, stdout and stderr interleaved, unmasked.
        duration: Wall-clock seconds.
        timed_out: Whether the timeout killed it.
        shell_exited: Whether the shell itself ended during the command.
    """

    command: str
    exit_code: int | None
    output: str
    duration: float
    timed_out: bool = False
    shell_exited: bool = False

    @property
    def succeeded(self) -> bool:
        """Whether the command ended with status 0."""
        return self.exit_code == 0

    def to_dict(self) -> dict[str, object]:
        """Plain data for logs and tests (output left out: it may hold secrets)."""
        return {
            "command": self.command,
            "exitCode": self.exit_code,
            "durationInSeconds": round(self.duration, 3),
            "timedOut": self.timed_out,
        }


@dataclass
class _Reader:
    """Turns the shell's output bytes into lines, and finds the end-of-command line."""

    on_line: Callable[[str], None]
    token: bytes
    pending: bytes = b""
    lines: list[str] = field(default_factory=list)
    # Empty lines are held back: the end-of-command line starts with a newline
    # of its own, so exactly one empty line just before it is not output.
    held_empty: int = 0

    def feed(self, chunk: bytes) -> int | None:
        """Take output bytes; return the exit status once the end-of-command line is read."""
        data = self.pending + chunk
        *complete, self.pending = data.split(b"\n")
        for raw in complete:
            if self.token and raw.startswith(self.token):
                self.held_empty = max(self.held_empty - 1, 0)
                self._flush_empty()
                return int(raw[len(self.token) :].strip() or b"1")
            if not raw:
                self.held_empty += 1
                continue
            self._flush_empty()
            self._emit(raw.decode("utf-8", errors="replace"))
        return None

    def finish(self) -> None:
        """Output what is left when the stream ends without an end-of-command line."""
        self._flush_empty()
        if self.pending:
            self._emit(self.pending.decode("utf-8", errors="replace"))
            self.pending = b""

    def _flush_empty(self) -> None:
        for _ in range(self.held_empty):
            self._emit("")
        self.held_empty = 0

    def _emit(self, line: str) -> None:
        self.lines.append(line)
        self.on_line(line)


class Shell:
    """A shell that runs build commands one at a time.

    Args:
        argv: The shell program and its arguments, e.g. ``["/usr/bin/bash"]``.
        cwd: Where the shell starts (``CODEBUILD_SRC_DIR``).
        env: The shell's whole environment; copied.
        persistent: One shell for all commands (0.2), or one per command (0.1).
    """

    def __init__(
        self, argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], persistent: bool
    ) -> None:
        self._argv = tuple(argv)
        self._cwd = cwd
        self._env = dict(env)
        self._persistent = persistent
        self._process: subprocess.Popen[bytes] | None = None
        self._token = f"__mlcicd_end_{uuid.uuid4().hex}__".encode()

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(
        self,
        command: str,
        *,
        timeout: float | None = None,
        on_line: Callable[[str], None] = _ignore_line,
    ) -> CommandResult:
        """Run one command and wait for it.

        Args:
            command: Shell text; may span lines.
            timeout: Seconds before the command (and the shell) is killed.
            on_line: Called with each output line as soon as it is read.

        Returns:
            How the command ended.
        """
        started = time.monotonic()
        reader = _Reader(on_line, self._token if self._persistent else b"")
        if self._persistent:
            process = self._started()
            # eval reads the command as one word, so a multi-line command or a
            # syntax error stays inside it; </dev/null keeps it from reading
            # the commands that follow on the shell's stdin.
            script = (
                f"eval {shlex.quote(command)} </dev/null\n"
                f"printf '\\n%s %d\\n' {self._token.decode()} \"$?\"\n"
            )
            assert process.stdin is not None  # Popen was given stdin=PIPE
            try:
                process.stdin.write(script.encode())
                process.stdin.flush()
            except BrokenPipeError:
                pass  # the shell has gone; reading finds the end of its output
        else:
            process = self._spawn([*self._argv, "-c", command], stdin=subprocess.DEVNULL)
        deadline = None if timeout is None else started + timeout
        try:
            exit_code, timed_out = self._read(process, reader, deadline)
        except BaseException:
            # Ctrl-C (KeyboardInterrupt) while waiting: nothing may outlive the build.
            self.close()
            raise
        shell_exited = False
        if timed_out:
            self._kill(process)
        elif exit_code is None:
            exit_code = process.wait()
            shell_exited = self._persistent
            self._kill(process)
        return CommandResult(
            command=command,
            exit_code=exit_code,
            output="\n".join(reader.lines),
            duration=time.monotonic() - started,
            timed_out=timed_out,
            shell_exited=shell_exited,
        )

    def set_variable(self, name: str, value: str) -> None:
        """Set and export a variable for the commands that follow."""
        self._env[name] = value
        if self._persistent and self._process is not None:
            self.run(f"export {name}={shlex.quote(value)}")

    def read_variables(self, names: Sequence[str]) -> dict[str, str]:
        """Return the current values of shell variables (unset ones are left out)."""
        if not names:
            return {}
        if not self._persistent or self._process is None:
            return {name: self._env[name] for name in names if name in self._env}
        # One NUL-separated record per name: "1value" when set, empty when unset,
        # so values holding newlines come back intact.
        parts = " ".join(f'"${{{name}+1}}${{{name}-}}"' for name in names)
        result = self.run(f"printf '%s\\0' {parts}")
        values = result.output.split("\0")
        return {name: value[1:] for name, value in zip(names, values, strict=False) if value}

    def close(self) -> None:
        """Kill the shell and everything it started."""
        if self._process is not None:
            self._kill(self._process)

    def _started(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            self._process = self._spawn(list(self._argv), stdin=subprocess.PIPE)
        return self._process

    def _spawn(self, argv: list[str], *, stdin: int) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self._cwd,
            env=self._env,
            start_new_session=True,
        )

    def _read(
        self, process: subprocess.Popen[bytes], reader: _Reader, deadline: float | None
    ) -> tuple[int | None, bool]:
        assert process.stdout is not None  # Popen was given stdout=PIPE
        fd = process.stdout.fileno()
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                reader.finish()
                return None, True
            if not self._persistent:
                # A one-shot shell is done when it exits, even if a background
                # job it started still holds the output pipe open.
                remaining = _POLL if remaining is None else min(remaining, _POLL)
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                if not self._persistent and process.poll() is not None:
                    reader.finish()
                    return None, False
                continue
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                reader.finish()
                return None, False
            exit_code = reader.feed(chunk)
            if exit_code is not None:
                return exit_code, False

    def _kill(self, process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        if process is self._process:
            self._process = None
