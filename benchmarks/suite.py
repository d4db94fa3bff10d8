"""Benchmark: ``make test`` on a fresh clone, as a learner's second command runs it.

Each round clones this repository (``git clone -q . DIR``, as CI's callers of
``.ci/run`` do: the last commit, not uncommitted changes) into a new temporary
folder, and times in it, one after another:

1. the install: ``make .venv/.mlcicd-installed`` (a new ``.venv``, the dev extra and,
   with Node.js, the iac extra; uv links it from its cache, ``~/.cache/uv``, as on a
   learner's machine after the first install);
2. the wheels: ``scripts/wheelhouse .venv/bin/python`` (the download ``make test`` does
   first, for the install-as-shipped tests; kept once per machine in
   ``~/.cache/mlcicd/wheelhouse``, so only a machine's first clone downloads);
3. ``make test`` (``PYTEST_ARGS=`` from ``--pytest-args``, to try the script on a few tests).

It prints the three wall times and their total, then what ``make test`` printed
at its end: the tests and seconds per layer, the slowest tests and pytest's own
wall time, read from the clone's ``build/reports/junit.xml`` with
:func:`mlcicd.testing.layers.summarize`. With ``--rounds N`` it gives each
round, then the median total and median ``make test``. It is a benchmark, not a
test: nothing asserts a time (the issue's budget: 300 s in all, on 2 cores),
and a failing ``make test`` only makes it exit 1 after the figures.

A whole run takes many minutes and both cores: run it on an otherwise idle machine.

Run: ``.venv/bin/python benchmarks/suite.py [--rounds 1] [--pytest-args "tests/unit/test_lint.py"]
[--keep] [--cold]``
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from mlcicd.testing.layers import RunSummary, format_summary, summarize

ROOT = Path(__file__).resolve().parent.parent
STAMP = ".venv/.mlcicd-installed"
REPORT = "build/reports/junit.xml"


@dataclass(frozen=True)
class Round:
    """One fresh clone's figures."""

    install: float
    wheels: float
    test: float
    passed: bool
    summary: RunSummary | None

    @property
    def total(self) -> float:
        """Install, wheels and ``make test``: what a learner waits for."""
        return self.install + self.wheels + self.test


def timed(
    command: list[str], cwd: Path, log: Path, env: dict[str, str] | None = None
) -> tuple[float, int]:
    """Run ``command`` in ``cwd``, its output appended to ``log``; return seconds and exit code."""
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {shlex.join(command)}\n")
        out.flush()
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, check=False
        )
    return time.perf_counter() - started, done.returncode


def one_round(folder: Path, pytest_args: str, *, cold: bool = False) -> Round:
    """Clone into ``folder``, install, fetch the wheels and run ``make test`` there.

    With ``cold``, uv's cache and the kept wheelhouse are new empty folders beside the
    clone: the figures of a machine's first clone (everything downloaded).

    Raises:
        SystemExit: When the clone or the install fails (the log's end is shown).
    """
    log = folder.parent / "suite.log"
    env = None
    if cold:
        caches = folder.parent / "caches"
        env = {**os.environ, "UV_CACHE_DIR": str(caches / "uv"), "MLCICD_CACHE": str(caches)}
    subprocess.run(["git", "clone", "-q", str(ROOT), str(folder)], check=True)
    install, rc = timed(["make", STAMP], folder, log, env)
    if rc != 0:
        raise SystemExit(f"the install failed ({rc}); the end of {log}:\n{_tail(log)}")
    wheels, _ = timed(["scripts/wheelhouse", ".venv/bin/python"], folder, log, env)
    make = ["make", "test"] + ([f"PYTEST_ARGS={pytest_args}"] if pytest_args else [])
    test, rc = timed(make, folder, log, env)
    report = folder / REPORT
    summary = summarize(report) if report.is_file() else None
    if rc != 0:
        print(f"make test failed ({rc}); the end of {log}:\n{_tail(log)}")
    return Round(install, wheels, test, rc == 0, summary)


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def show(number: int, done: Round) -> None:
    """Print one round's wall times and what ``make test`` reported."""
    print(
        f"round {number}: install {done.install:6.1f} s, wheels {done.wheels:5.1f} s, "
        f"make test {done.test:6.1f} s, total {done.total:6.1f} s"
        + ("" if done.passed else "  (make test FAILED)")
    )
    if done.summary is not None:
        print("  " + format_summary(done.summary).replace("\n", "\n  "))


def main(argv: list[str] | None = None) -> int:
    """Run the rounds and print their figures; exit 1 when a ``make test`` failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="fresh clones, one after another")
    parser.add_argument("--pytest-args", default="", help="PYTEST_ARGS for make test (a subset)")
    parser.add_argument("--keep", action="store_true", help="keep the clones (their paths shown)")
    parser.add_argument(
        "--cold", action="store_true", help="empty uv and wheelhouse caches: a machine's first"
    )
    args = parser.parse_args(argv)
    head = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"make test on a fresh clone of {ROOT} at {head[:72]}")
    if dirty:
        print("  (uncommitted changes are not in the clone: commit them to measure them)")
    if args.pytest_args:
        print(f"  PYTEST_ARGS={args.pytest_args}: a subset, not the budget's figure")
    rounds = []
    for number in range(1, args.rounds + 1):
        temp = Path(tempfile.mkdtemp(prefix="mlcicd-suite-"))
        try:
            rounds.append(one_round(temp / "clone", args.pytest_args, cold=args.cold))
            show(number, rounds[-1])
        finally:
            if args.keep:
                print(f"  kept: {temp} (its log: {temp / 'suite.log'})")
            else:
                shutil.rmtree(temp, ignore_errors=True)
    if len(rounds) > 1:
        print(
            f"median of {len(rounds)}: total {statistics.median(r.total for r in rounds):.1f} s, "
            f"make test {statistics.median(r.test for r in rounds):.1f} s"
        )
    return 0 if all(r.passed for r in rounds) else 1


if __name__ == "__main__":
    sys.exit(main())
