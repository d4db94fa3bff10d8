"""nbval driven from the outside: one verdict per code cell, read back from its JUnit report."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlcicd.course import notebook as n
from mlcicd.course.nbval_run import CellResult, read_report, run_nbval
from mlcicd.exceptions import CourseError


def test_each_code_cell_gets_its_verdict_keyed_by_the_path_given(tmp_path: Path) -> None:
    checked = n.code("# NBVAL_CHECK_OUTPUT\nprint('seen')")
    checked.outputs = [nbformat.v4.new_output("stream", name="stdout", text="expected\n")]
    checked.execution_count = 1
    nb = n.new_notebook(
        [n.markdown("# T"), n.code("x = 1"), n.code("raise ValueError('boom')"), checked]
    )
    n.write(nb, tmp_path / "course" / "v1.2" / "01_t.ipynb")

    results = run_nbval(["course"], tmp_path / "report.xml", cwd=tmp_path)

    assert list(results) == ["course/v1.2/01_t.ipynb"]
    cells = results["course/v1.2/01_t.ipynb"]
    assert sorted(cells) == [0, 1, 2]
    assert cells[0] == CellResult("passed")
    assert cells[1].outcome == "failed" and "ValueError" in cells[1].message
    assert cells[2].outcome == "failed" and "expected" in cells[2].message


def test_kernels_get_the_safety_net_in_a_folder_with_no_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a grader's shell might export them: nbval asks for --offline-aws itself.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.delenv("BOTOCORE_EXPERIMENTAL__PLUGINS")
    seen = n.code("import os\nassert os.environ['AWS_ACCESS_KEY_ID'] == 'testing'")
    n.write(n.new_notebook([seen]), tmp_path / "key.ipynb")

    results = run_nbval(["key.ipynb"], tmp_path / "report.xml", cwd=tmp_path)

    assert results == {"key.ipynb": {0: CellResult("passed")}}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not xml <", "not a JUnit XML report"),
        ("<html/>", "root element is not"),
        ("<!DOCTYPE t [<!ENTITY x 'y'>]><testsuite/>", "<!DOCTYPE>"),
        ("<testsuite><testcase classname='t' name='test_x'/></testsuite>", "not named 'Cell N'"),
    ],
)
def test_a_report_that_is_not_junit_is_a_clear_error(tmp_path: Path, text: str, says: str) -> None:
    report = tmp_path / "report.xml"
    report.write_text(text)
    with pytest.raises(CourseError, match="cannot read nbval's report") as caught:
        read_report(report)
    assert caught.value.path == str(report) and says in str(caught.value)


def test_the_classname_names_the_notebook_when_the_report_has_no_file(tmp_path: Path) -> None:
    report = tmp_path / "report.xml"
    report.write_text(
        "<testsuites><testsuite name='pytest'>"
        "<testcase classname='course.01_t.ipynb' name='Cell 3' time='0.1'>"
        "<failure message='short'>Cell outputs differ</failure></testcase>"
        "</testsuite></testsuites>"
    )
    assert read_report(report) == {
        "course/01_t.ipynb": {3: CellResult("failed", "Cell outputs differ")}
    }


def test_nbval_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="nbval did not run"):
        run_nbval(["--no-such-option"], tmp_path / "report.xml", cwd=tmp_path)
