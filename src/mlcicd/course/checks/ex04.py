"""Checkpoints of exercise 04 (Model tests): cases run against the learner's objects.

The cases use small deterministic stand-in models (a class with ``predict_proba``
whose scores are a formula of the columns) and hand-written metric dicts, so
every expected answer is known exactly and no case trains anything.

Each checkpoint keeps a few public cases, the simple ones a learner's notebook
runs with instant feedback; the rest are hidden (between the hidden-case
markers), run only where the instructor grades, and report the rule they check.

* 04.1 ``failing_minimums``. Public: every metric above its floor, one below.
  Hidden: the order (metrics given in another order), a value at its floor and one
  a hair below it, NaN, a missing metric, an ungated one.
* 04.2 ``invariance_change``. Public: a model that ignores the column, one that
  shifts one value. Hidden: the largest change of one row (not of the average),
  the spread over all values (not adjacent pairs, not against the first), only
  the values given, and the caller's frame left alone.
* 04.3 ``directional_violations``. Public: no drop, and drops on two rows.
  Hidden: equal probabilities, every row dropping, a drop too small for a float
  tolerance, the caller's frame left alone.
* 04.4 ``regressions``. Public: no approved model, a better candidate, one
  regression. Hidden: a drop of exactly the tolerance and one a hair beyond it,
  tolerance 0, a missing or NaN metric, and the order.
* 04.5 ``make_release_gate``. Public: it returns a QualityGate that passes a
  good first model. Hidden: each floor (just under it, and exactly at it), and
  the regression tolerance (exactly at it, and beyond it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from churn.gate import QualityGate
from churn.train import Metrics
from mlcicd.course.checkpoint import case, check, expect

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
import math

from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES


class FormulaModel:
    """A stand-in model: its churn probability is ``score(frame)``, clipped into [0, 1]."""

    def __init__(self, score: Callable[[pd.DataFrame], Any]) -> None:
        """Keep the scoring formula.

        Args:
            score: Maps a frame to one number (or array-like) per row.
        """
        self.score = score

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the formula's scores, clipped into [0, 1]."""
        values = np.asarray(self.score(frame), dtype=float) * np.ones(len(frame))
        return np.clip(values, 0.0, 1.0)


def customers() -> pd.DataFrame:
    """Four fixed customers with the columns the stand-in models read."""
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "support_calls": [0, 2, 5, 9],
            "tenure_months": [1, 12, 30, 60],
            "region": ["north", "south", "east", "west"],
        }
    )


def _as_names(result: object) -> list[str] | None:
    # A list or tuple of names; anything else is reported by the caller.
    if isinstance(result, list | tuple) and all(isinstance(item, str) for item in result):
        return list(result)
    return None


@check(
    "04.1",
    points=2,
    needs=("failing_minimums",),
    hint=(
        "Every metric that has a floor is judged on its own: it fails when it is missing, NaN, "
        "or below the floor by any amount (no rounding, no tolerance); a value equal to its "
        "floor passes. Report the failures in the order of the floors, whatever the order of "
        "the metrics."
    ),
    concept=(
        "A floor is where a broken model begins, so the gate fails closed: a metric that could "
        "not be computed (missing or NaN) is treated as broken, never as passing."
    ),
    lesson="04#1. Minimum performance thresholds",
    defined_in="the cell under 'Exercise 1'",
)
def minimum_thresholds(failing_minimums: Callable[..., Any]) -> None:
    """``failing_minimums(metrics, minimums)`` lists the metrics below their floor, in order."""
    floors = {"roc_auc": 0.75, "f1": 0.45, "recall": 0.35}
    with case("every metric above its floor"):
        got = failing_minimums({"roc_auc": 0.86, "f1": 0.55, "recall": 0.47}, floors)
        expect(_as_names(got) == [], f"expected [], got {got!r}")
    with case("recall 0.20 below its floor 0.35"):
        got = failing_minimums({"roc_auc": 0.86, "f1": 0.55, "recall": 0.20}, floors)
        expect(_as_names(got) == ["recall"], f"expected ['recall'], got {got!r}")
    # BEGIN HIDDEN CASES
    for rule, metrics, minimums, want in [
        (
            "the failing metrics come in the order of `minimums`, not of `metrics`",
            {"recall": 0.9, "f1": 0.3, "roc_auc": 0.5},
            floors,
            ["roc_auc", "f1"],
        ),
        (
            "a value equal to its floor passes",
            {"roc_auc": 0.8, "f1": 0.45, "recall": 0.35},
            floors,
            [],
        ),
        (
            "a NaN metric fails (fail closed)",
            {"roc_auc": 0.8, "f1": math.nan, "recall": 0.4},
            floors,
            ["f1"],
        ),
        ("a metric missing from `metrics` fails", {"roc_auc": 0.8, "f1": 0.5}, floors, ["recall"]),
        (
            "a value a hair below its floor fails (no rounding, no tolerance)",
            {"roc_auc": 0.8, "f1": 0.449999, "recall": 0.4},
            floors,
            ["f1"],
        ),
        (
            "only the metrics in `minimums` are checked",
            {"roc_auc": 0.8, "f1": 0.5, "precision": 0.1},
            {"roc_auc": 0.7},
            [],
        ),
    ]:
        with hidden_case(rule):
            expect(_as_names(failing_minimums(metrics, minimums)) == want, "wrong names")
    # END HIDDEN CASES


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        return None
    return float(value)


