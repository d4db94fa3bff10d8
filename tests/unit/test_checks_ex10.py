"""Exercise 10's checkpoints: right answers pass, plausible wrong answers fail with a reason.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer that
only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mlcicd.buildspec import Buildspec, BuildspecBuilder
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden
from mlcicd.course.pytest_run import PytestRun
from mlcicd.pipeline import Execution, Pipeline, Stage, ml_pipeline, simulate

ROLE = "arn:aws:iam::123456789012:role/codepipeline-service"

# Right answers ----------------------------------------------------------------

UNIT_TESTS = """
import pandas as pd
from features import normalize_features


def frame():
    return pd.DataFrame({"tenure_months": [2.0, 5.0, 8.0], "monthly_charges": [30.0, 30.0, 30.0]})


def test_range():
    out = normalize_features(frame())
    assert out["tenure_months"].min() == 0.0
    assert out["tenure_months"].max() == 1.0


def test_constant():
    assert (normalize_features(frame())["monthly_charges"] == 0.0).all()


def test_input_unchanged():
    original = frame()
    before = original.copy()
    normalize_features(original)
    pd.testing.assert_frame_equal(original, before)
"""

# Written differently: explicit columns, parametrize, a fixture.
UNIT_TESTS_PARAMETRIZED = """
import pandas as pd
import pytest
from features import normalize_features


@pytest.fixture
def data():
    return pd.DataFrame({"x": [-4.0, 0.0, 6.0], "c": [7, 7, 7]})


@pytest.mark.parametrize("bound,expected", [("min", 0.0), ("max", 1.0)])
def test_bounds(data, bound, expected):
    out = normalize_features(data, columns=["x", "c"])
    assert getattr(out["x"], bound)() == expected


def test_constant(data):
    assert normalize_features(data, columns=["c"])["c"].tolist() == [0.0, 0.0, 0.0]


def test_input_kept(data):
    kept = data.copy()
    normalize_features(data, columns=["x"])
    assert data.equals(kept)
"""


def capstone_buildspec() -> Buildspec:
    return (
        BuildspecBuilder()
        .build("python -m pytest tests/unit --junitxml=reports/unit.xml")
        .report("unit", files=["unit.xml"], base_directory="reports", file_format="JUNITXML")
        .build_spec()
    )


def capstone_pipeline() -> Pipeline:
    return ml_pipeline(role_arn=ROLE, artifact_bucket="churn-artifacts")


def simulate_change(test_run: PytestRun) -> Execution:
    green = test_run.exit_code == 0 and bool(test_run.tests)
    return simulate(capstone_pipeline(), outcomes={} if green else {"UnitTests": "Failed"})


def where_it_stopped(execution: Execution) -> str | None:
    failed = [s.stage_name for s in execution.stages if s.status == "Failed"]
    return failed[0] if failed else None


# Tests the range only on a column that starts at 0, where x / max is right too.
RANGE_FROM_ZERO_ONLY = """
import pandas as pd
from features import normalize_features


def test_range():
    out = normalize_features(pd.DataFrame({"tenure_months": [0.0, 5.0, 10.0]}))
    assert out["tenure_months"].tolist() == [0.0, 0.5, 1.0]
