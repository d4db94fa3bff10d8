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


def copy_of(cell: NotebookNode, cell_id: str) -> NotebookNode:
    """Return a pasted copy of a cell (JupyterLab gives it a new id)."""
    cell = copy.deepcopy(cell)
    cell["id"] = cell_id
    return cell


def paste_above(nb: NotebookNode) -> None:
    """Paste a copy of checkpoint 98.1 above answer-1, keeping the original below it."""
    nb.cells.insert(2, copy_of(nb.cells[3], "my-copy"))


def move_above(nb: NotebookNode) -> None:
    """Move checkpoint 98.1 above answer-1."""
    nb.cells[2], nb.cells[3] = nb.cells[3], nb.cells[2]


def scratch_between(nb: NotebookNode) -> None:
    """Add a scratch cell between answer-1 and its checkpoint."""
    nb.cells.insert(3, n.code("print(double(2))", cell_id="scratch"))


def two_copies_below(nb: NotebookNode) -> None:
    """Paste copies of checkpoint 98.1 right below it and below checkpoint 98.2."""
    check = nb.cells[3]
    nb.cells.insert(6, copy_of(check, "copy-b"))
    nb.cells.insert(4, copy_of(check, "copy-a"))


def lose_ids(nb: NotebookNode) -> None:
    """Give the solution cells new ids, as copying them into a new notebook does."""
    nb.cells[2]["id"], nb.cells[4]["id"] = "lost-1", "lost-2"


def ids_lost_copy_above(nb: NotebookNode) -> None:
    lose_ids(nb)
    paste_above(nb)


def ids_lost_copy_at_the_end(nb: NotebookNode) -> None:
    lose_ids(nb)
    nb.cells.insert(6, copy_of(nb.cells[3], "my-copy"))


def swap_sections(nb: NotebookNode) -> None:
    """Put the second answer and its checkpoint first."""
    intro, setup, answer1, check1, answer2, check2, outro = nb.cells
    nb.cells = [intro, setup, answer2, check2, answer1, check1, outro]


def delete_second(nb: NotebookNode) -> None:
    del nb.cells[5]


def edit_original_below_a_copy(nb: NotebookNode) -> None:
    paste_above(nb)
    add_print(nb.cells[4])


UNTOUCHED = [
    "intro",
    "setup",
    "answer-1",
    "checkpoint-98-1",
    "answer-2",
    "checkpoint-98-2",
    "outro",
]
LOST = ["intro", "setup", "lost-1", "checkpoint-98-1", "lost-2", "checkpoint-98-2", "outro"]
IGNORED = "checkpoint 98.1 is duplicated: cell {} is ignored; the checkpoint is graded after its "
IGNORED += "solution cell (cell {})"
LAST = "checkpoint 98.1 is duplicated: cell {} is ignored; its solution cell is not found, so "
LAST += "the last copy (cell {}) is graded"
EDITED_5 = "checkpoint 98.1 was edited (cell 5): graded from the course's own cell"


@pytest.mark.parametrize(
    ("change", "graded", "warnings", "positions", "deleted"),
    [
        (paste_above, UNTOUCHED, [IGNORED.format(3, 4)], {"98.1": 2, "98.2": 4}, ()),
        (
            move_above,
            UNTOUCHED,
            [
                "checkpoint 98.1 was moved above the cell it checks: cell 3 is ignored; the "
                "checkpoint is graded after its solution cell (cell 4)"
            ],
            {"98.1": 2, "98.2": 4},
            (),
        ),
        (
            scratch_between,
            [*UNTOUCHED[:3], "scratch", *UNTOUCHED[3:]],
            [],
            {"98.1": 3, "98.2": 5},
            (),
        ),
        (
            two_copies_below,
            UNTOUCHED,
            [IGNORED.format(5, 3), IGNORED.format(8, 3)],
            {"98.1": 2, "98.2": 4},
            (),
        ),
        (ids_lost_copy_above, LOST, [LAST.format(3, 5)], {"98.1": 2, "98.2": 4}, ()),
        (
            ids_lost_copy_at_the_end,
            ["intro", "setup", "lost-1", "lost-2", "checkpoint-98-2", "checkpoint-98-1", "outro"],
            [
                LAST.format(4, 7),
                "checkpoints were moved: they run in the order 98.2, 98.1 instead of 98.1, 98.2",
            ],
            {"98.2": 3, "98.1": 4},
            (),
        ),
        (
            swap_sections,
            [
                "intro",
                "setup",
                "answer-2",
                "checkpoint-98-2",
                "answer-1",
                "checkpoint-98-1",
                "outro",
            ],
            ["checkpoints were moved: they run in the order 98.2, 98.1 instead of 98.1, 98.2"],
            {"98.2": 2, "98.1": 4},
            (),
        ),
        (
            delete_second,
            [*UNTOUCHED[:5], "outro"],
            ["checkpoint 98.2 was deleted: it scores 0"],
            {"98.1": 2},
            ("98.2",),
        ),
        (
            edit_original_below_a_copy,
            UNTOUCHED,
            [EDITED_5, IGNORED.format(3, 4)],
            {"98.1": 2, "98.2": 4},
            (),
        ),
    ],
    ids=[
        "a copy pasted above the solution",
        "moved above the solution",
        "a scratch cell between solution and checkpoint",
        "two copies below",
        "ids lost: the last claiming cell, here the original",
        "ids lost: the last claiming cell, here a copy at the end",
        "swapped sections",
        "deleted",
        "the graded cell is the one reported as edited",
    ],
)
def test_each_checkpoint_is_graded_after_its_solution_cell(
    change: Callable[[NotebookNode], None],
    graded: list[str],
    warnings: list[str],
    positions: dict[str, int],
    deleted: tuple[str, ...],
) -> None:
    nb = learner_notebook()
    change(nb)
    before = copy.deepcopy(nb)

    prepared = prepare(nb, TWO)

    assert ids(prepared.nb) == graded
    assert list(prepared.warnings) == warnings
    assert dict(prepared.positions) == positions
    assert prepared.deleted == deleted
    for checkpoint_id, points in (("98.1", 2), ("98.2", 1)):
        if checkpoint_id not in deleted:
            where = graded.index(n.checkpoint_cell_id(checkpoint_id))
            assert prepared.nb.cells[where] == n.checkpoint_cell(checkpoint_id, points)
    assert nb == before


SHARED = ExerciseSpec(
    "98_shared", "98_shared.ipynb", (spec("98.1", 2, "answer-1"), spec("98.2", 1, "answer-1"))
)


def test_two_checkpoints_after_one_solution_cell_keep_their_order() -> None:
    nb = n.new_notebook(
        [
            n.checkpoint_cell("98.2", 1),  # moved above the solution cell
            n.solution(ANSWER, cell_id="answer-1"),
            n.checkpoint_cell("98.1", 2),
        ]
    )

    prepared = prepare(nb, SHARED)

    assert ids(prepared.nb) == ["answer-1", "checkpoint-98-1", "checkpoint-98-2"]
    assert dict(prepared.positions) == {"98.1": 1, "98.2": 2}
    assert prepared.warnings == (
        "checkpoint 98.2 was moved above the cell it checks: cell 1 is ignored; the checkpoint "
        "is graded after its solution cell (cell 2)",
    )


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
