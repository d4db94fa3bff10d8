"""Training and evaluation: plausible quality, refused labels, honoured settings, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from churn.data import generate
from churn.exceptions import ConfigurationError, DataError
from churn.model import ChurnModel
from churn.train import Metrics, evaluate, train, train_with_holdout

NAN = float("nan")


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return generate(5000, seed=1)


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    # A different seed: customers the model has never seen.
    return generate(2000, seed=2)


@pytest.fixture(scope="module")
def model(training: pd.DataFrame) -> ChurnModel:
    return train(training)


def test_held_out_metrics_are_plausible(model: ChurnModel, holdout: pd.DataFrame) -> None:
    metrics = evaluate(model, holdout)
    # The labels follow a known logistic risk function, so a logistic
    # regression should rank customers well; 0.5 would be guessing.
    assert metrics.roc_auc > 0.75
    # About 23% churn: a model that beats guessing has a higher precision.
    assert metrics.precision > holdout["churned"].mean()
    assert all(0.0 <= value <= 1.0 for value in (metrics.f1, metrics.precision, metrics.recall))
    assert metrics.rows == 2000


def with_label(frame: pd.DataFrame, row: int, label: float) -> pd.DataFrame:
    labels = frame["churned"].astype(float)
    labels.iloc[row] = label
    return frame.assign(churned=labels)


BAD_LABELS = {
    "one-missing-label": lambda frame: with_label(frame, 7, NAN),
    "no-target-column": lambda frame: frame.drop(columns=["churned"]),
    "label-not-0-or-1": lambda frame: with_label(frame, 3, 2),
    "a-single-class": lambda frame: frame.assign(churned=0),
}


@pytest.mark.parametrize("step", ["train", "evaluate"])
@pytest.mark.parametrize("damage", BAD_LABELS.values(), ids=BAD_LABELS.keys())
def test_unusable_labels_are_refused(
    step: str, damage, model: ChurnModel, holdout: pd.DataFrame
) -> None:
    # Silently dropping or guessing labels would train (or grade) on data
    # nobody checked; a single class makes ROC AUC undefined.
    frame = damage(holdout)
    with pytest.raises(DataError) as caught:
        if step == "train":
            train(frame)
        else:
            evaluate(model, frame)
    assert caught.value.column == "churned"


@pytest.mark.parametrize(
    ("hyperparameters", "expected"),
    [
        ({"C": 0.1}, {"C": 0.1, "max_iter": 1000, "class_weight": None}),
        ({"max_iter": 50}, {"C": 1.0, "max_iter": 50, "class_weight": None}),
        ({"class_weight": "balanced"}, {"C": 1.0, "max_iter": 1000, "class_weight": "balanced"}),
    ],
    ids=["C", "max_iter", "class_weight"],
)
def test_hyperparameters_reach_the_estimator_and_the_record(
    training: pd.DataFrame, hyperparameters: dict[str, object], expected: dict[str, object]
) -> None:
    model = train(training, hyperparameters=hyperparameters)
    params = model.estimator.get_params()
    assert {name: params[name] for name in expected} == expected
    # The model records what it was trained with, defaults included.
    assert model.hyperparameters == expected


def test_regularization_strength_changes_the_model(training: pd.DataFrame) -> None:
    # C is the inverse strength: a small C pulls coefficients towards zero.
    strong = train(training, hyperparameters={"C": 0.01}).estimator.coef_
    weak = train(training, hyperparameters={"C": 100.0}).estimator.coef_
    assert np.abs(strong).sum() < np.abs(weak).sum()


def test_balanced_class_weight_finds_more_churners(
    training: pd.DataFrame, holdout: pd.DataFrame, model: ChurnModel
) -> None:
    # Weighing the rarer churners up moves scores up, so at the same threshold
    # more churners are caught.
    balanced = train(training, hyperparameters={"class_weight": "balanced"})
    assert evaluate(balanced, holdout).recall > evaluate(model, holdout).recall


def test_an_unknown_hyperparameter_is_refused(training: pd.DataFrame) -> None:
    # A typo ("c" for "C") must not silently train with the default.
    with pytest.raises(ConfigurationError) as caught:
        train(training, hyperparameters={"c": 0.5})
    assert caught.value.setting == "hyperparameters.c"


def test_training_is_deterministic(
    training: pd.DataFrame, holdout: pd.DataFrame, model: ChurnModel
) -> None:
    # Same data and seed -> the same model: a failing pipeline run can be
    # reproduced, and a retrain that changes nothing keeps its version.
    again = train(training)
    np.testing.assert_array_equal(again.predict_proba(holdout), model.predict_proba(holdout))
    assert again.version == model.version
    # Other data is another model, with another version.
    assert train(generate(5000, seed=3)).version != model.version
    assert train(training, version="v7").version == "v7"


def test_training_does_not_modify_its_input(training: pd.DataFrame) -> None:
    before = training.copy(deep=True)
    train(training)
    pd.testing.assert_frame_equal(training, before)


def test_undefined_precision_counts_as_zero(model: ChurnModel, holdout: pd.DataFrame) -> None:
    # At threshold 1.0 a logistic model predicts no churner (its probabilities
    # stay below 1), so precision is 0/0: reported as 0, not a crash or NaN.
    # Ranking quality does not depend on the threshold.
    metrics = evaluate(model, holdout, threshold=1.0)
    assert (metrics.precision, metrics.recall, metrics.f1) == (0.0, 0.0, 0.0)
    assert metrics.roc_auc == evaluate(model, holdout).roc_auc


def test_metrics_are_json_ready_and_readable() -> None:
    metrics = Metrics(roc_auc=0.8, f1=0.5, precision=0.6, recall=0.4, rows=1234)
    assert json.loads(json.dumps(metrics.to_dict())) == {
        "roc_auc": 0.8,
        "f1": 0.5,
        "precision": 0.6,
        "recall": 0.4,
        "rows": 1234,
    }
    assert (
        metrics.format() == "roc_auc 0.800, f1 0.500, precision 0.600, recall 0.400 on 1,234 rows"
    )


def test_train_with_holdout_keeps_the_held_out_metrics_in_the_model() -> None:
    frame = generate(2000, seed=3)
    model, metrics = train_with_holdout(frame, seed=3)
    # The metrics travel with the artifact, so the registry and the server can show them.
    assert model.metrics == metrics.to_dict()
    # About a fifth of the rows are held out (a seeded random split).
    assert 300 < metrics.rows < 500


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1])
def test_train_with_holdout_refuses_a_share_that_leaves_nothing(share: float) -> None:
    with pytest.raises(ValueError, match="holdout_share"):
        train_with_holdout(generate(200, seed=3), holdout_share=share)
