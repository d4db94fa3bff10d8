"""Benchmark: ``mlcicd grade`` against bare nbval, and grading many submissions on 2 workers.

1. One solution notebook (``--notebook``, default ``solutions/08_codepipeline.ipynb``)
   is graded with ``mlcicd grade FILE`` (manifest check, preparing the notebook,
   a fresh folder, offline environment, the kernel in its bubblewrap sandbox and
   cgroup, every checkpoint judged again outside the kernel, reading nbval's report)
   and run with bare ``pytest --nbval-lax --nbval-current-env FILE``, the least any
   grader has to do. Each runs once per round, ``--rounds`` rounds, alternating which
   goes first; the figures are the medians and their ratio (the aim: 1.3 or less).
   The isolation that was in force is printed with them.
2. ``--submissions`` copies of that notebook, one per learner folder
   (``learner_001/08_codepipeline.ipynb``, ...), are graded with ``-n 1`` and
   with ``-n 2``; the figures are seconds, submissions per second and the
   speedup (the aim: 1.7 or more on 2 cores). The ``--json`` results of both
   runs must be byte-identical, else the script exits 1.

Every run is a subprocess, as a user runs it. The machines are shared and
noisy: compare the ratios, not seconds across runs.

Run: ``.venv/bin/python benchmarks/grade.py [--notebook FILE] [--rounds 3] [--submissions 100]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "exercises" / "manifest.json"
GRADE = (sys.executable, "-m", "mlcicd", "grade")
BARE = (
    sys.executable,
    "-m",
    "pytest",
    "-q",
    "-p",
    "no:cacheprovider",
    "-o",
    "addopts=",
    "--nbval-lax",
    "--nbval-current-env",
)


def timed(command: list[str] | tuple[str, ...]) -> float:
    """Run ``command`` from the repository's root and return its wall time in seconds.

    Raises:
        SystemExit: When the command fails (its output is shown).
    """
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(command)}\n{done.stdout}{done.stderr}"
        )
    return seconds


def one_notebook(notebook: Path, rounds: int) -> tuple[float, float]:
    """Grade and bare-run ``notebook`` once per round, alternating the order.

    Returns:
        The median seconds of ``mlcicd grade`` and of bare nbval.
    """
    graded: list[float] = []
    bare: list[float] = []
    for round_ in range(rounds):
        runs = [(graded, (*GRADE, str(notebook))), (bare, (*BARE, str(notebook)))]
        for times, command in runs if round_ % 2 == 0 else reversed(runs):
            times.append(timed(command))
        print(f"  round {round_ + 1}: grade {graded[-1]:6.2f} s, bare nbval {bare[-1]:6.2f} s")
    return statistics.median(graded), statistics.median(bare)


def make_submissions(notebook: Path, folder: Path, count: int) -> None:
    """Copy ``notebook`` into ``count`` learner folders under ``folder``."""
    for i in range(1, count + 1):
        learner = folder / f"learner_{i:03d}"
        learner.mkdir()
        shutil.copyfile(notebook, learner / notebook.name)


def many_submissions(notebook: Path, count: int) -> tuple[float, float, bytes, bytes]:
    """Grade ``count`` copies of ``notebook`` with ``-n 1``, then with ``-n 2``.

    Returns:
        The seconds with 1 and with 2 workers, and the JSON results of each run.
    """
    with tempfile.TemporaryDirectory(prefix="mlcicd-bench-grade-") as tmp:
        submissions = Path(tmp) / "submissions"
        submissions.mkdir()
        make_submissions(notebook, submissions, count)
        seconds: dict[int, float] = {}
        results: dict[int, bytes] = {}
        for workers in (1, 2):
            report = Path(tmp) / f"results-n{workers}.json"
            seconds[workers] = timed(
                [
                    *GRADE,
                    str(submissions),
                    "-n",
                    str(workers),
                    "--manifest",
                    str(MANIFEST),
                    "--json",
                    str(report),
                ]
            )
            results[workers] = report.read_bytes()
            print(f"  -n {workers}: {seconds[workers]:7.1f} s")
    return seconds[1], seconds[2], results[1], results[2]


def full_marks(report: bytes) -> tuple[int, int]:
    """Return how many submissions in a ``--json`` report scored full marks, and how many."""
    submissions = json.loads(report)["submissions"]
    full = sum(not s["errors"] and s["score"] == s["max_score"] for s in submissions)
    return full, len(submissions)


def main() -> None:
    """Time both measurements, print the figures, exit 1 if the two JSON reports differ."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--notebook",
        type=Path,
        default=ROOT / "solutions" / "08_codepipeline.ipynb",
        help="the solution notebook to grade",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of grade vs bare nbval")
    parser.add_argument("--submissions", type=int, default=100, help="copies graded -n 1 and -n 2")
    args = parser.parse_args()
    notebook = args.notebook.resolve()
    if not notebook.is_file():
        raise SystemExit(f"no such notebook: {args.notebook}")

    print(f"1. Grading {notebook.name}: `mlcicd grade` vs bare `pytest --nbval-lax`,")
    print(f"   {args.rounds} interleaved rounds, medians")
    graded, bare = one_notebook(notebook, args.rounds)

    print(f"2. Grading {args.submissions} copies of it (one per learner): -n 1 vs -n 2")
    serial, parallel, json_1, json_2 = many_submissions(notebook, args.submissions)
    full, total = full_marks(json_1)
    identical = json_1 == json_2

    print()
    print(f"mlcicd grade:        {graded:7.2f} s (median of {args.rounds})")
    print(f"bare nbval:          {bare:7.2f} s (median of {args.rounds})")
    print(f"grade / bare nbval:  {graded / bare:7.2f} (aim <= 1.3)")
    print(f"isolation:           {json.loads(json_1)['submissions'][0]['sandbox']}")
    print(f"-n 1:                {serial:7.1f} s, {args.submissions / serial:.2f} submissions/s")
    print(
        f"-n 2:                {parallel:7.1f} s, {args.submissions / parallel:.2f} submissions/s"
    )
    print(f"speedup -n 2 / -n 1: {serial / parallel:7.2f} (aim >= 1.7 on 2 cores)")
    print(f"full marks:          {full}/{total} submissions")
    print(f"JSON -n 1 vs -n 2:   {'byte-identical' if identical else 'DIFFERENT'}")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
