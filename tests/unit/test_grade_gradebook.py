"""The class gradebook: a row per learner, a column per exercise, merged with earlier runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from mlcicd.exceptions import GradeError
from mlcicd.grade.gradebook import read_gradebook, render, write_gradebook
from mlcicd.grade.model import CheckpointResult, SubmissionResult

#: Points per exercise, as the manifest says.
EXERCISES = {"02_unit_tests": 9, "03_data_tests": 8, "04_model_tests": 10}


def graded(learner: str, exercise: str, score: int, path: str = "") -> SubmissionResult:
    """Return a graded submission scoring ``score`` (one checkpoint per point)."""
    most = EXERCISES[exercise]
    checkpoints = tuple(
        CheckpointResult(
            f"{exercise[:2]}.{i}", int(i <= score), 1, "passed" if i <= score else "failed"
        )
        for i in range(1, most + 1)
    )
    where = path or f"class/{learner}/{exercise}.ipynb"
    return SubmissionResult(where, learner, exercise, score, most, checkpoints)


def not_gradable(learner: str, exercise: str) -> SubmissionResult:
    """Return a submission this machine could not grade; 3 points came through anyway."""
    result = graded(learner, exercise, 3)
    first = CheckpointResult(f"{exercise[:2]}.9", 0, 1, "not gradable", "install hypothesis")
    return SubmissionResult(
        result.path,
        learner,
        exercise,
        3,
        result.max_score,
        (*result.checkpoints[:-1], first),
        errors=("not gradable on this machine: install hypothesis",),
    )


def unidentified(learner: str) -> SubmissionResult:
    """Return a file that is no known exercise's."""
    return SubmissionResult(
        f"class/{learner}/notes.ipynb", learner, "", 0, 0, errors=("cannot tell which exercise",)
    )


