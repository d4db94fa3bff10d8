"""Report groups: find the report files a build wrote, and summarise them like CodeBuild.

CodeBuild's report view shows, per test report, how many test cases there were
and how many succeeded, failed, were skipped or errored, how long they took,
and which ones failed; per coverage report, the line (and branch) coverage.
:func:`collect_reports` gives the same for a local build, from JUnit XML and
Cobertura XML files. Other formats are listed with their files but not
summarised (a warning says so).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from mlcicd import junit
from mlcicd.buildspec.model import ReportGroup
from mlcicd.exceptions import CourseError

#: Formats this module reads, upper case; None in the buildspec means JUnit XML.
SUMMARISED_FORMATS: tuple[str, ...] = ("JUNITXML", "COBERTURAXML")


@dataclass(frozen=True)
class TestCase:
    """One test case of a JUnit report.

    Attributes:
        name: ``classname.name``, as CodeBuild's report view shows it.
        status: ``SUCCEEDED``, ``FAILED``, ``ERROR`` or ``SKIPPED``.
        duration: Seconds.
    """

    __test__ = False  # a data class, not a pytest test class

    name: str
    status: str
    duration: float


@dataclass(frozen=True)
class ReportSummary:
    """The summary of one report group.

    Attributes:
        name: The group's name in the buildspec.
        file_format: The group's format, upper case.
        files: The matched files, relative to the source directory.
        test_cases: Every test case, in file order (test reports).
        line_rate: Covered lines over all lines, 0 to 1 (coverage reports).
        branch_rate: Covered branches over all branches, 0 to 1 (coverage reports).
        lines_covered: Covered lines (coverage reports).
        lines_missed: Lines not covered (coverage reports).
    """

    name: str
    file_format: str
    files: tuple[str, ...]
    test_cases: tuple[TestCase, ...] = ()
    line_rate: float | None = None
    branch_rate: float | None = None
    lines_covered: int | None = None
    lines_missed: int | None = None

    def _count(self, status: str) -> int:
        return sum(case.status == status for case in self.test_cases)

    @property
    def total(self) -> int:
        """Number of test cases."""
        return len(self.test_cases)

    @property
    def passed(self) -> int:
        """Test cases that succeeded."""
        return self._count("SUCCEEDED")

    @property
    def failed(self) -> int:
        """Test cases that failed an assertion."""
        return self._count("FAILED")

    @property
    def skipped(self) -> int:
        """Test cases that were skipped."""
        return self._count("SKIPPED")

    @property
    def errors(self) -> int:
        """Test cases that errored (an exception outside an assertion)."""
        return self._count("ERROR")

    @property
    def duration(self) -> float:
        """Seconds, summed over test cases."""
        return sum(case.duration for case in self.test_cases)

    @property
    def failing_tests(self) -> tuple[str, ...]:
        """Names of the test cases that failed or errored."""
        return tuple(c.name for c in self.test_cases if c.status in ("FAILED", "ERROR"))

    @property
    def is_coverage(self) -> bool:
        """Whether this is a code coverage report."""
        return self.file_format == "COBERTURAXML"

    def to_dict(self) -> dict[str, object]:
        """Plain data in the shape of CodeBuild's ``describe-test-cases``/``batch-get-reports``."""
        out: dict[str, object] = {
            "name": self.name,
            "type": "CODE_COVERAGE" if self.is_coverage else "TEST",
            "fileFormat": self.file_format,
            "files": list(self.files),
        }
        if self.is_coverage:
            out["codeCoverageSummary"] = {
                "lineCoveragePercentage": _percent(self.line_rate),
                "linesCovered": self.lines_covered,
                "linesMissed": self.lines_missed,
                "branchCoveragePercentage": _percent(self.branch_rate),
            }
        elif self.file_format == "JUNITXML":
            out["status"] = "FAILED" if self.failing_tests else "SUCCEEDED"
            out["testSummary"] = {
                "total": self.total,
                "statusCounts": {
                    "SUCCEEDED": self.passed,
                    "FAILED": self.failed,
                    "SKIPPED": self.skipped,
                    "ERROR": self.errors,
                },
                "durationInNanoSeconds": round(self.duration * 1e9),
            }
            out["failedTests"] = list(self.failing_tests)
        return out

    def format(self) -> str:
        """One line for the build log."""
        if self.is_coverage:
            return f"{self.name}: line coverage {_percent(self.line_rate)}%"
        if self.file_format != "JUNITXML":
            return f"{self.name}: {len(self.files)} {self.file_format} file(s), not summarised"
        line = (
            f"{self.name}: {self.total} tests, {self.passed} passed, {self.failed} failed, "
            f"{self.skipped} skipped, {self.errors} error(s) in {self.duration:.2f}s"
        )
        if self.failing_tests:
            line += "; failing: " + ", ".join(self.failing_tests)
        return line


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 2)


