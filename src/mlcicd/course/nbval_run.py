"""Run nbval from the outside and read its verdict per notebook cell.

nbval runs in its own pytest process, exactly as a learner or CI runs it
(``pytest --nbval-lax``); :func:`read_report` reads its JUnit report back.
Cells are numbered as nbval numbers them: code cells only, from 0.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlcicd import junit
from mlcicd.exceptions import CourseError, NbvalTimeout


@dataclass(frozen=True)
class CellResult:
    """nbval's verdict on one code cell.

    Attributes:
        outcome: ``passed``, ``failed``, ``error`` or ``skipped``.
        message: nbval's explanation (empty when it passed).
    """

    outcome: str
    message: str = ""


#: nbval's report is read only up to this size (it holds the outputs of failing cells).
REPORT_LIMIT = 32 * 2**20

#: ``"folder/file.ipynb"`` (as given to nbval) -> code cell number -> verdict.
NbvalResults = dict[str, dict[int, CellResult]]


def read_report(report: Path) -> NbvalResults:
    """Return the per-cell results in nbval's JUnit report.

    Raises:
        CourseError: When the report cannot be read or is not JUnit XML.
    """
    try:
        cases = junit.read_file(report, limit=REPORT_LIMIT).cases
    except CourseError as error:
        raise CourseError(f"cannot read nbval's report: {error.message}", path=error.path) from None
    results: NbvalResults = {}
    for case in cases:
        # xunit1 reports carry the file; the classname ("dir.sub.nb.ipynb")
        # loses dots in folder names, so it is only the fallback.
        parts = case.classname.split(".")
        notebook = case.file or "/".join([*parts[:-2], ".".join(parts[-2:])])
        cell = _cell_number(case, report)
        text = case.text or case.message
        results.setdefault(notebook, {})[cell] = CellResult(case.outcome, text.strip())
    return results


def _cell_number(case: junit.Case, report: Path) -> int:
    # nbval names each code cell's test case "Cell N"; anything else is not nbval's.
    try:
        return int(case.name.removeprefix("Cell "))
    except ValueError:
        raise CourseError(
            f"cannot read nbval's report: test case {case.name!r} is not named 'Cell N'",
            path=str(report),
        ) from None


def run_nbval(
    paths: Sequence[Path | str],
    report: Path,
    *,
    cwd: Path,
    workers: int = 1,
    cell_timeout: int = 120,
    env: Mapping[str, str] | None = None,
    prefix: Sequence[str] = (),
    preexec_fn: Callable[[], None] | None = None,
    timeout: float | None = None,
    module: str = "mlcicd.course.pytest_main",
) -> NbvalResults:
    """Run ``pytest --nbval-lax`` on ``paths`` (relative to ``cwd``) and return its results.

    Args:
        paths: Notebooks or folders of notebooks.
        report: Where nbval's JUnit report is written.
        cwd: The folder pytest runs in; result keys are relative to it.
        workers: pytest-xdist workers (one notebook per worker at a time).
        cell_timeout: Seconds one cell may run.
        env: The environment of pytest and its kernels (default: this process's).
        prefix: A command to run pytest under, e.g. one that takes the network away.
        preexec_fn: Run in the child before pytest starts, e.g. to set resource limits.
        timeout: Seconds the whole run may take.
        module: The module pytest starts through (``python -m MODULE``), e.g. one that
            starts nbval's kernels in a sandbox.

    Raises:
        CourseError: When nbval could not run at all (no report was written), ran
            longer than ``timeout``, or wrote a report larger than :data:`REPORT_LIMIT`.
    """
    # Plugins nbval's own process has no use for; each costs time (the kernels are other
    # processes, and keep every plugin for the tests they run). unraisableexception makes
    # two full garbage collections as the run ends, to turn exceptions ignored in
    # finalizers into warnings that no reader of this report sees: 0.3 s in a process
    # holding pandas, moto and the checks (measured: 146 and 151 ms), once per notebook.
    unused = ["-p", "no:hypothesispytest", "-p", "no:socket", "-p", "no:unraisableexception"]
    parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else ["-p", "no:xdist"]
    command = [
        sys.executable, "-m", module, "-p", "no:cacheprovider",
        "-o", "addopts=", "-q", "-o", "junit_family=xunit1",
        "--nbval-lax", "--nbval-current-env", f"--nbval-cell-timeout={cell_timeout}",
        # The safety net in nbval's process and so in every kernel it starts, whatever
        # the configuration of the folder it runs in (a grading folder has none).
        "--offline-aws",
        f"--junitxml={report}", *unused, *parallel, *map(str, paths),
    ]  # fmt: skip
    # pytest's own output goes to a file, of which only the end is read: a notebook
    # that prints without end must not fill this process's memory.
    with tempfile.TemporaryFile() as log:
        try:
            subprocess.run(
                [*prefix, *command],
                cwd=cwd,
                env=None if env is None else dict(env),
                preexec_fn=preexec_fn,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NbvalTimeout(timeout or 0) from None
        log.seek(max(0, log.seek(0, 2) - 4096))
        tail = log.read().decode("utf-8", "replace").strip().splitlines()[-5:]
    if not Path(report).exists():
        raise CourseError("nbval did not run: " + " / ".join(tail))
    size = Path(report).stat().st_size
    if size > REPORT_LIMIT:
        raise CourseError(
            f"nbval's report is {size // 2**20} MiB, over the {REPORT_LIMIT // 2**20} MiB "
            "cap: a checked cell printed too much output to grade"
        )
    return read_report(report)