@check(
    "04.2",
    points=2,
    needs=("invariance_change",),
    hint=(
        "Compare each customer with itself: give every row each of the values in turn (on a "
        "copy, never the caller's frame), and measure how far that row's probability spreads "
        "between its highest and lowest across all the values; the answer is the largest "
        "spread of any row, a float (0.0 for a model that ignores the column)."
    ),
    concept=(
        "Invariance is a property of each customer: an irrelevant field must not move anyone's "
        "prediction, and an average can hide one customer who moves a lot."
    ),
    lesson="04#2. Behavioural tests",
    defined_in="the cell under 'Exercise 2'",
)
def invariance(invariance_change: Callable[..., Any]) -> None:
    """``invariance_change(model, frame, column, values)`` is the largest per-row change."""
    frame = customers()
    regions = ["north", "south", "east", "west"]
    with case("a model that ignores the region"):
        model = FormulaModel(lambda f: 0.1 + 0.05 * f["support_calls"])
        got = _number(invariance_change(model, frame, "region", regions))
        expect(got is not None, "expected a number")
        expect(abs(got) < 1e-9, f"expected 0.0, got {got!r}")
    with case("a model that adds 0.2 for region 'east'"):
        model = FormulaModel(lambda f: 0.3 + 0.2 * (f["region"] == "east"))
        got = _number(invariance_change(model, frame, "region", regions))
        expect(got is not None and abs(got - 0.2) < 1e-9, f"expected 0.2, got {got!r}")
    # BEGIN HIDDEN CASES
    with hidden_case("the answer is the largest change of any one row, not of the average"):
        model = FormulaModel(lambda f: 0.1 + 0.05 * f["support_calls"] * (f["region"] == "west"))
        got = _number(invariance_change(model, frame, "region", regions))
        expect(got is not None and abs(got - 0.45) < 1e-9, "wrong change")
    with hidden_case("the spread is over all the values, not pairs in order or against the first"):
        levels = {"north": 0.2, "south": 0.1, "east": 0.3, "west": 0.4}
        model = FormulaModel(lambda f: f["region"].map(levels))
        got = _number(invariance_change(model, frame, "region", regions))
        expect(got is not None and abs(got - 0.3) < 1e-9, "wrong change")
    with hidden_case("only the values given are compared"):
        model = FormulaModel(lambda f: 0.3 + 0.2 * (f["region"] == "east"))
        got = _number(invariance_change(model, frame, "region", ["north", "south"]))
        expect(got is not None and abs(got) < 1e-9, "wrong change")
    with hidden_case("the caller's frame is not modified"):
        # A fresh frame: a learner's code may have changed `frame` in an earlier case.
        fresh = customers()
        invariance_change(FormulaModel(lambda f: 0.5), fresh, "region", regions)
        expect(fresh.equals(customers()), "the frame changed")
    # END HIDDEN CASES


