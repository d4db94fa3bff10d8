"""Quizzes: explained feedback per choice, widgets that answer, a fallback without widgets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlcicd.course.questions import STUDY_GUIDE
from mlcicd.course.quiz import Choice, Question, Quiz
from mlcicd.exceptions import CourseError


def single() -> Question:
    return Question(
        "Which service runs buildspec commands?",
        Choice("CodeBuild", correct=True, why="It runs the phases."),
        Choice("CodePipeline", why="It orchestrates stages."),
        Choice("CodeDeploy", why="It deploys."),
    )


def several() -> Question:
    return Question(
        "Which run in the Build stage?",
        Choice("unit tests", correct=True, why="Fast, run on every change."),
        Choice("fetching the source", why="The Source stage does that."),
        Choice("integration tests with moto", correct=True, why="No real AWS is needed."),
        multiple=True,
    )


@pytest.mark.parametrize(
    ("selected", "correct", "text"),
    [
        ([0], True, "Correct.\nA. It runs the phases."),
        ([1], False, "Not quite. Try again.\nB. It orchestrates stages."),
        ([], False, "Choose an answer first, then press Check."),
    ],
)
def test_multiple_choice_feedback_explains_the_chosen_answer(
    selected: list[int], correct: bool, text: str
) -> None:
    feedback = single().check(selected)
    assert (feedback.correct, feedback.text) == (correct, text)


@pytest.mark.parametrize(
    ("selected", "correct", "verdict"),
    [
        ([0, 2], True, "Correct."),
        ([0], False, "Not quite: 1 of your 1 choices are right, and 2 answers are right in all."),
        ([0, 1, 2], False, "Not quite: 2 of your 3 choices are right, and 2 answers"),
    ],
)
def test_multiple_answer_feedback_counts_right_choices(
    selected: list[int], correct: bool, verdict: str
) -> None:
    feedback = several().check(selected)
    assert feedback.correct is correct
    assert feedback.text.startswith(verdict)
    assert len(feedback.text.splitlines()) == 1 + len(selected)  # one explanation per choice


@pytest.mark.parametrize(
    ("choices", "multiple", "problem"),
    [
        ((Choice("a", correct=True, why="w"),), False, "needs 2 to 10 choices, has 1"),
        ((Choice("a", why="w"), Choice("b", why="w")), False, "has no right answer"),
        (
            (Choice("a", correct=True, why="w"), Choice("b", correct=True, why="w")),
            False,
            "has 2 right answers; pass multiple=True",
        ),
        ((Choice("a", correct=True, why="w"), Choice("b")), False, "without an explanation"),
    ],
)
def test_a_malformed_question_is_refused(
    choices: tuple[Choice, ...], multiple: bool, problem: str
) -> None:
    with pytest.raises(CourseError, match=problem):
        Question("Q?", *choices, multiple=multiple)


def test_an_out_of_range_choice_is_refused() -> None:
    with pytest.raises(CourseError, match="choices are 0 to 2"):
        single().check([3])


def test_the_widget_answers_like_a_learner_clicking() -> None:
    quiz = Quiz(single(), several())
    assert quiz.answer(1, [2]).startswith("Not quite. Try again.\nC. It deploys.")
    assert quiz.answer(1, [0]) == "Correct.\nA. It runs the phases."
    assert quiz.answer(2, [0]).startswith("Not quite: 1 of your 1")
    assert quiz.answer(2, [0, 2]).startswith("Correct.")


def test_the_output_carries_the_widget_and_a_static_fallback() -> None:
    bundle = Quiz(single(), title="Quick check")._repr_mimebundle_()
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    text, html = bundle["text/plain"], bundle["text/html"]
    assert text.startswith("Quick check\n\n1. Which service runs buildspec commands? (choose one)")
    assert "   Answer: A." in text and "   B: It orchestrates stages." in text
    # Without widgets (nbconvert HTML, GitHub) the answer is folded away, not shown outright.
    assert "<details><summary>Show the answer</summary><p>Answer: A.</p>" in html
    assert html.index("<details>") > html.index("CodeDeploy")


def test_a_quiz_needs_a_question() -> None:
    with pytest.raises(CourseError, match="at least one question"):
        Quiz()


@pytest.mark.parametrize("question", STUDY_GUIDE, ids=lambda q: q.prompt[:40])
def test_the_study_guide_questions_have_the_guides_answers(question: Question) -> None:
    right = [question.choices[i].text for i in question.answer]
    expected = {
        "Which AWS service runs the commands in a buildspec.yml?": ["AWS CodeBuild"],
        "In a blue/green deployment pipeline, where do the end-to-end tests run?": [
            "Against the green (new) environment, before traffic is shifted to it"
        ],
        "Why are unit tests the base (the widest layer) of the testing pyramid?": [
            "They are fast and cheap and point at the exact function that broke, so you can "
            "afford many of them and run them on every change"
        ],
        "Which statements about a pipeline's Source stage and its Build stage are true?": [
            "The Source stage detects a change (e.g. a push) and packages the code as an "
            "output artifact",
            "The Build stage runs CodeBuild on that artifact to install, test and package",
        ],
    }[question.prompt]
    assert right == expected
    assert question.check(question.answer).correct
    assert all(choice.why for choice in question.choices)


def test_no_lesson_question_repeats_what_the_quiz_adds_itself() -> None:
    # The quiz appends "(choose one)" or "(choose all that apply)" to every question.
    root = Path(__file__).resolve().parents[2]
    questions = [
        (path.name, question)
        for path in sorted((root / "notebooks").glob("*.ipynb"))
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        for question in re.findall(r'Question\(\s*"([^"]*)"', "".join(cell["source"]))
    ]
    assert len(questions) > 20  # the pattern finds the lessons' questions
    repeated = [f"{name}: {q[:60]}" for name, q in questions if "choose" in q.lower()]
    assert repeated == []
