"""The exercise manifest (``exercises/manifest.json``, written by ``mlcicd course build``).

It says, per exercise, which checkpoints exist, what each is worth and the
checksum of its canonical cell: all the grader trusts. The learner's notebook
only says which exercise it is. The dataclasses below declare the whole file:
:func:`manifest_text` writes it (``mlcicd course build``) and
:func:`load_manifest` reads it, both through :data:`WIRE`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcicd.convert import Wire, wire
from mlcicd.course.notebook import cell_checksum, checkpoint_cell
from mlcicd.exceptions import CourseError, GradeError

MANIFEST = Path("exercises") / "manifest.json"


@dataclass(frozen=True)
class CheckpointSpec:
    """One checkpoint as the manifest records it.

    Attributes:
        id: E.g. ``"02.1"``.
        points: What it is worth.
        sha256: Checksum of its canonical cell's source and metadata.
        cell_id: The cell's id in the exercise.
        after: Id of the solution cell it follows in the exercise (None: it follows none).
        cell_index: Its position in the solution notebook (None: not built from one).
    """

    id: str
    points: int
    sha256: str
    cell_id: str
    # Written as null too: "follows no solution cell" is information.
    after: str | None = field(default=None, metadata=wire(omit=False))
    cell_index: int | None = None

    def canonical_cell(self) -> Any:
        """Return the cell as the course built it (locked, storing its success line)."""
        return checkpoint_cell(self.id, self.points)


@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise of the manifest.

    Attributes:
        name: E.g. ``02_unit_tests``.
        notebook: Its file name in ``exercises/``.
        checkpoints: Its checkpoints, in order.
        requires: What grading it needs on this machine: packages, and ``node`` for
            Node.js with the AWS CDK (see :func:`mlcicd.course.build.requirements`).
        source: The solution notebook it was built from, relative to the course root.
        solution_cells: Ids of the cells whose solution regions became stubs.
        notebook_sha256: Checksum of the exercise notebook as built (to spot edits).
        max_score: The points available (the sum of the checkpoints' points; written to
            the file for readers that do not add them up, never read from it).
    """

    name: str
    notebook: str
    checkpoints: tuple[CheckpointSpec, ...]
    requires: tuple[str, ...] = ()
    source: str = ""
    solution_cells: tuple[str, ...] = ()
    notebook_sha256: str = ""
    max_score: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_score", sum(c.points for c in self.checkpoints))


@dataclass(frozen=True)
class Manifest:
    """The whole ``exercises/manifest.json``."""

    exercises: tuple[ExerciseSpec, ...]
    format: int = 1
    generated_by: str = "mlcicd course build"


#: Reads and writes the manifest: keys are the field names, none left out, none unknown.
WIRE = Wire(lambda name: name, GradeError, omit_empty=False, forbid_extra=True)


def manifest_text(exercises: Iterable[ExerciseSpec | Mapping[str, Any]]) -> str:
    """Return the manifest's text for ``exercises`` (specs, or entries as plain data).

    Keys are sorted, so that a rebuild that changes nothing writes the same bytes.

    Raises:
        GradeError: An entry lacks a member the manifest declares, or has one of the
            wrong type (naming it).
    """
    entries = [WIRE.unstructure(e) if isinstance(e, ExerciseSpec) else e for e in exercises]
    manifest = WIRE.structure({"exercises": entries}, Manifest)
    return json.dumps(WIRE.unstructure(manifest), indent=2, sort_keys=True) + "\n"


def find_manifest(start: Path) -> Path | None:
    """Return the manifest for notebooks under ``start``: the nearest ``exercises/manifest.json``.

    Looks in ``start`` itself (a ``manifest.json`` beside exercise notebooks),
    then in ``start`` and each parent for ``exercises/manifest.json``.
    """
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    if (folder / "manifest.json").is_file() and folder.name == "exercises":
        return folder / "manifest.json"
    for candidate in (folder, *folder.parents):
        if (candidate / MANIFEST).is_file():
            return candidate / MANIFEST
    return None


def load_manifest(path: Path) -> dict[str, ExerciseSpec]:
    """Read the manifest and check it against this version of the course's checkpoint cells.

    Returns:
        The exercises, by name.

    Raises:
        GradeError: When it is missing, not JSON, not a manifest, or its checksums do
            not match the checkpoint cells this mlcicd builds (rebuild the exercises).
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        manifest = WIRE.structure(data, Manifest)
    except OSError as error:
        raise GradeError(
            f"cannot read the exercise manifest ({error.strerror}); pass --manifest, or run "
            "`mlcicd course build` in the course folder to write it",
            path=str(path),
        ) from None
    except ValueError as error:  # JSONDecodeError, UnicodeDecodeError
        raise GradeError(
            f"not an exercise manifest ({type(error).__name__}: {error}); it is written by "
            "`mlcicd course build`",
            path=str(path),
        ) from None
    except GradeError as error:
        raise GradeError(
            f"not an exercise manifest ({error.message}); it is written by `mlcicd course build`",
            path=str(path),
        ) from None
    exercises = {exercise.name: exercise for exercise in manifest.exercises}
    for exercise in exercises.values():
        for spec in exercise.checkpoints:
            try:
                canonical = spec.canonical_cell()
            except CourseError as error:
                raise GradeError(
                    f"exercise {exercise.name}: {error.message}", path=str(path)
                ) from None
            if cell_checksum(canonical) != spec.sha256:
                raise GradeError(
                    f"checkpoint {spec.id} does not match this version of mlcicd; "
                    "run `mlcicd course build` and grade again",
                    path=str(path),
                )
    return exercises
