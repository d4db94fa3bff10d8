"""Checkpoints of exercise 03 (Data tests): cases run on the learner's objects.

Each checkpoint keeps a few public cases, the simple ones a learner's notebook
runs with instant feedback; the rest are hidden (between the hidden-case
markers), run only where the instructor grades, and report the rule they check.

* 03.1 ``out_of_contract``: per column, the values outside the schema's ranges
  and categories. Public: a clean batch, bills above the maximum, an unknown
  contract. Hidden: integer columns, the limits themselves, missing values (in the
  column and elsewhere in the row), the label, and missing or extra columns.
* 03.2 ``category_psi``: PSI of a categorical column, missing and unknown values
  included. Public: the same column twice, and a drifted batch. Hidden: missing
  and unknown values, empty buckets, a category the reference lacks, row order,
  and samples of different sizes.
* 03.3 ``drifted_batch``: a seeded synthetic batch with a known price rise.
  Public: no rise, the same arguments twice, and a 25% rise. Hidden: another
  seed, the cap at the schema's maximum, the data contract, and drift detection.
* 03.4 ``compare_to_golden``: which golden-dataset metrics moved beyond a
  tolerance. Public: identical metrics, one moved and one within tolerance.
  Hidden: sorting, drops, missing and extra keys, zero, ``rel_tol``, a change of
  exactly the tolerance, a tolerance relative to the expected value (not the
  current one, as ``math.isclose`` has it), and the real golden dataset.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from churn.data import generate
from churn.drift import bucket_counts, psi
from churn.schema import column
from mlcicd.course.checkpoint import case, check, expect

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
from churn.data import load_golden
from churn.drift import drift_report
from churn.schema import numeric_features
from churn.validate import validate_frame
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES

# ---------------------------------------------------------------------------
# 03.1
# ---------------------------------------------------------------------------


def _as_counts(result: object) -> dict[str, int]:
    expect(isinstance(result, Mapping), f"returned a {type(result).__name__}, expected a dict")
    assert isinstance(result, Mapping)
    return {str(key): int(value) for key, value in result.items()}


def _clean(rows: int = 200, seed: int = 3) -> pd.DataFrame:
    return generate(rows, seed)


def _counts_after(
    out_of_contract: Callable[..., object], change: Callable[[pd.DataFrame], None]
) -> dict[str, int]:
    """What ``out_of_contract`` finds in a clean batch after ``change``."""
    frame = _clean()
    change(frame)
    return _as_counts(out_of_contract(frame))


def _bills(frame: pd.DataFrame) -> None:
    frame.loc[[0, 5, 9], "monthly_charges"] = 250.0


def _contracts(frame: pd.DataFrame) -> None:
    frame.loc[[4, 6, 8, 10], "contract"] = "weekly"


# BEGIN HIDDEN CASES
def _ints(frame: pd.DataFrame) -> None:
    frame.loc[[1, 2], "tenure_months"] = -1
    frame.loc[3, "support_calls"] = 31


def _limits(frame: pd.DataFrame) -> None:
    frame.loc[0, "tenure_months"] = 0
    frame.loc[1, "tenure_months"] = 72
    frame.loc[2, "monthly_charges"] = 200.0


def _nulls(frame: pd.DataFrame) -> None:
    frame.loc[0:20, "payment_method"] = None
    frame.loc[0:20, "monthly_charges"] = np.nan


def _label(frame: pd.DataFrame) -> None:
    frame.loc[7, "churned"] = 2


def _gaps_beside(frame: pd.DataFrame) -> None:
    # Broken bills in rows that miss a value in another column: they still count.
    frame.loc[[30, 31], "monthly_charges"] = 250.0
    frame.loc[[30, 31], "payment_method"] = None


def _missing_and_extra(frame: pd.DataFrame) -> None:
    del frame["region"]
    frame["promo_code"] = "SPRING"
    frame.loc[11, "internet_service"] = "satellite"


#: (the rule, the change to a clean batch, the counts expected after it).
_HIDDEN_BREAKS: list[tuple[str, Callable[[pd.DataFrame], None], dict[str, int]]] = [
    (
        "integer columns are checked against both their limits too",
        _ints,
        {"tenure_months": 2, "support_calls": 1},
    ),
    ("a value exactly at a limit is allowed", _limits, {}),
    ("missing values are not counted (a null rate is a separate rule)", _nulls, {}),
    (
        "a broken value counts even when its row misses a value in another column",
        _gaps_beside,
        {"monthly_charges": 2},
    ),
    ("every numeric column of the schema is checked, the label included", _label, {"churned": 1}),
    (
        "a schema column the frame lacks is skipped, and a column the schema lacks is ignored",
        _missing_and_extra,
        {"internet_service": 1},
    ),
]
# END HIDDEN CASES


@check(
    "03.1",
    points=2,
    needs=("out_of_contract",),
    hint=(
        "Judge each schema column the frame has on its own values that are present, one value "
        "at a time: a number breaks the contract only beyond a limit (a value exactly at a "
        "limit is allowed), a category only when it is not one of the allowed ones. A missing "
        "value, here or elsewhere in the row, changes nothing. Report only columns with at "
        "least one broken value; ignore columns the schema does not name."
    ),
    concept=(
        "A schema is a contract per column: range and category rules judge the values that are "
        "there, and missing values are a rule of their own (the null rate), so one finding never "
        "hides or double-counts another."
    ),
    lesson="03#The schema is the contract",
    defined_in="the cell under 'Exercise 1'",
)
def out_of_contract_counts_broken_values(out_of_contract: Callable[..., object]) -> None:
    """``out_of_contract`` counts out-of-range and unknown values per column, and nothing else."""
    with case("a clean synthetic batch (200 rows, seed 3)"):
        got = _as_counts(out_of_contract(_clean()))
        expect(got == {}, f"returned {got}, expected {{}} (nothing breaks the contract)")
    for description, change, want in [
        ("3 bills of 250 (the maximum is 200)", _bills, {"monthly_charges": 3}),
        ("4 contracts 'weekly' (an unknown category)", _contracts, {"contract": 4}),
    ]:
        with case(description):
            got = _counts_after(out_of_contract, change)
            expect(got == want, f"returned {got}, expected {want}")
    # BEGIN HIDDEN CASES
    for rule, change, want in _HIDDEN_BREAKS:
        with hidden_case(rule):
            expect(_counts_after(out_of_contract, change) == want, "wrong counts")
    # END HIDDEN CASES


# ---------------------------------------------------------------------------
# 03.2
# ---------------------------------------------------------------------------


def _expect_psi(
    category_psi: Callable[..., object], ref: pd.Series, new: pd.Series, cats: tuple[str, ...]
) -> None:
    """Fail unless ``category_psi`` agrees with :func:`churn.drift.psi` on the buckets."""
    got = float(category_psi(ref, new, cats))  # type: ignore[arg-type]
    want = psi(bucket_counts(ref, cats), bucket_counts(new, cats))
    expect(
        math.isfinite(got),
        f"returned {got}; an empty bucket must count as a share of 1e-4, not 0",
    )
    expect(
        math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-6),
        f"returned {got:.4f}, expected {want:.4f}",
    )


@check(
    "03.2",
    points=2,
    needs=("category_psi",),
    hint=(
        "PSI compares shares, not counts, so samples of any size compare. The buckets are the "
        "categories given (each one, even one a sample lacks) plus one bucket for everything "
        "else, missing and unknown values alike, all measured against every row of the sample; "
        "no share is taken below 1e-4, so an empty bucket keeps the logarithm finite."
    ),
    concept=(
        "Drift is a change in proportions. The extra bucket makes a batch that suddenly lacks "
        "values, or brings values nobody expected, look as different as it is."
    ),
    lesson="03#Drift: valid, but different",
    defined_in="the cell under 'Exercise 2'",
)
def category_psi_matches_the_definition(category_psi: Callable[..., object]) -> None:
    """``category_psi`` computes PSI over the categories plus a missing-or-other bucket."""
    contract = column("contract").categories
    reference = generate(2000, 1)
    with case("the same column twice"):
        got = float(category_psi(reference["contract"], reference["contract"], contract))
        expect(abs(got) < 1e-9, f"returned {got:.4f}, expected 0.0 for identical data")
    with case("contract, reference vs a drifted batch (distribution_drift=0.8)"):
        drifted = generate(2000, 2, distribution_drift=0.8)["contract"]
        _expect_psi(category_psi, reference["contract"], drifted, contract)
    # BEGIN HIDDEN CASES
    rng = np.random.default_rng(3)
    payment = column("payment_method").categories
    with hidden_case("an empty bucket counts as a share of 1e-4, so the PSI stays finite"):
        only_monthly = pd.Series(["month-to-month"] * 300)
        _expect_psi(category_psi, reference["contract"], only_monthly, contract)
    with hidden_case("missing values count, in the missing-or-other bucket"):
        surge = reference["payment_method"].mask(rng.random(2000) < 0.3)
        _expect_psi(category_psi, reference["payment_method"], surge, payment)
    with hidden_case("values outside the categories count, in the missing-or-other bucket"):
        unknown = reference["contract"].where(rng.random(2000) < 0.8, "weekly")
        _expect_psi(category_psi, reference["contract"], unknown, contract)
    with hidden_case("every category given has its own bucket, even one the reference lacks"):
        sparse = pd.Series(["month-to-month"] * 270 + [None] * 30)
        grown = pd.Series(["month-to-month"] * 150 + ["two-year"] * 150)
        _expect_psi(category_psi, sparse, grown, contract)
    with hidden_case("the order of the rows does not change the PSI"):
        batch = generate(500, 4, distribution_drift=0.5)["contract"]
        one = float(category_psi(reference["contract"], batch, contract))
        shuffled = batch.sample(frac=1, random_state=0)
        two = float(category_psi(reference["contract"], shuffled, contract))
        expect(math.isclose(one, two, rel_tol=1e-9), "the order changed the PSI")
    with hidden_case("samples of different sizes are compared by shares, not counts"):
        _expect_psi(category_psi, reference["contract"], reference["contract"][:100], contract)
    # END HIDDEN CASES


# ---------------------------------------------------------------------------
# 03.3
# ---------------------------------------------------------------------------


def _expect_bills_kept_in_place(out: pd.DataFrame, base: pd.DataFrame, origin: str) -> None:
    """Fail unless ``out`` is ``base`` (from ``origin``) in every column but the bills' values."""
    expect(
        list(out.columns) == list(base.columns),
        f"the columns are {list(out.columns)}, expected those of {origin}",
    )
    changed = [
        name
        for name in base.columns
        if name != "monthly_charges" and not out[name].reset_index(drop=True).equals(base[name])
    ]
    expect(
        not changed,
        f"{', '.join(changed)} differ from {origin}; start from that batch and change only "
        "monthly_charges",
    )
    expect(
        (
            out["monthly_charges"].isna().to_numpy() == base["monthly_charges"].isna().to_numpy()
        ).all(),
        "missing bills moved or were filled; keep NaN where generate put it",
    )


