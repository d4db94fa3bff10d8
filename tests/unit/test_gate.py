"""The quality gate: absolute minimums, no regression beyond the tolerance, a readable verdict."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

from churn.data import generate
from churn.gate import DEFAULT_MINIMUMS, QualityGate
from churn.model import ChurnModel
from churn.train import Metrics, evaluate, train

# A good model by the default minimums (roc_auc 0.75, f1 0.45, precision 0.5, recall 0.35).
GOOD = Metrics(roc_auc=0.85, f1=0.55, precision=0.65, recall=0.47, rows=2000)


def like(metrics: Metrics, **changes: float) -> Metrics:
    return dataclasses.replace(metrics, **changes)


GATE_CASES = [
    # (id, candidate, approved, failures expected as "kind:metric", number of checks)
    ("first-model-passes", GOOD, None, [], 4),
    ("first-model-below-a-minimum", like(GOOD, roc_auc=0.70), None, ["minimum:roc_auc"], 4),
    ("same-as-approved", GOOD, GOOD, [], 8),
    ("better-than-approved", like(GOOD, f1=0.60), GOOD, [], 8),
    ("drop-beyond-tolerance", GOOD, like(GOOD, f1=0.60), ["regression:f1"], 8),
    ("drop-within-tolerance", GOOD, like(GOOD, f1=0.56), [], 8),
    ("drop-of-exactly-the-tolerance", GOOD, like(GOOD, roc_auc=0.87), [], 8),
    (
        "below-minimum-and-regressed",
        like(GOOD, recall=0.30),
        GOOD,
        ["minimum:recall", "regression:recall"],
        8,
    ),
    # A metric that could not be computed must fail, not slip through.
    ("nan-metric-fails-closed", like(GOOD, precision=float("nan")), None, ["minimum:precision"], 4),
]


@pytest.mark.parametrize(
    ("candidate", "approved", "failures", "checks"),
    [case[1:] for case in GATE_CASES],
    ids=[case[0] for case in GATE_CASES],
)
def test_gate_decisions(
    candidate: Metrics, approved: Metrics | None, failures: list[str], checks: int
) -> None:
    verdict = QualityGate().evaluate(candidate, approved)
    assert [f"{check.kind}:{check.metric}" for check in verdict.failures] == failures
    assert verdict.passed == (not failures)
    # Regression checks exist only when there is an approved model to compare with.
    assert len(verdict.checks) == checks


def test_a_drop_of_exactly_the_tolerance_passes_despite_float_rounding() -> None:
    # 0.52 - 0.05 is 0.47000000000000003 in binary floating point: a naive
    # comparison would fail a candidate whose recall dropped by exactly 0.05.
    gate = QualityGate(tolerance=0.05)
    assert gate.evaluate(GOOD, like(GOOD, recall=0.52)).passed
    assert not gate.evaluate(GOOD, like(GOOD, recall=0.53)).passed


def test_a_stricter_tolerance_turns_a_small_drop_into_a_failure() -> None:
    approved = like(GOOD, f1=0.56)
    assert QualityGate().evaluate(GOOD, approved).passed
    assert not QualityGate(tolerance=0.0).evaluate(GOOD, approved).passed


@pytest.fixture(scope="module")
def trained() -> ChurnModel:
    return train(generate(5000, seed=1))


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    return generate(2000, seed=2)


def test_default_minimums_pass_the_trained_model(
    trained: ChurnModel, holdout: pd.DataFrame
) -> None:
    # The defaults must let a sound model through, or every release is blocked.
    verdict = QualityGate().evaluate(evaluate(trained, holdout), None)
    assert verdict.passed, verdict.format()


@pytest.mark.parametrize(
    "dummy",
    [
        DummyClassifier(strategy="most_frequent"),  # nobody churns
        DummyClassifier(strategy="constant", constant=1),  # everybody churns
        DummyClassifier(strategy="stratified", random_state=0),  # coin flips at the churn rate
    ],
    ids=["never-churn", "always-churn", "random"],
)
def test_default_minimums_stop_degenerate_models(
    trained: ChurnModel, holdout: pd.DataFrame, dummy: DummyClassifier
) -> None:
    # Guessing ranks no better than chance (ROC AUC ~0.5); the gate exists to stop it.
    features = trained.preprocessor.transform(holdout)
    fitted = dummy.fit(features, holdout["churned"])
    degenerate = dataclasses.replace(trained, estimator=fitted)
    verdict = QualityGate().evaluate(evaluate(degenerate, holdout), None)
    assert not verdict.passed
    assert "roc_auc" in {check.metric for check in verdict.failures}


def test_verdict_is_json_ready() -> None:
    # It goes into CI logs, the registry and SNS messages as JSON.
    verdict = QualityGate().evaluate(GOOD, like(GOOD, f1=0.60))
    data = json.loads(json.dumps(verdict.to_dict()))
    assert data["passed"] is False
    assert data["failures"] == ["regression:f1"]
    assert len(data["checks"]) == 8
    assert set(data["checks"][0]) == {"metric", "kind", "value", "threshold", "passed", "message"}


def test_format_names_the_failing_metrics() -> None:
    # The first line is what a pipeline notification shows: it must say what failed.
    failed = QualityGate().evaluate(like(GOOD, roc_auc=0.70, recall=0.30), None).format()
    first, *details = failed.splitlines()
    assert first == "Quality gate FAILED on recall, roc_auc (2 of 4 checks)"
    assert "  FAIL [minimum] roc_auc 0.700 is below the minimum 0.750" in details
    passed = QualityGate().evaluate(GOOD, None).format()
    assert passed.splitlines()[0] == "Quality gate PASSED (4 checks)"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"minimums": {}}, "at least one minimum"),
        ({"minimums": {"auc": 0.7}}, "unknown metrics"),
        ({"tolerance": -0.01}, "tolerance"),
    ],
    ids=["no-minimums", "misspelt-metric", "negative-tolerance"],
)
def test_a_gate_that_could_not_work_is_refused(settings: dict[str, object], message: str) -> None:
    # A typo in a metric name would otherwise silently remove that check.
    with pytest.raises(ValueError, match=message):
        QualityGate(**settings)  # type: ignore[arg-type]


def test_the_default_gate_is_not_shared_mutable_state() -> None:
    # Each gate gets its own copy of the defaults; changing one changes no other.
    first = QualityGate()
    first.minimums["roc_auc"] = 0.99  # type: ignore[index]
    assert QualityGate().minimums["roc_auc"] == DEFAULT_MINIMUMS["roc_auc"] == 0.75
