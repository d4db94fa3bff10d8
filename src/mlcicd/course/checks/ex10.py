"""Checkpoints of exercise 10 (Capstone): public and hidden cases on the learner's objects.

The learner assembles the churn delivery pipeline from their own pieces:
unit tests for ``normalize_features`` (``UNIT_TESTS``), a buildspec that runs
them (``capstone_buildspec``), a pipeline that gates deployment on them
(``capstone_pipeline``), a simulation driven by a test run
(``simulate_change``) and a reading of its result (``where_it_stopped``).

10.1 runs the learner's tests once, in a fresh pytest, against a ``features``
module whose ``normalize_features`` is switched by an autouse fixture between
the right implementation (churn's own, as in the learner's notebook) and broken
ones, so one process shows both "passes on the right code" and "fails on each
broken one".

Public cases (they run in the learner's notebook, and the learner's copy of the
course holds only them):

* 10.1: the tests pass on the right ``normalize_features`` and catch one that
  divides by the maximum only.
* 10.2: the buildspec lints clean and fails the build, in its BUILD phase, on a
  project with a failing test.
* 10.3: ``capstone_pipeline()`` is a Pipeline that validates without errors.
* 10.4: a green test run deploys everything; a run with a failed test deploys nothing.
* 10.5: the stage of a green execution (None) and of one whose unit tests failed.

The other cases are hidden: they exist only where the instructor grades, and a
failing one names the rule it checks, not its input.
"""

from __future__ import annotations

import io
import os
import re
import sys
import tempfile
from pathlib import Path

from mlcicd.buildspec import Buildspec, dumps, lint_text, run_buildspec
from mlcicd.course import contain
from mlcicd.course.checkpoint import case, check, expect
from mlcicd.course.checks.support import environ
from mlcicd.course.pytest_run import PytestRun, TestOutcome, run_pytest
from mlcicd.pipeline import Execution, Pipeline, ml_pipeline, simulate, validate

# BEGIN HIDDEN CASES
# isort: split
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES

#: The broken implementations the public case of 10.1 runs the tests against: id to
#: (description, advice).
BROKEN: dict[str, tuple[str, str]] = {
    "impl_forgets_minimum": (
        "a normalize_features that divides by the maximum only (x / max)",
        "add a test on a column whose minimum is not 0 that expects the scaled minimum to be 0.0",
    ),
}

#: The code of each version of ``normalize_features`` in the features module, by id. The
#: right one is churn's own: what ``FEATURES`` in the learner's notebook imports.
_VARIANT_CODE: dict[str, str] = {
    "impl_correct": "from churn.preprocess import normalize_features as impl_correct\n",
    "impl_forgets_minimum": """
def impl_forgets_minimum(frame, columns=None):
    out = frame.copy()
    for name in _names(frame, columns):
        values = frame[name].astype(float)
        out[name] = values / values.max()
    return out
""",
}

# BEGIN HIDDEN CASES
_VARIANT_CODE.update(
    {
        "impl_constant_nan": """
def impl_constant_nan(frame, columns=None):
    out = frame.copy()
    for name in _names(frame, columns):
        values = frame[name].astype(float)
        out[name] = (values - values.min()) / (values.max() - values.min())
    return out
""",
        "impl_mutates_input": """
def impl_mutates_input(frame, columns=None):
    scaled = impl_correct(frame, columns)
    for name in _names(frame, columns):
        frame[name] = scaled[name]
    return frame
""",
    }
)

#: The broken implementations of the hidden cases: id to the rule a test must pin down.
HIDDEN_BROKEN: dict[str, str] = {
    "impl_constant_nan": "your tests check that a constant column becomes all 0.0",
    "impl_mutates_input": "your tests check that the frame passed in is left unchanged",
}
# END HIDDEN CASES

_FEATURES_HEAD = '''\
"""normalize_features, switched between the right and broken versions by conftest.py."""
from churn.schema import numeric_features

IMPLEMENTATION = "impl_correct"


def _names(frame, columns):
    if columns is not None:
        return list(columns)
    return [name for name in numeric_features() if name in frame.columns]
'''

_FEATURES_TAIL = '''

VARIANTS = {name: value for name, value in list(globals().items()) if name.startswith("impl_")}


def normalize_features(frame, columns=None):
    """Scale numeric columns into [0, 1] (or not, depending on IMPLEMENTATION)."""
    return VARIANTS[IMPLEMENTATION](frame, columns)
'''


def features_source() -> str:
    """The ``features`` module 10.1's tests import: every version, and the switch between them."""
    return _FEATURES_HEAD + "".join(_VARIANT_CODE.values()) + _FEATURES_TAIL


