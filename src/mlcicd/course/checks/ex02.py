"""Checkpoints of exercise 02 (Unit tests for ML code): cases run on the learner's objects.

Each checkpoint keeps a few public cases, the simple ones a learner's notebook
runs with instant feedback; the rest are hidden (between the hidden-case
markers), run only where the instructor grades, and report the rule they check.

* 02.1 ``scale_to_unit``: min-max scaling of one column. Public: a column with
  negative values and an integer column. Hidden: constant and single-value
  columns, a tiny but non-zero spread, missing values, the index, and that the
  input is not modified.
* 02.2 ``impute_median``: null-safe filling with each column's median. Public:
  one skewed column, then two columns. Hidden: other columns untouched, the
  input not modified, no missing values, the index, a column with no values (a
  ValueError naming it), and a new frame even when nothing needed filling.
* 02.3 ``TESTS``: a pytest suite that fails on each of several broken
  ``scale_to_unit`` (mutation testing in miniature). Public: the string itself,
  and two blatant bugs. Hidden: it passes on a correct ``scale_to_unit`` (whose
  code would be the answer to 02.1), and it catches subtler bugs, each breaking one
  rule narrowly (a constant column at 0.5, NaN spreading to its neighbours, the
  maximum short of 1, the minimum above 0), so that only a test asserting that
  rule's exact values catches it, never one that fails on it by accident.
* 02.4 ``PROPERTIES``: hypothesis property tests that do the same for bugs that
  hide from hand-picked examples. Public: the string uses ``@given`` and catches
  one bug. Hidden: it passes on correct code and catches two more bugs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from mlcicd.course.checkpoint import CheckFailed, case, check, expect
from mlcicd.course.pytest_run import PytestRun, run_pytest

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES

# ---------------------------------------------------------------------------
# 02.1 and 02.2: the learner's functions, called in-process.
# ---------------------------------------------------------------------------


def _values(series: object) -> list[float]:
    return [float(v) for v in pd.Series(series).tolist()]


def _same(got: list[float], want: list[float]) -> bool:
    if len(got) != len(want):
        return False
    return all(
        (math.isnan(g) and math.isnan(w))
        or (not math.isnan(g) and math.isclose(g, w, abs_tol=1e-9))
        for g, w in zip(got, want, strict=True)
    )


def _shown(values: list[float]) -> str:
    return "[" + ", ".join("NaN" if math.isnan(v) else f"{v:g}" for v in values) + "]"


def _expect_series(result: object, what: str) -> None:
    expect(
        isinstance(result, pd.Series),
        f"returned a {type(result).__name__}, expected a pandas Series ({what})",
    )


@check(
    "02.1",
    points=2,
    needs=("scale_to_unit",),
    hint=(
        "The smallest value present maps to 0.0, the largest to 1.0, and every value in "
        "between keeps its relative distance. Only a column whose values are all equal (or a "
        "single value) has no spread and becomes 0.0 where a value is present; any spread, "
        "however small, still spans 0 to 1. Missing values stay missing in their place, the "
        "result is a new float Series with the input's index, and the input is left unchanged."
    ),
    concept=(
        "A scaler's edge cases are part of its contract: dividing by a range of zero gives "
        "NaN, and NaN spreads silently through a model, so the contract says what a column "
        "with no spread becomes, and that a missing value is not the scaler's to fill."
    ),
    lesson="02#The edge cases are part of the contract",
    defined_in="the cell under 'Exercise 1'",
)
def scale_to_unit_maps_min_to_0_and_max_to_1(scale_to_unit: Callable[..., object]) -> None:
    """``scale_to_unit`` maps min to 0 and max to 1, keeps NaN and the index, and never mutates."""
    public = [
        ("a column with negative values [-5, 0, 5, 10]", [-5, 0, 5, 10], [0, 1 / 3, 2 / 3, 1]),
        ("an integer column [2, 4, 6]", [2, 4, 6], [0, 0.5, 1]),
    ]
    for description, raw, want in public:
        with case(description):
            _expect_scaled(scale_to_unit, raw, want)
    # BEGIN HIDDEN CASES
    hidden = [
        ("a constant column (all values equal) scales to 0.0", [3.0, 3.0, 3.0], [0, 0, 0]),
        ("a column of one value scales to 0.0", [42.0], [0]),
        ("any spread, however small, spans 0 to 1", [2.0, 2.00001, 2.0], [0, 1, 0]),
        ("a missing value stays missing, in its place", [1, np.nan, 3], [0, np.nan, 1]),
        (
            "a constant column with a missing value keeps it missing and scales the rest to 0.0",
            [7, np.nan, 7],
            [0, np.nan, 0],
        ),
    ]
    for rule, raw, want in hidden:
        with hidden_case(rule):
            _expect_scaled(scale_to_unit, raw, want)
    with hidden_case("the result keeps the input's index, each row with its own value"):
        values = pd.Series([10.0, 30.0, 20.0], index=["a", "b", "c"])
        result = scale_to_unit(values)
        _expect_series(result, "indexed like its input")
        expect(list(result.index) == ["a", "b", "c"], "the index changed")
        expect(_same(_values(result), [0.0, 1.0, 0.5]), "the values moved")
    with hidden_case("the input column is not modified"):
        values = pd.Series([5.0, 1.0, 3.0])
        scale_to_unit(values)
        expect(_values(values) == [5.0, 1.0, 3.0], "the input changed")
    # END HIDDEN CASES


def _expect_scaled(scale_to_unit: Callable[..., object], raw: list, want: list) -> None:
    result = scale_to_unit(pd.Series(raw))
    _expect_series(result, "one scaled value per input value")
    got = _values(result)
    expected = [float(w) for w in want]
    expect(_same(got, expected), f"returned {_shown(got)}, expected {_shown(expected)}")


@check(
    "02.2",
    points=2,
    needs=("impute_median",),
    hint=(
        "Return a new frame, also when nothing needed filling: in each named column every "
        "missing value becomes that column's median (the middle of the values present, which "
        "a long tail does not pull as it pulls the mean); columns not named, the index and the "
        "caller's frame stay as they were. A named column with no values has no median: that "
        "is a ValueError whose message names the column."
    ),
    concept=(
        "Filling gaps is a modelling choice with its own contract: robust to outliers, "
        "touching only what it was asked to, and refusing loudly when there is nothing to "
        "fill from, so a bad batch stops the pipeline instead of training on invented values."
    ),
    lesson="02#The edge cases are part of the contract",
    defined_in="the cell under 'Exercise 2'",
)
def impute_median_fills_nulls_with_the_median(impute_median: Callable[..., object]) -> None:
    """``impute_median`` fills the named columns' NaN with their median, and only those."""
    skewed = pd.DataFrame(
        {
            "bill": [10.0, 20.0, np.nan, 30.0, 1000.0],
            "calls": [1.0, np.nan, 3.0, 2.0, np.nan],
            "note": ["a", None, "c", "d", "e"],
        }
    )
    with case("a skewed column bill [10, 20, NaN, 30, 1000] (median 25, mean 265)"):
        out = impute_median(skewed.copy(), ["bill"])
        expect(isinstance(out, pd.DataFrame), f"returned a {type(out).__name__}, not a DataFrame")
        got = _values(out["bill"])
        expect(
            _same(got, [10, 20, 25, 30, 1000]),
            f"bill became {_shown(got)}, expected [10, 20, 25, 30, 1000] (median, not mean)",
        )
    with case("two columns bill and calls"):
        out = impute_median(skewed.copy(), ["bill", "calls"])
        got = _values(out["calls"])
        expect(_same(got, [1, 2, 3, 2, 2]), f"calls became {_shown(got)}, expected [1, 2, 3, 2, 2]")
    # BEGIN HIDDEN CASES
    with hidden_case("columns that are not named stay as they were, text columns included"):
        out = impute_median(skewed.copy(), ["bill"])
        expect(_same(_values(out["calls"]), [1, np.nan, 3, 2, np.nan]), "calls changed")
        expect(out["note"].isna().tolist() == [False, True, False, False, False], "note changed")
    with hidden_case("the input frame is not modified"):
        frame = skewed.copy()
        impute_median(frame, ["bill", "calls"])
        expect(frame.equals(skewed), "the input frame changed")
    with hidden_case("a column with no missing values comes back unchanged"):
        out = impute_median(pd.DataFrame({"x": [4.0, 2.0, 9.0]}), ["x"])
        expect(_same(_values(out["x"]), [4, 2, 9]), "x changed")
    with hidden_case("the result keeps the input's index, each row with its own value"):
        frame = pd.DataFrame({"x": [1.0, np.nan, 5.0]}, index=["c1", "c2", "c3"])
        out = impute_median(frame, ["x"])
        expect(list(out.index) == ["c1", "c2", "c3"], "the index changed")
        expect(_same(_values(out["x"]), [1, 3, 5]), "x is wrong")
    with hidden_case("a column with no values at all raises ValueError"):
        try:
            impute_median(pd.DataFrame({"x": [np.nan, np.nan]}), ["x"])
        except ValueError:
            pass
        else:
            raise CheckFailed("no ValueError")
    with hidden_case("the ValueError names the column that has no values"):
        try:
            impute_median(pd.DataFrame({"x": [1.0], "tenure": [np.nan]}), ["x", "tenure"])
        except ValueError as error:
            expect("tenure" in str(error), "the message does not name the column")
        else:
            raise CheckFailed("no ValueError")
    with hidden_case("the result is a new frame, also when nothing needed filling"):
        frame = pd.DataFrame({"x": [4.0, 2.0, 9.0]})
        out = impute_median(frame, ["x"])
        expect(out is not frame, "the input frame came back")
    # END HIDDEN CASES


