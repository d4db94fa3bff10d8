"""The course's notebook conventions, builders for them, and byte-stable reading and writing.

A course notebook is nbformat 4.5 with the ``python3`` kernel. Three kinds of
cell carry meaning, all marked in cell metadata:

* a **solution** cell (tag ``solution``) holds the learner's code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``; text after ``BEGIN SOLUTION``
  on the same line is the instruction the exercise's stub shows;
* a **checkpoint** cell (tag ``checkpoint``, ``metadata.mlcicd.checkpoint`` and
  ``points``, locked with ``editable``/``deletable`` false) starts with
  ``# NBVAL_CHECK_OUTPUT`` and calls :func:`mlcicd.course.checkpoint`; its
  stored output is the success line, so nbval in lax mode passes it only when
  the learner's work is right;
* a **parameters** cell (tag ``parameters``) holds the knobs papermill turns.

The builders (:func:`markdown`, :func:`code`, :func:`solution`,
:func:`checkpoint_cell`, :func:`parameters`, :func:`new_notebook`) write these
conventions, so authors and tests never spell metadata by hand.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode
from nbformat.warnings import DuplicateCellId

from mlcicd.course.checkpoint import success_line
from mlcicd.exceptions import CourseError

SOLUTION_TAG = "solution"
CHECKPOINT_TAG = "checkpoint"
PARAMETERS_TAG = "parameters"
CHECK_OUTPUT_MARKER = "# NBVAL_CHECK_OUTPUT"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"

#: The kernel every course notebook names; ``make lab`` installs it with ipykernel.
KERNELSPEC: Mapping[str, str] = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}

_CHECKPOINT_ID = re.compile(r"^\d{2}\.\d+$")


def tags(cell: Mapping[str, Any]) -> list[str]:
    """Return a cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def is_solution(cell: Mapping[str, Any]) -> bool:
    """Return whether ``cell`` is a solution cell."""
    return cell.get("cell_type") == "code" and SOLUTION_TAG in tags(cell)


def checkpoint_info(cell: Mapping[str, Any]) -> tuple[str, int] | None:
    """Return ``(id, points)`` of a checkpoint cell, or None for any other cell."""
    if cell.get("cell_type") != "code" or CHECKPOINT_TAG not in tags(cell):
        return None
    meta = cell.get("metadata", {}).get("mlcicd", {})
    return str(meta.get("checkpoint", "")), int(meta.get("points", 0))


def cell_checksum(cell: Mapping[str, Any]) -> str:
    """Return the SHA-256 of a cell's source and metadata (not its outputs).

    The grader compares this with the manifest to find edited checkpoints; the
    outputs are left out because running a cell changes them.
    """
    payload = {"source": _source(cell), "metadata": cell.get("metadata", {})}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _dedent(text: str) -> str:
    lines = text.strip("\n").splitlines()
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def markdown(text: str, *, cell_id: str | None = None) -> NotebookNode:
    """Return a markdown cell (``text`` is dedented and stripped of outer blank lines)."""
    cell = nbformat.v4.new_markdown_cell(_dedent(text))
    return _with_id(cell, cell_id)


def code(source: str, *, tags: Iterable[str] = (), cell_id: str | None = None) -> NotebookNode:
    """Return a code cell with no outputs.

    Args:
        source: The code; dedented and stripped of outer blank lines.
        tags: Cell tags, e.g. ``("raises-exception",)`` for a cell that shows an error.
        cell_id: A stable id; :func:`new_notebook` numbers cells without one.
    """
    cell = nbformat.v4.new_code_cell(_dedent(source))
    if tags:
        cell.metadata["tags"] = list(tags)
    return _with_id(cell, cell_id)


def solution(source: str, *, cell_id: str | None = None) -> NotebookNode:
    """Return a solution cell; ``source`` must hold BEGIN/END SOLUTION markers.

    Raises:
        CourseError: When the markers are missing or unbalanced.
    """
    cell = code(source, tags=(SOLUTION_TAG,), cell_id=cell_id)
    solution_regions(cell.source)  # refuse a cell the build could not stub
    return cell


def parameters(source: str) -> NotebookNode:
    """Return papermill's ``parameters`` cell."""
    return code(source, tags=(PARAMETERS_TAG,), cell_id="parameters")


