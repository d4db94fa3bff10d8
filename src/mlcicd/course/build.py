"""Generate ``exercises/`` from ``solutions/``: stubs, cleared outputs, and the manifest.

``solutions/NN_name.ipynb`` is the single source of exercise ``NN_name``.
:func:`build_course` turns each into ``exercises/NN_name.ipynb``:

* the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` in solution
  cells becomes a ``# TODO`` line (the text after ``BEGIN SOLUTION``) and
  ``raise NotImplementedError``;
* every output is cleared except each checkpoint's expected line, and each
  checkpoint cell is written in its canonical (locked) form;
* ``exercises/manifest.json`` lists, per exercise, what grading it needs
  (``requires``: the packages its notebook and its checks import, and
  ``node`` for the AWS CDK), and each checkpoint's id,
  points, cell, the solution cell it follows and the SHA-256 of its source and
  metadata, which the grader uses to find edited and moved checkpoints.

The same solutions always give the same bytes, so ``--check`` can compare.
A build never overwrites an exercise someone edited (a learner's work): the
manifest records each generated file's checksum, and a file that no longer
matches it is left alone unless ``force`` is given.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from mlcicd.course.checkpoint import get_check
from mlcicd.course.notebook import (
    KERNELSPEC,
    cell_checksum,
    checkpoint_cell,
    checkpoint_info,
    dumps,
    is_solution,
    read,
    solution_regions,
    write_text,
)
from mlcicd.exceptions import CourseError
from mlcicd.grade.manifest import manifest_text

MANIFEST = "manifest.json"

#: Packages an exercise may import that are not part of Python itself, and that a
#: grading machine must have: the manifest lists those an exercise imports. (The
#: learner's own modules, written by the exercise, are not requirements.)
PACKAGES = frozenset(
    {
        "aws_cdk", "boto3", "botocore", "cfnlint", "churn", "constructs", "hypothesis",
        "joblib", "matplotlib", "mlcicd", "moto", "nbval", "numpy", "pandas", "papermill",
        "pytest", "ruamel", "scipy", "sklearn", "yaml",
    }
)  # fmt: skip
_IMPORT = re.compile(r"^\s*(?:from\s+(\w+)[\w.]*\s+import|import\s+(\w+))", re.MULTILINE)
#: The call that marks a notebook as needing Node.js and the AWS CDK.
_CDK_MARKER = "require_cdk()"
_NAME = re.compile(r"^(\d{2})_[a-z0-9_]+$")
STUB_ERROR = 'raise NotImplementedError("replace this line with your code")'


@dataclass(frozen=True)
class BuildReport:
    """What a build did, or (with ``check``) would do.

    Attributes:
        exercises: Names of the exercises built, in order.
        checkpoints: Number of checkpoints across them.
        changed: Files written, or in check mode the files that are stale.
        removed: Exercise files removed (or that would be) because their solution is gone.
    """

    exercises: tuple[str, ...]
    checkpoints: int
    changed: tuple[Path, ...]
    removed: tuple[Path, ...]

    @property
    def up_to_date(self) -> bool:
        """True when nothing was, or needs to be, written or removed."""
        return not self.changed and not self.removed


def exercise_name(path: Path) -> str:
    """Return ``NN_name`` for ``solutions/NN_name.ipynb``.

    Raises:
        CourseError: When the file name does not follow ``NN_lower_case.ipynb``.
    """
    if path.suffix != ".ipynb" or not _NAME.match(path.stem):
        raise CourseError(
            "solution notebooks are named NN_lower_case.ipynb (e.g. 02_unit_tests.ipynb)",
            path=str(path),
        )
    return path.stem


def stub_source(source: str) -> str:
    """Return a solution cell's source with each solution region replaced by a stub.

    Raises:
        CourseError: When the markers are missing or unbalanced.
    """
    lines = source.splitlines()
    out: list[str] = []
    position = 0
    for begin, end, instruction in solution_regions(source):
        marker = lines[begin]
        indent = marker[: len(marker) - len(marker.lstrip())]
        out += lines[position:begin]
        out.append(f"{indent}# TODO: {instruction or 'write your code here'}")
        out.append(f"{indent}{STUB_ERROR}")
        position = end + 1
    out += lines[position:]
    return "\n".join(out)


def build_exercise(solution: NotebookNode, name: str, source: str) -> tuple[NotebookNode, dict]:
    """Return the exercise notebook and its manifest entry for one solution notebook.

    Args:
        solution: The solution notebook (not modified).
        name: The exercise name, ``NN_name``.
        source: The solution's path relative to the course root, for the record.

    Raises:
        CourseError: Naming the cell, for a malformed solution or checkpoint cell.
    """
    number = name[:2]
    cells: list[NotebookNode] = []
    checkpoints: list[dict[str, Any]] = []
    solution_cells: list[str] = []
    seen: set[str] = set()
    for index, original in enumerate(solution.cells):
        cell = nbformat.from_dict(json.loads(json.dumps(original)))
        cell.setdefault("id", f"cell-{index + 1}")
        info = checkpoint_info(cell)
        try:
            if info is not None:
                cell = _checkpoint(info, number, seen)
                checkpoints.append(
                    {
                        # The solution cell it checks: a checkpoint above it was moved.
                        "after": solution_cells[-1] if solution_cells else None,
                        "id": info[0],
                        "points": info[1],
                        "cell_id": cell["id"],
                        "cell_index": index,
                        "sha256": cell_checksum(cell),
                    }
                )
            elif is_solution(cell):
                cell.source = stub_source(cell.source)
                solution_cells.append(cell["id"])
        except CourseError as error:
            raise CourseError(error.message, path=source, cell=index + 1) from None
        if cell.cell_type == "code" and info is None:
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    if not checkpoints:
        raise CourseError("a solution needs at least one checkpoint cell", path=source)
    exercise = nbformat.v4.new_notebook()
    exercise.nbformat, exercise.nbformat_minor = 4, 5
    exercise.metadata = nbformat.from_dict(
        {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
            "mlcicd": {"exercise": name, "generated_from": source},
        }
    )
    exercise.cells = cells
    entry = {
        "name": name,
        "requires": requirements(solution, [c["id"] for c in checkpoints]),
        "notebook": f"{name}.ipynb",
        "source": source,
        "max_score": sum(c["points"] for c in checkpoints),
        "checkpoints": checkpoints,
        "solution_cells": solution_cells,
    }
    return exercise, entry


def requirements(solution: NotebookNode, checkpoint_ids: list[str]) -> list[str]:
    """What grading an exercise needs: the packages it and its checks import, ``node``.

    Args:
        solution: The solution notebook.
        checkpoint_ids: Its checkpoints, whose checks may require more (``Check.requires``).
    """
    sources = ["".join(c.source) for c in solution.cells if c.cell_type == "code"]
    found = {m.group(1) or m.group(2) for text in sources for m in _IMPORT.finditer(text)}
    needed = {name for name in found if name in PACKAGES}
    needed.update(r for i in checkpoint_ids for r in get_check(i).requires)
    if any(_CDK_MARKER in text for text in sources):
        needed.add("node")
    return sorted(needed)


def _checkpoint(info: tuple[str, int], number: str, seen: set[str]) -> NotebookNode:
    checkpoint_id, points = info
    if not checkpoint_id.startswith(f"{number}."):
        raise CourseError(
            f"checkpoint {checkpoint_id!r} is in exercise {number}; "
            f"its id must start with {number}."
        )
    if checkpoint_id in seen:
        raise CourseError(f"checkpoint {checkpoint_id} appears twice; ids are unique")
    seen.add(checkpoint_id)
    registered = get_check(checkpoint_id)
    if registered.points != points:
        raise CourseError(
            f"checkpoint {checkpoint_id} is worth {points} points in the notebook and "
            f"{registered.points} in mlcicd.course.checks; make them agree"
        )
    return checkpoint_cell(checkpoint_id, points)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan(root: Path) -> tuple[dict[Path, str], list[str], int]:
    """Return ``{exercise path: text}`` (manifest included), exercise names, checkpoint count.

    Raises:
        CourseError: For a missing solutions folder or a malformed solution.
    """
    solutions = root / "solutions"
    if not solutions.is_dir():
        raise CourseError(
            "there is no solutions/ folder here; run this from the course folder or pass --root",
            path=str(root),
        )
    files: dict[Path, str] = {}
    entries = []
    for path in sorted(solutions.glob("*.ipynb")):
        name = exercise_name(path)
        source = f"solutions/{path.name}"
        exercise, entry = build_exercise(read(path), name, source)
        text = dumps(exercise)
        entry["notebook_sha256"] = _sha(text)
        files[root / "exercises" / entry["notebook"]] = text
        entries.append(entry)
    # Written through the manifest's one declaration, which the grader reads it with.
    files[root / "exercises" / MANIFEST] = manifest_text(entries)
    count = sum(len(entry["checkpoints"]) for entry in entries)
    return files, [entry["name"] for entry in entries], count


def _generated_checksums(manifest: Path) -> dict[str, str]:
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        return {e["notebook"]: e["notebook_sha256"] for e in data.get("exercises", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def build_course(
    root: Path = Path("."), *, check: bool = False, force: bool = False
) -> BuildReport:
    """Generate ``exercises/`` from ``solutions/`` under ``root``.

    Args:
        root: The course folder (holds ``solutions/`` and ``exercises/``).
        check: Only report what is stale; write nothing.
        force: Overwrite exercises that were edited since they were generated.

    Returns:
        What changed (or, with ``check``, what is stale).

    Raises:
        CourseError: For a malformed solution, or an edited exercise without ``force``
            (nothing is written then).
    """
    root = Path(root)
    files, names, count = plan(root)
    folder = root / "exercises"
    generated = _generated_checksums(folder / MANIFEST)
    changed = [p for p, text in files.items() if _current(p) != text]
    removed = [p for p in sorted(folder.glob("*.ipynb")) if p not in files and p.name in generated]
    report = BuildReport(tuple(names), count, tuple(changed), tuple(removed))
    if check:
        return report
    edited = [
        p
        for p in [*changed, *removed]
        if p.suffix == ".ipynb" and p.exists() and _sha(_current(p) or "") != generated.get(p.name)
    ]
    if edited and not force:
        listing = ", ".join(str(p) for p in edited)
        raise CourseError(
            f"{listing} changed since the last build (a learner's work?) and would be "
            "overwritten; move it away, or pass --force to overwrite it"
        )
    for path in changed:
        write_text(path, files[path])
    for path in removed:
        path.unlink()
    return report


def _current(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
