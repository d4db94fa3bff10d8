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
from functools import cache
from pathlib import Path

from nbformat import NotebookNode

from mlcicd.course.nbval_run import CellResult, run_nbval
from mlcicd.course.notebook import write
from mlcicd.grade.nbval_sandbox import SANDBOX_ENV
from mlcicd.grade.sandbox import Cgroup, bwrap_arguments, isolation
from mlcicd.testing.environment import DEFAULT_REGION, offline_environment

#: Set in the kernels of a grading run (``grade_me()`` does nothing there).
GRADING_ENV = "MLCICD_GRADING"
DEFAULT_TIMEOUT = 30
#: Resident memory of one kernel and all it starts (a cgroup cap where one can be made).
DEFAULT_MEMORY_MB = 2048
#: Seconds one submission may take in all, however many cells it has.
DEFAULT_BUDGET = 600
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


@cache
def offline_prefix() -> tuple[str, ...]:
    # A network namespace with loopback only, where the machine allows it (as
    # scripts/offline); elsewhere the real-AWS guard and fake credentials remain.
    if shutil.which("unshare") and shutil.which("ip"):
        probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ("unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "grade")
    return ()


def run_graded(
    nb: NotebookNode,
    name: str,
    *,
    timeout: int = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    budget: int = DEFAULT_BUDGET,
    hidden: Sequence[Path] = (),
) -> tuple[dict[int, CellResult], str]:
    """Run ``nb`` (saved as ``name``) under nbval with its kernel sandboxed.

    Args:
        nb: The notebook to grade (already prepared).
        name: Its file name, e.g. ``02_unit_tests.ipynb``.
        timeout: Seconds one cell may run.
        memory_mb: The kernel's memory cap in MiB (resident where a cgroup can be made).
        budget: Seconds the whole run may take.
        hidden: Folders the kernel must not see (the learners' folders).

    Returns:
        nbval's verdict per code cell, and one sentence on the isolation in force.

    Raises:
        CourseError: When nbval did not run, or ran past ``budget``.
    """
    place = isolation()
    # Without a cgroup the address space is the only limit, and Node.js (the CDK) needs
    # 4 GiB of it even with little resident.
    address_mb = memory_mb if place.cgroup else max(memory_mb, ADDRESS_FLOOR_MB)
    sentence = place.sentence(memory_mb if place.cgroup else address_mb)
    environ = kernel_environment(os.environ)
    with tempfile.TemporaryDirectory(prefix="mlcicd-grade-") as folder:
        root = Path(folder)
        work, sockets = root / "work", root / "kernel"
        work.mkdir()
        sockets.mkdir()
        write(nb, work / name)
        group = Cgroup.create(memory_mb) if place.sandbox and place.cgroup else None
        module = "mlcicd.course.pytest_main"
        if place.sandbox:
            inside = bwrap_arguments(work, hidden, keep=(sockets,))
            prefix = [*(group.enter() if group else []), *inside]
            environ[SANDBOX_ENV] = json.dumps({"prefix": prefix, "folder": str(sockets)})
            module = "mlcicd.grade.nbval_sandbox"
            if group is not None:
                # The cgroup caps what is resident; the address-space limit stays only as a
                # backstop for nbval's own process (V8 reserves far more than it uses).
                address_mb = max(4 * memory_mb, 16384)
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
                module=module,
            )
        finally:
            if group is not None:
                group.remove()
    return results.get(name, {}), sentence
