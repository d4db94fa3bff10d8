"""Exercise 03's checkpoints: right answers pass, plausible wrong ones fail with a useful line.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer
that only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
import pandas as pd
import pytest
from checkpoint_mutants import Wrong, mutant_tests

from churn.data import generate
from churn.drift import bucket_counts, psi
from churn.schema import SCHEMA, column
from churn.validate import validate_frame
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden


def stub(*_: object) -> object:
    raise NotImplementedError("replace this line with your code")


def hidden_rule(rule: str) -> str:
    """The text a graded line shows when the hidden case of ``rule`` fails."""
    return f"a hidden case failed: {rule}. Hint: "


def expect_only_hidden_catches(
    checkpoint_id: str, name: str, function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    """``function`` passes the public cases, then fails graded with ``rule`` and no input."""
    with public_checks("03"):
        assert evaluate(checkpoint_id, {name: function}) == (
            True,
            f"Checkpoint {checkpoint_id} passed (2/2 points)",
        )
    passed, line = evaluate(checkpoint_id, {name: function})
    assert not passed
    assert hidden_rule(rule) in line
    assert hidden_input not in line


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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [out_of_contract, out_of_contract_between])
def test_03_1_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("03") if public else nullcontext():
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
        (lambda frame: [], "returned a list, expected a dict"),
        (stub, "not written yet"),
    ],
    ids=["strict limits", "counts NaN", "one per finding", "zeros kept", "list", "stub"],
)
def test_03_1_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("03") if public else nullcontext():
            passed, line = evaluate("03.1", {"out_of_contract": function})
        assert not passed
        assert line.startswith("Checkpoint 03.1 failed (0/2 points): ")
        assert expected in line


def skips_label(frame: pd.DataFrame) -> dict[str, int]:
    return {k: v for k, v in out_of_contract(frame).items() if k != "churned"}


def floats_only(frame: pd.DataFrame) -> dict[str, int]:
    ints = ("tenure_months", "support_calls")
    return {k: v for k, v in out_of_contract(frame).items() if k not in ints}


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (
            crashes_on_missing,
            "a schema column the frame lacks is skipped, and a column the schema lacks is ignored",
            "promo_code",
        ),
        (
            skips_label,
            "every numeric column of the schema is checked, the label included",
            "churned",
        ),
        (floats_only, "integer columns are checked against both their limits too", "31"),
    ],
    ids=["KeyError", "label skipped", "floats only"],
)
def test_03_1_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    expect_only_hidden_catches("03.1", "out_of_contract", function, rule, hidden_input)


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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [category_psi, category_psi_value_counts])
def test_03_2_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("03") if public else nullcontext():
        assert evaluate("03.2", {"category_psi": function}) == (
            True,
            "Checkpoint 03.2 passed (2/2 points)",
        )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (raw_counts, "contract, reference vs a drifted batch (distribution_drift=0.8): returned"),
        (lambda r, b, c: "0.1", "the same column twice: returned 0.1000, expected 0.0"),
        (stub, "not written yet"),
    ],
    ids=["raw counts", "wrong value", "stub"],
)
def test_03_2_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("03") if public else nullcontext():
            passed, line = evaluate("03.2", {"category_psi": function})
        assert not passed
        assert line.startswith("Checkpoint 03.2 failed (0/2 points): ")
        assert expected in line


def nan_only_other(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    # The bug: the last bucket holds the missing values only, not the unknown ones.
    def shares(values: pd.Series) -> np.ndarray:
        counts = [int((values == c).sum()) for c in categories] + [int(values.isna().sum())]
        return np.clip(np.asarray(counts, dtype=float) / len(values), 1e-4, None)

    e, a = shares(reference), shares(batch)
    return float(np.sum((a - e) * np.log(a / e)))


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (
            no_epsilon,
            "an empty bucket counts as a share of 1e-4, so the PSI stays finite",
            "month-to-month",
        ),
        (drops_missing, "missing values count, in the missing-or-other bucket", "30%"),
        (
            nan_only_other,
            "values outside the categories count, in the missing-or-other bucket",
            "weekly",
        ),
    ],
    ids=["no epsilon", "drops NaN", "unknown ignored"],
)
def test_03_2_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    expect_only_hidden_catches("03.2", "category_psi", function, rule, hidden_input)


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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [drifted_batch, drifted_batch_rounded])
def test_03_3_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("03") if public else nullcontext():
        assert evaluate("03.3", {"drifted_batch": function}) == (
            True,
            "Checkpoint 03.3 passed (2/2 points)",
        )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            unseeded,
            "price_rise=0 (400 rows, seed 5): customer_id, tenure_months, total_charges, "
            "support_calls, contract",
        ),
        (adds_instead, "price_rise=0.25 (400 rows, seed 5; every bill stays under the maximum): "),
        (fills_bills, "price_rise=0 (400 rows, seed 5): missing bills moved or were filled"),
        (uses_drift_knob, "every bill stays under the maximum): tenure_months, total_charges"),
        (stub, "not written yet"),
    ],
    ids=["no seed", "adds", "fills NaN", "other drift", "stub"],
)
def test_03_3_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("03") if public else nullcontext():
            passed, line = evaluate("03.3", {"drifted_batch": function})
        assert not passed
        assert line.startswith("Checkpoint 03.3 failed (0/2 points): ")
        assert expected in line


def clipped_too_low(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    frame["monthly_charges"] = (frame["monthly_charges"] * (1 + price_rise)).clip(upper=190)
    return frame


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (
            unclipped,
            "the batch honours the data contract, however large the price rise",
            "price_rise=0.8",
        ),
        (
            clipped_too_low,
            "every bill becomes min(bill * (1 + price_rise), the schema's maximum), and every "
            "other column stays as generated",
            "seed 12",
        ),
    ],
    ids=["no clip", "clipped at 190"],
)
def test_03_3_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    expect_only_hidden_catches("03.3", "drifted_batch", function, rule, hidden_input)


# --- 03.4 -------------------------------------------------------------------


def compare_to_golden(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    moved = []
    for key in sorted(expected):
        allowed = rel_tol * abs(expected[key]) if expected[key] else rel_tol
        if key not in current or not abs(current[key] - expected[key]) <= allowed:
            moved.append(key)
    return moved


def nan_slips_through(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    # Wrong: `abs(nan - x) > allowed` is False, so a metric that could not be computed passes.
    moved = []
    for key in sorted(expected):
        allowed = rel_tol * abs(expected[key]) if expected[key] else rel_tol
        if key not in current or abs(current[key] - expected[key]) > allowed:
            moved.append(key)
    return moved


def compare_by_ratio(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    # Written differently: the relative change as a ratio, an expected 0 by absolute change.
    def moved(key: str) -> bool:
        if key not in current:
            return True
        change = abs(current[key] - expected[key])
        if change != change:  # NaN: the metric could not be computed
            return True
        return change / abs(expected[key]) > rel_tol if expected[key] else change > rel_tol

    return [key for key in sorted(expected) if moved(key)]


def compare_with_isclose(
    current: dict[str, float], expected: dict[str, float], rel_tol: float = 0.01
) -> list[str]:
    # Wrong: math.isclose measures the tolerance against the larger of the two values, so a
    # rise is allowed more than rel_tol of the expected value.
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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [compare_to_golden, compare_by_ratio])
def test_03_4_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("03") if public else nullcontext():
        assert evaluate("03.4", {"compare_to_golden": function}) == (
            True,
            "Checkpoint 03.4 passed (2/2 points)",
        )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (absolute, "churn_rate 0.21 (5% off; tolerance 1%): returned [], expected ['churn_rate']"),
        (lambda c, e, rel_tol=0.01: set(), "identical metrics: returned a set, expected a list"),
        (stub, "not written yet"),
    ],
    ids=["absolute tolerance", "set", "stub"],
)
def test_03_4_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("03") if public else nullcontext():
            passed, line = evaluate("03.4", {"compare_to_golden": function})
        assert not passed
        assert line.startswith("Checkpoint 03.4 failed (0/2 points): ")
        assert expected in line


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (unsorted, "the keys come back sorted", "420"),
        (only_increases, "a drop beyond the tolerance counts, not only a rise", "60"),
        (ignores_missing, "a key of expected missing from current is flagged", "churn_rate"),
        (includes_new, "a key only current has is ignored", "new_metric"),
    ],
    ids=["unsorted", "drops missed", "missing ignored", "new keys"],
)
def test_03_4_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    expect_only_hidden_catches("03.4", "compare_to_golden", function, rule, hidden_input)


# --- mutation testing: each wrong answer fails its checkpoint, and only that one ----------


def drops_incomplete_rows(frame: pd.DataFrame) -> dict[str, int]:
    # The mistake: "non-missing" read as "rows without any missing value".
    return out_of_contract(frame.dropna())


def upper_limit_only(frame: pd.DataFrame) -> dict[str, int]:
    counts = {}
    for col in SCHEMA:
        if col.name in frame.columns and col.numeric:
            bad = int((frame[col.name].dropna() > col.maximum).sum())
            if bad:
                counts[col.name] = bad
    return counts | {k: v for k, v in out_of_contract(frame).items() if not column(k).numeric}


def reference_categories(
    reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]
) -> float:
    # The mistake: the buckets come from the reference's own values, not the categories given.
    return category_psi(reference, batch, tuple(sorted(reference.dropna().unique())))


def tiny_epsilon(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    def shares(values: pd.Series) -> np.ndarray:
        counts = [int((values == c).sum()) for c in categories]
        counts.append(len(values) - sum(counts))
        return np.clip(np.asarray(counts, dtype=float) / len(values), 1e-6, None)

    e, a = shares(reference), shares(batch)
    return float(np.sum((a - e) * np.log(a / e)))


def shares_of_present(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    # The mistake: value_counts(normalize=True) divides by the non-missing values only.
    def shares(values: pd.Series) -> np.ndarray:
        known = values.value_counts(normalize=True).reindex(categories, fill_value=0.0)
        return np.clip(np.append(known.to_numpy(), 1 - known.sum()), 1e-4, None)

    e, a = shares(reference), shares(batch)
    return float(np.sum((a - e) * np.log(a / e)))


def cap_first(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    # The mistake: min(cap, bill) with the cap first returns the cap for a missing bill.
    frame = generate(rows, seed)
    frame["monthly_charges"] = [
        min(200.0, bill * (1 + price_rise)) for bill in frame["monthly_charges"]
    ]
    return frame


def raises_totals_too(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = drifted_batch(rows, seed, price_rise)
    frame["total_charges"] = frame["total_charges"] * (1 + price_rise)
    return frame


def percent_rise(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    return drifted_batch(rows, seed, price_rise / 100)


def caps_before_rise(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    frame["monthly_charges"] = frame["monthly_charges"].clip(upper=200) * (1 + price_rise)
    return frame


def at_tolerance_moves(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(
        k
        for k in expected
        if k not in current
        or abs(current[k] - expected[k]) >= (rel_tol * abs(expected[k]) if expected[k] else rel_tol)
    )


def relative_to_current(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(
        k
        for k in expected
        if k not in current or abs(current[k] - expected[k]) > rel_tol * (abs(current[k]) or 1.0)
    )


def no_zero_rule(current: dict, expected: dict, rel_tol: float = 0.01) -> list[str]:
    return sorted(
        k
        for k in expected
        if k not in current or abs(current[k] - expected[k]) > rel_tol * abs(expected[k])
    )


def _named(name: str, *rows: tuple[str, str, Callable[..., object]]) -> list[Wrong]:
    return [Wrong(checkpoint, mistake, {name: function}) for checkpoint, mistake, function in rows]


REFERENCE = {
    "out_of_contract": out_of_contract,
    "category_psi": category_psi,
    "drifted_batch": drifted_batch,
    "compare_to_golden": compare_to_golden,
}
MUTANTS = [
    *_named(
        "out_of_contract",
        ("03.1", "the limits themselves break the contract", strict_limits),
        ("03.1", "missing categories counted", counts_nulls),
        ("03.1", "one per validation finding", via_validate),
        ("03.1", "zero counts kept", keeps_zeros),
        ("03.1", "a list, not a dict", lambda frame: []),
        ("03.1", "every schema column assumed present", crashes_on_missing),
        ("03.1", "the label skipped", skips_label),
        ("03.1", "float columns only", floats_only),
        ("03.1", "rows with any missing value dropped", drops_incomplete_rows),
        ("03.1", "upper limit only", upper_limit_only),
    ),
    *_named(
        "category_psi",
        ("03.2", "raw counts, not shares", raw_counts),
        ("03.2", "a string", lambda r, b, c: "0.1"),
        ("03.2", "no epsilon", no_epsilon),
        ("03.2", "missing values dropped", drops_missing),
        ("03.2", "unknown values ignored", nan_only_other),
        ("03.2", "buckets from the reference's values", reference_categories),
        ("03.2", "an epsilon of 1e-6", tiny_epsilon),
        ("03.2", "shares of the non-missing values", shares_of_present),
    ),
    *_named(
        "drifted_batch",
        ("03.3", "not seeded", unseeded),
        ("03.3", "adds the rise", adds_instead),
        ("03.3", "missing bills filled", fills_bills),
        ("03.3", "the generator's drift knob", uses_drift_knob),
        ("03.3", "no cap", unclipped),
        ("03.3", "capped at 190", clipped_too_low),
        ("03.3", "the cap first in min()", cap_first),
        ("03.3", "totals raised too", raises_totals_too),
        ("03.3", "price_rise read as percent", percent_rise),
        ("03.3", "capped before the rise", caps_before_rise),
    ),
    *_named(
        "compare_to_golden",
        ("03.4", "an absolute tolerance", absolute),
        ("03.4", "a set", lambda c, e, rel_tol=0.01: set()),
        ("03.4", "unsorted", unsorted),
        ("03.4", "rises only", only_increases),
        ("03.4", "missing keys ignored", ignores_missing),
        ("03.4", "new keys flagged", includes_new),
        ("03.4", "math.isclose", compare_with_isclose),
        ("03.4", "a change of exactly the tolerance flagged", at_tolerance_moves),
        ("03.4", "relative to the current value", relative_to_current),
        ("03.4", "no rule for an expected 0", no_zero_rule),
        ("03.4", "a NaN metric slips through", nan_slips_through),
    ),
]
(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("03", REFERENCE, MUTANTS)


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "rule", "hidden_input"),
    [
        (
            "03.1",
            "out_of_contract",
            drops_incomplete_rows,
            "a broken value counts even when its row misses a value in another column",
            "payment_method",
        ),
        (
            "03.2",
            "category_psi",
            reference_categories,
            "every category given has its own bucket, even one the reference lacks",
            "two-year",
        ),
        (
            "03.4",
            "compare_to_golden",
            at_tolerance_moves,
            "a change of exactly the tolerance is not flagged, up or down",
            "0.25",
        ),
        (
            "03.4",
            "compare_to_golden",
            compare_with_isclose,
            "the tolerance is relative to the expected value, not the current one",
            "79",
        ),
    ],
    ids=["row with a gap", "reference categories", "at the tolerance", "isclose"],
)
def test_boundary_mistakes_fail_only_graded_with_the_rule(
    checkpoint_id: str, name: str, function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    expect_only_hidden_catches(checkpoint_id, name, function, rule, hidden_input)


# --- the learner's release -------------------------------------------------------


def test_the_stripped_module_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("03")
    source = path.read_text(encoding="utf-8")
    public = strip_hidden(source, str(path))

    assert "hidden_case(" in source
    assert "hidden_case(" not in public
    assert "_expected_batch" not in public and "load_golden" not in public
    compile(public, str(path), "exec")
