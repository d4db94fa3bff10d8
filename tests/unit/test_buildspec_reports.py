"""Report groups summarised like CodeBuild's report view, from JUnit files read by mlcicd.junit."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.buildspec.model import ReportGroup
from mlcicd.buildspec.reports import collect_reports, parse_junit


def junit(*cases: str) -> str:
    """A pytest-shaped JUnit report around ``cases``."""
    return "<testsuites><testsuite name='pytest'>" + "".join(cases) + "</testsuite></testsuites>"


def case(name: str, inner: str = "", time: str = "0.5") -> str:
    return f"<testcase classname='tests.test_m' name='{name}' time='{time}'>{inner}</testcase>"


def put(root: Path, name: str, text: str) -> Path:
    path = root / "reports" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_each_outcome_gets_codebuilds_status(tmp_path: Path) -> None:
    path = put(
        tmp_path,
        "unit.xml",
        junit(
            case("ok"),
            case("bad", "<failure message='no'/>"),
            case("boom", "<error message='x'/>"),
            case("later", "<skipped/>", time="0"),
        ),
    )
    assert [(c.name, c.status, c.duration) for c in parse_junit(path)] == [
        ("tests.test_m.ok", "SUCCEEDED", 0.5),
        ("tests.test_m.bad", "FAILED", 0.5),
        ("tests.test_m.boom", "ERROR", 0.5),
        ("tests.test_m.later", "SKIPPED", 0.0),
    ]


def test_a_group_sums_every_matched_file(tmp_path: Path) -> None:
    put(tmp_path, "a.xml", junit(case("one")))
    put(tmp_path, "b.xml", junit(case("two", "<failure/>")))
    group = ReportGroup(files=("*.xml",), base_directory="reports")
    (summary,), warnings = collect_reports({"unit": group}, tmp_path)
    assert warnings == ()
    assert summary.files == ("reports/a.xml", "reports/b.xml")
    assert (summary.total, summary.passed, summary.failed) == (2, 1, 1)
    assert summary.failing_tests == ("tests.test_m.two",)


@pytest.mark.parametrize(
    ("text", "says"),
    [("not xml <", "not a JUnit XML report"), ("<coverage/>", "root element is not")],
)
def test_a_file_that_is_not_junit_is_a_warning_naming_it(
    tmp_path: Path, text: str, says: str
) -> None:
    path = put(tmp_path, "broken.xml", text)
    group = ReportGroup(files=("*.xml",), base_directory="reports")
    summaries, (warning,) = collect_reports({"unit": group}, tmp_path)
    assert summaries == ()
    assert warning.startswith(f"report group unit: cannot read a report file: {path}: ")
    assert says in warning
