"""Run pytest from a notebook on test code written in the notebook.

Lessons and exercises write tests as strings (or files) and call
:func:`run_pytest`, which runs them in a fresh pytest process, so that
re-running a cell never meets a stale import, and prints one line per test.
The offline-AWS safety net applies there as everywhere: the run passes
``--offline-aws`` to the ``mlcicd.testing`` pytest plugin.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mlcicd import junit
from mlcicd.course import contain
from mlcicd.course.nbval_run import REPORT_LIMIT
from mlcicd.exceptions import CourseError


@dataclass(frozen=True)
class TestOutcome:
    """One test's result.

    Attributes:
        name: ``file::test``.
        outcome: ``passed``, ``failed``, ``error`` or ``skipped``.
        message: First line of the failure message (empty when it passed).
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    outcome: str
    message: str = ""


@dataclass(frozen=True)
class PytestRun:
    """What :func:`run_pytest` found.

    Attributes:
        exit_code: pytest's exit code (0 all passed, 1 some failed, 5 none collected).
        tests: Each test's outcome, in the order pytest ran them.
        output: pytest's full terminal output, for the details.
    """

    exit_code: int
    tests: tuple[TestOutcome, ...]
    output: str

    def count(self, outcome: str) -> int:
        """Return how many tests had ``outcome``."""
        return sum(test.outcome == outcome for test in self.tests)

    @property
    def passed(self) -> int:
        """How many tests passed."""
        return self.count("passed")

    @property
    def failed(self) -> int:
        """How many tests failed or errored."""
        return self.count("failed") + self.count("error")

    def summary(self) -> str:
        """One line per test and a total, with no timings (so the text is stable)."""
        lines = []
        for test in self.tests:
            line = f"{test.outcome.upper():7} {test.name}"
            lines.append(f"{line}  ({test.message})" if test.message else line)
        counts = ", ".join(
            f"{self.count(o)} {o}"
            for o in ("passed", "failed", "error", "skipped")
            if self.count(o)
        )
        lines.append(counts or "no tests collected")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"PytestRun(passed={self.passed}, failed={self.failed})"


def run_pytest(
    tests: str | Mapping[str, str], *args: str, timeout: float = 120, show: bool = True
) -> PytestRun:
    """Run test code in a fresh pytest process and print one line per test.

    Args:
        tests: The source of one test module, or ``{file name: source}`` for several
            (e.g. a ``conftest.py`` beside ``test_features.py``).
        *args: Extra pytest arguments, e.g. ``"-k", "nulls"``.
        timeout: Seconds before the run is stopped.
        show: Print the summary (the default) or only return it.

    Returns:
        The run's outcome; ``.output`` has pytest's full text.

    Raises:
        CourseError: When a file name is not a plain ``.py`` name, the run times out,
            or the JUnit report it wrote cannot be read.
    """
    files = {"test_notebook.py": tests} if isinstance(tests, str) else dict(tests)
    for name in files:
        if Path(name).name != name or not name.endswith(".py"):
            raise CourseError(f"test file name {name!r}: use a plain file name ending in .py")
    with tempfile.TemporaryDirectory(prefix="mlcicd-pytest-") as folder:
        root = Path(folder)
        for name, source in files.items():
            (root / name).write_text(source, encoding="utf-8")
        report = root / "report.xml"
        command = [
            # nbval's plugin is not needed for test modules, and loading it costs
            # seconds (nbformat's schema validation) on every run.
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval",
            "-o", "addopts=", f"--rootdir={root}", f"--junitxml={report}", "--offline-aws",
            *args,
        ]  # fmt: skip
        command = [*contain.prefix(root), *command]  # sandboxed when a grader judges
        try:
            done = subprocess.run(
                command, cwd=root, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise CourseError(
                f"the tests ran longer than {timeout:g} s and were stopped; look for a loop "
                "that never ends, or pass a larger timeout="
            ) from None
        outcomes = _read_report(report) if report.exists() else ()
        run = PytestRun(done.returncode, outcomes, done.stdout + done.stderr)
    if show:
        print(run.summary())
    return run


def _read_report(report: Path) -> tuple[TestOutcome, ...]:
    outcomes = []
    # The tests may be a learner's (a grader runs them): the report is read with
    # nbval's size cap, and as untrusted XML (see mlcicd.junit).
    for case in junit.read_file(report, limit=REPORT_LIMIT).cases:
        module = case.classname.split(".")[0]
        name = f"{module}.py::{case.name}" if module else case.name
        text = (case.message or case.text).strip()
        outcomes.append(TestOutcome(name, case.outcome, text.splitlines()[0] if text else ""))
    return tuple(outcomes)
