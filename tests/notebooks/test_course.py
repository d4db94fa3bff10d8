"""The course as a whole: exercises up to date, notebooks clean, links resolve, quizzes complete."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import papermill
import pytest
from nbclient import NotebookClient

from mlcicd.course import build_course, lint_notebooks
from mlcicd.course.checkpoint import registered
from mlcicd.course.execute import missing_requirement
from mlcicd.course.notebook import checkpoint_cell, checkpoint_info, new_notebook, read

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
LINK = re.compile(r"\]\(([^)\s]+)\)")
HREF = re.compile(r'\b(?:href|src)="([^"]*)"')
RunMake = Callable[..., subprocess.CompletedProcess[str]]


def markdown(path: Path) -> str:
    return "\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")


def code(path: Path) -> str:
    return "\n".join(c.source for c in read(path).cells if c.cell_type == "code")


def test_the_course_has_its_lessons_and_exercises() -> None:
    numbers = [p.name[:2] for p in LESSONS]
    # 11 is the optional appendix (a real account): a lesson with no exercise.
    assert numbers == ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11"]
    assert [p.name for p in SOLUTIONS] == [p.name for p in EXERCISES]
    assert [p.name[:2] for p in SOLUTIONS] == ["02", "03", "04", "05", "06", "07", "08", "09", "10"]


def test_the_exercises_are_built_from_the_solutions() -> None:
    report = build_course(ROOT, check=True)
    stale = [str(p.relative_to(ROOT)) for p in (*report.changed, *report.removed)]
    assert not stale, f"stale: {stale}; run `mlcicd course build` and commit the result"


def test_every_notebook_follows_the_course_rules() -> None:
    findings = [str(f) for f in lint_notebooks(ROOT)]
    assert not findings, "\n".join(findings)


def test_the_start_page_links_every_lesson_and_exercise() -> None:
    links = set(LINK.findall(markdown(ROOT / "notebooks" / "00_start_here.ipynb")))
    expected = {p.name for p in LESSONS[1:]} | {f"../exercises/{p.name}" for p in EXERCISES}
    assert expected - links == set()


@pytest.mark.parametrize("path", LESSONS + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_relative_link_resolves(path: Path) -> None:
    for target in LINK.findall(markdown(path)):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        file = target.split("#")[0]
        assert (path.parent / file).exists(), f"{path.name} links {target}, which does not exist"


@pytest.mark.parametrize(
    "name", ["BUILDSPEC_SERVICE", "BLUE_GREEN_E2E", "PYRAMID_BASE", "SOURCE_VS_BUILD"]
)
def test_each_study_guide_question_is_in_a_lesson_quiz(name: str) -> None:
    quizzes = [
        cell.source
        for path in LESSONS
        for cell in read(path).cells
        if cell.cell_type == "code" and "Quiz(" in cell.source
    ]
    assert any(name in quiz for quiz in quizzes), f"no lesson quiz asks questions.{name}"


def test_every_registered_checkpoint_is_in_exactly_one_solution() -> None:
    in_notebooks = [
        (info, path.name)
        for path in SOLUTIONS
        for cell in read(path).cells
        if (info := checkpoint_info(cell))
    ]
    assert sorted(info for info, _ in in_notebooks) == [(c.id, c.points) for c in registered()]
    manifest = json.loads((ROOT / "exercises" / "manifest.json").read_text())
    listed = [(p["id"], p["points"]) for e in manifest["exercises"] for p in e["checkpoints"]]
    assert sorted(listed) == sorted(info for info, _ in in_notebooks)


@pytest.mark.parametrize("spec", registered(), ids=lambda c: c.id)
def test_each_checkpoint_names_a_cell_that_exists(spec: object) -> None:
    """The 'run ... first' advice quotes a heading a learner can find in the exercise."""
    (solution,) = [p for p in SOLUTIONS if p.name.startswith(spec.id[:2] + "_")]
    quoted = re.findall(r"'([^']+)'", spec.defined_in)
    assert quoted, f"{spec.id}: defined_in should quote a heading: {spec.defined_in!r}"
    assert all(q in markdown(solution) for q in quoted), (spec.id, quoted)


def test_checkpoints_run_out_of_order_say_which_cell_to_run_first(tmp_path: Path) -> None:
    """A fresh kernel (as after a restart) runs only the checkpoint cells of every exercise."""
    cells = [checkpoint_cell(c.id, c.points) for c in registered()]
    nb = new_notebook(cells)
    NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    for cell, spec in zip(nb.cells, registered(), strict=True):
        # A kernel may send one printed line in several stream messages.
        line = "".join(o["text"] for o in cell.outputs if o.get("name") == "stdout")
        assert line.startswith(f"Checkpoint {spec.id} cannot run yet (0/{spec.points} points): `")
        assert f"Run {spec.defined_in} first" in line


def test_a_lesson_runs_with_non_default_parameters(tmp_path: Path) -> None:
    out = tmp_path / "03.ipynb"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "03_data_tests.ipynb"),
        str(out),
        parameters={"rows": 300, "seed": 11},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    executed = read(out)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "rows = 300" in injected[0].source
    shown = "\n".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "300" in shown  # the lesson's data really has the rows asked for


@dataclass(frozen=True)
class MadeSite:
    """What one ``make site`` run printed and wrote."""

    result: subprocess.CompletedProcess[str]
    course: Path
    site: Path

    def pages(self) -> list[Path]:
        return sorted(self.site.rglob("*.html"))


@pytest.fixture(scope="module")
def made_site(tmp_path_factory: pytest.TempPathFactory, run_make: RunMake) -> MadeSite:
    """Run every lesson headless and render the site, once for this module (about a minute)."""
    tmp = tmp_path_factory.mktemp("make-site")
    result = run_make("site", f"COURSE_OUT={tmp / 'course'}", f"SITE_OUT={tmp / 'site'}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return MadeSite(result, tmp / "course", tmp / "site")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.name)
def test_every_lesson_runs_headless_without_an_error(made_site: MadeSite, lesson: Path) -> None:
    # make site's summary has one line per lesson: "   6.2 s  ok      notebooks/00_....ipynb".
    (line,) = [
        line
        for line in made_site.result.stdout.splitlines()
        if line.endswith(f"notebooks/{lesson.name}") or f"notebooks/{lesson.name}  (" in line
    ]
    missing = missing_requirement(lesson)
    if missing is not None:  # lesson 09 without Node.js
        assert line.split()[2] == "skip" and missing in line
        pytest.skip(missing)
    assert line.split()[2] == "ok", line


def test_make_course_runs_every_lesson_headless(made_site: MadeSite) -> None:
    executed = made_site.course / "notebooks"
    # Lesson 09 needs Node.js: without it, make course skips it and says why.
    runnable = [p for p in LESSONS if missing_requirement(p) is None]
    skipped = len(LESSONS) - len(runnable)
    assert (
        f"{len(runnable)} of {len(LESSONS)} notebooks ran without error"
        + (f", {skipped} skipped" if skipped else " (")
    ) in made_site.result.stdout
    assert sorted(p.name for p in executed.iterdir()) == [p.name for p in runnable]
    # Every lesson after the start page shows at least one figure (toolkit drawings included).
    for lesson in runnable[1:]:
        outputs = [o for c in read(executed / lesson.name).cells for o in c.get("outputs", [])]
        assert any("image/png" in o.get("data", {}) for o in outputs), (
            f"{lesson.name} shows no figure"
        )
        page = (made_site.site / "notebooks" / f"{lesson.stem}.html").read_text(encoding="utf-8")
        assert 'src="data:image/png;base64,' in page, f"{lesson.stem}.html shows no figure"


def test_make_site_renders_every_lesson_and_exercise_without_solutions(
    made_site: MadeSite,
) -> None:
    assert f"Wrote {made_site.site / 'index.html'} ({len(LESSONS)} lessons" in (
        made_site.result.stdout
    )
    pages = {str(p.relative_to(made_site.site)) for p in made_site.pages()}
    expected = (
        {"index.html"}
        | {f"notebooks/{p.stem}.html" for p in LESSONS}
        | {f"exercises/{p.stem}.html" for p in EXERCISES}
    )
    assert pages == expected  # solutions are left out unless SOLUTIONS=1
    assert not (made_site.site / "solutions").exists()


def test_the_site_index_links_every_lesson_and_exercise(made_site: MadeSite) -> None:
    index = (made_site.site / "index.html").read_text(encoding="utf-8")
    links = set(HREF.findall(index))
    expected = {f"notebooks/{p.stem}.html" for p in LESSONS} | {
        f"exercises/{p.stem}.html" for p in EXERCISES
    }
    assert expected - links == set()
    assert "make lab" in index


def test_every_internal_link_in_the_site_resolves(made_site: MadeSite) -> None:
    broken = [
        f"{page.relative_to(made_site.site)} -> {url}"
        for page in made_site.pages()
        for url in HREF.findall(page.read_text(encoding="utf-8"))
        if url
        and not url.startswith(("http://", "https://", "mailto:", "#", "data:"))
        and not (page.parent / unquote(url.split("#")[0])).exists()
    ]
    assert not broken, broken


def test_no_page_of_the_site_shows_an_error_output(made_site: MadeSite) -> None:
    from mlcicd.course.site import ERROR_CLASS

    failed = [p.name for p in made_site.pages() if ERROR_CLASS in p.read_text(encoding="utf-8")]
    assert not failed, f"error outputs in {failed}"
    assert "error output" not in made_site.result.stdout


def test_the_kernel_the_notebooks_name_is_this_environments_python() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    names = {read(p).metadata["kernelspec"]["name"] for p in LESSONS + SOLUTIONS + EXERCISES}
    assert names == {"python3"}
    spec = KernelSpecManager().get_kernel_spec("python3")
    # jupyter_client runs "python" in a kernel.json as the Python running Jupyter: this venv's.
    assert spec.argv[0] in {"python", "python3", sys.executable}, spec.argv
    assert spec.language == "python"