def rows(path: Path) -> list[list[str]]:
    """Return the CSV file's rows."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_a_new_gradebook_has_a_row_per_learner_and_a_column_per_exercise(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    results = [
        graded("bob", "03_data_tests", 8),
        graded("alice", "02_unit_tests", 7),
        graded("alice", "03_data_tests", 5),
    ]
    write_gradebook(book, results, EXERCISES)

    # bob has no 02 yet: an empty cell, counted in max (9 + 8).
    assert rows(book) == [
        ["learner", "02_unit_tests", "03_data_tests", "total", "max"],
        ["alice", "7", "5", "12", "17"],
        ["bob", "", "8", "8", "17"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]  # no temporary left


def test_a_merge_keeps_other_columns_earlier_learners_and_replaces_this_runs_cells(
    tmp_path: Path,
) -> None:
    book = tmp_path / "grades.csv"
    book.write_text(
        "learner,section,02_unit_tests,total,max,notes\n"
        "alice,A,3,3,9,late once\n"
        "carol,B,9,9,9,\n"
        ",,,,,a row of the instructor's own\n",
        encoding="utf-8",
    )
    results = [
        graded("alice", "02_unit_tests", 7),
        graded("alice", "03_data_tests", 8),
        graded("bob", "02_unit_tests", 1),
    ]
    write_gradebook(book, results, EXERCISES)

    # 03 goes before total; carol keeps her 9 and now owes 03 (max 17); bob is added last.
    assert rows(book) == [
        ["learner", "section", "02_unit_tests", "03_data_tests", "total", "max", "notes"],
        ["alice", "A", "7", "8", "15", "17", "late once"],
        ["carol", "B", "9", "", "9", "17", ""],
        ["", "", "", "", "", "", "a row of the instructor's own"],
        ["bob", "", "1", "", "1", "17", ""],
    ]


def test_not_gradable_is_a_visible_marker_that_counts_towards_neither_sum(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    write_gradebook(
        book,
        [graded("alice", "02_unit_tests", 7), not_gradable("alice", "03_data_tests")],
        EXERCISES,
    )
    assert rows(book)[1] == ["alice", "7", "not gradable", "7", "9"]

    write_gradebook(book, [graded("alice", "03_data_tests", 6)], EXERCISES)  # graded again
    assert rows(book)[1] == ["alice", "7", "6", "13", "17"]


def test_a_marker_that_replaces_a_score_keeps_it_in_sight(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    write_gradebook(book, [graded("alice", "02_unit_tests", 7)], EXERCISES)
    write_gradebook(book, [not_gradable("alice", "02_unit_tests")], EXERCISES)
    assert rows(book)[1] == ["alice", "not gradable (was 7)", "0", "0"]
    write_gradebook(book, [not_gradable("alice", "02_unit_tests")], EXERCISES)  # again
    assert rows(book)[1] == ["alice", "not gradable (was 7)", "0", "0"]
    write_gradebook(book, [graded("alice", "02_unit_tests", 8)], EXERCISES)
    assert rows(book)[1] == ["alice", "8", "8", "9"]


def test_text_an_instructor_wrote_counts_towards_neither_sum(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    book.write_text("learner,02_unit_tests,03_data_tests\nalice,excused,\n", encoding="utf-8")
    write_gradebook(book, [graded("bob", "02_unit_tests", 9)], EXERCISES)
    assert rows(book) == [
        ["learner", "02_unit_tests", "03_data_tests", "total", "max"],
        ["alice", "excused", "", "0", "8"],
        ["bob", "9", "", "9", "17"],
    ]


def test_two_files_of_one_exercise_count_the_better_score(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    results = [
        graded("alice", "02_unit_tests", 4, "class/alice/02_unit_tests.ipynb"),
        graded("alice", "02_unit_tests", 6, "class/alice/02_unit_tests (1).ipynb"),
        not_gradable("bob", "02_unit_tests"),
        graded("bob", "02_unit_tests", 2, "class/bob/copy_02_unit_tests.ipynb"),
    ]
    write_gradebook(book, results, EXERCISES)
    assert [r[:2] for r in rows(book)[1:]] == [["alice", "6"], ["bob", "2"]]


def test_files_of_no_exercise_are_listed_per_learner(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    write_gradebook(book, [unidentified("alice"), graded("bob", "02_unit_tests", 9)], EXERCISES)
    assert rows(book) == [
        ["learner", "02_unit_tests", "total", "max", "not graded"],
        ["alice", "", "0", "9", "class/alice/notes.ipynb: cannot tell which exercise"],
        ["bob", "9", "9", "9", ""],
    ]


def test_text_from_learners_cannot_start_a_formula_and_matches_on_the_next_run(
    tmp_path: Path,
) -> None:
    book = tmp_path / "grades.csv"
    evil = '=HYPERLINK("http://x","y")'
    write_gradebook(book, [graded(evil, "02_unit_tests", 2)], EXERCISES)
    write_gradebook(book, [graded(evil, "02_unit_tests", 5)], EXERCISES)
    assert rows(book)[1:] == [[f"'{evil}", "5", "5", "9"]]


def test_a_gradebook_saved_by_a_spreadsheet_with_a_bom_and_crlf_is_read(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    book.write_bytes(b"\xef\xbb\xbflearner,02_unit_tests\r\nalice,3\r\n")
    write_gradebook(book, [graded("alice", "03_data_tests", 8)], EXERCISES)
    assert rows(book)[:2] == [
        ["learner", "02_unit_tests", "03_data_tests", "total", "max"],
        ["alice", "3", "8", "11", "17"],
    ]


@pytest.mark.parametrize("content", [b"", b"\n  \n"])
def test_an_empty_file_is_a_new_gradebook(tmp_path: Path, content: bytes) -> None:
    book = tmp_path / "grades.csv"
    book.write_bytes(content)
    assert read_gradebook(book) is None
    write_gradebook(book, [graded("alice", "02_unit_tests", 1)], EXERCISES)
    assert rows(book)[1] == ["alice", "1", "1", "9"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"learner,02_unit_tests\nal\xe9,3\n", "is not UTF-8 text"),
        (b"name,score\nalice,3\n", "has no 'learner' column"),
        (b"learner;02_unit_tests\nalice;3\n", "has no 'learner' column"),
        (b'learner,notes\nalice,"unterminated\n', "is not valid CSV"),
        (b"learner,notes\nalice,a,b\n", "line 2 has 3 cells but the header 2"),
        (b"learner,notes\nalice,\nbob,\nalice,x\n", "learner 'alice' is on lines 2 and 4"),
        (b"learner,total,total\n", "has the column 'total' twice"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is not UTF-8 text"),
    ],
)
def test_a_file_that_is_not_a_gradebook_is_refused_and_left_untouched(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    book = tmp_path / "grades.csv"
    book.write_bytes(content)
    with pytest.raises(GradeError, match=problem) as raised:
        write_gradebook(book, [graded("alice", "02_unit_tests", 9)], EXERCISES)
    assert raised.value.path == str(book)
    assert "left untouched" in raised.value.message
    assert book.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GradeError, match="is a folder"):
        read_gradebook(tmp_path)


def test_rendering_what_was_read_changes_no_value(tmp_path: Path) -> None:
    book = tmp_path / "grades.csv"
    text = 'learner,notes,02_unit_tests\nalice,"a, b ""quoted""\nnext line",=1+1\n'
    book.write_text(text, encoding="utf-8")
    read = read_gradebook(book)
    assert read is not None
    assert render(read) == text  # the instructor's cells, formula included, stay as they were