"""

# 10.1 -------------------------------------------------------------------------


@pytest.mark.parametrize("tests", [UNIT_TESTS, UNIT_TESTS_PARAMETRIZED], ids=["plain", "param"])
def test_10_1_passes_tests_that_catch_every_bug(tests: str) -> None:
    assert evaluate("10.1", {"UNIT_TESTS": tests}) == (True, "Checkpoint 10.1 passed (3/3 points)")


def _without(test_name: str) -> str:
    head, _, rest = UNIT_TESTS.partition(f"def {test_name}():")
    _, _, tail = rest.partition("\n\n\n")
    return head + tail


@pytest.mark.parametrize(
    ("tests", "problem"),
    [
        (RANGE_FROM_ZERO_ONLY, "divides by the maximum only"),
        (
            _without("test_input_unchanged"),
            "a hidden case failed: your tests check that the frame passed in is left unchanged",
        ),
        (
            UNIT_TESTS + "\n\ndef test_wrong():\n    assert 1 == 2\n",
            "test_wrong failed on the right implementation",
        ),
        (
            "import featurs\n\ndef test_x():\n    pass\n",
            "could not collect your tests: ModuleNotFoundError: No module named 'featurs'",
        ),
        ("x = 1\n", "at least one `def test_"),
    ],
    ids=["no-range", "no-input", "always-fails", "bad-import", "no-tests"],
)
def test_10_1_fails_tests_that_miss_a_bug(tests: str, problem: str) -> None:
    passed, line = evaluate("10.1", {"UNIT_TESTS": tests})
    assert not passed
    assert line.startswith("Checkpoint 10.1 failed (0/3 points)")
    assert problem in line


def test_10_1_cannot_run_without_the_tests() -> None:
    passed, line = evaluate("10.1", {})
    assert not passed
    assert "cannot run yet" in line and "`UNIT_TESTS`" in line


# 10.2 -------------------------------------------------------------------------


def test_10_2_passes_a_buildspec_that_runs_and_reports_the_tests() -> None:
    assert evaluate("10.2", {"capstone_buildspec": capstone_buildspec}) == (
        True,
        "Checkpoint 10.2 passed (2/2 points)",
    )


_PYTEST = "python -m pytest tests/unit --junitxml=reports/unit.xml"
_REPORT = {"files": ["unit.xml"], "base_directory": "reports", "file_format": "JUNITXML"}


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: BuildspecBuilder().build(_PYTEST).build_spec(), "BS039"),
        (
            lambda: BuildspecBuilder().build(_PYTEST + " || true").report("unit", **_REPORT),
            "it returned a BuildspecBuilder",
        ),
        (
            lambda: (
                BuildspecBuilder()
                .build(_PYTEST + " || true")
                .report("unit", **_REPORT)
                .build_spec()
            ),
            "the build SUCCEEDED although a unit test failed",
        ),
    ],
    ids=["no-report", "no-build-spec", "or-true"],
)
def test_10_2_fails_a_wrong_buildspec(make: Callable[[], object], problem: str) -> None:
    passed, line = evaluate("10.2", {"capstone_buildspec": make})
    assert not passed
    assert problem in line


# 10.3 -------------------------------------------------------------------------


def test_10_3_passes_the_ml_pipeline() -> None:
    assert evaluate("10.3", {"capstone_pipeline": capstone_pipeline}) == (
        True,
        "Checkpoint 10.3 passed (2/2 points)",
    )


def _without_stages(*names: str) -> Callable[[], Pipeline]:
    def make() -> Pipeline:
        full = capstone_pipeline()
        stages = tuple(s for s in full.stages if s.name not in names)
        return Pipeline(
            name=full.name,
            role_arn=full.role_arn,
            stages=stages,
            artifact_store=full.artifact_store,
            pipeline_type=full.pipeline_type,
        )

    return make


def _deploy_first() -> Pipeline:
    full = capstone_pipeline()
    by_name = {s.name: s for s in full.stages}
    order = ("Source", "DeployStaging", "Build", "Test", "Approval", "E2E", "DeployProduction")
    stages: tuple[Stage, ...] = tuple(by_name[name] for name in order)
    return Pipeline(
        name=full.name,
        role_arn=full.role_arn,
        stages=stages,
        artifact_store=full.artifact_store,
        pipeline_type=full.pipeline_type,
    )


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (lambda: "churn-ml", "it returned a str"),
        (_deploy_first, "validate(capstone_pipeline())"),
    ],
    ids=["not-a-pipeline", "deploy-before-build"],
)
def test_10_3_fails_a_pipeline_without_a_gate(make: Callable[[], object], problem: str) -> None:
    passed, line = evaluate("10.3", {"capstone_pipeline": make})
    assert not passed
    assert problem in line


# 10.4 -------------------------------------------------------------------------


def test_10_4_passes_a_simulation_gated_on_green_runs() -> None:
    names = {"simulate_change": simulate_change, "capstone_pipeline": capstone_pipeline}
    assert evaluate("10.4", names) == (True, "Checkpoint 10.4 passed (3/3 points)")


def _gated_on(green: Callable[[PytestRun], bool]) -> Callable[[PytestRun], Execution]:
    def change(test_run: PytestRun) -> Execution:
        outcomes = {} if green(test_run) else {"Build.UnitTests": "Failed"}
        return simulate(capstone_pipeline(), outcomes=outcomes)

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_gated_on(lambda run: True), "1 of 3 tests failed: the execution Succeeded"),
        (_gated_on(lambda run: False), "all 3 tests passed: the execution Failed"),
        (lambda run: simulate(capstone_pipeline()).to_dict(), "returned a dict"),
        (
            lambda run: simulate(capstone_pipeline(), approvals="reject"),
            "all 3 tests passed: the execution Failed",
        ),
    ],
    ids=["always-green", "always-red", "dict", "rejects"],
)
def test_10_4_fails_a_wrong_gate(change: Callable[[PytestRun], object], problem: str) -> None:
    names = {"simulate_change": change, "capstone_pipeline": capstone_pipeline}
    passed, line = evaluate("10.4", names)
    assert not passed
    assert problem in line


def test_10_4_names_both_missing_functions() -> None:
    passed, line = evaluate("10.4", {})
    assert not passed
    assert "`simulate_change`, `capstone_pipeline` are not defined" in line


# 10.5 -------------------------------------------------------------------------


def test_10_5_passes_the_first_failed_stage() -> None:
    assert evaluate("10.5", {"where_it_stopped": where_it_stopped}) == (
        True,
        "Checkpoint 10.5 passed (1/1 points)",
    )


def _first_not_run(execution: Execution) -> str | None:
    return next((s.stage_name for s in execution.stages if s.status == "NotRun"), None)


def _last_stage(execution: Execution) -> str | None:
    return execution.stages[-1].stage_name


@pytest.mark.parametrize(
    ("reader", "problem"),
    [
        (_first_not_run, "Build.UnitTests failed: it returned 'Test', not 'Build'"),
        (_last_stage, "everything succeeded: it returned 'DeployProduction', not None"),
        (lambda execution: execution.status, "returned 'Succeeded', not None"),
    ],
    ids=["first-not-run", "last-stage", "status"],
)
def test_10_5_fails_a_wrong_reading(reader: Callable[[Execution], object], problem: str) -> None:
    passed, line = evaluate("10.5", {"where_it_stopped": reader})
    assert not passed
    assert problem in line


# The learner's release: public cases only ---------------------------------------


def _stub(*args: object) -> None:
    raise NotImplementedError("replace this line with your code")


#: Checkpoint to (the reference answers it needs, its points).
GOOD: dict[str, tuple[dict[str, Any], int]] = {
    "10.1": ({"UNIT_TESTS": UNIT_TESTS}, 3),
    "10.2": ({"capstone_buildspec": capstone_buildspec}, 2),
    "10.3": ({"capstone_pipeline": capstone_pipeline}, 2),
    "10.4": ({"simulate_change": simulate_change, "capstone_pipeline": capstone_pipeline}, 3),
    "10.5": ({"where_it_stopped": where_it_stopped}, 1),
}


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    answers, points = GOOD[checkpoint_id]
    # Exercise 1's stub is a cell that raises, so UNIT_TESTS is never set.
    stubs = {} if checkpoint_id == "10.1" else dict.fromkeys(answers, _stub)

    with public_checks("10"):
        right = evaluate(checkpoint_id, answers)
        passed, line = evaluate(checkpoint_id, stubs)

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert "a hidden case" not in line
    if checkpoint_id == "10.1":
        assert line.startswith("Checkpoint 10.1 cannot run yet (0/3 points): `UNIT_TESTS`")
    else:
        assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): ")
        assert "not written yet" in line


def _stops_in_build_only(execution: Execution) -> str | None:
    """Fitted to the public executions: any failure is the unit tests' Build stage."""
    return "Build" if execution.status == "Failed" else None


