"""``mlcicd grade --feedback/--gradebook/--report``: checked before grading, all or nothing after.

Grading itself is replaced by built results (``grade_paths`` monkeypatched): no kernel runs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mlcicd.course.notebook import cell_checksum, checkpoint_cell, markdown, new_notebook, write
from mlcicd.exceptions import GradeError
from mlcicd.grade import api
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.outputs import check_class_outputs, write_class_outputs

EVIL = "<script>alert(1)</script>"


def course(root: Path) -> Path:
    """Write a course with exercise 98_doubling (checkpoint 98.1, 2 points); return its manifest."""
    write(
        new_notebook(
            [
                markdown("# 98 · Doubling\n\n## Objectives\n\nDouble."),
                markdown("## Doubling numbers\n\nThe function `double` multiplies by two."),
                markdown("## Something else\n\nNothing to do with it."),
            ]
        ),
        root / "notebooks" / "98_doubling.ipynb",
    )
    write(
        new_notebook([markdown("## Exercise 1\n\nWrite `double(x)`."), checkpoint_cell("98.1", 2)]),
        root / "exercises" / "98_doubling.ipynb",
    )
    entry = {
        "name": "98_doubling",
        "notebook": "98_doubling.ipynb",
        "checkpoints": [
            {
                "id": "98.1",
                "points": 2,
                "sha256": cell_checksum(checkpoint_cell("98.1", 2)),
                "cell_id": "checkpoint-98-1",
            }
        ],
    }
    manifest = root / "exercises" / "manifest.json"
    manifest.write_text(json.dumps({"exercises": [entry]}), encoding="utf-8")
    return manifest


def result(learner: str, passed: bool) -> SubmissionResult:
    """Return ``learner``'s 98 submission, passing 98.1 or failing it."""
    line = "" if passed else "Checkpoint 98.1 failed (0/2 points): double(3) returned 5."
    checkpoint = CheckpointResult("98.1", 2 * passed, 2, "passed" if passed else "failed", line)
    path = f"class/{learner}/98_doubling.ipynb"
    return SubmissionResult(path, learner, "98_doubling", 2 * passed, 2, (checkpoint,))


RESULTS = [result("alice", True), result(EVIL, False)]


@pytest.fixture
def grading(monkeypatch: pytest.MonkeyPatch) -> list[list[Path]]:
    """Replace grading with RESULTS; return the targets each call was given."""
    calls: list[list[Path]] = []

    def fake(targets: list[Path], **_: object) -> list[SubmissionResult]:
        calls.append(list(targets))
        return list(RESULTS)

    monkeypatch.setattr(api, "grade_paths", fake)
    return calls


def invoke(*args: str) -> Result:
    """Run ``mlcicd`` with ``args``."""
    from mlcicd.cli import main

    return CliRunner().invoke(main, list(args))


def rows(path: Path) -> list[list[str]]:
    """Return the CSV file's rows."""
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_grade_writes_feedback_gradebook_and_class_view(
    tmp_path: Path, grading: list[list[Path]], double_check: str
) -> None:
    manifest = course(tmp_path / "course")
    out = tmp_path / "out"
    args = ["--feedback", str(out / "fb"), "--gradebook", str(out / "grades.csv")]
    result = invoke(
        "grade", "class", "--manifest", str(manifest), *args, "--report", str(out / "class.html")
    )

    assert result.exit_code == 0, result.output
    assert grading == [[Path("class")]]
    assert result.stdout.splitlines()[-3:] == [
        f"Gradebook: {out / 'grades.csv'} (2 row(s)).",
        f"Feedback: 2 learner page(s) in {out / 'fb'}.",
        f"Class report: {out / 'class.html'}.",
    ]
    assert rows(out / "grades.csv") == [
        ["learner", "98_doubling", "total", "max"],
        [EVIL, "0", "0", "2"],
        ["alice", "2", "2", "2"],
    ]
    pages = sorted((out / "fb").iterdir())
    assert [p.name for p in pages] == ["alice.html", "script_alert_1_script-5c140d35.html"]
    failed = pages[1].read_text(encoding="utf-8")
    assert EVIL not in failed and "double(3) returned 5." in failed
    assert "Multiply by two." in failed  # the registered check's hint
    assert "<code>notebooks/98_doubling.ipynb</code>), section “Doubling numbers”" in failed
    report = (out / "class.html").read_text(encoding="utf-8")
    assert report.count("data:image/png;base64,") == 2 and "Doubling numbers" in report


def test_a_gradebook_that_is_not_one_stops_grade_before_grading(
    tmp_path: Path, grading: list[list[Path]]
) -> None:
    book = tmp_path / "grades.csv"
    book.write_text("name;score\nalice;3\n", encoding="utf-8")
    result = invoke("grade", "class", "--gradebook", str(book), "--feedback", str(tmp_path / "fb"))

    assert result.exit_code == 2
    assert grading == []  # refused before a minute of grading was spent
    assert result.stderr.startswith(f"Error: {book}: has no 'learner' column")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
    assert book.read_text(encoding="utf-8") == "name;score\nalice;3\n"
    assert not (tmp_path / "fb").exists()


@pytest.mark.parametrize(
    ("make", "option", "problem"),
    [
        (lambda p: p.write_text("x", encoding="utf-8"), "feedback", "needs a folder"),
        (lambda p: p.mkdir(), "report", "needs a file name"),
        (lambda p: p.write_bytes(b"\xff\xfe"), "gradebook", "is not UTF-8"),
    ],
)
def test_check_class_outputs_refuses_what_could_not_be_written(
    tmp_path: Path, make: Callable[[Path], object], option: str, problem: str
) -> None:
    target = tmp_path / "target"
    make(target)
    with pytest.raises(GradeError, match=problem):
        check_class_outputs(**{option: target})


def test_when_one_output_is_refused_none_is_written(tmp_path: Path) -> None:
    manifest = course(tmp_path / "course")
    (tmp_path / "fb").mkdir()
    (tmp_path / "fb" / "alice.html").write_text("<p>mine</p>", encoding="utf-8")

    with pytest.raises(GradeError, match="is not feedback written by mlcicd grade"):
        write_class_outputs(
            RESULTS,
            feedback=tmp_path / "fb",
            gradebook=tmp_path / "grades.csv",
            report=tmp_path / "class.html",
            manifest=manifest,
        )

    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "fb"]
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == ["alice.html"]


def test_a_file_that_cannot_be_written_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")
    report = tmp_path / "taken" / "class.html"
    with pytest.raises(GradeError, match="cannot write it") as raised:
        write_class_outputs(RESULTS, gradebook=tmp_path / "g.csv", report=report, start=tmp_path)
    assert raised.value.path == str(report)


def test_without_a_course_the_outputs_are_written_without_lesson_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no manifest here or above
    lines = write_class_outputs(
        RESULTS, feedback=tmp_path / "fb", gradebook=tmp_path / "g.csv", start=tmp_path
    )
    assert len(lines) == 2
    page = (tmp_path / "fb" / "alice.html").read_text(encoding="utf-8")
    assert "the lesson of this exercise" in page and "notebooks/" not in page
    # The exercise's points come from the results when no manifest says them.
    assert rows(tmp_path / "g.csv")[1:] == [[EVIL, "0", "0", "2"], ["alice", "2", "2", "2"]]


def test_nothing_asked_for_writes_nothing(tmp_path: Path) -> None:
    assert write_class_outputs(RESULTS, start=tmp_path) == []
    check_class_outputs()
    assert list(tmp_path.iterdir()) == []
