"""Checkpoints of exercise 03 (Data tests): hidden cases run on the learner's objects.

* 03.1 ``out_of_contract``: per column, the values outside the schema's ranges and categories.
* 03.2 ``category_psi``: PSI of a categorical column, missing and unknown values included.
* 03.3 ``drifted_batch``: a seeded synthetic batch with a known price rise.
* 03.4 ``compare_to_golden``: which golden-dataset metrics moved beyond a tolerance.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from churn.data import generate, load_golden
from churn.drift import bucket_counts, drift_report, psi
from churn.schema import column, numeric_features
from churn.validate import validate_frame
from mlcicd.course.checkpoint import case, check, expect

# ---------------------------------------------------------------------------
# 03.1
# ---------------------------------------------------------------------------


def _as_counts(result: object) -> dict[str, int]:
    expect(isinstance(result, Mapping), f"returned a {type(result).__name__}, expected a dict")
    assert isinstance(result, Mapping)
    return {str(key): int(value) for key, value in result.items()}


def _clean(rows: int = 200, seed: int = 3) -> pd.DataFrame:
    return generate(rows, seed)


@check(
    "03.1",
    points=2,
    needs=("out_of_contract",),
    hint=(
        "Loop over churn.schema.SCHEMA, skip columns the frame lacks; take values = "
        "frame[col.name].dropna(); for numeric columns count values < col.minimum or > "
        "col.maximum (the limits themselves are allowed), for category columns count values "
        "not in col.categories; keep only counts above 0."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def out_of_contract_counts_broken_values(out_of_contract: Callable[..., object]) -> None:
    """``out_of_contract`` counts out-of-range and unknown values per column, and nothing else."""
    with case("a clean synthetic batch (200 rows, seed 3)"):
        got = _as_counts(out_of_contract(_clean()))
        expect(got == {}, f"returned {got}, expected {{}} (nothing breaks the contract)")

    def broken(description: str, change: Callable[[pd.DataFrame], None], want: dict) -> None:
        with case(description):
            frame = _clean()
            change(frame)
            got = _as_counts(out_of_contract(frame))
            expect(got == want, f"returned {got}, expected {want}")

    def bills(frame: pd.DataFrame) -> None:
        frame.loc[[0, 5, 9], "monthly_charges"] = 250.0

    def ints(frame: pd.DataFrame) -> None:
        frame.loc[[1, 2], "tenure_months"] = -1
        frame.loc[3, "support_calls"] = 31

    def contract(frame: pd.DataFrame) -> None:
        frame.loc[[4, 6, 8, 10], "contract"] = "weekly"

    def limits(frame: pd.DataFrame) -> None:
        frame.loc[0, "tenure_months"] = 0
        frame.loc[1, "tenure_months"] = 72
        frame.loc[2, "monthly_charges"] = 200.0

    def nulls(frame: pd.DataFrame) -> None:
        frame.loc[0:20, "payment_method"] = None
        frame.loc[0:20, "monthly_charges"] = np.nan

    def label(frame: pd.DataFrame) -> None:
        frame.loc[7, "churned"] = 2

    def missing_and_extra(frame: pd.DataFrame) -> None:
        del frame["region"]
        frame["promo_code"] = "SPRING"
        frame.loc[11, "internet_service"] = "satellite"

    broken("3 bills of 250 (the maximum is 200)", bills, {"monthly_charges": 3})
    broken(
        "2 negative tenures and 31 support calls",
        ints,
        {"tenure_months": 2, "support_calls": 1},
    )
    broken("4 contracts 'weekly' (an unknown category)", contract, {"contract": 4})
    broken("values exactly at the limits (tenure 0 and 72, bill 200)", limits, {})
    broken("missing values (a null rate is a separate rule)", nulls, {})
    broken("a label of 2 in churned (allowed 0 to 1)", label, {"churned": 1})
    broken(
        "no region column, an extra promo_code column, one internet_service 'satellite'",
        missing_and_extra,
        {"internet_service": 1},
    )


# ---------------------------------------------------------------------------
# 03.2
# ---------------------------------------------------------------------------


def _reference_psi(reference: pd.Series, batch: pd.Series, categories: tuple[str, ...]) -> float:
    return psi(bucket_counts(reference, categories), bucket_counts(batch, categories))


@check(
    "03.2",
    points=2,
    needs=("category_psi",),
    hint=(
        "Count each category, plus one bucket for everything else (len(values) minus the "
        "category counts, so NaN and unknown values count); turn counts into shares; clip "
        "shares with np.clip(share, 1e-4, None); return sum((a - e) * ln(a / e))."
    ),
    defined_in="the cell under 'Exercise 2'",
)
def category_psi_matches_the_definition(category_psi: Callable[..., object]) -> None:
    """``category_psi`` computes PSI over the categories plus a missing-or-other bucket."""
    contract = column("contract").categories
    payment = column("payment_method").categories
    reference = generate(2000, 1)
    rng = np.random.default_rng(3)

    def compare(description: str, ref: pd.Series, new: pd.Series, cats: tuple) -> None:
        with case(description):
            got = float(category_psi(ref, new, cats))  # type: ignore[arg-type]
            want = _reference_psi(ref, new, cats)
            expect(
                math.isfinite(got),
                f"returned {got}; an empty bucket must count as a share of 1e-4, not 0",
            )
            expect(
                math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-6),
                f"returned {got:.4f}, expected {want:.4f}",
            )

    with case("the same column twice"):
        got = float(category_psi(reference["contract"], reference["contract"], contract))
        expect(abs(got) < 1e-9, f"returned {got:.4f}, expected 0.0 for identical data")
    compare(
        "contract, reference vs a drifted batch (distribution_drift=0.8)",
        reference["contract"],
        generate(2000, 2, distribution_drift=0.8)["contract"],
        contract,
    )
    surge = reference["payment_method"].mask(rng.random(2000) < 0.3)
    compare(
        "payment_method where 30% of the batch is missing (NaN must count)",
        reference["payment_method"],
        surge,
        payment,
    )
    unknown = reference["contract"].where(rng.random(2000) < 0.8, "weekly")
    compare(
        "contract where 20% of the batch is the unknown value 'weekly'",
        reference["contract"],
        unknown,
        contract,
    )
    only_monthly = pd.Series(["month-to-month"] * 300)
    compare(
        "a batch with only month-to-month contracts (two empty buckets)",
        reference["contract"],
        only_monthly,
        contract,
    )
    with case("the batch's rows shuffled"):
        batch = generate(500, 4, distribution_drift=0.5)["contract"]
        one = float(category_psi(reference["contract"], batch, contract))
        two = float(
            category_psi(reference["contract"], batch.sample(frac=1, random_state=0), contract)
        )
        expect(math.isclose(one, two, rel_tol=1e-9), f"returned {one:.4f} and then {two:.4f}")
    with case("a reference and a batch of different sizes (2000 vs 100 rows)"):
        small = reference["contract"].iloc[:100]
        got = float(category_psi(reference["contract"], small, contract))
        want = _reference_psi(reference["contract"], small, contract)
        expect(
            math.isclose(got, want, rel_tol=1e-3, abs_tol=1e-6),
            f"returned {got:.4f}, expected {want:.4f}; compare shares, not raw counts",
        )


# ---------------------------------------------------------------------------
# 03.3
# ---------------------------------------------------------------------------


def _expected_batch(rows: int, seed: int, price_rise: float) -> pd.DataFrame:
    frame = generate(rows, seed)
    maximum = column("monthly_charges").maximum
    frame["monthly_charges"] = (frame["monthly_charges"] * (1 + price_rise)).clip(upper=maximum)
    return frame


def _expect_batch(out: pd.DataFrame, want: pd.DataFrame, rise: float, origin: str) -> None:
    expect(
        list(out.columns) == list(want.columns),
        f"the columns are {list(out.columns)}, expected those of {origin}",
    )
    changed = [
        name
        for name in want.columns
        if name != "monthly_charges" and not out[name].reset_index(drop=True).equals(want[name])
    ]
    expect(
        not changed,
        f"{', '.join(changed)} differ from {origin}; start from that batch and change only "
        "monthly_charges",
    )
    got_bills = out["monthly_charges"].to_numpy(dtype=float)
    want_bills = want["monthly_charges"].to_numpy(dtype=float)
    expect(
        (np.isnan(got_bills) == np.isnan(want_bills)).all(),
        "missing bills moved or were filled; keep NaN where generate put it",
    )
    gap = float(np.nanmax(np.abs(got_bills - want_bills)))
    expect(gap <= 0.011, f"a bill is off by {gap:.2f}; expected min(bill * {1 + rise:g}, 200)")


@check(
    "03.3",
    points=2,
    needs=("drifted_batch",),
    hint=(
        "Start from churn.data.generate(rows, seed); multiply monthly_charges by "
        "(1 + price_rise) and clip it at the schema's maximum (column('monthly_charges')."
        "maximum, 200); leave every other column, and the NaN, as generated."
    ),
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
        out = frame_of(400, 5, 0.0)
        _expect_batch(out, _expected_batch(400, 5, 0.0), 0.0, "generate(400, 5)")
    with case("the same arguments twice (300 rows, seed 9, price_rise 0.2)"):
        one, two = frame_of(300, 9, 0.2), frame_of(300, 9, 0.2)
        expect(one.equals(two), "the two batches differ; derive all randomness from the seed")
    with case("a different seed (seed 9 vs seed 10)"):
        one, two = frame_of(300, 9, 0.2), frame_of(300, 10, 0.2)
        expect(not one.equals(two), "both seeds gave the same batch; pass the seed on")
    for rows, seed, rise in ((400, 5, 0.25), (250, 12, 0.8)):
        with case(f"price_rise={rise} ({rows} rows, seed {seed})"):
            out = frame_of(rows, seed, rise)
            report = validate_frame(out, source="batch")
            expect(
                report.passed,
                "the batch breaks the data contract: "
                + "; ".join(f"{f.code} in {f.column}" for f in report.findings),
            )
            _expect_batch(out, _expected_batch(rows, seed, rise), rise, f"generate({rows}, {seed})")
    with case("a drift report of price_rise=0.3 against a reference batch (seed 100)"):
        out = frame_of(1000, 7, 0.3)
        report = drift_report(generate(1000, 100), out)
        expect(
            "monthly_charges" in report.drifted_columns,
            f"drift_report flagged {list(report.drifted_columns)}, not monthly_charges",
        )


# ---------------------------------------------------------------------------
# 03.4
# ---------------------------------------------------------------------------


def golden_summary(frame: pd.DataFrame) -> dict[str, float]:
    """Metrics of a dataset a golden test pins down: rows, churn rate, numeric means."""
    summary = {"rows": float(len(frame)), "churn_rate": float(frame["churned"].mean())}
    for name in numeric_features():
        summary[f"mean_{name}"] = float(frame[name].mean())
    return summary


@check(
    "03.4",
    points=2,
    needs=("compare_to_golden",),
    hint=(
        "For each key of expected (sorted): flag it when it is missing from current, or when "
        "abs(current[key] - expected[key]) > rel_tol * abs(expected[key]) (use rel_tol itself "
        "when expected[key] is 0). Ignore keys only current has."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def compare_to_golden_flags_moved_metrics(compare_to_golden: Callable[..., object]) -> None:
    """``compare_to_golden`` lists, sorted, the expected metrics that moved beyond tolerance."""
    expected = {"rows": 400.0, "churn_rate": 0.2, "mean_bill": 64.0, "zero": 0.0}

    def flags(description: str, current: dict, want: list[str], **kwargs: float) -> None:
        with case(description):
            got = compare_to_golden(current, dict(expected), **kwargs)
            expect(isinstance(got, list), f"returned a {type(got).__name__}, expected a list")
            expect(got == want, f"returned {got}, expected {want}")

    flags("identical metrics", dict(expected), [])
    flags(
        "churn_rate 0.21 (5% off; tolerance 1%)", {**expected, "churn_rate": 0.21}, ["churn_rate"]
    )
    flags("mean_bill 64.3 (0.5% off; tolerance 1%)", {**expected, "mean_bill": 64.3}, [])
    flags(
        "rows 380 and mean_bill 70 (both off)",
        {**expected, "rows": 380.0, "mean_bill": 70.0},
        ["mean_bill", "rows"],
    )
    flags(
        "mean_bill 60 (6% below; a drop counts too)",
        {**expected, "mean_bill": 60.0},
        ["mean_bill"],
    )
    missing = {k: v for k, v in expected.items() if k != "churn_rate"}
    flags("churn_rate missing from current", missing, ["churn_rate"])
    flags("an extra metric only current has", {**expected, "new_metric": 5.0}, [])
    flags("zero expected, 0.005 found (within 0.01)", {**expected, "zero": 0.005}, [])
    flags("zero expected, 0.02 found (beyond 0.01)", {**expected, "zero": 0.02}, ["zero"])
    flags(
        "churn_rate 0.21 with rel_tol=0.1",
        {**expected, "churn_rate": 0.21},
        [],
        rel_tol=0.1,
    )
    with case("the golden dataset against itself, and against a drifted batch"):
        golden = golden_summary(load_golden())
        got = compare_to_golden(dict(golden), dict(golden))
        expect(got == [], f"the golden dataset against itself gave {got}, expected []")
        drifted = golden_summary(generate(400, 2024, distribution_drift=0.6))
        want = sorted(
            key for key in golden if abs(drifted[key] - golden[key]) > 0.01 * abs(golden[key])
        )
        got = compare_to_golden(drifted, dict(golden))
        expect(got == want, f"returned {got}, expected {want}")
