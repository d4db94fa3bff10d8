"""How long each lesson and exercise takes a learner, and workshop agendas built from that.

The times come from the notebooks themselves, with a model calibrated on two
readers who took the whole course (issue 14: about 4.7 h of study for the
lessons, 6.5 h for the exercises, measured by reading and running them):

* a lesson: its prose read at :data:`WORDS_PER_MINUTE`, plus
  :data:`SECONDS_PER_CODE_LINE` for each line of code read, run and looked at;
* an exercise: its instructions read at the same pace, plus
  :data:`MINUTES_PER_POINT` for each checkpoint point (points follow effort).

So the instructor guide's tables (``docs/instructor-guide.md``) follow the
course when a lesson grows: ``mlcicd course agenda`` prints them again, and a
test keeps the guide's copy equal to what this module computes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mlcicd.course.notebook import read

WORDS_PER_MINUTE = 150
SECONDS_PER_CODE_LINE = 7.5
MINUTES_PER_POINT = 4.2
#: A teaching day: 9:00 to 17:00 less lunch (60 min) and two breaks (15 min each).
DAY_MINUTES = 390

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Item:
    """One lesson or exercise and the minutes a learner needs for it.

    Attributes:
        number: ``NN``, e.g. ``"02"``.
        kind: ``lesson`` or ``exercise``.
        title: The notebook's first heading, without the number.
        path: The notebook, relative to the course folder.
        minutes: Estimated learner minutes, to the nearest 5 (at least 5).
    """

    number: str
    kind: str
    title: str
    path: str
    minutes: int


def _round5(minutes: float) -> int:
    return max(5, 5 * math.floor(minutes / 5 + 0.5))


def _parts(path: Path) -> tuple[str, int, int]:
    nb = read(path)
    title, words, lines = "", 0, 0
    for cell in nb.cells:
        source = "".join(cell.source)
        if cell.cell_type == "markdown":
            words += len(_WORD.findall(source))
            heading = next((ln[2:] for ln in source.splitlines() if ln.startswith("# ")), "")
            title = title or heading.split("·", 1)[-1].strip()
        elif cell.cell_type == "code":
            lines += sum(1 for line in source.splitlines() if line.strip())
    return title, words, lines


def _points(root: Path) -> dict[str, int]:
    manifest = json.loads((root / "exercises" / "manifest.json").read_text(encoding="utf-8"))
    return {entry["name"]: int(entry["max_score"]) for entry in manifest["exercises"]}


def course_items(root: Path = Path(".")) -> list[Item]:
    """Return every lesson and exercise of the course under ``root``, in course order."""
    points = _points(root)
    items = []
    for kind, folder in (("lesson", "notebooks"), ("exercise", "exercises")):
        for path in sorted((root / folder).glob("[0-9][0-9]_*.ipynb")):
            title, words, lines = _parts(path)
            minutes = model_minutes(kind, words, lines, points.get(path.stem, 0))
            relative = path.relative_to(root).as_posix()
            items.append(Item(path.stem[:2], kind, title, relative, minutes))
    return sorted(items, key=lambda i: (i.number, i.kind != "lesson"))


def model_minutes(kind: str, words: int, code_lines: int, points: int) -> int:
    """The model's minutes for one notebook, to the nearest 5.

    Args:
        kind: ``lesson`` (prose and code lines count) or ``exercise`` (prose and points).
        words: Words of prose.
        code_lines: Non-blank lines of code (lessons only).
        points: Checkpoint points (exercises only).
    """
    minutes = words / WORDS_PER_MINUTE
    if kind == "lesson":
        minutes += code_lines * SECONDS_PER_CODE_LINE / 60
    else:
        minutes += points * MINUTES_PER_POINT
    return _round5(minutes)


def times_table(items: Sequence[Item]) -> str:
    """Return a Markdown table: one row per lesson number, lesson and exercise minutes."""
    rows = ["| # | lesson | lesson min | exercise min |", "| --- | --- | ---: | ---: |"]
    numbers = sorted({i.number for i in items})
    for number in numbers:
        lesson = next((i for i in items if i.number == number and i.kind == "lesson"), None)
        exercise = next((i for i in items if i.number == number and i.kind == "exercise"), None)
        rows.append(
            f"| {number} | {lesson.title if lesson else ''} | {lesson.minutes if lesson else ''} "
            f"| {exercise.minutes if exercise else ''} |"
        )
    lessons = sum(i.minutes for i in items if i.kind == "lesson")
    exercises = sum(i.minutes for i in items if i.kind == "exercise")
    rows.append(f"| | **total** | **{lessons}** ({lessons / 60:.1f} h) "
                f"| **{exercises}** ({exercises / 60:.1f} h) |")  # fmt: skip
    return "\n".join(rows)


def minutes_of(items: Sequence[Item], picks: Sequence[str]) -> int:
    """Total minutes of ``picks``, each ``NN`` (the lesson) or ``NNx`` (its exercise)."""
    total = 0
    for pick in picks:
        kind = "exercise" if pick.endswith("x") else "lesson"
        number = pick.rstrip("x")
        (item,) = [i for i in items if i.number == number and i.kind == kind]
        total += item.minutes
    return total


#: Sessions that are not a notebook: (name, minutes).
WELCOME = ("Welcome, goals, `mlcicd doctor` on every machine", 15)
DEMO_CI = ("Live demo: a red build in CodeBuild's report, then green", 10)
WRAP_UP = ("Wrap-up: questions, the class report, what to study next", 15)

#: Optional lessons no agenda teaches (the real-account appendix): self-study.
APPENDIX: tuple[str, ...] = ("11",)

#: The two-day workshop: every lesson and most exercises; exercises 04, 09 and the
#: capstone's are homework (a class is slower than one reader: each day keeps about 40
#: minutes spare).
TWO_DAYS: tuple[tuple[object, ...], ...] = (
    (WELCOME, "00", "01", "02", "02x", "03", "03x", "04", "05", "05x", WRAP_UP),
    (DEMO_CI, "06", "06x", "07", "07x", "08", "08x", "09", "10", WRAP_UP),
)
#: The one-day workshop: the path from a unit test to a gated deployment; the rest is
#: the cut (self-study or a second day).
ONE_DAY: tuple[object, ...] = (
    WELCOME, "01", "02", "02x", "05", "05x", "07", "07x", "08", "08x", WRAP_UP,
)  # fmt: skip


def _session(items: Sequence[Item], pick: object) -> tuple[str, int]:
    if isinstance(pick, tuple):
        return str(pick[0]), int(pick[1])
    name = str(pick)
    kind = "exercise" if name.endswith("x") else "lesson"
    (item,) = [i for i in items if i.number == name.rstrip("x") and i.kind == kind]
    label = f"Exercise {item.number}" if kind == "exercise" else f"Lesson {item.number}"
    return f"{label}: {item.title}", item.minutes


def day_minutes(items: Sequence[Item], day: Sequence[object]) -> int:
    """The minutes a day's sessions take, breaks and lunch left out."""
    return sum(_session(items, pick)[1] for pick in day)