def _bill_gap(out: pd.DataFrame, want: pd.Series) -> float:
    """The largest difference between the bills of ``out`` and ``want`` (NaN ignored)."""
    got = out["monthly_charges"].to_numpy(dtype=float)
    return float(np.nanmax(np.abs(got - want.to_numpy(dtype=float))))


# BEGIN HIDDEN CASES
def _expected_batch(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    """What a correct ``drifted_batch(rows, seed, price_rise)`` returns."""
    frame = generate(rows, seed)
    cap = column("monthly_charges").maximum
    frame["monthly_charges"] = np.minimum(frame["monthly_charges"] * (1 + price_rise), cap)
    return frame


# END HIDDEN CASES


@check(
    "03.3",
    points=2,
    needs=("drifted_batch",),
    hint=(
        "The batch is the generator's batch for that seed with exactly one change: each bill "
        "rises by the given fraction (0.25 means 25% more), but never above the schema's "
        "maximum. Missing bills stay missing, and every other column and row stays as "
        "generated, so the same arguments always give the same batch."
    ),
    concept=(
        "You trust a drift alarm once you have seen it fire on drift you made on purpose: a "
        "seeded batch that differs from the reference in one known way and still honours the "
        "data contract."
    ),
    lesson="03#Drift: valid, but different",
    defined_in="the cell under 'Exercise 3'",
)
def drifted_batch_is_seeded_and_shifted(drifted_batch: Callable[..., object]) -> None:
    """``drifted_batch`` is reproducible, raises bills as asked, and honours the contract."""

    def frame_of(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
        out = drifted_batch(rows, seed, price_rise)
        expect(isinstance(out, pd.DataFrame), f"returned a {type(out).__name__}, not a DataFrame")
        assert isinstance(out, pd.DataFrame)
        expect(len(out) == rows, f"returned {len(out)} rows, expected {rows}")
        return out

    with case("price_rise=0 (400 rows, seed 5)"):
        out, base = frame_of(400, 5, 0.0), generate(400, 5)
        _expect_bills_kept_in_place(out, base, "generate(400, 5)")
        gap = _bill_gap(out, base["monthly_charges"])
        expect(gap <= 0.011, f"a bill is off by {gap:.2f}; with no rise, bills stay as generated")
    with case("the same arguments twice (300 rows, seed 9, price_rise 0.2)"):
        one, two = frame_of(300, 9, 0.2), frame_of(300, 9, 0.2)
        expect(one.equals(two), "the two batches differ; derive all randomness from the seed")
    with case("price_rise=0.25 (400 rows, seed 5; every bill stays under the maximum)"):
        out, base = frame_of(400, 5, 0.25), generate(400, 5)
        _expect_bills_kept_in_place(out, base, "generate(400, 5)")
        gap = _bill_gap(out, base["monthly_charges"] * 1.25)
        expect(gap <= 0.011, f"a bill is off by {gap:.2f}; expected each bill * 1.25")
    # BEGIN HIDDEN CASES
    with hidden_case("a different seed gives a different batch"):
        expect(not frame_of(300, 9, 0.2).equals(frame_of(300, 10, 0.2)), "same batch")
    with hidden_case("the batch honours the data contract, however large the price rise"):
        report = validate_frame(frame_of(250, 12, 0.8), source="batch")
        expect(report.passed, "the batch breaks the data contract")
    with hidden_case(
        "every bill becomes min(bill * (1 + price_rise), the schema's maximum), and every "
        "other column stays as generated"
    ):
        for rows, seed, rise in ((400, 5, 0.25), (250, 12, 0.8)):
            out, want = frame_of(rows, seed, rise), _expected_batch(rows, seed, rise)
            _expect_bills_kept_in_place(out, want, "generate")
            expect(_bill_gap(out, want["monthly_charges"]) <= 0.011, "a bill is off")
    with hidden_case("drift_report flags monthly_charges after a 30% price rise"):
        report = drift_report(generate(1000, 100), frame_of(1000, 7, 0.3))
        expect("monthly_charges" in report.drifted_columns, "no drift in monthly_charges")
    # END HIDDEN CASES


# ---------------------------------------------------------------------------
# 03.4
# ---------------------------------------------------------------------------


#: The expected metrics every case compares with.
_EXPECTED = {"rows": 400.0, "churn_rate": 0.2, "mean_bill": 64.0, "zero": 0.0}

# BEGIN HIDDEN CASES
#: (the rule, the current metrics, the keys expected back, keyword arguments).
_HIDDEN_MOVES: list[tuple[str, dict[str, float], list[str], dict[str, float]]] = [
    (
        "the keys come back sorted",
        {**_EXPECTED, "rows": 420.0, "mean_bill": 70.0},
        ["mean_bill", "rows"],
        {},
    ),
    (
        "a drop beyond the tolerance counts, not only a rise",
        {**_EXPECTED, "mean_bill": 60.0},
        ["mean_bill"],
        {},
    ),
    (
        "a key of expected missing from current is flagged",
        {k: v for k, v in _EXPECTED.items() if k != "churn_rate"},
        ["churn_rate"],
        {},
    ),
    ("a key only current has is ignored", {**_EXPECTED, "new_metric": 5.0}, [], {}),
    (
        "an expected 0 allows an absolute difference up to rel_tol",
        {**_EXPECTED, "zero": 0.005},
        [],
        {},
    ),
    (
        "an expected 0 allows an absolute difference up to rel_tol",
        {**_EXPECTED, "zero": 0.02},
        ["zero"],
        {},
    ),
    (
        "the rel_tol argument sets the tolerance",
        {**_EXPECTED, "churn_rate": 0.21},
        [],
        {"rel_tol": 0.1},
    ),
    (
        "a change of exactly the tolerance is not flagged, up or down",
        {**_EXPECTED, "rows": 300.0, "mean_bill": 80.0, "zero": -0.25},
        [],
        {"rel_tol": 0.25},
    ),
    (
        "the tolerance is relative to the expected value, not the current one",
        {**_EXPECTED, "mean_bill": 79.0},
        ["mean_bill"],
        {"rel_tol": 0.2},
    ),
    (
        "a metric that could not be computed (NaN) is flagged",
        {**_EXPECTED, "churn_rate": float("nan")},
        ["churn_rate"],
        {},
    ),
]


def _golden_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Metrics of a dataset a golden test pins down: rows, churn rate, numeric means."""
    summary = {"rows": float(len(frame)), "churn_rate": float(frame["churned"].mean())}
    for name in numeric_features():
        summary[f"mean_{name}"] = float(frame[name].mean())
    return summary


# END HIDDEN CASES


@check(
    "03.4",
    points=2,
    needs=("compare_to_golden",),
    hint=(
        "Flag a key of expected when current lacks it, or when its change, up or down, is "
        "strictly more than rel_tol times the size of the expected value (the tolerance is "
        "relative to the expected value, not the current one; rel_tol itself when the "
        "expected value is 0). A change of exactly the tolerance is not flagged; keys only "
        "current has are ignored; a metric that could not be computed (NaN) is flagged; the "
        "keys come back sorted."
    ),
    concept=(
        "A golden test pins numbers computed from fixed data, so a change beyond the agreed "
        "tolerance means the code changed behaviour. The stored, expected value is the "
        "reference point, and the tolerance is the noise you agreed to accept."
    ),
    lesson="03#The golden dataset",
    defined_in="the cell under 'Exercise 4'",
)
def compare_to_golden_flags_moved_metrics(compare_to_golden: Callable[..., object]) -> None:
    """``compare_to_golden`` lists, sorted, the expected metrics that moved beyond tolerance."""
    for description, changes, want in [
        ("identical metrics", {}, []),
        ("churn_rate 0.21 (5% off; tolerance 1%)", {"churn_rate": 0.21}, ["churn_rate"]),
        ("mean_bill 64.3 (0.5% off; tolerance 1%)", {"mean_bill": 64.3}, []),
    ]:
        with case(description):
            got = compare_to_golden({**_EXPECTED, **changes}, dict(_EXPECTED))
            expect(isinstance(got, list), f"returned a {type(got).__name__}, expected a list")
            expect(got == want, f"returned {got}, expected {want}")
    # BEGIN HIDDEN CASES
    for rule, current, want, kwargs in _HIDDEN_MOVES:
        with hidden_case(rule):
            got = compare_to_golden(dict(current), dict(_EXPECTED), **kwargs)
            expect(got == want, "wrong keys")
    with hidden_case(
        "the golden dataset matches itself, and a drifted batch is flagged on exactly the "
        "metrics that moved"
    ):
        golden = _golden_summary(load_golden())
        expect(compare_to_golden(dict(golden), dict(golden)) == [], "golden against itself")
        drifted = _golden_summary(generate(400, 2024, distribution_drift=0.6))
        want = sorted(
            key for key in golden if abs(drifted[key] - golden[key]) > 0.01 * abs(golden[key])
        )
        expect(compare_to_golden(drifted, dict(golden)) == want, "wrong keys")
    # END HIDDEN CASES
