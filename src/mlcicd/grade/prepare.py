"""Turn a learner's notebook into the notebook that is graded, reporting any tampering.

The learner's file is never changed: :func:`prepare` works on a copy. In the
copy every checkpoint cell is the canonical cell from the course (its source,
metadata and expected line), so an edited check, an edited expected output or
a success line printed by hand earns nothing.

Each checkpoint is graded at its proper place: after the solution cell it
checks (the manifest's ``after``), so a copy pasted or moved above that cell
never costs an honest learner its points:

* the first cell claiming the checkpoint below its solution cell is graded
  there (cells the learner put in between still run first); when none is
  below, the canonical cell is put right after the solution cell;
* when the solution cell is not found (its id was lost), the last claiming
  cell is graded where it is: it has seen the most definitions;
* every other claiming cell is dropped.

What was found is reported, naming the learner's cells (1-based, all cells):

* **edited**: the graded cell's checksum differs from the manifest; graded
  from the canonical cell;
* **deleted**: no cell carries the checkpoint; it scores 0;
* **duplicated** or **moved above the cell it checks**: a dropped cell, with
  the cell the checkpoint is graded after;
* **moved**: the checkpoints run in another order than in the exercise.

Every other output is cleared (nbval in lax mode does not compare them), which
also drops huge outputs a learner saved.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from mlcicd.course.notebook import CHECK_OUTPUT_MARKER, cell_checksum, checkpoint_cell_id
from mlcicd.grade.manifest import CheckpointSpec, ExerciseSpec

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


@dataclass(frozen=True)
class _Placement:
    """Where one checkpoint is graded, as learner cell numbers (0-based).

    Attributes:
        spec: The checkpoint.
        cell: The learner cell its canonical cell replaces, or follows when ``inserted``.
        inserted: Whether the canonical cell is put after ``cell`` rather than in its place.
        warnings: One sentence per claiming cell dropped.
    """

    spec: CheckpointSpec
    cell: int
    inserted: bool
    warnings: tuple[str, ...]


def _anchor(cells: Sequence[Any], claims: Sequence[str | None], spec: CheckpointSpec) -> int | None:
    # The solution cell the checkpoint follows; the last one if a file repeats the id.
    found = [
        index
        for index, cell in enumerate(cells)
        if spec.after is not None and cell.get("id") == spec.after and claims[index] is None
    ]
    return found[-1] if found else None


def _place(
    spec: CheckpointSpec, claimed: list[int], anchor: int | None, previous: _Placement | None
) -> _Placement:
    """Return where ``spec`` is graded, given the learner cells claiming it (at least one)."""
    if anchor is None:
        # No solution cell to follow: the last claiming cell has seen the most definitions.
        keep = claimed[-1]
        warnings = tuple(
            f"checkpoint {spec.id} is duplicated: cell {index + 1} is ignored; its solution "
            f"cell is not found, so the last copy (cell {keep + 1}) is graded"
            for index in claimed[:-1]
        )
        return _Placement(spec, keep, False, warnings)
    below = [index for index in claimed if index > anchor]
    dropped = [index for index in claimed if index not in below[:1]]
    what = "is duplicated" if len(claimed) > 1 else "was moved above the cell it checks"
    warnings = tuple(
        f"checkpoint {spec.id} {what}: cell {index + 1} is ignored; the checkpoint is graded "
        f"after its solution cell (cell {anchor + 1})"
        for index in dropped
    )
    if below:
        return _Placement(spec, below[0], False, warnings)
    # Two checkpoints after one solution cell keep the exercise's order.
    after = anchor
    if previous is not None and previous.spec.after == spec.after and previous.cell >= anchor:
        after = previous.cell
    return _Placement(spec, after, True, warnings)


def _placements(
    cells: Sequence[Any], claims: Sequence[str | None], exercise: ExerciseSpec
) -> list[_Placement]:
    """Return where each checkpoint some cell claims is graded, in the exercise's order."""
    placements: list[_Placement] = []
    for spec in exercise.checkpoints:
        claimed = [index for index, claim in enumerate(claims) if claim == spec.id]
        if claimed:
            previous = placements[-1] if placements else None
            anchor = _anchor(cells, claims, spec)
            placements.append(_place(spec, claimed, anchor, previous))
    return placements


def _canonical(spec: CheckpointSpec) -> Any:
    cell = spec.canonical_cell()
    cell["id"] = spec.cell_id
    return cell


def _graded_cells(
    cells: Sequence[Any], claims: Sequence[str | None], placements: Sequence[_Placement]
) -> tuple[list[Any], dict[str, int], list[str]]:
    """Return the cells to grade, each checkpoint's code-cell number, and the run order."""
    replaced = {p.cell: p.spec for p in placements if not p.inserted}
    inserted: dict[int, list[CheckpointSpec]] = {}
    for p in placements:
        if p.inserted:
            inserted.setdefault(p.cell, []).append(p.spec)
    out: list[Any] = []
    positions: dict[str, int] = {}
    code_cells = 0
    for index, cell in enumerate(cells):
        emitted: list[tuple[Any, str | None]] = []
        if index in replaced:
            emitted.append((_canonical(replaced[index]), replaced[index].id))
        elif claims[index] is None:
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
            emitted.append((cell, None))
        # Any other claiming cell is a dropped copy: nothing of it is graded.
        emitted += [(_canonical(spec), spec.id) for spec in inserted.get(index, [])]
        for graded, checkpoint_id in emitted:
            out.append(graded)
            if checkpoint_id is not None:
                positions[checkpoint_id] = code_cells
            if graded.get("cell_type") == "code":
                code_cells += 1
    order = sorted(positions, key=positions.__getitem__)
    return out, positions, order


def prepare(learner: NotebookNode, exercise: ExerciseSpec) -> Prepared:
    """Return the notebook to grade for ``learner``'s notebook of ``exercise``.

    Args:
        learner: The learner's notebook (not modified).
        exercise: The exercise it is, from the manifest.
    """
    nb = copy.deepcopy(learner)
    claims = [claimed_checkpoint(cell, exercise) for cell in nb.cells]
    placements = _placements(nb.cells, claims, exercise)
    warnings: list[str] = []
    for p in placements:
        kept = nb.cells[p.cell]
        if not p.inserted and cell_checksum(_without_ui_metadata(kept)) != p.spec.sha256:
            warnings.append(
                f"checkpoint {p.spec.id} was edited (cell {p.cell + 1}): graded from the "
                "course's own cell"
            )
        warnings += p.warnings
    nb.cells, positions, run_order = _graded_cells(nb.cells, claims, placements)
    order = [p.spec.id for p in placements]
    if run_order != order:
        warnings.append(
            f"checkpoints were moved: they run in the order {', '.join(run_order)} instead of "
            f"{', '.join(order)}"
        )
    placed = {p.spec.id for p in placements}
    deleted = tuple(spec.id for spec in exercise.checkpoints if spec.id not in placed)
    warnings += [f"checkpoint {i} was deleted: it scores 0" for i in deleted]
    return Prepared(nb, positions, deleted, tuple(warnings))
