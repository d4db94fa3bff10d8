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


def run_case(spec: Buildspec, tests: dict[str, str]) -> Run:
    """Run ``spec`` on a project holding ``tests`` (relative path to file text).

    Args:
        spec: The buildspec to run.
        tests: Files of the project, e.g. ``{"tests/test_a.py": "def test..."}``.

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
            "SNS_TOPIC_ARN": TOPIC_ARN,
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
        f"{what} returned {type(value).__name__}, not a Buildspec (end with .build_spec())",
    )
    return value


def _lint_errors(spec: Buildspec) -> list[str]:
    return [f.format() for f in lint_text(dumps(spec)) if f.severity == "error"]


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
        "Build it with BuildspecBuilder and end with .build_spec(): one build-phase command "
        "that runs pytest on test_path and writes JUnit XML to reports/unit.xml "
        "(--junitxml), with nothing that hides pytest's exit code."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def build_runs_pytest_with_junit(unit_test_buildspec: Callable[[str], Any]) -> None:
    """The build phase runs pytest on the given path, writes JUnit XML, and fails on a red test."""
    with case("unit_test_buildspec('tests/unit')"):
        spec = _spec_of(unit_test_buildspec("tests/unit"), "unit_test_buildspec('tests/unit')")
        errors = _lint_errors(spec)
        expect(not errors, f"the buildspec does not lint: {errors[:1]}")
        build = " ".join(_commands(spec, "build"))
        expect("pytest" in build, f"the build phase runs no pytest; its commands: {list(build)}")
    with case("tests/unit holds one passing test"):
        run = run_case(spec, {"tests/unit/test_ok.py": _PASSING})
        expect(
            run.result.status == "SUCCEEDED",
            f"buildStatus is {run.result.status}, expected SUCCEEDED "
            f"(phases: {[(p.phase_type, p.status) for p in run.result.phases[:4]]})",
        )
        expect(
            "reports/unit.xml" in run.files,
            "no JUnit file at reports/unit.xml after the build (pass --junitxml=reports/unit.xml)",
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
    # END HIDDEN CASES


# ---- 07.2 ------------------------------------------------------------------


def _base_spec() -> Buildspec:
    return (
        BuildspecBuilder()
        .build("python -m pytest tests --junitxml=reports/unit.xml")
        .post_build('echo "done"')
        .build_spec()
    )


@check(
    "07.2",
    points=2,
    needs=("with_unit_report",),
    hint=(
        "Add one report group with BuildspecBuilder(spec).report(...): its base_directory "
        "and files together must name the file pytest wrote (reports/unit.xml), and its "
        "file format is JUNITXML. Leave the phases as they are."
    ),
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
            f"no report group read reports/unit.xml (groups found files: {groups}); check "
            "base_directory='reports' and files=['unit.xml']",
        )
        expect(found[0].total == 2, f"the report shows {found[0].total} tests, expected 2")
    # BEGIN HIDDEN CASES
    with hidden_case("the buildspec it is given is not modified"):
        expect(to_dict(base) == before, "changed")
    with hidden_case("the phases are kept as they are: only a report group is added"):
        expect(to_dict(spec)["phases"] == before["phases"], "the phases differ")
    # END HIDDEN CASES


# ---- 07.3 ------------------------------------------------------------------


def _alert_base(build: str) -> Buildspec:
    return BuildspecBuilder().build(build).build_spec()


@check(
    "07.3",
    points=2,
    needs=("with_failure_alert",),
    hint=(
        "Add one post_build command that runs aws sns publish with --topic-arn "
        '"$SNS_TOPIC_ARN" only when CODEBUILD_BUILD_SUCCEEDING is 0, and exits 0 otherwise: '
        "write it as if ...; then ...; fi, because a bare `[ ... ] && aws ...` exits 1 on a "
        "green build and fails post_build."
    ),
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
        expect(call.startswith("sns publish"), f"aws was called as 'aws {call}', not sns publish")
        expect(
            re.search(rf"--topic-arn[ =]{re.escape(TOPIC_ARN)}(\s|$)", call) is not None,
            f"'aws {call}' does not pass --topic-arn \"$SNS_TOPIC_ARN\"",
        )
    with case("a build whose build phase succeeds"):
        run = run_case(with_failure_alert(_alert_base("true")), {})
        expect(
            not run.aws_calls,
            f"aws was called on a green build: 'aws {run.aws_calls[0] if run.aws_calls else ''}'",
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
        "Add `version: 0.2`, quote the python version, move pytest into build (without "
        "`|| true`), install from a pinned requirements file, and use file-format JUNITXML."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def broken_buildspec_fixed(FIXED: Any) -> None:
    """The fixed text lints clean, pins installs, and fails the build on a failing test."""
    with case("FIXED, linted"):
        expect(isinstance(FIXED, str), f"FIXED is {type(FIXED).__name__}, not buildspec text")
        findings = [f.format() for f in lint_text(FIXED, path="buildspec.yml")]
        expect(not findings, f"{len(findings)} lint finding(s), first: {findings[:1]}")
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
