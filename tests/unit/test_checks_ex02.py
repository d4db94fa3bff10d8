"""Exercise 02's checkpoints: right answers pass, plausible wrong ones fail with a useful line."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks import ex02
from mlcicd.course.pytest_run import PytestRun, TestOutcome

# --- 02.1 -------------------------------------------------------------------


def scale(values: pd.Series) -> pd.Series:
    values = values.astype(float)
    low, high = values.min(), values.max()
    if high > low:
        return (values - low) / (high - low)
    return values.where(values.isna(), 0.0)


def scale_numpy(values: pd.Series) -> pd.Series:
    # Written differently: numpy with nan-aware reductions, a new Series.
    array = values.to_numpy(dtype=float)
    low, high = np.nanmin(array), np.nanmax(array)
    span = high - low
    out = (array - low) / span if span else np.where(np.isnan(array), np.nan, 0.0)
    return pd.Series(out, index=values.index)


def scale_in_place(values: pd.Series) -> pd.Series:
    low, high = values.min(), values.max()
    if high > low:
        values -= low
        values /= high - low
        return values
    return values.where(values.isna(), 0.0)


@pytest.mark.parametrize("function", [scale, scale_numpy], ids=["pandas", "numpy"])
def test_02_1_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("02.1", {"scale_to_unit": function}) == (
        True,
        "Checkpoint 02.1 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (
            lambda v: v / v.max(),
            "a column with negative values [-5, 0, 5, 10]: returned [-0.5, 0, 0.5, 1], "
            "expected [0, 0.333333, 0.666667, 1]",
        ),
        (
            lambda v: (v - v.min()) / (v.max() - v.min()),
            "a constant column [3, 3, 3]: returned [nan, nan, nan], expected [0, 0, 0]",
        ),
        (
            lambda v: scale(v).fillna(0.0),
            "a column with a missing value [1, NaN, 3]: returned [0, 0, 1], expected [0, nan, 1]",
        ),
        (
            lambda v: scale(v).reset_index(drop=True),
            "a column indexed by customer ('a', 'b', 'c'): the index became [0, 1, 2]",
        ),
        (lambda v: scale(v).tolist(), "returned a list, expected a pandas Series"),
        (
            scale_in_place,
            "a column that must not be modified [5, 1, 3]: the input became [1, 0, 0.5]",
        ),
    ],
    ids=["divide by max", "constant NaN", "fills NaN", "loses index", "list", "mutates"],
)
def test_02_1_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("02.1", {"scale_to_unit": function})
    assert not passed
    assert line.startswith("Checkpoint 02.1 failed (0/2 points): ")
    assert expected in line


def test_02_1_untouched_stub_and_missing_name() -> None:
    def stub(values: pd.Series) -> pd.Series:
        raise NotImplementedError("replace this line with your code")

    assert "still raises NotImplementedError" in evaluate("02.1", {"scale_to_unit": stub})[1]
    line = evaluate("02.1", {})[1]
    assert line.startswith("Checkpoint 02.1 cannot run yet (0/2 points): `scale_to_unit`")
    assert "the cell under 'Exercise 1'" in line


# --- 02.2 -------------------------------------------------------------------


def impute(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        median = frame[name].median()
        if pd.isna(median):
            raise ValueError(name)
        out[name] = frame[name].fillna(median)
    return out


def impute_assign(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    # Written differently: one fillna with a dict of medians, the check on dropna.
    for name in columns:
        if frame[name].dropna().empty:
            raise ValueError(f"{name} has no values")
    return frame.fillna({name: frame[name].median() for name in columns})


def impute_mean(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        out[name] = frame[name].fillna(frame[name].mean())
    return out


def impute_in_place(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for name in columns:
        frame[name] = frame[name].fillna(frame[name].median())
    return frame


def impute_everything(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.fillna(frame.median(numeric_only=True))


def impute_no_raise(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        out[name] = frame[name].fillna(frame[name].median())
    return out


@pytest.mark.parametrize("function", [impute, impute_assign], ids=["loop", "dict"])
def test_02_2_right_answers_pass(function: Callable[..., object]) -> None:
    assert evaluate("02.2", {"impute_median": function}) == (
        True,
        "Checkpoint 02.2 passed (2/2 points)",
    )


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (impute_mean, "bill became [10, 20, 265, 30, 1000], expected [10, 20, 25, 30, 1000]"),
        (impute_in_place, "the input frame was filled in place"),
        (impute_everything, "a column that is not named (calls, when only bill is imputed)"),
        (impute_no_raise, "instead of raising ValueError"),
    ],
    ids=["mean", "in place", "all columns", "no ValueError"],
)
def test_02_2_wrong_answers_name_the_case(function: Callable[..., object], expected: str) -> None:
    passed, line = evaluate("02.2", {"impute_median": function})
    assert not passed
    assert expected in line


# --- 02.3 and 02.4: real pytest runs for the right answers --------------------

TESTS = """
import math
import numpy as np
import pandas as pd


