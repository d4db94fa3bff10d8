"""Behavioural tests of the trained model: what it must, and must not, react to.

Aggregate metrics can look fine while a model relies on the wrong things.
These tests state expected behaviour the way a domain expert would (after
CheckList, Ribeiro et al. 2020), derived from the risk factors the synthetic
data is generated with (``churn.data._churn_logit``):

* invariance: inputs without signal (the identifier, the region) do not move predictions;
* directional: known risk factors move predictions the known way;
* minimum functionality: clear-cut customers get clear-cut scores;
* and a smoke test that the pipeline can learn at all (overfit a small batch).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from churn.data import generate
from churn.model import ChurnModel
from churn.schema import column
from churn.train import train


@pytest.fixture(scope="module")
def model() -> ChurnModel:
    return train(generate(5000, seed=1))


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    # Held-out customers: the behaviour must hold for people the model never saw.
    return generate(2000, seed=2)


def customer(**overrides: object) -> pd.DataFrame:
    """One customer, average unless told otherwise."""
    values: dict[str, object] = {
        "customer_id": "C-test",
        "tenure_months": 24,
        "monthly_charges": 65.0,
        "total_charges": 1560.0,
        "support_calls": 1,
        "contract": "one-year",
        "payment_method": "bank-transfer",
        "internet_service": "dsl",
        "region": "north",
    }
    return pd.DataFrame([{**values, **overrides}])


def test_the_identifier_does_not_change_any_prediction(
    model: ChurnModel, customers: pd.DataFrame
) -> None:
    # An id is arbitrary; if it moved a score, the model would be leaking
    # it (or row order) into its decisions. Exact equality: no effect at all.
    renamed = customers.assign(customer_id=[f"X{i}" for i in range(len(customers))][::-1])
    np.testing.assert_array_equal(model.predict_proba(renamed), model.predict_proba(customers))


REGIONS = column("region").categories


@pytest.mark.parametrize(("region", "other"), list(itertools.combinations(REGIONS, 2)))
def test_the_region_barely_moves_predictions(
    model: ChurnModel, customers: pd.DataFrame, region: str, other: str
) -> None:
    # Region carries no signal, so what the model learns for it is sampling
    # noise. With ~1,250 customers per region, the noise in a region's
    # log-odds is about 0.1 (standard error), i.e. a shift of about 0.025 in
    # probability near 0.5; in this training sample, east vs west reaches
    # ~3 standard errors. So: on average below 0.05, and for no customer 0.1
    # or more. A real factor such as the contract moves scores by ~0.3.
    change = np.abs(
        model.predict_proba(customers.assign(region=region))
        - model.predict_proba(customers.assign(region=other))
    )
    assert change.mean() < 0.05
    assert change.max() < 0.1


@pytest.mark.parametrize(
    ("feature", "safer", "riskier"),
    [
        ("contract", "two-year", "month-to-month"),
        ("internet_service", "dsl", "fiber"),
        ("payment_method", "credit-card", "electronic-check"),
        ("support_calls", 0, 6),
        ("monthly_charges", 40.0, 110.0),
        # Longer tenure lowers the risk: the longer-tenured value is the safer one.
        ("tenure_months", 60, 2),
    ],
    ids=["contract", "fiber", "electronic-check", "support-calls", "bill", "tenure"],
)
def test_known_risk_factors_raise_churn_for_every_customer(
    model: ChurnModel, customers: pd.DataFrame, feature: str, safer: object, riskier: object
) -> None:
    # Directional expectation, checked for each held-out customer with
    # everything else unchanged.
    safe = model.predict_proba(customers.assign(**{feature: safer}))
    risky = model.predict_proba(customers.assign(**{feature: riskier}))
    assert (risky > safe).all()


def test_an_obviously_risky_customer_is_predicted_to_churn(model: ChurnModel) -> None:
    # New, month-to-month, fibre, electronic check, high bill, many calls: the
    # true churn probability is about 0.96 (logit ~3.1).
    risky = customer(
        tenure_months=1,
        monthly_charges=110.0,
        total_charges=110.0,
        support_calls=5,
        contract="month-to-month",
        payment_method="electronic-check",
        internet_service="fiber",
    )
    assert model.predict_proba(risky)[0] > 0.5
    assert model.predict(risky).tolist() == [1]


def test_an_obviously_loyal_customer_is_predicted_to_stay(model: ChurnModel) -> None:
    # Five years, two-year contract, no internet, low bill, no calls: the
    # true churn probability is below 0.001 (logit ~ -7.7).
    loyal = customer(
        tenure_months=60,
        monthly_charges=20.0,
        total_charges=1200.0,
        support_calls=0,
        contract="two-year",
        payment_method="mailed-check",
        internet_service="none",
    )
    assert model.predict_proba(loyal)[0] < 0.2
    assert model.predict(loyal).tolist() == [0]


def test_the_pipeline_can_overfit_a_small_batch() -> None:
    # With almost no regularization and 18 features for 30 customers, a
    # working pipeline memorizes its training rows. If it cannot, something
    # between the data and the estimator (shuffled labels, constant features)
    # is broken, whatever the metrics on big data say.
    batch = generate(30, seed=4)
    assert batch["churned"].nunique() == 2, "the batch needs both classes"
    memorizer = train(batch, hyperparameters={"C": 1e4})
    accuracy = (memorizer.predict(batch) == batch["churned"].to_numpy()).mean()
    assert accuracy >= 29 / 30
