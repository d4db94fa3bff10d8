"""Exercise 02's checkpoints: right answers pass, plausible wrong ones fail with a useful line.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer
that only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import nullcontext

import numpy as np
import pandas as pd
import pytest
from checkpoint_mutants import Wrong, mutant_tests

from mlcicd.course.checkpoint import evaluate, get_check
from mlcicd.course.checks import ex02
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden
from mlcicd.course.pytest_run import PytestRun, TestOutcome, run_pytest


def stub(*_: object) -> object:
    raise NotImplementedError("replace this line with your code")


def hidden_rule(rule: str) -> str:
    """The text a graded line shows when the hidden case of ``rule`` fails."""
    return f"a hidden case failed: {rule}. Hint: "


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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [scale, scale_numpy], ids=["pandas", "numpy"])
def test_02_1_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("02") if public else nullcontext():
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
        (lambda v: scale(v).tolist(), "returned a list, expected a pandas Series"),
        (stub, "not written yet"),
    ],
    ids=["divide by max", "list", "stub"],
)
def test_02_1_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("02") if public else nullcontext():
            passed, line = evaluate("02.1", {"scale_to_unit": function})
        assert not passed
        assert line.startswith("Checkpoint 02.1 failed (0/2 points): ")
        assert expected in line


def scale_constant_zeros(values: pd.Series) -> pd.Series:
    # The bug: a constant column becomes 0.0 everywhere, its missing values too.
    if values.max() > values.min():
        return scale(values)
    return pd.Series(0.0, index=values.index)


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (
            lambda v: (v - v.min()) / (v.max() - v.min()),
            "a constant column (all values equal) scales to 0.0",
            "[3, 3, 3]",
        ),
        (
            lambda v: scale(v).fillna(0.0),
            "a missing value stays missing, in its place",
            "[1, NaN, 3]",
        ),
        (
            scale_constant_zeros,
            "a constant column with a missing value keeps it missing and scales the rest to 0.0",
            "[7, NaN, 7]",
        ),
        (
            lambda v: scale(v).reset_index(drop=True),
            "the result keeps the input's index, each row with its own value",
            "'a', 'b', 'c'",
        ),
        (scale_in_place, "the input column is not modified", "[5, 1, 3]"),
    ],
    ids=["constant NaN", "fills NaN", "constant fills NaN", "loses index", "mutates"],
)
def test_02_1_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    with public_checks("02"):
        assert evaluate("02.1", {"scale_to_unit": function})[0]
    passed, line = evaluate("02.1", {"scale_to_unit": function})
    assert not passed
    assert hidden_rule(rule) in line
    assert hidden_input not in line


def test_02_1_missing_name() -> None:
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


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
@pytest.mark.parametrize("function", [impute, impute_assign], ids=["loop", "dict"])
def test_02_2_right_answers_pass(function: Callable[..., object], public: bool) -> None:
    with public_checks("02") if public else nullcontext():
        assert evaluate("02.2", {"impute_median": function}) == (
            True,
            "Checkpoint 02.2 passed (2/2 points)",
        )


def impute_reindexed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return impute(frame.reset_index(drop=True), columns)


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (impute_mean, "bill became [10, 20, 265, 30, 1000], expected [10, 20, 25, 30, 1000]"),
        (lambda frame, columns: frame["bill"], "returned a Series, not a DataFrame"),
        # Missing values are written NaN, as in the case descriptions.
        (
            lambda frame, columns: impute(frame, columns[:1]),
            "calls became [1, NaN, 3, 2, NaN], expected [1, 2, 3, 2, 2]",
        ),
        (stub, "not written yet"),
    ],
    ids=["mean", "a Series", "first column only", "stub"],
)
def test_02_2_wrong_answers_name_the_public_case(
    function: Callable[..., object], expected: str
) -> None:
    for public in (True, False):
        with public_checks("02") if public else nullcontext():
            passed, line = evaluate("02.2", {"impute_median": function})
        assert not passed
        assert expected in line


@pytest.mark.parametrize(
    ("function", "rule", "hidden_input"),
    [
        (impute_in_place, "the input frame is not modified", "bill"),
        (
            impute_everything,
            "columns that are not named stay as they were, text columns included",
            "calls",
        ),
        (impute_reindexed, "the result keeps the input's index, each row with its own value", "c1"),
        (impute_no_raise, "a column with no values at all raises ValueError", "[NaN, NaN]"),
    ],
    ids=["in place", "all columns", "loses index", "no ValueError"],
)
def test_02_2_wrong_answers_only_a_hidden_case_catches(
    function: Callable[..., object], rule: str, hidden_input: str
) -> None:
    with public_checks("02"):
        assert evaluate("02.2", {"impute_median": function})[0]
    passed, line = evaluate("02.2", {"impute_median": function})
    assert not passed
    assert hidden_rule(rule) in line
    assert hidden_input not in line


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


def test_nan_stays_and_the_rest_is_scaled():
    out = scale_to_unit(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1])
    assert out.iloc[0] == 0.0 and out.iloc[2] == 1.0
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


# --- 02.3 and 02.4: the broken versions are broken, the correct one is right ----

SAMPLES = [
    pd.Series([-5.0, 0.0, 10.0]),
    pd.Series([3.0, 1.0, 2.0]),
    pd.Series([4.0, 4.0, 4.0]),
    pd.Series([1.0, np.nan, 3.0]),
]


def implementation(body: str) -> Callable[[pd.Series], object]:
    """The scale_to_unit a checkpoint puts in front of a learner's tests, with ``body``."""
    namespace: dict[str, object] = {}
    exec(ex02._module(body, ""), namespace)
    return namespace["scale_to_unit"]  # type: ignore[return-value]


