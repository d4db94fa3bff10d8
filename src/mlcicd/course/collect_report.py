"""What ``mlcicd course collect`` did: the notebooks collected, and each problem with what to do.

Exercise notebooks (:class:`Collected`) are what grading scores; lesson
notebooks with quiz results (:class:`CollectedLesson`) are only shown, ungraded,
on the learner's feedback page.

:class:`CollectReport` is what :func:`mlcicd.course.collect.collect` returns;
its :meth:`~CollectReport.summary` is what the command line prints and its
:meth:`~CollectReport.to_json` what ``--json`` writes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlcicd.course.notebook import write_text

#: Problem kinds, in the order the summary lists them.
KINDS = (
    "broken", "unsafe", "symlink", "unreadable", "unrecognised", "invalid",
    "duplicate", "conflict", "missing",
)  # fmt: skip
#: What became of a notebook: new, already there with the same bytes, or replaced (--force).
STATUSES = ("written", "unchanged", "replaced")


@dataclass(frozen=True)
class Problem:
    """Something the instructor must look at; the rest of the class is collected.

    Attributes:
        kind: One of :data:`KINDS`.
        path: The file or folder concerned (``archive.zip:member`` inside an archive).
        message: What is wrong, what was done, and what to do.
        learner: The learner concerned, when known.
        exercise: The exercise concerned, when known.
    """

    kind: str
    path: str
    message: str
    learner: str | None = None
    exercise: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.message}"


@dataclass(frozen=True)
class Collected:
    """One notebook in the class folder.

    Attributes:
        learner: Whose it is.
        exercise: Which exercise it is.
        source: Where it was collected from.
        target: ``CLASS/<learner>/<exercise>.ipynb``.
        status: ``written`` (new), ``unchanged`` (already there) or ``replaced`` (force).
    """

    learner: str
    exercise: str
    source: str
    target: str
    status: str


@dataclass(frozen=True)
class CollectedLesson:
    """One lesson notebook with quiz results in the class folder: never graded, its quizzes
    appear on the learner's feedback page (:mod:`mlcicd.grade.quizzes`).

    Attributes:
        learner: Whose it is.
        lesson: Its file name (``02_unit_tests.ipynb``).
        source: Where it was collected from.
        target: ``CLASS/<learner>/lessons/<lesson>``.
        status: As :attr:`Collected.status`.
    """

    learner: str
    lesson: str
    source: str
    target: str
    status: str


@dataclass
class CollectReport:
    """What :func:`collect` did.

    Attributes:
        out: The class folder.
        exercises: The exercises each learner was expected to have.
        learners: Every learner found, sorted.
        collected: The exercise notebooks in the class folder.
        lessons: The lesson notebooks with quiz results in the class folder.
        problems: Everything reported, in :data:`KINDS` order.
        ignored: Files not looked at (course files in repositories, hidden files,
            exercises left out by ``exercises``).
    """

    out: Path
    exercises: tuple[str, ...]
    learners: tuple[str, ...]
    collected: list[Collected] = field(default_factory=list)
    lessons: list[CollectedLesson] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: int = 0

    def count(self, kind: str) -> int:
        """Return how many problems of ``kind`` there are."""
        return sum(p.kind == kind for p in self.problems)

    def counts(self) -> dict[str, int]:
        """Return learners, exercise notebooks by status, lessons, and problems by kind."""
        counts = {"learners": len(self.learners), "collected": len(self.collected)}
        for status in STATUSES:
            counts[status] = sum(c.status == status for c in self.collected)
        counts["lessons"] = len(self.lessons)
        return counts | {kind: self.count(kind) for kind in KINDS}

    def summary(self) -> list[str]:
        """Return the lines the command line prints: totals, then one line per problem."""
        counts = self.counts()
        others = len(self.problems) - sum(
            counts[k] for k in ("missing", "duplicate", "unrecognised")
        )
        lines = [
            f"Collected {counts['collected']} notebook(s) of {counts['learners']} learner(s) "
            f"into {self.out}: {counts['written']} written, {counts['unchanged']} unchanged, "
            f"{counts['replaced']} replaced.",
            *self._lessons_line(),
            f"Exercises expected: {', '.join(self.exercises) or '(none found)'}.",
            f"Problems: {counts['missing']} missing, {counts['duplicate']} duplicate, "
            f"{counts['unrecognised']} unrecognised, {others} other.",
        ]
        return lines + [f"  {problem}" for problem in self.problems]

    def _lessons_line(self) -> list[str]:
        # Only when there are some: most classes never save a quiz, and need not read about it.
        if not self.lessons:
            return []
        learners = len({lesson.learner for lesson in self.lessons})
        done = ", ".join(
            f"{sum(lesson.status == status for lesson in self.lessons)} {status}"
            for status in STATUSES
        )
        return [
            f"Collected {len(self.lessons)} lesson notebook(s) with quiz results of {learners} "
            f"learner(s) into {self.out}/<learner>/lessons/: {done}. Not graded: mlcicd grade "
            "shows their quiz results on each learner's feedback page."
        ]

    def to_json(self) -> dict[str, Any]:
        """Return the report as JSON-ready data (``--json``)."""
        return {
            "class": str(self.out),
            "exercises": list(self.exercises),
            "learners": list(self.learners),
            "counts": self.counts() | {"ignored": self.ignored},
            "collected": [asdict(c) for c in self.collected],
            "lessons": [asdict(lesson) for lesson in self.lessons],
            "problems": [asdict(p) for p in self.problems],
        }

    def write_json(self, path: Path) -> None:
        """Write :meth:`to_json` to ``path`` atomically."""
        write_text(Path(path), json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n")