# ---------------------------------------------------------------------------
# 02.3 and 02.4: the learner's test suites, run against right and broken code.
# ---------------------------------------------------------------------------

_HEADER = '''\
import numpy as np
import pandas as pd


def scale_to_unit(values):
    """The implementation under test (put here by the checkpoint)."""
    values = pd.Series(values).astype(float)
{body}
'''

#: Blatantly broken versions of scale_to_unit a suite must catch, checked in the learner's
#: notebook: {file stem: (what is wrong, body)}.
MUTANTS: dict[str, tuple[str, str]] = {
    "no_scaling": ("returns the values unscaled", "    return values"),
    "divide_by_max": (
        "divides by the maximum (the minimum does not become 0)",
        "    return values / values.max()",
    ),
}

#: A broken version that hides from a few hand-picked examples, for the property tests.
PROPERTY_MUTANTS: dict[str, tuple[str, str]] = {
    "divide_by_abs_max": (
        "divides by the largest absolute value (negative inputs give negative outputs)",
        "    top = values.abs().max()\n    return values / top if top > 0 else values * 0.0",
    ),
}

# BEGIN HIDDEN CASES
_BOUNDS = "    low, high = values.min(), values.max()\n"

#: A correct scale_to_unit: every test of a good suite passes on it.
_CORRECT = _BOUNDS + (
    "    if high > low:\n        return (values - low) / (high - low)\n"
    "    return values.where(values.isna(), 0.0)"
)