@check(
    "04.3",
    points=2,
    needs=("directional_violations",),
    hint=(
        "A violation is a row whose probability falls, by any amount, when only this column "
        "goes from `lower` to `higher` (the rest of the row unchanged, the caller's frame left "
        "alone); equal probabilities are no violation. Return how many rows, as an int."
    ),
    concept=(
        "A directional expectation says a risk factor never lowers the risk, customer by "
        "customer; any drop breaks it, and no drop (a flat curve) does not."
    ),
    lesson="04#2. Behavioural tests",
    defined_in="the cell under 'Exercise 3'",
)
def directional(directional_violations: Callable[..., Any]) -> None:
    """``directional_violations(model, frame, column, lower, higher)`` counts the drops."""
    frame = customers()
    with case("a model where more support calls always raise the probability"):
        model = FormulaModel(lambda f: 0.05 * f["support_calls"] + 0.005 * f["tenure_months"])
        got = directional_violations(model, frame, "support_calls", 0, 6)
        expect(_number(got) == 0, f"expected 0 violations, got {got!r}")
    with case("a model where calls lower the risk of customers with tenure over 20 (C3, C4)"):
        model = FormulaModel(
            lambda f: 0.5 + 0.04 * f["support_calls"] * np.where(f["tenure_months"] > 20, -1, 1)
        )
        got = directional_violations(model, frame, "support_calls", 0, 6)
        expect(_number(got) == 2, f"expected 2 violations (C3 and C4), got {got!r}")
    # BEGIN HIDDEN CASES
    with hidden_case("equal probabilities are no drop"):
        model = FormulaModel(lambda f: 0.01 * f["tenure_months"])
        expect(_number(directional_violations(model, frame, "support_calls", 0, 6)) == 0, "")
    with hidden_case("every row whose probability drops counts"):
        model = FormulaModel(lambda f: 0.9 - 0.1 * f["support_calls"])
        expect(_number(directional_violations(model, frame, "support_calls", 1, 3)) == 4, "")
    with hidden_case("a drop too small for a float tolerance still counts"):
        model = FormulaModel(lambda f: 0.5 - 1e-7 * f["support_calls"])
        expect(_number(directional_violations(model, frame, "support_calls", 0, 6)) == 4, "")
    with hidden_case("the caller's frame is not modified"):
        fresh = customers()  # as in 04.2: `frame` may have been changed by an earlier case
        directional_violations(FormulaModel(lambda f: 0.5), fresh, "support_calls", 0, 6)
        expect(fresh.equals(customers()), "the frame changed")
    # END HIDDEN CASES


@check(
    "04.4",
    points=2,
    needs=("regressions",),
    hint=(
        "Without an approved model nothing can regress. Otherwise each metric of the approved "
        "model regresses when the candidate lacks it, has NaN, or is more than the tolerance "
        "below it; a drop of exactly the tolerance passes even when floating point makes it a "
        "hair larger, and a drop any further than that regresses. Keep the approved model's "
        "order."
    ),
    concept=(
        "The tolerance is the sampling noise you accept between two models measured on the same "
        "data; beyond it a drop is real, and a metric that cannot be compared fails closed."
    ),
    lesson="04#3. No regression against the approved model",
    defined_in="the cell under 'Exercise 4'",
)
def regression(regressions: Callable[..., Any]) -> None:
    """``regressions(candidate, approved, tolerance)`` lists metrics that fell too far."""
    approved = {"roc_auc": 0.86, "f1": 0.52, "recall": 0.45}
    with case("no approved model yet (approved is None)"):
        got = regressions({"roc_auc": 0.6, "f1": 0.1, "recall": 0.1}, None, 0.02)
        expect(_as_names(got) == [], f"expected [] (nothing to regress from), got {got!r}")
    with case("a candidate better on every metric"):
        got = regressions({"roc_auc": 0.88, "f1": 0.55, "recall": 0.5}, approved, 0.02)
        expect(_as_names(got) == [], f"expected [], got {got!r}")
    with case("f1 0.49 vs approved 0.52 with tolerance 0.02"):
        got = regressions({"roc_auc": 0.86, "f1": 0.49, "recall": 0.45}, approved, 0.02)
        expect(_as_names(got) == ["f1"], f"expected ['f1'], got {got!r}")
    # BEGIN HIDDEN CASES
    for rule, candidate, tolerance, want in [
        (
            "a drop of exactly the tolerance passes (mind floating point)",
            {"roc_auc": 0.86, "f1": 0.47, "recall": 0.45},
            0.05,
            [],
        ),
        (
            "with tolerance 0 any drop regresses",
            {"roc_auc": 0.859, "f1": 0.52, "recall": 0.45},
            0.0,
            ["roc_auc"],
        ),
        ("a metric the candidate lacks regresses", {"roc_auc": 0.86, "f1": 0.52}, 0.02, ["recall"]),
        (
            "the regressed metrics come in the approved model's order, not the candidate's",
            {"recall": 0.35, "f1": 0.52, "roc_auc": 0.76},
            0.02,
            ["roc_auc", "recall"],
        ),
        (
            "a NaN metric of the candidate regresses (fail closed)",
            {"roc_auc": 0.86, "f1": math.nan, "recall": 0.45},
            0.02,
            ["f1"],
        ),
        (
            "a drop a hair beyond the tolerance regresses",
            {"roc_auc": 0.86, "f1": 0.499999, "recall": 0.45},
            0.02,
            ["f1"],
        ),
    ]:
        with hidden_case(rule):
            expect(_as_names(regressions(candidate, approved, tolerance)) == want, "wrong names")
    # END HIDDEN CASES


