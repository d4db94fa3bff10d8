"""Feedback for each learner: one self-contained HTML file, ``DIR/<learner>.html``.

Each file shows every exercise the learner submitted, each checkpoint with its
points, status, what happened, the hint and what to review (the lesson section,
see :mod:`mlcicd.grade.review`), the grader's warnings and the totals.

* Self-contained: inline CSS, no script, no external URL; a Content-Security-Policy
  forbids scripts and remote content, should anything slip through.
* Every text from a learner's file (name, path, message) is escaped.
* A learner's name becomes a safe, distinct file name (:func:`~mlcicd.grade.roster.file_stems`).
* Quiz results a learner saved in lesson notebooks in their folder are shown, ungraded
  (:mod:`mlcicd.grade.quizzes`): they change no score and no total. A learner whose
  folder holds lessons and no exercise still gets a page: their quizzes, no exercise.
* Feedback accumulates: the file keeps its results in an HTML comment (base64 JSON),
  and the next run keeps the exercises it did not grade again. A file there that
  is not such feedback is refused, never overwritten.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from mlcicd.course.notebook import write_text
from mlcicd.exceptions import GradeError
from mlcicd.grade.model import NOT_GRADABLE, CheckpointResult, SubmissionResult
from mlcicd.grade.quizzes import LessonQuiz, learner_quizzes
from mlcicd.grade.review import Review, review_for
from mlcicd.grade.roster import (
    GRADED,
    by_learner,
    clean_text,
    exercise_order,
    file_stems,
    outcome,
    what_happened,
)
from mlcicd.grade.run import lesson_learners

_DATA = re.compile(r"<!-- mlcicd-feedback-data ([A-Za-z0-9+/=]*) -->")

#: What each status means, for a learner. A status this version does not know is shown as is.
STATUS_TEXT = {
    "passed": "Every case passed.",
    "failed": "A case failed: the message names it.",
    "error": "Your code raised an error the check did not expect.",
    "timeout": "A cell ran longer than the time limit.",
    "not run": "An earlier cell stopped the notebook before this checkpoint.",
    "deleted": "The checkpoint cell was deleted; restore it from the exercise.",
    NOT_GRADABLE: "Not your fault: the grading machine lacked what this check needs.",
}
#: Said once above an exercise the grading machine could not (fully) grade.
MACHINE_NOTE = (
    "This exercise could not be fully graded: the grading machine lacked something a check "
    "needs (a package or a tool). This is not your fault and does not count against you; "
    "it will be graded again on a machine that has it."
)
_STATUS_CLASS = {"passed": "ok", NOT_GRADABLE: "machine"}

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;margin:0;
background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 8px}h2{font-size:1.2em;margin:0 0 8px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:16px;margin:16px 0}
table{border-collapse:collapse;width:100%;margin:8px 0}
th,td{border-bottom:1px solid #e4e7ec;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
code{font:13px ui-monospace,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:.85em;
font-weight:600;background:#fde2e1;color:#8a1c17;white-space:nowrap}
.badge.ok{background:#dcf3e3;color:#11612d}.badge.machine{background:#e4e9f7;color:#233a80}
.note{background:#eef2fb;border-left:4px solid #3a5bc7;padding:8px 12px}
.problem{background:#fdeeee;border-left:4px solid #c0392b;padding:8px 12px}
.warning{background:#fff6e0;border-left:4px solid #d49a00;padding:8px 12px}
.muted{color:#5b6474}.num{text-align:right;white-space:nowrap}
"""


def esc(text: object) -> str:
    """Return ``text`` escaped for HTML text and attribute values."""
    return html.escape(clean_text(str(text)), quote=True)


