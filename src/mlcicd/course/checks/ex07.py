"""Checkpoints of exercise 07 (CodeBuild): cases run against the learner's objects.

Public cases (in the learner's copy): 07.1 the buildspec for tests/unit, on a
passing and on a failing test; 07.2 the report group, read and run; 07.3 the
alert on a failed and on a green build; 07.4 FIXED, linted and run on a failing
test. Every other case is hidden (between the hidden-case markers): it exists
only where the instructor grades, and a failure names its rule, not its input.

Every case runs the learner's buildspec locally with
:func:`~mlcicd.buildspec.run.run_buildspec` on a tiny project written to a
temporary folder (one passing or one failing test), with this interpreter's
Python first on ``PATH`` and stand-in ``aws`` and ``pip`` commands that record
their arguments instead of calling AWS or the package index.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from mlcicd.buildspec import (
    BuildResult,
    Buildspec,
    BuildspecBuilder,
    dumps,
    lint_text,
    loads,
    run_buildspec,
    to_dict,
)
from mlcicd.course import contain
from mlcicd.course.checkpoint import case, check, expect
from mlcicd.exceptions import BuildspecError

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES
#: The topic the alert cases put in ``SNS_TOPIC_ARN``.
TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:build-alerts"

_PASSING = "def test_ok():\n    assert 1 + 1 == 2\n"
_FAILING = "def test_broken():\n    assert 1 + 1 == 3\n"


@dataclass(frozen=True)
class Run:
    """One local build of a case.

    Attributes:
        result: What ``run_buildspec`` returned.
        aws_calls: The argument lines the stand-in ``aws`` was called with.
        files: Files in the build's working copy afterwards, relative, with ``/``.
    """

    result: BuildResult
    aws_calls: tuple[str, ...]
    files: frozenset[str]

    def ran(self, phase: str) -> str | None:
        """Return the status of ``phase`` (e.g. ``"BUILD"``), None when it did not run."""
        found = self.result.phase(phase)
        return None if found is None else found.status


def _stand_in(folder: Path, name: str, log: Path) -> None:
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> {shlex.quote(str(log))}\n')
    script.chmod(0o755)


@contextmanager
def _project(tests: dict[str, str]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="ex07-") as folder:
        root = Path(folder)
        source = root / "src"
        source.mkdir()
        for relative, text in tests.items():
            path = source / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (source / "requirements.txt").write_text("pytest==8.3.3\n")
        yield root


def run_case(spec: Buildspec, tests: dict[str, str], topic: str = TOPIC_ARN) -> Run:
    """Run ``spec`` on a project holding ``tests`` (relative path to file text).

    Args:
        spec: The buildspec to run.
        tests: Files of the project, e.g. ``{"tests/test_a.py": "def test..."}``.
        topic: The value of ``SNS_TOPIC_ARN`` in the build's environment.

    Returns:
        The build and the stand-in ``aws`` calls.
    """
    with _project(tests) as root:
        bin_dir = root / "bin"
        bin_dir.mkdir()
        log = root / "calls.log"
        log.touch()
        for name in ("aws", "pip"):
            _stand_in(bin_dir, name, log)
        path = os.pathsep.join((str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]))
        env = {
            "PATH": path,
            "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
            "SNS_TOPIC_ARN": topic,
        }
        result = run_buildspec(
            spec,
            source_dir=root / "src",
            workdir=root / "work",
            env=env,
            output=io.StringIO(),
            command_timeout=60,
            build_id="ex07:check",
            shell_prefix=contain.prefix(root),  # the learner's commands: sandboxed when graded
        )
        calls = tuple(
            line[len("aws ") :] for line in log.read_text().splitlines() if line.startswith("aws ")
        )
        files = frozenset(
            p.relative_to(result.source_dir).as_posix()
            for p in result.source_dir.rglob("*")
            if p.is_file()
        )
        return Run(result, calls, files)


def _spec_of(value: Any, what: str) -> Buildspec:
    expect(
        isinstance(value, Buildspec),
        f"{what} returned {type(value).__name__}, not a Buildspec: return the finished "
        "buildspec, not the builder or its text",
    )
    return value


def _broken_rule(finding: Any) -> str:
    # The rule a finding names, without the linter's fix: lint_text shows the learner that.
    return f"line {finding.line}: {finding.code} {finding.message}"


def _lint_errors(spec: Buildspec) -> list[str]:
    return [_broken_rule(f) for f in lint_text(dumps(spec)) if f.severity == "error"]


def _commands(spec: Buildspec, phase: str) -> tuple[str, ...]:
    found = spec.phases.get(phase)
    return () if found is None else found.commands


def _junit_reports(run: Run, path: str) -> list[Any]:
    return [
        report
        for report in run.result.reports
        if report.file_format == "JUNITXML" and path in report.files and report.total > 0
    ]


# ---- 07.1 ------------------------------------------------------------------


@check(
    "07.1",
    points=2,
    needs=("unit_test_buildspec",),
    hint=(
        "The build phase (not install, pre_build or post_build) must run pytest on exactly "
        "the folder it is given, write the JUnit XML report to reports/unit.xml, and let "
        "pytest's exit code reach CodeBuild: nothing after it or around it may turn a "
        "failure into success."
    ),
    concept=(
        "CodeBuild fails a phase when one of its commands exits non-zero, and a failed "
        "build phase fails the build; the report file is what CodeBuild shows as test "
        "results. A buildspec that swallows the exit code, or tests the wrong folder, "
        "reports green on broken code."
    ),
    lesson="07#What CodeBuild does with a buildspec",
    defined_in="the cell under 'Exercise 1'",
)
def build_runs_pytest_with_junit(unit_test_buildspec: Callable[[str], Any]) -> None:
    """The build phase runs pytest on the given path, writes JUnit XML, and fails on a red test."""
    with case("unit_test_buildspec('tests/unit')"):
        spec = _spec_of(unit_test_buildspec("tests/unit"), "unit_test_buildspec('tests/unit')")
        errors = _lint_errors(spec)
        expect(not errors, f"the buildspec does not lint: {errors[:1]}")
        build = _commands(spec, "build")
        expect(
            any("pytest" in command for command in build),
            f"the build phase runs no pytest; its commands: {list(build)}",
        )
    with case("tests/unit holds one passing test"):
        run = run_case(spec, {"tests/unit/test_ok.py": _PASSING})
        expect(
            run.result.status == "SUCCEEDED",
            f"buildStatus is {run.result.status}, expected SUCCEEDED "
            f"(phases: {[(p.phase_type, p.status) for p in run.result.phases[:4]]})",
        )
        expect(
            "reports/unit.xml" in run.files,
            "no JUnit file at reports/unit.xml after the build: pytest must write its JUnit "
            "XML report to that path",
        )
    with case("tests/unit holds one failing test"):
        run = run_case(spec, {"tests/unit/test_broken.py": _FAILING})
        expect(
            run.ran("BUILD") == "FAILED" and run.result.status == "FAILED",
            f"BUILD is {run.ran('BUILD')} and buildStatus {run.result.status}: a failing test "
            "must fail the build phase (is pytest's exit code swallowed, or not in build?)",
        )
    # BEGIN HIDDEN CASES
    with hidden_case("pytest runs on the test_path it is given, not on a fixed folder"):
        spec = _spec_of(unit_test_buildspec("checks"), "unit_test_buildspec('checks')")
        run = run_case(spec, {"checks/test_x.py": _FAILING, "tests/unit/test_ok.py": _PASSING})
        expect(run.result.status == "FAILED", "the failing test in checks/ passed the build")
    with hidden_case(
        "pytest runs only the tests under test_path: a failing test elsewhere is not run"
    ):
        spec = _spec_of(unit_test_buildspec("checks"), "unit_test_buildspec('checks')")
        run = run_case(spec, {"checks/test_x.py": _PASSING, "tests/unit/test_y.py": _FAILING})
        expect(run.result.status == "SUCCEEDED", f"buildStatus is {run.result.status}")
    # END HIDDEN CASES


# ---- 07.2 ------------------------------------------------------------------


def _base_spec() -> Buildspec:
    return (
        BuildspecBuilder()
        .build("python -m pytest tests --junitxml=reports/unit.xml")
        .post_build('echo "done"')
        .build_spec()
    )


# BEGIN HIDDEN CASES


def _rich_spec() -> Buildspec:
    """A buildspec with variables, artifacts and a report group of its own already."""
    return (
        BuildspecBuilder()
        .variables(STAGE="test")
        .build("python -m pytest tests --junitxml=reports/unit.xml", "ruff check .")
        .report("lint", files=["ruff.xml"], base_directory="lint", file_format="JUNITXML")
        .artifacts(files=["model.tar.gz"])
        .build_spec()
    )


# END HIDDEN CASES


@check(
    "07.2",
    points=2,
    needs=("with_unit_report",),
    hint=(
        "Return a new buildspec: everything the given one has, unchanged, plus one report "
        "group. A report group finds its files relative to its base directory, so the two "
        "together must name the file pytest wrote, and its file format must be the JUnit XML "
        "format CodeBuild knows."
    ),
    concept=(
        "CodeBuild reads test results only from the files a report group names, in the format "
        "the group declares; a path or format that does not fit leaves the Reports tab empty "
        "while the build still passes, so nobody notices."
    ),
    lesson="07#Reports: test results CodeBuild can show",
    defined_in="the cell under 'Exercise 2'",
)
def report_group_reads_junit(with_unit_report: Callable[[Buildspec], Any]) -> None:
    """A report group reads reports/unit.xml as JUnit XML, and the phases are kept."""
    base = _base_spec()
    # BEGIN HIDDEN CASES
    before = to_dict(base)
    # END HIDDEN CASES
    with case("a buildspec running pytest into reports/unit.xml"):
        spec = _spec_of(with_unit_report(base), "with_unit_report(spec)")
        expect(bool(spec.reports), "the buildspec has no reports: section")
        formats = {
            name: group.get("file-format", "JUNITXML")
            for name, group in to_dict(spec)["reports"].items()
        }
        wrong = {name: f for name, f in formats.items() if f != "JUNITXML"}
        expect(not wrong, f"report file-format {wrong} is not JUNITXML, the format pytest writes")
        errors = _lint_errors(spec)
        expect(not errors, f"the buildspec does not lint: {errors[:1]}")
    with case("the build runs two passing tests"):
        run = run_case(spec, {"tests/test_a.py": _PASSING + _PASSING.replace("ok", "ok_too")})
        found = _junit_reports(run, "reports/unit.xml")
        groups = {r.name: list(r.files) for r in run.result.reports}
        expect(
            bool(found),
            f"no report group read reports/unit.xml (groups found files: {groups}); a group's "
            "files are relative to its base directory",
        )
        expect(found[0].total == 2, f"the report shows {found[0].total} tests, expected 2")
    # BEGIN HIDDEN CASES
    with hidden_case("the buildspec it is given is not modified"):
        expect(to_dict(base) == before, "changed")
    with hidden_case("the phases are kept as they are: only a report group is added"):
        expect(to_dict(spec)["phases"] == before["phases"], "the phases differ")
    with hidden_case(
        "everything else the buildspec has is kept: its variables, artifacts and report groups"
    ):
        rich = _rich_spec()
        kept = to_dict(rich)
        got = to_dict(_spec_of(with_unit_report(rich), "with_unit_report(spec)"))
        groups = got.pop("reports", {})
        expect(set(kept.pop("reports")) < set(groups) and got == kept, "something was lost")
    # END HIDDEN CASES


# ---- 07.3 ------------------------------------------------------------------


def _alert_base(build: str) -> Buildspec:
    return BuildspecBuilder().build(build).build_spec()


def _names_topic(call: str, topic: str) -> bool:
    return re.search(rf"--topic-arn[ =]{re.escape(topic)}(\s|$)", call) is not None


def _command(call: str) -> str:
    """The service and command of a recorded aws call, e.g. ``sns publish``: not its options,
    which would repeat the learner's line (close to the answer) back."""
    return " ".join(call.split()[:2])


