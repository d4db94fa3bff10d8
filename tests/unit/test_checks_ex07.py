"""The checkpoints of exercise 07 (CodeBuild) pass right answers and explain wrong ones."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mlcicd.buildspec import Buildspec, BuildspecBuilder
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks.ex07 import unpinned_installs

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
            "does not pass --topic-arn",
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
