"""Feature preprocessing: fill gaps, scale numbers into [0, 1], one-hot encode categories.

The steps are small classes with a scikit-learn-like ``fit`` / ``transform``
interface, fitted on training data and applied unchanged at inference:

* :class:`Imputer` fills missing values (numeric: the training median;
  categorical: the most frequent training value).
* :class:`MinMaxNormalizer` scales numeric columns with the training minimum
  and maximum; unseen values outside that range are clipped to [0, 1].
* :class:`CategoricalEncoder` one-hot encodes categories fixed by the schema,
  so training and inference columns always line up.
* :class:`Preprocessor` chains the three and returns the model's float matrix.

:func:`normalize_features` is the one-shot form of min-max scaling, fitted and
applied on the same frame. Every step returns a new frame; inputs are never
modified. Column problems raise :class:`~churn.exceptions.DataError` naming the
column; using a step before ``fit`` raises scikit-learn's ``NotFittedError``,
as it is a bug in the calling code rather than bad data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd

from churn.exceptions import DataError
from churn.schema import categorical_features, column, numeric_features

#: The ``source`` of the errors raised here: these steps see frames, not files.
SOURCE = "<data frame>"

State = TypeVar("State")


def _require_columns(frame: pd.DataFrame, names: Sequence[str]) -> None:
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise DataError(
            SOURCE,
            f"missing column(s) {missing}; the data must have every column the "
            "preprocessing was set up or fitted with (see churn.schema)",
            column=missing[0] if len(missing) == 1 else None,
        )


def _require_numbers(frame: pd.DataFrame, name: str) -> None:
    values = frame[name]
    if not pd.api.types.is_numeric_dtype(values):
        sample = values.dropna().iloc[:1].tolist()
        raise DataError(
            SOURCE,
            f"expected numbers, found {values.dtype} values such as {sample}; "
            "convert the column to numbers, or do not scale it",
            column=name,
        )
    if np.isinf(values).any():
        # An infinite value would make the whole range infinite.
        raise DataError(
            SOURCE,
            "infinite values, e.g. from a division by zero upstream; "
            "replace them, or mark them missing (NaN)",
            column=name,
        )


def _fitted(state: State | None, step: str) -> State:
    if state is None:
        # Imported here: scikit-learn costs a second to import, and transforming
        # needs nothing else from it.
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(f"{step} is not fitted: call fit(training_frame) before transform")
    return state


def _scale(values: pd.Series, low: float, high: float) -> pd.Series:
    """Map ``low`` to 0 and ``high`` to 1; a constant column (``low == high``) maps to 0."""
    values = values.astype(float)
    span = high - low
    if math.isinf(span):
        # The range of two finite floats can overflow (1e308 - -1e308); halving
        # everything keeps the order and the ratios, and brings it back.
        values, low, span = values / 2, low / 2, high / 2 - low / 2
    if span > 0:
        return (values - low) / span
    # No spread, no information: every value sits at the bottom of the range.
    # Missing values stay missing (a NaN ``low`` means the column has no values).
    return values.where(values.isna(), 0.0)


def _numeric_columns(frame: pd.DataFrame, columns: Sequence[str] | None) -> tuple[str, ...]:
    if columns is None:
        return tuple(name for name in numeric_features() if name in frame.columns)
    names = tuple(columns)
    _require_columns(frame, names)
    return names


def normalize_features(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Min-max scale numeric columns into [0, 1], fitted and applied on the same frame.

    Each column's minimum becomes 0.0 and its maximum 1.0; the other values
    keep their relative distances. For a model, fit on training data with
    :class:`MinMaxNormalizer` instead, so inference uses the training range.

    Defined edge cases:

    * A constant column (minimum equals maximum) becomes all 0.0.
    * Missing values (NaN) stay NaN: imputation is a separate step (:class:`Imputer`).
    * An empty frame gives an empty frame with the same columns.

    Args:
        frame: The data; it is not modified.
        columns: The columns to scale; by default the schema's numeric
            features that are present in ``frame``.

    Returns:
        A new frame: the scaled columns as floats, the other columns untouched.

    Raises:
        DataError: A requested column is missing, does not hold numbers, or
            holds infinite values.
    """
    names = _numeric_columns(frame, columns)
    out = frame.copy()
    for name in names:
        _require_numbers(frame, name)
        values = frame[name]
        out[name] = _scale(values, float(values.min()), float(values.max()))
    return out