#: CodeBuild's test case statuses, by the outcome :mod:`mlcicd.junit` reads.
_STATUS = {"passed": "SUCCEEDED", "failed": "FAILED", "error": "ERROR", "skipped": "SKIPPED"}


def parse_junit(path: Path) -> tuple[TestCase, ...]:
    """Read the test cases of a JUnit XML file (``<testsuites>`` or one ``<testsuite>``).

    Raises:
        CourseError: Naming the file, when it cannot be read or is not JUnit XML.
    """
    return tuple(
        TestCase(
            name=".".join(p for p in (case.classname, case.name) if p),
            status=_STATUS[case.outcome],
            duration=case.time,
        )
        for case in junit.read_file(path).cases
    )


def parse_cobertura(path: Path) -> tuple[float, float | None, int, int]:
    """Read line rate, branch rate, covered and missed lines of a Cobertura XML file."""
    root = ET.parse(path).getroot()
    valid = int(root.get("lines-valid") or 0)
    covered = int(root.get("lines-covered") or 0)
    branch = root.get("branch-rate")
    return (
        float(root.get("line-rate") or 0),
        None if branch is None else float(branch),
        covered,
        valid - covered,
    )


def match_files(base: Path, patterns: tuple[str, ...]) -> tuple[Path, ...]:
    """Files under ``base`` matching any of ``patterns`` (``**`` crosses directories), sorted."""
    found = {path for pattern in patterns for path in base.glob(pattern) if path.is_file()}
    return tuple(sorted(found))


def summarise_group(name: str, group: ReportGroup, source_dir: Path) -> ReportSummary:
    """Find and read the files of one report group.

    Args:
        name: The group's name.
        group: The group, from the buildspec.
        source_dir: The build's source directory (``CODEBUILD_SRC_DIR``).

    Returns:
        The summary; a group whose files are missing or unreadable has no test cases.
    """
    file_format = (group.file_format or "JUNITXML").upper()
    base = source_dir / (group.base_directory or "")
    files = match_files(base, group.files)
    relative = tuple(str(path.relative_to(source_dir)) for path in files)
    if file_format == "JUNITXML":
        cases = tuple(case for path in files for case in parse_junit(path))
        return ReportSummary(name, file_format, relative, test_cases=cases)
    if file_format == "COBERTURAXML" and files:
        totals = [parse_cobertura(path) for path in files]
        covered = sum(t[2] for t in totals)
        missed = sum(t[3] for t in totals)
        rates = [t[1] for t in totals if t[1] is not None]
        return ReportSummary(
            name,
            file_format,
            relative,
            line_rate=covered / (covered + missed) if covered + missed else totals[0][0],
            branch_rate=sum(rates) / len(rates) if rates else None,
            lines_covered=covered,
            lines_missed=missed,
        )
    return ReportSummary(name, file_format, relative)


def collect_reports(
    groups: dict[str, ReportGroup], source_dir: Path
) -> tuple[tuple[ReportSummary, ...], tuple[str, ...]]:
    """Summarise every report group of a build.

    Args:
        groups: The buildspec's ``reports``.
        source_dir: The build's source directory.

    Returns:
        The summaries of the groups that have files, and warnings (a group with
        no files, a file that is not valid XML, a format not summarised).
    """
    summaries: list[ReportSummary] = []
    warnings: list[str] = []
    for name, group in groups.items():
        try:
            summary = summarise_group(name, group, source_dir)
        except (CourseError, ET.ParseError, ValueError) as error:
            warnings.append(f"report group {name}: cannot read a report file: {error}")
            continue
        if not summary.files:
            warnings.append(f"report group {name}: no file matches {list(group.files)}")
            continue
        if summary.file_format not in SUMMARISED_FORMATS:
            warnings.append(f"report group {name}: {summary.file_format} is not summarised")
        summaries.append(summary)
    return tuple(summaries), tuple(warnings)