def same(got: object, want: pd.Series) -> bool:
    return (
        isinstance(got, pd.Series)
        and len(got) == len(want)
        and np.allclose(got.to_numpy(dtype=float), want.to_numpy(dtype=float), equal_nan=True)
    )


@pytest.mark.parametrize(
    ("stem", "body"),
    [
        (stem, body)
        for table in (
            ex02.MUTANTS,
            ex02.PROPERTY_MUTANTS,
            ex02.HIDDEN_MUTANTS,
            ex02.HIDDEN_PROPERTY_MUTANTS,
        )
        for stem, (_, body) in table.items()
    ],
)
def test_02_3_and_02_4_each_broken_version_runs_and_is_wrong(stem: str, body: str) -> None:
    broken = implementation(body)

    results = [broken(sample) for sample in SAMPLES]  # raises if the code does not even run

    assert not all(same(got, scale(sample)) for got, sample in zip(results, SAMPLES, strict=True))


def test_02_3_the_correct_version_is_correct() -> None:
    correct = implementation(ex02._CORRECT)

    for sample in SAMPLES:
        assert same(correct(sample), scale(sample))


# --- 02.3 and 02.4: the judging, on canned pytest results (fast) ---------------


def fake_run(outcomes: dict[str, str], seen: list[str] | None = None) -> Callable[..., PytestRun]:
    """Return a run_pytest stand-in: every file's test_a gets the outcome given for its stem.

    Files not named in ``outcomes`` fail (a good suite fails on broken code); test_correct
    passes unless named. The file names run are appended to ``seen``.
    """

    def run(files: dict[str, str], *args: str, **kwargs: object) -> PytestRun:
        if seen is not None:
            seen.extend(files)
        default = {"test_correct": "passed"}
        tests = tuple(
            TestOutcome(
                f"{name}::test_a", outcomes.get(name[:-3], default.get(name[:-3], "failed")), "boom"
            )
            for name in files
        )
        return PytestRun(1, tests, "")

    return run


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "value", "mutants"),
    [
        ("02.3", "TESTS", TESTS, ex02.MUTANTS),
        ("02.4", "PROPERTIES", PROPERTIES, ex02.PROPERTY_MUTANTS),
    ],
)
def test_02_3_and_02_4_public_cases_run_only_the_public_broken_versions(
    monkeypatch: pytest.MonkeyPatch, checkpoint_id: str, name: str, value: str, mutants: dict
) -> None:
    seen: list[str] = []
    with public_checks("02") as module:
        monkeypatch.setattr(module, "run_pytest", fake_run({}, seen))
        assert evaluate(checkpoint_id, {name: value})[0]
        assert not evaluate(checkpoint_id, {})[0]  # the stub cell defines no string

    assert sorted(seen) == sorted(f"test_{stem}.py" for stem in mutants)


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (
            {"test_no_scaling": "passed"},
            "your TESTS on a scale_to_unit that returns the values unscaled: every test passed",
        ),
        (
            {"test_constant_nan": "passed"},
            hidden_rule("TESTS catches a scale_to_unit that gives NaN for a constant column"),
        ),
        (
            {"test_correct": "failed"},
            hidden_rule("every test in TESTS passes on a correct scale_to_unit"),
        ),
    ],
    ids=["a public mutant survives", "a hidden mutant survives", "fails on correct code"],
)
def test_02_3_weak_or_wrong_suites_fail(
    monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, str], expected: str
) -> None:
    monkeypatch.setattr(ex02, "run_pytest", fake_run(outcomes))
    passed, line = evaluate("02.3", {"TESTS": TESTS})
    assert not passed
    assert expected in line


