"""Training and evaluation of the churn model.

:func:`train` fits the :class:`~churn.preprocess.Preprocessor` and a
scikit-learn logistic regression on labelled data and returns a
:class:`~churn.model.ChurnModel`; :func:`evaluate` scores a model on held-out
data and returns :class:`Metrics`, which the quality gate (:mod:`churn.gate`)
compares with its minimums and with the approved model. A pipeline step::

    model = train(training_frame, hyperparameters={"C": 0.5}, seed=7)
    metrics = evaluate(model, holdout_frame)
    model = dataclasses.replace(model, metrics=metrics.to_dict())
    model.save(Path("build/model.tar.gz"))
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churn.exceptions import ChurnError, ConfigurationError, DataError
from churn.model import ChurnModel
from churn.preprocess import SOURCE, Preprocessor
from churn.schema import TARGET

#: The hyperparameters :func:`train` accepts, with their defaults.
DEFAULT_HYPERPARAMETERS: Mapping[str, Any] = {"C": 1.0, "max_iter": 1000, "class_weight": None}

#: Newton's method with a Cholesky solve: a handful of exact steps on the ~20
#: features, so training converges fully (deterministic, reproducible
#: coefficients) and fast; L-BFGS stops earlier and took 5x longer here.
SOLVER = "newton-cholesky"

#: Share of rows :func:`train_with_holdout` keeps out of training, to evaluate on.
HOLDOUT_SHARE = 0.2

#: The quality figures of :class:`Metrics`, the ones the gate compares.
METRIC_NAMES: tuple[str, ...] = ("roc_auc", "f1", "precision", "recall")


@dataclass(frozen=True)
class Metrics:
    """How well a model separates churners from the others on one dataset.

    Attributes:
        roc_auc: Area under the ROC curve: 0.5 is guessing, 1.0 is perfect ranking.
        f1: Harmonic mean of precision and recall at the decision threshold.
        precision: Share of predicted churners who churned.
        recall: Share of churners the model found.
        rows: Number of rows evaluated.
    """

    roc_auc: float
    f1: float
    precision: float
    recall: float
    rows: int

    def to_dict(self) -> dict[str, float]:
        """A JSON-ready form, e.g. for ``ChurnModel.metrics`` and CI logs."""
        return asdict(self)

    def format(self) -> str:
        """One human-readable line."""
        figures = ", ".join(f"{name} {getattr(self, name):.3f}" for name in METRIC_NAMES)
        return f"{figures} on {self.rows:,} rows"


def _labels(frame: pd.DataFrame, purpose: str) -> np.ndarray:
    # Training and evaluation both need a complete 0/1 label with both classes.
    if TARGET not in frame.columns:
        raise DataError(SOURCE, f"no target column; {purpose} needs labelled rows", column=TARGET)
    labels = frame[TARGET]
    missing = labels.isna()
    if missing.any():
        first = labels.index[missing][0]
        raise DataError(
            SOURCE,
            f"{int(missing.sum())} rows have no label (the first at index {first!r}); "
            f"drop or label them before {purpose}",
            column=TARGET,
        )
    if not labels.isin((0, 1)).all():
        odd = sorted(set(labels[~labels.isin((0, 1))].astype(str)))[:5]
        raise DataError(SOURCE, f"labels must be 0 or 1, found {odd}", column=TARGET)
    if labels.nunique() < 2:
        raise DataError(
            SOURCE,
            f"every row has the label {labels.iloc[0] if len(labels) else None}; "
            f"{purpose} needs churners and non-churners",
            column=TARGET,
        )
    return labels.to_numpy(dtype=int)


def _settings(hyperparameters: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(hyperparameters or {})
    unknown = sorted(set(given) - set(DEFAULT_HYPERPARAMETERS))
    if unknown:
        raise ConfigurationError(
            f"hyperparameters.{unknown[0]}",
            f"unknown hyperparameter; the accepted ones are {sorted(DEFAULT_HYPERPARAMETERS)}",
        )
    return {**DEFAULT_HYPERPARAMETERS, **given}


def _content_version(frame: pd.DataFrame, settings: Mapping[str, Any], seed: int) -> str:
    # Same data, settings and seed -> same version: a retrain that changes
    # nothing does not look like a new model.
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update(json.dumps([list(frame.columns), settings, seed], default=str).encode())
    return digest.hexdigest()[:12]


def train(
    frame: pd.DataFrame,
    *,
    hyperparameters: Mapping[str, Any] | None = None,
    seed: int = 0,
    version: str | None = None,
) -> ChurnModel:
    """Fit the preprocessing and a logistic regression on labelled data.

    Args:
        frame: Training rows with the schema's feature columns and the target;
            it is not modified. The identifier and other columns are ignored.
        hyperparameters: ``C`` (inverse regularization strength, default 1.0),
            ``max_iter`` (default 1000) and ``class_weight`` (default None;
            ``"balanced"`` weighs churners up).
        seed: The estimator's ``random_state``, and part of the default
            version. The Newton solver itself is deterministic: the same data
            and hyperparameters always give the same model.
        version: The model's version; by default the first 12 hex digits of a
            SHA-256 of the data, hyperparameters and seed.

    Returns:
        The fitted model; its ``metrics`` are empty until the pipeline records
        held-out figures from :func:`evaluate`.

    Raises:
        DataError: The target is absent, has missing or non-0/1 values, or
            has a single class; or a feature column is missing or off-type.
        ConfigurationError: An unknown hyperparameter.
    """
    # scikit-learn is imported where a model is fitted or scored, not at the top: it takes
    # 1.5 s, and the checks of exercises 04 and 06 import this module (through churn.gate)
    # in processes that never train.
    from sklearn.linear_model import LogisticRegression

    settings = _settings(hyperparameters)
    labels = _labels(frame, "training")
    preprocessor = Preprocessor()
    features = preprocessor.fit_transform(frame)
    estimator = LogisticRegression(
        C=settings["C"],
        max_iter=settings["max_iter"],
        class_weight=settings["class_weight"],
        solver=SOLVER,
        random_state=seed,
    ).fit(features, labels)
    return ChurnModel(
        preprocessor=preprocessor,
        estimator=estimator,
        version=version or _content_version(frame, settings, seed),
        metrics={},
        hyperparameters=settings,
    )


def evaluate(model: ChurnModel, frame: pd.DataFrame, threshold: float = 0.5) -> Metrics:
    """Score a model on labelled data it was not trained on.

    Args:
        model: The model.
        frame: Held-out labelled rows; not modified.
        threshold: Probability from which a customer counts as a predicted churner.

    Returns:
        The metrics; precision, recall and F1 are 0 when undefined (no
        predicted churners), as scikit-learn's ``zero_division=0``.

    Raises:
        DataError: As for :func:`train`'s labels and features.
    """
    from sklearn.metrics import f1_score, precision_score, recall_score, roc_auc_score

    labels = _labels(frame, "evaluation")
    scores = model.predict_proba(frame)
    predicted = (scores >= threshold).astype(int)
    return Metrics(
        roc_auc=float(roc_auc_score(labels, scores)),
        f1=float(f1_score(labels, predicted, zero_division=0)),
        precision=float(precision_score(labels, predicted, zero_division=0)),
        recall=float(recall_score(labels, predicted, zero_division=0)),
        rows=len(frame),
    )


def train_with_holdout(
    frame: pd.DataFrame,
    *,
    hyperparameters: Mapping[str, Any] | None = None,
    holdout_share: float = HOLDOUT_SHARE,
    seed: int = 0,
) -> tuple[ChurnModel, Metrics]:
    """Train on most of ``frame``, evaluate on the rest, and keep the metrics in the model.

    This is what the training container does with its one data channel.

    Args:
        frame: Labelled data.
        hyperparameters: As for :func:`train`.
        holdout_share: Share of rows held out for evaluation, 0 to 1 exclusive.
        seed: Seeds the split: the same data always gives the same split.

    Returns:
        The model, with its held-out metrics in ``metrics``, and those metrics.
    """
    if not 0.0 < holdout_share < 1.0:
        raise ValueError(f"holdout_share must be between 0 and 1, not {holdout_share}")
    holdout = np.random.default_rng(seed).random(len(frame)) < holdout_share
    model = train(frame[~holdout], hyperparameters=hyperparameters, seed=seed)
    metrics = evaluate(model, frame[holdout])
    return replace(model, metrics=metrics.to_dict()), metrics


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m churn.train --out model.tar.gz [--data FILE.csv | --rows N --seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m churn.train", description="Train the churn model and save model.tar.gz."
    )
    parser.add_argument("--out", required=True, type=Path, help="where to write model.tar.gz")
    parser.add_argument("--data", type=Path, help="a labelled CSV file (default: synthetic data)")
    parser.add_argument("--rows", type=int, default=5000, help="synthetic rows (without --data)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the split")
    args = parser.parse_args(argv)
    from churn.data import generate
    from churn.validate import read_csv, validate_frame

    try:
        if args.data is None:
            frame = generate(args.rows, seed=args.seed)
        else:
            frame = read_csv(args.data.read_bytes(), source=str(args.data))
            report = validate_frame(frame, source=str(args.data))
            if not report.passed:
                print(report.format(), file=sys.stderr)
                return 2
        model, metrics = train_with_holdout(frame, seed=args.seed)
        path = model.save(args.out)
    except (ChurnError, OSError, ValueError) as error:
        print(f"churn.train: {error}", file=sys.stderr)
        return 2
    print(f"model {model.version} saved to {path}")
    print(metrics.format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
