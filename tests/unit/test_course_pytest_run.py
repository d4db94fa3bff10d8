"""``run_pytest``: tests written in a notebook run in a fresh pytest, one stable line each."""

from __future__ import annotations

import pytest

from mlcicd.course.pytest_run import run_pytest
from mlcicd.exceptions import CourseError

TESTS = """
def test_adds():
    assert 1 + 1 == 2

def test_breaks():
    assert [1, 2] == [1, 3], "lists differ"
"""


def test_each_test_gets_a_line_and_the_totals_have_no_timings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_pytest(TESTS)
    assert capsys.readouterr().out == (
        "PASSED  test_notebook.py::test_adds\n"
        "FAILED  test_notebook.py::test_breaks  (AssertionError: lists differ)\n"
        "1 passed, 1 failed\n"
    )
    assert (run.exit_code, run.passed, run.failed) == (1, 1, 1)
    assert "lists differ" in run.output
    assert repr(run) == "PytestRun(passed=1, failed=1)"


def test_several_files_and_pytest_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    files = {
        "conftest.py": "import pytest\n@pytest.fixture\ndef rows():\n    return 3\n",
        "test_rows.py": (
            "def test_rows(rows):\n    assert rows == 3\n\ndef test_other():\n    pass\n"
        ),
    }
    run = run_pytest(files, "-k", "not other", show=False)
    assert capsys.readouterr().out == ""
    assert [(t.name, t.outcome) for t in run.tests] == [("test_rows.py::test_rows", "passed")]


def test_the_tests_run_under_the_offline_aws_safety_net(monkeypatch: pytest.MonkeyPatch) -> None:
    # The temporary folder has no configuration: run_pytest asks for --offline-aws itself.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.delenv("BOTOCORE_EXPERIMENTAL__PLUGINS")
    run = run_pytest(
        "import os\ndef test_key():\n    assert os.environ['AWS_ACCESS_KEY_ID'] == 'testing'\n",
        show=False,
    )
    assert [(t.name, t.outcome) for t in run.tests] == [("test_notebook.py::test_key", "passed")]


def test_nothing_collected_says_so() -> None:
    run = run_pytest("x = 1\n", show=False)
    assert run.exit_code == 5
    assert run.summary() == "no tests collected"


def test_a_test_that_hangs_is_stopped_with_advice() -> None:
    with pytest.raises(CourseError, match="longer than 1 s and were stopped"):
        run_pytest("import time\ndef test_hangs():\n    time.sleep(30)\n", timeout=1)


@pytest.mark.parametrize("name", ["../escape.py", "sub/test_x.py", "test_x.txt"])
def test_file_names_stay_plain(name: str) -> None:
    with pytest.raises(CourseError, match="plain file name"):
        run_pytest({name: "def test_x():\n    pass\n"})
