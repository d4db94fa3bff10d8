"""The one JUnit XML reader: the shapes pytest, nbval and CodeBuild's test tools write.

Each report is built by a small builder in the shape its tool writes (copied
from real reports: pytest 8 ``--junitxml`` in xunit1, nbval run through pytest,
a Maven Surefire file as CodeBuild report groups read), so a test fails when the
reader misreads that shape, not when the builder changes.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import junitparser
import pytest

from mlcicd import junit
from mlcicd.exceptions import CourseError, MlcicdError
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.report import to_junit

SRC = Path(__file__).resolve().parents[2] / "src"

# ---- builders: one test case or report in each tool's shape ----


def pytest_case(name: str, classname: str = "tests.unit.test_m", time: str = "0.25", inner=""):
    """A test case as pytest's xunit1 report writes it (file and line, a layer property)."""
    module = classname.replace(".", "/") + ".py"
    props = "<properties><property name='layer' value='unit' /></properties>"
    return (
        f'<testcase classname="{classname}" name="{name}" file="{module}" line="3" '
        f'time="{time}">{props}{inner}</testcase>'
    )


def pytest_report(*cases: str) -> str:
    """A whole pytest report: a ``<testsuites>`` root around one ``pytest`` suite."""
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
        '<testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="1.0" '
        'timestamp="2026-12-06T04:44:45+00:00" hostname="vm">'
        + "".join(cases)
        + "</testsuite></testsuites>"
    )


FAILURE = (
    '<failure message="assert 1 == 2">'
    "def test_sum():\n&gt;   assert 1 == 2\nE   assert 1 == 2</failure>"
)
ERROR = (
    '<error message="failed on setup with &quot;ValueError: boom&quot;">'
    "@pytest.fixture\nE   ValueError: boom</error>"
)
SKIPPED = (
    '<skipped type="pytest.skip" message="needs node">'
    "/src/tests/unit/test_m.py:9: needs node</skipped>"
)


def nbval_case(notebook: str, cell: int, inner: str = "") -> str:
    """A code cell's test case as nbval (through pytest, xunit1) writes it."""
    classname = notebook.replace("/", ".")
    return (
        f'<testcase classname="{classname}" name="Cell {cell}" file="{notebook}" line="0" '
        f'time="0.010">{inner}</testcase>'
    )


NBVAL_FAILURE = (
    '<failure message="#x1B[91mNotebook cell execution failed#x1B[0m&#10;Cell 2: Cell outputs '
    "differ\">Cell 2: Cell outputs differ&#10;mismatch 'stdout'</failure>"
)


