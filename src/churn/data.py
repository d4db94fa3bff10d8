"""Synthetic churn data, deterministic by seed, with optional drift; and the golden dataset.

Production customer data stays out of tests (it is sensitive, and it changes
under you). Tests use two stand-ins instead:

* :func:`generate`: as many rows as needed (100 to 1,000,000), the same rows for
  the same seed, with realistic missing values and a churn label that depends
  on known risk factors (month-to-month contracts, fibre, high bills, short
  tenure, many support calls, electronic checks). Drift can be switched on to
  test that validation and drift detection catch it.
* :func:`load_golden`: a small committed CSV whose customer identifiers are
  obfuscated, with known properties the data tests check.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pandas as pd

from churn.schema import column

MIN_ROWS = 1
MAX_ROWS = 1_000_000
GOLDEN_FILE = "golden.csv"


def _churn_logit(frame: pd.DataFrame) -> np.ndarray:
    # The ground truth the model has to find; region plays no part on purpose.
    contract = frame["contract"].map({"month-to-month": 1.6, "one-year": 0.0, "two-year": -1.4})
    internet = frame["internet_service"].map({"fiber": 0.7, "dsl": 0.0, "none": -0.6})
    payment = frame["payment_method"].map({"electronic-check": 0.5}).fillna(0.0)
    charges = frame["monthly_charges"].fillna(frame["monthly_charges"].median())
    return (
        -2.2
        + contract.to_numpy(dtype=float)
        + internet.to_numpy(dtype=float)
        + payment.to_numpy(dtype=float)
        + 0.018 * (charges.to_numpy(dtype=float) - 65)
        - 0.045 * frame["tenure_months"].to_numpy(dtype=float)
        + 0.35 * frame["support_calls"].to_numpy(dtype=float)
    )


def _with_nulls(values: pd.Series, rate: float, rng: np.random.Generator) -> pd.Series:
    return values.mask(rng.random(len(values)) < rate)


def generate(
    n_rows: int,
    seed: int = 0,
    *,
    schema_drift: bool = False,
    distribution_drift: float = 0.0,
    label_drift: float = 0.0,
) -> pd.DataFrame:
    """Generate a churn dataset that follows :data:`churn.schema.SCHEMA`.

    Args:
        n_rows: Number of rows, 1 to 1,000,000.
        seed: The same seed gives the same rows.
        schema_drift: Break the contract the way upstream changes do: rename
            ``monthly_charges`` to ``monthly_charge``, add a ``promo_code``
            column, and write ``support_calls`` as text.
        distribution_drift: 0 (none) to 1 (strong): bills rise, fibre and
            month-to-month contracts spread, tenure shortens.
        label_drift: 0 to 1: that share of non-churners is relabelled as
            churners, changing the label's relation to the features.

    Returns:
        A new data frame, one row per customer.

    Raises:
        ValueError: An argument is out of range.
    """
    if not MIN_ROWS <= n_rows <= MAX_ROWS:
        raise ValueError(f"n_rows must be {MIN_ROWS} to {MAX_ROWS:,}, not {n_rows:,}")
    for name, value in (("distribution_drift", distribution_drift), ("label_drift", label_drift)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1, not {value}")
    rng = np.random.default_rng(seed)
    shift = distribution_drift

    def pick(name: str, weights: list[float]) -> np.ndarray:
        p = np.asarray(weights, dtype=float)
        choices = np.asarray(column(name).categories, dtype=object)
        return rng.choice(choices, size=n_rows, p=p / p.sum())

    tenure = rng.exponential(24 * (1 - 0.5 * shift), n_rows).round()
    tenure = np.clip(tenure, 0, 72).astype(np.int64)
    internet = pick("internet_service", [0.35, 0.45 + 0.4 * shift, 0.2])
    base_bill = np.where(internet == "fiber", 85.0, np.where(internet == "dsl", 55.0, 25.0))
    monthly = np.clip(base_bill + rng.normal(30 * shift, 12, n_rows), 18, 200).round(2)
    total = np.clip(monthly * tenure * rng.uniform(0.9, 1.05, n_rows), 0, 15_000).round(2)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{seed:04d}-{i:07d}" for i in range(n_rows)],
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": total,
            "support_calls": np.clip(rng.poisson(1.5, n_rows), 0, 30).astype(np.int64),
            "contract": pick("contract", [0.5 + 0.4 * shift, 0.25, 0.25]),
            "payment_method": pick("payment_method", [0.35, 0.2, 0.22, 0.23]),
            "internet_service": internet,
            "region": pick("region", [1, 1, 1, 1]),
        }
    )
    # Missing values where real systems have them: new customers without a
    # first bill, a few lost bills and payment records.
    no_first_bill = (tenure == 0) & (rng.random(n_rows) < 0.5)
    frame["total_charges"] = frame["total_charges"].mask(no_first_bill)
    frame["monthly_charges"] = _with_nulls(frame["monthly_charges"], 0.01, rng)
    frame["payment_method"] = _with_nulls(frame["payment_method"], 0.02, rng)

    probability = 1 / (1 + np.exp(-_churn_logit(frame)))
    churned = (rng.random(n_rows) < probability).astype(np.int64)
    if label_drift:
        churned = np.where((churned == 0) & (rng.random(n_rows) < label_drift), 1, churned)
    frame["churned"] = churned

    if schema_drift:
        frame = frame.rename(columns={"monthly_charges": "monthly_charge"})
        frame["promo_code"] = rng.choice(["NONE", "SPRING", "LOYAL"], n_rows)
        frame["support_calls"] = frame["support_calls"].map(lambda n: f"{n} calls")
    return frame


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialize a data frame the way the system writes CSV files (no index, UTF-8)."""
    return frame.to_csv(index=False).encode("utf-8")


def golden_csv_bytes() -> bytes:
    """The committed golden dataset, as the bytes of its CSV file."""
    return files("churn").joinpath("data", GOLDEN_FILE).read_bytes()


def load_golden() -> pd.DataFrame:
    """Load the committed golden dataset (obfuscated identifiers, known properties)."""
    from churn.validate import read_csv

    return read_csv(golden_csv_bytes(), source=f"churn/data/{GOLDEN_FILE}")
