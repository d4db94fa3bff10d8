"""One sandbox per submission: bubblewrap around the learner's kernel, and resource caps.

The grader's pytest (nbval) runs outside; only the kernel, and everything it
starts, runs inside ``bwrap`` (Debian's ``bubblewrap``) with:

* a read-only view of the whole file system (the course, the venv, Python),
  with the other learners' folders hidden and a private writable work folder,
  ``/tmp`` and home;
* its own PID, IPC and UTS namespaces, so it cannot see or signal the grader
  or other submissions; the network namespace of the nbval process that runs
  it, which has loopback only (:func:`mlcicd.grade.kernel.offline_prefix`)
  and serves nothing but a moto server for that submission's checks;
* no capabilities (``--cap-drop ALL`` when the grader runs as root), a new
  session (no terminal to inject into), and ``--die-with-parent``: when the
  kernel's launcher dies, the namespace's init dies and takes every process
  in it, detached ones included.

Memory and processes are capped per submission by a cgroup (v2 where this
process may create one, else v1's ``memory`` and ``pids`` controllers); where
neither is possible only the kernel's address space is limited, and
:meth:`Isolation.sentence` says so. Results never come from inside: nbval's
report is written by the pytest process outside, into a folder the sandbox
cannot see.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from mlcicd.grade import jsii_cache

#: The command that makes the sandbox, and where to get it.
BWRAP = "bwrap"
INSTALL_BWRAP = "install bubblewrap (apt-get install bubblewrap)"
DEFAULT_PROCESSES = 256


@dataclass(frozen=True)
class Isolation:
    """What isolation this machine gives a submission's kernel.

    Attributes:
        sandbox: True when bubblewrap makes a sandbox here.
        problem: Why it cannot ("" when it can).
        cgroup: ``"v2"``, ``"v1"`` or ``""`` (no cgroup: address-space limit only).
    """

    sandbox: bool
    problem: str = ""
    cgroup: str = ""

    def sentence(self, memory_mb: int, processes: int = DEFAULT_PROCESSES) -> str:
        """One sentence for the JSON, the table and the feedback: what was in force."""
        if not self.sandbox:
            return (
                f"No sandbox: {self.problem}; learner code ran with the grader's rights "
                f"(memory limited to {memory_mb} MiB of address space only)."
            )
        if self.cgroup:
            caps = (
                f"{memory_mb} MiB resident memory and {processes} processes (cgroup {self.cgroup})"
            )
        else:
            caps = f"{memory_mb} MiB of address space only (no cgroup could be made here)"
        return (
            "Sandbox: bubblewrap (read-only system, own PID namespace, loopback-only "
            f"network, private /tmp); capped at {caps}."
        )


def _bwrap_works() -> str:
    """ "" when ``bwrap`` makes a sandbox here, else one clause saying why not."""
    if shutil.which(BWRAP) is None:
        return f"bubblewrap is not installed; {INSTALL_BWRAP}"
    try:
        probe = subprocess.run(
            [*bwrap_arguments(Path("/"), ()), "true"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start ({error})"
    if probe.returncode != 0:
        why = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        return (
            f"bubblewrap cannot make namespaces here ({why}); allow unprivileged user "
            "namespaces, or grade as root"
        )
    return ""


@cache
def isolation() -> Isolation:
    """Probe this machine once: can bubblewrap run, and can a cgroup be made?"""
    problem = _bwrap_works()
    if problem:
        return Isolation(False, problem)
    group = Cgroup.create(64, 8)
    if group is None:
        return Isolation(True)
    group.remove()
    return Isolation(True, cgroup=group.version)


def bwrap_arguments(
    work: Path,
    hidden: Iterable[Path],
    *,
    keep: Sequence[Path] = (),
    chdir: bool = True,
    jsii_private: Path | None = None,
) -> list[str]:
    """The ``bwrap ... --`` prefix that runs a command in a sandbox.

    Args:
        work: The one writable folder (the kernel's working folder); also bound at its path.
        hidden: Folders replaced by an empty one inside (other learners' work).
        keep: Further folders bound writable at their own path (the kernel's sockets).
        chdir: Start in ``work``; else in the command's own working folder (bwrap keeps
            it when the sandbox has it, e.g. a build's source inside ``work``).
        jsii_private: A folder of the caller's, outside the sandbox, for the markers that
            let the sandbox reuse jsii's shared package cache read-only
            (:mod:`mlcicd.grade.jsii_cache`); None: jsii unpacks privately.
    """
    hidden = list(hidden)
    args = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--tmpfs", "/tmp", "--dir", "/tmp/home"]
    private = [Path("/tmp")]
    if Path("/var/tmp").is_dir():
        args += ["--tmpfs", "/var/tmp"]
        private.append(Path("/var/tmp"))
    # A venv or checkout under /tmp (a CI runner's, a fresh clone's) would vanish under
    # the private /tmp, and the kernel could not start: show it again, read-only.
    for folder in _installation():
        if any(folder.is_relative_to(top) for top in private):
            args += ["--ro-bind", str(folder), str(folder)]
    for folder in hidden:
        args += ["--tmpfs", str(folder)]
    for folder in (work, *keep):
        if folder != Path("/"):
            args += ["--bind", str(folder), str(folder)]
    # The network namespace is nbval's own (loopback only: see kernel.offline_prefix),
    # shared so the kernel reaches the moto server the outside checks read.
    args += ["--unshare-all", "--share-net", "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        # bwrap keeps root's capabilities unless told: a root kernel could remount
        # the read-only view writable.
        args += ["--cap-drop", "ALL"]
    args += ["--setenv", "HOME", "/tmp/home", "--unsetenv", "JPY_PARENT_PID"]
    # jsii's shared package cache (the CDK's JavaScript) is read-only here, and must
    # stay so: a kernel that wrote it would run its code in every later kernel.
    if jsii_private is None:
        args += list(jsii_cache.DISABLED)
    else:
        args += jsii_cache.sandbox_arguments(jsii_private, hidden)
    args += ["--chdir", str(work), "--"] if chdir else ["--"]
    return args


def _installation() -> list[Path]:
    """What every kernel runs: Python, the venv, the folder holding the course's packages."""
    package = Path(__file__).resolve().parents[1]
    found = {Path(sys.prefix), Path(sys.exec_prefix), Path(sys.base_prefix), package.parent}
    found |= {path.resolve() for path in found}
    return sorted(path for path in found if path.is_dir())


def hidden_folders(folders: Iterable[Path], protect: Iterable[Path]) -> list[Path]:
    """The folders to hide from a kernel, minus any that holds what the kernel needs.

    Args:
        folders: The learners' folders (every submission's, including this one's).
        protect: Paths the kernel must see: the venv, Python, the course package.
    """
    needed = [p.resolve() for p in protect]
    out = []
    for folder in sorted({f.resolve() for f in folders}):
        if folder == Path("/") or any(p.is_relative_to(folder) for p in needed):
            continue
        out.append(folder)
    return out


def _mounts() -> dict[str, tuple[Path, str]]:
    """Controller (``memory``, ``pids``, or ``""`` for cgroup2) -> (mount point, mount root)."""
    found: dict[str, tuple[Path, str]] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        fields = line.split()
        if " - " not in line:
            continue
        after = line.split(" - ", 1)[1].split()
        kind, options = after[0], after[-1].split(",")
        if kind == "cgroup2":
            found.setdefault("", (Path(fields[4]), fields[3]))
        elif kind == "cgroup":
            for name in ("memory", "pids"):
                if name in options:
                    found.setdefault(name, (Path(fields[4]), fields[3]))
    return found


def _own(controller: str) -> str | None:
    """This process's cgroup path in ``controller``'s hierarchy (``""``: cgroup2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if names.split(",") == [controller] or (controller == "" and names == ""):
            return path
    return None


def _folder(controller: str, mounts: dict[str, tuple[Path, str]]) -> Path | None:
    if controller not in mounts:
        return None
    point, root = mounts[controller]
    own = _own(controller)
    if own is None:
        return None
    relative = os.path.relpath(own, root) if own.startswith(root) else "."
    return (point / relative).resolve() if relative != "." else point


@dataclass
class Cgroup:
    """A cgroup (or, on v1, one per controller) holding one submission's kernel.

    Attributes:
        folders: Its folders: one on v2, ``memory`` and ``pids`` ones on v1.
        version: ``"v2"`` or ``"v1"``.
    """

    folders: tuple[Path, ...]
    version: str

    @classmethod
    def create(cls, memory_mb: int, processes: int = DEFAULT_PROCESSES) -> Cgroup | None:
        """Make a cgroup capping resident memory and processes; None where none can be made."""
        name = f"mlcicd-grade-{uuid.uuid4().hex[:12]}"
        mounts = _mounts()
        for make in (_make_v2, _make_v1):
            group = make(name, mounts, memory_mb * 1024 * 1024, processes)
            if group is not None:
                return group
        return None

    def enter(self) -> list[str]:
        """A command prefix that moves itself into this cgroup, then runs the rest."""
        moves = "; ".join(f"echo $$ > {shlex.quote(str(f / 'cgroup.procs'))}" for f in self.folders)
        return ["sh", "-c", f'{moves} && exec "$@"', "mlcicd-sandbox"]

    def kill(self) -> None:
        """SIGKILL every process still in the cgroup."""
        for _ in range(50):
            pids = set()
            for folder in self.folders:
                try:
                    text = (folder / "cgroup.procs").read_text()
                except OSError:
                    continue
                pids |= {int(p) for p in text.split()}
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        """Kill what is left and delete the cgroup (best effort: the kernel reaps it later)."""
        self.kill()
        for folder in self.folders:
            for _ in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


def _write(path: Path, value: str) -> bool:
    try:
        path.write_text(value)
        return True
    except OSError:
        return False


def _make_v2(name: str, mounts: dict, memory: int, processes: int) -> Cgroup | None:
    parent = _folder("", mounts)
    if parent is None or not (parent / "cgroup.controllers").exists():
        return None
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    if not {"memory", "pids"} <= set(enabled):
        return None  # enabling them needs an empty parent: not ours to rearrange
    folder = parent / name
    try:
        folder.mkdir()
    except OSError:
        return None
    group = Cgroup((folder,), "v2")
    if not (
        _write(folder / "memory.max", str(memory)) and _write(folder / "pids.max", str(processes))
    ):
        group.remove()
        return None
    _write(folder / "memory.swap.max", "0")
    return group


def _make_v1(name: str, mounts: dict, memory: int, processes: int) -> Cgroup | None:
    memory_parent, pids_parent = _folder("memory", mounts), _folder("pids", mounts)
    if memory_parent is None or pids_parent is None:
        return None
    made = []
    for parent in (memory_parent, pids_parent):
        try:
            (parent / name).mkdir()
        except OSError:
            Cgroup(tuple(made), "v1").remove()
            return None
        made.append(parent / name)
    group = Cgroup(tuple(made), "v1")
    limited = _write(made[0] / "memory.limit_in_bytes", str(memory)) and _write(
        made[1] / "pids.max", str(processes)
    )
    if not limited:
        group.remove()
        return None
    # Swap would let a kernel keep more than the cap; not every kernel has the knob.
    _write(made[0] / "memory.memsw.limit_in_bytes", str(memory))
    return group
