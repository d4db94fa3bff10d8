"""Benchmark: buildspec lint throughput over the real corpus, now and before a git revision.

Lints the public buildspecs of ``../shared/corpus/buildspecs`` repeated to
``--files`` files with :func:`mlcicd.buildspec.lint.lint_text`, with this tree's
code ("now") and with the code of ``--baseline REF`` ("before"): a temporary
``git worktree add --detach`` of REF, linting the same texts in a subprocess with
``PYTHONPATH=<worktree>/src``, removed afterwards. The default REF, 27a5890, is the
last revision whose parser built the YAML tree from ruamel.yaml's events by hand
(issue 17 moved it onto ruamel's composer and constructor). A plain
``YAML(typ="safe").load`` of the same texts is printed too, for scale.

The machines are shared and noisy: the two sides run in turns, ``--repeat``
times each, and each figure is the best of its turns; compare the ratio, not
seconds across runs.

Run: ``.venv/bin/python benchmarks/buildspec_lint.py [--files 1000] [--repeat 3]
[--baseline REF | --baseline none]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ruamel.yaml import YAML
from timing import best_seconds

from mlcicd.buildspec.lint import lint_text

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "buildspecs"
#: The revision before the parser moved to ruamel.yaml's composer (issue 17, item 3).
BASELINE = "27a5890"

# Run with the worktree's code: one timed lint of the texts in argv[1]; prints
# where mlcicd was imported from (to prove it is the worktree's) and the seconds.
_CHILD = """\
import json, sys, time
import mlcicd
from mlcicd.buildspec.lint import lint_text
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
for text in texts[:50]:
    lint_text(text)  # warm up: first calls compile regular expressions
started = time.perf_counter()
for text in texts:
    lint_text(text)
print(mlcicd.__file__)
print(time.perf_counter() - started)
"""


@contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """A temporary detached git worktree of ``ref``, removed (and pruned) afterwards."""
    with tempfile.TemporaryDirectory(prefix="mlcicd-baseline-") as parent:
        tree = Path(parent) / "tree"
        git = ["git", "-C", str(REPO)]
        subprocess.run(
            [*git, "worktree", "add", "--quiet", "--detach", str(tree), ref],
            check=True,
            capture_output=True,
            text=True,
        )
        try:
            yield tree
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(tree)], check=False)
            subprocess.run([*git, "worktree", "prune"], check=False)


def baseline_seconds(tree: Path, texts_file: Path) -> float:
    """One timed lint of the texts with the code in ``tree`` (a subprocess)."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(texts_file)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    where, seconds = done.stdout.split()
    if not Path(where).is_relative_to(tree):
        raise SystemExit(f"the baseline imported mlcicd from {where}, not from {tree}")
    return float(seconds)


def compare(texts: list[str], ref: str, repeat: int) -> tuple[float, float]:
    """Best seconds of ``repeat`` turns each, (before, now), the two sides in turns."""
    before, now = [], []
    with worktree(ref) as tree, tempfile.TemporaryDirectory() as scratch:
        texts_file = Path(scratch) / "texts.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        for _ in range(repeat):
            before.append(baseline_seconds(tree, texts_file))
            now.append(best_seconds(lambda: [lint_text(t) for t in texts], 1))
    return min(before), min(now)


def figure(label: str, files: int, seconds: float, note: str = "") -> str:
    """One output line: files per second, and the seconds they took."""
    return f"{label:<28}{files / seconds:7.0f} files/s  ({seconds:.3f} s{note})"


def main() -> None:
    """Parse the options, time both sides and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--baseline", default=BASELINE, help="git revision to compare with, or 'none'"
    )
    options = parser.parse_args()
    paths = sorted(CORPUS.glob("*.y*ml")) if CORPUS.is_dir() else []
    if not paths:
        raise SystemExit(f"skipped: no corpus at {CORPUS} (see shared/corpus/SOURCES.md)")
    texts = [p.read_text(encoding="utf-8") for p in paths]
    texts = (texts * (options.files // len(texts) + 1))[: options.files]
    n = len(texts)
    print(f"{n} buildspecs ({len(paths)} distinct), best of {options.repeat}")
    for text in texts[: len(paths)]:
        lint_text(text)  # warm up, as the baseline's process does
    if options.baseline == "none":
        now_s = best_seconds(lambda: [lint_text(t) for t in texts], options.repeat)
        print(figure("lint_text now:", n, now_s))
    else:
        before_s, now_s = compare(texts, options.baseline, options.repeat)
        print(figure(f"lint_text before ({options.baseline}):", n, before_s))
        print(figure("lint_text now:", n, now_s))
        print(f"{'ratio now/before:':<28}{before_s / now_s:7.2f}x  (must stay >= 0.80)")
    yaml = YAML(typ="safe", pure=True)
    load_s = best_seconds(lambda: [yaml.load(t) for t in texts], options.repeat)
    print(figure("YAML(typ='safe').load:", n, load_s, ", for scale"))


if __name__ == "__main__":
    main()
