"""Quiz results in lesson notebooks: read safely, never graded, shown on the feedback page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlcicd.course.quiz import Choice, Question, Quiz
from mlcicd.grade.feedback import feedback_pages, learner_page
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.quizzes import is_lesson, learner_quizzes, lesson_quizzes, read_lesson
from mlcicd.grade.run import LESSON_NOTE, find_submissions

EVIL = "<script>alert(1)</script>"


def answered_quiz() -> dict[str, Any]:
    """The output metadata a quiz of 3 questions saves after two Check presses on question 1
    (wrong, then right) and one on question 3 (wrong): made by the quiz itself."""
    quiz = Quiz(
        *(
            Question(
                f"Question {n}?",
                Choice("right", correct=True, why="r"),
                Choice("wrong", why="w"),
            )
            for n in (1, 2, 3)
        ),
        seed="ada",
    )
    for number, picks in ((1, ["wrong", "right"]), (3, ["wrong"])):
        texts = [c.text for c in quiz.questions[number - 1].choices]
        for pick in picks:
            quiz.answer(number, [texts.index(pick)])
    return quiz.metadata()


def lesson(record: dict[str, Any] | None = None, *, exercise: str = "") -> dict[str, Any]:
    """A lesson notebook whose quiz cell's results output carries ``record`` as metadata
    (marked as ``exercise``'s notebook when one is given)."""
    outputs: list[dict[str, Any]] = [
        {"output_type": "display_data", "data": {"text/plain": "Quiz: ..."}, "metadata": {}}
    ]
    if record is not None:
        outputs[0]["metadata"] = record
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# 01"},
        {
            "cell_type": "code",
            "metadata": {},
            "source": "Quiz(...)",
            "outputs": outputs,
            "execution_count": 1,
        },
    ]
    metadata = {"mlcicd": {"exercise": exercise}} if exercise else {}
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": cells}