def surefire_report(*cases: str) -> str:
    """A Maven Surefire report (a CodeBuild JUNITXML report group): one bare ``<testsuite>``."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/'
        'xsd/surefire-test-report-3.0.xsd" version="3.0" name="com.example.AppTest" '
        'time="0.051" tests="3" errors="0" skipped="1" failures="1">'
        '<properties><property name="java.version" value="17.0.9"/></properties>'
        + "".join(cases)
        + "<system-out><![CDATA[done]]></system-out></testsuite>"
    )


def java_case(name: str, inner: str = "", time: str = "0.01") -> str:
    return (
        f'<testcase name="{name}" classname="com.example.AppTest" time="{time}">{inner}</testcase>'
    )


def write(tmp_path: Path, text: str, name: str = "report.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---- the shapes each tool writes ----


def test_a_pytest_report_gives_each_outcome_with_its_message_and_text(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        pytest_report(
            pytest_case("test_ok"),
            pytest_case("test_sum", inner=FAILURE),
            pytest_case("test_setup", inner=ERROR),
            pytest_case("test_node", inner=SKIPPED, time="0.5"),
        ),
    )
    report = junit.read_file(path)

    assert report.source == str(path)
    assert [s.name for s in report.suites] == ["pytest"]
    assert [(c.name, c.outcome) for c in report.cases] == [
        ("test_ok", "passed"),
        ("test_sum", "failed"),
        ("test_setup", "error"),
        ("test_node", "skipped"),
    ]
    ok, failed, error, skipped = report.cases
    assert (ok.message, ok.text) == ("", "")
    assert failed.message == "assert 1 == 2"
    assert failed.text.splitlines()[-1] == "E   assert 1 == 2"
    assert error.message == 'failed on setup with "ValueError: boom"'
    assert skipped.message == "needs node"
    assert ok.classname == "tests.unit.test_m"
    assert ok.file == "tests/unit/test_m.py"
    assert ok.prop("layer") == "unit" and ok.prop("missing") is None
    assert report.counts == {"passed": 1, "failed": 1, "error": 1, "skipped": 1}
    assert report.time == pytest.approx(0.25 * 3 + 0.5)


def test_a_failure_and_a_teardown_error_on_one_case_is_a_failure() -> None:
    # pytest writes both when a test fails and its fixture's teardown raises too.
    text = pytest_report(pytest_case("test_both", inner=FAILURE + ERROR))
    (case,) = junit.read_text(text).cases
    assert (case.outcome, case.message) == ("failed", "assert 1 == 2")


def test_an_nbval_report_gives_the_notebook_cell_and_its_diff() -> None:
    text = pytest_report(
        nbval_case("exercises/07_codebuild.ipynb", 0),
        nbval_case("exercises/07_codebuild.ipynb", 2, NBVAL_FAILURE),
    )
    passed, failed = junit.read_text(text).cases
    assert (passed.name, passed.file, passed.outcome) == (
        "Cell 0",
        "exercises/07_codebuild.ipynb",
        "passed",
    )
    assert failed.outcome == "failed"
    assert failed.message.startswith("#x1B[91mNotebook cell execution failed")
    assert failed.text == "Cell 2: Cell outputs differ\nmismatch 'stdout'"


def test_a_bare_testsuite_as_surefire_writes_it_is_one_suite() -> None:
    text = surefire_report(
        java_case("adds"),
        java_case("divides", '<failure message="expected: &lt;2&gt; but was: &lt;3&gt;" '
                  'type="org.opentest4j.AssertionFailedError">at AppTest.java:21</failure>'),
        java_case("slow", '<skipped message="disabled"/>', time="0"),
    )  # fmt: skip
    report = junit.read_text(text, source="target/surefire-reports/TEST-AppTest.xml")
    assert [s.name for s in report.suites] == ["com.example.AppTest"]
    assert [(c.classname, c.name, c.outcome) for c in report.cases] == [
        ("com.example.AppTest", "adds", "passed"),
        ("com.example.AppTest", "divides", "failed"),
        ("com.example.AppTest", "slow", "skipped"),
    ]
    assert report.cases[1].message == "expected: <2> but was: <3>"
    assert report.cases[0].file == "" and report.cases[0].properties == ()


def test_the_grading_report_reads_back_as_written() -> None:
    # `mlcicd grade --junit` is what CodeBuild's grading report group reads.
    passed = CheckpointResult("01.1", 2, 2, "passed", "")
    missed = CheckpointResult("01.2", 0, 3, "failed", "wrong total")
    result = SubmissionResult("ada/ex01.ipynb", "ada", "01", 2, 5, (passed, missed))
    report = junit.read_text(to_junit([result]))
    assert [s.name for s in report.suites] == ["ada/01"]
    assert [(c.name, c.outcome) for c in report.cases] == [
        ("checkpoint 01.1", "passed"),
        ("checkpoint 01.2", "failed"),
    ]
    assert report.cases[1].message == "failed (0/3 points): wrong total"


def test_nested_suites_come_after_their_parent_and_all_cases_count() -> None:
    text = (
        "<testsuites><testsuite name='outer'><testcase name='a'/>"
        "<testsuite name='inner'><testcase name='b'><skipped/></testcase></testsuite>"
        "<testcase name='c'/></testsuite><testsuite name='second'/></testsuites>"
    )
    report = junit.read_text(text)
    assert [(s.name, [c.name for c in s.cases]) for s in report.suites] == [
        ("outer", ["a", "c"]),
        ("inner", ["b"]),
        ("second", []),
    ]
    assert report.count("skipped") == 1 and report.count("passed") == 2


@pytest.mark.parametrize(
    ("time", "seconds"),
    [(None, 0.0), ("", 0.0), ("1.5", 1.5), ("1,234.5", 1234.5), ("0", 0.0)],
)
def test_times_missing_empty_or_with_thousands_separators(time: str | None, seconds: float) -> None:
    attribute = "" if time is None else f" time='{time}'"
    (case,) = junit.read_text(f"<testsuite><testcase name='t'{attribute}/></testsuite>").cases
    assert case.time == seconds


# ---- bad files: one clear error naming the file ----


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not xml <", "not a JUnit XML report (syntax error"),
        ("<testsuites><testsuite>", "not a JUnit XML report (no element found"),
        ("<html><body>hi</body></html>", "root element is not <testsuites> or <testsuite>"),
        ("<testsuite><testcase name='t' time='fast'/></testsuite>", "::t has a time that is not"),
        ("<testsuite><testcase name='t' time='nan'/></testsuite>", "::t has a time that is not"),
        (
            '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            "<testsuite><testcase name='t'><failure>&x;</failure></testcase></testsuite>",
            "it has a <!DOCTYPE>",
        ),
    ],
)
def test_a_file_that_is_not_junit_is_one_error_naming_it(
    tmp_path: Path, text: str, says: str
) -> None:
    path = write(tmp_path, text, "learner.xml")
    with pytest.raises(CourseError) as caught:
        junit.read_file(path)
    assert isinstance(caught.value, MlcicdError)
    assert caught.value.path == str(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert says in str(caught.value)


def test_a_missing_file_is_one_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.xml"
    with pytest.raises(CourseError, match=r"nowhere\.xml: cannot read the JUnit report") as caught:
        junit.read_file(path)
    assert caught.value.path == str(path)


def test_a_file_over_the_limit_is_not_parsed(tmp_path: Path) -> None:
    path = write(tmp_path, pytest_report(pytest_case("t")))
    size = path.stat().st_size
    assert junit.read_file(path, limit=size).cases  # at the limit: read
    with pytest.raises(CourseError, match=f"{size} bytes, over the {size - 1} bytes read"):
        junit.read_file(path, limit=size - 1)


def test_entities_are_never_expanded() -> None:
    # A "billion laughs" report: ten levels of ten references each.
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)).replace(
        "&l0;", "lol"
    )
    text = f"<!DOCTYPE t [{levels}]><testsuite><testcase name='&l9;'/></testsuite>"
    with pytest.raises(CourseError, match="<!DOCTYPE>"):
        junit.read_text(text, source="bomb.xml")


def test_junitparser_never_parses_by_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    # junitparser parses with lxml when it is installed: every report goes through
    # the defused parser instead, so lxml's defaults never apply.
    class NoParsing:
        def __getattr__(self, name: str) -> object:
            if name in ("parse", "fromstring", "XML", "XMLParser", "iterparse"):
                raise AssertionError(f"junitparser parsed by itself ({name})")
            return getattr(ElementTree, name)  # building elements is fine

    monkeypatch.setattr(junitparser.junitparser, "etree", NoParsing())
    assert junit.read_text(pytest_report(pytest_case("t"))).count("passed") == 1


# ---- no other module reads JUnit by itself ----

#: Modules of src/ that may still use an XML library, and why: neither reads JUnit.
XML_ALLOWED = {
    "mlcicd/junit.py": "the JUnit reader",
    "mlcicd/grade/report.py": "writes the grading JUnit report (byte for byte stable)",
    "mlcicd/buildspec/reports.py": "reads Cobertura coverage XML",
}
_XML_IMPORT = re.compile(
    r"^\s*(?:import|from)\s+(?:xml\b|lxml\b|defusedxml\b|junitparser\b)", re.MULTILINE
)
_JUNIT_WALK = re.compile(r"""\b(?:find|findall|iter|iterfind)\(\s*["'](?:\w+/)*testcase""")


def test_no_other_module_parses_xml_or_walks_junit_elements() -> None:
    importing, walking = [], []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        source = path.read_text(encoding="utf-8")
        if _XML_IMPORT.search(source) and name not in XML_ALLOWED:
            importing.append(name)
        if _JUNIT_WALK.search(source) and name != "mlcicd/junit.py":
            walking.append(name)
    assert importing == [], "read JUnit XML through mlcicd.junit; other XML: extend XML_ALLOWED"
    assert walking == [], "read JUnit test cases through mlcicd.junit"


def test_the_allowed_modules_do_not_import_junitparser() -> None:
    for name in set(XML_ALLOWED) - {"mlcicd/junit.py"}:
        assert "junitparser" not in (SRC / name).read_text(encoding="utf-8"), name
