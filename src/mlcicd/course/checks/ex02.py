"""Checkpoints of exercise 02 (Unit tests for ML code): hidden cases run on the learner's objects.

* 02.1 ``scale_to_unit``: min-max scaling of one column, with the edge cases defined.
* 02.2 ``impute_median``: null-safe filling with each column's median.
* 02.3 ``TESTS``: a pytest suite that passes on a correct ``scale_to_unit`` and
  fails on each of several broken ones (mutation testing in miniature).
* 02.4 ``PROPERTIES``: hypothesis property tests that do the same for bugs that
  hide from hand-picked examples.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from mlcicd.course.checkpoint import CheckFailed, case, check, expect
from mlcicd.course.pytest_run import PytestRun, run_pytest

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
    return "[" + ", ".join("nan" if math.isnan(v) else f"{v:g}" for v in values) + "]"


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
        "Compute low = values.min() and high = values.max() (both skip NaN); when high > low "
        "return (values - low) / (high - low), otherwise 0.0 wherever a value is present. "
        "Work on a float copy and keep the index."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def scale_to_unit_maps_min_to_0_and_max_to_1(scale_to_unit: Callable[..., object]) -> None:
    """``scale_to_unit`` maps min to 0 and max to 1, keeps NaN and the index, and never mutates."""
    cases = [
        ("a column with negative values [-5, 0, 5, 10]", [-5, 0, 5, 10], [0, 1 / 3, 2 / 3, 1]),
        ("an integer column [2, 4, 6]", [2, 4, 6], [0, 0.5, 1]),
        ("a constant column [3, 3, 3]", [3.0, 3.0, 3.0], [0, 0, 0]),
        ("a single value [42]", [42.0], [0]),
        ("a column with a missing value [1, NaN, 3]", [1, np.nan, 3], [0, np.nan, 1]),
        ("a constant column with a missing value [7, NaN, 7]", [7, np.nan, 7], [0, np.nan, 0]),
    ]
    for description, raw, want in cases:
        with case(description):
            result = scale_to_unit(pd.Series(raw))
            _expect_series(result, "one scaled value per input value")
            got = _values(result)
            expected = [float(w) for w in want]
            expect(_same(got, expected), f"returned {_shown(got)}, expected {_shown(expected)}")
    with case("a column indexed by customer ('a', 'b', 'c')"):
        values = pd.Series([10.0, 30.0, 20.0], index=["a", "b", "c"])
        result = scale_to_unit(values)
        _expect_series(result, "indexed like its input")
        expect(
            list(result.index) == ["a", "b", "c"],
            f"the index became {list(result.index)}; rows must stay with their customers",
        )
        expect(_same(_values(result), [0.0, 1.0, 0.5]), f"returned {_shown(_values(result))}")
    with case("a column that must not be modified [5, 1, 3]"):
        values = pd.Series([5.0, 1.0, 3.0])
        scale_to_unit(values)
        expect(
            _values(values) == [5.0, 1.0, 3.0],
            f"the input became {_shown(_values(values))}; return a new Series instead",
        )


@check(
    "02.2",
    points=2,
    needs=("impute_median",),
    hint=(
        "Copy the frame; for each named column take values.median() (it skips NaN), raise "
        "ValueError when that is NaN (no values), and fill with frame[name].fillna(median)."
    ),
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
    with case("a column that is not named (calls, when only bill is imputed)"):
        out = impute_median(skewed.copy(), ["bill"])
        got = _values(out["calls"])
        expect(
            _same(got, [1, np.nan, 3, 2, np.nan]),
            f"calls became {_shown(got)}; columns not named must stay as they were",
        )
        expect(
            out["note"].isna().tolist() == [False, True, False, False, False],
            "the text column note changed; columns not named must stay as they were",
        )
    with case("the input frame, which must not be modified"):
        frame = skewed.copy()
        impute_median(frame, ["bill", "calls"])
        expect(
            int(frame["bill"].isna().sum()) == 1 and int(frame["calls"].isna().sum()) == 2,
            "the input frame was filled in place; return a filled copy instead",
        )
    with case("a column with no missing values [4, 2, 9]"):
        out = impute_median(pd.DataFrame({"x": [4.0, 2.0, 9.0]}), ["x"])
        expect(_same(_values(out["x"]), [4, 2, 9]), f"x became {_shown(_values(out['x']))}")
    with case("an index of customer ids ('c1', 'c2', 'c3')"):
        frame = pd.DataFrame({"x": [1.0, np.nan, 5.0]}, index=["c1", "c2", "c3"])
        out = impute_median(frame, ["x"])
        expect(list(out.index) == ["c1", "c2", "c3"], f"the index became {list(out.index)}")
        expect(_same(_values(out["x"]), [1, 3, 5]), f"x became {_shown(_values(out['x']))}")
    with case("a column with no values at all [NaN, NaN]"):
        frame = pd.DataFrame({"x": [np.nan, np.nan]})
        try:
            out = impute_median(frame, ["x"])
        except ValueError:
            pass
        else:
            got = _values(out["x"]) if isinstance(out, pd.DataFrame) else []
            raise CheckFailed(
                f"returned a frame with x = {_shown(got)} instead of raising ValueError; "
                "there is no median to fill with"
            )


# ---------------------------------------------------------------------------
# 02.3 and 02.4: the learner's test suites, run against right and broken code.
# ---------------------------------------------------------------------------

_HEADER = '''\
import numpy as np
import pandas as pd


def scale_to_unit(values):
    """The implementation under test (put here by the checkpoint)."""
    values = pd.Series(values).astype(float)
    low, high = values.min(), values.max()
{body}
'''

_CORRECT = """\
    if high > low:
        return (values - low) / (high - low)
    return values.where(values.isna(), 0.0)"""

#: Broken versions of scale_to_unit a good suite must catch: {file stem: (what is wrong, body)}.
MUTANTS: dict[str, tuple[str, str]] = {
    "no_scaling": ("returns the values unscaled", "    return values"),
    "divide_by_max": (
        "divides by the maximum (the minimum does not become 0)",
        "    return values / high",
    ),
    "reversed": (
        "maps the minimum to 1 and the maximum to 0",
        "    if high > low:\n        return (high - values) / (high - low)\n"
        "    return values.where(values.isna(), 0.0)",
    ),
    "constant_nan": (
        "gives NaN for a constant column (0 / 0)",
        "    return (values - low) / (high - low)",
    ),
    "fills_nan": (
        "turns missing values into 0.0",
        "    if high > low:\n        return ((values - low) / (high - low)).fillna(0.0)\n"
        "    return values.where(values.isna(), 0.0).fillna(0.0)",
    ),
    "drops_nan": (
        "drops missing values (the result is shorter than the input)",
        "    if high > low:\n        return ((values - low) / (high - low)).dropna()\n"
        "    return values.where(values.isna(), 0.0).dropna()",
    ),
}

#: Broken versions that hide from a few hand-picked examples, for the property tests.
PROPERTY_MUTANTS: dict[str, tuple[str, str]] = {
    "constant_nan": MUTANTS["constant_nan"],
    "divide_by_abs_max": (
        "divides by the largest absolute value (negative inputs give negative outputs)",
        "    top = values.abs().max()\n    return values / top if top > 0 else values * 0.0",
    ),
    "short_of_one": (
        "divides by (max - min + 1), so the maximum never reaches 1",
        "    return (values - low) / (high - low + 1)",
    ),
}

# A fixed hypothesis seed, so that a learner's property tests find the same examples
# every time.
_ARGS = ("--hypothesis-seed=0",)
# Object addresses would make a failure line differ between runs.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _module(body: str, tests: str) -> str:
    # `from __future__` imports must come first in a module: move them above the header.
    lines = tests.splitlines()
    future = [line for line in lines if line.startswith("from __future__")]
    rest = [line for line in lines if not line.startswith("from __future__")]
    return "\n".join([*future, _HEADER.format(body=body), *rest]) + "\n"


def _suites(tests: str, mutants: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    files = {"test_correct.py": _module(_CORRECT, tests)}
    files.update({f"test_{name}.py": _module(body, tests) for name, (_, body) in mutants.items()})
    return files


def _outcomes(run: PytestRun, stem: str) -> list[tuple[str, str, str]]:
    found = []
    for test in run.tests:
        file, _, name = test.name.partition("::")
        if file in (f"{stem}.py", stem) or (not name and stem in file):
            found.append((name or file, test.outcome, _ADDRESS.sub("", test.message)))
    return found


def _judge(tests: object, mutants: Mapping[str, tuple[str, str]], what: str) -> None:
    with case(f"your {what} string"):
        expect(isinstance(tests, str), f"{what} is a {type(tests).__name__}, not a string")
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
    run = run_pytest(_suites(str(tests), mutants), *_ARGS, show=False, timeout=60)
    with case(f"your {what} on a correct scale_to_unit"):
        correct = _outcomes(run, "test_correct")
        expect(
            correct,
            "pytest collected no tests; write module-level functions whose names start with test_",
        )
        for name, outcome, message in correct:
            expect(
                outcome == "passed",
                f"{name} {outcome}"
                + (f" ({message})" if message else "")
                + "; a test must pass on correct code",
            )
    for stem, (wrong, _) in mutants.items():
        with case(f"your {what} on a scale_to_unit that {wrong}"):
            outcomes = _outcomes(run, f"test_{stem}")
            expect(
                any(outcome in ("failed", "error") for _, outcome, _ in outcomes),
                "every test passed, so this bug would reach production; add a test that fails "
                "on it",
            )


@check(
    "02.3",
    points=3,
    needs=("TESTS",),
    hint=(
        "Cover each rule of the contract with one test: the range [0, 1], minimum -> 0 and "
        "maximum -> 1, a constant column -> all 0.0, NaN stays NaN at its position, same length "
        "and index. Call scale_to_unit(pd.Series([...])) directly; do not define or import it."
    ),
    defined_in="the cell under 'Exercise 3'",
)
def tests_catch_broken_implementations(tests: object) -> None:
    """``TESTS`` passes on a correct ``scale_to_unit`` and fails on each broken version."""
    _judge(tests, MUTANTS, "TESTS")


@check(
    "02.4",
    points=2,
    needs=("PROPERTIES",),
    hint=(
        "Use @given(st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, "
        "max_size=30)) and assert properties that hold for EVERY list: all results in [0, 1] "
        "(NaN is not in [0, 1]), and the maximum maps to 1.0 unless all values are equal."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def properties_catch_hidden_bugs(properties: object) -> None:
    """``PROPERTIES`` uses hypothesis and catches bugs hand-picked examples may miss."""
    with case("your PROPERTIES string"):
        expect(isinstance(properties, str), "PROPERTIES is not a string")
        expect(
            "@given" in str(properties),
            "it has no @given test; property tests let hypothesis generate the inputs",
        )
    _judge(properties, PROPERTY_MUTANTS, "PROPERTIES")
