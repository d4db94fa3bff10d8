"""What ``mlcicd grade`` writes for a class besides its reports: feedback, gradebook, class view.

:func:`check_class_outputs` runs before grading, so a gradebook that cannot be
merged is refused before any minute is spent grading. :func:`write_class_outputs`
runs after: it finds the course (lessons and exercises, beside the manifest),
prepares every output, and writes them only when all could be prepared, so a
refusal leaves every file as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlcicd.course.notebook import write_text
from mlcicd.exceptions import GradeError
from mlcicd.grade.feedback import feedback_pages
from mlcicd.grade.gradebook import merge_gradebook, read_gradebook, render
from mlcicd.grade.manifest import find_manifest, load_manifest
from mlcicd.grade.model import SubmissionResult
from mlcicd.grade.review import checkpoint_hints, lesson_guide


def check_class_outputs(
    *, feedback: Path | None = None, gradebook: Path | None = None, report: Path | None = None
) -> None:
    """Refuse, before grading, outputs that could not be written after it.

    Raises:
        GradeError: When ``feedback`` is a file, ``report`` a folder, or ``gradebook``
            is there but is not a gradebook (:func:`~mlcicd.grade.gradebook.read_gradebook`).
    """
    if feedback is not None and feedback.exists() and not feedback.is_dir():
        raise GradeError("--feedback needs a folder, and this is a file", path=str(feedback))
    if report is not None and report.is_dir():
        raise GradeError("--report needs a file name, and this is a folder", path=str(report))
    if gradebook is not None:
        read_gradebook(gradebook)


def _course(manifest: Path | None, start: Path | None) -> tuple[Path | None, dict[str, int]]:
    """Return the course folder (None when unknown) and the points of every exercise it has."""
    path = manifest or (find_manifest(start) if start else None) or find_manifest(Path.cwd())
    if path is None:
        return None, {}
    try:
        exercises = {name: spec.max_score for name, spec in load_manifest(path).items()}
    except GradeError:  # grading read it a moment ago; a broken one only costs the lesson links
        return None, {}
    folder = path.resolve().parent
    return (folder.parent if folder.name == "exercises" else None), exercises


def write_class_outputs(
    results: Sequence[SubmissionResult],
    *,
    feedback: Path | None = None,
    gradebook: Path | None = None,
    report: Path | None = None,
    manifest: Path | None = None,
    start: Path | None = None,
) -> list[str]:
    """Write the feedback pages, the merged gradebook and the class view that are asked for.

    Args:
        results: This run's results.
        feedback: The folder of per-learner pages (:mod:`mlcicd.grade.feedback`).
        gradebook: The CSV gradebook to merge into (:mod:`mlcicd.grade.gradebook`).
        report: The class view's HTML file (:mod:`mlcicd.grade.classview`).
        manifest: The manifest graded with; by default found from ``start`` as grading does.
        start: The first target graded.

    Returns:
        One line per output written, to print.

    Raises:
        GradeError: When an output is refused (then none is written), or a file
            cannot be written (a folder in the way, no permission).
    """
    if feedback is None and gradebook is None and report is None:
        return []
    course, exercises = _course(manifest, start)
    exercises |= {r.exercise: r.max_score for r in results if r.exercise and r.max_score}
    files: dict[Path, str] = {}
    lines = []
    if gradebook is not None:
        book = merge_gradebook(read_gradebook(gradebook), results, exercises)
        files[gradebook] = render(book)
        lines.append(f"Gradebook: {gradebook} ({len(book.rows)} row(s)).")
    if feedback is not None or report is not None:
        hints = checkpoint_hints(c.id for r in results for c in r.checkpoints)
        guide = lesson_guide(course, {r.exercise for r in results if r.exercise}, hints)
    if feedback is not None:
        classes = [start] if start is not None else []  # lesson-only learners are found there
        pages = feedback_pages(results, feedback, guide=guide, hints=hints, classes=classes)
        files |= pages
        lines.append(f"Feedback: {len(pages)} learner page(s) in {feedback}.")
    if report is not None:
        from mlcicd.grade.classview import class_page  # imports matplotlib: only when asked

        files[report] = class_page(results, guide=guide, hints=hints)
        lines.append(f"Class report: {report}.")
    for path, text in files.items():
        try:
            write_text(path, text)
        except OSError as error:
            raise GradeError(f"cannot write it ({error.strerror})", path=str(path)) from None
    return lines
