"""Grading reports: the table, JSON, JUnit XML and the CSV gradebook, deterministic."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.report import table, to_csv, to_json, to_junit, write_reports

EDITED = "checkpoint 02.2 was edited (cell 5): graded from the course's own cell"
NOT_JSON = "not a readable notebook (JSONDecodeError: Expecting value)"


def graded() -> SubmissionResult:
    """Return alice's graded 02 submission: 02.1 passed, 02.2 failed."""
    return SubmissionResult(
        "subs/alice.ipynb",
        "alice",
        "02_unit_tests",
        2,
        5,
        (
            CheckpointResult("02.1", 2, 2, "passed"),
            CheckpointResult("02.2", 0, 3, "failed", "Checkpoint 02.2 failed (0/3 points): no"),
        ),
        warnings=(EDITED,),
    )


def ungradable() -> SubmissionResult:
    """Return bob's submission that is not JSON."""
    return SubmissionResult("subs/bob.ipynb", "bob", "", 0, 0, errors=(NOT_JSON,))


def test_the_table_of_a_graded_and_an_ungradable_submission() -> None:
    assert table([graded(), ungradable()]).splitlines() == [
        "subs/alice.ipynb (02_unit_tests)",
        "  checkpoint  points  status   message",
        "  02.1        2/2     passed",
        "  02.2        0/3     failed   Checkpoint 02.2 failed (0/3 points): no",
        f"  warning: {EDITED}",
        "  total 2/5",
        "",
        "subs/bob.ipynb (unknown exercise)",
        f"  not graded: {NOT_JSON}",
        "  total 0/0",
        "",
        "2 submission(s): 1 graded, 1 not gradable.",
    ]


def test_the_table_of_nothing_says_so() -> None:
    assert table([]) == "0 submission(s): 0 graded, 0 not gradable."


FORGED = "bob\n  total 10/10"


def test_a_learner_folder_with_a_newline_cannot_forge_a_total_line() -> None:
    result = SubmissionResult(
        f"subs/{FORGED}/02_unit_tests.ipynb",
        FORGED,
        "02_unit_tests",
        0,
        5,
        (CheckpointResult("02.1", 0, 2, "failed", f"{FORGED}"),),
        warnings=(f"cell named {FORGED}",),
    )

    lines = table([result]).splitlines()

    assert [line for line in lines if line.startswith("  total")] == ["  total 0/5"]
    assert lines[0] == r"subs/bob\n  total 10/10/02_unit_tests.ipynb (02_unit_tests)"
    assert lines[2] == r"  02.1        0/2     failed   bob\n  total 10/10"
    assert lines[3] == r"  warning: cell named bob\n  total 10/10"


def tainted(field: str, text: str) -> SubmissionResult:
    """Return a result with ``text`` in one field the table prints."""
    result = replace(graded(), path="subs/x.ipynb")
    if field in ("id", "status", "message"):
        first = replace(result.checkpoints[0], **{field: text})
        return replace(result, checkpoints=(first, *result.checkpoints[1:]))
    if field in ("errors", "warnings"):
        return replace(result, **{field: (text,)})
    return replace(result, **{field: text})


@pytest.mark.parametrize(
    "text",
    [
        "a\n  total 9/9",
        "a\r  total 9/9",
        "\x1b[2K\x1b[1A  total 9/9",
        "a\u2028b",
        "a\x85b",
        "a\x00",
    ],
    ids=["newline", "carriage return", "ANSI erase and up", "line separator", "NEL", "NUL"],
)
@pytest.mark.parametrize(
    "field", ["path", "exercise", "id", "status", "message", "errors", "warnings"]
)
def test_no_field_can_add_a_line_or_a_control_character(field: str, text: str) -> None:
    clean = table([tainted(field, "a")])

    shown = table([tainted(field, text)])

    assert len(shown.splitlines()) == len(clean.splitlines())
    assert all(line.isprintable() for line in shown.splitlines())
    assert "\r" not in shown and "\x1b" not in shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[32mpassed\x1b[0m", r"\x1b[32mpassed\x1b[0m"),
        ("tab\there", r"tab\there"),
        ("a\r\nb", r"a\r\nb"),
        ("d\u00e9j\u00e0 vu \u2713 C:\\temp", "d\u00e9j\u00e0 vu \u2713 C:\\temp"),
    ],
    ids=["ANSI colour", "tab", "CRLF", "printable text and a backslash are kept"],
)
def test_a_message_is_shown_with_its_control_characters_escaped(text: str, shown: str) -> None:
    line = table([tainted("message", text)]).splitlines()[2]
    assert line == f"  02.1        2/2     passed   {shown}"


def from_dict(data: dict) -> SubmissionResult:
    """Rebuild a result from its JSON shape."""
    return SubmissionResult(
        **{
            **data,
            "checkpoints": tuple(CheckpointResult(**c) for c in data["checkpoints"]),
            "errors": tuple(data["errors"]),
            "warnings": tuple(data["warnings"]),
        }
    )


def test_json_round_trips_to_the_results() -> None:
    results = [graded(), ungradable()]
    data = json.loads(to_json(results))
    assert data["generated_by"] == "mlcicd grade"
    assert [from_dict(s) for s in data["submissions"]] == results
    assert set(data["submissions"][0]) == {
        "path", "learner", "exercise", "score", "max_score", "checkpoints", "errors", "warnings",
        "sandbox",
    }  # fmt: skip


def test_junit_has_a_test_case_per_checkpoint_and_fails_only_the_missed() -> None:
    root = ET.fromstring(to_junit([graded()]))
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors")) == (
        "alice/02_unit_tests", "2", "1", "0",
    )  # fmt: skip
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["checkpoint 02.1", "checkpoint 02.2"]
    assert {c.get("classname") for c in cases} == {"alice.02_unit_tests"}
    assert cases[0].find("failure") is None and cases[0].find("error") is None
    failure = cases[1].find("failure")
    assert failure is not None
    assert failure.get("message") == "failed (0/3 points): Checkpoint 02.2 failed (0/3 points): no"
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"path": "subs/alice.ipynb", "score": "2/5"}