class MinMaxNormalizer:
    """Min-max scaling learnt on training data and applied unchanged at inference.

    At inference, values outside the training range (unseen values) are
    clipped to [0, 1], so a model never sees inputs beyond what it was trained
    on. A column constant in training maps every value to 0.0. Missing values
    stay NaN.

    Attributes:
        ranges: Learnt ``(minimum, maximum)`` per column; None before :meth:`fit`.
    """

    def __init__(self, columns: Sequence[str] | None = None) -> None:
        """Set up the normalizer.

        Args:
            columns: The columns to scale; by default the schema's numeric
                features present in the frame given to :meth:`fit`.
        """
        self._requested = None if columns is None else tuple(columns)
        self.ranges: dict[str, tuple[float, float]] | None = None

    def fit(self, frame: pd.DataFrame) -> MinMaxNormalizer:
        """Learn each column's minimum and maximum.

        Raises:
            DataError: A column is missing, not numeric, holds infinite values,
                or has no values to learn a range from.
        """
        names = _numeric_columns(frame, self._requested)
        ranges = {}
        for name in names:
            _require_numbers(frame, name)
            values = frame[name].dropna()
            if values.empty:
                raise DataError(
                    SOURCE,
                    "no values to learn a range from; fit on data with values in this column",
                    column=name,
                )
            ranges[name] = (float(values.min()), float(values.max()))
        self.ranges = ranges
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Scale with the learnt ranges, clipping unseen values to [0, 1].

        Returns:
            A new frame; columns not fitted are untouched.

        Raises:
            NotFittedError: :meth:`fit` has not been called.
            DataError: A fitted column is missing, not numeric, or holds infinite values.
        """
        ranges = _fitted(self.ranges, "MinMaxNormalizer")
        _require_columns(frame, list(ranges))
        out = frame.copy()
        for name, (low, high) in ranges.items():
            _require_numbers(frame, name)
            out[name] = _scale(frame[name], low, high).clip(0.0, 1.0)
        return out

    def fit_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``frame``, then transform it."""
        return self.fit(frame).transform(frame)


class Imputer:
    """Fills missing values with what is typical in the training data.

    Numeric columns get the training median (robust to the long tail of
    bills); categorical columns get the most frequent training value (ties go
    to the alphabetically first, so fitting is deterministic).

    Attributes:
        fills: The value used per column; None before :meth:`fit`.
    """

    def __init__(
        self, numeric: Sequence[str] | None = None, categorical: Sequence[str] | None = None
    ) -> None:
        """Set up the imputer.

        Args:
            numeric: Numeric columns; the schema's numeric features by default.
            categorical: Categorical columns; the schema's categorical features by default.
        """
        self.numeric = numeric_features() if numeric is None else tuple(numeric)
        self.categorical = categorical_features() if categorical is None else tuple(categorical)
        self.fills: dict[str, float | str] | None = None

    def fit(self, frame: pd.DataFrame) -> Imputer:
        """Learn the fill of every column.

        Raises:
            DataError: A column is missing, a numeric column does not hold
                finite numbers, or a column has no values to learn a fill from.
        """
        _require_columns(frame, self.numeric + self.categorical)
        fills: dict[str, float | str] = {}
        for name in self.numeric + self.categorical:
            numeric = name in self.numeric
            if numeric:
                _require_numbers(frame, name)
            values = frame[name].dropna()
            if values.empty:
                raise DataError(
                    SOURCE,
                    "no values to learn a fill from; fit on data with values in this column",
                    column=name,
                )
            fills[name] = float(values.median()) if numeric else values.mode().iloc[0]
        self.fills = fills
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Fill missing values with the learnt fills.

        Returns:
            A new frame; other columns untouched.

        Raises:
            NotFittedError: :meth:`fit` has not been called.
            DataError: A fitted column is missing.
        """
        fills = _fitted(self.fills, "Imputer")
        _require_columns(frame, list(fills))
        out = frame.copy()
        for name, fill in fills.items():
            values = frame[name]
            if values.isna().all():
                # Without a single value the column has no type (a one-customer
                # request with a null bill arrives as objects): take the fill's.
                out[name] = pd.Series(fill, index=frame.index)
            else:
                out[name] = values.where(values.notna(), fill)
        return out

    def fit_transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Fit on ``frame``, then transform it."""
        return self.fit(frame).transform(frame)


