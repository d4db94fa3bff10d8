"""The class gradebook: one row per learner, one column per exercise, merged run after run.

``mlcicd grade CLASS --gradebook grades.csv`` writes::

    learner,02_unit_tests,03_data_tests,total,max
    alice,9,6,15,17
    bob,not gradable,8,8,8

Merging with the file an earlier run wrote (or an instructor edited):

* learners, exercise columns and rows already there are kept, in their order;
  this run's scores replace the same learner's cells of the same exercises;
* every other column (``section``, ``notes``, ...) and every row without a
  learner is kept as it is; new exercise columns go before ``total``;
* a column is an exercise column when its header is an exercise's name
  (``02_unit_tests``) in the manifest or in this run's results.

A cell holds the points, or a marker that does not look like 0:

* ``not gradable``: the grading machine lacked a package or tool; not the
  learner's fault (grade again where it is installed);
* ``not graded``: grading could not run on the file (the table says why);
* empty: nothing submitted yet.

A marker that replaces a score keeps it in sight: ``not gradable (was 7)``
(a machine's problem must not erase a grade).

``total`` adds the numbers of a row's exercise cells. ``max`` adds the points of
the exercise columns whose cell is a number or empty (not submitted yet counts
towards max); a cell with text (a marker, or an instructor's ``excused``)
counts towards neither, so a machine's problem never lowers a learner's share.
Two files of one exercise: the better score counts. Files of no known exercise
are listed in a ``not graded`` column (this run's, per learner).

A file that is not a gradebook (not UTF-8 CSV, no ``learner`` column, a
learner twice) is refused with what to fix, and left untouched. The new file is
written through a temporary one. Text from learners' files cannot start a
spreadsheet formula (as in :mod:`mlcicd.grade.report`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlcicd.course.notebook import write_text
from mlcicd.exceptions import GradeError
from mlcicd.grade.model import NOT_GRADABLE, SubmissionResult
from mlcicd.grade.report import _cell
from mlcicd.grade.roster import GRADED, NOT_GRADED, by_learner, clean_text, outcome

LEARNER, TOTAL, MAX, UNIDENTIFIED = "learner", "total", "max", "not graded"
_OURS = (LEARNER, TOTAL, MAX, UNIDENTIFIED)
_WAS = re.compile(r"\(was ([^()]+)\)$")


@dataclass
class Gradebook:
    """A gradebook as read: the header and the rows, each as long as the header.

    Attributes:
        header: Column names, in order.
        rows: The rows' cells, as text.
    """

    header: list[str]
    rows: list[list[str]]

    def column(self, name: str) -> int:
        """Return the index of column ``name``, adding it at the end when it is missing."""
        if name not in self.header:
            self.header.append(name)
            for row in self.rows:
                row.append("")
        return self.header.index(name)


def _refuse(problem: str, path: Path) -> GradeError:
    return GradeError(
        f"{problem}; it was left untouched (fix it, or pass another --gradebook file)",
        path=str(path),
    )


def read_gradebook(path: Path) -> Gradebook | None:
    """Read the gradebook at ``path``: None when there is none yet (or it is empty).

    Raises:
        GradeError: When it is not a gradebook: not UTF-8 CSV, no ``learner``
            column, a column of ours twice, a row longer than the header, a learner twice.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise _refuse("--gradebook is a folder, not a CSV file", path) from None
    except UnicodeDecodeError:
        raise _refuse("is not UTF-8 text; save it as CSV UTF-8", path) from None
    except OSError as error:
        raise _refuse(f"cannot be read ({error.strerror})", path) from None
    if not text.strip():
        return None
    try:
        header, *rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise _refuse(f"is not valid CSV ({error})", path) from None
    if LEARNER not in header:
        raise _refuse(
            f"has no {LEARNER!r} column in its first line (a CSV separated by commas, "
            f"with a header such as {LEARNER},02_unit_tests,total,max)",
            path,
        )
    twice = sorted({name for name in header if name in _OURS and header.count(name) > 1})
    if twice:
        raise _refuse(f"has the column {twice[0]!r} twice", path)
    return _rows(header, rows, path)


