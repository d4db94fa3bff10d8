"""Quizzes: explained feedback, shuffled choices, a fallback without answers, saved results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from mlcicd.course.questions import STUDY_GUIDE
from mlcicd.course.quiz import SEED_ENV, Choice, Question, Quiz, shown_order
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


def many(count: int) -> tuple[Question, ...]:
    """``count`` questions of five choices each, the first one right."""
    return tuple(
        Question(
            f"Question {n}?",
            *(Choice(f"choice {k}", correct=k == 0, why=f"why {k}") for k in range(5)),
        )
        for n in range(count)
    )


def shown(quiz: Quiz, number: int) -> list[str]:
    """The texts of question ``number``'s choices, in the order the learner sees them."""
    return [choice.text for choice in quiz.questions[number - 1].choices]


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
    ("choices", "options", "problem"),
    [
        ((Choice("a", correct=True, why="w"),), {}, "needs 2 to 10 choices, has 1"),
        ((Choice("a", why="w"), Choice("b", why="w")), {}, "has no right answer"),
        (
            (Choice("a", correct=True, why="w"), Choice("b", correct=True, why="w")),
            {},
            "has 2 right answers; pass multiple=True",
        ),
        ((Choice("a", correct=True, why="w"), Choice("b")), {}, "without an explanation"),
        (
            (Choice("a", correct=True, why="w"), Choice("b", why="w")),
            {"kind": "application"},
            "has kind='application'; use one of recall, apply",
        ),
    ],
)
def test_a_malformed_question_is_refused(
    choices: tuple[Choice, ...], options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(CourseError, match=problem):
        Question("Q?", *choices, **options)


def test_an_out_of_range_choice_is_refused() -> None:
    with pytest.raises(CourseError, match="choices are 0 to 2"):
        single().check([3])


def test_a_quiz_needs_a_question() -> None:
    with pytest.raises(CourseError, match="at least one question"):
        Quiz()


# ---- shuffling -------------------------------------------------------------------------


def test_the_same_seed_shows_the_same_order() -> None:
    first, again = Quiz(*many(6), seed="ada"), Quiz(*many(6), seed="ada")
    assert [shown(first, n) for n in range(1, 7)] == [shown(again, n) for n in range(1, 7)]


def test_another_seed_shows_another_order_for_some_question() -> None:
    ada, bob = Quiz(*many(6), seed="ada"), Quiz(*many(6), seed="bob")
    assert any(shown(ada, n) != shown(bob, n) for n in range(1, 7))


def test_a_seed_shuffles_the_questions_differently_from_each_other() -> None:
    quiz = Quiz(*many(6), seed="ada")
    # Six questions with the same choices: one order for all would mean the prompt is ignored.
    assert len({tuple(shown(quiz, n)) for n in range(1, 7)}) > 1


def test_shuffling_keeps_every_choice_once() -> None:
    quiz = Quiz(*many(4), seed=7)
    for number, question in enumerate(quiz.authored, start=1):
        assert sorted(shown(quiz, number)) == sorted(c.text for c in question.choices)
    assert sorted(shown_order("s", "prompt", 9)) == list(range(9))


def test_the_seed_comes_from_the_argument_then_the_environment_then_a_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SEED_ENV, raising=False)
    default = Quiz(single())
    monkeypatch.setenv(SEED_ENV, "learner-42")
    assert Quiz(single()).seed == "learner-42"
    assert Quiz(single(), seed="given").seed == "given"
    monkeypatch.setenv(SEED_ENV, "  ")  # a blank variable is no seed
    assert Quiz(single()).seed == default.seed


@pytest.mark.parametrize("seed", ["ada", "bob", "carol", 3])
def test_feedback_letters_are_those_shown(seed: str | int) -> None:
    quiz = Quiz(single(), seed=seed)
    letters = dict(zip(shown(quiz, 1), "ABC", strict=True))
    right, wrong = shown(quiz, 1).index("CodeBuild"), shown(quiz, 1).index("CodeDeploy")
    assert quiz.answer(1, [wrong]) == f"Not quite. Try again.\n{letters['CodeDeploy']}. It deploys."
    assert quiz.answer(1, [right]) == f"Correct.\n{letters['CodeBuild']}. It runs the phases."


def test_the_widget_answers_a_multiple_answer_question_in_the_shown_order() -> None:
    quiz = Quiz(single(), several(), seed="ada")
    texts = shown(quiz, 2)
    right = [texts.index("unit tests"), texts.index("integration tests with moto")]
    assert quiz.answer(2, right[:1]).startswith("Not quite: 1 of your 1")
    assert quiz.answer(2, right).startswith("Correct.")


# ---- what is shown without widgets -----------------------------------------------------


def test_the_output_carries_the_widget_and_a_static_fallback() -> None:
    bundle = Quiz(single(), title="Quick check", seed="ada")._repr_mimebundle_()
    assert "model_id" in bundle["application/vnd.jupyter.widget-view+json"]
    text, html = bundle["text/plain"], bundle["text/html"]
    assert text.startswith("Quick check\n\n1. Which service runs buildspec commands? (choose one)")
    assert all(f". {choice}" in text for choice in ("CodeBuild", "CodePipeline", "CodeDeploy"))
    # HTML folds the answer and the explanations away; plain text cannot fold, so has neither.
    letter = "ABC"[shown(Quiz(single(), seed="ada"), 1).index("CodeBuild")]
    assert f"<details><summary>Show the answer</summary><p>Answer: {letter}.</p>" in html
    assert html.index("<details>") > html.index("CodeDeploy")
    assert html.index("<details>") < html.index("It runs the phases.")
    for secret in ("Answer:", "It runs the phases.", "It orchestrates stages.", "It deploys."):
        assert secret not in text


