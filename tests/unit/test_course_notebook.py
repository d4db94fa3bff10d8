"""The notebook conventions: builders, solution regions, checksums, reading and writing."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from mlcicd.course import notebook as n
from mlcicd.exceptions import CourseError


def test_a_checkpoint_cell_is_locked_tagged_and_stores_its_success_line() -> None:
    cell = n.checkpoint_cell("02.3", 2)
    assert cell.source.splitlines()[0] == "# NBVAL_CHECK_OUTPUT"
    assert 'checkpoint("02.3")' in cell.source
    assert cell.metadata["tags"] == ["checkpoint"]
    assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
    assert cell.metadata["mlcicd"] == {"checkpoint": "02.3", "points": 2}
    assert [o["text"] for o in cell.outputs] == ["Checkpoint 02.3 passed (2/2 points)\n"]
    assert cell.execution_count is not None  # nbval refuses outputs on a never-run cell
    assert n.checkpoint_info(cell) == ("02.3", 2)


@pytest.mark.parametrize(("checkpoint_id", "points"), [("2.1", 1), ("02", 1), ("02.1", 0)])
def test_a_malformed_checkpoint_is_refused(checkpoint_id: str, points: int) -> None:
    with pytest.raises(CourseError, match=r"ids are NN\.K"):
        n.checkpoint_cell(checkpoint_id, points)


@pytest.mark.parametrize(
    ("source", "regions"),
    [
        (
            "def f():\n    ### BEGIN SOLUTION Return one.\n    return 1\n    ### END SOLUTION",
            [(1, 3, "Return one.")],
        ),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", [(0, 2, "")]),
        (
            "### BEGIN SOLUTION: a\na = 1\n### END SOLUTION\n### BEGIN SOLUTION - b\n"
            "b = 2\n### END SOLUTION",
            [(0, 2, "a"), (3, 5, "b")],
        ),
    ],
)
def test_solution_regions_are_found_with_their_instructions(
    source: str, regions: list[tuple[int, int, str]]
) -> None:
    assert n.solution_regions(source) == regions


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("x = 1", "needs at least one"),
        ("### BEGIN SOLUTION\nx = 1", "line 1: ### BEGIN SOLUTION is never closed"),
        ("x = 1\n### END SOLUTION", "line 2: ### END SOLUTION without"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "line 2: .* inside another"),
    ],
)
def test_unbalanced_markers_are_refused_with_the_line(source: str, problem: str) -> None:
    with pytest.raises(CourseError, match=problem):
        n.solution(source)


def test_new_notebook_numbers_cells_and_names_the_course_kernel() -> None:
    nb = n.new_notebook([n.markdown("# T"), n.code("x = 1"), n.checkpoint_cell("02.1", 1)])
    assert [c["id"] for c in nb.cells] == ["cell-1", "cell-2", "checkpoint-02-1"]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(nb)


def test_builders_dedent_and_the_same_cells_give_the_same_bytes() -> None:
    cells = [n.markdown("\n    # Title\n    text\n"), n.code("\n    if x:\n        y()\n")]
    assert cells[0].source == "# Title\ntext"
    assert cells[1].source == "if x:\n    y()"
    assert n.dumps(n.new_notebook(cells)) == n.dumps(n.new_notebook(cells))


def test_the_checksum_covers_source_and_metadata_but_not_outputs() -> None:
    cell = n.checkpoint_cell("02.1", 2)
    base = n.cell_checksum(cell)
    ran = nbformat.from_dict({**cell, "outputs": [], "execution_count": 7})
    edited = nbformat.from_dict({**cell, "source": cell.source + "\nprint('x')"})
    repointed = nbformat.from_dict(
        {**cell, "metadata": {**cell.metadata, "mlcicd": {"checkpoint": "02.1", "points": 9}}}
    )
    assert n.cell_checksum(ran) == base
    assert n.cell_checksum(edited) != base
    assert n.cell_checksum(repointed) != base


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not a readable notebook"),
        ('{"cells": []}', "not a readable notebook"),
        ("", "not a readable notebook"),
    ],
)
def test_reading_a_broken_file_names_it(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "broken.ipynb"
    path.write_text(content)
    with pytest.raises(CourseError, match=problem) as raised:
        n.read(path)
    assert raised.value.path == str(path)


def test_reading_a_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="cannot read it"):
        n.read(tmp_path / "missing.ipynb")


def test_write_leaves_no_temporary_file_and_round_trips(tmp_path: Path) -> None:
    nb = n.new_notebook([n.code("x = 1")])
    path = tmp_path / "sub" / "nb.ipynb"
    n.write(nb, path)
    assert [p.name for p in path.parent.iterdir()] == ["nb.ipynb"]
    assert n.read(path) == nb
    assert path.read_text().endswith("}\n")


def test_sources_saved_as_lists_of_lines_are_read_as_text(tmp_path: Path) -> None:
    nb = n.new_notebook([n.code("x = 1\ny = 2")])
    raw = json.loads(n.dumps(nb))
    raw["cells"][0]["source"] = ["x = 1\n", "y = 2"]  # how Jupyter itself saves sources
    path = tmp_path / "lines.ipynb"
    path.write_text(json.dumps(raw))
    assert n.read(path).cells[0].source == "x = 1\ny = 2"