def _rows(header: list[str], rows: list[list[str]], path: Path) -> Gradebook:
    at, seen, kept = header.index(LEARNER), {}, []
    for line, row in enumerate(rows, start=2):
        if len(row) > len(header):
            raise _refuse(f"line {line} has {len(row)} cells but the header {len(header)}", path)
        row = row + [""] * (len(header) - len(row))
        name = row[at]
        if name and name in seen:
            raise _refuse(f"learner {name!r} is on lines {seen[name]} and {line}", path)
        seen[name] = line
        kept.append(row)
    return Gradebook(list(header), kept)


def _cells(results: Sequence[SubmissionResult]) -> dict[str, str]:
    """Return a learner's cell per exercise: the better graded score, else a marker."""
    cells: dict[str, str] = {}
    for exercise in sorted({r.exercise for r in results if r.exercise}):
        mine = [r for r in results if r.exercise == exercise]
        scores = [r.score for r in mine if outcome(r) == GRADED]
        if scores:
            cells[exercise] = str(max(scores))
        else:
            gradable = all(outcome(r) != NOT_GRADABLE for r in mine)
            cells[exercise] = NOT_GRADED if gradable else NOT_GRADABLE
    return cells


def _replace(before: str, cell: str) -> str:
    """Return the cell's new text: ``cell``, and the score a marker replaces, as ``(was 7)``."""
    if _number(cell) is not None:
        return cell
    was = before.strip() if _number(before.strip()) is not None else None
    kept = _WAS.search(before)
    was = was or (kept.group(1) if kept else None)
    return f"{cell} (was {was})" if was else cell


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _totals(book: Gradebook, exercises: Mapping[str, int]) -> None:
    columns = [(i, exercises[name]) for i, name in enumerate(book.header) if name in exercises]
    learner, total, most = book.column(LEARNER), book.column(TOTAL), book.column(MAX)
    for row in book.rows:
        if not row[learner]:
            continue  # an instructor's row without a learner: not ours to sum
        numbers = [(_number(row[i].strip()), row[i].strip(), points) for i, points in columns]
        row[total] = _text(sum(n for n, _, _ in numbers if n is not None))
        row[most] = _text(sum(points for n, text, points in numbers if n is not None or not text))


def _place_exercises(book: Gradebook, names: Sequence[str]) -> None:
    # New exercise columns go before "total", so the sums stay at the right.
    new = [name for name in sorted(set(names)) if name not in book.header]
    at = book.header.index(TOTAL) if TOTAL in book.header else len(book.header)
    book.header[at:at] = new
    for row in book.rows:
        row[at:at] = [""] * len(new)


def merge_gradebook(
    book: Gradebook | None,
    results: Sequence[SubmissionResult],
    exercises: Mapping[str, int],
) -> Gradebook:
    """Return ``book`` (or a new gradebook) with this run's results merged in.

    Args:
        book: The gradebook an earlier run wrote, or None.
        results: This run's results.
        exercises: Points available per exercise name, for every exercise known.
    """
    book = book or Gradebook([LEARNER], [])
    learners = by_learner(results)
    _place_exercises(book, [r.exercise for r in results if r.exercise in exercises])
    at = book.column(LEARNER)
    rows = {row[at]: row for row in book.rows if row[at]}
    unidentified = any(not r.exercise for r in results) or UNIDENTIFIED in book.header
    for learner, mine in learners.items():
        key = str(_cell(clean_text(learner)))
        if key not in rows:
            rows[key] = [""] * len(book.header)
            rows[key][at] = key
            book.rows.append(rows[key])
        for exercise, cell in _cells(mine).items():
            if exercise in exercises:
                at_cell = book.header.index(exercise)
                rows[key][at_cell] = _replace(rows[key][at_cell], cell)
    _totals(book, exercises)
    if unidentified:
        column = book.column(UNIDENTIFIED)
        for learner, mine in learners.items():
            files = " | ".join(f"{r.path}: {'; '.join(r.errors)}" for r in mine if not r.exercise)
            rows[str(_cell(clean_text(learner)))][column] = str(_cell(clean_text(files)))
    return book


def render(book: Gradebook) -> str:
    """Return the gradebook as CSV text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(book.header)
    writer.writerows(book.rows)
    return out.getvalue()


def write_gradebook(
    path: Path, results: Sequence[SubmissionResult], exercises: Mapping[str, int]
) -> Gradebook:
    """Merge this run's results into the gradebook at ``path`` and write it; return it.

    Raises:
        GradeError: When the file there is not a gradebook (it is left untouched).
    """
    book = merge_gradebook(read_gradebook(path), results, exercises)
    write_text(path, render(book))
    return book
