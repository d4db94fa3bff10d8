"""Run course notebooks headless with papermill, offline, and time each one (``make course``).

:func:`run_notebooks` executes notebooks in a few worker processes, each
kernel in the notebook's own folder with fake AWS credentials and the real-AWS
guard, writes every executed notebook (failed ones too, to read) under the
output folder, and returns one :class:`NotebookRun` per notebook. Kernels talk
over Unix sockets in a private temporary folder (:func:`kernel_sockets`), not TCP
ports: no other user of the machine can reach them, two kernels starting at once
cannot be given the same port, and ipykernel has no plain-text TCP to warn about
on the learner's terminal. A notebook
that needs what this machine lacks (lesson 09 needs Node.js for the AWS CDK)
is skipped with the one sentence saying what to install
(:func:`missing_requirement`).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.testing.environment import DEFAULT_REGION, offline_environment


@dataclass(frozen=True)
class NotebookRun:
    """How one notebook's run went.

    Attributes:
        path: The notebook as given.
        output: Where the executed copy was written.
        seconds: Wall-clock time of the run.
        error: None when every cell ran; else the failing cell and its error.
        skipped: Why the notebook did not run, when it needs what is missing here.
    """

    path: Path
    output: Path
    seconds: float
    error: str | None = None
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        """True when no cell failed (a skipped notebook ran no cell, so none failed)."""
        return self.error is None


#: Code that marks a notebook as needing the AWS CDK (its first code cell calls it).
CDK_MARKER = "require_cdk()"


def missing_requirement(notebook: Path) -> str | None:
    """Why ``notebook`` cannot run on this machine, in one sentence, or None.

    A notebook that calls ``require_cdk()`` needs Node.js and the ``iac`` extra.
    """
    if CDK_MARKER not in notebook.read_text(encoding="utf-8"):
        return None
    from mlcicd.iac.environment import cdk_problem

    return cdk_problem()


#: jupyter_client's words for a kernel that exited before it ever answered.
NEVER_STARTED = "Kernel died before replying to kernel_info"


@contextmanager
def kernel_sockets() -> Iterator[dict[str, Any]]:
    """papermill's settings for one kernel on Unix sockets in a new private folder.

    The folder (mode 0700, removed afterwards) is the kernel's own: two kernels
    started at the same moment never pick the same socket, as they could a TCP
    port. It is made in the system's temporary folder, whose path is short on the
    usual systems, as a Unix socket's must be (about 100 bytes). Where Python has
    no Unix sockets (Windows), the kernel keeps jupyter_client's TCP.

    Yields:
        Keyword arguments for ``papermill.execute_notebook`` (none on Windows).
    """
    if os.name != "posix":
        yield {}
        return
    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="mlcicd-kernel-") as folder:
        sockets = {"transport": "ipc", "ip": os.path.join(folder, "kernel")}
        yield {"config": Config({"KernelManager": sockets})}


def output_path(notebook: Path, out: Path) -> Path:
    """Return where the executed copy of ``notebook`` goes: ``out/<folder>/<name>``."""
    return out / notebook.resolve().parent.name / notebook.name


def _run_one(
    notebook: Path,
    out: Path,
    parameters: Mapping[str, Any],
    timeout: int,
    environ: Mapping[str, str],
) -> NotebookRun:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    target = output_path(notebook, out)
    missing = missing_requirement(notebook)
    if missing is not None:
        return NotebookRun(notebook, target, 0.0, skipped=missing)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The kernel inherits this process's environment: mask AWS before it starts.
    os.environ.clear()
    os.environ.update(offline_environment(environ, DEFAULT_REGION))
    start = time.perf_counter()
    error = None
    for attempt in (1, 2):
        try:
            with kernel_sockets() as sockets:
                papermill.execute_notebook(
                    str(notebook),
                    str(target),
                    parameters=dict(parameters),
                    cwd=str(notebook.resolve().parent),
                    progress_bar=False,
                    log_output=False,
                    execution_timeout=timeout,
                    **sockets,
                )
        except PapermillExecutionError as failure:
            error = f"cell {failure.exec_count}: {failure.ename}: {failure.evalue}"
        except Exception as failure:  # a kernel that died, a timeout, an unreadable notebook
            error = f"{type(failure).__name__}: {failure}"
            if attempt == 1 and NEVER_STARTED in str(failure):
                # Before any cell ran. On TCP (Windows) jupyter_client picks a kernel's
                # free ports, then the kernel binds them, and a kernel started at the
                # same moment elsewhere may take one between the two (seen with the
                # suite on two workers, before kernels here moved to Unix sockets).
                # Nothing of the notebook ran: start it once more.
                error = None
                continue
        break
    error = error.splitlines()[0] if error else None
    return NotebookRun(notebook, target, time.perf_counter() - start, error)


def run_notebooks(
    notebooks: Sequence[Path],
    out: Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    jobs: int = 2,
    timeout: int = 120,
) -> list[NotebookRun]:
    """Execute ``notebooks`` offline, ``jobs`` at a time, into ``out``.

    Args:
        notebooks: The notebooks, run (and reported) in this order.
        out: Folder for the executed copies (``out/<folder>/<name>``).
        parameters: papermill parameters given to every notebook.
        jobs: Notebooks run at the same time (worker processes).
        timeout: Seconds one cell may run before its notebook fails.

    Returns:
        One run per notebook, in the order given.
    """
    parameters = dict(parameters or {})
    environ = dict(os.environ)
    if jobs <= 1 or len(notebooks) <= 1:
        try:
            return [_run_one(nb, out, parameters, timeout, environ) for nb in notebooks]
        finally:  # _run_one masks this process's environment for its kernels
            os.environ.clear()
            os.environ.update(environ)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_run_one, nb, out, parameters, timeout, environ) for nb in notebooks]
        return [future.result() for future in futures]


def summary(runs: Sequence[NotebookRun], seconds: float) -> str:
    """Return the report: one line per notebook with its time, then the totals."""
    lines = [
        f"{run.seconds:6.1f} s  {_status(run):6}  {run.path}"
        + (f"  ({run.error or run.skipped})" if run.error or run.skipped else "")
        for run in runs
    ]
    skipped = sum(run.skipped is not None for run in runs)
    good = sum(run.ok for run in runs) - skipped
    lines.append(
        f"{good} of {len(runs)} notebooks ran without error"
        + (f", {skipped} skipped" if skipped else "")
        + f" ({sum(r.seconds for r in runs):.1f} s of notebook time, {seconds:.1f} s in all)."
    )
    lines += [f"failed: {run.path}" for run in runs if not run.ok]
    return "\n".join(lines)


def _status(run: NotebookRun) -> str:
    if run.skipped is not None:
        return "skip"
    return "ok" if run.ok else "FAILED"
