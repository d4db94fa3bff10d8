"""Benchmark: the local buildspec runner's overhead, against the same commands run by hand.

A buildspec of 4 phases x ``--commands`` ``true`` commands is run with
:func:`mlcicd.buildspec.run.run_buildspec` (copy of an empty source, a shell
fed one command at a time, phase bookkeeping, artifacts and reports steps),
and the same commands are run as one script by one ``bash`` process, which is
the least any runner has to do. Both are timed in the same run; the figures
printed are milliseconds per phase for each and their ratio. The machines are
shared and noisy: compare the ratio, not milliseconds across runs; each
figure is the best of ``--repeat`` runs. The runner's goal is under 50 ms of
wall time per phase.

Run: ``.venv/bin/python benchmarks/buildspec_run.py [--commands 5] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import io
import subprocess
import tempfile
from pathlib import Path

from timing import best_seconds

from mlcicd.buildspec.model import PHASES, Buildspec, Phase
from mlcicd.buildspec.run import run_buildspec


def spec_of(commands: int) -> Buildspec:
    """A buildspec whose four phases each run ``commands`` times ``true``."""
    phase = Phase(commands=("true",) * commands)
    return Buildspec(phases=dict.fromkeys(PHASES, phase))


def with_runner(spec: Buildspec, source: Path, workdir: Path) -> None:
    """The system's own path: a whole local build, log written to memory."""
    result = run_buildspec(spec, source_dir=source, workdir=workdir, output=io.StringIO())
    if not result.succeeded:
        raise SystemExit(f"the benchmark build failed: {result.to_dict()}")


def with_plain_bash(spec: Buildspec) -> None:
    """The baseline: every command of every phase in one bash process, in order."""
    script = "\n".join(c for phase in spec.phases.values() for c in phase.commands)
    subprocess.run(["bash", "-e", "-c", script], check=True)


def main() -> None:
    """Time both, print ms per phase and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=5, help="commands per phase")
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best counts")
    args = parser.parse_args()
    spec = spec_of(args.commands)
    with tempfile.TemporaryDirectory(prefix="mlcicd-bench-") as folder:
        source = Path(folder) / "source"
        source.mkdir()
        (source / "train.py").write_text("print('train')\n")
        runner = best_seconds(lambda: with_runner(spec, source, Path(folder) / "work"), args.repeat)
    plain = best_seconds(lambda: with_plain_bash(spec), args.repeat)
    phases = len(PHASES)
    print(f"{phases} phases x {args.commands} commands, best of {args.repeat}")
    print(f"run_buildspec: {runner * 1000 / phases:8.2f} ms per phase ({runner * 1000:.1f} ms)")
    print(f"plain bash:    {plain * 1000 / phases:8.2f} ms per phase ({plain * 1000:.1f} ms)")
    print(f"ratio:         {runner / plain:8.1f}x")
    verdict = "within" if runner * 1000 / phases < 50 else "OVER"
    print(f"goal:          {verdict} 50 ms per phase")


if __name__ == "__main__":
    main()