def page(title: str, body: str) -> str:
    """Return a whole self-contained HTML page: inline CSS, no script, no external URL."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "img-src data:; style-src 'unsafe-inline'\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def badge(status: str) -> str:
    """Return a status as a coloured label (an unknown status is shown, escaped, as is)."""
    return f'<span class="badge {_STATUS_CLASS.get(status, "")}">{esc(status)}</span>'


def _review(review: Review | None) -> str:
    if review is None:
        return '<span class="muted">the lesson of this exercise</span>'
    where = f"Lesson {esc(review.title)} (<code>{esc(review.lesson)}</code>)"
    return f"{where}, section “{esc(review.section)}”" if review.section else where


def _checkpoint_row(
    c: CheckpointResult, exercise: str, guide: Mapping[str, Review], hints: Mapping[str, str]
) -> str:
    hint = hints.get(c.id, "")
    message = what_happened(c.message, hint)
    lines = [esc(message)] if message else []
    if c.status != "passed" and c.status in STATUS_TEXT:
        lines.append(f'<span class="muted">{esc(STATUS_TEXT[c.status])}</span>')
    happened = "<br>".join(lines)
    show_hint = c.status not in ("passed", NOT_GRADABLE) and hint
    return (
        f'<tr><td>{esc(c.id)}</td><td class="num">{c.points}/{c.max_points}</td>'
        f"<td>{badge(c.status)}</td><td>{happened}</td>"
        f"<td>{esc(hint) if show_hint else ''}</td>"
        f"<td>{_review(review_for(guide, exercise, c.id))}</td></tr>"
    )


def _score(result: SubmissionResult) -> str:
    kind = outcome(result)
    return f"{result.score}/{result.max_score}" if kind == GRADED else kind


def _exercise(
    result: SubmissionResult, guide: Mapping[str, Review], hints: Mapping[str, str]
) -> str:
    name = result.exercise or "unknown exercise"
    parts = [
        f"<section><h2>{esc(name)} · {esc(_score(result))}</h2>",
        f'<p class="muted">Submitted file: <code>{esc(result.path)}</code></p>',
    ]
    if outcome(result) == NOT_GRADABLE:
        parts.append(f'<p class="note">{esc(MACHINE_NOTE)}</p>')
        parts += [f'<p class="note">Grading machine: {esc(e)}</p>' for e in result.errors]
    else:
        parts += [f'<p class="problem">Not graded: {esc(e)}</p>' for e in result.errors]
    parts += [f'<p class="warning">Warning: {esc(w)}</p>' for w in result.warnings]
    if result.sandbox:
        parts.append(f'<p class="muted">{esc(result.sandbox)}</p>')
    if result.checkpoints:
        parts.append(
            "<table><tr><th>Checkpoint</th><th>Points</th><th>Status</th>"
            "<th>What happened</th><th>Hint</th><th>What to review</th></tr>"
        )
        parts += [_checkpoint_row(c, result.exercise, guide, hints) for c in result.checkpoints]
        parts.append("</table>")
    parts.append("</section>")
    return "\n".join(parts)


def _totals(results: Sequence[SubmissionResult]) -> str:
    if not results:
        return (
            "<p>No exercise submitted yet: <strong>0 graded exercise(s)</strong>. "
            "This page shows your lesson quiz results only.</p>"
        )
    graded = [r for r in results if outcome(r) == GRADED]
    earned, available = sum(r.score for r in graded), sum(r.max_score for r in graded)
    share = f" ({100 * earned / available:.0f}%)" if available else ""
    lines = [
        f"<p>Total: <strong>{earned}/{available} points{share}</strong> over "
        f"{len(graded)} graded exercise(s).</p>"
    ]
    others = [r for r in results if outcome(r) != GRADED]
    if others:
        lines.append(
            f'<p class="muted">{len(others)} submission(s) not counted in the total '
            "(not graded or not gradable; see below).</p>"
        )
    rows = "".join(
        f"<tr><td>{esc(r.exercise or 'unknown exercise')}</td>"
        f'<td class="num">{esc(_score(r))}</td><td><code>{esc(r.path)}</code></td></tr>'
        for r in results
    )
    lines.append(f"<table><tr><th>Exercise</th><th>Score</th><th>File</th></tr>{rows}</table>")
    return "\n".join(lines)


def _quizzes(quizzes: Sequence[LessonQuiz]) -> str:
    if not quizzes:
        return ""
    parts = [
        "<section><h2>Quiz results (not graded)</h2>",
        '<p class="muted">What you last chose in the lesson quizzes you saved. They are for '
        "you: they count for no points.</p>",
    ]
    for quiz in quizzes:
        parts.append(
            f"<p><code>{esc(quiz.lesson)}</code>: {len(quiz.answers)} of {quiz.questions} "
            f"question(s) checked, {quiz.right} right at the last check.</p>"
        )
        rows = "".join(
            f'<tr><td class="num">{a.number}</td><td>{esc(a.prompt)}</td>'
            f"<td>{esc(a.chosen)}</td><td>{'right' if a.correct else 'not yet'}</td>"
            f'<td class="num">{a.checks}</td></tr>'
            for a in quiz.answers
        )
        if rows:
            parts.append(
                "<table><tr><th>#</th><th>Question</th><th>Chosen</th><th>Last check</th>"
                f"<th>Checks</th></tr>{rows}</table>"
            )
    parts.append("</section>")
    return "\n".join(parts)


def _data(learner: str, results: Sequence[SubmissionResult]) -> str:
    # Base64 holds no "--" or ">", so no learner text can end the comment early.
    data = {"learner": learner, "submissions": [r.to_dict() for r in results]}
    text = json.dumps(data, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return f"<!-- mlcicd-feedback-data {base64.b64encode(text.encode()).decode()} -->"


def learner_page(
    learner: str,
    results: Sequence[SubmissionResult],
    *,
    guide: Mapping[str, Review],
    hints: Mapping[str, str],
    quizzes: Sequence[LessonQuiz] = (),
) -> str:
    """Return one learner's feedback page.

    Args:
        learner: The learner's name (untrusted: escaped).
        results: The learner's results, in the order to show.
        guide: What to review, by exercise and checkpoint
            (:func:`~mlcicd.grade.review.lesson_guide`).
        hints: The checkpoints' hints, by id.
        quizzes: The quiz results saved in the learner's lessons: shown, never scored.
    """
    body = [
        f"<h1>Feedback for {esc(learner)}</h1>",
        _totals(results),
        *(_exercise(r, guide, hints) for r in results),
        _quizzes(quizzes),
        _data(learner, results),
    ]
    return page(f"Feedback: {learner}", "\n".join(body))


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    # Only the fields this version knows: a file from a newer mlcicd still reads.
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def _result(data: Mapping[str, Any]) -> SubmissionResult:
    values = _known(SubmissionResult, data)
    values["checkpoints"] = tuple(
        CheckpointResult(**_known(CheckpointResult, c)) for c in data.get("checkpoints", ())
    )
    values["errors"] = tuple(data.get("errors", ()))
    values["warnings"] = tuple(data.get("warnings", ()))
    return SubmissionResult(**values)


def previous_results(path: Path, learner: str) -> list[SubmissionResult]:
    """Return the results an earlier run stored in ``path`` (none when there is no file).

    Raises:
        GradeError: When the file is not feedback written by ``mlcicd grade``, or is
            another learner's: it is left as it is.
    """
    if not path.exists():
        return []
    fix = "move it away or choose another --feedback folder; nothing was written"
    try:
        match = _DATA.search(path.read_text(encoding="utf-8"))
        data = json.loads(base64.b64decode(match.group(1), validate=True)) if match else None
        results = [_result(d) for d in data["submissions"]] if data else None
    except (OSError, binascii.Error, ValueError, KeyError, TypeError, AttributeError):
        results = None
    if results is None:
        raise GradeError(f"is not feedback written by mlcicd grade; {fix}", path=str(path))
    if data.get("learner") != learner:
        raise GradeError(
            f"holds the feedback of another learner than {learner!r} (names that differ only "
            f"in case?); {fix}",
            path=str(path),
        )
    return results


def merge(
    earlier: Sequence[SubmissionResult], now: Sequence[SubmissionResult]
) -> list[SubmissionResult]:
    """Return ``now`` plus the earlier results of exercises (and files) this run did not grade."""
    exercises = {r.exercise for r in now if r.exercise}
    paths = {r.path for r in now}
    kept = [r for r in earlier if r.exercise not in exercises and r.path not in paths]
    return sorted([*kept, *now], key=exercise_order)


def feedback_pages(
    results: Sequence[SubmissionResult],
    folder: Path,
    *,
    guide: Mapping[str, Review],
    hints: Mapping[str, str],
    classes: Sequence[Path] = (),
) -> dict[Path, str]:
    """Return the page to write per file, ``folder/<learner>.html``, for every learner.

    Reads (and judges) every earlier file there, writing nothing: the caller
    writes once every output is known to be writable. Every learner with a
    result gets a page, and so does every learner whose folder in ``classes``
    holds lessons with quiz results and nothing to grade
    (:func:`~mlcicd.grade.run.lesson_learners`): a page with their quizzes only.

    Args:
        results: This run's results.
        folder: Where the pages go.
        guide: What to review, by exercise and checkpoint.
        hints: The checkpoints' hints, by id.
        classes: The folders graded (a file among them is skipped).

    Raises:
        GradeError: When ``folder`` is a file, or a file there is not this learner's feedback.
    """
    if folder.exists() and not folder.is_dir():
        raise GradeError("--feedback needs a folder, and this is a file", path=str(folder))
    learners = by_learner(results)
    folders = {learner: _learner_folders(now) for learner, now in learners.items()}
    for learner, found in lesson_learners(classes).items():
        if learner not in learners:  # a learner with a result is found from it
            learners[learner], folders[learner] = [], found
    stems = file_stems(list(learners))
    pages = {}
    for learner in sorted(learners):
        path = folder / f"{stems[learner]}.html"
        merged = merge(previous_results(path, learner), learners[learner])
        quizzes = [q for place in folders[learner] for q in learner_quizzes(place)]
        pages[path] = learner_page(learner, merged, guide=guide, hints=hints, quizzes=quizzes)
    return pages


def _learner_folders(results: Sequence[SubmissionResult]) -> list[Path]:
    # A learner's folder is the one named for them that holds their submissions
    # (CLASS/<learner>/...); a notebook graded on its own has none.
    folders = {Path(r.path).parent for r in results if Path(r.path).parent.name == r.learner}
    return sorted(folders)


def write_feedback(
    results: Sequence[SubmissionResult],
    folder: Path,
    *,
    guide: Mapping[str, Review],
    hints: Mapping[str, str],
    classes: Sequence[Path] = (),
) -> list[Path]:
    """Write every learner's feedback page (see :func:`feedback_pages`); return the files."""
    pages = feedback_pages(results, folder, guide=guide, hints=hints, classes=classes)
    for path, text in pages.items():
        write_text(path, text)
    return list(pages)