class CategoricalEncoder:
    """One-hot encoding over categories fixed in advance (the schema's by default).

    Each category becomes a 0/1 float column named ``"<column>=<category>"``,
    e.g. ``"contract=month-to-month"``. As the categories come from the schema,
    not from the data, training and inference always give the same columns in
    the same order, and there is nothing to fit. A value outside the
    categories (unseen at inference, or missing) gives all zeros for that
    column: the model then relies on the other features, and scoring never
    fails on a new category; :mod:`churn.validate` is where such values are
    reported.

    Attributes:
        categories: The categories per encoded column.
    """

    def __init__(self, categories: Mapping[str, Sequence[str]] | None = None) -> None:
        """Set up the encoder.

        Args:
            categories: Category values per column; by default each
                categorical feature of the schema with its allowed values.
        """
        if categories is None:
            categories = {name: column(name).categories for name in categorical_features()}
        self.categories: dict[str, tuple[str, ...]] = {
            name: tuple(values) for name, values in categories.items()
        }

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The indicator columns :meth:`transform` adds, in order."""
        return tuple(
            f"{name}={value}" for name, values in self.categories.items() for value in values
        )

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Replace each encoded column by its indicator columns.

        Returns:
            A new frame: the columns not encoded, then the indicator columns
            (:attr:`feature_names` order).

        Raises:
            DataError: An encoded column is missing.
        """
        _require_columns(frame, list(self.categories))
        blocks = []
        for name, values in self.categories.items():
            # One pass per column: category codes (-1 for unseen or missing),
            # then compared with every code at once, not one scan per category.
            codes = pd.Index(values).get_indexer(frame[name])
            blocks.append(codes[:, np.newaxis] == np.arange(len(values)))
        indicators = pd.DataFrame(
            np.hstack(blocks).astype(float) if blocks else np.empty((len(frame), 0)),
            columns=list(self.feature_names),
            index=frame.index,
        )
        return pd.concat([frame.drop(columns=list(self.categories)), indicators], axis=1)


class Preprocessor:
    """The model's input pipeline: imputation, min-max scaling, one-hot encoding.

    :class:`Imputer`, then :class:`MinMaxNormalizer`, then :class:`CategoricalEncoder`.
    Uses the schema's feature columns only: the identifier and the target, and
    any extra column, are ignored. Picklable, so it is saved with the model and
    inference applies exactly the training transformation.
    """

    def __init__(self) -> None:
        """Set up the steps for the schema's numeric and categorical features."""
        self.numeric = numeric_features()
        self.categorical = categorical_features()
        self._imputer = Imputer(self.numeric, self.categorical)
        self._normalizer = MinMaxNormalizer(self.numeric)
        self._encoder = CategoricalEncoder()

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the output matrix's columns, in order (the same before and after fit)."""
        return self.numeric + self._encoder.feature_names

    def fit(self, frame: pd.DataFrame) -> Preprocessor:
        """Learn fills and ranges from training data.

        Raises:
            DataError: A feature column is missing, off-type or empty.
        """
        features = self._features(frame)
        self._normalizer.fit(self._imputer.fit_transform(features))
        return self

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Turn a frame into the model's input matrix.

        Returns:
            A float array of shape ``(len(frame), len(feature_names))``.

        Raises:
            NotFittedError: :meth:`fit` has not been called.
            DataError: A feature column is missing or off-type.
        """
        _fitted(self._imputer.fills, "Preprocessor")
        features = self._features(frame)
        scaled = self._normalizer.transform(self._imputer.transform(features))
        encoded = self._encoder.transform(scaled)
        return encoded[list(self.feature_names)].to_numpy(dtype=float)

    def fit_transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Fit on ``frame``, then transform it."""
        return self.fit(frame).transform(frame)

    def _features(self, frame: pd.DataFrame) -> pd.DataFrame:
        names = list(self.numeric + self.categorical)
        _require_columns(frame, names)
        return frame[names]
