"""The synthetic data generator: the stand-in for production data in every other test.

If the generator is not deterministic, tests become flaky; if it breaks the
schema or has no missing values, tests pass on data nicer than production's;
if its drift switches do nothing, the tests of validation and drift detection
prove nothing. Each test here guards one of those properties.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from churn.data import generate
from churn.schema import ID_COLUMN, SCHEMA, TARGET, column
from churn.validate import validate_frame

ROWS = 5_000  # enough for rates to settle within a percent or two, still milliseconds


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return generate(ROWS, seed=0)


def test_same_seed_gives_the_same_rows() -> None:
    # A failing test must fail again on the next run, with the same data.
    pd.testing.assert_frame_equal(generate(300, seed=7), generate(300, seed=7))


def test_another_seed_gives_other_rows() -> None:
    # Ignore the identifiers: they embed the seed, so they would differ even if
    # the generator ignored the seed for everything that matters.
    first = generate(300, seed=7).drop(columns=ID_COLUMN)
    second = generate(300, seed=8).drop(columns=ID_COLUMN)
    assert not first.equals(second)


@pytest.mark.parametrize("n_rows", [1, 100])
def test_row_count_is_honoured(n_rows: int) -> None:
    # 1 is the documented lower bound; 1,000,000 is too slow for a unit test.
    generated = generate(n_rows)
    assert len(generated) == n_rows
    assert generated[ID_COLUMN].is_unique


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_rows": 0},
        {"n_rows": -5},
        {"n_rows": 1_000_001},  # refused before any row is generated, so this is fast
        {"n_rows": 10, "distribution_drift": -0.1},
        {"n_rows": 10, "distribution_drift": 1.5},
        {"n_rows": 10, "label_drift": -0.01},
        {"n_rows": 10, "label_drift": 2.0},
    ],
)
def test_out_of_range_arguments_raise(kwargs: dict[str, Any]) -> None:
    # A typo such as label_drift=50 (meant 0.5) must not silently produce odd data.
    with pytest.raises(ValueError, match="must be"):
        generate(**kwargs)


@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_generated_data_honours_the_contract(seed: int) -> None:
    # Otherwise every test built on generated data starts from broken data.
    report = validate_frame(generate(1_000, seed=seed))
    assert report.passed, report.format()


@pytest.mark.parametrize("name", [col.name for col in SCHEMA if col.max_null_rate > 0])
def test_missing_values_are_realistic(frame: pd.DataFrame, name: str) -> None:
    # Production data has holes; a pipeline only tested on complete data breaks
    # on the first missing bill. But never more holes than the contract allows.
    rate = frame[name].isna().mean()
    assert 0 < rate <= column(name).max_null_rate


def test_churn_rate_is_plausible(frame: pd.DataFrame) -> None:
    # Churn is the minority class, as in real telecom data: a model tested on a
    # 50/50 or a 1% label would hide class-imbalance problems or have nothing to learn.
    assert 0.1 < frame[TARGET].mean() < 0.4


@pytest.mark.parametrize(
    ("code", "column"),
    [
        ("missing-column", "monthly_charges"),  # renamed upstream to monthly_charge
        ("extra-column", "promo_code"),  # a new field nobody agreed on
        ("dtype", "support_calls"),  # numbers written as text, "2 calls"
    ],
)
def test_schema_drift_breaks_the_contract(code: str, column: str) -> None:
    # The switch exists to prove that validation catches these upstream changes.
    report = validate_frame(generate(200, seed=3, schema_drift=True))
    assert (code, column) in [(f.code, f.column) for f in report.findings]


def test_distribution_drift_raises_the_bills_with_its_strength() -> None:
    # By the generator's weights the mean bill is about 62.5 dollars without
    # drift (0.35 * 55 + 0.45 * 85 + 0.2 * 25) and about 99 at full strength
    # (fibre spreads to 61% and every bill gains 30): it must rise step by step.
    means = [
        generate(2_000, seed=3, distribution_drift=shift)["monthly_charges"].mean()
        for shift in (0.0, 0.5, 1.0)
    ]
    assert means[0] < means[1] < means[2]
    assert means[2] - means[0] > 25


def test_label_drift_turns_non_churners_into_churners() -> None:
    # Concept drift: same customers, different labels. With half of the
    # non-churners relabelled, the rate goes from r to about r + (1 - r) / 2.
    base = generate(ROWS, seed=4)
    drifted = generate(ROWS, seed=4, label_drift=0.5)
    features = [col.name for col in SCHEMA if col.name != TARGET]
    pd.testing.assert_frame_equal(base[features], drifted[features])
    assert (drifted[TARGET] >= base[TARGET]).all()  # labels only flip from 0 to 1
    rate = base[TARGET].mean()
    assert drifted[TARGET].mean() == pytest.approx(rate + (1 - rate) / 2, abs=0.03)
