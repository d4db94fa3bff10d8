"""Benchmark: the CDK stack's synthesis and its test module, cold (empty jsii cache) and warm.

jsii unpacks aws-cdk-lib (about 200 MB) into its package cache the first time
a process loads it; later processes reuse the cache. This script measures, each
as a fresh process the way a learner or CI meets it:

1. ``mlcicd iac synth`` with an empty cache (cold), then ``--rounds`` times with
   the cache it filled (warm): seconds, and warm / cold as a ratio;
2. ``pytest tests/unit/test_iac_stack.py`` (the IaC test module) cold and warm,
   against the aim of 20 s on 2 cores;
3. the baseline: a bare ``node -e ''`` start, and ``python -c 'import aws_cdk'``
   warm, so the synth figures read as "how much more than loading the CDK".

The cache is a temporary folder, so the project's ``build/jsii-cache`` is
neither used nor changed. Compare the ratios, not seconds across runs: the
machines are shared and noisy.

Run: ``.venv/bin/python benchmarks/iac.py [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTH = (sys.executable, "-m", "mlcicd", "iac", "synth", "-o")
TESTS = (
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-o",
    "addopts=",
    "tests/unit/test_iac_stack.py",
)


def timed(command: list[str] | tuple[str, ...], cache: Path) -> float:
    """Run ``command`` from the repository's root with jsii's cache at ``cache``; wall seconds.

    Raises:
        SystemExit: When the command fails (its output is shown).
    """
    env = {**os.environ, "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(cache)}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}"
        )
    return seconds


def cold_and_warm(command: tuple[str, ...], rounds: int, scratch: Path) -> tuple[float, float]:
    """The first run with an empty cache, and the median of ``rounds`` runs after it."""
    cache = scratch / f"cache-{len(list(scratch.iterdir()))}"
    cold = timed(command, cache)
    warm = statistics.median(timed(command, cache) for _ in range(rounds))
    return cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="warm runs (median) [3]")
    args = parser.parse_args()
    from mlcicd.iac import cdk_problem

    problem = cdk_problem()
    if problem is not None:
        print(f"skipped: {problem}")
        return 0
    node = shutil.which("node") or "node"
    scratch = Path(tempfile.mkdtemp(prefix="mlcicd-iac-bench-"))
    try:
        template = scratch / "MlCiCd.template.json"
        synth_cold, synth_warm = cold_and_warm((*SYNTH, str(template)), args.rounds, scratch)
        tests_cold, tests_warm = cold_and_warm(TESTS, args.rounds, scratch)
        warm_cache = scratch / "cache-0"
        node_start = statistics.median(
            timed((node, "-e", ""), warm_cache) for _ in range(args.rounds)
        )
        cdk_import = statistics.median(
            timed((sys.executable, "-c", "import mlcicd.iac, aws_cdk"), warm_cache)
            for _ in range(args.rounds)
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"node start (baseline)            {node_start:6.2f} s")
    print(f"import aws_cdk, warm (baseline)  {cdk_import:6.2f} s")
    for label, cold, warm, note in (
        ("mlcicd iac synth", synth_cold, synth_warm, f"warm/import {synth_warm / cdk_import:.2f}"),
        ("IaC test module", tests_cold, tests_warm, "(aim: under 20 s)"),
    ):
        print(
            f"{label:18} cold {cold:6.2f} s   warm {warm:6.2f} s   "
            f"warm/cold {warm / cold:.2f}   {note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
