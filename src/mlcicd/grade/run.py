"""Grade submissions: each one copied alone into a fresh folder and run under nbval, offline.

:func:`grade_submission` grades one notebook: it reads the learner's file
(never writing it), identifies the exercise, prepares the notebook to grade
(:mod:`mlcicd.grade.prepare`), runs ``pytest --nbval-lax`` on it in a new
temporary folder (so ``../solutions`` is not there) with a per-cell timeout,
fake AWS credentials, the real-AWS guard, no network where the machine allows
it and a memory limit, and maps nbval's per-cell verdicts to checkpoints.
Before any of that it checks that this machine has what the exercise needs
(the manifest's ``requires``): when a package or Node.js is missing, the
submission is *not gradable*, with what to install, never a 0 blamed on the
learner's code.
:func:`grade` does that for every submission found, ``workers`` at a time.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from mlcicd.course.checkpoint import missing_requirements
from mlcicd.course.nbval_run import CellResult
from mlcicd.course.notebook import read
from mlcicd.exceptions import CourseError, GradeError, NbvalTimeout
from mlcicd.grade.kernel import (
    DEFAULT_BUDGET,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    GRADING_ENV,
    kernel_environment,
    run_graded,
)
from mlcicd.grade.manifest import ExerciseSpec
from mlcicd.grade.model import NOT_GRADABLE, CheckpointResult, SubmissionResult
from mlcicd.grade.prepare import prepare
from mlcicd.grade.quizzes import is_lesson, learner_quizzes
from mlcicd.grade.sandbox import hidden_folders, isolation

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT",
    "GRADING_ENV",
    "Submission",
    "find_submissions",
    "grade",
    "grade_submission",
    "kernel_environment",
    "lesson_learners",
]

MESSAGE_LIMIT = 500

_ANSI = re.compile(r"\x1b\[[0-9;]*m|#x1B\[[0-9;]*m")
_LINE = re.compile(r"Checkpoint \d{2}\.\d+ (?:failed|cannot run yet) \([^\n]*")
_NOT_GRADABLE = re.compile(r"Checkpoint \d{2}\.\d+ cannot be graded here \([^\n]*")
#: Why a lesson notebook named on the command line is not graded.
LESSON_NOTE = (
    "a lesson notebook with quiz results, not an exercise: not graded; its quiz results "
    "appear, ungraded, on the feedback page of the learner whose folder holds it"
)


@dataclass(frozen=True)
class Submission:
    """A notebook to grade and whose it is.

    Attributes:
        path: The notebook.
        learner: The learner's folder name, or the notebook's stem.
        skipped: Why it is found but not graded ("" when it is graded).
    """

    path: Path
    learner: str
    skipped: str = ""


def find_submissions(targets: Sequence[Path]) -> list[Submission]:
    """Return the submissions in ``targets``, sorted by path.

    A target is a notebook, a folder of notebooks (one per learner), or a
    folder of learner folders (each holding that learner's notebooks). Lesson
    notebooks with saved quiz results (:mod:`mlcicd.grade.quizzes`) are not
    submissions: they are never run, and the feedback reports their quizzes. A
    learner folder holding only lessons gives no submission, but is no error:
    that learner gets a feedback page with their quizzes (:func:`lesson_learners`).

    Raises:
        GradeError: When a target does not exist, or holds neither a notebook to
            grade nor a learner folder with lessons.
    """
    found: list[Submission] = []
    for target in targets:
        if target.is_file():
            found.append(Submission(target, target.stem, LESSON_NOTE if is_lesson(target) else ""))
            continue
        if not target.is_dir():
            raise GradeError("there is no such file or folder", path=str(target))
        notebooks = [p for p in sorted(target.glob("*.ipynb")) if p.is_file() and not is_lesson(p)]
        mine = [Submission(p, p.stem) for p in notebooks]
        lessons_only = False
        for folder in _learner_folders(target):
            theirs = _folder_submissions(folder)
            mine += theirs
            lessons_only = lessons_only or (not theirs and _has_lessons(folder))
        if not mine and not lessons_only:
            raise GradeError(_nothing_to_grade(target), path=str(target))
        found += mine
    return sorted(found, key=lambda s: str(s.path))


def _learner_folders(target: Path) -> list[Path]:
    """The learner folders of a folder target: its folders, but hidden ones and caches."""
    return [
        p
        for p in sorted(target.iterdir())
        if p.is_dir() and not p.name.startswith(".") and p.name != "__pycache__"
    ]


def _folder_submissions(folder: Path) -> list[Submission]:
    """A learner folder's notebooks, lessons left out, and those deeper (to report as skipped)."""
    mine = [p for p in sorted(folder.glob("*.ipynb")) if not is_lesson(p)]
    return [Submission(p, folder.name) for p in mine] + _nested(folder)


def _has_lessons(folder: Path) -> bool:
    # A linked learner folder is never followed: its lessons could be anyone's.
    return not folder.is_symlink() and bool(learner_quizzes(folder))


def _nothing_to_grade(target: Path) -> str:
    lessons = [p.name for p in sorted(target.glob("*.ipynb")) if p.is_file() and is_lesson(p)]
    if not lessons:
        return "holds no notebook (*.ipynb) to grade"
    return (
        f"holds no notebook (*.ipynb) to grade, only lesson notebooks ({', '.join(lessons)}) "
        "outside any learner folder, so no learner to show their quiz results to: put each in "
        "its learner's folder (CLASS/<learner>/lessons/, as mlcicd course collect does)"
    )


def lesson_learners(targets: Sequence[Path]) -> dict[str, list[Path]]:
    """Return the learners whose folder holds lessons with quiz results and nothing to grade.

    Such a learner has no submission, so no result: this is how their feedback
    page (their quiz results, no exercise) is found. The folders are those
    :func:`find_submissions` reads; a target that is a file or no folder gives none.

    Args:
        targets: What was graded.

    Returns:
        Each such learner's folders (one per target holding one), learners sorted.
    """
    learners: dict[str, list[Path]] = {}
    for target in (t for t in targets if t.is_dir()):
        for folder in _learner_folders(target):
            if not _folder_submissions(folder) and _has_lessons(folder):
                learners.setdefault(folder.name, []).append(folder)
    return dict(sorted(learners.items()))


def _nested(folder: Path) -> list[Submission]:
    """Notebooks deeper in a learner's folder: reported as skipped, never silently dropped."""
    nested = []
    for path in sorted(folder.rglob("*.ipynb")):
        inside = path.relative_to(folder).parts
        if len(inside) < 2 or any(part.startswith(".") for part in inside) or is_lesson(path):
            continue  # the learner's own notebooks, Jupyter's .ipynb_checkpoints, or lessons
        why = (
            f"a notebook in a subfolder ({'/'.join(inside)}): not graded; put the learner's "
            "notebooks directly in their folder (mlcicd course collect does)"
        )
        nested.append(Submission(path, folder.name, why))
    return nested


def shard(submissions: Sequence[Submission], spec: str) -> list[Submission]:
    """Return shard ``K/N`` of ``submissions``: those at positions i with i % N == K - 1.

    Raises:
        GradeError: When ``spec`` is not ``K/N`` with 1 <= K <= N.
    """
    match = re.fullmatch(r"(\d+)/(\d+)", spec.strip())
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise GradeError(f"--shard {spec!r}: give K/N with 1 <= K <= N, e.g. 1/4")
    k, n = int(match.group(1)), int(match.group(2))
    return [s for i, s in enumerate(submissions) if i % n == k - 1]


def identify(
    nb: Mapping, path: Path, exercises: Mapping[str, ExerciseSpec], expected: str | None
) -> ExerciseSpec:
    """Return the exercise a notebook is, from its metadata (else its file name).

    Raises:
        GradeError: When it is unknown, or another exercise than ``expected``.
    """
    metadata = nb.get("metadata")
    course = metadata.get("mlcicd") if isinstance(metadata, Mapping) else None
    claimed = course.get("exercise") if isinstance(course, Mapping) else None
    if not isinstance(claimed, str) or not claimed:
        claimed = None  # junk metadata: fall back on the file name
    by_name = [name for name in exercises if path.stem == name or path.stem.endswith(f"_{name}")]
    name = claimed or (by_name[0] if by_name else None) or expected
    if name is None:
        raise GradeError(
            "cannot tell which exercise this is (no course metadata, and the file name is "
            "no exercise's); pass --exercise NAME"
        )
    if claimed and by_name and claimed not in by_name:
        raise GradeError(
            f"the file is named for exercise {by_name[0]}, but the notebook is exercise "
            f"{claimed}'s; submit the {by_name[0]} notebook"
        )
    if expected and name != expected:
        raise GradeError(f"this is exercise {name}'s notebook, not {expected}'s")
    if name not in exercises:
        raise GradeError(
            f"exercise {name} is not in the manifest (it has {', '.join(exercises)}); "
            "grade with the manifest of this notebook's course"
        )
    return exercises[name]


def _clip(text: str) -> str:
    """At most MESSAGE_LIMIT characters, cut between words (a word longer than a third of
    the limit is cut where it reaches it)."""
    text = _ANSI.sub("", text).strip()
    if len(text) <= MESSAGE_LIMIT:
        return text
    cut = text[: MESSAGE_LIMIT - 1]
    space = cut.rfind(" ")
    if space >= MESSAGE_LIMIT * 2 // 3:
        cut = cut[:space].rstrip(" ,;:")
    return cut + "…"


def _checkpoint_result(
    spec_id: str, points: int, result: CellResult | None, earlier: Mapping[int, CellResult]
) -> CheckpointResult:
    if result is None:
        return CheckpointResult(spec_id, 0, points, "not run", "nbval did not run this cell")
    if result.outcome == "passed":
        return CheckpointResult(spec_id, points, points, "passed", "")
    text = _ANSI.sub("", result.message)
    if "Previous cell timed out" in text:
        died = any(
            "Failed to interrupt kernel" in _ANSI.sub("", r.message) for r in earlier.values()
        )
        cause = (
            "the kernel died or hung in an earlier cell" if died else "an earlier cell timed out"
        )
        return CheckpointResult(spec_id, 0, points, "not run", f"not run: {cause}")
    if "Timeout of" in text:
        return CheckpointResult(
            spec_id, 0, points, "timeout", _clip(text.splitlines()[1] if "\n" in text else text)
        )
    unable = _NOT_GRADABLE.search(text)
    if unable and machine_lacks(unable.group(0)):
        return CheckpointResult(spec_id, 0, points, NOT_GRADABLE, _clip(unable.group(0)))
    if unable:  # printed by the learner's kernel, and untrue of this machine
        message = f"{unable.group(0)} [not so: this machine has it, so the checkpoint failed]"
        return CheckpointResult(spec_id, 0, points, "failed", _clip(message))
    line = _LINE.search(text)
    if line:
        return CheckpointResult(spec_id, 0, points, "failed", _clip(line.group(0)))
    last = [ln for ln in text.splitlines() if ln.strip()]
    return CheckpointResult(spec_id, 0, points, "error", _clip(last[-1] if last else text))


_PACKAGES = re.compile(r"the package (.+?) is not installed")


def machine_lacks(line: str) -> bool:
    """Whether this machine really lacks what a "cannot be graded here" line names.

    The line comes from the learner's kernel, which learner code could make print
    anything; a row is *not gradable* only when the grader confirms the claim itself.
    """
    packages = _PACKAGES.search(line)
    if packages:
        names = [name.strip() for name in packages.group(1).split(",")]
        return any(importlib.util.find_spec(name.split(".")[0]) is None for name in names)
    from mlcicd.iac.environment import cdk_problem

    return cdk_problem() is not None


def grade_submission(
    submission: Submission,
    exercises: Mapping[str, ExerciseSpec],
    *,
    expected: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    budget: int = DEFAULT_BUDGET,
    hidden: Sequence[Path] = (),
) -> SubmissionResult:
    """Grade one notebook; a broken one becomes a result with ``errors``, never an exception.

    Args:
        submission: The notebook and its learner.
        exercises: The manifest's exercises.
        expected: The exercise every submission should be (``--exercise``), if any.
        timeout: Seconds one cell may run.
        memory_mb: Memory cap of the kernel, in MiB (see :mod:`mlcicd.grade.sandbox`).
        budget: Seconds the whole submission may take, whatever its number of cells.
        hidden: Folders its kernel must not see (every learner's folder).
    """
    path, learner = submission.path, submission.learner
    exercise: ExerciseSpec | None = None
    if submission.skipped:
        return _error_row(submission, exercises, expected, submission.skipped)
    if path.is_symlink() or path.parent.is_symlink():
        # A link may point at anything (../solutions, another learner's work): only a
        # learner's own file is graded. `mlcicd course collect` never makes links.
        return _error_row(
            submission, exercises, expected,
            "a symbolic link (or inside one), not a notebook: not graded; put the "
            "learner's notebook itself there (mlcicd course collect copies it)",
        )  # fmt: skip
    try:
        nb = read(path)
        exercise = identify(nb, path, exercises, expected)
    except (CourseError, GradeError) as error:
        return _error_row(submission, exercises, expected, _clip(error.message))
    lacking = missing_requirements(exercise.requires)
    if lacking is not None:
        return not_gradable(submission, exercise, lacking)
    prepared = prepare(nb, exercise)
    try:
        graded = run_graded(
            prepared.nb,
            exercise.notebook,
            timeout=timeout,
            memory_mb=memory_mb,
            budget=budget,
            hidden=hidden,
            checkpoints={cell: i for i, cell in prepared.positions.items()},
        )
    except NbvalTimeout:
        # A fixed budget, whatever the number of cells: padding a notebook with cells
        # cannot buy time, and the submission scores 0 as a whole (never an error row).
        stopped = f"the submission ran past its {budget} s budget and was stopped"
        return SubmissionResult(
            str(path), learner, exercise.name, 0, exercise.max_score,
            tuple(CheckpointResult(c.id, 0, c.points, "timeout", stopped)
                  for c in exercise.checkpoints),
            warnings=(*prepared.warnings, stopped), sandbox=isolation().sentence(memory_mb),
        )  # fmt: skip
    except CourseError as error:
        return SubmissionResult(
            str(path), learner, exercise.name, 0, exercise.max_score,
            errors=(_clip(f"grading did not run: {error.message}"),),
            warnings=prepared.warnings, sandbox=isolation().sentence(memory_mb),
        )  # fmt: skip
    checkpoints, reviews = [], []
    results = graded.cells
    for spec in exercise.checkpoints:
        if spec.id in prepared.deleted:
            checkpoints.append(
                CheckpointResult(
                    spec.id, 0, spec.points, "deleted", "the checkpoint cell was deleted"
                )
            )
            continue
        cell = prepared.positions[spec.id]
        earlier = {i: r for i, r in results.items() if i < cell}
        seen = _checkpoint_result(spec.id, spec.points, results.get(cell), earlier)
        judged, review = judge(seen, graded.verdicts.get(spec.id))
        checkpoints.append(judged)
        reviews += [review] if review else []
    unable = [c for c in checkpoints if c.status == NOT_GRADABLE]
    return SubmissionResult(
        str(path),
        learner,
        exercise.name,
        sum(c.points for c in checkpoints),
        exercise.max_score,
        tuple(checkpoints),
        errors=tuple(f"not gradable on this machine: {c.message}" for c in unable[:1]),
        warnings=(*prepared.warnings, *reviews),
        sandbox=graded.sandbox,
    )


def judge(
    seen: CheckpointResult, verdict: tuple[bool, str] | None
) -> tuple[CheckpointResult, str | None]:
    """Score a checkpoint only when nbval passed its cell *and* the outside verdict agrees.

    nbval's verdict comes from the learner's kernel, which learner code can rig;
    the outside verdict (:mod:`mlcicd.grade.remote`) cannot be. When they disagree
    the checkpoint scores 0 and a ``review`` warning names it.

    Args:
        seen: What nbval's report gave.
        verdict: (passed, line) of the check run outside the kernel; None when it did not run.

    Returns:
        The checkpoint's result, and a review warning when the two disagree.
    """
    if seen.status == "passed":
        if verdict is not None and verdict[0]:
            return seen, None
        why = _clip(verdict[1]) if verdict else "the grader's own run of the check did not happen"
        review = (
            f"review checkpoint {seen.id}: the notebook showed its success line, but the "
            "grader's own run of the check, outside the learner's kernel, did not pass; "
            "it scores 0"
        )
        return replace(seen, points=0, status="failed", message=why), review
    if verdict is not None and verdict[0] and seen.status == "failed":
        review = (
            f"review checkpoint {seen.id}: the grader's own run of the check passed, but the "
            "notebook's checkpoint cell did not; it scores 0"
        )
        return seen, review
    outside = _LINE.search(verdict[1]) if verdict is not None else None
    if outside is not None and seen.status == "failed":
        return replace(seen, message=_clip(outside.group(0))), None
    return seen, None


def _error_row(
    submission: Submission,
    exercises: Mapping[str, ExerciseSpec],
    expected: str | None,
    error: str,
) -> SubmissionResult:
    """A submission that could not be graded, with its exercise and maximum when the file
    name (never the file, which may be a link) tells which exercise it was meant to be."""
    stem = submission.path.stem
    names = [name for name in exercises if stem == name or stem.endswith(f"_{name}")]
    name = names[0] if names else expected if expected in exercises else None
    spec = exercises[name] if name else None
    return SubmissionResult(
        str(submission.path),
        submission.learner,
        spec.name if spec else "",
        0,
        spec.max_score if spec else 0,
        errors=(error,),
    )


def not_gradable(submission: Submission, exercise: ExerciseSpec, problem: str) -> SubmissionResult:
    """The result for a submission this machine cannot grade: every checkpoint not gradable.

    Args:
        submission: The notebook and its learner.
        exercise: Its exercise.
        problem: What the machine lacks and how to install it.
    """
    message = _clip(f"this machine cannot grade exercise {exercise.name}: {problem}")
    return SubmissionResult(
        str(submission.path),
        submission.learner,
        exercise.name,
        0,
        exercise.max_score,
        tuple(
            CheckpointResult(c.id, 0, c.points, NOT_GRADABLE, message) for c in exercise.checkpoints
        ),
        errors=(f"not gradable on this machine: {message}",),
    )


#: What every kernel imports: Python itself and the course's packages.
_COURSE_CODE = (
    Path(sys.base_prefix),
    Path(__file__).resolve().parents[1],
    Path(__file__).resolve().parents[2] / "churn",
)


def grade(
    submissions: Sequence[Submission],
    exercises: Mapping[str, ExerciseSpec],
    *,
    workers: int = 1,
    expected: str | None = None,
    timeout: int = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    budget: int = DEFAULT_BUDGET,
    require_sandbox: bool = False,
) -> list[SubmissionResult]:
    """Grade ``submissions``, ``workers`` at a time; the results keep their order.

    Each submission runs in its own nbval process, so a thread per worker is
    enough to keep ``workers`` of them running. Every kernel is sandboxed where
    the machine allows it; no kernel sees any learner's folder.

    Raises:
        GradeError: When ``require_sandbox`` is set and no sandbox can be made here.
    """
    place = isolation()
    if require_sandbox and not place.sandbox:
        raise GradeError(f"--require-sandbox: no sandbox can be made here: {place.problem}")
    hidden = hidden_folders(
        (s.path.parent for s in submissions), protect=(Path(sys.prefix), *_COURSE_CODE)
    )

    def one(submission: Submission) -> SubmissionResult:
        return grade_submission(
            submission, exercises, expected=expected, timeout=timeout, memory_mb=memory_mb,
            budget=budget, hidden=hidden,
        )  # fmt: skip

    if workers <= 1:
        return flag_duplicates([one(s) for s in submissions])
    # The slowest submissions start first, so none of them is left running alone at the
    # end: a class's exercise 09 takes 20-30 s (jsii), the others 5-15 s.
    order = slowest_first(submissions, exercises)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {index: pool.submit(one, submissions[index]) for index in order}
        return flag_duplicates([futures[index].result() for index in range(len(submissions))])


def slowest_first(
    submissions: Sequence[Submission], exercises: Mapping[str, ExerciseSpec]
) -> list[int]:
    """The submissions' indexes, those of exercises that start Node.js (the CDK) first.

    The exercise is told by the file name here (the notebook's metadata is read only
    when it is graded); a file named otherwise keeps its place, as does every tie.
    """
    by_file = {spec.notebook: spec for spec in exercises.values()}

    def slow(index: int) -> bool:
        spec = by_file.get(submissions[index].path.name)
        return spec is not None and "node" in spec.requires

    return sorted(range(len(submissions)), key=lambda index: not slow(index))


def flag_duplicates(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    """Warn on every submission of a learner who handed in one exercise more than once.

    Each copy is graded (none is silently dropped); the warning names them all so the
    instructor decides which counts.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for result in results:
        if result.exercise:
            groups.setdefault((result.learner, result.exercise), []).append(result.path)
    flagged = []
    for result in results:
        paths = groups.get((result.learner, result.exercise), [])
        if len(paths) > 1:
            names = ", ".join(Path(p).name for p in paths)
            warning = (
                f"{len(paths)} submissions of exercise {result.exercise} by {result.learner} "
                f"({names}): each is graded; keep one"
            )
            result = replace(result, warnings=(*result.warnings, warning))
        flagged.append(result)
    return flagged