def test_02_3_a_suite_failing_on_correct_code_passes_only_the_public_cases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    always_fails = "def test_a():\n    assert scale_to_unit is None\n"
    outcomes = {"test_correct": "failed"}
    with public_checks("02") as module:
        monkeypatch.setattr(module, "run_pytest", fake_run(outcomes))
        assert evaluate("02.3", {"TESTS": always_fails}) == (
            True,
            "Checkpoint 02.3 passed (3/3 points)",
        )
    monkeypatch.setattr(ex02, "run_pytest", fake_run(outcomes))
    passed, line = evaluate("02.3", {"TESTS": always_fails})

    assert not passed
    assert hidden_rule("every test in TESTS passes on a correct scale_to_unit") in line
    assert "values.where" not in line and "test_a" not in line


@pytest.mark.parametrize("public", [True, False], ids=["public", "graded"])
def test_02_3_no_tests_collected(monkeypatch: pytest.MonkeyPatch, public: bool) -> None:
    with public_checks("02") if public else nullcontext(ex02) as module:
        monkeypatch.setattr(module, "run_pytest", lambda *a, **k: PytestRun(5, (), ""))
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


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        (
            {"test_divide_by_abs_max": "passed"},
            "your PROPERTIES on a scale_to_unit that divides by the largest absolute value "
            "(negative inputs give negative outputs): every test passed",
        ),
        (
            {"test_short_of_one": "passed"},
            hidden_rule("PROPERTIES catches a scale_to_unit that never maps the maximum to 1"),
        ),
    ],
    ids=["public", "hidden"],
)
def test_02_4_a_surviving_property_mutant_is_named(
    monkeypatch: pytest.MonkeyPatch, outcomes: dict[str, str], expected: str
) -> None:
    monkeypatch.setattr(ex02, "run_pytest", fake_run(outcomes))
    line = evaluate("02.4", {"PROPERTIES": PROPERTIES})[1]
    assert expected in line
    assert "high - low + 1" not in line


@pytest.mark.parametrize("checkpoint_id", ["02.3", "02.4"])
def test_02_3_and_02_4_need_hypothesis(checkpoint_id: str) -> None:
    # They pass --hypothesis-seed to pytest: without hypothesis the machine cannot grade them.
    assert get_check(checkpoint_id).requires == ("hypothesis",)


# --- mutation testing: each wrong answer fails its checkpoint, and only that one ----------


def scale_isclose(values: pd.Series) -> pd.Series:
    # The mistake: "all values equal" tested with np.isclose, so a small spread is lost.
    values = values.astype(float)
    low, high = values.min(), values.max()
    if np.isclose(high, low):
        return values.where(values.isna(), 0.0)
    return (values - low) / (high - low)


def scale_unique(values: pd.Series) -> pd.Series:
    # The mistake: unique() counts NaN as a value, so a constant column with a gap is 0 / 0.
    values = values.astype(float)
    if len(values.unique()) == 1:
        return values * 0.0
    return (values - values.min()) / (values.max() - values.min())


