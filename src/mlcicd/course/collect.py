"""Gather learners' submissions into the class folder the grader reads (``mlcicd course collect``).

The grader reads ``CLASS/<learner>/<exercise>.ipynb``. :func:`collect` fills
that layout from folders of cloned learner repositories and from ``.zip``
archives (an LMS bulk download, or one archive per learner), by these rules:

Whose work a file is:

* A folder or archive is **one learner's** when it holds an exercise notebook
  under its exact name (``02_unit_tests.ipynb``) at its top, or an
  ``exercises/`` folder. The learner is the folder's name, or the archive's stem.
* Otherwise it holds a **class**: each folder at its top is one learner, named
  by the folder (GitHub Classroom's clones, an LMS's folder per learner), and a
  notebook at its top named ``<learner>_<exercise>.ipynb`` is that learner's.
  Any other file at its top is reported.
* ``strip_prefix`` (``--strip-prefix assignment-``) is removed from the start of
  every learner name; a name that lacks it is kept whole.

Which of a learner's files are looked at:

* In a learner **repository** (it has an ``exercises/`` folder, as a clone of
  the course does), the notebooks in ``exercises/`` and at its top, and the
  lessons in ``notebooks/`` that hold quiz results. The rest is the course's
  own files and is ignored (a lesson without quiz results among them).
* In any other learner folder, every file at any depth: notebooks are
  identified, and any other file is reported as unrecognised.
* Hidden files and folders (``.git``, ``.ipynb_checkpoints``), ``__pycache__``
  and ``__MACOSX`` are ignored everywhere.

A notebook's exercise is found as the grader finds it
(:func:`mlcicd.grade.run.identify`): ``metadata.mlcicd.exercise``, else the
file name (``02_unit_tests.ipynb`` or ``<anything>_02_unit_tests.ipynb``).
When a learner has several different notebooks of one exercise, the one both
named for the exercise and marked as it in its metadata wins over those that
are only one of both (JupyterLab's ``02_unit_tests-Copy1.ipynb``), and the
others are reported; with no such winner, none is collected and the report
says so. Identical copies count once.

Lessons: a notebook that holds quiz results and no exercise metadata is a
**lesson** (:func:`mlcicd.grade.quizzes.lesson_quizzes`), wherever it is found,
whatever its name (a lesson shares its exercise's name). It goes to
``CLASS/<learner>/lessons/<NN_name>.ipynb`` (:data:`~mlcicd.grade.quizzes.LESSONS_FOLDER`),
where grading never runs it and shows its quiz results, ungraded, on the
learner's feedback page. Its name is its file name (``02_unit_tests.ipynb``),
or the lesson part of a ``<learner>_<exercise>.ipynb`` name; any other name is
reported. Lessons are collected whatever ``exercises`` says, by the same rules
as exercises: identical copies count once, different ones are a duplicate,
nothing in CLASS is replaced without ``force``. A learner with lessons and no
exercise is a learner: their exercises are reported missing.

Safety: sources are only read. Bytes are copied exactly, through a temporary
file in the target folder (:mod:`mlcicd.course.collect_store`). The target path
is built from checked names (``CLASS/<learner>/<exercise>.ipynb``, and
``CLASS/<learner>/lessons/<NN_name>.ipynb``), never from an archive entry's path;
entries with an absolute or ``..`` path are reported and never extracted.
Symbolic links, in folders or archives, are reported and never followed.
CLASS is only added to: a file already there with the same bytes is left as
is, one with other bytes is reported and kept unless ``force``, and nothing in
CLASS is deleted. Every problem is reported and the rest of the class is
collected; :class:`~mlcicd.exceptions.CourseError` is raised only when nothing
can be collected at all.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from mlcicd.course.collect_report import (
    KINDS,
    Collected,
    CollectedLesson,
    CollectReport,
    Problem,
)
from mlcicd.course.collect_sources import (
    MAX_BYTES,
    READ_ERRORS,
    Entry,
    folder_entries,
    ignored,
    zip_entries,
)
from mlcicd.course.collect_store import Candidate, choose, store
from mlcicd.exceptions import CourseError, GradeError
from mlcicd.grade.manifest import ExerciseSpec, find_manifest, load_manifest
from mlcicd.grade.quizzes import LESSONS_FOLDER, lesson_quizzes
from mlcicd.grade.run import identify

__all__ = ["CollectReport", "Collected", "CollectedLesson", "Problem", "collect"]

# Control characters and path separators cannot be part of a learner's folder name.
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
#: A lesson's file name, as the course names them (``02_unit_tests.ipynb``).
_LESSON_NAME = re.compile(r"\d{2}_[A-Za-z0-9_]+\.ipynb")


class _State:
    """What a collection has found so far."""

    def __init__(self, exercises: Mapping[str, ExerciseSpec], strip_prefix: str | None) -> None:
        self.exercises = exercises
        self.strip_prefix = strip_prefix
        self.learners: dict[str, list[str]] = {}  # learner: where their work was found
        self.candidates: dict[tuple[str, str], list[Candidate]] = {}
        self.lessons: dict[tuple[str, str], list[Candidate]] = {}  # (learner, file name)
        self.problems: list[Problem] = []
        self.ignored = 0

    def problem(self, kind: str, path: str, message: str, **about: str | None) -> None:
        self.problems.append(Problem(kind, path, message, **about))


def collect(
    sources: Sequence[Path],
    out: Path,
    *,
    manifest: Path | None = None,
    force: bool = False,
    exercises: Sequence[str] = (),
    strip_prefix: str | None = None,
) -> CollectReport:
    """Collect the submissions in ``sources`` into ``out/<learner>/<exercise>.ipynb``, and the
    lessons with quiz results into ``out/<learner>/lessons/`` (shown, ungraded, in feedback).

    Args:
        sources: Folders (of learner repositories or folders, or one learner's) and
            ``.zip`` archives (of a class, or of one learner).
        out: The class folder; created if needed, only ever added to.
        manifest: The exercise manifest; by default the nearest ``exercises/manifest.json``
            above the current folder, else above ``out``.
        force: Replace a notebook already in ``out`` that has other bytes.
        exercises: The exercises every learner should have; by default each exercise
            any learner has. Notebooks of other exercises are ignored.
        strip_prefix: Removed from the start of learner names (``assignment-``).

    Returns:
        What was collected, and every problem, one per file concerned.

    Raises:
        CourseError: When a source does not exist or is neither a folder nor a
            ``.zip``, ``out`` is a file or overlaps a source, an exercise is not
            in the manifest, or no learner's work is found at all.
        GradeError: When the manifest cannot be found or read.
    """
    _check_paths(sources, out)
    specs = _manifest(manifest, out)
    unknown = [name for name in exercises if name not in specs]
    if unknown:
        raise CourseError(f"--exercise {unknown[0]}: the manifest has {', '.join(specs)}")
    state = _State(specs, strip_prefix or None)
    for source in sources:
        _read_source(Path(source), state)
    if not state.learners:
        first = f"; first problem: {state.problems[0]}" if state.problems else ""
        raise CourseError(
            "found no learner's work (a learner folder or archive, or a "
            f"<learner>_<exercise>.ipynb notebook) in it{first}",
            path=", ".join(map(str, sources)),
        )
    return _store_all(state, Path(out), force, tuple(exercises))


def _manifest(manifest: Path | None, out: Path) -> dict[str, ExerciseSpec]:
    # Never a source's manifest: a learner's repository holds one the learner can edit.
    path = manifest or find_manifest(Path.cwd()) or find_manifest(Path(out).absolute().parent)
    if path is None:
        raise GradeError(
            "found no exercises/manifest.json above the current folder or CLASS; "
            "pass --manifest FILE",
            path=str(out),
        )
    return load_manifest(path)


def _check_paths(sources: Sequence[Path], out: Path) -> None:
    if not sources:
        raise CourseError("give the folders or .zip archives to collect from")
    target = Path(out).resolve()
    if target.exists() and not target.is_dir():
        raise CourseError("CLASS is a file; give a folder to collect into", path=str(out))
    for source in map(Path, sources):
        if not source.exists():
            raise CourseError("there is no such file or folder", path=str(source))
        if not source.is_dir() and source.suffix.lower() != ".zip":
            raise CourseError(
                "neither a folder nor a .zip archive; give folders of learner repositories "
                "or .zip archives",
                path=str(source),
            )
        resolved = source.resolve()
        if source.is_dir() and target.is_relative_to(resolved):
            raise CourseError(
                f"CLASS ({out}) is inside this source: collect never writes into a source; "
                "choose a CLASS folder outside it",
                path=str(source),
            )
        if resolved.is_relative_to(target):
            raise CourseError(
                f"this source is inside CLASS ({out}); move it out, or choose another CLASS",
                path=str(source),
            )


def _read_source(source: Path, state: _State) -> None:
    if source.is_dir():
        entries, folders = folder_entries(source, state.problem)
        _assign(entries, folders, source.resolve().name, str(source), state, archive=False)
        return
    try:
        with zipfile.ZipFile(source) as archive:
            entries, folders = zip_entries(archive, source, state.problem)
            # Members are read while the archive is open.
            _assign(entries, folders, source.stem, str(source), state, archive=True)
    except (zipfile.BadZipFile, OSError) as error:
        state.problem(
            "broken",
            str(source),
            f"not a readable zip archive ({error}); nothing collected from it: "
            "download it again, or extract it and collect the folder",
        )


def _assign(
    entries: list[Entry], folders: set[str], name: str, shown: str, state: _State, *, archive: bool
) -> None:
    """Give each entry of one source to its learner (see the module's rules).

    Args:
        entries: The source's files.
        folders: The names of its top-level folders.
        name: The learner's name if the source is one learner's (a folder's name, an
            archive's stem).
        shown: How messages name the source.
        state: Where learners, candidates and problems go.
        archive: Whether the source is an archive (its folders are shown ``a.zip:folder/``).
    """
    notebooks = {spec.notebook for spec in state.exercises.values()}
    if "exercises" in folders or any(e.parts[0] in notebooks for e in entries if len(e.parts) == 1):
        learner = _learner(name, shown, state)
        if learner is not None:
            _classify(learner, [(e, e.parts) for e in entries], state)
        return
    for folder in sorted(folders):
        inside = f"{shown}:{folder}/" if archive else f"{shown}/{folder}"
        learner = _learner(folder, inside, state)
        if learner is not None:
            mine = [(e, e.parts[1:]) for e in entries if e.parts[0] == folder and len(e.parts) > 1]
            _classify(learner, mine, state)
    for entry in (e for e in entries if len(e.parts) == 1):
        owner = _flat_owner(entry, state) if entry.kind == "file" else None
        learner = _learner(owner, entry.shown, state) if owner else None
        if learner is not None:
            _classify(learner, [(entry, entry.parts)], state)
        elif entry.kind == "symlink":
            _symlink_problem(entry, state)
        elif owner is None:
            state.problem(
                "unrecognised",
                entry.shown,
                "a file at the top of the source, outside any learner folder; not collected: "
                "put it in a folder named for its learner, or name it "
                "<learner>_<exercise>.ipynb, and collect again",
            )


def _flat_owner(entry: Entry, state: _State) -> str | None:
    path = PurePosixPath(entry.parts[0])
    if path.suffix != ".ipynb":
        return None
    for exercise in state.exercises:
        if path.stem.endswith(f"_{exercise}") and len(path.stem) > len(exercise) + 1:
            return path.stem[: -len(exercise) - 1]
    return None


def _learner(raw: str, shown: str, state: _State) -> str | None:
    """Return the learner named ``raw`` (less ``--strip-prefix``), or None for a bad name."""
    if _BAD_NAME.search(raw) or ignored(raw):
        state.problem(
            "unrecognised",
            shown,
            f"{raw!r} cannot name a learner's folder; not collected: rename it and collect again",
        )
        return None
    prefix, name = state.strip_prefix, raw
    if prefix and raw.startswith(prefix) and len(raw) > len(prefix):
        name = raw[len(prefix) :]  # a name without the prefix is kept whole
    state.learners.setdefault(name, []).append(shown)
    return name


def _symlink_problem(entry: Entry, state: _State) -> None:
    state.problem(
        "symlink",
        entry.shown,
        f"{entry.note}; not followed: if it is a submission, put the file itself there "
        "and collect again",
    )


def _classify(learner: str, entries: list[tuple[Entry, tuple[str, ...]]], state: _State) -> None:
    """Turn one learner's entries of one source into candidates and problems.

    Args:
        learner: Whose they are.
        entries: Each entry with its path inside the learner's folder.
        state: Where candidates and problems go.
    """
    repository = any(rel[:1] == ("exercises",) and len(rel) > 1 for _, rel in entries)
    for entry, rel in entries:
        notebook = rel[-1].endswith(".ipynb")
        where = len(rel) == 1 or (len(rel) == 2 and rel[0] == "exercises")
        lesson = len(rel) == 2 and rel[0] == "notebooks" and notebook and entry.kind == "file"
        if repository and lesson:
            _candidate(entry, learner, state, course_file=True)  # a lesson, if it holds quizzes
        elif repository and (not where or (entry.kind == "file" and not notebook)):
            state.ignored += 1  # the course's own files in a learner's clone
        elif entry.kind == "symlink":
            _symlink_problem(entry, state)
        elif entry.kind != "file":
            state.problem(
                "unrecognised",
                entry.shown,
                "not a regular file; not collected: put the notebook itself there",
                learner=learner,
            )
        elif not notebook:
            what = (
                "an archive inside a source; not opened: extract it"
                if rel[-1].lower().endswith(".zip")
                else "not a notebook (.ipynb); not collected: ask for the notebook"
            )
            state.problem(
                "unrecognised", entry.shown, f"{what}, and collect again", learner=learner
            )
        else:
            _candidate(entry, learner, state)


def _candidate(entry: Entry, learner: str, state: _State, *, course_file: bool = False) -> None:
    """Read a learner's notebook and record it as an exercise's or a lesson's candidate.

    Args:
        entry: The notebook.
        learner: Whose it is.
        state: Where candidates and problems go.
        course_file: A lesson of a learner's clone: kept only when it holds quiz results.
    """
    if entry.size > MAX_BYTES:
        state.problem(
            "unreadable",
            entry.shown,
            f"larger than {MAX_BYTES // 2**20} MiB; not read: clear its outputs and collect again",
            learner=learner,
        )
        return
    try:
        data = entry.read()
    except READ_ERRORS as error:
        reason = getattr(error, "strerror", None) or str(error)
        state.problem(
            "unreadable",
            entry.shown,
            f"cannot read it ({reason}); not collected: make it readable, or ask for it again",
            learner=learner,
        )
        return
    if len(data) > MAX_BYTES:
        state.problem(
            "unreadable",
            entry.shown,
            "larger than its size says; not read: ask for it again",
            learner=learner,
        )
        return
    name = PurePosixPath(entry.parts[-1]).name
    _identify(entry.shown, name, data, learner, state, course_file=course_file)


def _identify(
    shown: str, name: str, data: bytes, learner: str, state: _State, *, course_file: bool
) -> None:
    """Find the exercise of a notebook as the grader does (or see that it is a lesson with
    quiz results), and record it as a candidate."""
    try:
        nb = json.loads(data.decode("utf-8"))
        readable = isinstance(nb, dict) and "nbformat" in nb
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        nb, readable = {}, False
    nb = nb if isinstance(nb, dict) else {}
    # Before the exercise: a lesson shares its exercise's name, its quiz results tell it apart.
    if readable and lesson_quizzes(nb, shown) is not None:
        _lesson(shown, name, data, learner, state)
        return
    if course_file:
        state.ignored += 1  # a lesson of the course with no quiz results: the course's file
        return
    named, claimed = _exercise_of(Path(name), state.exercises), _claimed(nb)
    try:
        spec = identify(nb, Path(name), state.exercises, None)
    except GradeError as error:
        message = error.message
        if named is None and claimed is None:  # the grader's advice (--exercise) is not ours
            message = (
                "a notebook of no exercise (neither its name nor its metadata names one); "
                "if it is a submission, name it after its exercise (e.g. 02_unit_tests.ipynb)"
            )
        state.problem("unrecognised", shown, f"{message}; not collected", learner=learner)
        return
    if not readable:
        state.problem(
            "invalid",
            shown,
            f"not a readable notebook; collected as it is (named for {spec.name}): "
            "grading will report it",
            learner=learner,
            exercise=spec.name,
        )
    rank = 2 if named == claimed == spec.name else 1
    state.candidates.setdefault((learner, spec.name), []).append(Candidate(shown, data, rank))


def _lesson(shown: str, name: str, data: bytes, learner: str, state: _State) -> None:
    """Record a lesson notebook with quiz results under its lesson's file name."""
    if _LESSON_NAME.fullmatch(name):
        lesson: str | None = name
    else:  # <learner>_<exercise>.ipynb, as a class's flat files are named
        flat = [s.notebook for s in state.exercises.values() if name.endswith(f"_{s.notebook}")]
        lesson = flat[0] if flat else None
    if lesson is None:
        state.problem(
            "unrecognised",
            shown,
            "a lesson notebook with quiz results, named for no lesson; not collected: rename it "
            "to its lesson's name (e.g. 02_unit_tests.ipynb) and collect again",
            learner=learner,
        )
        return
    state.lessons.setdefault((learner, lesson), []).append(Candidate(shown, data, 1))


def _exercise_of(path: Path, exercises: Mapping[str, ExerciseSpec]) -> str | None:
    """Return the exercise the grader finds from the file name alone, or None."""
    try:
        return identify({}, path, exercises, None).name
    except GradeError:
        return None


def _claimed(nb: Mapping) -> str | None:
    """Return the exercise the notebook's metadata names, or None."""
    metadata = nb.get("metadata")
    course = metadata.get("mlcicd") if isinstance(metadata, Mapping) else None
    claimed = course.get("exercise") if isinstance(course, Mapping) else None
    return claimed if isinstance(claimed, str) and claimed else None


def _store_all(state: _State, out: Path, force: bool, chosen: tuple[str, ...]) -> CollectReport:
    """Pick one notebook per learner and exercise (and lesson), write it, report what is missing."""
    expected = chosen or tuple(
        name for name in state.exercises if any(key[1] == name for key in state.candidates)
    )
    report = CollectReport(out, expected, tuple(sorted(state.learners)))
    for (learner, exercise), candidates in sorted(state.candidates.items()):
        if exercise not in expected:
            state.ignored += len(candidates)
            continue
        target = out / learner / state.exercises[exercise].notebook
        about = {"learner": learner, "exercise": exercise}
        winner = choose(candidates, f"exercise {exercise}", target, state.problem, about)
        status = store(winner, out, target, force, state.problem, about) if winner else None
        if winner and status:
            report.collected.append(Collected(learner, exercise, winner.shown, str(target), status))
    for (learner, lesson), candidates in sorted(state.lessons.items()):
        target = out / learner / LESSONS_FOLDER / lesson
        about = {"learner": learner}
        winner = choose(candidates, f"lesson {lesson}", target, state.problem, about)
        status = store(winner, out, target, force, state.problem, about) if winner else None
        if winner and status:
            lesson_row = CollectedLesson(learner, lesson, winner.shown, str(target), status)
            report.lessons.append(lesson_row)
    for learner in report.learners:
        for exercise in expected:
            if (learner, exercise) not in state.candidates:
                where = ", ".join(state.learners[learner])
                state.problem(
                    "missing",
                    where,
                    f"{learner} has no notebook of exercise {exercise}: nothing to grade for it; "
                    "ask for it and collect again",
                    learner=learner,
                    exercise=exercise,
                )
    report.ignored = state.ignored
    report.problems = sorted(state.problems, key=lambda p: (KINDS.index(p.kind), p.path))
    return report
