"""``mlcicd course collect``: repositories and archives into CLASS/<learner>/<exercise>.ipynb.

Every collection here goes through :func:`collected`, which also checks that
no source changed (bytes and modification times) and that nothing outside
CLASS was written.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mlcicd.cli import main
from mlcicd.course import collect as collect_module
from mlcicd.course import notebook as n
from mlcicd.course.collect import CollectReport, collect
from mlcicd.course.quiz import Choice, Question, Quiz
from mlcicd.exceptions import CourseError, GradeError
from mlcicd.grade.manifest import load_manifest
from mlcicd.grade.quizzes import learner_quizzes
from mlcicd.grade.run import Submission, find_submissions, identify, lesson_learners

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "exercises" / "manifest.json"
UNIT, DATA = "02_unit_tests", "03_data_tests"


def notebook(exercise: str | None = None, answer: str = "") -> bytes:
    """Return a tiny notebook's bytes, marked as ``exercise`` in its metadata when given."""
    metadata = {"mlcicd": {"exercise": exercise}} if exercise else {}
    return n.dumps(n.new_notebook([n.code(f"answer = {answer!r}")], **metadata)).encode()


def lesson(answer: str = "right") -> bytes:
    """Return a lesson notebook's bytes after one Check of its one-question quiz: the record
    is the one the quiz itself saves in its output's metadata."""
    right, wrong = Choice("right", correct=True, why="r"), Choice("wrong", why="w")
    quiz = Quiz(Question("Which?", right, wrong), seed="s")
    quiz.answer(1, [[c.text for c in quiz.questions[0].choices].index(answer)])
    cell = n.code("quiz")
    cell["outputs"] = [
        {"output_type": "display_data", "data": {"text/plain": "Quiz"}, "metadata": quiz.metadata()}
    ]
    return n.dumps(n.new_notebook([n.markdown("# Lesson"), cell])).encode()