def day_table(items: Sequence[Item], day: Sequence[object]) -> str:
    """Return a day's agenda as a Markdown table with its running total."""
    rows = ["| session | min | running total |", "| --- | ---: | ---: |"]
    total = 0
    for pick in day:
        name, minutes = _session(items, pick)
        total += minutes
        rows.append(f"| {name} | {minutes} | {total} |")
    return "\n".join(rows)


def cut(items: Sequence[Item], day: Sequence[object]) -> list[Item]:
    """The lessons and exercises a one-day plan leaves out (the cut), in course order."""
    kept = {str(p) for p in day if not isinstance(p, tuple)}
    return [i for i in items if f"{i.number}{'x' if i.kind == 'exercise' else ''}" not in kept]


def _label(item: Item) -> str:
    return f"{item.kind} {item.number}"


def agenda_markdown(root: Path = Path(".")) -> str:
    """Everything the instructor guide shows about time: per-notebook times and both agendas."""
    items = course_items(root)
    parts = ["### Time per lesson and exercise", "", times_table(items), ""]
    for number, day in enumerate(TWO_DAYS, start=1):
        used = day_minutes(items, day)
        parts += [f"### Two days: day {number} ({used} of {DAY_MINUTES} min)", ""]
        parts += [day_table(items, day), ""]
    homework = [p for d in TWO_DAYS for p in d]
    left = ", ".join(_label(i) for i in cut(items, homework))
    parts += [f"**Homework after two days**: {left}.", ""]
    used = day_minutes(items, ONE_DAY)
    parts += [f"### One day ({used} of {DAY_MINUTES} min)", "", day_table(items, ONE_DAY), ""]
    left = ", ".join(_label(i) for i in cut(items, ONE_DAY))
    parts += [
        f"**✂ The cut for one day** (lesson 00 as pre-work the week before; the rest as "
        f"self-study or a second day): {left}.",
        "",
    ]
    return "\n".join(parts)
