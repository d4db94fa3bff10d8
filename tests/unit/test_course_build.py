"""``mlcicd course build``: exercises and manifest from solutions, deterministic, losing nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mlcicd.course import notebook as n
from mlcicd.course.build import build_course, stub_source
from mlcicd.exceptions import CourseError

ROOT = Path(__file__).resolve().parents[2]

SOLUTION_BODY = """
    def double(x):
        ### BEGIN SOLUTION Return twice x.
        return 2 * x
        ### END SOLUTION
"""


def write_solution(root: Path, name: str = "98_doubling", *extra: object) -> Path:
    """Write a small solution: intro, a setup cell, a solution cell, a checkpoint, extra cells."""
    setup = n.code("import math\nprint(math.pi)")
    setup.outputs = [n.expected_output("00.0", 1)]  # a stale output the build must clear
    setup.execution_count = 3
    nb = n.new_notebook(
        [
            n.markdown("# Doubling"),
            setup,
            n.solution(SOLUTION_BODY),
            *extra,
            n.checkpoint_cell("98.1", 2),
        ]
    )
    path = root / "solutions" / f"{name}.ipynb"
    n.write(nb, path)
    return path


@pytest.mark.parametrize(
    ("source", "stub"),
    [
        (
            "def f(x):\n    ### BEGIN SOLUTION Return x + 1.\n    y = x\n    return y + 1\n"
            "    ### END SOLUTION\n# after",
            "def f(x):\n    # TODO: Return x + 1.\n"
            '    raise NotImplementedError("replace this line with your code")\n# after',
        ),
        (
            "### BEGIN SOLUTION\nmodel = fit()\n### END SOLUTION",
            "# TODO: write your code here\n"
            'raise NotImplementedError("replace this line with your code")',
        ),
    ],
    ids=["inside a function", "top level, no instruction"],
)
def test_solution_regions_become_stubs_at_their_indentation(source: str, stub: str) -> None:
    assert stub_source(source) == stub


def test_the_exercise_keeps_text_and_checkpoints_and_drops_answers_and_outputs(
    tmp_path: Path, double_check: str
) -> None:
    solution = write_solution(tmp_path)
    before = solution.read_bytes()

    report = build_course(tmp_path)

    exercise = n.read(tmp_path / "exercises" / "98_doubling.ipynb")
    intro, setup, answer, check = exercise.cells
    assert intro.source == "# Doubling"
    assert setup.outputs == [] and setup.execution_count is None
    assert "return 2 * x" not in answer.source and "# TODO: Return twice x." in answer.source
    assert answer.metadata["tags"] == ["solution"]
    assert check == n.checkpoint_cell("98.1", 2)
    assert exercise.metadata["mlcicd"] == {
        "exercise": "98_doubling",
        "generated_from": "solutions/98_doubling.ipynb",
    }
    assert solution.read_bytes() == before  # the source is never touched
    assert report.exercises == ("98_doubling",) and report.checkpoints == 1


def test_the_manifest_lists_each_checkpoint_with_the_checksum_of_its_cell(
    tmp_path: Path, double_check: str
) -> None:
    write_solution(tmp_path)
    build_course(tmp_path)
    manifest = json.loads((tmp_path / "exercises" / "manifest.json").read_text())
    (entry,) = manifest["exercises"]
    exercise = n.read(tmp_path / "exercises" / entry["notebook"])
    (point,) = entry["checkpoints"]
    cell = exercise.cells[point["cell_index"]]
    assert point == {
        "after": exercise.cells[2]["id"],  # the solution cell it checks
        "id": "98.1",
        "points": 2,
        "cell_id": cell["id"],
        "cell_index": 3,
        "sha256": n.cell_checksum(cell),
    }
    assert entry["max_score"] == 2
    assert entry["solution_cells"] == [exercise.cells[2]["id"]]


def test_building_twice_gives_the_same_bytes_and_check_finds_nothing_stale(
    tmp_path: Path, double_check: str
) -> None:
    write_solution(tmp_path)
    build_course(tmp_path)
    first = {p.name: p.read_bytes() for p in (tmp_path / "exercises").iterdir()}
    again = build_course(tmp_path)
    assert again.up_to_date
    assert {p.name: p.read_bytes() for p in (tmp_path / "exercises").iterdir()} == first
    assert build_course(tmp_path, check=True).up_to_date


def test_check_reports_a_stale_exercise_and_writes_nothing(
    tmp_path: Path, double_check: str
) -> None:
    solution = write_solution(tmp_path)
    build_course(tmp_path)
    nb = n.read(solution)
    nb.cells[0].source = "# Doubling, revised"
    n.write(nb, solution)
    exercise = tmp_path / "exercises" / "98_doubling.ipynb"
    before = exercise.read_bytes()

    report = build_course(tmp_path, check=True)

    assert set(report.changed) == {exercise, tmp_path / "exercises" / "manifest.json"}
    assert exercise.read_bytes() == before


def test_a_learners_edited_exercise_is_never_overwritten_without_force(
    tmp_path: Path, double_check: str
) -> None:
    solution = write_solution(tmp_path)
    build_course(tmp_path)
    exercise = tmp_path / "exercises" / "98_doubling.ipynb"
    work = n.read(exercise)
    work.cells[2].source = "def double(x):\n    return x * 2"
    n.write(work, exercise)
    learners = exercise.read_bytes()
    nb = n.read(solution)
    nb.cells[0].source = "# Doubling, revised"
    n.write(nb, solution)

    with pytest.raises(CourseError, match=r"changed since the last build .* --force"):
        build_course(tmp_path)
    assert exercise.read_bytes() == learners

    build_course(tmp_path, force=True)
    assert n.read(exercise).cells[0].source == "# Doubling, revised"


def test_an_exercise_whose_solution_is_gone_is_removed(tmp_path: Path, double_check: str) -> None:
    solution = write_solution(tmp_path)
    build_course(tmp_path)
    solution.unlink()
    (tmp_path / "exercises" / "README.md").write_text("kept")

    report = build_course(tmp_path)

    assert report.removed == (tmp_path / "exercises" / "98_doubling.ipynb",)
    assert sorted(p.name for p in (tmp_path / "exercises").iterdir()) == [
        "README.md",
        "manifest.json",
    ]


@pytest.mark.parametrize(
    ("name", "extra", "problem"),
    [
        ("98-doubling", (), "named NN_lower_case.ipynb"),
        ("97_doubling", (), "checkpoint '98.1' is in exercise 97; its id must start with 97."),
        ("98_doubling", (n.checkpoint_cell("98.1", 2),), "cell 5: checkpoint 98.1 appears twice"),
        ("98_doubling", (n.checkpoint_cell("98.2", 1),), "cell 4: there is no checkpoint 98.2"),
    ],
    ids=["file name", "id of another exercise", "duplicate", "unregistered"],
)
@pytest.mark.filterwarnings("error")  # nbformat renames a duplicate cell id quietly
def test_a_malformed_solution_is_refused_naming_file_and_cell(
    tmp_path: Path, double_check: str, name: str, extra: tuple, problem: str
) -> None:
    write_solution(tmp_path, name, *extra)
    with pytest.raises(CourseError, match=problem.replace(".", r"\.")) as raised:
        build_course(tmp_path)
    assert f"solutions/{name}.ipynb" in str(raised.value)
    assert not (tmp_path / "exercises").exists()  # nothing half-written


def test_points_must_agree_with_the_registered_check(tmp_path: Path, double_check: str) -> None:
    write_solution(tmp_path)
    path = tmp_path / "solutions" / "98_doubling.ipynb"
    nb = n.read(path)
    nb.cells[-1] = n.checkpoint_cell("98.1", 3)
    n.write(nb, path)
    with pytest.raises(CourseError, match="worth 3 points in the notebook and 2 in"):
        build_course(tmp_path)


def test_without_a_solutions_folder_the_error_says_where_to_run(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="no solutions/ folder"):
        build_course(tmp_path)


@pytest.mark.parametrize(
    "exercise", sorted(p.stem for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
)
def test_every_exercise_ends_with_a_link_to_the_next_lesson(exercise: str) -> None:
    nb = n.read(ROOT / "exercises" / f"{exercise}.ipynb")
    number = int(exercise[:2])
    wanted = number + 1 if number < 10 else 10  # the capstone points back to its lesson
    links = [
        link
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for link in re.findall(r"\]\((\.\./notebooks/[^)]+\.ipynb)\)", cell.source)
    ]
    assert any(Path(link).name.startswith(f"{wanted:02d}_") for link in links), links
    assert all((ROOT / "exercises" / link).resolve().is_file() for link in links), links
