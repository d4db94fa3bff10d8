"""``mlcicd course lint``: each rule catches its problem; a well-made notebook passes them all.

The rules live in the one lint core: registered in a :class:`~mlcicd.lint.Registry`,
giving :class:`~mlcicd.lint.Finding` s placed at a path and a cell.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlcicd.course import lint as course_lint
from mlcicd.course import notebook as n
from mlcicd.course.lint import RULES, lint_notebook, lint_notebooks
from mlcicd.lint import Finding, Severity, Where

LESSONS = ("01_a.ipynb", "02_b.ipynb")


def good_lesson(*extra: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return n.new_notebook(
        [
            n.markdown("# 01 · A\n## Objectives\nYou will ..."),
            n.code("x = 1", tags=("parameters",)),
            *extra,
            n.markdown("## Muddy points\n..."),
            n.code("from mlcicd.course import Quiz\nQuiz(...)"),
            n.markdown("[Next: B](02_b.ipynb)"),
        ]
    )


def good_solution(*checkpoints: tuple[str, int]) -> nbformat.NotebookNode:
    cells = [n.markdown("# Exercise"), n.solution("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")]
    cells += [n.checkpoint_cell(cid, points) for cid, points in checkpoints]
    return n.new_notebook(cells)


def lint(tmp_path: Path, nb: nbformat.NotebookNode, kind: str = "lesson") -> list[str]:
    path = tmp_path / "01_a.ipynb"
    n.write(nb, path)
    return [f"{f.code} cell {f.cell}: {f.message}" for f in lint_notebook(path, kind, LESSONS)]


def with_output(source: str, text: str) -> nbformat.NotebookNode:
    cell = n.code(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return cell


def test_a_well_made_lesson_and_solution_pass_every_rule(tmp_path: Path) -> None:
    assert lint(tmp_path, good_lesson()) == []
    three = [("01.1", 1), ("01.2", 2), ("01.3", 3)]
    assert lint(tmp_path, good_solution(*three), "solution") == []


@pytest.mark.parametrize(
    ("cell", "finding"),
    [  # (a cell added to a good lesson, the finding it must cause)
        (n.code("open('/home/ana/data.csv')"), "CO002 cell 3: holds the absolute path '/home/ana"),
        (n.code("p = r'C:\\\\Users\\\\ana'"), "CO002 cell 3: holds the absolute path"),
        (n.markdown("Saved to /tmp/mlcicd-x/out.csv"), "CO002 cell 3: holds the absolute path"),
        (with_output("m", "<M at 0x7f3a2b1c9d10>\n"), "CO003 cell 3: an output holds an object"),
        (with_output("t", "2026-11-26 17:01:02\n"), "CO003 cell 3: an output holds a timestamp"),
        (with_output("run()", "3 passed in 0.12s\n"), "CO003 cell 3: an output holds a duration"),
        (with_output("print(1)", "1\n"), "CO004 cell 3: was saved with outputs"),
        (n.code("# NBVAL_CHECK_OUTPUT\nx"), "CO005 cell 3: starts with # NBVAL_CHECK_OUTPUT"),
    ],
    ids=["home path", "windows path", "temp path in prose", "address", "timestamp", "duration",
         "output", "marker without checkpoint"],
)  # fmt: skip
def test_each_cell_rule_names_the_cell(
    tmp_path: Path, cell: nbformat.NotebookNode, finding: str
) -> None:
    assert any(f.startswith(finding) for f in lint(tmp_path, good_lesson(cell))), finding


@pytest.mark.parametrize(
    "source", ["x = '$CODEBUILD_SRC_DIR/reports'", "path = 'build/reports/junit.xml'", "a/tmp/b"]
)
def test_relative_and_build_paths_are_fine(tmp_path: Path, source: str) -> None:
    assert lint(tmp_path, good_lesson(n.code(source))) == []


def test_an_edited_checkpoint_is_found(tmp_path: Path) -> None:
    edited = n.checkpoint_cell("01.1", 1)
    edited.source += "\nprint('Checkpoint 01.1 passed (1/1 points)')"
    nb = good_solution(("01.2", 1), ("01.3", 1))
    nb.cells.append(edited)
    assert lint(tmp_path, nb, "solution") == [
        "CO005 cell 5: checkpoint 01.1 differs from its canonical form"
    ]


def test_the_kernel_and_the_number_of_checkpoints_are_checked(tmp_path: Path) -> None:
    nb = good_solution(("01.1", 1))
    nb.metadata["kernelspec"]["name"] = "conda-env-ml"
    assert lint(tmp_path, nb, "solution") == [
        "CO001 cell None: names the kernel 'conda-env-ml'",
        "CO006 cell None: has 1 checkpoints",
    ]


@pytest.mark.parametrize(
    ("drop", "finding"),
    [
        ("## Objectives", "CO007 cell None: has no objectives section"),
        ("## Muddy points", "CO007 cell None: has no muddy points section"),
        ("Quiz(", "CO007 cell None: has no quiz"),
        ("(02_b.ipynb)", "CO007 cell None: does not link the next lesson 02_b.ipynb"),
        ("parameters", "CO007 cell None: has no parameters cell"),
    ],
)
def test_a_lesson_has_its_sections(tmp_path: Path, drop: str, finding: str) -> None:
    nb = good_lesson()
    for cell in nb.cells:
        cell.source = cell.source.replace(drop, "")
        tags = cell.metadata.get("tags", [])
        cell.metadata["tags"] = [tag for tag in tags if tag != drop]
    assert lint(tmp_path, nb) == [finding]


def test_the_course_folders_are_linted_with_paths_relative_to_the_root(tmp_path: Path) -> None:
    n.write(good_lesson(n.code("open('/home/ana/x')")), tmp_path / "notebooks" / "01_a.ipynb")
    n.write(good_solution(("01.1", 1)), tmp_path / "solutions" / "01_a.ipynb")
    found = [(f.code, f.path) for f in lint_notebooks(tmp_path)]
    assert found == [
        ("CO002", "notebooks/01_a.ipynb"),
        ("CO006", "solutions/01_a.ipynb"),
    ]


# ---- the rules in the lint core ------------------------------------------------------------


def test_every_rule_is_registered_once_with_an_id_a_summary_and_a_severity() -> None:
    rules = list(RULES)
    assert [rule.id for rule in rules] == [f"CO00{number}" for number in range(1, 8)]
    checks = [rule.check for rule in rules]
    assert all(callable(check) for check in checks)
    assert len(set(checks)) == len(checks)  # no check under two ids
    # Each check is the module's own rule function, decorated where it is defined.
    assert all(getattr(course_lint, getattr(check, "__name__", "")) is check for check in checks)
    for rule in rules:
        assert rule.summary.strip() and "\n" not in rule.summary, rule.id
        assert isinstance(rule.severity, Severity), rule.id
        assert rule.url == "" or rule.url.startswith("https://"), rule.id


def test_course_lint_fails_on_every_rule_today() -> None:
    # `mlcicd course lint` failed on any finding before the core; it still does.
    assert {rule.severity for rule in RULES} == {Severity.ERROR}


def test_a_rule_on_the_course_s_own_advice_says_so_and_cites_no_page() -> None:
    assert RULES["CO002"].url == ""
    assert "(the course's own advice)" in RULES["CO002"].describe()
    assert RULES["CO001"].url.startswith("https://nbformat.readthedocs.io/")


def test_a_finding_names_the_path_and_the_cell(tmp_path: Path) -> None:
    path = tmp_path / "01_a.ipynb"
    n.write(good_lesson(n.code("open('/home/ana/data.csv')")), path)
    (finding,) = lint_notebook(path, "lesson", LESSONS)
    assert isinstance(finding, Finding)
    assert finding.where == Where(path=str(path), cell=3)
    assert finding.severity == Severity.ERROR
    assert finding.format() == (
        f"{path}:cell 3: CO002 holds the absolute path '/home/ana/data.csv' "
        "(use a path relative to the notebook, tempfile, or package data)"
    )


def test_a_finding_about_the_whole_notebook_names_only_the_path(tmp_path: Path) -> None:
    nb = good_lesson()
    nb.metadata["kernelspec"]["name"] = "conda-env-ml"
    path = tmp_path / "01_a.ipynb"
    n.write(nb, path)
    (finding,) = lint_notebook(path, "lesson", LESSONS)
    assert finding.cell is None
    assert finding.format() == (
        f"{path}: CO001 names the kernel 'conda-env-ml' "
        '(set the kernel to "Python 3 (ipykernel)")'
    )
