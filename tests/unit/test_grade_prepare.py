"""``prepare`` grades the course's own checkpoint cells and reports what a learner changed."""

from __future__ import annotations

import copy
from collections.abc import Callable

import nbformat
import pytest
from nbformat import NotebookNode

from mlcicd.course import notebook as n
from mlcicd.course.build import build_exercise
from mlcicd.grade.manifest import CheckpointSpec, ExerciseSpec
from mlcicd.grade.prepare import claimed_checkpoint, prepare

ANSWER = """
    def double(x):
        ### BEGIN SOLUTION Return twice x.
        return 2 * x
        ### END SOLUTION
"""


def spec(checkpoint_id: str, points: int, after: str | None) -> CheckpointSpec:
    """Return the manifest's record of a checkpoint, as `mlcicd course build` writes it."""
    cell = n.checkpoint_cell(checkpoint_id, points)
    return CheckpointSpec(checkpoint_id, points, n.cell_checksum(cell), cell["id"], after)


TWO = ExerciseSpec(
    "98_two", "98_two.ipynb", (spec("98.1", 2, "answer-1"), spec("98.2", 1, "answer-2"))
)


def learner_notebook() -> NotebookNode:
    """Return an untouched 98_two exercise: code cells 0..4, checkpoints at code cells 2 and 4."""
    return n.new_notebook(
        [
            n.markdown("# Two checkpoints", cell_id="intro"),
            n.code("import math", cell_id="setup"),
            n.solution(ANSWER, cell_id="answer-1"),
            n.checkpoint_cell("98.1", 2),
            n.solution(ANSWER.replace("double", "twice"), cell_id="answer-2"),
            n.checkpoint_cell("98.2", 1),
            n.markdown("Done.", cell_id="outro"),
        ],
        mlcicd={"exercise": "98_two"},
    )


def ids(nb: NotebookNode) -> list[str]:
    """Return the cell ids of a notebook, in order."""
    return [cell["id"] for cell in nb.cells]


def test_an_untouched_exercise_built_by_the_course_has_nothing_to_report(
    double_check: str,
) -> None:
    solution = n.new_notebook(
        [n.markdown("# Doubling"), n.solution(ANSWER), n.checkpoint_cell("98.1", 2)]
    )
    exercise_nb, entry = build_exercise(solution, "98_doubling", "solutions/98_doubling.ipynb")
    exercise = ExerciseSpec(
        entry["name"],
        entry["notebook"],
        tuple(
            CheckpointSpec(c["id"], c["points"], c["sha256"], c["cell_id"], c["after"])
            for c in entry["checkpoints"]
        ),
    )

    prepared = prepare(exercise_nb, exercise)

    assert prepared.warnings == ()
    assert prepared.deleted == ()
    assert dict(prepared.positions) == {"98.1": 1}  # the stub is code cell 0
    assert prepared.nb.cells == exercise_nb.cells


def test_untouched_positions_are_the_code_cell_numbers_of_the_checkpoints() -> None:
    prepared = prepare(learner_notebook(), TWO)
    assert prepared.warnings == ()
    assert prepared.deleted == ()
    assert dict(prepared.positions) == {"98.1": 2, "98.2": 4}
    assert ids(prepared.nb) == ids(learner_notebook())


def add_print(cell: NotebookNode) -> None:
    """Make the check print its own success line."""
    cell.source += '\nprint("Checkpoint 98.1 passed (2/2 points)")'


def raise_points(cell: NotebookNode) -> None:
    """Make the checkpoint claim more points."""
    cell.metadata["mlcicd"]["points"] = 20


def unlock(cell: NotebookNode) -> None:
    """Make the cell editable and drop its tag."""
    cell.metadata["editable"] = True
    cell.metadata["tags"] = []


def replace_call(cell: NotebookNode) -> None:
    """Replace the check by a print of the success line."""
    cell.source = '# NBVAL_CHECK_OUTPUT\nprint("Checkpoint 98.1 passed (2/2 points)")'


