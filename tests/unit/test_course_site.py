"""mlcicd.course.site: the course rendered as a static website (``make site``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from mlcicd import cli
from mlcicd.course import site
from mlcicd.course.notebook import code, markdown, new_notebook, write
from mlcicd.course.site import ERROR_CLASS, UNEXECUTED_CLASS, build_site, first_heading
from mlcicd.exceptions import CourseError

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "YPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
HREF = re.compile(r'\b(?:href|src)="([^"]*)"')


def lesson(title: str, links: str = "", outputs: list | None = None) -> nbformat.NotebookNode:
    cell = code("print('hi')")
    cell.outputs = outputs or []
    return new_notebook([markdown(f"# {title}\n\n{links}"), cell])


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    """A two-lesson course with one exercise and its solution, and lesson 01 executed."""
    root = tmp_path / "course"
    figure = nbformat.v4.new_output("display_data", data={"image/png": PNG, "text/plain": "<Fig>"})
    links = (
        "[next](02_more.ipynb#Part-2) · [exercise](../exercises/01_first.ipynb) · "
        "[solution](../solutions/01_first.ipynb) · [readme](../README.md) · "
        "[source](../src/) · [moto](https://docs.getmoto.org/) · [top](#Top) · "
        "[outside](../../elsewhere.txt)"
    )
    write(lesson("01 · First", links), root / "notebooks" / "01_first.ipynb")
    write(lesson("02 · More", "[back](01_first.ipynb)"), root / "notebooks" / "02_more.ipynb")
    write(lesson("Exercise 01 · First"), root / "exercises" / "01_first.ipynb")
    write(lesson("Exercise 01 · First (solution)"), root / "solutions" / "01_first.ipynb")
    (root / "README.md").write_text("# The course\n", encoding="utf-8")
    (root / "src").mkdir()
    executed = tmp_path / "build" / "course" / "notebooks"
    write(lesson("01 · First", links, [figure]), executed / "01_first.ipynb")
    return root, executed


def internal_links(page: Path) -> list[str]:
    return [
        url.split("#")[0]
        for url in HREF.findall(page.read_text(encoding="utf-8"))
        if url and not url.startswith(("http://", "https://", "mailto:", "#", "data:"))
    ]


def test_builds_lessons_exercises_and_an_index(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    report = build_site(executed, root, tmp_path / "site")
    assert report.index == tmp_path / "site" / "index.html"
    assert sorted(str(p.relative_to(report.out)) for p in report.out.rglob("*.html")) == [
        "exercises/01_first.html",
        "index.html",
        "notebooks/01_first.html",
        "notebooks/02_more.html",
    ]
    assert (report.count("notebooks"), report.count("exercises"), report.count("solutions")) == (
        2,
        1,
        0,
    )
    first = (report.out / "notebooks" / "01_first.html").read_text(encoding="utf-8")
    assert f'src="data:image/png;base64,{PNG}"' in first  # the executed copy, figure embedded
    assert "<title>01 · First</title>" in first


def test_links_are_rewritten_and_none_is_broken(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    report = build_site(executed, root, tmp_path / "site")
    first = (report.out / "notebooks" / "01_first.html").read_text(encoding="utf-8")
    assert 'href="02_more.html#Part-2"' in first
    assert 'href="../exercises/01_first.html"' in first
    assert 'href="../README.md"' in first and (report.out / "README.md").is_file()
    assert 'href="https://docs.getmoto.org/"' in first and 'href="#Top"' in first
    # The solution (left out), a folder and a path outside the course become text.
    assert "solutions/" not in first and "src/" not in first and "elsewhere" not in first
    assert '<span class="site-unlinked">solution</span>' in first
    assert sorted(link.split(": ")[1] for link in report.dropped) == [
        "../../elsewhere.txt",
        "../solutions/01_first.ipynb",
        "../src/",
    ]
    assert report.copied == ("README.md",)
    for page in report.out.rglob("*.html"):
        for url in internal_links(page):
            assert (page.parent / url).exists(), f"{page.name} links {url}"


def test_solutions_only_when_asked(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    report = build_site(executed, root, tmp_path / "site", solutions=True)
    assert (report.out / "solutions" / "01_first.html").is_file()
    assert report.count("solutions") == 1
    first = (report.out / "notebooks" / "01_first.html").read_text(encoding="utf-8")
    assert 'href="../solutions/01_first.html"' in first
    assert 'href="solutions/01_first.html"' in report.index.read_text(encoding="utf-8")


def test_the_index_pairs_each_lesson_with_its_exercise(
    course: tuple[Path, Path], tmp_path: Path
) -> None:
    root, executed = course
    index = build_site(executed, root, tmp_path / "site").index.read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", index)
    assert 'href="notebooks/01_first.html">01 · First</a>' in rows[1]
    assert 'href="exercises/01_first.html">Exercise 01 · First</a>' in rows[1]
    assert 'href="notebooks/02_more.html">02 · More</a>' in rows[2]
    assert "make lab" in index and "solutions/" not in index


def test_a_lesson_missing_from_executed_is_shown_unexecuted_with_a_note(
    course: tuple[Path, Path], tmp_path: Path
) -> None:
    root, executed = course
    report = build_site(executed, root, tmp_path / "site")
    (missing,) = report.unexecuted
    assert missing.page == "notebooks/02_more.html"
    assert missing.source == root / "notebooks" / "02_more.ipynb"
    assert "not found among the executed lessons" in (missing.note or "")
    page = (report.out / missing.page).read_text(encoding="utf-8")
    assert UNEXECUTED_CLASS in page and "shown without its outputs" in page
    assert "(not executed)" in report.index.read_text(encoding="utf-8")


def test_a_lesson_skipped_for_a_missing_requirement_says_why(
    course: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, executed = course
    monkeypatch.setattr(site, "missing_requirement", lambda nb: "Node.js is not installed.")
    report = build_site(executed, root, tmp_path / "site")
    assert report.unexecuted[0].note == (
        "This lesson is shown without its outputs: Node.js is not installed."
    )


def test_an_error_output_is_marked_and_reported(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    error = nbformat.v4.new_output(
        "error", ename="ZeroDivisionError", evalue="division by zero", traceback=["boom"]
    )
    stderr = nbformat.v4.new_output("stream", name="stderr", text="a warning\n")
    write(lesson("02 · More", outputs=[stderr, error]), executed / "02_more.ipynb")
    report = build_site(executed, root, tmp_path / "site")
    assert report.errors == ("notebooks/02_more.html: cell 2: ZeroDivisionError: division by zero",)
    assert ERROR_CLASS in (report.out / "notebooks" / "02_more.html").read_text(encoding="utf-8")
    # nbconvert renders stderr and errors alike (application/vnd.jupyter.stderr): only the
    # error's cell carries the class, so a warning on stderr is not an error.
    assert ERROR_CLASS not in (report.out / "notebooks" / "01_first.html").read_text(
        encoding="utf-8"
    )
    args = ["--root", str(root), "--executed", str(executed), "--out", str(tmp_path / "site2")]
    result = CliRunner().invoke(cli.main, ["course", "site", *args])
    assert result.exit_code == 1
    assert "error output: notebooks/02_more.html: cell 2: ZeroDivisionError" in result.output


def test_a_failed_build_leaves_the_previous_site(
    course: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, executed = course
    out = tmp_path / "site"
    build_site(executed, root, out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    (root / "exercises" / "02_broken.ipynb").write_text("{not json", encoding="utf-8")
    with pytest.raises(CourseError, match=r"02_broken\.ipynb: not a readable notebook"):
        build_site(executed, root, out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site")] == []


def test_a_rebuild_replaces_the_site_whole(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    out = tmp_path / "site"
    build_site(executed, root, out, solutions=True)
    build_site(executed, root, out)
    assert not (out / "solutions").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "course", "site"]


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda root, executed, out: executed.rename(executed.with_name("gone")), "not a folder"),
        (lambda root, executed, out: (out / "x.txt").write_text("mine"), "not a course website"),
        (
            lambda root, executed, out: (
                (root / "notebooks" / "01_first.ipynb").unlink()
                or (root / "notebooks" / "02_more.ipynb").unlink()
            ),
            "no lessons",
        ),
    ],
    ids=["no-executed-folder", "out-is-not-a-site", "no-lessons"],
)
def test_problems_are_one_clear_error(
    course: tuple[Path, Path], tmp_path: Path, make: object, match: str
) -> None:
    root, executed = course
    out = tmp_path / "site"
    out.mkdir()
    make(root, executed, out)  # type: ignore[operator]
    with pytest.raises(CourseError, match=match):
        build_site(executed, root, out)


def test_the_cli_prints_the_index_and_counts(course: tuple[Path, Path], tmp_path: Path) -> None:
    root, executed = course
    out = tmp_path / "site"
    args = ["course", "site", "--root", str(root), "--executed", str(executed), "--out", str(out)]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'index.html'} (2 lessons (1 without outputs), 1 exercises)." in (
        result.output
    )
    assert "link shown as text: notebooks/01_first.html: ../solutions/01_first.ipynb" in (
        result.output
    )
    result = CliRunner().invoke(cli.main, [*args[:-2], "--out", str(root)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_first_heading() -> None:
    nb = new_notebook([code("x = 1"), markdown("Intro\n\n## 03 · Data tests ##\n# later")])
    assert first_heading(nb) == "03 · Data tests"
    assert first_heading(new_notebook([markdown("no heading")])) is None
