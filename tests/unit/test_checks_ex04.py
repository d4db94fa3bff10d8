"""The checkpoints of exercise 04 (Model tests): right answers pass, plausible wrong ones fail.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer
that only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from typing import Any

import numpy as np
import pandas as pd
import pytest
from checkpoint_mutants import Wrong, mutant_tests

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


WRONG: list[tuple[str, str, str, Callable[..., Any], str]] = [
    # checkpoint, the mistake, name, wrong implementation, what the failure line must name:
    # a public case
    (
        "04.1",
        "returns a bool, not the names",
        "failing_minimums",
        lambda m, f: len([n for n in f if not m.get(n, math.nan) >= f[n]]) == 0,
        "every metric above its floor: expected [], got True",
    ),
    (
        "04.2",
        "ptp of the frame as given",
        "invariance_change",
        lambda model, frame, column, values: float(np.ptp(model.predict_proba(frame))),
        "a model that ignores the region",
    ),
    (
        "04.2",
        "a list of per-row spreads",
        "invariance_change",
        lambda model, frame, column, values: [
            float(np.ptp([model.predict_proba(frame.assign(**{column: v}))[i] for v in values]))
            for i in range(len(frame))
        ],
        "expected a number",
    ),
    (
        "04.3",
        "counts the rises",
        "directional_violations",
        lambda m, f, c, lo, hi: int(
            (m.predict_proba(f.assign(**{c: hi})) > m.predict_proba(f.assign(**{c: lo}))).sum()
        ),
        "always raise the probability",
    ),
    (
        "04.3",
        "a bool, not a count",
        "directional_violations",
        lambda m, f, c, lo, hi: bool(
            (m.predict_proba(f.assign(**{c: hi})) < m.predict_proba(f.assign(**{c: lo}))).any()
        ),
        "expected 0 violations, got False",
    ),
    (
        "04.4",
        "no approved model crashes",
        "regressions",
        lambda c, a, t: [n for n in a if c[n] < a[n] - t],
        "no approved model yet",
    ),
    (
        "04.5",
        "the default gate",
        "make_release_gate",
        lambda: QualityGate(),
        "precision has no floor",
    ),
    (
        "04.5",
        "a dict, not a gate",
        "make_release_gate",
        lambda: {"roc_auc": 0.8, "f1": 0.5, "recall": 0.4},
        "expected a QualityGate, got a dict",
    ),
]

HIDDEN_WRONG: list[tuple[str, str, str, Callable[..., Any], str, str]] = [
    # checkpoint, the mistake, name, wrong implementation that passes every public case, the
    # rule of the hidden case that catches it, a piece of that case's input the line must not
    # show
    (
        "04.1",
        "a value at its floor fails",
        "failing_minimums",
        lambda m, f: [n for n in f if n in m and m[n] <= f[n]],
        "a value equal to its floor passes",
        "0.8",
    ),
    (
        "04.1",
        "NaN passes",
        "failing_minimums",
        lambda m, f: [n for n in f if m.get(n, 0.0) < f[n]],
        "a NaN metric fails (fail closed)",
        "0.4",
    ),
    (
        "04.1",
        "a missing metric passes",
        "failing_minimums",
        lambda m, f: [n for n in f if n in m and not m[n] >= f[n]],
        "a metric missing from `metrics` fails",
        "recall",
    ),
    (
        "04.1",
        "sorted names",
        "failing_minimums",
        lambda m, f: sorted(n for n in f if not m.get(n, math.nan) >= f[n]),
        "the failing metrics come in the order of `minimums`, not of `metrics`",
        "roc_auc",
    ),
    (
        "04.2",
        "spread of the average",
        "invariance_change",
        lambda model, frame, column, values: float(
            np.ptp([model.predict_proba(frame.assign(**{column: v})).mean() for v in values])
        ),
        "the answer is the largest change of any one row, not of the average",
        "0.45",
    ),
    (
        "04.2",
        "modifies the caller's frame",
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
        "equal counts as a drop",
        "directional_violations",
        lambda m, f, c, lo, hi: int(
            (m.predict_proba(f.assign(**{c: hi})) <= m.predict_proba(f.assign(**{c: lo}))).sum()
        ),
        "equal probabilities are no drop",
        "tenure",
    ),
    (
        "04.4",
        "no allowance for floating point",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if n in c and c[n] < a[n] - t],
        "a drop of exactly the tolerance passes (mind floating point)",
        "0.47",
    ),
    (
        "04.4",
        "a missing metric passes",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if n in c and c[n] < a[n] - t - 1e-9],
        "a metric the candidate lacks regresses",
        "recall",
    ),
    (
        "04.4",
        "ignores the tolerance",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if c.get(n, 0) < a[n] - 1e-9],
        "a drop of exactly the tolerance passes (mind floating point)",
        "0.05",
    ),
    (
        "04.5",
        "the default tolerance",
        "make_release_gate",
        lambda: QualityGate({"roc_auc": 0.8, "f1": 0.5, "recall": 0.4}),
        "a candidate more than the tolerance below the approved model fails",
        "0.855",
    ),
    (
        "04.5",
        "no recall floor",
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
    ("checkpoint_id", "mistake", "name", "function", "problem"),
    WRONG,
    ids=[f"{c}-{m}" for c, m, *_ in WRONG],
)
def test_wrong_answers_fail_with_the_public_case_that_shows_it(
    checkpoint_id: str, mistake: str, name: str, function: Callable[..., Any], problem: str
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
    ("checkpoint_id", "mistake", "name", "function", "rule", "hidden_input"),
    HIDDEN_WRONG,
    ids=[f"{c}-{m}" for c, m, *_ in HIDDEN_WRONG],
)
def test_wrong_answers_only_a_hidden_case_catches_fail_graded_with_its_rule(
    checkpoint_id: str,
    mistake: str,
    name: str,
    function: Callable[..., Any],
    rule: str,
    hidden_input: str,
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


# --- mutation testing: each wrong answer fails its checkpoint, and only that one ----------


def _predict(model: Any, frame: pd.DataFrame, column: str, value: Any) -> np.ndarray:
    return model.predict_proba(frame.assign(**{column: value}))


def _on_caller(model: Any, frame: pd.DataFrame, column: str, lower: Any, higher: Any) -> int:
    # The mistake of setting the column on the caller's frame instead of a copy.
    frame[column] = lower
    low = model.predict_proba(frame)
    frame[column] = higher
    return int((model.predict_proba(frame) < low).sum())


def _gate(tolerance: float = 0.01, **floors: float) -> Callable[[], QualityGate]:
    return lambda: QualityGate({"roc_auc": 0.8, "f1": 0.5, "recall": 0.4, **floors}, tolerance)


#: Wrong answers beyond the tables above: (checkpoint, mistake, name, implementation).
MORE_WRONG: list[tuple[str, str, str, Callable[..., Any]]] = [
    (
        "04.1",
        "iterates the metrics, not the floors",
        "failing_minimums",
        lambda m, f: (
            [n for n, v in m.items() if n in f and not v >= f[n]] + [n for n in f if n not in m]
        ),
    ),
    (
        "04.1",
        "np.isclose forgives a value a hair below",
        "failing_minimums",
        lambda m, f: [
            n for n in f if not (m.get(n, math.nan) >= f[n] or np.isclose(m.get(n, math.nan), f[n]))
        ],
    ),
    (
        "04.1",
        "rounds to two decimals",
        "failing_minimums",
        lambda m, f: [n for n in f if n not in m or math.isnan(m[n]) or round(m[n], 2) < f[n]],
    ),
    (
        "04.1",
        "NaN compared with ==",
        "failing_minimums",
        lambda m, f: [n for n in f if n not in m or m[n] == math.nan or m[n] < f[n]],
    ),
    (
        "04.2",
        "mean of the per-row spreads",
        "invariance_change",
        lambda model, frame, column, values: float(
            np.ptp(np.vstack([_predict(model, frame, column, v) for v in values]), axis=0).mean()
        ),
    ),
    (
        "04.2",
        "against the first value only",
        "invariance_change",
        lambda model, frame, column, values: max(
            float(
                np.abs(
                    _predict(model, frame, column, v) - _predict(model, frame, column, values[0])
                ).max()
            )
            for v in values
        ),
    ),
    (
        "04.2",
        "adjacent values only",
        "invariance_change",
        lambda model, frame, column, values: max(
            float(
                np.abs(_predict(model, frame, column, b) - _predict(model, frame, column, a)).max()
            )
            for a, b in itertools.pairwise(values)
        ),
    ),
    (
        "04.2",
        "against the frame as given",
        "invariance_change",
        lambda model, frame, column, values: max(
            float(np.abs(_predict(model, frame, column, v) - model.predict_proba(frame)).max())
            for v in values
        ),
    ),
    (
        "04.3",
        "ignores drops under 1e-6",
        "directional_violations",
        lambda m, f, c, lo, hi: int((_predict(m, f, c, hi) < _predict(m, f, c, lo) - 1e-6).sum()),
    ),
    (
        "04.3",
        "np.isclose counts a tiny drop as equal",
        "directional_violations",
        lambda m, f, c, lo, hi: int(
            (
                (_predict(m, f, c, hi) < _predict(m, f, c, lo))
                & ~np.isclose(_predict(m, f, c, hi), _predict(m, f, c, lo))
            ).sum()
        ),
    ),
    ("04.3", "modifies the caller's frame", "directional_violations", _on_caller),
    (
        "04.3",
        "the share of rows, not the count",
        "directional_violations",
        lambda m, f, c, lo, hi: float((_predict(m, f, c, hi) < _predict(m, f, c, lo)).mean()),
    ),
    (
        "04.4",
        "NaN slips through a less-than",
        "regressions",
        lambda c, a, t: [] if a is None else [n for n in a if n not in c or c[n] < a[n] - t - 1e-9],
    ),
    (
        "04.4",
        "np.isclose forgives a drop a hair beyond",
        "regressions",
        lambda c, a, t: (
            []
            if a is None
            else [
                n
                for n in a
                if not (c.get(n, math.nan) >= a[n] - t or np.isclose(c.get(n, math.nan), a[n] - t))
            ]
        ),
    ),
    (
        "04.4",
        "iterates the candidate's metrics",
        "regressions",
        lambda c, a, t: (
            []
            if a is None
            else [n for n, v in c.items() if n in a and not v >= a[n] - t - 1e-9]
            + [n for n in a if n not in c]
        ),
    ),
    (
        "04.4",
        "an improvement counts as a regression",
        "regressions",
        lambda c, a, t: (
            [] if a is None else [n for n in a if n not in c or not abs(c[n] - a[n]) <= t + 1e-9]
        ),
    ),
    ("04.5", "a floor a notch too high", "make_release_gate", _gate(roc_auc=0.81)),
    ("04.5", "half the tolerance", "make_release_gate", _gate(tolerance=0.005)),
    ("04.5", "ten times the tolerance", "make_release_gate", _gate(tolerance=0.1)),
    ("04.5", "the default f1 floor", "make_release_gate", _gate(f1=0.45)),
    ("04.5", "a precision floor too", "make_release_gate", _gate(precision=0.5)),
]

REFERENCE = {name: function for name, function in GOOD.values()}
MUTANTS = [
    Wrong(checkpoint, mistake, {name: function})
    for checkpoint, mistake, name, function, *_ in [*WRONG, *HIDDEN_WRONG, *MORE_WRONG]
]
(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("04", REFERENCE, MUTANTS)


# --- the learner's release -------------------------------------------------------


def test_the_stripped_module_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("04")
    source = path.read_text(encoding="utf-8")
    public = strip_hidden(source, str(path))

    assert "hidden_case(" in source
    assert "hidden_case(" not in public
    assert "0.855" not in public  # an input of a hidden case
    compile(public, str(path), "exec")