@pytest.mark.parametrize("question", STUDY_GUIDE, ids=lambda q: q.prompt[:40])
def test_no_study_guide_answer_is_in_the_plain_text(question: Question) -> None:
    text = Quiz(question).text()
    assert "Answer:" not in text
    assert not any(choice.why in text for choice in question.choices)


# ---- results saved in the notebook -----------------------------------------------------


def test_each_check_is_recorded_with_the_letters_shown() -> None:
    quiz = Quiz(single(), several(), seed="bob")
    assert quiz.metadata()["mlcicd"]["quiz"]["answers"] == []
    texts = shown(quiz, 1)
    quiz.answer(1, [])  # nothing chosen: no answer to record
    quiz.answer(1, [texts.index("CodePipeline")])
    quiz.answer(1, [texts.index("CodeBuild")])
    record = quiz.metadata()["mlcicd"]["quiz"]
    assert (record["seed"], record["questions"]) == ("bob", 2)
    assert record["answers"] == [
        {
            "id": single().id,
            "number": 1,
            "prompt": "Which service runs buildspec commands?",
            "kind": "recall",
            "chosen": "ABC"[texts.index("CodeBuild")],
            "correct": True,
            "checks": 2,
        }
    ]


class Display:
    """Stands in for IPython's ``display``: records each call, returns a handle that records."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []

    def __call__(self, obj: Any, **options: Any) -> Any:
        self.calls.append({"obj": obj, **options})
        display = self

        class Handle:
            def update(self, obj: Any, **options: Any) -> None:
                display.updates.append({"obj": obj, **options})

        return Handle() if options.get("display_id") else None


def test_displaying_a_quiz_adds_a_results_output_that_each_check_updates(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = Display()
    monkeypatch.setattr("IPython.display.display", fake)
    quiz = Quiz(single(), seed="ada")
    quiz._ipython_display_()
    questions, results = fake.calls
    assert "Which service runs" in questions["obj"]["text/plain"]
    assert results["display_id"] is True and results["raw"] is True
    assert results["metadata"]["mlcicd"]["quiz"]["answers"] == []
    assert "0 of 1 question(s) checked" in results["obj"]["text/plain"]
    quiz.answer(1, [shown(quiz, 1).index("CodeDeploy")])
    (update,) = fake.updates
    assert update["metadata"]["mlcicd"]["quiz"]["answers"][0]["correct"] is False
    assert "1 of 1 question(s) checked, 0 right" in update["obj"]["text/plain"]


def test_a_kernel_saves_the_checks_in_the_notebooks_output_metadata(tmp_path: Path) -> None:
    # The one slow test: a real kernel, and nbclient applying the display updates as
    # JupyterLab does, so the saved file holds what the learner checked.
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from mlcicd.course import Choice, Question, Quiz\n"
            "quiz = Quiz(Question('Q?', Choice('right', correct=True, why='r'), "
            "Choice('wrong', why='w')), seed='ada')\nquiz"
        ),
        nbformat.v4.new_code_cell(
            "texts = [c.text for c in quiz.questions[0].choices]\n"
            "quiz.answer(1, [texts.index('wrong')])\nquiz.answer(1, [texts.index('right')])\n"
            "import json\nprint(json.dumps(texts))"
        ),
    ]
    NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {}}).execute()
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nb, path)
    saved = nbformat.read(path, as_version=4)
    records = [
        out["metadata"]["mlcicd"]["quiz"]
        for out in saved.cells[0].outputs
        if "mlcicd" in out.get("metadata", {})
    ]
    texts = json.loads(saved.cells[1].outputs[0]["text"])  # the order the kernel showed
    assert len(records) == 1
    (answer,) = records[0]["answers"]
    assert (answer["chosen"], answer["correct"], answer["checks"]) == (
        "AB"[texts.index("right")],
        True,
        2,
    )


@pytest.mark.parametrize("question", STUDY_GUIDE, ids=lambda q: q.prompt[:40])
def test_the_study_guide_questions_have_the_guides_answers(question: Question) -> None:
    right = [question.choices[i].text for i in question.answer]
    expected = {
        "Which AWS service runs the commands in a buildspec.yml?": ["AWS CodeBuild"],
        "In a blue/green deployment pipeline, where do the end-to-end tests run?": [
            "Against the green (new) environment, before traffic is shifted to it"
        ],
        "Why are unit tests the base (the widest layer) of the testing pyramid?": [
            "They are fast and cheap and point at the exact function that broke"
        ],
        "Which statements about a pipeline's Source stage and its Build stage are true?": [
            "The Build stage runs CodeBuild on the source artifact to install, test and package",
            "The Source stage detects a change (e.g. a push) and packages the code as an "
            "output artifact",
        ],
    }[question.prompt]
    assert sorted(right) == sorted(expected)
    assert question.check(question.answer).correct
    assert all(choice.why for choice in question.choices)
