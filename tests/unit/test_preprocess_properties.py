"""Properties of min-max scaling that must hold for any data, checked with hypothesis.

Example-based tests check a handful of hand-picked columns; these let
hypothesis search for the column that breaks a rule (huge magnitudes, tiny
differences, duplicates, a single row) and shrink it to a minimal case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from churn.preprocess import MinMaxNormalizer, normalize_features

# Modest example counts and no deadline: fast and not flaky on a busy CI machine.
FAST = settings(max_examples=50, deadline=None)

# Any finite float, including 0, negatives, subnormals and values near +-1.8e308
# (whose range, max - min, overflows a float).
finite = st.floats(allow_nan=False, allow_infinity=False)
columns = st.lists(finite, min_size=1, max_size=40)


def scaled(values: list[float]) -> np.ndarray:
    return normalize_features(pd.DataFrame({"x": values}), columns=["x"])["x"].to_numpy()


@FAST
@given(columns)
def test_output_lies_in_the_unit_interval(values: list[float]) -> None:
    result = scaled(values)
    assert ((result >= 0.0) & (result <= 1.0)).all()


@FAST
@given(columns)
def test_minimum_maps_to_0_and_maximum_to_1_unless_constant(values: list[float]) -> None:
    result = scaled(values)
    assert result[int(np.argmin(values))] == 0.0
    # A constant column is defined as all 0.0; any other reaches exactly 1.
    assert result[int(np.argmax(values))] == (0.0 if min(values) == max(values) else 1.0)


@FAST
@given(columns, st.integers(min_value=0, max_value=3))
def test_shape_and_index_are_preserved(values: list[float], extra: int) -> None:
    # Rows must stay aligned with their customers, and other columns kept.
    frame = pd.DataFrame({"x": values}, index=[f"row{i}" for i in range(len(values))])
    for i in range(extra):
        frame[f"other{i}"] = "kept"
    result = normalize_features(frame, columns=["x"])
    assert result.shape == frame.shape
    assert result.index.equals(frame.index)


@FAST
@given(columns)
def test_transform_of_the_training_data_equals_fit_transform(values: list[float]) -> None:
    # Clipping to the training range must not alter the training data itself.
    frame = pd.DataFrame({"x": values})
    normalizer = MinMaxNormalizer(["x"]).fit(frame)
    pd.testing.assert_frame_equal(normalizer.transform(frame), normalize_features(frame, ["x"]))
    pd.testing.assert_frame_equal(normalizer.transform(frame), normalizer.transform(frame))


@FAST
@given(columns)
def test_normalizing_twice_changes_nothing(values: list[float]) -> None:
    # A normalized column already has min 0 and max 1 (or is constant 0), so
    # scaling it again with its own range is the identity. A pipeline that
    # accidentally normalizes twice therefore does no harm.
    once = normalize_features(pd.DataFrame({"x": values}), ["x"])
    twice = normalize_features(once, ["x"])
    pd.testing.assert_frame_equal(twice, once)


@FAST
@given(st.data())
def test_row_order_does_not_matter(data: st.DataObject) -> None:
    # Each row's result depends on the column's min and max only, not on
    # where the row sits: shuffling rows shuffles the results the same way.
    values = data.draw(columns)
    order = data.draw(st.permutations(range(len(values))))
    frame = pd.DataFrame({"x": values})
    shuffled = frame.iloc[order]
    pd.testing.assert_frame_equal(
        normalize_features(shuffled, ["x"]), normalize_features(frame, ["x"]).iloc[order]
    )


@FAST
@given(st.lists(st.one_of(finite, st.just(float("nan"))), min_size=1, max_size=40))
def test_missing_values_stay_missing_and_only_they(values: list[float]) -> None:
    # Imputation is a separate, visible step: scaling must neither fill gaps
    # nor create new ones.
    result = scaled(values)
    np.testing.assert_array_equal(np.isnan(result), np.isnan(np.array(values)))