def _metrics(roc_auc: float, f1: float, precision: float, recall: float) -> Metrics:
    return Metrics(roc_auc=roc_auc, f1=f1, precision=precision, recall=recall, rows=1000)


@check(
    "04.5",
    points=2,
    needs=("make_release_gate",),
    hint=(
        "The gate holds exactly the team's rules: one floor each for ROC AUC, F1 and recall at "
        "the agreed values, none for precision, and the agreed largest drop below the approved "
        "model. A model exactly at a floor or exactly the tolerance below passes."
    ),
    concept=(
        "A gate is configuration, and configuration is code: a floor a little too high blocks "
        "healthy models, one a little too low or missing lets broken ones through."
    ),
    lesson="04#4. The quality gate",
    defined_in="the cell under 'Exercise 5'",
)
def release_gate(make_release_gate: Callable[[], Any]) -> None:
    """``make_release_gate()`` returns the QualityGate the exercise specifies."""
    gate = None
    with case("make_release_gate()"):
        gate = make_release_gate()
        expect(
            isinstance(gate, QualityGate), f"expected a QualityGate, got a {type(gate).__name__}"
        )
    good = _metrics(0.85, 0.55, 0.3, 0.45)
    with case("a first model with roc_auc 0.85, f1 0.55, precision 0.30, recall 0.45"):
        verdict = gate.evaluate(good, None)
        expect(
            verdict.passed,
            "it should pass (precision has no floor in this gate); the gate said: "
            + "; ".join(c.message for c in verdict.failures),
        )
    # BEGIN HIDDEN CASES
    for name, values in {
        "roc_auc": (0.79, 0.55, 0.6, 0.45),
        "f1": (0.85, 0.49, 0.6, 0.45),
        "recall": (0.85, 0.55, 0.6, 0.39),
    }.items():
        with hidden_case(f"a first model just under the {name} floor fails"):
            expect(not gate.evaluate(_metrics(*values), None).passed, "it passed")
    approved = _metrics(0.87, 0.55, 0.6, 0.45)
    with hidden_case("a candidate more than the tolerance below the approved model fails"):
        expect(not gate.evaluate(_metrics(0.855, 0.55, 0.6, 0.45), approved).passed, "it passed")
    with hidden_case("a candidate exactly the tolerance below the approved model passes"):
        expect(gate.evaluate(_metrics(0.86, 0.55, 0.6, 0.45), approved).passed, "it failed")
    with hidden_case("a first model exactly at every floor passes"):
        expect(gate.evaluate(_metrics(0.8, 0.5, 0.0, 0.4), None).passed, "it failed")
    # END HIDDEN CASES
