"""The checkpoints of exercise 07 (CodeBuild) pass right answers and explain wrong ones.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer that
only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from checkpoint_mutants import Wrong, graded_once, mutant_tests

from mlcicd.buildspec import Buildspec, BuildspecBuilder
from mlcicd.buildspec.model import ReportGroup
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks.ex07 import TOPIC_ARN, unpinned_installs
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden

FIXED = """\
version: 0.2
phases:
  install:
    runtime-versions:
      python: "3.11"
    commands:
      - pip install -r requirements.txt
  build:
    commands:
      - python -m pytest tests --junitxml=reports/junit.xml
reports:
  pytest-reports:
    files:
      - junit.xml
    base-directory: reports
    file-format: JUNITXML
"""


def unit_test_buildspec(test_path: str) -> Buildspec:
    """The reference answer of Exercise 1."""
    return (
        BuildspecBuilder()
        .build(f"python -m pytest {test_path} --junitxml=reports/unit.xml")
        .build_spec()
    )


def with_unit_report(spec: Buildspec) -> Buildspec:
    """The reference answer of Exercise 2, written without an explicit file format."""
    return BuildspecBuilder(spec).report("junit", files="reports/unit.xml").build_spec()


def with_failure_alert(spec: Buildspec) -> Buildspec:
    """The reference answer of Exercise 3, written as a test with `||`."""
    alert = (
        '[ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ] || '
        'aws sns publish --topic-arn="$SNS_TOPIC_ARN" --message "failed"'
    )
    return BuildspecBuilder(spec).post_build(alert).build_spec()


def test_right_answers_pass() -> None:
    assert evaluate("07.1", {"unit_test_buildspec": unit_test_buildspec}) == (
        True,
        "Checkpoint 07.1 passed (2/2 points)",
    )
    assert evaluate("07.2", {"with_unit_report": with_unit_report})[0] is True
    assert evaluate("07.3", {"with_failure_alert": with_failure_alert})[0] is True
    assert evaluate("07.4", {"FIXED": FIXED}) == (True, "Checkpoint 07.4 passed (3/3 points)")


def test_a_missing_name_cannot_run_yet() -> None:
    ok, line = evaluate("07.1", {})
    assert not ok
    assert "cannot run yet" in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda p: "pytest", "not a Buildspec"),
        (
            lambda p: BuildspecBuilder().post_build(f"python -m pytest {p}").build_spec(),
            "runs no pytest",
        ),
        (
            lambda p: (
                BuildspecBuilder()
                .build(f"python -m pytest {p} --junitxml=reports/unit.xml || true")
                .build_spec()
            ),
            "a failing test must fail the build phase",
        ),
    ],
    ids=["not-a-buildspec", "tests-in-post-build", "or-true"],
)
def test_wrong_buildspecs_fail_07_1(answer: Callable[[str], object], expected: str) -> None:
    ok, line = evaluate("07.1", {"unit_test_buildspec": answer})
    assert not ok
    assert expected in line


def test_a_wrong_report_path_fails_07_2() -> None:
    def wrong(spec: Buildspec) -> Buildspec:
        return BuildspecBuilder(spec).report("unit", files=["unit.xml"]).build_spec()

    ok, line = evaluate("07.2", {"with_unit_report": wrong})
    assert not ok
    assert "no report group read reports/unit.xml" in line


def test_a_wrong_report_format_fails_07_2() -> None:
    def wrong(spec: Buildspec) -> Buildspec:
        return (
            BuildspecBuilder(spec)
            .report("unit", files=["unit.xml"], base_directory="reports", file_format="NUNITXML")
            .build_spec()
        )

    ok, line = evaluate("07.2", {"with_unit_report": wrong})
    assert not ok
    assert "is not JUNITXML" in line


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ('aws sns publish --topic-arn "$SNS_TOPIC_ARN" --message x', "called on a green build"),
        (
            '[ "$CODEBUILD_BUILD_SUCCEEDING" = "0" ] && '
            'aws sns publish --topic-arn "$SNS_TOPIC_ARN" --message x',
            "must exit 0 when there is nothing to send",
        ),
        (
            'if [ "$CODEBUILD_BUILD_SUCCEEDING" = "0" ]; then aws sns publish --message x; fi',
            "does not name the topic of SNS_TOPIC_ARN",
        ),
        ('echo "build failed"', "aws was called 0 times"),
    ],
    ids=["always", "and-and", "no-topic", "no-aws"],
)
def test_wrong_alerts_fail_07_3(command: str, expected: str) -> None:
    def answer(spec: Buildspec) -> Buildspec:
        return BuildspecBuilder(spec).post_build(command).build_spec()

    ok, line = evaluate("07.3", {"with_failure_alert": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (FIXED.replace("version: 0.2\n", ""), "BS011"),
        (FIXED.replace("JUNITXML", "JUNIT"), "BS023"),
        (FIXED.replace("-r requirements.txt", "pytest pandas==2.2.3"), "['pytest'] without"),
        (FIXED.replace("=reports/junit.xml\n", "=reports/junit.xml || true\n"), "look for"),
        (
            FIXED.replace("  build:\n", "  post_build:\n"),
            "pytest still runs in post_build",
        ),
    ],
    ids=["no-version", "bad-format", "unpinned", "or-true", "post-build"],
)
def test_wrong_fixes_fail_07_4(text: str, expected: str) -> None:
    ok, line = evaluate("07.4", {"FIXED": text})
    assert not ok
    assert expected in line


def test_unpinned_installs_reads_pip_commands() -> None:
    spec = (
        BuildspecBuilder()
        .install("pip install -r requirements.txt numpy==2.1.0", "python -m pip install pandas")
        .build("pip3 install -c constraints.txt scikit-learn && echo ok")
        .build_spec()
    )
    assert unpinned_installs(spec) == ["pandas", "scikit-learn"]


# --- the public cases, as the learner's release runs them ------------------------------

RIGHT: dict[str, tuple[str, object, int]] = {
    "07.1": ("unit_test_buildspec", unit_test_buildspec, 2),
    "07.2": ("with_unit_report", with_unit_report, 2),
    "07.3": ("with_failure_alert", with_failure_alert, 2),
    "07.4": ("FIXED", FIXED, 3),
}


def _stub(*_: Any) -> Any:
    raise NotImplementedError("replace this line with your code")


@pytest.mark.parametrize("checkpoint_id", sorted(RIGHT))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    name, answer, points = RIGHT[checkpoint_id]
    # 07.4 asks for text: an untouched stub cell never defines FIXED, so it is missing.
    untouched = {} if name == "FIXED" else {name: _stub}

    with public_checks("07"):
        right = evaluate(checkpoint_id, {name: answer})
        passed, line = evaluate(checkpoint_id, untouched)

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    expected = "cannot run yet" if name == "FIXED" else "not written yet"
    assert expected in line
    assert "a hidden case" not in line


# --- wrong answers that only a hidden case catches ---------------------------------------


def _rebuilt_with_report(spec: Buildspec) -> Buildspec:
    # Starts a new buildspec from the build commands, so post_build is lost.
    return (
        BuildspecBuilder()
        .build(*spec.phases["build"].commands)
        .report("unit", files=["unit.xml"], base_directory="reports", file_format="JUNITXML")
        .build_spec()
    )


def _report_added_in_place(spec: Buildspec) -> Buildspec:
    spec.reports["unit"] = ReportGroup(
        files=("unit.xml",), base_directory="reports", file_format="JUNITXML"
    )
    return spec


def _alert_with_an_extra_build_step(spec: Buildspec) -> Buildspec:
    return BuildspecBuilder(with_failure_alert(spec)).build("echo built").build_spec()


# (mistake in MUTANTS, the rule its graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, str, str]] = [
    (
        "fixed folder instead of test_path",
        "pytest runs on the test_path it is given, not on a fixed folder",
        "checks",
    ),
    (
        "phases rebuilt, post_build lost",
        "the phases are kept as they are: only a report group is added",
        "done",
    ),
    (
        "report added to the given buildspec in place",
        "the buildspec it is given is not modified",
        "done",
    ),
    (
        "extra build step",
        "the build phase is kept as it is: only post_build gains the alert",
        "exit 1",
    ),
    (
        "only tests/unit run",
        "passing tests pass the build, and a JUNITXML report group counts every one of them",
        "test_b",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "rule", "hidden_input"), HIDDEN_ONLY, ids=[m for m, *_ in HIDDEN_ONLY]
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    mistake: str, rule: str, hidden_input: str
) -> None:
    wrong = _BY_MISTAKE[mistake]
    checkpoint_id = wrong.checkpoint
    points = RIGHT[checkpoint_id][2]
    namespace = {**REFERENCE, **wrong.objects}
    with public_checks("07"):
        public = evaluate(checkpoint_id, namespace)

    passed, line = graded_once(checkpoint_id, namespace)  # the mutant test's graded run

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


# --- the learner's copy ------------------------------------------------------------------


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("07")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case(" not in public
    assert "checks/test_x.py" not in public  # the hidden cases' inputs go with them
    compile(public, str(path), "exec")


# --- wrong answers, each failing its checkpoint and only that one ------------------------


def _pytest_build(command: str, *more: str) -> Callable[[str], Buildspec]:
    """Exercise 1 answered with ``command`` (``{p}`` is the test path) as its build phase."""
    return lambda path: BuildspecBuilder().build(command.format(p=path), *more).build_spec()


def _reported(**report: Any) -> Callable[[Buildspec], Buildspec]:
    """Exercise 2 answered with one report group of these arguments."""
    return lambda spec: BuildspecBuilder(spec).report("unit", **report).build_spec()


def _alerting(command: str) -> Callable[[Buildspec], Buildspec]:
    """Exercise 3 answered with ``command`` as the one post_build command."""
    return lambda spec: BuildspecBuilder(spec).post_build(command).build_spec()


def _rebuilt_without_extras(spec: Buildspec) -> Buildspec:
    # Copies the phases into a new buildspec: variables, artifacts and other reports are lost.
    phases = spec.phases
    builder = BuildspecBuilder()
    for name in ("install", "pre_build", "build", "post_build"):
        if name in phases:
            builder = builder.phase(name, *phases[name].commands)
    return builder.report("unit", files="reports/unit.xml").build_spec()


def _replacing_reports(spec: Buildspec) -> Buildspec:
    # Writes the reports section anew, so a report group already there is lost.
    return replace(
        spec, reports={"unit": ReportGroup(files=("unit.xml",), base_directory="reports")}
    )


_PUBLISH = 'aws sns publish --topic-arn "$SNS_TOPIC_ARN" --message "build failed"'
_FAILED = '[ "$CODEBUILD_BUILD_SUCCEEDING" = "0" ]'

REFERENCE: dict[str, Any] = {
    "unit_test_buildspec": unit_test_buildspec,
    "with_unit_report": with_unit_report,
    "with_failure_alert": with_failure_alert,
    "FIXED": FIXED,
}

MUTANTS = [
    # 07.1: the build phase, the test path, the exit code, the report path
    Wrong(
        "07.1",
        "tests in post_build",
        {
            "unit_test_buildspec": lambda p: (
                BuildspecBuilder().post_build(f"pytest {p}").build_spec()
            )
        },
    ),
    Wrong(
        "07.1",
        "exit code swallowed by or true",
        {
            "unit_test_buildspec": _pytest_build(
                "python -m pytest {p} --junitxml=reports/unit.xml || true"
            )
        },
    ),
    Wrong(
        "07.1",
        "exit code lost behind a semicolon",
        {
            "unit_test_buildspec": _pytest_build(
                "python -m pytest {p} --junitxml=reports/unit.xml; echo done"
            )
        },
    ),
    Wrong(
        "07.1",
        "fixed folder instead of test_path",
        {
            "unit_test_buildspec": _pytest_build(
                "python -m pytest tests/unit --junitxml=reports/unit.xml"
            )
        },
    ),
    Wrong(
        "07.1",
        "no path: pytest runs every test",
        {"unit_test_buildspec": _pytest_build("python -m pytest --junitxml=reports/unit.xml")},
    ),
    Wrong(
        "07.1", "no junit report", {"unit_test_buildspec": _pytest_build("python -m pytest {p}")}
    ),
    Wrong(
        "07.1",
        "junit report at another path",
        {"unit_test_buildspec": _pytest_build("python -m pytest {p} --junitxml=unit.xml")},
    ),
    Wrong(
        "07.1",
        "returns the builder",
        {"unit_test_buildspec": lambda p: BuildspecBuilder().build(f"pytest {p}")},
    ),
    # 07.2: where the report group looks, its format, and what else is kept
    Wrong(
        "07.2", "files without base directory", {"with_unit_report": _reported(files=["unit.xml"])}
    ),
    Wrong(
        "07.2",
        "base directory named twice",
        {"with_unit_report": _reported(files=["reports/unit.xml"], base_directory="reports")},
    ),
    Wrong(
        "07.2",
        "wrong file format",
        {
            "with_unit_report": _reported(
                files=["unit.xml"], base_directory="reports", file_format="CUCUMBERJSON"
            )
        },
    ),
    Wrong("07.2", "no report group at all", {"with_unit_report": lambda spec: spec}),
    Wrong("07.2", "phases rebuilt, post_build lost", {"with_unit_report": _rebuilt_with_report}),
    Wrong(
        "07.2",
        "report added to the given buildspec in place",
        {"with_unit_report": _report_added_in_place},
    ),
    Wrong("07.2", "variables and artifacts lost", {"with_unit_report": _rebuilt_without_extras}),
    Wrong("07.2", "existing report groups replaced", {"with_unit_report": _replacing_reports}),
    # 07.3: when the alert fires, where it goes, and that it never fails a green build
    Wrong("07.3", "publishes on every build", {"with_failure_alert": _alerting(_PUBLISH)}),
    Wrong(
        "07.3",
        "and-and exits 1 on a green build",
        {"with_failure_alert": _alerting(f"{_FAILED} && {_PUBLISH}")},
    ),
    Wrong(
        "07.3",
        "publishes on success instead",
        {
            "with_failure_alert": _alerting(
                _PUBLISH.join(('if [ "$CODEBUILD_BUILD_SUCCEEDING" = "1" ]; then ', "; fi"))
            )
        },
    ),
    Wrong(
        "07.3",
        "topic ARN written into the command",
        {
            "with_failure_alert": _alerting(
                f"if {_FAILED}; then aws sns publish --topic-arn {TOPIC_ARN} --message x; fi"
            )
        },
    ),
    Wrong(
        "07.3",
        "no topic",
        {"with_failure_alert": _alerting(f"if {_FAILED}; then aws sns publish --message x; fi")},
    ),
    Wrong(
        "07.3",
        "alert in the build phase",
        {
            "with_failure_alert": lambda spec: (
                BuildspecBuilder(spec).build(f"{_FAILED} && {_PUBLISH} || true").build_spec()
            )
        },
    ),
    Wrong("07.3", "extra build step", {"with_failure_alert": _alert_with_an_extra_build_step}),
    Wrong(
        "07.3",
        "publishes twice",
        {"with_failure_alert": lambda spec: with_failure_alert(with_failure_alert(spec))},
    ),
    # 07.4: each rule of the list in Exercise 4
    Wrong("07.4", "no version", {"FIXED": FIXED.replace("version: 0.2\n", "")}),
    Wrong("07.4", "format JUNIT", {"FIXED": FIXED.replace("JUNITXML", "JUNIT")}),
    # Unquoted 3.11 stays 3.11 (no digit lost, so CodeBuild reads it right); 3.10 becomes 3.1.
    Wrong("07.4", "python 3.10 unquoted", {"FIXED": FIXED.replace('"3.11"', "3.10")}),
    Wrong(
        "07.4",
        "unpinned install",
        {"FIXED": FIXED.replace("-r requirements.txt", "pytest pandas==2.2.3")},
    ),
    Wrong(
        "07.4",
        "lower bound is not a pin",
        {"FIXED": FIXED.replace("-r requirements.txt", "pytest>=8.3")},
    ),
    Wrong(
        "07.4",
        "or true kept",
        {"FIXED": FIXED.replace("=reports/junit.xml\n", "=reports/junit.xml || true\n")},
    ),
    Wrong(
        "07.4",
        "tests left in post_build",
        {"FIXED": FIXED.replace("  build:\n", "  post_build:\n")},
    ),
    Wrong(
        "07.4",
        "only tests/unit run",
        {"FIXED": FIXED.replace("pytest tests ", "pytest tests/unit ")},
    ),
    Wrong(
        "07.4",
        "report reads another file",
        {"FIXED": FIXED.replace("      - junit.xml", "      - unit.xml")},
    ),
]

_BY_MISTAKE = {wrong.mistake: wrong for wrong in MUTANTS}

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("07", REFERENCE, MUTANTS)