_CONFTEST = """\
import pytest

import features


@pytest.fixture(autouse=True, params=sorted(features.VARIANTS))
def _implementation(request):
    features.IMPLEMENTATION = request.param
    yield
    features.IMPLEMENTATION = "impl_correct"
"""

_VARIANT = re.compile(r"impl_[a-z_]+")


def _variant(test: TestOutcome) -> str:
    found = _VARIANT.search(test.name.split("::")[-1])
    return found.group(0) if found else "impl_correct"


def _first_error(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("E "):
            return line[1:].strip()
    return "see the output of run_pytest(...) for the details"


def _caught(run: PytestRun, variant: str) -> bool:
    """Whether a test of ``run`` failed (or errored) on the version ``variant``."""
    return any(_variant(t) == variant and t.outcome in ("failed", "error") for t in run.tests)


def _wrong_on_correct(test: TestOutcome | None, run: PytestRun) -> str:
    if test is None:
        return ""
    if "[" not in test.name:  # the module itself failed: an import or syntax error
        return f"pytest could not collect your tests: {_first_error(run.output)}"
    name = test.name.split("::")[-1].split("[")[0]
    return (
        f"{name} {test.outcome} on the right implementation ({test.message}); "
        "a test must pass when the code is right"
    )


@check(
    "10.1",
    points=3,
    needs=("UNIT_TESTS",),
    hint="Import normalize_features from the module `features`, then test the range "
    "(min 0.0, max 1.0 on a column that does not start at 0), a constant column (all 0.0) and "
    "that the input frame is left unchanged.",
    defined_in="the cell under 'Exercise 1'",
)
def tests_catch_broken_normalize(UNIT_TESTS: str) -> None:
    """The learner's unit tests pass on the right ``normalize_features`` and fail on broken ones."""
    with case("UNIT_TESTS"):
        expect(
            isinstance(UNIT_TESTS, str) and "def test" in UNIT_TESTS,
            "it must be a string holding a pytest module with at least one `def test_...`",
        )
    files = {
        "features.py": features_source(),
        "conftest.py": _CONFTEST,
        "test_features.py": UNIT_TESTS,
    }
    with case("your tests against the correct normalize_features"):
        with environ({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}):
            run = run_pytest(files, "-p", "no:randomly", show=False, timeout=60)
        expect(
            run.tests,
            f"pytest ran no test (exit code {run.exit_code}): {_first_error(run.output)}",
        )
        correct = [t for t in run.tests if _variant(t) == "impl_correct"]
        wrong = next((t for t in correct if t.outcome not in ("passed", "skipped")), None)
        expect(wrong is None, _wrong_on_correct(wrong, run))
    for variant, (description, advice) in BROKEN.items():
        with case(description):
            expect(_caught(run, variant), f"all your tests pass against it; {advice}")
    # BEGIN HIDDEN CASES
    for variant, rule in HIDDEN_BROKEN.items():
        with hidden_case(rule):
            expect(_caught(run, variant), "all the tests pass against it")
    # END HIDDEN CASES


#: Files of the project 10.2 builds: one passing and one failing unit test.
_PROJECT = {
    "tests/unit/test_math.py": (
        "def test_adds():\n    assert 1 + 1 == 2\n\n\ndef test_broken():\n    assert 1 + 1 == 3\n"
    ),
}


def _run_build(spec: Buildspec) -> tuple[str, int, int, str | None]:
    """Run ``spec`` on :data:`_PROJECT`; return status, JUnit cases, failed cases, failed phase."""
    with tempfile.TemporaryDirectory(prefix="ex10-") as folder:
        root = Path(folder)
        source = root / "src"
        for relative, text in _PROJECT.items():
            path = source / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (source / "requirements.txt").write_text("pytest\n")
        bin_dir = root / "bin"
        bin_dir.mkdir()
        stand_in = bin_dir / "pip"  # an install phase must not reach the package index
        stand_in.write_text("#!/bin/sh\nexit 0\n")
        stand_in.chmod(0o755)
        path = os.pathsep.join((str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]))
        result = run_buildspec(
            spec,
            source_dir=source,
            workdir=root / "work",
            env={"PATH": path, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
            output=io.StringIO(),
            command_timeout=60,
            build_id="ex10:check",
            shell_prefix=contain.prefix(root),  # the learner's commands: sandboxed when graded
        )
    junit = [r for r in result.reports if r.file_format == "JUNITXML"]
    cases = sum(r.total for r in junit)
    failed = sum(r.failed + r.errors for r in junit)
    phase = next((p.phase_type for p in result.phases if p.status not in (None, "SUCCEEDED")), None)
    return result.status, cases, failed, phase


@check(
    "10.2",
    points=2,
    needs=("capstone_buildspec",),
    hint="Run `python -m pytest tests/unit --junitxml=reports/unit.xml` in the build phase (no "
    "`|| true`), and add a report group that reads unit.xml from the base directory reports "
    "as JUNITXML.",
    defined_in="the cell under 'Exercise 2'",
)
def buildspec_runs_the_tests(capstone_buildspec: object) -> None:
    """The learner's buildspec lints clean, runs the unit tests and reports them as JUnit XML."""
    with case("capstone_buildspec()"):
        spec = capstone_buildspec()  # type: ignore[operator]
        expect(
            isinstance(spec, Buildspec),
            f"it returned a {type(spec).__name__}; return builder.build_spec()",
        )
    with case("linting dumps(capstone_buildspec())"):
        findings = lint_text(dumps(spec), path="buildspec.yml")
        expect(not findings, findings[0].format() if findings else "")
    with case("a project with one passing and one failing test in tests/unit"):
        status, cases, failed, phase = _run_build(spec)
        expect(
            status == "FAILED",
            f"the build {status} although a unit test failed; a failing test must fail the build "
            "(remove any `|| true`)",
        )
        expect(
            phase == "BUILD",
            f"the build failed in {phase}, not in BUILD; run the tests in the build phase",
        )
    # BEGIN HIDDEN CASES
    with hidden_case(
        "the JUnit report CodeBuild reads holds every test case the run ran, the failed one "
        "counted as failed"
    ):
        expect(cases == 2 and failed == 1, f"{cases} test cases, {failed} failed")
    # END HIDDEN CASES


def _deploy_actions(pipeline: Pipeline) -> list[tuple[str, str]]:
    return [
        (stage.name, action.name)
        for stage in pipeline.stages
        for action in stage.actions
        if action.action_type_id.category == "Deploy"
    ]


# BEGIN HIDDEN CASES


def _gate(pipeline: Pipeline) -> tuple[str, str] | None:
    """The first CodeBuild action in a stage before the first deploy stage, or None."""
    for stage in pipeline.stages:
        if any(a.action_type_id.category == "Deploy" for a in stage.actions):
            return None
        for action in stage.actions:
            if action.action_type_id.provider == "CodeBuild":
                return stage.name, action.name
    return None


# END HIDDEN CASES


@check(
    "10.3",
    points=2,
    needs=("capstone_pipeline",),
    hint="ml_pipeline(...) with ROLE_ARN and ARTIFACT_BUCKET gives a pipeline whose Build and "
    "Test stages run CodeBuild test actions before any Deploy stage.",
    defined_in="the cell under 'Exercise 3'",
)
def pipeline_gates_deploy(capstone_pipeline: object) -> None:
    """The learner's pipeline validates and no deploy runs unless a CodeBuild test action passed."""
    with case("capstone_pipeline()"):
        pipeline = capstone_pipeline()  # type: ignore[operator]
        expect(
            isinstance(pipeline, Pipeline),
            f"it returned a {type(pipeline).__name__}, not a Pipeline",
        )
    with case("validate(capstone_pipeline())"):
        errors = [f for f in validate(pipeline) if f.severity == "error"]
        expect(not errors, errors[0].format() if errors else "")
    # BEGIN HIDDEN CASES
    with hidden_case(
        "it deploys, and a CodeBuild test action runs in a stage before the first deploy stage"
    ):
        deploys = _deploy_actions(pipeline)
        expect(deploys, "it has no Deploy action")
        gate = _gate(pipeline)
        expect(gate is not None, "no CodeBuild test action runs before the first deploy stage")
    with hidden_case("a failing test action stops every deploy action"):
        execution = simulate(pipeline, outcomes={f"{gate[0]}.{gate[1]}": "Failed"})
        ran = [f"{s}.{a}" for s, a in deploys if execution.action(s, a).status != "NotRun"]
        expect(not ran, f"{ran} still ran")
    # END HIDDEN CASES


def _test_run(exit_code: int, *outcomes: str) -> PytestRun:
    tests = tuple(
        TestOutcome(f"test_features.py::test_{n}", outcome, "" if outcome == "passed" else "boom")
        for n, outcome in enumerate(outcomes, start=1)
    )
    return PytestRun(exit_code, tests, "")


#: Test runs the public cases of 10.4 hand to simulate_change: description, the run, whether
#: it should deploy.
RUNS: tuple[tuple[str, PytestRun, bool], ...] = (
    ("a test run where all 3 tests passed", _test_run(0, "passed", "passed", "passed"), True),
    ("a test run where 1 of 3 tests failed", _test_run(1, "passed", "failed", "passed"), False),
)

# BEGIN HIDDEN CASES
#: The hidden runs: the rule each pins down, and the run (none of them may deploy).
HIDDEN_RUNS: tuple[tuple[str, PytestRun], ...] = (
    (
        "a run whose tests did not all pass (an error counts too) deploys nothing",
        _test_run(1, "passed", "error"),
    ),
    ("a run that ran no test deploys nothing", _test_run(5)),
)
# END HIDDEN CASES


def _follows(
    simulate_change: object, run: PytestRun, deploys: list[tuple[str, str]], green: bool
) -> None:
    """Fail unless ``simulate_change(run)`` deploys everything when ``green``, else nothing."""
    execution = simulate_change(run)  # type: ignore[operator]
    expect(
        isinstance(execution, Execution),
        f"simulate_change returned a {type(execution).__name__}, not the Execution "
        "simulate(...) returns",
    )
    statuses = {f"{s}.{a}": execution.action(s, a).status for s, a in deploys}
    if green:
        expect(
            execution.succeeded,
            f"the execution {execution.status}; with every test green nothing should fail",
        )
        missed = [name for name, status in statuses.items() if status != "Succeeded"]
        expect(not missed, f"{missed[0] if missed else ''} did not deploy")
    else:
        expect(
            not execution.succeeded,
            "the execution Succeeded; a run that is not green must fail the pipeline",
        )
        ran = [name for name, status in statuses.items() if status != "NotRun"]
        expect(not ran, f"{ran[0] if ran else ''} ran; nothing may deploy")


@check(
    "10.4",
    points=3,
    needs=("simulate_change", "capstone_pipeline"),
    hint="Treat the run as green only if run.exit_code == 0 and it ran at least one test; "
    "otherwise script your gate action as 'Failed' in simulate(..., outcomes=...).",
    defined_in="the cells under 'Exercise 3' and 'Exercise 4'",
)
def simulation_follows_tests(simulate_change: object, capstone_pipeline: object) -> None:
    """A passing test run deploys everything; any other run stops before the first deploy."""
    with case("capstone_pipeline()"):
        pipeline = capstone_pipeline()  # type: ignore[operator]
        expect(isinstance(pipeline, Pipeline), "it must return a Pipeline (see Exercise 3)")
    deploys = _deploy_actions(pipeline)
    for description, run, green in RUNS:
        with case(description):
            _follows(simulate_change, run, deploys, green)
    # BEGIN HIDDEN CASES
    for rule, run in HIDDEN_RUNS:
        with hidden_case(rule):
            _follows(simulate_change, run, deploys, False)
    # END HIDDEN CASES


_ROLE = "arn:aws:iam::123456789012:role/codepipeline-service"


#: Executions the public cases of 10.5 read: description, outcomes, approval answer, the stage
#: it stopped in.
STOPS: tuple[tuple[str, dict[str, str], str, str | None], ...] = (
    ("an execution where everything succeeded", {}, "approve", None),
    (
        "an execution where Build.UnitTests failed",
        {"Build.UnitTests": "Failed"},
        "approve",
        "Build",
    ),
)

# BEGIN HIDDEN CASES
#: The hidden executions: the rule each pins down, outcomes, approval answer, the stage.
HIDDEN_STOPS: tuple[tuple[str, dict[str, str], str, str], ...] = (
    (
        "the stage named is the first one whose status is Failed, wherever that is",
        {"Test.DataTests": "Failed"},
        "approve",
        "Test",
    ),
    ("a rejected approval is the stage the execution stopped in", {}, "reject", "Approval"),
    (
        "the stage named is the first one whose status is Failed, wherever that is",
        {"E2E.EndToEndTests": "Failed"},
        "approve",
        "E2E",
    ),
)
# END HIDDEN CASES


@check(
    "10.5",
    points=1,
    needs=("where_it_stopped",),
    hint="Loop over execution.stages and return the stage_name of the first one whose status "
    "is 'Failed'; return None when there is none.",
    defined_in="the cell under 'Exercise 5'",
)
def reads_where_it_stopped(where_it_stopped: object) -> None:
    """The learner finds the stage an execution failed in, and None for a green one."""
    pipeline = ml_pipeline(role_arn=_ROLE, artifact_bucket="churn-artifacts")
    for description, outcomes, answer, expected in STOPS:
        with case(description):
            execution = simulate(pipeline, outcomes=outcomes, approvals=answer)  # type: ignore[arg-type]
            got = where_it_stopped(execution)  # type: ignore[operator]
            expect(got == expected, f"it returned {got!r}, not {expected!r}")
    # BEGIN HIDDEN CASES
    for rule, outcomes, answer, stage in HIDDEN_STOPS:
        with hidden_case(rule):
            execution = simulate(pipeline, outcomes=outcomes, approvals=answer)  # type: ignore[arg-type]
            got = where_it_stopped(execution)  # type: ignore[operator]
            expect(got == stage, f"it returned {got!r}")
    # END HIDDEN CASES
