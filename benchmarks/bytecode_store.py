"""Benchmark: compiling a venv's modules, without a bytecode store, filling one, reading one.

``python -m mlcicd.bytecode`` compiles about 10,000 installed modules after every install.
With ``MLCICD_BYTECODE_CACHE`` naming a folder (:mod:`mlcicd.bytecode_store`), the code of
each is kept there by the content of its source, and the next venv with the same source
writes its ``.pyc`` from it instead of compiling.

Each round compiles this venv's modules (:func:`mlcicd.bytecode.modules`) three times into
empty temporary bytecode folders (``sys.pycache_prefix``, so the venv's own ``.pyc`` files
are neither read nor touched): with no store, with an empty store (the first venv, which
fills it) and with the store just filled (every later venv). It prints the medians of the
rounds, wall and CPU seconds (this process and its workers), and the ratios to no store.
The machines are shared and noisy: compare the ratios.

Run: ``.venv/bin/python benchmarks/bytecode_store.py [--rounds 3] [--jobs 0]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mlcicd.bytecode import compile_installed, site_folders
from mlcicd.bytecode_store import ENV


def cpu() -> float:
    """CPU seconds of this process and of its waited-for children so far."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed(store: Path | None, jobs: int) -> tuple[float, float, int]:
    """(wall s, CPU s, modules) of compiling every module into an empty bytecode folder."""
    if store is None:
        os.environ.pop(ENV, None)
    else:
        os.environ[ENV] = str(store)
    with tempfile.TemporaryDirectory(prefix="bytecode-") as prefix:
        sys.pycache_prefix = prefix  # the workers are forked: they inherit it
        wall, used = time.perf_counter(), cpu()
        compiled, _ = compile_installed(site_folders(), workers=jobs)
        wall, used = time.perf_counter() - wall, cpu() - used
        sys.pycache_prefix = None
    return wall, used, compiled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: one per core)")
    args = parser.parse_args()
    figures: dict[str, list[tuple[float, float]]] = {"none": [], "filling": [], "reading": []}
    count = 0
    for _ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="store-") as store:
            for name, where in (("none", None), ("filling", store), ("reading", store)):
                wall, used, count = timed(Path(where) if where else None, args.jobs)
                figures[name].append((wall, used))
    base = [statistics.median(x[i] for x in figures["none"]) for i in (0, 1)]
    print(f"{count} modules, {args.rounds} rounds, {args.jobs or os.cpu_count()} processes")
    for name, rows in figures.items():
        wall, used = (statistics.median(x[i] for x in rows) for i in (0, 1))
        print(
            f"  {name:8} {wall:6.1f} s wall ({wall / base[0]:.2f}), "
            f"{used:6.1f} CPU s ({used / base[1]:.2f})"
        )


if __name__ == "__main__":
    main()
