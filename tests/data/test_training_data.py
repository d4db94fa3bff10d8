"""The pipeline's data gate (project ``churn-data-tests``): is the training data fit to train on?

The Build stage trains on ``python -m churn.train``'s default data: 5,000
synthetic rows from seed 0. These tests check that data against the data
contract and against the committed golden dataset, the reference of what
customer data looks like. A failure here stops the pipeline before a model
trained on bad data reaches the approval.
"""

from __future__ import annotations

import pandas as pd
import pytest

from churn.data import generate, load_golden
from churn.drift import drift_report
from churn.schema import TARGET
from churn.validate import validate_frame

#: What ``python -m churn.train`` trains on without ``--data`` (its defaults).
TRAINING_ROWS, TRAINING_SEED = 5000, 0
#: The churn rate the business expects; outside it, look before training.
CHURN_RATE = (0.10, 0.40)


@pytest.fixture(scope="module")
def training() -> pd.DataFrame:
    return generate(TRAINING_ROWS, seed=TRAINING_SEED)


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return load_golden()


def test_the_training_data_honours_the_data_contract(training: pd.DataFrame) -> None:
    report = validate_frame(training, source="training data")
    assert report.passed, report.format()


def test_the_golden_reference_honours_the_data_contract(golden: pd.DataFrame) -> None:
    report = validate_frame(golden, source="golden dataset")
    assert report.passed, report.format()


def test_the_training_data_has_not_drifted_from_the_golden_reference(
    training: pd.DataFrame, golden: pd.DataFrame
) -> None:
    report = drift_report(golden, training, source="training data")
    assert not report.drifted, report.format()


def test_the_training_labels_hold_both_classes_at_a_plausible_churn_rate(
    training: pd.DataFrame,
) -> None:
    labels = training[TARGET]
    assert set(labels.unique()) == {0, 1}
    low, high = CHURN_RATE
    assert low <= labels.mean() <= high, f"churn rate {labels.mean():.1%}"


def test_the_drift_check_does_flag_a_drifted_batch(golden: pd.DataFrame) -> None:
    # The gate above must be able to fail: a batch whose bills and contracts moved is caught.
    drifted = generate(TRAINING_ROWS, seed=TRAINING_SEED, distribution_drift=0.5)
    assert drift_report(golden, drifted).drifted
