"""The exercise manifest: found above the submissions, read strictly, checked against the cells."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlcicd.course import notebook as n
from mlcicd.course.checkpoint import get_check
from mlcicd.exceptions import GradeError
from mlcicd.grade.manifest import find_manifest, load_manifest, manifest_text

ROOT = Path(__file__).resolve().parents[2]


def entry(**changes: Any) -> dict[str, Any]:
    """Return a manifest entry with checkpoint 98.1 (2 points) as `mlcicd course build` writes it.

    ``changes`` replace fields of the checkpoint after its checksum is taken.
    """
    check = {
        "id": "98.1",
        "points": 2,
        "sha256": n.cell_checksum(n.checkpoint_cell("98.1", 2)),
        "cell_id": "checkpoint-98-1",
        "after": "cell-2",
        **changes,
    }
    return {"name": "98_doubling", "notebook": "98_doubling.ipynb", "checkpoints": [check]}


def write_manifest(folder: Path, data: object) -> Path:
    """Write ``data`` as ``folder/exercises/manifest.json``."""
    path = folder / "exercises" / "manifest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_it_is_found_from_a_nested_submission(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path / "course", {"exercises": []})
    learner = tmp_path / "course" / "submissions" / "alice"
    learner.mkdir(parents=True)
    (learner / "02_unit_tests.ipynb").write_text("{}", encoding="utf-8")

    assert find_manifest(learner / "02_unit_tests.ipynb") == manifest
    assert find_manifest(learner) == manifest
    assert find_manifest(tmp_path / "course") == manifest


def test_it_is_found_from_the_exercises_folder_itself(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, {"exercises": []})
    assert find_manifest(tmp_path / "exercises") == manifest
    assert find_manifest(tmp_path / "exercises" / "02_unit_tests.ipynb") == manifest


def test_a_manifest_json_outside_an_exercises_folder_is_not_it(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "manifest.json").write_text("{}", encoding="utf-8")
    assert find_manifest(tmp_path / "other") is None


def test_none_when_there_is_none(tmp_path: Path) -> None:
    (tmp_path / "submissions").mkdir()
    assert find_manifest(tmp_path / "submissions") is None


def test_it_loads_the_exercises_by_name(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, {"exercises": [entry()]})
    (exercise,) = load_manifest(path).values()
    assert exercise.name == "98_doubling" and exercise.notebook == "98_doubling.ipynb"
    (check,) = exercise.checkpoints
    assert (check.id, check.points, check.cell_id, check.after) == (
        "98.1", 2, "checkpoint-98-1", "cell-2",
    )  # fmt: skip
    assert exercise.max_score == 2


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "not an exercise manifest (JSONDecodeError"),
        ("[]", "not an exercise manifest (must be a mapping, not list"),
        ('{"exercises": 5}', "not an exercise manifest (exercises must be a list, not int"),
        ('{"courses": []}', "not an exercise manifest (exercises is required but missing"),
        ('{"exercises": [], "course": 1}', "(has unknown member(s) ['course']; expected exercises"),
        (
            '{"exercises": [{"name": "98_doubling"}]}',
            "not an exercise manifest (exercises.0.notebook is required but missing",
        ),
        (
            json.dumps({"exercises": [entry(points="two")]}),
            "(exercises.0.checkpoints.0.points cannot be read: invalid literal",
        ),
        (json.dumps({"exercises": [entry(sha256="0" * 64)]}), "checkpoint 98.1 does not match"),
        (
            json.dumps({"exercises": [entry(points=3)]}),
            "checkpoint 98.1 does not match",
        ),
    ],
    ids=[
        "not JSON",
        "a list",
        "exercises not a list",
        "no exercises",
        "an unknown member",
        "an exercise without fields",
        "points not a number",
        "another checksum",
        "points changed, checksum not",
    ],
)
def test_a_bad_manifest_is_a_grade_error_naming_the_file(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GradeError) as raised:
        load_manifest(path)
    assert raised.value.path == str(path)
    assert words in raised.value.message
    assert str(raised.value).startswith(f"{path}: ")


def test_a_missing_manifest_says_how_to_make_one(tmp_path: Path) -> None:
    path = tmp_path / "exercises" / "manifest.json"
    with pytest.raises(GradeError) as raised:
        load_manifest(path)
    assert raised.value.path == str(path)
    assert "cannot read the exercise manifest" in raised.value.message
    assert "mlcicd course build" in raised.value.message


@pytest.mark.parametrize(
    "changes",
    [{"points": 0}, {"id": "2.1"}],
    ids=["zero points", "malformed id"],
)
def test_a_manifest_with_an_impossible_checkpoint_is_a_grade_error(
    tmp_path: Path, changes: dict[str, Any]
) -> None:
    data = entry()
    data["checkpoints"][0].update(changes)
    path = write_manifest(tmp_path, {"exercises": [data]})
    with pytest.raises(GradeError) as raised:
        load_manifest(path)
    assert raised.value.path == str(path)


def test_the_course_manifest_loads_and_its_scores_add_up() -> None:
    path = ROOT / "exercises" / "manifest.json"
    raw = {e["name"]: e for e in json.loads(path.read_text(encoding="utf-8"))["exercises"]}

    exercises = load_manifest(path)

    assert sorted(exercises) == sorted(raw)
    assert len(exercises) >= 1
    for name, exercise in exercises.items():
        assert (ROOT / "exercises" / exercise.notebook).is_file()
        assert exercise.max_score == raw[name]["max_score"]
        assert exercise.max_score == sum(c["points"] for c in raw[name]["checkpoints"])
        for check in exercise.checkpoints:
            assert check.id.startswith(name[:2] + ".")
            assert check.points == get_check(check.id).points


def test_what_the_course_build_writes_is_what_the_grader_reads(tmp_path: Path) -> None:
    built = {
        **entry(cell_index=3),
        "requires": ["mlcicd"],
        "source": "solutions/98_doubling.ipynb",
        "solution_cells": ["cell-2"],
        "notebook_sha256": "0" * 64,
    }
    text = manifest_text([built])
    written = json.loads(text)
    # The members `mlcicd course build` has always written, max_score computed.
    assert written["generated_by"] == "mlcicd course build" and written["format"] == 1
    assert written["exercises"] == [{**built, "max_score": 2}]
    assert text == json.dumps(written, indent=2, sort_keys=True) + "\n"
    path = write_manifest(tmp_path, written)
    (exercise,) = load_manifest(path).values()
    assert manifest_text([exercise]) == text


def test_the_course_manifest_is_written_back_byte_for_byte() -> None:
    path = ROOT / "exercises" / "manifest.json"
    text = path.read_text(encoding="utf-8")
    assert manifest_text(load_manifest(path).values()) == text


def test_an_entry_the_declaration_does_not_know_is_refused() -> None:
    with pytest.raises(GradeError, match=r"exercises.0 has unknown member\(s\) \['typo'\]"):
        manifest_text([{**entry(), "typo": 1}])
