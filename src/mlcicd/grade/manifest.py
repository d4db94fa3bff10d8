"""The exercise manifest (``exercises/manifest.json``, written by ``mlcicd course build``).

It says, per exercise, which checkpoints exist, what each is worth and the
checksum of its canonical cell: all the grader trusts. The learner's notebook
only says which exercise it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
    """

    id: str
    points: int
    sha256: str
    cell_id: str
    after: str | None = None

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
    """

    name: str
    notebook: str
    checkpoints: tuple[CheckpointSpec, ...]
    requires: tuple[str, ...] = ()

    @property
    def max_score(self) -> int:
        """The points available."""
        return sum(c.points for c in self.checkpoints)


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
        entries = data["exercises"]
        exercises = {
            entry["name"]: ExerciseSpec(
                entry["name"],
                entry["notebook"],
                tuple(
                    CheckpointSpec(
                        c["id"], int(c["points"]), c["sha256"], c["cell_id"], c.get("after")
                    )
                    for c in entry["checkpoints"]
                ),
                tuple(str(r) for r in entry.get("requires", ())),
            )
            for entry in entries
        }
    except OSError as error:
        raise GradeError(
            f"cannot read the exercise manifest ({error.strerror}); pass --manifest, or run "
            "`mlcicd course build` in the course folder to write it",
            path=str(path),
        ) from None
    except (ValueError, KeyError, TypeError) as error:
        raise GradeError(
            f"not an exercise manifest ({type(error).__name__}: {error}); it is written by "
            "`mlcicd course build`",
            path=str(path),
        ) from None
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