def test_junit_of_an_ungradable_submission_is_one_grading_error() -> None:
    root = ET.fromstring(to_junit([ungradable()]))
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "1")
    (case,) = suite.findall("testcase")
    assert case.get("name") == "grading"
    assert case.find("failure") is None
    error = case.find("error")
    assert error is not None
    assert error.get("message") == NOT_JSON and error.text == NOT_JSON


def test_junit_escapes_what_xml_reserves() -> None:
    result = SubmissionResult(
        "a&b.ipynb", "a&b", "", 0, 0, errors=('expected <int> & "str"', "second")
    )
    error = ET.fromstring(to_junit([result])).find("testsuite/testcase/error")
    assert error is not None
    assert error.get("message") == 'expected <int> & "str"'
    assert error.text == 'expected <int> & "str"\nsecond'


def test_junit_stays_parseable_with_control_characters_in_a_message() -> None:
    result = SubmissionResult(
        "x.ipynb", "x", "", 0, 0, errors=("exercise \x07\x00 is not in the manifest",)
    )
    ET.fromstring(to_junit([result]))


HEADER = ["learner", "exercise", "path", "score", "max_score", "errors"]


def rows(text: str) -> list[list[str]]:
    """Parse CSV text."""
    return list(csv.reader(io.StringIO(text)))


def test_the_gradebook_has_a_column_per_checkpoint_in_numeric_order() -> None:
    two = SubmissionResult(
        "subs/carol.ipynb",
        "carol",
        "02_unit_tests",
        4,
        6,
        (
            CheckpointResult("02.10", 1, 1, "passed"),
            CheckpointResult("02.9", 0, 2, "timeout", "Timeout"),
            CheckpointResult("02.1", 3, 3, "passed"),
        ),
    )
    three = SubmissionResult(
        "subs/dave.ipynb", "dave", "03_data_tests", 0, 2, (CheckpointResult("03.1", 0, 2, "error"),)
    )
    assert rows(to_csv([two, three, ungradable()])) == [
        [*HEADER[:3], "02.1", "02.9", "02.10", "03.1", *HEADER[3:]],
        ["carol", "02_unit_tests", "subs/carol.ipynb", "3", "0", "1", "", "4", "6", ""],
        ["dave", "03_data_tests", "subs/dave.ipynb", "", "", "", "0", "0", "2", ""],
        ["bob", "", "subs/bob.ipynb", "", "", "", "", "0", "0", NOT_JSON],
    ]


def test_the_gradebook_joins_several_errors() -> None:
    result = SubmissionResult("x.ipynb", "x", "", 0, 0, errors=("one", "two, with a comma"))
    assert rows(to_csv([result]))[1] == ["x", "", "x.ipynb", "0", "0", "one; two, with a comma"]


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_quoted() -> None:
    result = SubmissionResult("subs/=cmd.ipynb", "=cmd|' /C calc'!A0", "", 0, 0, errors=("x",))
    row = rows(to_csv([result]))[1]
    assert row[:3] == ["'=cmd|' /C calc'!A0", "", "subs/=cmd.ipynb"]


@pytest.mark.parametrize("render", [table, to_json, to_junit, to_csv])
def test_the_same_results_give_the_same_text(
    render: Callable[[Sequence[SubmissionResult]], str],
) -> None:
    assert render([graded(), ungradable()]) == render([graded(), ungradable()])


def test_write_reports_writes_only_what_is_asked_and_no_temporary_file(tmp_path: Path) -> None:
    results = [graded(), ungradable()]
    write_reports(results, json_path=tmp_path / "out" / "grades.json")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["grades.json"]
    assert (tmp_path / "out" / "grades.json").read_text(encoding="utf-8") == to_json(results)

    write_reports(
        results,
        json_path=tmp_path / "out" / "grades.json",
        junit_path=tmp_path / "out" / "grades.xml",
        csv_path=tmp_path / "out" / "grades.csv",
    )
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert sorted(first) == ["grades.csv", "grades.json", "grades.xml"]
    assert first["grades.xml"] == to_junit(results).encode("utf-8")
    assert first["grades.csv"] == to_csv(results).encode("utf-8")

    write_reports(
        [graded(), ungradable()],
        json_path=tmp_path / "out" / "grades.json",
        junit_path=tmp_path / "out" / "grades.xml",
        csv_path=tmp_path / "out" / "grades.csv",
    )
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first


def test_write_reports_with_nothing_asked_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_reports([graded()])
    assert list(tmp_path.iterdir()) == []


def test_the_table_says_once_which_isolation_the_kernels_ran_under() -> None:
    sentence = "Sandbox: bubblewrap (...); capped at 2048 MiB resident memory."
    results = [
        SubmissionResult("a.ipynb", "a", "08_codepipeline", 1, 2, sandbox=sentence),
        SubmissionResult("b.ipynb", "b", "08_codepipeline", 2, 2, sandbox=sentence),
        SubmissionResult("c.ipynb", "c", "", 0, 0, errors=("not a notebook",)),
    ]
    text = table(results)
    assert text.count(sentence) == 1
    assert text.splitlines()[-1] == sentence
