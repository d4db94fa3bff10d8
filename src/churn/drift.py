"""Drift between a new batch of data and the reference data a model learnt from.

A batch can honour the data contract (right columns, types and ranges) and
still be unlike the training data: bills rise, fibre spreads, more customers
churn. A model is only as good as that likeness, so :func:`drift_report`
compares each feature of the schema present in both tables, and the label:

* categorical features: the Population Stability Index (:func:`psi`) over the
  schema's categories plus one bucket for missing (or unknown) values;
* numeric features: the two-sample Kolmogorov-Smirnov test (:func:`ks_test`)
  on the non-null values;
* the target, when both tables have it: PSI over 0 and 1, i.e. the churn rate.

Run it after :func:`churn.validate.validate_frame` passed: a missing column is
the contract's finding, so it is skipped here, and text in a numeric column is
an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from churn.exceptions import DataError
from churn.schema import TARGET, feature_columns

#: Share used for an empty bin: one empty bin would otherwise make PSI infinite.
EPSILON = 1e-4
#: Label of the bucket that collects missing values and values the schema does not name.
OTHER = "(missing or other)"
Statistic = Literal["psi", "ks"]


@dataclass(frozen=True)
class ColumnDrift:
    """The drift check of one column.

    Attributes:
        column: Column name.
        statistic: ``psi`` or ``ks`` (the Kolmogorov-Smirnov distance D).
        value: The statistic's value.
        threshold: Drift when a PSI is above it; for ``ks``, when the p-value is below it.
        drifted: Whether the column drifted.
        detail: What moved, for people (the largest category shift, the p-value).
        p_value: The KS test's p-value; None for PSI.
    """

    column: str
    statistic: Statistic
    value: float
    threshold: float
    drifted: bool
    detail: str
    p_value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form; values rounded to what a reader can use."""
        return {
            "column": self.column,
            "statistic": self.statistic,
            "value": round(self.value, 4),
            "threshold": self.threshold,
            "drifted": self.drifted,
            "detail": self.detail,
            # p-values span many orders of magnitude: keep significant digits, not decimals.
            "p_value": None if self.p_value is None else float(f"{self.p_value:.4g}"),
        }


@dataclass(frozen=True)
class DriftReport:
    """The drift checks of one batch against the reference data.

    Attributes:
        source: Where the batch came from (file name, S3 URI).
        columns: One result per checked column: features in schema order, then the label.
    """

    source: str
    columns: tuple[ColumnDrift, ...]

    @property
    def drifted(self) -> bool:
        """True when any column drifted."""
        return any(col.drifted for col in self.columns)

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Names of the columns that drifted, in report order."""
        return tuple(col.column for col in self.columns if col.drifted)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for CI logs and notifications."""
        return {
            "source": self.source,
            "drifted": self.drifted,
            "drifted_columns": list(self.drifted_columns),
            "columns": [col.to_dict() for col in self.columns],
        }

    def format(self) -> str:
        """Human-readable lines: a verdict, then one line per column."""
        verdict = (
            f"DRIFT in {len(self.drifted_columns)} of {len(self.columns)} columns"
            if self.drifted
            else f"no drift in {len(self.columns)} columns"
        )
        lines = [f"{self.source}: {verdict}"]
        for col in self.columns:
            rule = f"p < {col.threshold:g}" if col.statistic == "ks" else f"> {col.threshold:g}"
            lines.append(
                f"  {col.column:<17} {col.statistic:<3} {col.value:8.4f}  threshold {rule:<9} "
                f"{'DRIFT' if col.drifted else 'OK':<5}  {col.detail}"
            )
        return "\n".join(lines)


def psi(
    expected_counts: Sequence[float], actual_counts: Sequence[float], *, epsilon: float = EPSILON
) -> float:
    """Population Stability Index of two binned distributions.

    ``PSI = sum((a - e) * ln(a / e))`` over the bins, where ``e`` and ``a`` are
    each bin's share of the expected (reference) and actual (batch) counts.
    Every term is >= 0, so PSI is 0 only for identical shares. Rule of thumb:
    under 0.1 stable, 0.1 to 0.2 a moderate shift, over 0.2 a significant one.

    Args:
        expected_counts: Reference count per bin.
        actual_counts: Batch count per bin, same bins in the same order.
        epsilon: Share used in place of an empty bin's 0.

    Returns:
        The index, 0 or more.

    Raises:
        ValueError: No bins, different numbers of bins, a negative count, or no counts on a side.
    """
    expected = np.asarray(expected_counts, dtype=float)
    actual = np.asarray(actual_counts, dtype=float)
    if expected.ndim != 1 or expected.size == 0 or expected.shape != actual.shape:
        raise ValueError(f"need two equal, non-empty lists of counts, not {expected} and {actual}")
    if (expected < 0).any() or (actual < 0).any() or not expected.sum() or not actual.sum():
        raise ValueError("counts must be 0 or more, with at least one count on each side")
    e = np.clip(expected / expected.sum(), epsilon, None)
    a = np.clip(actual / actual.sum(), epsilon, None)
    return float(np.sum((a - e) * np.log(a / e)))


