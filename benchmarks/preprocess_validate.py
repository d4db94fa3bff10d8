"""Benchmark: data validation plus preprocessing on synthetic rows, churn vs plain pandas.

Measures ``churn.validate.validate_frame`` + ``churn.preprocess.Preprocessor``
(fit and transform) against a straightforward pandas implementation of the
same work written below, on the same data in the same run, and prints rows
per second, peak memory (tracemalloc, during the work only) and the ratio of
the two. The machines are shared and noisy: compare the ratio, not seconds
across runs; each figure is the best of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/preprocess_validate.py [--rows 1000000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from churn.data import generate
from churn.preprocess import Preprocessor
from churn.schema import SCHEMA, categorical_features, numeric_features
from churn.validate import validate_frame


def with_churn(frame: pd.DataFrame) -> np.ndarray:
    """The system's own path: validate against the contract, then fit and transform."""
    report = validate_frame(frame, source="benchmark")
    if not report.passed:
        raise SystemExit(report.format())
    return Preprocessor().fit_transform(frame)


def with_plain_pandas(frame: pd.DataFrame) -> np.ndarray:
    """What one would write by hand with pandas, as the baseline."""
    expected = [col.name for col in SCHEMA]
    if list(frame.columns) != expected:
        raise SystemExit("columns differ from the schema")
    for col in SCHEMA:
        values = frame[col.name]
        if values.isna().mean() > col.max_null_rate:
            raise SystemExit(f"{col.name}: too many nulls")
        if col.numeric and not values.dropna().between(col.minimum, col.maximum).all():
            raise SystemExit(f"{col.name}: out of range")
        if col.categories and not values.dropna().isin(col.categories).all():
            raise SystemExit(f"{col.name}: unknown category")
    numeric = frame[list(numeric_features())]
    numeric = numeric.fillna(numeric.median())
    scaled = (numeric - numeric.min()) / (numeric.max() - numeric.min()).replace(0, 1)
    categorical = frame[list(categorical_features())]
    categorical = categorical.fillna(categorical.mode().iloc[0])
    dummies = pd.get_dummies(categorical, dtype=float)
    return np.hstack([scaled.to_numpy(dtype=float), dummies.to_numpy(dtype=float)])


def best_seconds(
    work: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame, repeat: int
) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work(frame)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mib(work: Callable[[pd.DataFrame], np.ndarray], frame: pd.DataFrame) -> float:
    gc.collect()
    tracemalloc.start()
    work(frame)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    frame = generate(args.rows, seed=0)
    print(f"generated {args.rows:,} rows in {time.perf_counter() - start:.2f} s")
    # Both produce a matrix of the same shape: the comparison is like for like.
    shapes = {with_churn(frame).shape, with_plain_pandas(frame).shape}
    if len(shapes) != 1:
        raise SystemExit(f"the two implementations disagree on the output shape: {shapes}")

    results = {}
    for name, work in (("churn", with_churn), ("plain pandas", with_plain_pandas)):
        seconds = best_seconds(work, frame, args.repeat)
        results[name] = (seconds, peak_mib(work, frame))
    print(f"{'implementation':<14} {'seconds':>8} {'rows/s':>12} {'peak MiB':>9}")
    for name, (seconds, mib) in results.items():
        print(f"{name:<14} {seconds:>8.2f} {args.rows / seconds:>12,.0f} {mib:>9.0f}")
    (churn_s, churn_mib), (plain_s, plain_mib) = results["churn"], results["plain pandas"]
    print(
        f"ratio churn / plain pandas: time {churn_s / plain_s:.2f}x, "
        f"peak memory {churn_mib / plain_mib:.2f}x"
    )


if __name__ == "__main__":
    main()