#: Subtler broken versions, graded only: {file stem: (the rule it breaks, body)}.
HIDDEN_MUTANTS: dict[str, tuple[str, str]] = {
    "reversed": (
        "maps the minimum to 1 and the maximum to 0",
        _BOUNDS + "    if high > low:\n        return (high - values) / (high - low)\n"
        "    return values.where(values.isna(), 0.0)",
    ),
    "constant_nan": (
        "gives NaN for a constant column",
        _BOUNDS + "    return (values - low) / (high - low)",
    ),
    "fills_nan": (
        "turns missing values into 0.0",
        _BOUNDS + "    if high > low:\n        return ((values - low) / (high - low)).fillna(0.0)\n"
        "    return values.where(values.isna(), 0.0).fillna(0.0)",
    ),
    "drops_nan": (
        "drops missing values (the result is shorter than the input)",
        _BOUNDS + "    if high > low:\n        return ((values - low) / (high - low)).dropna()\n"
        "    return values.where(values.isna(), 0.0).dropna()",
    ),
    # Each bug below breaks ONE rule, narrowly, and is right everywhere else: only a test
    # that asserts that rule's exact values catches it, not one that happens to fail on it.
    "constant_half": (
        "gives 0.5 for a constant column (in range, and not NaN, but not 0.0)",
        _BOUNDS + "    if high > low:\n        return (values - low) / (high - low)\n"
        "    return values.where(values.isna(), 0.5)",
    ),
    "nan_spreads": (
        "turns every value NaN when one value is missing (the NaN itself stays in place)",
        "    low, high = np.min(values.to_numpy()), np.max(values.to_numpy())\n"
        "    if high == low:\n        return values.where(values.isna(), 0.0)\n"
        "    return (values - low) / (high - low)",
    ),
    "short_of_one": (
        "never maps the maximum to 1",
        _BOUNDS + "    return (values - low) / (high - low + 1)",
    ),
    "min_above_zero": (
        "never maps the minimum to 0",
        _BOUNDS + "    if high > low:\n        return (values - low + 1) / (high - low + 1)\n"
        "    return values.where(values.isna(), 0.0)",
    ),
}