def impute_unnamed_error(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for name in columns:
        if frame[name].isna().all():
            raise ValueError("no values to take a median of")
        out[name] = frame[name].fillna(frame[name].median())
    return out


def impute_shortcut(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    # The mistake: nothing to fill, so the caller's own frame comes back.
    if not frame[columns].isna().any().any():
        return frame
    return impute(frame, columns)


def suite(*tests: str) -> str:
    """A learner's pytest module: the imports, then ``tests``."""
    head = "import math\n\nimport numpy as np\nimport pandas as pd\n\nf = scale_to_unit\n"
    return head + "".join(f"\n\n{test.strip()}\n" for test in tests)


RANGE = """
def test_range():
    assert f(pd.Series([-5.0, 0.0, 12.5])).between(0, 1).all()
"""
MIN_AND_MAX = """
def test_min_and_max():
    assert f(pd.Series([3.0, 1.0, 2.0])).tolist() == [1.0, 0.0, 0.5]
"""
CONSTANT = """
def test_constant():
    assert f(pd.Series([4.0, 4.0])).tolist() == [0.0, 0.0]
"""
NAN_IN_PLACE = """
def test_nan():
    out = f(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1])
    assert out.iloc[0] == 0.0 and out.iloc[2] == 1.0
"""

#: Suites that pass on a correct scaler but let a planted bug through: each misses the exact
#: assertion of one rule, or catches the blatant bugs by accident.
WEAK_SUITES = {
    "the NaN test checks only the NaN itself": suite(
        RANGE,
        MIN_AND_MAX,
        CONSTANT,
        """
def test_nan():
    out = f(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1])
""",
    ),
    "the constant test checks only that there is no NaN": suite(
        RANGE,
        MIN_AND_MAX,
        "def test_constant():\n    assert not f(pd.Series([4.0, 4.0])).isna().any()\n",
        NAN_IN_PLACE,
    ),
    "the constant test checks only the range": suite(
        RANGE,
        MIN_AND_MAX,
        "def test_constant():\n    assert f(pd.Series([4.0, 4.0])).between(0, 1).all()\n",
        NAN_IN_PLACE,
    ),
    "the minimum and maximum checked by value, not position": suite(
        RANGE,
        """
def test_min_and_max():
    out = f(pd.Series([3.0, 1.0, 2.0]))
    assert out.min() == 0.0 and out.max() == 1.0
""",
        CONSTANT,
        """
def test_nan():
    out = f(pd.Series([1.0, np.nan, 3.0, 2.0]))
    assert len(out) == 4 and math.isnan(out.iloc[1]) and not out.drop(1).isna().any()
""",
    ),
    "the maximum never asserted": suite(
        RANGE,
        "def test_min():\n    assert f(pd.Series([3.0, 1.0, 2.0])).iloc[1] == 0.0\n",
        CONSTANT,
        """
def test_nan():
    out = f(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1]) and out.iloc[0] == 0.0
""",
    ),
    "the minimum never asserted": suite(
        RANGE,
        "def test_max():\n    assert f(pd.Series([3.0, 1.0, 2.0])).iloc[0] == 1.0\n",
        CONSTANT,
        """
def test_nan():
    out = f(pd.Series([1.0, np.nan, 3.0]))
    assert len(out) == 3 and math.isnan(out.iloc[1]) and out.iloc[2] == 1.0
""",
    ),
    "no test with a missing value": suite(RANGE, MIN_AND_MAX, CONSTANT),
    "one test expects the NaN filled": suite(
        MIN_AND_MAX,
        CONSTANT,
        "def test_filled():\n    assert f(pd.Series([1.0, np.nan])).notna().all()\n",
    ),
}

PROPERTY_HEAD = """
import pandas as pd
from hypothesis import given, settings, strategies as st

FAST = settings(max_examples=50, deadline=None)
"""
ANY = "st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=30)"
IN_RANGE = "assert f.between(0.0, 1.0).all()"
MAX_IS_ONE = "if min(values) < max(values):\n        assert f.max() == 1.0"


def properties(strategy: str, *asserts: str) -> str:
    """A learner's PROPERTIES module: one property per assert, on columns from ``strategy``."""
    tests = "".join(
        f"\n\n@FAST\n@given({strategy})\ndef test_{i}(values):\n"
        f"    f = scale_to_unit(pd.Series(values))\n    {check}\n"
        for i, check in enumerate(asserts)
    )
    return PROPERTY_HEAD + tests


WEAK_PROPERTIES = {
    "only the lower bound (NaN slips through)": properties(
        ANY, "assert not (f < 0).any()", MAX_IS_ONE
    ),
    "only the upper bound": properties(ANY, "assert (f <= 1).all()", MAX_IS_ONE),
    "the range alone": properties(ANY, IN_RANGE),
    "the maximum alone": properties(ANY, MAX_IS_ONE),
    "the maximum at most 1, not exactly 1": properties(ANY, IN_RANGE, "assert f.max() <= 1.0"),
    "positive numbers only": properties(
        "st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=30)",
        IN_RANGE,
        MAX_IS_ONE,
    ),
    "no column of equal values": properties(
        "st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=2, max_size=30, unique=True)",
        IN_RANGE,
        MAX_IS_ONE,
    ),
    "a property false for a constant column": properties(ANY, IN_RANGE, "assert f.max() == 1.0"),
}

REFERENCE = {
    "scale_to_unit": scale,
    "impute_median": impute,
    "TESTS": TESTS,
    "PROPERTIES": PROPERTIES,
}
MUTANTS = [
    *(
        Wrong("02.1", mistake, {"scale_to_unit": function})
        for mistake, function in [
            ("divides by the maximum", lambda v: v / v.max()),
            ("a list", lambda v: scale(v).tolist()),
            ("a constant column gives NaN", lambda v: (v - v.min()) / (v.max() - v.min())),
            ("missing values filled", lambda v: scale(v).fillna(0.0)),
            ("a constant column's gap filled", scale_constant_zeros),
            ("the index lost", lambda v: scale(v).reset_index(drop=True)),
            ("the input modified", scale_in_place),
            ("np.isclose decides what is constant", scale_isclose),
            ("unique() counts NaN as a value", scale_unique),
        ]
    ),
    *(
        Wrong("02.2", mistake, {"impute_median": function})
        for mistake, function in [
            ("the mean", impute_mean),
            ("a Series", lambda frame, columns: frame["bill"]),
            ("the first column only", lambda frame, columns: impute(frame, columns[:1])),
            ("the input modified", impute_in_place),
            ("every column filled", impute_everything),
            ("the index lost", impute_reindexed),
            ("no ValueError", impute_no_raise),
            ("a ValueError that does not name the column", impute_unnamed_error),
            ("the caller's frame returned when nothing is missing", impute_shortcut),
        ]
    ),
    *(Wrong("02.3", mistake, {"TESTS": tests}) for mistake, tests in WEAK_SUITES.items()),
    Wrong(
        "02.3", "defines its own scale_to_unit", {"TESTS": "def scale_to_unit(v):\n    return v\n"}
    ),
    *(Wrong("02.4", mistake, {"PROPERTIES": props}) for mistake, props in WEAK_PROPERTIES.items()),
    Wrong("02.4", "examples, not properties", {"PROPERTIES": TESTS}),
]
(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("02", REFERENCE, MUTANTS)


NO_SHRINKING = """
from hypothesis import Phase, settings

settings.register_profile("no_shrinking", phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("no_shrinking")
"""


class OneProcess:
    """A stand-in for ``run_pytest`` that grades many suites with one pytest process.

    Each graded suite starts an interpreter (seconds); the mutant tests grade over a
    dozen. On first use this records the files every suite of ``namespaces`` would
    run (by grading it with a recorder), runs them all in one pytest process under
    distinct file names, and from then on answers each recorded set of files with
    its own tests' outcomes, named as a run of its own names them. Other files go to
    a real run. The judging in ex02 is untouched: it reads the same outcomes.
    """

    def __init__(self, namespaces: list[tuple[str, Mapping[str, object]]]) -> None:
        self.namespaces = namespaces
        self.answers: dict[tuple[frozenset[tuple[str, str]], tuple[str, ...]], PytestRun] = {}
        self.started = False

    def __call__(self, files: Mapping[str, str], *args: str, **kwargs: object) -> PytestRun:
        if not self.started:
            self.started = True
            self._run_all(args)
        found = self.answers.get((frozenset(files.items()), args))
        return found if found is not None else run_pytest(files, *args, **kwargs)  # type: ignore[arg-type]

    def _run_all(self, args: tuple[str, ...]) -> None:
        recorded: list[dict[str, str]] = []

        def record(files: Mapping[str, str], *_: object, **__: object) -> PytestRun:
            recorded.append(dict(files))
            return PytestRun(5, (), "")

        ex02.run_pytest = record  # type: ignore[assignment]
        try:
            for checkpoint_id, namespace in self.namespaces:
                evaluate(checkpoint_id, namespace)
        finally:
            ex02.run_pytest = self  # type: ignore[assignment]
        together = {
            f"test_s{i}__{name.removeprefix('test_')}": source
            for i, files in enumerate(recorded)
            for name, source in files.items()
        }
        # Shrinking a failing example to the smallest one changes the message, never whether
        # the test fails, and it is most of the time: skip it in this shared run.
        together["conftest.py"] = NO_SHRINKING
        run = run_pytest(
            together, *args, "--continue-on-collection-errors", show=False, timeout=600
        )
        for i, files in enumerate(recorded):
            prefix = f"test_s{i}__"
            tests = tuple(
                TestOutcome(t.name.replace(prefix, "test_", 1), t.outcome, t.message)
                for t in run.tests
                if t.name.startswith(prefix)
            )
            self.answers[(frozenset(files.items()), args)] = PytestRun(run.exit_code, tests, "")


@pytest.fixture(scope="module", autouse=True)
def one_pytest_process() -> Iterator[None]:
    """Grade this module's suites (the reference's and the wrong ones) in one pytest process."""
    namespaces = [
        (wrong.checkpoint, {**REFERENCE, **wrong.objects})
        for wrong in MUTANTS
        if wrong.checkpoint in ("02.3", "02.4")
    ]
    namespaces += [("02.3", REFERENCE), ("02.4", REFERENCE)]
    real = ex02.run_pytest
    ex02.run_pytest = OneProcess(namespaces)  # type: ignore[assignment]
    yield
    ex02.run_pytest = real


def test_one_process_grades_a_suite_as_its_own_process_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weak = WEAK_PROPERTIES["only the upper bound"]
    shared = evaluate("02.4", {"PROPERTIES": weak})
    monkeypatch.setattr(ex02, "run_pytest", run_pytest)
    assert evaluate("02.4", {"PROPERTIES": weak}) == shared
    assert "scales into [-1, 1] instead of [0, 1]" in shared[1]


#: The planted bug (or public rule) each weak suite lets through: what its line names.
LETS_THROUGH = {
    "the NaN test checks only the NaN itself": "turns every value NaN when one value is missing",
    "the constant test checks only that there is no NaN": "gives 0.5 for a constant column",
    "the constant test checks only the range": "gives 0.5 for a constant column",
    "the minimum and maximum checked by value, not position": "maps the minimum to 1",
    "the maximum never asserted": "never maps the maximum to 1",
    "the minimum never asserted": "never maps the minimum to 0",
    "no test with a missing value": "turns missing values into 0.0",
    "one test expects the NaN filled": "every test in TESTS passes on a correct scale_to_unit",
    "only the lower bound (NaN slips through)": "gives NaN for a constant column",
    "only the upper bound": "scales into [-1, 1] instead of [0, 1]",
    "the range alone": "never maps the maximum to 1",
    "the maximum alone": "gives NaN for a constant column",
    "the maximum at most 1, not exactly 1": "never maps the maximum to 1",
    "positive numbers only": "divides by the largest absolute value",
    "no column of equal values": "gives NaN for a constant column",
    "a property false for a constant column": "every test in PROPERTIES passes on a correct",
}


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "mistake"),
    [("02.3", "TESTS", mistake) for mistake in WEAK_SUITES]
    + [("02.4", "PROPERTIES", mistake) for mistake in WEAK_PROPERTIES],
)
def test_each_weak_suite_fails_on_the_rule_it_does_not_assert(
    checkpoint_id: str, name: str, mistake: str
) -> None:
    suites = WEAK_SUITES if name == "TESTS" else WEAK_PROPERTIES
    passed, line = evaluate(checkpoint_id, {name: suites[mistake]})
    assert not passed
    assert LETS_THROUGH[mistake] in line


# --- the learner's release -------------------------------------------------------


def test_the_stripped_module_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("02")
    source = path.read_text(encoding="utf-8")
    public = strip_hidden(source, str(path))

    assert "hidden_case(" in source
    assert "hidden_case(" not in public
    assert "_CORRECT" not in public and "HIDDEN_MUTANTS" not in public
    compile(public, str(path), "exec")