def bucket_counts(values: pd.Series, buckets: Sequence[object]) -> list[int]:
    """Count the values equal to each bucket, then all the others (missing, unknown).

    The last count matters: dropping missing or unknown values would hide a
    batch in which they suddenly abound.
    """
    counts = [int((values == bucket).sum()) for bucket in buckets]
    return [*counts, len(values) - sum(counts)]


def ks_test(reference: pd.Series, batch: pd.Series) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test on the non-null values.

    Returns:
        The distance D (largest gap between the two empirical distribution
        functions, 0 to 1) and the p-value of "both samples share a distribution".
    """
    # Imported here, not at the top: scipy.stats takes 1.5 s to import, and every process
    # that checks exercise 03 imports this module, most of them never calling this.
    from scipy.stats import ks_2samp

    ref, new = (values.dropna().to_numpy(dtype=float) for values in (reference, batch))
    result = ks_2samp(ref, new)
    return float(result.statistic), float(result.pvalue)


def _categorical_drift(
    name: str, reference: pd.Series, batch: pd.Series, categories: Sequence[str], threshold: float
) -> ColumnDrift:
    expected, actual = bucket_counts(reference, categories), bucket_counts(batch, categories)
    value = psi(expected, actual)
    # Name the bucket that moved most: it tells people where to look upstream.
    before, after = (np.asarray(counts) / sum(counts) for counts in (expected, actual))
    top = int(np.argmax(np.abs(after - before)))
    detail = f"largest shift: {[*categories, OTHER][top]} {before[top]:.1%} -> {after[top]:.1%}"
    return ColumnDrift(name, "psi", value, threshold, value > threshold, detail)


def _numeric_drift(
    name: str, reference: pd.Series, batch: pd.Series, alpha: float, source: str
) -> ColumnDrift:
    for side, values in (("reference", reference), ("batch", batch)):
        # Coercing text to numbers would hide the contract breach; refuse instead.
        if not pd.api.types.is_numeric_dtype(values):
            raise DataError(source, f"the {side} holds text; validate it first", column=name)
        if values.dropna().empty:
            raise DataError(source, f"the {side} has no values to compare", column=name)
    statistic, p_value = ks_test(reference, batch)
    detail = f"p-value {p_value:.3g}"
    return ColumnDrift(name, "ks", statistic, alpha, p_value < alpha, detail, p_value=p_value)


def _label_drift(reference: pd.Series, batch: pd.Series, threshold: float) -> ColumnDrift:
    expected, actual = bucket_counts(reference, (0, 1)), bucket_counts(batch, (0, 1))
    value = psi(expected, actual)
    # The churn rate among labelled rows: what a person compares first.
    rates = [counts[1] / max(counts[0] + counts[1], 1) for counts in (expected, actual)]
    detail = f"churn rate {rates[0]:.1%} -> {rates[1]:.1%}"
    return ColumnDrift(TARGET, "psi", value, threshold, value > threshold, detail)


def drift_report(
    reference: pd.DataFrame,
    batch: pd.DataFrame,
    *,
    psi_threshold: float = 0.2,
    ks_pvalue: float = 0.01,
    source: str = "<batch>",
) -> DriftReport:
    """Compare a batch with the reference data, column by column.

    Args:
        reference: The data the model learnt from; it is not modified.
        batch: The new data; it is not modified.
        psi_threshold: A categorical feature or the label drifted when its PSI is above this.
        ks_pvalue: A numeric feature drifted when the KS test's p-value is below this.
            With many columns and large batches, small p-values come easily: keep it low.
        source: Where the batch came from, for the report.

    Returns:
        The report; ``report.drifted`` tells whether to look before using the batch.

    Raises:
        ValueError: A threshold is out of range.
        DataError: A table has no rows, no feature column is in both tables, or a
            numeric column holds text or only missing values.
    """
    if psi_threshold <= 0:
        raise ValueError(f"psi_threshold must be above 0, not {psi_threshold}")
    if not 0 < ks_pvalue < 1:
        raise ValueError(f"ks_pvalue must be between 0 and 1, not {ks_pvalue}")
    for side, frame in (("reference", reference), ("batch", batch)):
        if frame.empty:
            raise DataError(source, f"the {side} has no rows; nothing to compare")
    results: list[ColumnDrift] = []
    for col in feature_columns():
        if col.name not in reference.columns or col.name not in batch.columns:
            continue
        ref, new = reference[col.name], batch[col.name]
        if col.kind == "category":
            results.append(_categorical_drift(col.name, ref, new, col.categories, psi_threshold))
        elif col.numeric:
            results.append(_numeric_drift(col.name, ref, new, ks_pvalue, source))
    if not results:
        # An empty report would read as "no drift": refuse to compare nothing.
        raise DataError(source, "no feature column is in both the reference and the batch")
    if TARGET in reference.columns and TARGET in batch.columns:
        results.append(_label_drift(reference[TARGET], batch[TARGET], psi_threshold))
    return DriftReport(source=source, columns=tuple(results))