def write(path: Path, nb: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def ex02(learner: str, folder: Path) -> SubmissionResult:
    return SubmissionResult(
        str(folder / learner / "02_unit_tests.ipynb"),
        learner,
        "02_unit_tests",
        2,
        5,
        (CheckpointResult("02.1", 2, 2, "passed"), CheckpointResult("02.2", 0, 3, "failed")),
    )


def test_a_lessons_quiz_results_are_read_as_the_quiz_saved_them() -> None:
    (quiz,) = lesson_quizzes(lesson(answered_quiz()), "alice/01.ipynb") or ()
    assert (quiz.lesson, quiz.questions, quiz.right) == ("alice/01.ipynb", 3, 1)
    assert [(a.number, a.correct, a.checks) for a in quiz.answers] == [(1, True, 2), (3, False, 1)]
    assert [a.prompt for a in quiz.answers] == ["Question 1?", "Question 3?"]
    assert all(a.chosen in ("A", "B") for a in quiz.answers)


@pytest.mark.parametrize(
    "nb",
    [
        lesson(),  # a lesson run without its quiz records (or an older lesson)
        lesson({"mlcicd": {"quiz": "not a record"}}),
        lesson(answered_quiz(), exercise="01_why_ml_cicd"),
        {"cells": "junk"},
    ],
    ids=["no record", "junk record", "an exercise", "junk notebook"],
)
def test_a_notebook_without_a_quiz_record_or_marked_as_an_exercise_is_no_lesson(
    nb: dict[str, Any],
) -> None:
    assert lesson_quizzes(nb, "x.ipynb") is None


def test_a_malformed_answer_is_left_out_and_text_is_clipped() -> None:
    record = answered_quiz()
    answers = record["mlcicd"]["quiz"]["answers"]
    answers[0]["prompt"] = EVIL * 100
    answers.append({"number": "2", "prompt": "p", "chosen": "A", "correct": True, "checks": 1})
    answers.append({"number": 2, "prompt": "p", "chosen": "A", "correct": "yes", "checks": 1})
    answers.append(["not", "a", "mapping"])
    (quiz,) = lesson_quizzes(lesson(record), "l.ipynb") or ()
    assert [a.number for a in quiz.answers] == [1, 3]
    assert len(quiz.answers[0].prompt) == 200


def test_an_unreadable_file_is_no_lesson(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    assert read_lesson(broken) is None and not is_lesson(broken)
    assert is_lesson(write(tmp_path / "01.ipynb", lesson(answered_quiz())))


def test_lessons_are_never_submissions_and_a_named_one_says_why(tmp_path: Path) -> None:
    root = tmp_path / "class"
    exercise = write(root / "alice" / "02_unit_tests.ipynb", lesson())  # no quiz record
    marked = write(root / "bob" / "02_unit_tests.ipynb", lesson(answered_quiz(), exercise="02"))
    # A lesson shares its exercise's file name: its records tell it apart, at any depth.
    write(root / "alice" / "03_data_tests.ipynb", lesson(answered_quiz()))
    nested = write(root / "alice" / "notebooks" / "01_why.ipynb", lesson(answered_quiz()))
    found = find_submissions([root])
    assert [(s.path, s.skipped) for s in found] == [(exercise, ""), (marked, "")]
    (named,) = find_submissions([nested])
    assert (named.path, named.skipped) == (nested, LESSON_NOTE)


def test_a_learners_folder_gives_every_lesson_quiz_but_hidden_copies(tmp_path: Path) -> None:
    folder = tmp_path / "alice"
    write(folder / "01_why.ipynb", lesson(answered_quiz()))
    write(folder / "notebooks" / "02_unit.ipynb", lesson(answered_quiz()))
    write(folder / ".ipynb_checkpoints" / "01_why-checkpoint.ipynb", lesson(answered_quiz()))
    write(
        folder / "02_unit_tests.ipynb",
        lesson(answered_quiz(), exercise="02_unit_tests"),
    )
    lessons = [Path(q.lesson).relative_to(folder).as_posix() for q in learner_quizzes(folder)]
    assert lessons == ["01_why.ipynb", "notebooks/02_unit.ipynb"]


def test_the_feedback_shows_quiz_results_escaped_and_ungraded(tmp_path: Path) -> None:
    record = answered_quiz()
    record["mlcicd"]["quiz"]["answers"][0]["prompt"] = EVIL
    write(tmp_path / "class" / "alice" / "01_why.ipynb", lesson(record))
    result = ex02("alice", tmp_path / "class")
    pages = feedback_pages([result], tmp_path / "feedback", guide={}, hints={})
    (page,) = pages.values()
    without = learner_page("alice", [result], guide={}, hints={})
    assert "Quiz results (not graded)" in page and "Quiz results" not in without
    assert "1 of 3 question(s) checked" not in page  # two were checked
    assert "2 of 3 question(s) checked, 1 right at the last check." in page
    assert EVIL not in page and "&lt;script&gt;" in page
    # The score is untouched: the totals and the stored results are those of the page without.
    for unchanged in ("Total: <strong>2/5 points (40%)</strong>", without.split("<!--")[-1]):
        assert unchanged in page


def test_a_learner_with_only_lessons_gets_a_page_of_quizzes_and_no_exercise(
    tmp_path: Path,
) -> None:
    root = tmp_path / "class"
    write(root / "bob" / "lessons" / "01_why.ipynb", lesson(answered_quiz()))
    write(root / "alice" / "lessons" / "03_data.ipynb", lesson(answered_quiz()))
    result = ex02("alice", root)  # alice has work graded: one page, with her lesson too
    pages = feedback_pages([result], tmp_path / "feedback", guide={}, hints={}, classes=[root])
    assert sorted(p.name for p in pages) == ["alice.html", "bob.html"]
    bob = pages[tmp_path / "feedback" / "bob.html"]
    assert "No exercise submitted yet" in bob and "Total:" not in bob
    assert "2 of 3 question(s) checked, 1 right at the last check." in bob
    assert "01_why.ipynb" in bob and "03_data.ipynb" not in bob
    alice = pages[tmp_path / "feedback" / "alice.html"]
    assert "03_data.ipynb" in alice and "Total: <strong>2/5 points (40%)</strong>" in alice
    # Without the class folder, bob has no result and so no page.
    assert [p.name for p in feedback_pages([result], tmp_path, guide={}, hints={})] == [
        "alice.html"
    ]
