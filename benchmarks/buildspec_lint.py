"""Benchmark: buildspec lint throughput over the real corpus, against plain YAML loading.

Lints the public buildspecs of ``../shared/corpus/buildspecs`` repeated to
``--files`` files with :func:`mlcicd.buildspec.lint.lint_text`, and loads the
same texts with ``ruamel.yaml``'s ``YAML(typ="safe").load`` as the baseline, in
the same run; prints files per second for both and their ratio. The machines
are shared and noisy: compare the ratio, not seconds across runs; each figure is
the best of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/buildspec_lint.py [--files 1000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ruamel.yaml import YAML
from timing import best_seconds

from mlcicd.buildspec.lint import lint_text

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "buildspecs"


def main() -> None:
    """Parse the options, time both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    paths = sorted(CORPUS.glob("*.y*ml")) if CORPUS.is_dir() else []
    if not paths:
        raise SystemExit(f"skipped: no corpus at {CORPUS} (see shared/corpus/SOURCES.md)")
    texts = [p.read_text(encoding="utf-8") for p in paths]
    texts = (texts * (options.files // len(texts) + 1))[: options.files]
    yaml = YAML(typ="safe", pure=True)

    lint_s = best_seconds(lambda: [lint_text(t) for t in texts], options.repeat)
    load_s = best_seconds(lambda: [yaml.load(t) for t in texts], options.repeat)
    print(f"{len(texts)} buildspecs ({len(paths)} distinct), best of {options.repeat}")
    print(f"lint_text:               {len(texts) / lint_s:9.0f} files/s  ({lint_s:.3f} s)")
    print(f"YAML(typ='safe').load:   {len(texts) / load_s:9.0f} files/s  ({load_s:.3f} s)")
    print(f"ratio lint/load time:    {lint_s / load_s:9.2f}x")


if __name__ == "__main__":
    main()
