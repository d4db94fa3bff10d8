"""The pipeline's E2E gate (project ``churn-e2e-tests``): does the staging endpoint serve?

DeployStaging has just created or updated the staging endpoint from the
model Build trained; production gets the same template only if these pass.
They test the deployed service from the outside, as a client would: the
request contract, a behaviour the model must show, and a refused bad request.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from churn.data import load_golden
from churn.schema import feature_columns

#: Two customers whose risk the model must order (lesson 04's behaviour tests).
LOYAL = {
    "tenure_months": 60,
    "monthly_charges": 30.0,
    "total_charges": 1800.0,
    "support_calls": 0,
    "contract": "two-year",
    "payment_method": "credit-card",
    "internet_service": "dsl",
    "region": "north",
}
AT_RISK = {
    **LOYAL,
    "tenure_months": 2,
    "monthly_charges": 105.0,
    "total_charges": 210.0,
    "support_calls": 6,
    "contract": "month-to-month",
    "payment_method": "electronic-check",
    "internet_service": "fiber",
}


def _records(count: int) -> list[dict[str, Any]]:
    """The first golden customers' features, as JSON (a missing value is null)."""
    names = [column.name for column in feature_columns()]
    rows = load_golden()[names].head(count).to_dict(orient="records")
    return [
        {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in row.items()}
        for row in rows
    ]


def test_every_customer_gets_one_churn_probability(invoke: Any) -> None:
    records = _records(20)
    status, body = invoke(records)
    assert status == 200, body
    assert body["modelVersion"]
    assert len(body["predictions"]) == len(records)
    for prediction in body["predictions"]:
        assert 0.0 <= prediction["churnProbability"] <= 1.0
        assert prediction["churn"] == (prediction["churnProbability"] >= 0.5)


def test_a_customer_at_risk_scores_higher_than_a_loyal_one(invoke: Any) -> None:
    status, body = invoke([LOYAL, AT_RISK])
    assert status == 200, body
    loyal, at_risk = (p["churnProbability"] for p in body["predictions"])
    assert at_risk > loyal


WITHOUT_CONTRACT = {name: value for name, value in LOYAL.items() if name != "contract"}


@pytest.mark.parametrize(
    "record",
    [WITHOUT_CONTRACT, {**LOYAL, "tenure_months": "long"}],
    ids=["a feature missing", "text in a number"],
)
def test_a_record_the_model_cannot_read_is_refused_with_a_reason(
    invoke: Any, record: dict[str, Any]
) -> None:
    status, body = invoke([record])
    assert status == 400, body
    assert body["error"]["message"]
