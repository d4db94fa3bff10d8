"""Preprocessing: min-max scaling, imputation, one-hot encoding and the composed pipeline.

Expected values are worked out by hand from the definitions (min -> 0, max -> 1,
median, most frequent value), not copied from the code's output.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from churn.data import generate
from churn.exceptions import DataError
from churn.preprocess import (
    CategoricalEncoder,
    Imputer,
    MinMaxNormalizer,
    Preprocessor,
    normalize_features,
)
from churn.schema import categorical_features, column, numeric_features

NAN = float("nan")


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    # Generated data has missing bills and payment methods, like the real feed.
    return generate(300, seed=5)


def test_normalize_maps_min_to_0_max_to_1_and_keeps_proportions() -> None:
    frame = pd.DataFrame({"tenure_months": [0, 12, 24, 48], "support_calls": [2, 2, 4, 6]})
    # tenure: (x - 0) / 48; calls: (x - 2) / 4.
    expected = pd.DataFrame(
        {"tenure_months": [0.0, 0.25, 0.5, 1.0], "support_calls": [0.0, 0.0, 0.5, 1.0]}
    )
    pd.testing.assert_frame_equal(normalize_features(frame), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # A constant column has no spread to scale: defined as all 0.0 (not 0/0 = NaN).
        ([7.0, 7.0, 7.0], [0.0, 0.0, 0.0]),
        # NaN is left for the imputer; the range comes from the known values.
        ([10.0, NAN, 30.0], [0.0, NAN, 1.0]),
        ([NAN, NAN], [NAN, NAN]),
        # Negative numbers scale like any others.
        ([-5.0, 0.0, 5.0], [0.0, 0.5, 1.0]),
    ],
    ids=["constant", "nan-stays-nan", "all-nan", "negative"],
)
def test_normalize_edge_cases(values: list[float], expected: list[float]) -> None:
    result = normalize_features(pd.DataFrame({"x": values}), columns=["x"])
    np.testing.assert_array_equal(result["x"].to_numpy(), np.array(expected))


def test_normalize_an_empty_frame_gives_an_empty_frame_with_the_same_columns() -> None:
    empty = generate(10, seed=0).iloc[:0]
    result = normalize_features(empty)
    assert result.empty
    assert list(result.columns) == list(empty.columns)


def test_normalize_defaults_to_the_schema_numeric_features_only(customers: pd.DataFrame) -> None:
    result = normalize_features(customers)
    for name in numeric_features():
        assert result[name].min() == 0.0 and result[name].max() == 1.0, name
    # Identifier, categories and target must come through unchanged.
    untouched = ["customer_id", *categorical_features(), "churned"]
    pd.testing.assert_frame_equal(result[untouched], customers[untouched])


@pytest.mark.parametrize(
    ("columns", "named"),
    [(["contract"], "contract"), (["no_such_column"], "no_such_column")],
    ids=["text-column", "missing-column"],
)
def test_normalize_refuses_what_it_cannot_scale(
    customers: pd.DataFrame, columns: list[str], named: str
) -> None:
    # The error must name the column, or the user cannot fix the call.
    with pytest.raises(DataError) as caught:
        normalize_features(customers, columns=columns)
    assert caught.value.column == named


def test_normalize_refuses_infinite_values() -> None:
    # One infinity would stretch the range to infinity and flatten every
    # other value: refuse it, naming the column.
    frame = pd.DataFrame({"monthly_charges": [20.0, float("inf"), 80.0]})
    with pytest.raises(DataError, match="infinite") as caught:
        normalize_features(frame)
    assert caught.value.column == "monthly_charges"


def test_preprocessing_never_modifies_its_input(customers: pd.DataFrame) -> None:
    # Callers reuse their frame (e.g. to evaluate after training); a silent
    # in-place change would corrupt later steps.
    before = customers.copy(deep=True)
    normalize_features(customers)
    Imputer().fit_transform(customers)
    MinMaxNormalizer().fit_transform(customers)
    CategoricalEncoder().transform(customers)
    Preprocessor().fit_transform(customers)
    pd.testing.assert_frame_equal(customers, before)


@pytest.mark.parametrize(
    ("unseen", "expected"),
    [
        (-50.0, 0.0),  # below the training minimum: clipped
        (0.0, 0.0),
        (50.0, 0.5),
        (100.0, 1.0),
        (250.0, 1.0),  # above the training maximum: clipped
    ],
)
def test_normalizer_uses_the_training_range_and_clips_unseen_values(
    unseen: float, expected: float
) -> None:
    normalizer = MinMaxNormalizer(["x"]).fit(pd.DataFrame({"x": [0.0, 40.0, 100.0]}))
    result = normalizer.transform(pd.DataFrame({"x": [unseen]}))
    assert result["x"].iloc[0] == expected


@pytest.mark.parametrize(
    "step",
    [MinMaxNormalizer, Imputer, Preprocessor],
    ids=lambda step: step.__name__,
)
def test_transform_before_fit_is_a_clear_error(step: type, customers: pd.DataFrame) -> None:
    # An unfitted step has no ranges or fills: it must say so, not return garbage.
    with pytest.raises(NotFittedError, match="call fit"):
        step().transform(customers)


@pytest.mark.parametrize(
    "step", [MinMaxNormalizer, Imputer, Preprocessor], ids=lambda step: step.__name__
)
def test_transform_names_a_fitted_column_that_is_missing(
    step: type, customers: pd.DataFrame
) -> None:
    # Upstream renames (monthly_charges -> monthly_charge) must fail loudly at inference.
    fitted = step().fit(customers)
    with pytest.raises(DataError) as caught:
        fitted.transform(customers.drop(columns=["monthly_charges"]))
    assert caught.value.column == "monthly_charges"


def test_imputer_fills_median_and_most_frequent_and_remembers_them() -> None:
    train = pd.DataFrame({"bill": [10.0, 20.0, 1000.0, NAN], "plan": ["a", "b", "b", None]})
    imputer = Imputer(numeric=["bill"], categorical=["plan"]).fit(train)
    # Median of 10, 20, 1000 is 20 (the mean, 343, would be dragged by the outlier).
    assert imputer.fills == {"bill": 20.0, "plan": "b"}
    # The fills learnt on training data are used on new data, not recomputed.
    new = pd.DataFrame({"bill": [NAN, 5.0], "plan": [None, "a"]})
    filled = imputer.transform(new)
    assert filled["bill"].tolist() == [20.0, 5.0]
    assert filled["plan"].tolist() == ["b", "a"]


def test_a_single_customer_with_missing_values_is_scored(customers: pd.DataFrame) -> None:
    # A one-row request with nulls gives columns of None (no type at all);
    # they must be filled like any gap, not refused as "not numbers".
    preprocessor = Preprocessor().fit(customers)
    request = pd.DataFrame(
        [{**customers.iloc[0].to_dict(), "monthly_charges": None, "payment_method": None}]
    )
    matrix = preprocessor.transform(request)
    assert matrix.shape == (1, 18)
    assert not np.isnan(matrix).any()


def test_imputer_refuses_to_learn_from_an_empty_column() -> None:
    with pytest.raises(DataError) as caught:
        Imputer(numeric=["bill"], categorical=[]).fit(pd.DataFrame({"bill": [NAN, NAN]}))
    assert caught.value.column == "bill"


def test_encoder_columns_are_fixed_by_the_schema() -> None:
    # Two batches with different categories present still give identical
    # columns: the model's inputs line up at training and inference.
    encoder = CategoricalEncoder()
    one = encoder.transform(generate(5, seed=0).assign(contract="two-year"))
    other = encoder.transform(generate(5, seed=1).assign(contract="month-to-month"))
    assert list(one.columns) == list(other.columns)
    expected_names = [
        f"{name}={value}" for name in categorical_features() for value in column(name).categories
    ]
    assert list(encoder.feature_names) == expected_names
    assert "contract=month-to-month" in encoder.feature_names
    assert one["contract=two-year"].tolist() == [1.0] * 5


@pytest.mark.parametrize("unseen", ["three-year", None], ids=["new-category", "missing"])
def test_encoder_gives_all_zeros_for_an_unseen_value(unseen: str | None) -> None:
    # A new category must not crash scoring: it simply matches no known category.
    frame = pd.DataFrame({"contract": ["one-year", unseen]})
    encoded = CategoricalEncoder({"contract": column("contract").categories}).transform(frame)
    assert encoded.iloc[0].tolist() == [0.0, 1.0, 0.0]
    assert encoded.iloc[1].tolist() == [0.0, 0.0, 0.0]


def test_preprocessor_output_shape_names_and_range(customers: pd.DataFrame) -> None:
    matrix = Preprocessor().fit_transform(customers)
    names = Preprocessor().feature_names
    # 4 numeric features + 3 + 4 + 3 + 4 categories = 18 columns.
    assert matrix.shape == (len(customers), 18)
    assert len(names) == 18
    assert names[:4] == numeric_features()
    # Imputed, scaled, encoded: no gaps and nothing outside [0, 1] on training data.
    assert not np.isnan(matrix).any()
    assert matrix.min() == 0.0 and matrix.max() == 1.0


def test_preprocessor_ignores_identifier_and_target(customers: pd.DataFrame) -> None:
    # The id must never leak into features, and scoring data has no target.
    preprocessor = Preprocessor().fit(customers)
    changed = customers.assign(customer_id="someone-else", churned=1 - customers["churned"])
    np.testing.assert_array_equal(
        preprocessor.transform(changed), preprocessor.transform(customers)
    )
    unlabelled = customers.drop(columns=["customer_id", "churned"])
    assert preprocessor.transform(unlabelled).shape == (len(customers), 18)


def test_preprocessor_survives_pickling_unchanged(customers: pd.DataFrame) -> None:
    # It is saved inside the model artifact: the loaded copy must transform
    # exactly as the one used in training.
    preprocessor = Preprocessor().fit(customers)
    restored = pickle.loads(pickle.dumps(preprocessor))
    new_data = generate(50, seed=9)
    np.testing.assert_array_equal(restored.transform(new_data), preprocessor.transform(new_data))
    assert restored.feature_names == preprocessor.feature_names
