"""Quiz results saved in a learner's lesson notebooks: read for the feedback, never graded.

A lesson's quiz records each Check press in the metadata of one of its outputs,
``{"mlcicd": {"quiz": {...}}}`` (see :mod:`mlcicd.course.quiz`), so a saved
lesson notebook holds its learner's answers. ``mlcicd grade`` shows them on the
learner's feedback page, ungraded:

* a **lesson notebook** is one with such a record and no exercise metadata
  (``metadata.mlcicd.exercise``); it is never run, and never a submission;
* its file is only read, as JSON; everything in it is the learner's and is
  checked field by field (a malformed record is left out, never an error);
* the score, the totals and the gradebook do not change;
* ``mlcicd course collect`` gathers a learner's lessons into
  ``CLASS/<learner>/lessons/`` (:data:`LESSONS_FOLDER`), and a learner whose
  folder holds lessons but no exercise still gets a feedback page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Longest prompt kept from a record (the learner's file could hold anything).
PROMPT_LIMIT = 200
#: The folder of a learner's class folder where ``mlcicd course collect`` puts their lessons
#: (``CLASS/<learner>/lessons/02_unit_tests.ipynb``: a lesson shares its exercise's name).
#: Grading finds lessons at any depth of a learner's folder, so this is only where they go.
LESSONS_FOLDER = "lessons"


@dataclass(frozen=True)
class QuizAnswer:
    """A question's last Check, as the lesson recorded it.

    Attributes:
        number: The question's number in its quiz (1-based).
        prompt: The question.
        chosen: The letters chosen, as shown to the learner.
        correct: Whether that last check was right.
        checks: How many times the learner pressed Check on it.
    """

    number: int
    prompt: str
    chosen: str
    correct: bool
    checks: int


@dataclass(frozen=True)
class LessonQuiz:
    """One quiz of one lesson notebook.

    Attributes:
        lesson: The notebook's path, as found.
        title: The quiz's title.
        questions: How many questions it has.
        answers: The questions checked, in order.
    """

    lesson: str
    title: str
    questions: int
    answers: tuple[QuizAnswer, ...]

    @property
    def right(self) -> int:
        """Questions right at their last check."""
        return sum(answer.correct for answer in self.answers)


def _answer(data: Any) -> QuizAnswer | None:
    if not isinstance(data, Mapping):
        return None
    number, prompt, chosen = data.get("number"), data.get("prompt"), data.get("chosen")
    correct, checks = data.get("correct"), data.get("checks", 1)
    if not (isinstance(number, int) and isinstance(prompt, str) and isinstance(chosen, str)):
        return None
    if not isinstance(correct, bool) or not isinstance(checks, int):
        return None
    return QuizAnswer(number, prompt[:PROMPT_LIMIT], chosen[:10], correct, checks)


def _records(nb: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    cells = nb.get("cells")
    for cell in cells if isinstance(cells, list) else []:
        outputs = cell.get("outputs") if isinstance(cell, Mapping) else None
        for output in outputs if isinstance(outputs, list) else []:
            metadata = output.get("metadata") if isinstance(output, Mapping) else None
            course = metadata.get("mlcicd") if isinstance(metadata, Mapping) else None
            record = course.get("quiz") if isinstance(course, Mapping) else None
            if isinstance(record, Mapping):
                yield record


def lesson_quizzes(nb: Mapping[str, Any], lesson: str) -> tuple[LessonQuiz, ...] | None:
    """Return the quizzes recorded in ``nb``, or None when it is no lesson notebook.

    A notebook marked as an exercise is never a lesson, whatever its outputs hold.
    """
    metadata = nb.get("metadata")
    course = metadata.get("mlcicd") if isinstance(metadata, Mapping) else None
    if isinstance(course, Mapping) and course.get("exercise"):
        return None
    quizzes = []
    for record in _records(nb):
        answers = [a for a in map(_answer, _list(record.get("answers"))) if a is not None]
        questions = record.get("questions")
        title = record.get("title")
        quizzes.append(
            LessonQuiz(
                lesson,
                title[:PROMPT_LIMIT] if isinstance(title, str) else "Quiz",
                questions if isinstance(questions, int) and questions >= 0 else len(answers),
                tuple(sorted(answers, key=lambda a: a.number)),
            )
        )
    return tuple(quizzes) or None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def read_lesson(path: Path) -> tuple[LessonQuiz, ...] | None:
    """Return the quizzes of the lesson notebook at ``path``; None when it is not one.

    An unreadable or non-JSON file is not a lesson (grading then reports it as it would).
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return lesson_quizzes(nb, str(path)) if isinstance(nb, Mapping) else None


def is_lesson(path: Path) -> bool:
    """True when ``path`` is a lesson notebook with quiz records (so: not a submission)."""
    return not path.is_symlink() and read_lesson(path) is not None


def learner_quizzes(folder: Path) -> list[LessonQuiz]:
    """Return the quizzes of every lesson notebook in a learner's ``folder``, at any depth.

    Hidden folders (``.ipynb_checkpoints``) and symbolic links are skipped.
    """
    found: list[LessonQuiz] = []
    for path in sorted(folder.rglob("*.ipynb")):
        inside = path.relative_to(folder).parts
        linked = any((folder / Path(*inside[:i])).is_symlink() for i in range(1, len(inside) + 1))
        if linked or any(part.startswith(".") for part in inside):
            continue
        found += read_lesson(path) or ()
    return found