@pytest.mark.parametrize("edit", [add_print, raise_points, unlock, replace_call])
def test_an_edited_checkpoint_is_reported_and_graded_from_the_course_cell(
    edit: Callable[[NotebookNode], None],
) -> None:
    nb = learner_notebook()
    edit(nb.cells[3])

    prepared = prepare(nb, TWO)

    assert prepared.warnings == (
        "checkpoint 98.1 was edited (cell 4): graded from the course's own cell",
    )
    assert prepared.nb.cells[3] == n.checkpoint_cell("98.1", 2)
    assert dict(prepared.positions) == {"98.1": 2, "98.2": 4}


def test_metadata_jupyterlab_writes_itself_is_no_edit() -> None:
    nb = learner_notebook()
    nb.cells[3].metadata.update({"collapsed": True, "jupyter": {"outputs_hidden": True}})
    nb.cells[3].metadata["execution"] = {"iopub.status.idle": "2026-11-26T18:00:00Z"}
    prepared = prepare(nb, TWO)
    assert prepared.warnings == ()
    assert prepared.nb.cells[3] == n.checkpoint_cell("98.1", 2)


def test_an_edited_stored_output_is_replaced_by_the_success_line() -> None:
    nb = learner_notebook()
    nb.cells[3].outputs[0]["text"] = "Checkpoint 98.1 failed (0/2 points): whatever I print\n"

    graded = prepare(nb, TWO).nb.cells[3]

    assert [output["text"] for output in graded.outputs] == [
        "Checkpoint 98.1 passed (2/2 points)\n"
    ]
    assert graded.outputs[0]["output_type"] == "stream"


def test_a_deleted_checkpoint_is_listed_and_reported() -> None:
    nb = learner_notebook()
    del nb.cells[5]

    prepared = prepare(nb, TWO)

    assert prepared.deleted == ("98.2",)
    assert prepared.warnings == ("checkpoint 98.2 was deleted: it scores 0",)
    assert dict(prepared.positions) == {"98.1": 2}


def test_a_duplicated_checkpoint_keeps_the_first_and_drops_the_copy() -> None:
    nb = learner_notebook()
    nb.cells.insert(5, copy.deepcopy(nb.cells[3]))  # a copy of 98.1 after answer-2
    nb.cells[5]["id"] = "my-copy"

    prepared = prepare(nb, TWO)

    assert prepared.warnings == ("checkpoint 98.1 is duplicated (cell 6): the copy is ignored",)
    assert "my-copy" not in ids(prepared.nb)
    assert ids(prepared.nb) == ids(learner_notebook())
    assert dict(prepared.positions) == {"98.1": 2, "98.2": 4}


def test_swapped_checkpoints_are_reported_as_moved_and_graded_where_they_are() -> None:
    nb = learner_notebook()
    intro, setup, answer1, check1, answer2, check2, outro = nb.cells
    nb.cells = [intro, setup, answer2, check2, answer1, check1, outro]

    prepared = prepare(nb, TWO)

    assert prepared.warnings == (
        "checkpoints were moved: they run in the order 98.2, 98.1 instead of 98.1, 98.2; "
        "each is graded where it is",
    )
    assert dict(prepared.positions) == {"98.2": 2, "98.1": 4}


def test_a_checkpoint_above_the_cell_it_checks_is_reported_as_moved() -> None:
    nb = learner_notebook()
    nb.cells[2], nb.cells[3] = nb.cells[3], nb.cells[2]

    prepared = prepare(nb, TWO)

    assert prepared.warnings == (
        "checkpoint 98.1 was moved above the cell it checks; it is graded where it is",
    )
    assert dict(prepared.positions) == {"98.1": 1, "98.2": 4}


def without_metadata(cell: NotebookNode, *, cell_id: str = "mine") -> NotebookNode:
    """Return the cell with no metadata and another id."""
    cell = copy.deepcopy(cell)
    cell.metadata = {}
    cell["id"] = cell_id
    return cell