def test_range():
    assert scale_to_unit(pd.Series([-5.0, 0.0, 12.5])).between(0, 1).all()


def test_min_and_max():
    assert scale_to_unit(pd.Series([3.0, 1.0, 2.0])).tolist() == [1.0, 0.0, 0.5]


def test_constant():
    assert scale_to_unit(pd.Series([4.0, 4.0])).tolist() == [0.0, 0.0]


def test_nan_stays():
    out = scale_to_unit(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1])
"""

PROPERTIES = """
import pandas as pd
from hypothesis import given, settings, strategies as st

columns = st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=30)


@settings(max_examples=50, deadline=None)
@given(columns)
def test_in_unit_interval(values):
    assert scale_to_unit(pd.Series(values)).between(0, 1).all()


@settings(max_examples=50, deadline=None)
@given(columns)
def test_max_is_one(values):
    if min(values) < max(values):
        assert scale_to_unit(pd.Series(values)).max() == 1.0
"""


def test_02_3_a_suite_that_catches_every_mutant_passes() -> None:
    assert evaluate("02.3", {"TESTS": TESTS}) == (True, "Checkpoint 02.3 passed (3/3 points)")


def test_02_4_properties_that_catch_every_mutant_pass() -> None:
    assert evaluate("02.4", {"PROPERTIES": PROPERTIES}) == (
        True,
        "Checkpoint 02.4 passed (2/2 points)",
    )


# --- 02.3 and 02.4: the judging, on canned pytest results (fast) ---------------


def fake_run(outcomes: dict[str, str]) -> Callable[..., PytestRun]:
    """Return a run_pytest stand-in: every file's test_a gets the outcome given for its stem."""

    def run(files: dict[str, str], *args: str, **kwargs: object) -> PytestRun:
        tests = tuple(
            TestOutcome(f"{name}::test_a", outcomes.get(name[:-3], "passed"), "boom")
            for name in files
        )
        return PytestRun(1, tests, "")

    return run


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (
            {f"test_{stem}": "failed" for stem in ex02.MUTANTS if stem != "constant_nan"},
            "your TESTS on a scale_to_unit that gives NaN for a constant column (0 / 0): "
            "every test passed",
        ),
        (
            {"test_correct": "failed", **{f"test_{stem}": "failed" for stem in ex02.MUTANTS}},
            "your TESTS on a correct scale_to_unit: test_a failed (boom); "
            "a test must pass on correct code",
        ),
    ],
    ids=["a mutant survives", "fails on correct code"],
)
def test_02_3_weak_or_wrong_suites_fail(
    monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, str], expected: str
) -> None:
    monkeypatch.setattr(ex02, "run_pytest", fake_run(outcomes))
    passed, line = evaluate("02.3", {"TESTS": TESTS})
    assert not passed
    assert expected in line


def test_02_3_no_tests_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex02, "run_pytest", lambda *a, **k: PytestRun(5, (), ""))
    line = evaluate("02.3", {"TESTS": "x = 1"})[1]
    assert "pytest collected no tests" in line


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("TESTS", ["def test_a(): pass"], "TESTS is a list, not a string"),
        ("TESTS", "def test_a(:\n    pass\n", "it is not valid Python: invalid syntax on line 1"),
        ("TESTS", "from mymodule import scale_to_unit\n", "defines or imports scale_to_unit"),
        ("PROPERTIES", TESTS, "it has no @given test"),
    ],
    ids=["not a string", "syntax error", "imports its own", "no hypothesis"],
)
def test_02_3_and_02_4_malformed_strings_fail_before_running(
    monkeypatch: pytest.MonkeyPatch, name: str, value: object, expected: str
) -> None:
    monkeypatch.setattr(ex02, "run_pytest", None)  # must not be reached
    checkpoint_id = "02.3" if name == "TESTS" else "02.4"
    passed, line = evaluate(checkpoint_id, {name: value})
    assert not passed
    assert expected in line


def test_02_4_a_surviving_property_mutant_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    outcomes = {f"test_{stem}": "failed" for stem in ex02.PROPERTY_MUTANTS}
    outcomes["test_short_of_one"] = "passed"
    monkeypatch.setattr(ex02, "run_pytest", fake_run(outcomes))
    line = evaluate("02.4", {"PROPERTIES": PROPERTIES})[1]
    assert "divides by (max - min + 1), so the maximum never reaches 1: every test passed" in line
