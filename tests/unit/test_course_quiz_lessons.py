"""The lessons' quizzes as a whole: balanced answer positions, no length tell, enough applying.

Each lesson's quiz cell is run as far as building its ``Quiz`` (no kernel, no widget),
so the figures are those of the questions a learner meets. A question asked in two
lessons (a study-guide question) counts once.
"""

from __future__ import annotations

import ast
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from mlcicd.course.notebook import read
from mlcicd.course.quiz import Question, Quiz

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("[01][0-9]_*.ipynb"))


def build_quiz(source: str) -> Quiz:
    """Run a quiz cell's statements, then evaluate its last expression: the ``Quiz``."""
    *statements, last = ast.parse(source).body
    assert isinstance(last, ast.Expr), "a quiz cell ends with the Quiz(...) expression"
    namespace: dict[str, object] = {}
    exec(compile(ast.Module(statements, type_ignores=[]), "<quiz cell>", "exec"), namespace)
    quiz = eval(compile(ast.Expression(last.value), "<quiz cell>", "eval"), namespace)
    assert isinstance(quiz, Quiz)
    return quiz


@cache
def lesson_quizzes() -> tuple[tuple[str, Quiz], ...]:
    found = []
    for path in LESSONS:
        cells = [c for c in read(path).cells if c.cell_type == "code" and "Quiz(" in c.source]
        found += [(path.name, build_quiz(cell.source)) for cell in cells]
    return tuple(found)


@cache
def questions() -> tuple[Question, ...]:
    distinct = {q.prompt: q for _, quiz in lesson_quizzes() for q in quiz.authored}
    return tuple(distinct.values())


def test_every_lesson_has_a_quiz_and_the_course_enough_questions() -> None:
    assert {name for name, _ in lesson_quizzes()} == {p.name for p in LESSONS}
    assert len(LESSONS) >= 11 and len(questions()) >= 30


def test_no_position_holds_the_right_answer_in_more_than_40_percent_of_questions() -> None:
    # As stored (authored): the order a reader of the source, or of an unshuffled copy, sees.
    holding = Counter(i for q in questions() for i in q.answer)
    shares = {position: count / len(questions()) for position, count in holding.items()}
    assert max(shares.values()) <= 0.40, shares


def test_the_right_answer_is_not_systematically_the_longest() -> None:
    single = [q for q in questions() if not q.multiple]
    longest = [
        q.prompt
        for q in single
        if all(
            len(q.choices[q.answer[0]].text) > len(c.text)
            for i, c in enumerate(q.choices)
            if i != q.answer[0]
        )
    ]
    assert len(single) >= 25
    assert len(longest) <= 0.40 * len(single), longest


def test_at_least_a_third_of_the_questions_apply_a_concept_to_a_new_scenario() -> None:
    applying = [q for q in questions() if q.kind == "apply"]
    assert len(applying) >= len(questions()) / 3, f"{len(applying)} of {len(questions())}"


@pytest.mark.parametrize("lesson", [p.name for p in LESSONS])
def test_a_lesson_quiz_in_plain_text_shows_no_answer(lesson: str) -> None:
    for name, quiz in lesson_quizzes():
        if name != lesson:
            continue
        text = quiz.text()
        assert "Answer:" not in text
        whys = [c.why for q in quiz.questions for c in q.choices]
        assert [why for why in whys if why in text] == []


def test_no_lesson_question_repeats_what_the_quiz_adds_itself() -> None:
    # The quiz appends "(choose one)" or "(choose all that apply)" to every question.
    repeated = [q.prompt[:60] for q in questions() if "choose" in q.prompt.lower()]
    assert repeated == []


def test_no_explanation_defines_a_test_layer_by_whether_aws_is_mocked() -> None:
    # Issue 16, erratum 01[11]: a layer is defined by scope; lesson 06 runs E2E on moto.
    whys = [c.why.lower() for q in questions() for c in q.choices]
    assert not [w for w in whys if "not even a mocked one" in w or "not a simulation" in w]
    scope = [q for q in questions() if "unit, an integration or an end-to-end" in q.prompt]
    assert len(scope) == 1
    (right,) = scope[0].answer
    assert "scope" in scope[0].choices[right].text.lower()
