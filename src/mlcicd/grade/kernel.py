"""Run one prepared notebook under nbval, its kernel sandboxed, within fixed limits.

:func:`run_graded` writes the notebook to grade into a private work folder,
runs ``pytest --nbval-lax`` on it (outside the sandbox, in a network namespace
with loopback only where the machine allows it) and has nbval start the kernel
in a bubblewrap sandbox (:mod:`mlcicd.grade.sandbox`,
:mod:`mlcicd.grade.nbval_sandbox`) inside a cgroup capping its memory and
processes. The whole run has a fixed wall-clock budget, whatever the number of
cells; nbval's report is written where the sandbox cannot write, and read from
there only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nbformat import NotebookNode

from mlcicd.course.nbval_run import CellResult, run_nbval
from mlcicd.course.notebook import write
from mlcicd.grade.learner import GRADING_ENV
from mlcicd.grade.sandbox import Cgroup, bwrap_arguments, isolation
from mlcicd.testing.environment import DEFAULT_REGION, offline_environment

DEFAULT_TIMEOUT = 30
#: Resident memory of one kernel and all it starts (a cgroup cap where one can be made).
DEFAULT_MEMORY_MB = 2048
#: Seconds one submission may take in all, however many cells it has.
DEFAULT_BUDGET = 600
#: The environment variable telling nbval's process how to sandbox and judge
#: (read by :mod:`mlcicd.grade.nbval_sandbox`).
SANDBOX_ENV = "MLCICD_SANDBOX"
#: The least address space a kernel gets where no cgroup caps its resident memory.
ADDRESS_FLOOR_MB = 4096
#: Largest file a graded kernel (or nbval's own log) may write.
FILE_LIMIT_MB = 512


def limits(memory_mb: int) -> Callable[[], None]:
    # POSIX only, so imported here rather than at the top: Windows can import this
    # module. In the parent, never in the forked child: an import there can deadlock.
    import resource

    def apply() -> None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
        files = FILE_LIMIT_MB * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (files, files))

    return apply


#: V8 reserves about 10 GB of address space for each WebAssembly memory so that
#: bounds checks can trap; under the kernel's address-space limit that fails
#: ("Cannot allocate Wasm memory"), and jsii's Node.js (the AWS CDK, exercise 09)
#: uses WebAssembly. Without the trap handler, V8 checks bounds in code instead.
NODE_UNDER_MEMORY_LIMIT = "--disable-wasm-trap-handler"


def kernel_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment a graded kernel runs in: offline AWS, the grading flag, Node.js options.

    Args:
        base: The grader's environment; not modified.
    """
    environ = offline_environment(base, DEFAULT_REGION) | {GRADING_ENV: "1"}
    node_options = environ.get("NODE_OPTIONS", "").split()
    if NODE_UNDER_MEMORY_LIMIT not in node_options:
        environ["NODE_OPTIONS"] = " ".join([*node_options, NODE_UNDER_MEMORY_LIMIT])
    return environ


#: Runs a command in a new network namespace with loopback only, through bubblewrap
#: (which needs no root where unprivileged user namespaces are allowed).
_BWRAP_OFFLINE = ("bwrap", "--dev-bind", "/", "/", "--unshare-net", "--die-with-parent", "--")


@cache
def offline_prefix() -> tuple[str, ...]:
    """A command prefix giving nbval (and the kernel, which shares it) loopback only.

    util-linux's ``unshare`` where this process may (root, as scripts/offline),
    else bubblewrap; where neither works, () and the real-AWS guard and fake
    credentials remain (the isolation sentence says so).
    """
    if shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ("unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "grade")
    if shutil.which("bwrap"):
        probe = subprocess.run([*_BWRAP_OFFLINE, "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return _BWRAP_OFFLINE
    return ()


@dataclass(frozen=True)
class Graded:
    """What one run of a notebook gave.

    Attributes:
        cells: nbval's verdict per code cell (nbval's numbering).
        verdicts: Checkpoint id -> (passed, line): the check run outside the kernel.
        sandbox: One sentence on the isolation in force.
    """

    cells: Mapping[int, CellResult]
    verdicts: Mapping[str, tuple[bool, str]]
    sandbox: str


def run_graded(
    nb: NotebookNode,
    name: str,
    *,
    timeout: int = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    budget: int = DEFAULT_BUDGET,
    hidden: Sequence[Path] = (),
    checkpoints: Mapping[int, str] | None = None,
) -> Graded:
    """Run ``nb`` (saved as ``name``) under nbval with its kernel sandboxed, judging outside.

    Args:
        nb: The notebook to grade (already prepared).
        name: Its file name, e.g. ``02_unit_tests.ipynb``.
        timeout: Seconds one cell may run.
        memory_mb: The kernel's memory cap in MiB (resident where a cgroup can be made).
        budget: Seconds the whole run may take.
        hidden: Folders the kernel must not see (the learners' folders).
        checkpoints: nbval's code cell number -> checkpoint id, for the outside verdicts.

    Raises:
        CourseError: When nbval did not run, or ran past ``budget``.
    """
    place = isolation()
    # The address space of nbval's process and of the kernel, whatever the cgroup: it
    # bounds nbval's own process, which holds every output the kernel sends (a flood
    # ends there, for this submission only), and Node.js (the CDK) needs 4 GiB of it
    # even with little resident. Without a cgroup it is the only memory limit.
    address_mb = max(memory_mb, ADDRESS_FLOOR_MB)
    sentence = place.sentence(memory_mb if place.cgroup else address_mb)
    environ = kernel_environment(os.environ)
    with tempfile.TemporaryDirectory(prefix="mlcicd-grade-") as folder:
        root = Path(folder)
        work, sockets, verdicts = root / "work", root / "kernel", root / "verdicts.json"
        work.mkdir()
        sockets.mkdir()
        write(nb, work / name)
        group = Cgroup.create(memory_mb) if place.sandbox and place.cgroup else None
        setting: dict[str, object] = {
            "checkpoints": {str(k): v for k, v in (checkpoints or {}).items()},
            "verdicts": str(verdicts),
            "timeout": timeout,
        }
        if place.sandbox:
            inside = bwrap_arguments(work, hidden, keep=(sockets,), jsii_private=root / "jsii")
            enter = group.enter() if group else []
            setting |= {"prefix": [*enter, *inside], "folder": str(sockets), "enter": enter}
            setting |= {"hidden": [str(folder) for folder in hidden]}
        environ[SANDBOX_ENV] = json.dumps(setting)
        try:
            results = run_nbval(
                [name],
                root / "nbval.xml",
                cwd=work,
                cell_timeout=timeout,
                env=environ,
                prefix=offline_prefix(),
                preexec_fn=limits(address_mb),
                timeout=budget,
                module="mlcicd.grade.nbval_sandbox",
            )
            judged = read_verdicts(verdicts)
        finally:
            if group is not None:
                group.remove()
    return Graded(results.get(name, {}), judged, sentence)


def read_verdicts(path: Path) -> dict[str, tuple[bool, str]]:
    """The outside verdicts nbval's process wrote; none when it wrote no readable file."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(k): (v.get("passed") is True, str(v.get("line", "")))
        for k, v in data.items()
        if isinstance(v, dict)
    }