def checkpoint_cell(checkpoint_id: str, points: int) -> NotebookNode:
    """Return a locked checkpoint cell that stores its success line as output.

    Args:
        checkpoint_id: ``NN.K``, where ``NN`` is the exercise number.
        points: Points the checkpoint is worth (at least 1).

    Raises:
        CourseError: When the id or the points are malformed.
    """
    if not _CHECKPOINT_ID.match(checkpoint_id) or points < 1:
        raise CourseError(
            f"checkpoint {checkpoint_id!r} with {points} points: ids are NN.K "
            "(e.g. '02.1') and points at least 1"
        )
    source = (
        f"{CHECK_OUTPUT_MARKER}\n"
        "from mlcicd.course import checkpoint\n"
        "\n"
        f'checkpoint("{checkpoint_id}")'
    )
    cell = code(source, tags=(CHECKPOINT_TAG,), cell_id=checkpoint_cell_id(checkpoint_id))
    cell.metadata.update(
        {
            "editable": False,
            "deletable": False,
            "mlcicd": {"checkpoint": checkpoint_id, "points": points},
        }
    )
    cell.outputs = [expected_output(checkpoint_id, points)]
    # nbval refuses a stored output on a cell that was never run; any count will do.
    cell.execution_count = 1
    return cell


def checkpoint_cell_id(checkpoint_id: str) -> str:
    """Return the cell id of a checkpoint: ``checkpoint-02-1`` for ``02.1`` (ids allow no dot)."""
    return "checkpoint-" + checkpoint_id.replace(".", "-")


def expected_output(checkpoint_id: str, points: int) -> NotebookNode:
    """Return the stream output a checkpoint cell stores: its success line."""
    return nbformat.v4.new_output(
        "stream", name="stdout", text=success_line(checkpoint_id, points) + "\n"
    )


def _with_id(cell: NotebookNode, cell_id: str | None) -> NotebookNode:
    cell.pop("id", None)
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def new_notebook(cells: Iterable[NotebookNode], **metadata: Any) -> NotebookNode:
    """Return a course notebook: nbformat 4.5, the ``python3`` kernel, stable cell ids.

    Cells without an id are numbered ``cell-1``, ``cell-2``, ... in order, so
    writing the same cells twice gives the same bytes.

    Args:
        cells: The cells, in order.
        **metadata: Extra notebook metadata (e.g. ``mlcicd={...}``).
    """
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}, **metadata}
    )
    nb.cells = []
    for number, cell in enumerate(cells, start=1):
        copy = nbformat.from_dict(json.loads(json.dumps(cell)))
        copy.setdefault("id", f"cell-{number}")
        nb.cells.append(copy)
    return nb


def solution_regions(source: str) -> list[tuple[int, int, str]]:
    """Return the ``(begin line, end line, instruction)`` of each solution region.

    Line numbers are 0-based indexes of the marker lines.

    Raises:
        CourseError: When there is no region, or a marker has no partner.
    """
    regions: list[tuple[int, int, str]] = []
    begin: tuple[int, str] | None = None
    for number, line in enumerate(source.splitlines()):
        stripped = line.strip()
        if stripped.startswith(BEGIN_SOLUTION):
            if begin is not None:
                raise CourseError(
                    f"line {number + 1}: {BEGIN_SOLUTION} inside another solution region; "
                    f"close the first one with {END_SOLUTION}"
                )
            begin = (number, stripped[len(BEGIN_SOLUTION) :].strip(" :-"))
        elif stripped.startswith(END_SOLUTION):
            if begin is None:
                raise CourseError(
                    f"line {number + 1}: {END_SOLUTION} without a {BEGIN_SOLUTION} before it"
                )
            regions.append((begin[0], number, begin[1]))
            begin = None
    if begin is not None:
        raise CourseError(f"line {begin[0] + 1}: {BEGIN_SOLUTION} is never closed")
    if not regions:
        raise CourseError(
            f"a solution cell needs at least one {BEGIN_SOLUTION} ... {END_SOLUTION} region"
        )
    return regions


def read(path: Path) -> NotebookNode:
    """Read a notebook, with one clear error when it is not one.

    Raises:
        CourseError: Naming the file, when it is not JSON or not a valid notebook.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(f"cannot read it: {error.strerror}", path=str(path)) from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or "nbformat" not in data:
            raise ValueError("JSON without the nbformat field")
        with warnings.catch_warnings():
            # Duplicate cell ids are renamed by nbformat; callers judge the cells themselves.
            warnings.simplefilter("ignore", DuplicateCellId)
            nb = nbformat.reads(text, as_version=4)  # also joins list-of-lines sources
            nbformat.validate(nb)
    except Exception as error:  # nbformat raises json, ValueError and its own errors
        raise CourseError(
            f"not a readable notebook ({type(error).__name__}: {error})".splitlines()[0],
            path=str(path),
        ) from None
    return nb


def dumps(nb: Mapping[str, Any]) -> str:
    """Return the notebook as JSON the way JupyterLab writes it (stable, so diffs stay small)."""
    text = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)
    return text + "\n"


def write(nb: Mapping[str, Any], path: Path) -> None:
    """Write ``nb`` to ``path`` atomically (a reader never sees half a notebook)."""
    write_text(Path(path), dumps(nb))


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so no half-written file is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
