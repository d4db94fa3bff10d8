"""Benchmark: a pytest process as the course starts one, with and without pytest's rewrite cache.

Every check that runs a learner's tests (``run_pytest``) and every graded notebook (nbval)
starts a pytest process. pytest rewrites the asserts of every module of each distribution
that ships a pytest plugin (hypothesis, anyio, ...) when it imports them, and caches the
result only where it may write: not under ``PYTHONDONTWRITEBYTECODE``, not in a grading
sandbox's read-only venv. ``python -m mlcicd.bytecode`` writes that cache at install
(:func:`mlcicd.bytecode.rewrite_for_pytest`).

Each round times ``--runs`` pytest processes on a one-test module, the command
``run_pytest`` builds, with ``PYTHONDONTWRITEBYTECODE=1``: once after removing this venv's
rewritten modules, once after writing them again, alternating which goes first. The
figures are the medians of the rounds and their ratio. The venv is left as the install
left it (the cache written). The machines are shared and noisy: compare the ratio.

Run: ``.venv/bin/python benchmarks/pytest_start.py [--rounds 3] [--runs 5]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlcicd.bytecode import pytest_plugin_sources, rewrite_for_pytest, site_folders
from mlcicd.internals import pytest_rewritten_pyc

TEST = "def test_one():\n    assert [1] == [1]\n"
#: The command run_pytest builds (mlcicd.course.pytest_run), less the report.
COMMAND = [
    *("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-o", "addopts="),
    "--offline-aws",
]


def remove_cache() -> int:
    """Delete the rewritten modules of this venv's plugin distributions; return how many."""
    removed = 0
    for source in map(Path, pytest_plugin_sources(site_folders())):
        cached = pytest_rewritten_pyc(source)
        if cached.is_file():
            cached.unlink()
            removed += 1
    return removed


def seconds(folder: Path, runs: int) -> float:
    """Seconds for ``runs`` pytest processes on ``folder``'s test module."""
    environ = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, *COMMAND, f"--rootdir={folder}", str(folder / "test_one.py")]
    start = time.perf_counter()
    for _ in range(runs):
        subprocess.run(command, cwd=folder, env=environ, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=5, help="pytest processes per timing")
    args = parser.parse_args()
    timings: dict[str, list[float]] = {"without": [], "with": []}
    removed = written = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "test_one.py").write_text(TEST, encoding="utf-8")
        for round_ in range(args.rounds):
            order = ["without", "with"] if round_ % 2 == 0 else ["with", "without"]
            for variant in order:
                if variant == "without":
                    removed = max(removed, remove_cache())
                else:
                    written = rewrite_for_pytest(site_folders())
                timings[variant].append(seconds(folder, args.runs) / args.runs)
    rewrite_for_pytest(site_folders())
    without, with_ = (statistics.median(timings[v]) for v in ("without", "with"))
    print(f"{written} modules rewritten for pytest (removed for the baseline: {removed})")
    print(f"one pytest process, no rewrite cache: {without:.2f} s (median of {args.rounds})")
    print(f"one pytest process, cache written:    {with_:.2f} s")
    print(f"ratio: {with_ / without:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