def _topic_given(call: str) -> str:
    found = re.search(r"--topic-arn[ =](\S*)", call)
    return f"--topic-arn {found[1]!r}" if found else "no --topic-arn"


@check(
    "07.3",
    points=2,
    needs=("with_failure_alert",),
    hint=(
        "Add one post_build command, keep everything else: it publishes one SNS message to "
        "the topic whose ARN the build's SNS_TOPIC_ARN variable holds (read it at run time), "
        "only when CODEBUILD_BUILD_SUCCEEDING says the build failed, and it must itself exit "
        "0 when there is nothing to send: a shell test that is false exits 1."
    ),
    concept=(
        "post_build runs after build whether build passed or failed, and CodeBuild tells it "
        "which through CODEBUILD_BUILD_SUCCEEDING; any command in it that exits non-zero "
        "fails the build, so an alert must never be the thing that turns a green build red."
    ),
    lesson="07#Tell someone how the build went: SNS from `post_build`",
    defined_in="the cell under 'Exercise 3'",
)
def alert_only_on_failure(with_failure_alert: Callable[[Buildspec], Any]) -> None:
    """post_build publishes to SNS when the build failed, and does nothing on a green build."""
    with case("a build whose build phase fails (exit 1)"):
        base = _alert_base("exit 1")
        # BEGIN HIDDEN CASES
        before = to_dict(base)
        # END HIDDEN CASES
        spec = _spec_of(with_failure_alert(base), "with_failure_alert(spec)")
        expect(bool(_commands(spec, "post_build")), "the buildspec has no post_build commands")
        run = run_case(spec, {})
        expect(run.result.status == "FAILED", f"buildStatus is {run.result.status}, not FAILED")
        expect(len(run.aws_calls) == 1, f"aws was called {len(run.aws_calls)} times, expected 1")
        call = run.aws_calls[0]
        expect(
            call.startswith("sns publish"),
            f"aws was called as 'aws {_command(call)}', not sns publish",
        )
        expect(
            _names_topic(call, TOPIC_ARN),
            f"sns publish does not name the topic of SNS_TOPIC_ARN with --topic-arn (it got "
            f"{_topic_given(call)})",
        )
    with case("a build whose build phase succeeds"):
        run = run_case(with_failure_alert(_alert_base("true")), {})
        expect(
            not run.aws_calls,
            f"aws {_command(run.aws_calls[0]) if run.aws_calls else ''} was called on a green "
            "build",
        )
        expect(
            run.result.status == "SUCCEEDED",
            f"a green build ended {run.result.status} (POST_BUILD {run.ran('POST_BUILD')}): the "
            "alert command must exit 0 when there is nothing to send",
        )
    # BEGIN HIDDEN CASES
    with hidden_case("the buildspec it is given is not modified"):
        expect(to_dict(base) == before, "changed")
    with hidden_case("the build phase is kept as it is: only post_build gains the alert"):
        expect(_commands(spec, "build") == ("exit 1",), "the build phase changed")
    with hidden_case(
        "the topic is read from SNS_TOPIC_ARN when the build runs, whichever topic it holds"
    ):
        other = TOPIC_ARN.replace("build-alerts", "ml-team-alerts")
        run = run_case(with_failure_alert(_alert_base("exit 1")), {}, topic=other)
        expect(len(run.aws_calls) == 1 and _names_topic(run.aws_calls[0], other), "another")
    with hidden_case("a build that fails before its build phase ends without running post_build"):
        base = BuildspecBuilder().pre_build("exit 1").build("true").build_spec()
        run = run_case(with_failure_alert(base), {})
        expect(run.result.status == "FAILED" and run.ran("POST_BUILD") is None, "it ran")
    # END HIDDEN CASES