def tree(root: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` (relative path: bytes) under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def repository(root: Path, exercises: Mapping[str, bytes]) -> Path:
    """Write a learner's clone of the course: ``exercises/``, a lesson, code, git objects."""
    tree(root, {f"exercises/{name}.ipynb": data for name, data in exercises.items()})
    n.write(n.new_notebook([n.markdown("# Lesson 02")]), root / "notebooks" / f"{UNIT}.ipynb")
    return tree(
        root,
        {
            "exercises/manifest.json": b"{}",
            "src/churn/train.py": b"print('train')\n",
            "README.md": b"# course\n",
            ".git/objects/ab/cdef": b"blob",
        },
    )


def archive(path: Path, members: Mapping[str, bytes], links: Mapping[str, str] = {}) -> Path:
    """Write a zip of ``members`` (names kept as given) and symbolic-link ``links``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(zipfile.ZipInfo(name), data)
        for name, target in links.items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix, whose mode bits say "symbolic link"
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zipped.writestr(info, target)
    return path


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Return each file, folder and link under ``root``: its bytes (or link text) and mtime."""
    found: dict[str, tuple[bytes, int]] = {}
    for folder, names, files in os.walk(root):
        for name in names + files:
            path = Path(folder) / name
            info = path.lstat()
            if path.is_symlink():
                data = os.readlink(path).encode()
            else:
                data = path.read_bytes() if stat.S_ISREG(info.st_mode) else b""
            found[path.relative_to(root).as_posix()] = (data, info.st_mtime_ns)
    return found


def files(folder: Path) -> dict[str, bytes]:
    """Return every file under ``folder`` (relative posix path: bytes)."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def collected(
    sources: Sequence[Path], out: Path, *, base: Path | None = None, **options: Any
) -> CollectReport:
    """Collect with the course's manifest; assert nothing but CLASS changed under ``base``."""
    base = base or out.parent
    before = snapshot(base)
    report = collect(sources, out, manifest=MANIFEST, **options)
    after = snapshot(base)
    inside = f"{out.relative_to(base).as_posix()}/"
    changed = {
        name
        for name in before.keys() | after.keys()
        if before.get(name) != after.get(name) and not (name + "/").startswith(inside)
    }
    assert changed <= {out.relative_to(base).as_posix()}, changed  # CLASS itself may appear
    return report


def problems(report: CollectReport, base: Path) -> list[tuple[str, str]]:
    """Return (kind, path relative to ``base``) of each problem."""
    return [(p.kind, p.path.replace(f"{base}/", "")) for p in report.problems]


def message(report: CollectReport, kind: str) -> str:
    """Return the message of the one problem of ``kind``."""
    (found,) = [p.message for p in report.problems if p.kind == kind]
    return found


# ---- where learners and their notebooks are ----


def test_classroom_repositories_give_each_learner_their_exercises(tmp_path: Path) -> None:
    ana_unit, ana_data, bob_unit = notebook(UNIT, "a"), notebook(DATA, "a"), notebook(UNIT, "b")
    repository(tmp_path / "repos" / "assignment-ana", {UNIT: ana_unit, DATA: ana_data})
    repository(tmp_path / "repos" / "assignment-bob", {UNIT: bob_unit})

    out = tmp_path / "class"
    report = collected([tmp_path / "repos"], out, strip_prefix="assignment-")

    assert files(out) == {
        f"ana/{UNIT}.ipynb": ana_unit,
        f"ana/{DATA}.ipynb": ana_data,
        f"bob/{UNIT}.ipynb": bob_unit,
    }
    assert report.learners == ("ana", "bob")
    assert report.exercises == (UNIT, DATA)
    assert [c.status for c in report.collected] == ["written"] * 3
    assert problems(report, tmp_path) == [("missing", "repos/assignment-bob")]
    assert f"bob has no notebook of exercise {DATA}" in message(report, "missing")
    # Per clone: the lesson, train.py, README.md and manifest.json are the course's files.
    assert report.ignored == 8
    assert find_submissions([out]) == [
        Submission(out / "ana" / f"{UNIT}.ipynb", "ana"),
        Submission(out / "ana" / f"{DATA}.ipynb", "ana"),
        Submission(out / "bob" / f"{UNIT}.ipynb", "bob"),
    ]


@pytest.mark.parametrize(
    ("folder", "learner"),
    [
        ("assignment-ana", "ana"),
        ("ana", "ana"),  # a name without the prefix is kept whole
        ("assignment-", "assignment-"),  # stripping would leave no name
        ("Assignment-ana", "Assignment-ana"),  # the prefix is matched exactly
    ],
)
def test_strip_prefix_removes_the_prefix_where_there_is_one(
    tmp_path: Path, folder: str, learner: str
) -> None:
    tree(tmp_path / "repos" / folder, {f"{UNIT}.ipynb": notebook(UNIT)})
    report = collected([tmp_path / "repos"], tmp_path / "class", strip_prefix="assignment-")
    assert report.learners == (learner,)
    assert list(files(tmp_path / "class")) == [f"{learner}/{UNIT}.ipynb"]


def test_one_learners_repository_given_alone_is_that_learner(tmp_path: Path) -> None:
    data = notebook(UNIT)
    repository(tmp_path / "assignment-ana", {UNIT: data})
    report = collected(
        [tmp_path / "assignment-ana"], tmp_path / "class", strip_prefix="assignment-"
    )
    assert report.learners == ("ana",)
    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": data}


def test_an_upload_folder_is_searched_at_every_depth_and_other_files_are_reported(
    tmp_path: Path,
) -> None:
    data = notebook(UNIT)
    tree(
        tmp_path / "uploads",
        {
            f"ana/week 1/final/{UNIT}.ipynb": data,
            "ana/report.pdf": b"%PDF",
            "ana/work.zip": b"PK",
            "ana/.ipynb_checkpoints/02_unit_tests-checkpoint.ipynb": notebook(UNIT, "old"),
            "ana/__pycache__/x.pyc": b"",
            "notes.txt": b"top",
        },
    )
    report = collected([tmp_path / "uploads"], tmp_path / "class")

    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": data}
    assert problems(report, tmp_path) == [
        ("unrecognised", "uploads/ana/report.pdf"),
        ("unrecognised", "uploads/ana/work.zip"),
        ("unrecognised", "uploads/notes.txt"),
    ]
    by_path = {p.path.rsplit("/", 1)[-1]: p.message for p in report.problems}
    assert by_path["report.pdf"].startswith("not a notebook (.ipynb); not collected")
    assert by_path["work.zip"].startswith("an archive inside a source; not opened: extract it")
    assert "outside any learner folder" in by_path["notes.txt"]


def test_a_zip_per_learner_is_named_by_its_stem(tmp_path: Path) -> None:
    ana, bob = notebook(UNIT, "a"), notebook(UNIT, "b")
    lesson = n.dumps(n.new_notebook([n.markdown("# Lesson")])).encode()
    sources = [
        archive(tmp_path / "in" / "ana.zip", {f"{UNIT}.ipynb": ana}),
        archive(
            tmp_path / "in" / "bob.zip",
            {f"exercises/{UNIT}.ipynb": bob, f"notebooks/{UNIT}.ipynb": lesson},
        ),
    ]
    report = collected(sources, tmp_path / "class")
    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": ana, f"bob/{UNIT}.ipynb": bob}
    assert report.problems == []


def test_a_class_zip_has_a_folder_per_learner_nested_files_and_flat_names(tmp_path: Path) -> None:
    ana, bob, carl, dan = (notebook(UNIT, who) for who in ("ana", "bob", "carl", "dan"))
    source = archive(
        tmp_path / "in" / "class.zip",
        {
            "ana/": b"",
            f"ana/{UNIT}.ipynb": ana,
            f"bob/submission/attempt 2/{UNIT}.ipynb": bob,
            f"carl_{UNIT}.ipynb": carl,
            f"dan\\{UNIT}.ipynb": dan,  # written by a Windows tool
            "readme.txt": b"hello",
            f"__MACOSX/ana/._{UNIT}.ipynb": b"resource fork",
            "erin/": b"",
        },
    )
    report = collected([source], tmp_path / "class")

    assert files(tmp_path / "class") == {
        f"ana/{UNIT}.ipynb": ana,
        f"bob/{UNIT}.ipynb": bob,
        f"carl/{UNIT}.ipynb": carl,
        f"dan/{UNIT}.ipynb": dan,
    }
    assert problems(report, tmp_path) == [
        ("unrecognised", "in/class.zip:readme.txt"),
        ("missing", "in/class.zip:erin/"),  # an empty folder is a learner who sent nothing
    ]


# ---- which exercise ----


@pytest.mark.parametrize(
    ("name", "claims", "exercise", "says"),
    [
        (f"{UNIT}.ipynb", None, UNIT, None),
        (f"ana_{UNIT}.ipynb", None, UNIT, None),
        ("Untitled.ipynb", DATA, DATA, None),
        (f"{UNIT} (1).ipynb", UNIT, UNIT, None),
        ("Untitled.ipynb", None, None, "a notebook of no exercise"),
        (f"{UNIT}.ipynb", DATA, None, f"the file is named for exercise {UNIT}, but the notebook"),
        ("Untitled.ipynb", "99_nope", None, "exercise 99_nope is not in the manifest"),
    ],
)
def test_a_notebook_is_identified_as_the_grader_does(
    tmp_path: Path, name: str, claims: str | None, exercise: str | None, says: str | None
) -> None:
    data = notebook(claims)
    tree(tmp_path / "uploads", {f"ana/{name}": data, f"bob/{UNIT}.ipynb": notebook(UNIT)})
    report = collected([tmp_path / "uploads"], tmp_path / "class")

    got = {k: v for k, v in files(tmp_path / "class").items() if k.startswith("ana/")}
    assert got == ({f"ana/{exercise}.ipynb": data} if exercise else {})
    unrecognised = [p for p in report.problems if p.kind == "unrecognised"]
    if says is None:
        assert unrecognised == []
    else:
        assert [p.path for p in unrecognised] == [str(tmp_path / "uploads" / "ana" / name)]
        assert says in unrecognised[0].message
        assert unrecognised[0].message.endswith("; not collected")


def test_a_real_exercise_notebook_is_found_by_its_metadata_and_copied_byte_for_byte(
    tmp_path: Path,
) -> None:
    real = (ROOT / "exercises" / f"{UNIT}.ipynb").read_bytes()
    tree(tmp_path / "uploads", {"ana/Untitled.ipynb": real})
    source = archive(tmp_path / "in" / "class.zip", {f"bob/work/{UNIT}.ipynb": real})
    report = collected([tmp_path / "uploads", source], tmp_path / "class")

    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": real, f"bob/{UNIT}.ipynb": real}
    assert report.problems == []
    collected_path = tmp_path / "class" / "ana" / f"{UNIT}.ipynb"
    exercises = load_manifest(MANIFEST)
    assert identify(n.read(collected_path), collected_path, exercises, None).name == UNIT


def test_a_notebook_that_is_not_json_is_still_collected_and_reported(tmp_path: Path) -> None:
    broken = b'{"cells": [ oops'
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": broken})
    report = collected([tmp_path / "uploads"], tmp_path / "class")
    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": broken}
    assert problems(report, tmp_path) == [("invalid", f"uploads/ana/{UNIT}.ipynb")]
    assert "grading will report it" in message(report, "invalid")


# ---- missing and duplicate ----


def test_exercises_chosen_are_the_only_ones_collected_and_expected(tmp_path: Path) -> None:
    data = notebook(DATA)
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": notebook(UNIT), f"ana/{DATA}.ipynb": data})
    tree(tmp_path / "uploads", {f"bob/{UNIT}.ipynb": notebook(UNIT)})
    report = collected([tmp_path / "uploads"], tmp_path / "class", exercises=[DATA])

    assert files(tmp_path / "class") == {f"ana/{DATA}.ipynb": data}
    assert report.exercises == (DATA,)
    assert [(p.kind, p.learner, p.exercise) for p in report.problems] == [("missing", "bob", DATA)]
    assert report.ignored == 2


def test_an_exercise_not_in_the_manifest_is_refused(tmp_path: Path) -> None:
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": notebook(UNIT)})
    with pytest.raises(CourseError, match="--exercise 11_nope: the manifest has 02_unit_tests"):
        collect(
            [tmp_path / "uploads"], tmp_path / "class", manifest=MANIFEST, exercises=["11_nope"]
        )
    assert not (tmp_path / "class").exists()


def test_different_notebooks_of_one_exercise_collect_none_and_say_what_to_do(
    tmp_path: Path,
) -> None:
    tree(
        tmp_path / "uploads",
        {f"ana/v1/{UNIT}.ipynb": notebook(UNIT, "1"), f"ana/v2/{UNIT}.ipynb": notebook(UNIT, "2")},
    )
    report = collected([tmp_path / "uploads"], tmp_path / "class")

    assert files(tmp_path / "class") == {}
    assert problems(report, tmp_path) == [("duplicate", f"uploads/ana/v1/{UNIT}.ipynb")]
    text = message(report, "duplicate")
    assert f"uploads/ana/v2/{UNIT}.ipynb" in text and "none collected" in text
    assert str(tmp_path / "class" / "ana" / f"{UNIT}.ipynb") in text


def test_identical_copies_count_once(tmp_path: Path) -> None:
    data = notebook(UNIT)
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": data, f"ana/again/{UNIT}.ipynb": data})
    source = archive(tmp_path / "in" / "ana.zip", {f"{UNIT}.ipynb": data})
    report = collected([tmp_path / "uploads", source], tmp_path / "class")
    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": data}
    assert report.problems == []


def test_the_notebook_named_and_marked_for_the_exercise_beats_a_jupyterlab_copy(
    tmp_path: Path,
) -> None:
    real, copy = notebook(UNIT, "final"), notebook(UNIT, "experiment")
    repository(tmp_path / "repos" / "ana", {UNIT: real, f"{UNIT}-Copy1": copy})
    report = collected([tmp_path / "repos"], tmp_path / "class")

    assert files(tmp_path / "class") == {f"ana/{UNIT}.ipynb": real}
    assert problems(report, tmp_path) == [("duplicate", f"repos/ana/exercises/{UNIT}-Copy1.ipynb")]
    assert f"collected {tmp_path}/repos/ana/exercises/{UNIT}.ipynb" in message(report, "duplicate")


def test_one_learner_in_two_sources_with_different_work_is_a_duplicate(tmp_path: Path) -> None:
    repository(tmp_path / "repos" / "ana", {UNIT: notebook(UNIT, "repo")})
    source = archive(tmp_path / "in" / "ana.zip", {f"{UNIT}.ipynb": notebook(UNIT, "zip")})
    report = collected([tmp_path / "repos", source], tmp_path / "class")
    assert files(tmp_path / "class") == {}
    assert [(p.kind, p.learner) for p in report.problems] == [("duplicate", "ana")]
    assert f"in/ana.zip:{UNIT}.ipynb" in message(report, "duplicate")


# ---- lessons with quiz results ----


def test_lessons_with_quiz_results_go_beside_the_exercises_where_grading_shows_them(
    tmp_path: Path,
) -> None:
    why, data, unit = lesson("right"), lesson("wrong"), notebook(UNIT, "a")
    ana = repository(tmp_path / "repos" / "ana", {UNIT: unit})
    tree(ana, {"notebooks/01_why_ml_cicd.ipynb": why, f"notebooks/{DATA}.ipynb": data})
    bob = repository(tmp_path / "repos" / "bob", {})  # a clone where only lessons were done
    tree(bob, {"notebooks/01_why_ml_cicd.ipynb": why})
    out = tmp_path / "class"

    report = collected([tmp_path / "repos"], out)

    assert files(out) == {
        f"ana/{UNIT}.ipynb": unit,
        "ana/lessons/01_why_ml_cicd.ipynb": why,
        f"ana/lessons/{DATA}.ipynb": data,
        "bob/lessons/01_why_ml_cicd.ipynb": why,
    }
    assert [(c.learner, c.lesson, c.status) for c in report.lessons] == [
        ("ana", "01_why_ml_cicd.ipynb", "written"),
        ("ana", f"{DATA}.ipynb", "written"),
        ("bob", "01_why_ml_cicd.ipynb", "written"),
    ]
    # bob is a learner, whose exercise is missing; the lesson without quizzes is the course's.
    assert report.learners == ("ana", "bob") and report.exercises == (UNIT,)
    assert problems(report, tmp_path) == [("missing", "repos/bob")]
    assert report.ignored == 8
    assert report.summary()[1] == (
        f"Collected 3 lesson notebook(s) with quiz results of 2 learner(s) into {out}/<learner>/"
        "lessons/: 3 written, 0 unchanged, 0 replaced. Not graded: mlcicd grade shows their "
        "quiz results on each learner's feedback page."
    )
    assert report.to_json()["counts"]["lessons"] == 3
    # Grading runs only the exercise, and finds every lesson for the feedback.
    assert find_submissions([out]) == [Submission(out / "ana" / f"{UNIT}.ipynb", "ana")]
    assert lesson_learners([out]) == {"bob": [out / "bob"]}
    assert [q.right for q in learner_quizzes(out / "ana")] == [1, 0]


def test_a_lesson_is_told_apart_from_its_exercise_by_its_quiz_results_anywhere(
    tmp_path: Path,
) -> None:
    unit, marked, ana_lesson, carl_lesson = notebook(UNIT), lesson(), lesson(), lesson("wrong")
    # An exercise whose outputs hold a quiz record is still the exercise its metadata says.
    marked_json = json.loads(lesson())
    marked_json["metadata"]["mlcicd"] = {"exercise": DATA}
    marked = json.dumps(marked_json).encode()
    tree(
        tmp_path / "uploads",
        {
            f"ana/{UNIT}.ipynb": unit,
            f"ana/week 1/{UNIT}.ipynb": ana_lesson,
            f"ana/{DATA}.ipynb": marked,
            "ana/my quiz.ipynb": lesson(),
        },
    )
    source = archive(tmp_path / "in" / "class.zip", {f"carl_{UNIT}.ipynb": carl_lesson})

    report = collected([tmp_path / "uploads", source], tmp_path / "class")

    assert files(tmp_path / "class") == {
        f"ana/{UNIT}.ipynb": unit,
        f"ana/{DATA}.ipynb": marked,
        f"ana/lessons/{UNIT}.ipynb": ana_lesson,
        f"carl/lessons/{UNIT}.ipynb": carl_lesson,
    }
    assert [(p.kind, p.learner) for p in report.problems] == [
        ("unrecognised", "ana"),
        ("missing", "carl"),
        ("missing", "carl"),
    ]
    assert message(report, "unrecognised").startswith(
        "a lesson notebook with quiz results, named for no lesson; not collected: rename it"
    )


def test_lessons_follow_the_rules_of_exercises_nothing_lost_without_force(
    tmp_path: Path,
) -> None:
    first, second = lesson("right"), lesson("wrong")
    out = tree(tmp_path / "class", {f"ana/lessons/{UNIT}.ipynb": first, "bob/lessons": b"file"})
    uploads = tree(
        tmp_path / "uploads",
        {
            f"ana/{UNIT}.ipynb": second,
            f"bob/{UNIT}.ipynb": first,
            f"carl/a/{UNIT}.ipynb": first,
            f"carl/b/{UNIT}.ipynb": second,
        },
    )

    kept = collected([uploads], out)
    assert files(out) == {f"ana/lessons/{UNIT}.ipynb": first, "bob/lessons": b"file"}
    assert problems(kept, tmp_path) == [
        ("duplicate", f"uploads/carl/a/{UNIT}.ipynb"),
        ("conflict", f"class/ana/lessons/{UNIT}.ipynb"),
        ("conflict", f"class/bob/lessons/{UNIT}.ipynb"),
    ]
    duplicate, ana, bob = (p.message for p in kept.problems)
    assert f"different notebooks of lesson {UNIT}.ipynb for carl" in duplicate
    assert f"copy the one to keep to {out}/carl/lessons/{UNIT}.ipynb" in duplicate
    assert "pass --force to replace it" in ana
    assert bob.startswith(f"{out}/bob/lessons is a symbolic link or a file, not a folder")

    forced = collected([uploads], out, force=True)
    assert files(out)[f"ana/lessons/{UNIT}.ipynb"] == second
    assert [(c.learner, c.status) for c in forced.lessons] == [("ana", "replaced")]
    again = collected([uploads], out)
    assert [(c.learner, c.status) for c in again.lessons] == [("ana", "unchanged")]


def test_a_learner_folder_in_class_that_is_a_link_gets_no_lesson_written_through(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "ana").symlink_to(outside, target_is_directory=True)
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": lesson()})
    report = collect([tmp_path / "uploads"], tmp_path / "class", manifest=MANIFEST, force=True)
    assert list(outside.iterdir()) == []
    assert problems(report, tmp_path) == [("conflict", f"class/ana/lessons/{UNIT}.ipynb")]


# ---- unsafe, linked, unreadable and broken input ----


def test_zip_entries_with_absolute_or_dotdot_paths_are_never_extracted(tmp_path: Path) -> None:
    evil = notebook(UNIT, "evil")
    good = notebook(UNIT, "bob")
    unsafe = [
        f"../{UNIT}.ipynb",
        f"/tmp/{UNIT}.ipynb",
        f"ana/../../{UNIT}.ipynb",
        f"..\\..\\ana\\{UNIT}.ipynb",
        f"C:/Users/ana/{UNIT}.ipynb",
    ]
    source = archive(
        tmp_path / "in" / "class.zip", {**dict.fromkeys(unsafe, evil), f"bob/{UNIT}.ipynb": good}
    )
    with zipfile.ZipFile(source) as check:  # the names really are stored as written
        assert [info.filename for info in check.infolist()][:5] == unsafe

    report = collected([source], tmp_path / "class", base=tmp_path)  # nothing outside CLASS

    assert files(tmp_path / "class") == {f"bob/{UNIT}.ipynb": good}
    assert problems(report, tmp_path) == sorted(
        ("unsafe", f"in/class.zip:{name}") for name in unsafe
    )
    assert all("never extracted" in p.message for p in report.problems)
    assert evil not in [data for data, _ in snapshot(tmp_path).values()]


def test_symbolic_links_in_a_folder_are_reported_and_never_followed(tmp_path: Path) -> None:
    secret = tree(tmp_path / "elsewhere", {f"{UNIT}.ipynb": notebook(UNIT, "secret")})
    good = notebook(UNIT, "bob")
    uploads = tree(tmp_path / "uploads", {f"bob/{UNIT}.ipynb": good, "carl/notes.ipynb": b"{}"})
    (uploads / "ana").mkdir()
    (uploads / "ana" / f"{UNIT}.ipynb").symlink_to(secret / f"{UNIT}.ipynb")
    (uploads / "carl" / f"{UNIT}.ipynb").symlink_to(uploads / "bob" / f"{UNIT}.ipynb")
    (uploads / "eve").symlink_to(secret, target_is_directory=True)

    report = collected([uploads], tmp_path / "class", base=tmp_path)

    assert files(tmp_path / "class") == {f"bob/{UNIT}.ipynb": good}
    links = {p.path.replace(f"{tmp_path}/", ""): p.message for p in report.problems}
    assert "(outside the source); not followed" in links[f"uploads/ana/{UNIT}.ipynb"]
    assert "(inside the source); not followed" in links[f"uploads/carl/{UNIT}.ipynb"]
    assert "(outside the source); not followed" in links["uploads/eve"]
    assert "eve" not in report.learners
    assert [p.kind for p in report.problems if p.path.endswith(f"{UNIT}.ipynb")] == [
        "symlink",
        "symlink",
    ]


def test_a_symbolic_link_entry_in_a_zip_is_reported_and_not_copied(tmp_path: Path) -> None:
    good = notebook(UNIT)
    source = archive(
        tmp_path / "in" / "class.zip",
        {f"bob/{UNIT}.ipynb": good},
        links={f"ana/{UNIT}.ipynb": "/etc/passwd"},
    )
    report = collected([source], tmp_path / "class")
    assert files(tmp_path / "class") == {f"bob/{UNIT}.ipynb": good}
    assert problems(report, tmp_path)[:1] == [("symlink", f"in/class.zip:ana/{UNIT}.ipynb")]


def test_unreadable_files_and_folders_are_reported_and_the_rest_collected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = notebook(UNIT)
    uploads = tree(
        tmp_path / "uploads",
        {f"ana/{UNIT}.ipynb": notebook(UNIT), f"bob/{UNIT}.ipynb": good, "carl/x.ipynb": b""},
    )
    # The tests run as root, whom chmod does not stop: refuse these two paths as a
    # permission would.
    locked_file, locked_folder = uploads / "ana" / f"{UNIT}.ipynb", uploads / "carl"
    real_open, real_scandir = os.open, os.scandir

    def refusing_open(path: Any, *args: Any, **kwargs: Any) -> int:
        if Path(path) == locked_file:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    def refusing_scandir(path: Any = ".") -> Any:
        if Path(path) == locked_folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    before = snapshot(uploads)
    with monkeypatch.context() as patch:  # only while collecting: snapshot() lists folders too
        patch.setattr(os, "open", refusing_open)
        patch.setattr(os, "scandir", refusing_scandir)
        report = collect([uploads], tmp_path / "class", manifest=MANIFEST)
    assert snapshot(uploads) == before

    assert files(tmp_path / "class") == {f"bob/{UNIT}.ipynb": good}
    assert problems(report, tmp_path)[:2] == [
        ("unreadable", "uploads/ana/02_unit_tests.ipynb"),
        ("unreadable", "uploads/carl"),
    ]
    assert all("(Permission denied)" in p.message for p in report.problems[:2])


def test_a_special_file_is_reported_without_being_opened(tmp_path: Path) -> None:
    uploads = tree(tmp_path / "uploads", {f"bob/{UNIT}.ipynb": notebook(UNIT)})
    (uploads / "ana").mkdir()
    os.mkfifo(uploads / "ana" / f"{UNIT}.ipynb")  # opening it to read would block
    report = collected([uploads], tmp_path / "class")
    assert problems(report, tmp_path)[0] == ("unrecognised", f"uploads/ana/{UNIT}.ipynb")
    assert "not a regular file" in report.problems[0].message


def test_a_notebook_over_the_size_limit_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collect_module, "MAX_BYTES", 50)
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": notebook(UNIT), "bob/x.txt": b""})
    report = collected([tmp_path / "uploads"], tmp_path / "class")
    assert files(tmp_path / "class") == {}
    assert problems(report, tmp_path)[0] == ("unreadable", f"uploads/ana/{UNIT}.ipynb")


def test_a_broken_zip_and_a_damaged_entry_are_reported_and_the_rest_collected(
    tmp_path: Path,
) -> None:
    good = notebook(UNIT, "good")
    damaged = archive(tmp_path / "in" / "damaged.zip", {f"ana/{UNIT}.ipynb": notebook(UNIT, "x")})
    raw = damaged.read_bytes()
    at = raw.index(b"answer = 'x'")
    damaged.write_bytes(raw[:at] + b"ANSWER" + raw[at + 6 :])  # stored, so the CRC no longer fits
    sources = [
        (tmp_path / "in" / "broken.zip"),
        damaged,
        archive(tmp_path / "in" / "bob.zip", {f"{UNIT}.ipynb": good}),
    ]
    sources[0].write_bytes(b"this is no zip")

    report = collected(sources, tmp_path / "class")

    assert files(tmp_path / "class") == {f"bob/{UNIT}.ipynb": good}
    assert problems(report, tmp_path)[:2] == [
        ("broken", "in/broken.zip"),
        ("unreadable", f"in/damaged.zip:ana/{UNIT}.ipynb"),
    ]
    assert "Bad CRC-32" in report.problems[1].message


# ---- the class folder ----


def test_collecting_again_adds_new_work_and_keeps_different_work_unless_forced(
    tmp_path: Path,
) -> None:
    first, second = notebook(UNIT, "first"), notebook(UNIT, "second")
    out = tree(tmp_path / "class", {"ana/feedback.txt": b"mine", f"ana/{UNIT}.ipynb": first})
    uploads = tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": first})

    again = collected([uploads], out)
    assert [c.status for c in again.collected] == ["unchanged"]

    tree(uploads, {f"ana/{UNIT}.ipynb": second, f"bob/{UNIT}.ipynb": second})
    kept = collected([uploads], out)
    assert files(out) == {
        "ana/feedback.txt": b"mine",
        f"ana/{UNIT}.ipynb": first,
        f"bob/{UNIT}.ipynb": second,
    }
    assert problems(kept, tmp_path) == [("conflict", f"class/ana/{UNIT}.ipynb")]
    assert "pass --force to replace it" in message(kept, "conflict")

    forced = collected([uploads], out, force=True)
    assert files(out)[f"ana/{UNIT}.ipynb"] == second
    assert files(out)["ana/feedback.txt"] == b"mine"
    assert sorted(c.status for c in forced.collected) == ["replaced", "unchanged"]
    assert forced.problems == []


def test_a_learner_folder_in_class_that_is_a_link_is_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "class"
    out.mkdir()
    (out / "ana").symlink_to(outside, target_is_directory=True)
    tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": notebook(UNIT)})
    report = collect([tmp_path / "uploads"], out, manifest=MANIFEST, force=True)
    assert list(outside.iterdir()) == []
    assert problems(report, tmp_path) == [("conflict", f"class/ana/{UNIT}.ipynb")]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda t: t / "nowhere", "there is no such file or folder"),
        (lambda t: tree(t, {"list.txt": b""}) / "list.txt", "neither a folder nor a .zip archive"),
        (lambda t: tree(t / "empty", {}), "found no learner's work"),
        (lambda t: tree(t / "loose", {"a.txt": b""}), "first problem: unrecognised:"),
    ],
)
def test_unusable_input_is_one_error_naming_it_and_writes_nothing(
    tmp_path: Path, make: Any, error: str
) -> None:
    source = make(tmp_path / "in")
    with pytest.raises(CourseError, match=error) as raised:
        collect([source], tmp_path / "class", manifest=MANIFEST)
    assert raised.value.path == str(source)
    assert raised.value.exit_code == 2
    assert not (tmp_path / "class").exists()


def test_only_broken_zips_is_an_error_that_names_the_problem(tmp_path: Path) -> None:
    source = tmp_path / "broken.zip"
    source.write_bytes(b"nope")
    with pytest.raises(CourseError, match=r"first problem: broken: .*broken\.zip: not a readable"):
        collect([source], tmp_path / "class", manifest=MANIFEST)


@pytest.mark.parametrize("inside", ["class", "class/deeper"])
def test_class_inside_a_source_or_a_source_inside_class_is_refused(
    tmp_path: Path, inside: str
) -> None:
    uploads = tree(tmp_path / "uploads", {f"ana/{UNIT}.ipynb": notebook(UNIT)})
    with pytest.raises(CourseError, match=r"CLASS \(.*\) is inside this source"):
        collect([uploads], uploads / inside, manifest=MANIFEST)
    with pytest.raises(CourseError, match="this source is inside CLASS"):
        collect([uploads / "ana"], tmp_path, manifest=MANIFEST)
    with pytest.raises(CourseError, match="CLASS is a file"):
        collect([uploads], uploads / "ana" / f"{UNIT}.ipynb", manifest=MANIFEST)
    assert files(uploads) == {f"ana/{UNIT}.ipynb": notebook(UNIT)}


def test_the_manifest_is_found_above_class_and_never_in_a_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    repository(tmp_path / "repos" / "ana", {UNIT: notebook(UNIT)})
    (tmp_path / "repos" / "ana" / "exercises" / "manifest.json").write_bytes(MANIFEST.read_bytes())
    with pytest.raises(GradeError, match="pass --manifest FILE"):
        collect([tmp_path / "repos" / "ana"], tmp_path / "class")

    course = tmp_path / "course"
    (course / "exercises").mkdir(parents=True)
    shutil.copy(MANIFEST, course / "exercises" / "manifest.json")
    report = collect([tmp_path / "repos" / "ana"], course / "class")
    assert report.learners == ("ana",)


# ---- the command line ----


def test_the_command_collects_prints_one_line_per_problem_and_writes_json(tmp_path: Path) -> None:
    repository(tmp_path / "repos" / "assignment-ana", {UNIT: notebook(UNIT), DATA: notebook(DATA)})
    repository(tmp_path / "repos" / "assignment-bob", {UNIT: notebook(UNIT)})
    source = archive(tmp_path / "in" / "carl.zip", {f"{DATA}.ipynb": notebook(DATA), "x.pdf": b""})
    out, report = tmp_path / "class", tmp_path / "collect.json"

    result = CliRunner().invoke(
        main,
        ["course", "collect", str(tmp_path / "repos"), str(source), "-o", str(out),
         "--manifest", str(MANIFEST), "--strip-prefix", "assignment-", "--json", str(report)],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Collected 4 notebook(s) of 3 learner(s) into {out}: 4 written, 0 unchanged, 0 replaced.",
        f"Exercises expected: {UNIT}, {DATA}.",
        "Problems: 2 missing, 0 duplicate, 1 unrecognised, 0 other.",
        f"  unrecognised: {source}:x.pdf: not a notebook (.ipynb); not collected: ask for the "
        "notebook, and collect again",
        f"  missing: {source}: carl has no notebook of exercise {UNIT}: nothing to grade for it; "
        "ask for it and collect again",
        f"  missing: {tmp_path}/repos/assignment-bob: bob has no notebook of exercise {DATA}: "
        "nothing to grade for it; ask for it and collect again",
    ]
    written = json.loads(report.read_text(encoding="utf-8"))
    assert written["learners"] == ["ana", "bob", "carl"]
    assert written["counts"]["collected"] == 4 and written["counts"]["missing"] == 2
    assert [(p["kind"], p["learner"], p["exercise"]) for p in written["problems"]] == [
        ("unrecognised", "carl", None),
        ("missing", "carl", UNIT),
        ("missing", "bob", DATA),
    ]
    assert {c["target"] for c in written["collected"]} == {
        str(out / learner / f"{exercise}.ipynb")
        for learner, exercise in (("ana", UNIT), ("ana", DATA), ("bob", UNIT), ("carl", DATA))
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nowhere", "-o", "class"], "nowhere: there is no such file or folder"),
        (["in", "-o", "class", "--manifest", "none.json"], "none.json: cannot read the exercise"),
    ],
)
def test_the_command_exits_2_with_one_line_on_unusable_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], says: str
) -> None:
    monkeypatch.chdir(tmp_path)
    tree(tmp_path / "in", {f"ana/{UNIT}.ipynb": notebook(UNIT)})
    result = CliRunner().invoke(main, ["course", "collect", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {says}")
    assert len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "class").exists()
