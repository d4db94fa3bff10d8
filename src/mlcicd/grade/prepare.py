"""Turn a learner's notebook into the notebook that is graded, reporting any tampering.

The learner's file is never changed: :func:`prepare` works on a copy. In the
copy every checkpoint cell is the canonical cell from the course (its source,
metadata and expected line), so an edited check, an edited expected output or
a success line printed by hand earns nothing. What was found is reported:

* **edited**: the cell's checksum differs from the manifest; graded from the
  canonical cell;
* **deleted**: no cell carries the checkpoint; it scores 0;
* **duplicated**: several cells carry it; the first is graded, the copies dropped;
* **moved**: the checkpoints are in another order than in the exercise, or one
  sits above the solution cell it checks; each is graded where it is.

Every other output is cleared (nbval in lax mode does not compare them), which
also drops huge outputs a learner saved.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from mlcicd.course.notebook import CHECK_OUTPUT_MARKER, cell_checksum, checkpoint_cell_id
from mlcicd.grade.manifest import ExerciseSpec

_CALL = re.compile(r"""checkpoint\(\s*["'](\d{2}\.\d+)["']\s*\)""")


@dataclass(frozen=True)
class Prepared:
    """The notebook to grade, and what preparing it found.

    Attributes:
        nb: The notebook nbval runs (a copy; the learner's is untouched).
        positions: Checkpoint id -> its code-cell number in ``nb`` (nbval's numbering).
        deleted: Ids of checkpoints no cell carries.
        warnings: One sentence per problem found and handled.
    """

    nb: NotebookNode
    positions: Mapping[str, int]
    deleted: tuple[str, ...]
    warnings: tuple[str, ...]


#: Metadata JupyterLab writes on its own (a collapsed or scrolled output, timings):
#: a learner changing it has not edited the checkpoint.
UI_METADATA = ("collapsed", "scrolled", "jupyter", "execution", "ExecuteTime")


def _course_metadata(cell: Mapping[str, Any]) -> Mapping[str, Any]:
    # A learner's file may hold anything here: only a mapping inside a mapping counts.
    metadata = cell.get("metadata")
    course = metadata.get("mlcicd") if isinstance(metadata, Mapping) else None
    return course if isinstance(course, Mapping) else {}


def _without_ui_metadata(cell: Mapping[str, Any]) -> dict[str, Any]:
    metadata = cell.get("metadata")
    if not isinstance(metadata, Mapping):
        return dict(cell)
    kept = {k: v for k, v in metadata.items() if k not in UI_METADATA}
    return {**cell, "metadata": kept}


def claimed_checkpoint(cell: Mapping[str, Any], exercise: ExerciseSpec) -> str | None:
    """Return the checkpoint id a cell stands for, by its metadata, its id, or its call."""
    if cell.get("cell_type") != "code":
        return None
    known = {spec.id for spec in exercise.checkpoints}
    by_metadata = _course_metadata(cell).get("checkpoint")
    if isinstance(by_metadata, str) and by_metadata in known:
        return by_metadata
    by_id = {checkpoint_cell_id(i): i for i in known}.get(str(cell.get("id", "")))
    if by_id:
        return by_id
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    called = _CALL.search(source)
    if called and called.group(1) in known and CHECK_OUTPUT_MARKER in source:
        return called.group(1)
    return None


def prepare(learner: NotebookNode, exercise: ExerciseSpec) -> Prepared:
    """Return the notebook to grade for ``learner``'s notebook of ``exercise``.

    Args:
        learner: The learner's notebook (not modified).
        exercise: The exercise it is, from the manifest.
    """
    nb = copy.deepcopy(learner)
    specs = {spec.id: spec for spec in exercise.checkpoints}
    warnings: list[str] = []
    seen: list[str] = []
    cells = []
    for number, cell in enumerate(nb.cells, start=1):
        checkpoint_id = claimed_checkpoint(cell, exercise)
        if checkpoint_id is None:
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
            cells.append(cell)
            continue
        if checkpoint_id in seen:
            warnings.append(
                f"checkpoint {checkpoint_id} is duplicated (cell {number}): the copy is ignored"
            )
            continue
        seen.append(checkpoint_id)
        spec = specs[checkpoint_id]
        if cell_checksum(_without_ui_metadata(cell)) != spec.sha256:
            warnings.append(
                f"checkpoint {checkpoint_id} was edited (cell {number}): graded from the "
                "course's own cell"
            )
        canonical = spec.canonical_cell()
        canonical["id"] = spec.cell_id
        cells.append(canonical)
    nb.cells = cells
    order = [spec.id for spec in exercise.checkpoints if spec.id in seen]
    if seen != order:
        warnings.append(
            f"checkpoints were moved: they run in the order {', '.join(seen)} instead of "
            f"{', '.join(order)}; each is graded where it is"
        )
    where = {cell.get("id"): index for index, cell in enumerate(cells)}
    for spec in exercise.checkpoints:
        if spec.id in seen and where.get(spec.after, -1) > where[spec.cell_id]:
            warnings.append(
                f"checkpoint {spec.id} was moved above the cell it checks; it is graded where it is"
            )
    deleted = tuple(spec.id for spec in exercise.checkpoints if spec.id not in seen)
    warnings += [f"checkpoint {i} was deleted: it scores 0" for i in deleted]
    positions = {}
    code_number = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        checkpoint_id = _course_metadata(cell).get("checkpoint")
        if isinstance(checkpoint_id, str) and checkpoint_id in specs:
            positions[checkpoint_id] = code_number
        code_number += 1
    return Prepared(nb, positions, deleted, tuple(warnings))