#: Broken versions the property tests must catch, graded only.
HIDDEN_PROPERTY_MUTANTS: dict[str, tuple[str, str]] = {
    "constant_nan": HIDDEN_MUTANTS["constant_nan"],
    "short_of_one": HIDDEN_MUTANTS["short_of_one"],
    # Right on the maximum and on constant columns, wrong only below: a suite catches it
    # only with a lower bound (the public bug above also fails "maximum is 1" by chance).
    "minus_one_to_one": (
        "scales into [-1, 1] instead of [0, 1]",
        _BOUNDS + "    if high > low:\n        return (values - low) / (high - low) * 2 - 1\n"
        "    return values.where(values.isna(), 0.0)",
    ),
}


#: The hidden mutants of each checkpoint, by the name of what the learner writes.
_HIDDEN = {"TESTS": HIDDEN_MUTANTS, "PROPERTIES": HIDDEN_PROPERTY_MUTANTS}


def _hidden_suites(tests: str, mutants: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    return {"test_correct.py": _module(_CORRECT, tests), **_suites(tests, mutants)}


def _judge_hidden(run: PytestRun, mutants: Mapping[str, tuple[str, str]], what: str) -> None:
    with hidden_case(f"every test in {what} passes on a correct scale_to_unit"):
        correct = _outcomes(run, "test_correct")
        expect(correct, "no tests")
        expect(all(outcome == "passed" for outcome in correct), "a test failed")
    for stem, (wrong, _) in mutants.items():
        with hidden_case(f"{what} catches a scale_to_unit that {wrong}"):
            expect(_caught(run, stem), "every test passed")


# END HIDDEN CASES

# A fixed hypothesis seed, so that a learner's property tests find the same examples
# every time.
_ARGS = ("--hypothesis-seed=0",)


def _module(body: str, tests: str) -> str:
    # `from __future__` imports must come first in a module: move them above the header.
    lines = tests.splitlines()
    future = [line for line in lines if line.startswith("from __future__")]
    rest = [line for line in lines if not line.startswith("from __future__")]
    return "\n".join([*future, _HEADER.format(body=body), *rest]) + "\n"


def _suites(tests: str, mutants: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    return {f"test_{name}.py": _module(body, tests) for name, (_, body) in mutants.items()}


def _outcomes(run: PytestRun, stem: str) -> list[str]:
    """The outcomes of the tests run on one version (file ``stem``.py), collection errors too."""
    found = []
    for test in run.tests:
        file, _, name = test.name.partition("::")
        if file in (f"{stem}.py", stem) or (not name and stem in file):
            found.append(test.outcome)
    return found


def _caught(run: PytestRun, stem: str) -> bool:
    """Whether some test failed (or errored) on mutant ``stem``."""
    return any(outcome in ("failed", "error") for outcome in _outcomes(run, f"test_{stem}"))


def _expect_suite_string(tests: object, what: str) -> None:
    with case(f"your {what} string"):
        expect(isinstance(tests, str), f"{what} is a {type(tests).__name__}, not a string")
        assert isinstance(tests, str)
        expect(
            "def scale_to_unit" not in tests and "import scale_to_unit" not in tests,
            "it defines or imports scale_to_unit itself; leave that out, the checkpoint puts "
            "each implementation in front of your tests",
        )
        try:
            compile(tests, what, "exec")
        except SyntaxError as error:
            raise CheckFailed(
                f"it is not valid Python: {error.msg} on line {error.lineno}"
            ) from None


def _judge(tests: str, mutants: Mapping[str, tuple[str, str]], what: str) -> None:
    """Run ``tests`` on each broken version (and, where graded, on correct code) and judge."""
    files = _suites(tests, mutants)
    # BEGIN HIDDEN CASES
    hidden_mutants = _HIDDEN[what]
    files.update(_hidden_suites(tests, hidden_mutants))
    # END HIDDEN CASES
    # One pytest run for every version: each run starts an interpreter.
    run = run_pytest(files, *_ARGS, show=False, timeout=60)
    for stem, (wrong, _) in mutants.items():
        with case(f"your {what} on a scale_to_unit that {wrong}"):
            expect(
                run.tests,
                "pytest collected no tests; write module-level functions whose names start "
                "with test_",
            )
            expect(
                _caught(run, stem),
                "every test passed, so this bug would reach production; add a test that fails "
                "on it",
            )
    # BEGIN HIDDEN CASES
    _judge_hidden(run, hidden_mutants, what)
    # END HIDDEN CASES


@check(
    "02.3",
    points=3,
    needs=("TESTS",),
    hint=(
        "Give each rule of the contract its own test, asserting the exact values that rule "
        "promises on a small column chosen for it: where the minimum and the maximum land (by "
        "position), what every value of a constant column becomes, and what happens to a "
        "missing value and to the values around it. 'No NaN' or 'in range' alone lets wrong "
        "values through. Call scale_to_unit directly; do not define or import it."
    ),
    concept=(
        "A suite is as strong as the bugs it catches, and it should catch each one for the "
        "right reason: mutation testing plants realistic bugs that each break one rule, so "
        "every rule needs a test that checks its exact promise."
    ),
    lesson="02#pytest from a notebook",
    defined_in="the cell under 'Exercise 3'",
    requires=("hypothesis",),  # the run passes --hypothesis-seed, which needs the plugin
)
def tests_catch_broken_implementations(tests: object) -> None:
    """``TESTS`` fails on each broken ``scale_to_unit`` (and, graded, passes on a correct one)."""
    _expect_suite_string(tests, "TESTS")
    _judge(str(tests), MUTANTS, "TESTS")


@check(
    "02.4",
    points=2,
    needs=("PROPERTIES",),
    hint=(
        "A property is a rule that holds for every generated column, so assert it without "
        "picking examples: every result lies in [0, 1], both bounds checked (NaN is not in "
        "[0, 1]), and unless all values are equal the largest maps to exactly 1.0. Let the "
        "strategy produce negative numbers, single values and equal values: that is where the "
        "bugs hide."
    ),
    concept=(
        "Property-based testing states a rule for every input and lets hypothesis search for "
        "a counterexample; the inputs people forget (negatives, one value, all values equal) "
        "are exactly the ones it tries."
    ),
    lesson="02#Property-based tests: let the computer pick the examples",
    defined_in="the cell under 'Exercise 4'",
    requires=("hypothesis",),
)
def properties_catch_hidden_bugs(properties: object) -> None:
    """``PROPERTIES`` uses hypothesis and catches bugs hand-picked examples may miss."""
    with case("your PROPERTIES string"):
        expect(isinstance(properties, str), "PROPERTIES is not a string")
        expect(
            "@given" in str(properties),
            "it has no @given test; property tests let hypothesis generate the inputs",
        )
    _expect_suite_string(properties, "PROPERTIES")
    _judge(str(properties), PROPERTY_MUTANTS, "PROPERTIES")
