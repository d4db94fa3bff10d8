"""Exercise 03's checkpoints: right answers pass, plausible wrong ones fail with a useful line."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from churn.data import generate
from churn.drift import bucket_counts, psi
from churn.schema import SCHEMA, column
from churn.validate import validate_frame
from mlcicd.course.checkpoint import evaluate

# --- 03.1 -------------------------------------------------------------------


def out_of_contract(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for col in SCHEMA:
        if col.name not in frame.columns:
            continue
        values = frame[col.name].dropna()
        if col.numeric:
            bad = int(((values < col.minimum) | (values > col.maximum)).sum())
        elif col.kind == "category":
            bad = int((~values.isin(col.categories)).sum())
        else:
            continue
        if bad:
            counts[col.name] = bad
    return counts


def out_of_contract_between(frame: pd.DataFrame) -> dict[str, int]:
    # Written differently: Series.between for numbers, a set for categories, a comprehension.
    def broken(col: object) -> int:
        values = frame[col.name].dropna()  # type: ignore[attr-defined]
        if col.numeric:  # type: ignore[attr-defined]
            return int((~values.between(col.minimum, col.maximum)).sum())  # type: ignore[attr-defined]
        allowed = set(col.categories)  # type: ignore[attr-defined]
        return sum(value not in allowed for value in values)

    found = {col.name: broken(col) for col in SCHEMA if col.name in frame and col.kind != "string"}
    return {name: count for name, count in found.items() if count}


def strict_limits(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for col in SCHEMA:
        if col.name in frame.columns and col.numeric:
            values = frame[col.name].dropna()
            bad = int(((values <= col.minimum) | (values >= col.maximum)).sum())
            if bad:
                counts[col.name] = bad
    return counts


def counts_nulls(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for col in SCHEMA:
        if col.name in frame.columns and col.kind == "category":
            bad = int((~frame[col.name].isin(col.categories)).sum())
            if bad:
                counts[col.name] = bad
        elif col.name in frame.columns and col.numeric:
            values = frame[col.name].dropna()
            bad = int(((values < col.minimum) | (values > col.maximum)).sum())
            if bad:
                counts[col.name] = bad
    return counts


def via_validate(frame: pd.DataFrame) -> dict[str, int]:
    return {f.column: 1 for f in validate_frame(frame).findings if f.column}


def keeps_zeros(frame: pd.DataFrame) -> dict[str, int]:
    return {col.name: 0 for col in SCHEMA} | out_of_contract(frame)


def crashes_on_missing(frame: pd.DataFrame) -> dict[str, int]:
    for col in SCHEMA:
        frame[col.name]  # the bug: every schema column is assumed present
    return out_of_contract(frame)


@pytest.mark.parametrize("function", [out_of_contract, out_of_contract_between])
def test_03_1_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("03.1", {"out_of_contract": function}) == (
        True,
        "Checkpoint 03.1 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            strict_limits,
            "a clean synthetic batch (200 rows, seed 3): returned {'tenure_months'",
        ),
        (
            counts_nulls,
            "a clean synthetic batch (200 rows, seed 3): returned {'payment_method': 4}",
        ),
        (
            via_validate,
            "3 bills of 250 (the maximum is 200): returned {'monthly_charges': 1}, "
            "expected {'monthly_charges': 3}",
        ),
        (keeps_zeros, "a clean synthetic batch (200 rows, seed 3): returned {'customer_id': 0"),
        (crashes_on_missing, "one internet_service 'satellite': KeyError: 'region'"),
        (lambda frame: [], "returned a list, expected a dict"),
    ],
    ids=["strict limits", "counts NaN", "one per finding", "zeros kept", "KeyError", "list"],
)
def test_03_1_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("03.1", {"out_of_contract": function})
    assert not passed
    assert line.startswith("Checkpoint 03.1 failed (0/2 points): ")
    assert expected in line


def test_03_1_missing_name() -> None:
    line = evaluate("03.1", {})[1]
    assert line.startswith("Checkpoint 03.1 cannot run yet (0/2 points): `out_of_contract`")


# --- 03.2 -------------------------------------------------------------------


def category_psi(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    def shares(values: pd.Series) -> np.ndarray:
        counts = [int((values == c).sum()) for c in categories]
        counts.append(len(values) - sum(counts))
        return np.clip(np.asarray(counts, dtype=float) / len(values), 1e-4, None)

    e, a = shares(reference), shares(batch)
    return float(np.sum((a - e) * np.log(a / e)))


def category_psi_value_counts(
    reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]
) -> float:
    # Written differently: value_counts with reindex, the other bucket from normalize.
    total = 0.0
    for_ref = reference.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    for_new = batch.value_counts(normalize=True).reindex(categories, fill_value=0.0)
    e = np.append(for_ref.to_numpy() * reference.notna().mean(), 0.0)
    a = np.append(for_new.to_numpy() * batch.notna().mean(), 0.0)
    e[-1], a[-1] = 1 - e[:-1].sum(), 1 - a[:-1].sum()
    for exp, act in zip(np.maximum(e, 1e-4), np.maximum(a, 1e-4), strict=True):
        total += (act - exp) * np.log(act / exp)
    return total


def drops_missing(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    return category_psi(reference.dropna(), batch.dropna(), categories)


def no_epsilon(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    e = np.array([(reference == c).mean() for c in categories])
    a = np.array([(batch == c).mean() for c in categories])
    e, a = np.append(e, 1 - e.sum()), np.append(a, 1 - a.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.nansum((a - e) * np.log(a / e)))


def raw_counts(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    e = np.array(bucket_counts(reference, categories), dtype=float) + 1
    a = np.array(bucket_counts(batch, categories), dtype=float) + 1
    return float(np.sum((a - e) * np.log(a / e)) / 1000)


@pytest.mark.parametrize("function", [category_psi, category_psi_value_counts])
def test_03_2_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("03.2", {"category_psi": function}) == (
        True,
        "Checkpoint 03.2 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (drops_missing, "payment_method where 30% of the batch is missing (NaN must count)"),
        (
            no_epsilon,
            "the unknown value 'weekly': returned inf; an empty bucket must count as a share",
        ),
        (raw_counts, "contract, reference vs a drifted batch (distribution_drift=0.8): returned"),
        (lambda r, b, c: "0.1", "the same column twice: returned 0.1000, expected 0.0"),
    ],
    ids=["drops NaN", "no epsilon", "raw counts", "wrong value"],
)
def test_03_2_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("03.2", {"category_psi": function})
    assert not passed
    assert expected in line


def test_03_2_the_reference_agrees_with_churn_drift() -> None:
    # The hidden cases compare with churn.drift.psi; the solution must agree with it.
    ref, new = generate(500, 1)["contract"], generate(500, 2, distribution_drift=1.0)["contract"]
    cats = column("contract").categories
    assert category_psi(ref, new, cats) == pytest.approx(
        psi(bucket_counts(ref, cats), bucket_counts(new, cats))
    )


# --- 03.3 -------------------------------------------------------------------


def drifted_batch(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    frame["monthly_charges"] = (frame["monthly_charges"] * (1 + price_rise)).clip(upper=200)
    return frame


def drifted_batch_rounded(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    # Written differently: rounded to cents like generate's bills, np.minimum for the clip.
    frame = generate(rows, seed)
    frame["monthly_charges"] = np.minimum(
        (frame["monthly_charges"] * (1 + price_rise)).round(2), 200
    )
    return frame


def unclipped(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    frame["monthly_charges"] = frame["monthly_charges"] * (1 + price_rise)
    return frame


def unseeded(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, int(np.random.default_rng().integers(1_000_000)))
    frame["monthly_charges"] = (frame["monthly_charges"] * (1 + price_rise)).clip(upper=200)
    return frame


def adds_instead(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    frame["monthly_charges"] = (frame["monthly_charges"] + price_rise).clip(upper=200)
    return frame


def fills_bills(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = drifted_batch(rows, seed, price_rise)
    frame["monthly_charges"] = frame["monthly_charges"].fillna(0.0)
    return frame


def uses_drift_knob(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    return generate(rows, seed, distribution_drift=min(price_rise, 1.0))


@pytest.mark.parametrize("function", [drifted_batch, drifted_batch_rounded])
def test_03_3_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("03.3", {"drifted_batch": function}) == (
        True,
        "Checkpoint 03.3 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            unclipped,
            "price_rise=0.8 (250 rows, seed 12): the batch breaks the data contract: range",
        ),
        (
            unseeded,
            "price_rise=0 (400 rows, seed 5): customer_id, tenure_months, total_charges, "
            "support_calls, contract",
        ),
        (adds_instead, "price_rise=0.25 (400 rows, seed 5): a bill is off by"),
        (fills_bills, "price_rise=0 (400 rows, seed 5): missing bills moved or were filled"),
        (uses_drift_knob, "price_rise=0.25 (400 rows, seed 5): tenure_months, total_charges"),
    ],
    ids=["no clip", "no seed", "adds", "fills NaN", "other drift"],
)
def test_03_3_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("03.3", {"drifted_batch": function})
    assert not passed
    assert expected in line


# --- 03.4 -------------------------------------------------------------------


def compare_to_golden(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    moved = []
    for key in sorted(expected):
        allowed = rel_tol * abs(expected[key]) if expected[key] else rel_tol
        if key not in current or abs(current[key] - expected[key]) > allowed:
            moved.append(key)
    return moved


def compare_with_isclose(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    # Written differently: math.isclose with both tolerances, a sorted comprehension.
    import math

    return sorted(
        key
        for key, value in expected.items()
        if key not in current
        or (
            not math.isclose(current[key], value, rel_tol=rel_tol, abs_tol=0)
            and not (value == 0 and abs(current[key]) <= rel_tol)
        )
    )


def unsorted(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(compare_to_golden(current, expected, rel_tol), reverse=True)


def absolute(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(
        k for k in expected if k not in current or abs(current[k] - expected[k]) > rel_tol
    )


def ignores_missing(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return [k for k in compare_to_golden(current, expected, rel_tol) if k in current]


def only_increases(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(
        k
        for k in expected
        if k not in current or current[k] - expected[k] > rel_tol * (abs(expected[k]) or 1)
    )


def includes_new(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    extra = [k for k in current if k not in expected]
    return sorted(compare_to_golden(current, expected, rel_tol) + extra)


@pytest.mark.parametrize("function", [compare_to_golden, compare_with_isclose])
def test_03_4_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("03.4", {"compare_to_golden": function}) == (
        True,
        "Checkpoint 03.4 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (unsorted, "rows 380 and mean_bill 70 (both off): returned ['rows', 'mean_bill']"),
        (absolute, "churn_rate 0.21 (5% off; tolerance 1%): returned [], expected ['churn_rate']"),
        (ignores_missing, "churn_rate missing from current: returned [], expected ['churn_rate']"),
        (only_increases, "rows 380 and mean_bill 70 (both off): returned ['mean_bill'], expected"),
        (includes_new, "an extra metric only current has: returned ['new_metric'], expected []"),
        (lambda c, e, rel_tol=0.01: set(), "identical metrics: returned a set, expected a list"),
    ],
    ids=["unsorted", "absolute tolerance", "missing ignored", "drops missed", "new keys", "set"],
)
def test_03_4_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("03.4", {"compare_to_golden": function})
    assert not passed
    assert expected in line