# (checkpoint, the answers, the rule the graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "10.1",
        {"UNIT_TESTS": _without("test_constant")},
        "your tests check that a constant column becomes all 0.0",
        "NaN",
    ),
    (
        "10.2",
        {
            "capstone_buildspec": lambda: (
                BuildspecBuilder()
                .build("python -m pytest tests/unit --junitxml=reports/other.xml")
                .report("unit", **_REPORT)
                .build_spec()
            )
        },
        "the JUnit report CodeBuild reads holds every test case the run ran, the failed one "
        "counted as failed",
        "0 test cases",
    ),
    (
        "10.3",
        {"capstone_pipeline": _without_stages("DeployStaging", "E2E", "DeployProduction")},
        "it deploys, and a CodeBuild test action runs in a stage before the first deploy stage",
        "no Deploy action",
    ),
    (
        "10.4",
        {
            "simulate_change": _gated_on(lambda run: run.count("failed") == 0),
            "capstone_pipeline": capstone_pipeline,
        },
        "a run whose tests did not all pass (an error counts too) deploys nothing",
        "setup",
    ),
    (
        "10.4",
        {
            "simulate_change": _gated_on(lambda run: run.failed == 0),
            "capstone_pipeline": capstone_pipeline,
        },
        "a run that ran no test deploys nothing",
        "exit code 5",
    ),
    (
        "10.5",
        {"where_it_stopped": _stops_in_build_only},
        "the stage named is the first one whose status is Failed, wherever that is",
        "DataTests",
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "answers", "rule", "hidden_input"),
    HIDDEN_ONLY,
    ids=[f"{case[0]}-{i}" for i, case in enumerate(HIDDEN_ONLY)],
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    checkpoint_id: str, answers: dict[str, Any], rule: str, hidden_input: str
) -> None:
    points = GOOD[checkpoint_id][1]
    with public_checks("10"):
        public = evaluate(checkpoint_id, answers)

    passed, line = evaluate(checkpoint_id, answers)

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("10")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case" not in public
    assert "impl_constant_nan" not in public  # the hidden mutants go with their cases
    assert "impl_mutates_input" not in public
    compile(public, str(path), "exec")