def other_metadata() -> NotebookNode:
    """Return the 98.1 call in a cell whose metadata says 98.2."""
    cell = n.checkpoint_cell("98.1", 2)
    cell.metadata["mlcicd"]["checkpoint"] = "98.2"
    return cell


SUCCESS = 'print("Checkpoint 98.1 passed (2/2 points)")'


@pytest.mark.parametrize(
    ("cell", "claimed"),
    [
        (n.checkpoint_cell("98.1", 2), "98.1"),
        (n.checkpoint_cell("98.2", 1), "98.2"),
        (n.code(SUCCESS), None),
        (n.code("# NBVAL_CHECK_OUTPUT\n" + SUCCESS), None),
        (n.markdown(n.checkpoint_cell("98.1", 2).source, cell_id="checkpoint-98-1"), None),
        (n.checkpoint_cell("98.7", 1), None),
        (without_metadata(n.checkpoint_cell("98.1", 2), cell_id="checkpoint-98-1"), "98.1"),
        (without_metadata(n.checkpoint_cell("98.1", 2)), "98.1"),
        (n.code('from mlcicd.course import checkpoint\ncheckpoint("98.1")'), None),
        (other_metadata(), "98.2"),
    ],
    ids=[
        "course cell",
        "second course cell",
        "prints the success line",
        "prints the success line under the marker",
        "markdown",
        "unknown checkpoint",
        "no metadata, its id",
        "no metadata, other id, the course source",
        "learner's own call without the marker",
        "metadata wins over the call",
    ],
)
def test_which_cells_claim_a_checkpoint(cell: NotebookNode, claimed: str | None) -> None:
    assert claimed_checkpoint(cell, TWO) == claimed


def test_a_cell_printing_the_success_line_gets_no_points_position() -> None:
    nb = learner_notebook()
    fake = n.code(SUCCESS, cell_id="fake")
    fake.outputs = [n.expected_output("98.1", 2)]
    fake.execution_count = 4
    nb.cells[3] = fake

    prepared = prepare(nb, TWO)

    assert prepared.deleted == ("98.1",)
    assert "98.1" not in prepared.positions
    graded = prepared.nb.cells[3]
    assert graded.source == SUCCESS and graded.outputs == []


def test_a_cell_claiming_an_unknown_checkpoint_is_an_ordinary_cell() -> None:
    nb = learner_notebook()
    nb.cells.insert(6, n.checkpoint_cell("98.7", 1))

    prepared = prepare(nb, TWO)

    assert prepared.warnings == ()
    assert dict(prepared.positions) == {"98.1": 2, "98.2": 4}
    assert prepared.nb.cells[6].outputs == []


def test_other_outputs_and_execution_counts_are_cleared() -> None:
    nb = learner_notebook()
    huge = "x" * 1_000_000
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text=huge)]
    nb.cells[1].execution_count = 7
    nb.cells[2].execution_count = 8

    prepared = prepare(nb, TWO)

    setup, answer = prepared.nb.cells[1], prepared.nb.cells[2]
    assert setup.outputs == [] and setup.execution_count is None
    assert answer.execution_count is None
    assert len(n.dumps(prepared.nb)) < 10_000
    assert prepared.nb.cells[3].outputs == [n.expected_output("98.1", 2)]


def test_the_learners_notebook_is_not_modified() -> None:
    nb = learner_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="big\n")]
    nb.cells[1].execution_count = 2
    add_print(nb.cells[3])
    nb.cells.append(copy.deepcopy(nb.cells[5]))
    before = copy.deepcopy(nb)

    prepare(nb, TWO)

    assert nb == before


@pytest.mark.parametrize("junk", ["tampered", ["98.1"]], ids=["a string", "a list"])
def test_junk_checkpoint_metadata_is_not_a_crash(junk: object) -> None:
    cell = n.code("print(1)")
    cell.metadata["mlcicd"] = junk if isinstance(junk, str) else {"checkpoint": junk}
    assert claimed_checkpoint(cell, TWO) is None