# ---- 07.4 ------------------------------------------------------------------

_PIP = re.compile(r"(?:^|[;&|]\s*|\s)(?:python3?\s+-m\s+)?pip3?\s+install\b(?P<args>[^;&|]*)")


def unpinned_installs(spec: Buildspec) -> list[str]:
    """Return the packages that ``pip install`` commands install without ``==version``.

    A ``-r``/``-c`` file counts as pinned (the file holds the pins).

    Args:
        spec: The buildspec.

    Returns:
        The unpinned package arguments, in order.
    """
    unpinned: list[str] = []
    for phase in spec.phases.values():
        for command in phase.commands:
            for match in _PIP.finditer(command):
                words = shlex.split(match["args"])
                skip = False
                for word in words:
                    if skip:
                        skip = False
                    elif word in ("-r", "-c", "--requirement", "--constraint"):
                        skip = True
                    elif word.startswith("-") or word == ".":
                        continue
                    elif "==" not in word:
                        unpinned.append(word)
    return unpinned


def _without_install(spec: Buildspec) -> Buildspec:
    # The course machine has the tools already; the install phase is checked, not run.
    return replace(spec, phases={k: v for k, v in spec.phases.items() if k != "install"})


@check(
    "07.4",
    points=3,
    needs=("FIXED",),
    hint=(
        "Fix each rule the linter names (the buildspec's version, how the runtime version is "
        "written, the report's file format) until lint_text finds nothing; then the tests "
        "belong in the build phase with their exit code intact, every install names an exact "
        "version, and the report group must read the file pytest writes."
    ),
    concept=(
        "A buildspec is a contract with CodeBuild: only a non-zero exit in build fails the "
        "build, only a pinned install builds the same thing twice, and only a report group "
        "that finds the JUnit file shows the results. Each fix closes one way a broken model "
        "could ship with a green build."
    ),
    lesson="07#Classic traps: a tutorial-style buildspec",
    defined_in="the cell under 'Exercise 4'",
)
def broken_buildspec_fixed(FIXED: Any) -> None:
    """The fixed text lints clean, pins installs, and fails the build on a failing test."""
    with case("FIXED, linted"):
        expect(isinstance(FIXED, str), f"FIXED is {type(FIXED).__name__}, not buildspec text")
        findings = [_broken_rule(f) for f in lint_text(FIXED, path="buildspec.yml")]
        expect(
            not findings,
            f"{len(findings)} lint finding(s), first: {findings[0] if findings else ''} "
            "(lint_text(FIXED) says how to fix each)",
        )
        try:
            spec = loads(FIXED)
        except BuildspecError as error:
            expect(False, f"the text does not load: {error}")
        expect(
            not any("pytest" in c for c in _commands(spec, "post_build")),
            "pytest still runs in post_build; run the tests in build",
        )
        expect(
            any("pytest" in c for c in _commands(spec, "build")),
            "the build phase runs no pytest",
        )
        unpinned = unpinned_installs(spec)
        expect(not unpinned, f"pip installs {unpinned} without ==version; pin them")
    with case("tests/ holds one failing test"):
        run = run_case(_without_install(spec), {"tests/test_broken.py": _FAILING})
        expect(
            run.result.status == "FAILED" and run.ran("BUILD") == "FAILED",
            f"buildStatus is {run.result.status} (BUILD {run.ran('BUILD')}): a failing test must "
            "fail the build phase (look for `|| true`)",
        )
    # BEGIN HIDDEN CASES
    with hidden_case(
        "passing tests pass the build, and a JUNITXML report group counts every one of them"
    ):
        run = run_case(
            _without_install(spec),
            {"tests/test_a.py": _PASSING, "tests/unit/test_b.py": _PASSING},
        )
        expect(run.result.status == "SUCCEEDED", f"buildStatus is {run.result.status}")
        totals = [r.total for r in run.result.reports if r.file_format == "JUNITXML"]
        expect(2 in totals, f"the report groups read {totals} tests")
    # END HIDDEN CASES
