"""The checkpoints of exercise 04 (Model tests): right answers pass, plausible wrong ones fail.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer
that only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

import numpy as np
import pandas as pd
import pytest

from churn.gate import QualityGate
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden

Metrics = Mapping[str, float]


def failing_minimums(metrics: Metrics, minimums: Metrics) -> list[str]:
    failing = []
    for name, floor in minimums.items():
        value = metrics.get(name, math.nan)
        if math.isnan(value) or value < floor:
            failing.append(name)
    return failing


def failing_minimums_other_style(metrics: Metrics, minimums: Metrics) -> tuple[str, ...]:
    # Written differently: a tuple, `not >=` catches NaN and missing values at once.
    return tuple(n for n, f in minimums.items() if not metrics.get(n, float("nan")) >= f)


def invariance_change(model: Any, frame: pd.DataFrame, column: str, values: list[Any]) -> float:
    scores = np.vstack([model.predict_proba(frame.assign(**{column: v})) for v in values])
    return float((scores.max(axis=0) - scores.min(axis=0)).max())


def invariance_change_loop(model: Any, frame: pd.DataFrame, column: str, values: list) -> float:
    # Written differently: pairwise differences on explicit copies.
    worst = 0.0
    for a in values:
        for b in values:
            first, second = frame.copy(), frame.copy()
            first[column], second[column] = a, b
            diff = np.abs(model.predict_proba(first) - model.predict_proba(second)).max()
            worst = max(worst, float(diff))
    return worst


def directional_violations(
    model: Any, frame: pd.DataFrame, column: str, lower: Any, higher: Any
) -> int:
    low = model.predict_proba(frame.assign(**{column: lower}))
    high = model.predict_proba(frame.assign(**{column: higher}))
    return int((high < low).sum())


def regressions(candidate: Metrics, approved: Metrics | None, tolerance: float) -> list[str]:
    if approved is None:
        return []
    return [
        name
        for name, value in approved.items()
        if not candidate.get(name, math.nan) >= value - tolerance - 1e-9
    ]


def make_release_gate() -> QualityGate:
    return QualityGate(minimums={"roc_auc": 0.8, "f1": 0.5, "recall": 0.4}, tolerance=0.01)


GOOD: dict[str, tuple[str, Callable[..., Any]]] = {
    "04.1": ("failing_minimums", failing_minimums),
    "04.2": ("invariance_change", invariance_change),
    "04.3": ("directional_violations", directional_violations),
    "04.4": ("regressions", regressions),
    "04.5": ("make_release_gate", make_release_gate),
}


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_reference_answers_pass(checkpoint_id: str, public: bool) -> None:
    name, function = GOOD[checkpoint_id]
    with public_checks("04") if public else nullcontext():
        assert evaluate(checkpoint_id, {name: function}) == (
            True,
            f"Checkpoint {checkpoint_id} passed (2/2 points)",
        )


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_untouched_stubs_fail(checkpoint_id: str, public: bool) -> None:
    name, _ = GOOD[checkpoint_id]
    with public_checks("04") if public else nullcontext():
        passed, line = evaluate(checkpoint_id, {name: _stub})
    assert not passed
    assert "not written yet" in line


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function"),
    [
        ("04.1", "failing_minimums", failing_minimums_other_style),
        ("04.2", "invariance_change", invariance_change_loop),
        (
            "04.3",
            "directional_violations",
            lambda m, f, c, lo, hi: np.int64(directional_violations(m, f, c, lo, hi)),
        ),
        (
            "04.5",
            "make_release_gate",
            lambda: QualityGate({"recall": 0.4, "f1": 0.5, "roc_auc": 0.8}, 0.01),
        ),
    ],
    ids=["tuple-and-not-ge", "pairwise-copies", "numpy-int", "positional-gate"],
)
def test_right_answers_written_differently_pass(
    checkpoint_id: str, name: str, function: Callable[..., Any]
) -> None:
    passed, line = evaluate(checkpoint_id, {name: function})
    assert passed, line


def _stub(*_: Any) -> Any:
    raise NotImplementedError("replace this")


WRONG: list[tuple[str, str, Callable[..., Any], str]] = [
    # checkpoint, name, wrong implementation, what the failure line must name: a public case
    (
        "04.1",
        "failing_minimums",
        lambda m, f: len([n for n in f if not m.get(n, math.nan) >= f[n]]) == 0,
        "every metric above its floor: expected [], got True",
    ),
    (
        "04.2",
        "invariance_change",
        lambda model, frame, column, values: float(np.ptp(model.predict_proba(frame))),
        "a model that ignores the region",
    ),
    (
        "04.2",
        "invariance_change",
        lambda model, frame, column, values: [
            float(np.ptp([model.predict_proba(frame.assign(**{column: v}))[i] for v in values]))
            for i in range(len(frame))
        ],
        "expected a number",
    ),
    (
        "04.3",
        "directional_violations",
        lambda m, f, c, lo, hi: int(
            (m.predict_proba(f.assign(**{c: hi})) > m.predict_proba(f.assign(**{c: lo}))).sum()
        ),
        "always raise the probability",
    ),
    (
        "04.3",
        "directional_violations",
        lambda m, f, c, lo, hi: bool(
            (m.predict_proba(f.assign(**{c: hi})) < m.predict_proba(f.assign(**{c: lo}))).any()
        ),
        "expected 0 violations, got False",
    ),
    (
        "04.4",
        "regressions",
        lambda c, a, t: [n for n in a if c[n] < a[n] - t],
        "no approved model yet",
    ),
    ("04.5", "make_release_gate", lambda: QualityGate(), "precision has no floor"),
    (
        "04.5",
        "make_release_gate",
        lambda: {"roc_auc": 0.8, "f1": 0.5, "recall": 0.4},
        "expected a QualityGate, got a dict",
    ),
]

HIDDEN_WRONG: list[tuple[str, str, Callable[..., Any], str, str]] = [
    # checkpoint, name, wrong implementation that passes every public case, the rule of the
    # hidden case that catches it, a piece of that case's input the line must not show
    (
        "04.1",
        "failing_minimums",
        lambda m, f: [n for n in f if n in m and m[n] <= f[n]],
        "a value equal to its floor passes",
        "0.8",
    ),
    (
        "04.1",
        "failing_minimums",
        lambda m, f: [n for n in f if m.get(n, 0.0) < f[n]],
        "a NaN metric fails (fail closed)",
        "0.4",
    ),
    (
        "04.1",
        "failing_minimums",
        lambda m, f: [n for n in f if n in m and not m[n] >= f[n]],
        "a metric missing from `metrics` fails",
        "recall",
    ),
    (
        "04.1",
        "failing_minimums",
        lambda m, f: sorted(n for n in f if not m.get(n, math.nan) >= f[n]),
        "the failing metrics come in the order of `minimums`",
        "roc_auc",
    ),
    (
        "04.2",
        "invariance_change",
        lambda model, frame, column, values: float(
            np.ptp([model.predict_proba(frame.assign(**{column: v})).mean() for v in values])
        ),
        "the answer is the largest change of any one row, not of the average",
        "0.45",
    ),
    (
        "04.2",
        "invariance_change",
        lambda model, frame, column, values: float(
            np.ptp(
                np.vstack([model.predict_proba(_set(frame, column, v)) for v in values]), axis=0
            ).max()
        ),
        "the caller's frame is not modified",
        "region",
    ),
    (
        "04.3",
        "directional_violations",
        lambda m, f, c, lo, hi: int(
            (m.predict_proba(f.assign(**{c: hi})) <= m.predict_proba(f.assign(**{c: lo}))).sum()
        ),
        "equal probabilities are no drop",
        "tenure",
    ),
    (
        "04.4",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if n in c and c[n] < a[n] - t],
        "a drop of exactly the tolerance passes (mind floating point)",
        "0.47",
    ),
    (
        "04.4",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if n in c and c[n] < a[n] - t - 1e-9],
        "a metric the candidate lacks regresses",
        "recall",
    ),
    (
        "04.4",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if c.get(n, 0) < a[n] - 1e-9],
        "a drop of exactly the tolerance passes (mind floating point)",
        "0.05",
    ),
    (
        "04.5",
        "make_release_gate",
        lambda: QualityGate({"roc_auc": 0.8, "f1": 0.5, "recall": 0.4}),
        "a candidate more than the tolerance below the approved model fails",
        "0.855",
    ),
    (
        "04.5",
        "make_release_gate",
        lambda: QualityGate({"roc_auc": 0.8, "f1": 0.5}, 0.01),
        "a first model just under the recall floor fails",
        "0.39",
    ),
]


def _set(frame: pd.DataFrame, column: str, value: Any) -> pd.DataFrame:
    # The mistake of working on the caller's frame instead of a copy.
    frame[column] = value
    return frame


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "problem"),
    WRONG,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(WRONG)],
)
def test_wrong_answers_fail_with_the_public_case_that_shows_it(
    checkpoint_id: str, name: str, function: Callable[..., Any], problem: str
) -> None:
    for public in (True, False):
        with public_checks("04") if public else nullcontext():
            passed, line = evaluate(checkpoint_id, {name: function})
        assert not passed
        assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/2 points): ")
        assert problem in line
        assert "Hint: " in line
        assert " at 0x" not in line


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "rule", "hidden_input"),
    HIDDEN_WRONG,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(HIDDEN_WRONG)],
)
def test_wrong_answers_only_a_hidden_case_catches_fail_graded_with_its_rule(
    checkpoint_id: str, name: str, function: Callable[..., Any], rule: str, hidden_input: str
) -> None:
    with public_checks("04"):
        assert evaluate(checkpoint_id, {name: function}) == (
            True,
            f"Checkpoint {checkpoint_id} passed (2/2 points)",
        )
    passed, line = evaluate(checkpoint_id, {name: function})
    assert not passed
    assert f"a hidden case failed: {rule}. Hint: " in line
    assert hidden_input not in line.partition(". Hint: ")[0]  # the hint is public, and constant


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_a_missing_function_says_which_cell_to_run(checkpoint_id: str) -> None:
    name, _ = GOOD[checkpoint_id]
    passed, line = evaluate(checkpoint_id, {})
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} cannot run yet (0/2 points)")
    assert f"`{name}`" in line
    assert "Exercise" in line


# --- the learner's release -------------------------------------------------------


def test_the_stripped_module_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("04")
    source = path.read_text(encoding="utf-8")
    public = strip_hidden(source, str(path))

    assert "hidden_case(" in source
    assert "hidden_case(" not in public
    assert "0.855" not in public  # an input of a hidden case
    compile(public, str(path), "exec")
