"""What to review for a checkpoint: the lesson that teaches it, and the section that does.

Exercise ``NN_name`` practises lesson ``notebooks/NN_*.ipynb`` (same number).
Within the lesson, the section (a ``##`` heading and the cells under it) is
the one whose words best match what the checkpoint asks: the exercise's own
instructions above the checkpoint cell, the check's hint and the names it
needs. Words are weighted by how rare they are among the lesson's sections
(TF-IDF), and names in backticks count double, so ``impute_median`` beats
"the". When nothing matches, the lesson is named without a section.

Only the course's own notebooks are read, never a learner's submission: what
a learner wrote must not steer the advice.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.course.checkpoint import get_check
from mlcicd.course.notebook import checkpoint_info, read
from mlcicd.exceptions import CourseError

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_CODE = re.compile(r"`([^`\n]+)`")
#: Words too common to say which section a checkpoint is about.
_STOP = frozenset(
    re.findall(
        r"\w+",
        "the and for with that this from into are not its your you which when each what then "
        "than have has was were will one two them they their there these those only also does "
        "must more most some any all use used using run runs cell cells code write returns return",
    )
)
#: Sections every lesson has that teach nothing a checkpoint checks.
_BOILERPLATE = frozenset({"objectives", "muddy points", "quiz", "next", "contents"})


@dataclass(frozen=True)
class Review:
    """Where a checkpoint's topic is taught.

    Attributes:
        lesson: The lesson notebook, relative to the course, e.g. ``notebooks/02_unit_tests.ipynb``.
        title: The lesson's first heading, e.g. ``02 · Unit tests for ML code``.
        section: The best-matching section heading, or None when none matched.
    """

    lesson: str
    title: str
    section: str | None = None


@dataclass(frozen=True)
class _Section:
    heading: str
    words: Counter[str]


def _terms(text: str) -> Counter[str]:
    words = Counter(w.lower() for w in _WORD.findall(text) if w.lower() not in _STOP)
    for span in _CODE.findall(text):  # a name in backticks is what the cell is about
        words.update(w.lower() for w in _WORD.findall(span) for _ in range(2))
    return words


def _heading(source: str, level: str) -> str | None:
    for line in source.splitlines():
        if line.startswith(level + " "):
            return line[len(level) + 1 :].strip()
    return None


def _lesson(path: Path) -> tuple[str, list[_Section]]:
    """Return the lesson's title and its sections (boilerplate ones left out)."""
    title, sections, current = path.stem, [], None
    for cell in read(path).cells:
        source = str(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            top = _heading(source, "#")
            title = top if top and title == path.stem else title
            for line in source.splitlines():
                if line.startswith("## "):
                    current = [line[3:].strip(), ""]
                    sections.append(current)
        if current is not None:
            current[1] += source + "\n"
    return title, [
        _Section(heading, _terms(text))
        for heading, text in sections
        if heading.lower() not in _BOILERPLATE
    ]


def _asks(cells: Iterable[Any]) -> dict[str, str]:
    """Return, per checkpoint id, the exercise's instructions since the previous checkpoint."""
    asks, text = {}, ""
    for cell in cells:
        info, source = checkpoint_info(cell), str(cell.get("source", ""))
        if info is not None:
            asks[info[0]], text = text, ""
        elif cell.get("cell_type") == "markdown" and _heading(source, "#") is None:
            text += source + "\n"  # the title cell (a "#" heading) introduces every checkpoint
    return asks


def checkpoint_hints(checkpoint_ids: Iterable[str]) -> dict[str, str]:
    """Return each checkpoint's hint and the names it needs, e.g. ``"Scale ... `scale_to_unit`"``.

    Imports the exercises' check modules (a few seconds for all of them, once).
    A checkpoint this course does not know, or whose module this machine cannot
    import, gets no entry.
    """
    hints = {}
    for checkpoint_id in sorted(set(checkpoint_ids)):
        try:
            spec = get_check(checkpoint_id)
        except (CourseError, ImportError):
            continue
        hints[checkpoint_id] = spec.hint
    return hints


def best_section(asks: str, sections: list[_Section]) -> str | None:
    """Return the heading of the section that best matches ``asks``, or None when none does.

    Args:
        asks: What the checkpoint asks, as text.
        sections: The lesson's sections.
    """
    query = _terms(asks)
    spread = Counter(word for section in sections for word in section.words)
    best, best_score = None, 0.0
    for section in sections:  # the first of equal scores wins: the same answer every run
        idf = {w: math.log((1 + len(sections)) / (1 + spread[w])) + 1 for w in section.words}
        score = sum(min(n, section.words[w]) * idf[w] ** 2 for w, n in query.items() if w in idf)
        norm = math.sqrt(sum((n * idf[w]) ** 2 for w, n in section.words.items())) or 1.0
        if score / norm > best_score:
            best, best_score = section.heading, score / norm
    return best


def lesson_guide(
    course: Path | None, exercises: Iterable[str], hints: Mapping[str, str]
) -> dict[str, Review]:
    """Return what to review, by exercise name and by checkpoint id (missing files: left out).

    Args:
        course: The course folder (holding ``notebooks/`` and ``exercises/``), or None.
        exercises: Exercise names, e.g. ``02_unit_tests``.
        hints: The checkpoints' hints (:func:`checkpoint_hints`), matched with the rest.
    """
    guide: dict[str, Review] = {}
    if course is None:
        return guide
    for name in sorted(set(exercises)):
        lessons = sorted((course / "notebooks").glob(f"{name[:2]}_*.ipynb"))
        if not name[:2].isdigit() or not lessons:
            continue
        try:
            title, sections = _lesson(lessons[0])
            asks = _asks(read(course / "exercises" / f"{name}.ipynb").cells)
        except CourseError:  # a missing or broken course file: no section, nothing worse
            continue
        lesson = lessons[0].relative_to(course).as_posix()
        guide[name] = Review(lesson, title)
        for checkpoint_id, text in asks.items():
            section = best_section(f"{text}\n{hints.get(checkpoint_id, '')}", sections)
            guide[checkpoint_id] = Review(lesson, title, section)
    return guide


def review_for(guide: Mapping[str, Review], exercise: str, checkpoint_id: str) -> Review | None:
    """Return the checkpoint's review, else its exercise's lesson, else None."""
    return guide.get(checkpoint_id) or guide.get(exercise)
