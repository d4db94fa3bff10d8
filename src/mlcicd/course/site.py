"""Render the course as a static website, to read before running it (``make site``).

:func:`build_site` turns the **executed** lessons (the copies ``make course``
writes, outputs and figures included) and the **unexecuted** exercises (and,
when asked, the solutions) into HTML with nbconvert's ``lab`` template, plus an
``index.html`` whose table of contents pairs each lesson with its exercise.

Links inside the pages are rewritten so none is broken:

* ``X.ipynb`` that is a page of the site becomes ``X.html``;
* a solution left out of the site, a folder, or a path outside the course
  becomes plain text (the link is dropped);
* any other file of the course (``../README.md``, a data file) is copied under
  the site at the same relative path, so the link keeps working;
* ``http(s)``, ``mailto`` and ``#anchor`` links stay as they are.

A lesson missing from the executed folder (lesson 09 is skipped where Node.js
is missing) is rendered unexecuted, with a note saying why. A cell with an
error output gets the tag :data:`ERROR_TAG` (nbconvert writes it as the class
:data:`ERROR_CLASS`) and is listed in :attr:`SiteReport.errors`. The site is
built in a temporary folder next to ``out`` and swapped in at the end, so a
failed build leaves the previous site (or none), never half of one.
"""

from __future__ import annotations

import html
import posixpath
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from mlcicd.course.execute import missing_requirement
from mlcicd.course.notebook import read
from mlcicd.exceptions import CourseError

if TYPE_CHECKING:
    from nbconvert import HTMLExporter
    from nbformat import NotebookNode

#: Cell tag given to a cell with an error output; nbconvert renders it as :data:`ERROR_CLASS`.
ERROR_TAG = "error-output"
ERROR_CLASS = f"celltag_{ERROR_TAG}"
#: Class of the note shown at the top of a lesson rendered without its outputs.
UNEXECUTED_CLASS = "site-unexecuted"

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//")
_ANCHOR = re.compile(
    r'<a\b(?P<attrs>[^>]*?)\bhref="(?P<url>[^"]*)"(?P<rest>[^>]*)>(?P<text>.*?)</a>', re.S
)
_SRC = re.compile(r'(?P<pre>\bsrc=")(?P<url>[^"]*)(?P<post>")')
_BODY = re.compile(r"(<body\b[^>]*>)(.*)(</body>)", re.S)
_MAIN = re.compile(r"<main>")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)


@dataclass(frozen=True)
class SitePage:
    """One notebook rendered as a page.

    Attributes:
        source: The notebook rendered (the executed copy, when there is one).
        page: The page, relative to the site folder (``notebooks/02_unit_tests.html``).
        title: The notebook's first markdown heading (its file name when it has none).
        note: Why a lesson is shown without outputs, or None.
    """

    source: Path
    page: str
    title: str
    note: str | None = None

    @property
    def kind(self) -> str:
        """``notebooks``, ``exercises`` or ``solutions``: the page's folder."""
        return self.page.split("/")[0]


@dataclass(frozen=True)
class SiteReport:
    """What :func:`build_site` wrote.

    Attributes:
        out: The site folder.
        pages: Every page, lessons first, then exercises, then solutions.
        copied: Course files copied into the site because a page links them (relative paths).
        dropped: Links turned into plain text, as ``page: target``.
        errors: Error outputs found, as ``page: cell N: ename: evalue``.
    """

    out: Path
    pages: tuple[SitePage, ...]
    copied: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    @property
    def index(self) -> Path:
        """The site's start page."""
        return self.out / "index.html"

    def count(self, kind: str) -> int:
        """Number of pages of one kind (``notebooks``, ``exercises``, ``solutions``)."""
        return sum(page.kind == kind for page in self.pages)

    @property
    def unexecuted(self) -> tuple[SitePage, ...]:
        """Lessons shown without outputs."""
        return tuple(page for page in self.pages if page.note is not None)


def build_site(executed: Path, root: Path, out: Path, *, solutions: bool = False) -> SiteReport:
    """Render the course into a static website in ``out``.

    Args:
        executed: Folder of the executed lessons (``build/course/notebooks``).
        root: The course folder (holds ``notebooks/``, ``exercises/``, ``solutions/``).
        out: The site folder; replaced as a whole when the build succeeds.
        solutions: Also render ``solutions/`` (left out by default).

    Returns:
        What was written.

    Raises:
        CourseError: When ``root`` has no lessons, ``executed`` is not a folder,
            ``out`` holds something other than a site, or a notebook cannot be rendered.
    """
    root, executed, out = Path(root), Path(executed), Path(out)
    lessons = sorted((root / "notebooks").glob("*.ipynb"))
    if not lessons:
        raise CourseError(f"no lessons in {root / 'notebooks'}: is --root the course folder?")
    if not executed.is_dir():
        raise CourseError(
            f"{executed} is not a folder of executed lessons: run `make course LESSONS=notebooks` "
            "first, or `make site`, which does both."
        )
    _check_replaceable(out, root)
    sources = [(_lesson_source(lesson, executed), "notebooks", lesson) for lesson in lessons]
    folders = ["exercises", *(["solutions"] if solutions else [])]
    sources += [
        ((nb, None), folder, nb)
        for folder in folders
        for nb in sorted((root / folder).glob("*.ipynb"))
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        report = _render_all(sources, root, staging)
        _write_index(staging, report.pages)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SiteReport(out, report.pages, report.copied, report.dropped, report.errors)


def _check_replaceable(out: Path, root: Path) -> None:
    if not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / "index.html").is_file()):
        raise CourseError(
            f"{out} exists and is not a course website (no index.html): "
            "choose another --out, or remove it first."
        )
    if out.resolve() in (root.resolve(), *root.resolve().parents):
        raise CourseError(f"{out} holds the course itself: choose another --out.")


def _lesson_source(lesson: Path, executed: Path) -> tuple[Path, str | None]:
    copy = executed / lesson.name
    if copy.is_file():
        return copy, None
    why = missing_requirement(lesson)
    reason = why if why else f"it was not found among the executed lessons in {executed}."
    return lesson, f"This lesson is shown without its outputs: {reason}"


@dataclass
class _Build:
    pages: tuple[SitePage, ...]
    copied: tuple[str, ...]
    dropped: tuple[str, ...]
    errors: tuple[str, ...]


def _render_all(
    sources: list[tuple[tuple[Path, str | None], str, Path]], root: Path, staging: Path
) -> _Build:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    planned = {
        f"{folder}/{original.name}": f"{folder}/{original.stem}.html"
        for _, folder, original in sources
    }
    pages, copied, dropped, errors = [], set(), [], []
    for (source, note), folder, original in sources:
        nb = read(source)
        page = planned[f"{folder}/{original.name}"]
        title = first_heading(nb) or original.stem
        page_errors = [f"{page}: {error}" for error in _tag_errors(nb)]
        errors += page_errors
        body = _export(exporter, nb, title, source)
        links = _Links(root, f"{folder}/{original.name}", page, planned, staging)
        body = links.rewrite(body)
        body = _add_notes(body, note, has_errors=bool(page_errors))
        target = staging / page
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
        pages.append(SitePage(source, page, title, note))
        copied |= links.copied
        dropped += [f"{page}: {url}" for url in links.dropped]
    return _Build(tuple(pages), tuple(sorted(copied)), tuple(dropped), tuple(errors))


def first_heading(nb: NotebookNode) -> str | None:
    """Return the text of the notebook's first markdown heading, or None."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (match := _HEADING.search(cell.source)):
            return match.group(1)
    return None


def _tag_errors(nb: NotebookNode) -> list[str]:
    found = []
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                tags = cell.setdefault("metadata", {}).setdefault("tags", [])
                if ERROR_TAG not in tags:
                    tags.append(ERROR_TAG)
                found.append(f"cell {number}: {output.get('ename')}: {output.get('evalue')}")
    return [line.splitlines()[0] if line else line for line in found]


def _export(exporter: HTMLExporter, nb: NotebookNode, title: str, source: Path) -> str:
    try:
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    except Exception as error:  # nbconvert raises many kinds, from its templates and filters
        raise CourseError(
            f"cannot render it as HTML ({type(error).__name__}: {error})".splitlines()[0],
            path=str(source),
        ) from None
    return body


def _add_notes(body: str, note: str | None, *, has_errors: bool) -> str:
    banners = []
    if note:
        banners.append(f'<div class="{UNEXECUTED_CLASS}"><p>{html.escape(note)}</p></div>')
    if has_errors:
        banners.append(
            '<div class="site-errors"><p>This page shows an error output: a cell failed '
            "when the course was run.</p></div>"
        )
    if not banners:
        return body
    style = "border:1px solid #c90;background:#fff8e6;padding:0.5em 1em;margin:1em"
    joined = "".join(b.replace("<div ", f'<div style="{style}" ', 1) for b in banners)
    return _MAIN.sub(lambda m: m.group(0) + joined, body, count=1)


class _Links:
    """Rewrites the links of one page (see the module docstring for the rules)."""

    def __init__(
        self, root: Path, notebook: str, page: str, planned: dict[str, str], staging: Path
    ) -> None:
        self.root, self.notebook, self.page = root, notebook, page
        self.planned, self.staging = planned, staging
        self.copied: set[str] = set()
        self.dropped: list[str] = []

    def rewrite(self, document: str) -> str:
        """Return ``document`` with the links of its body rewritten."""
        return _BODY.sub(
            lambda m: m.group(1) + self._body(m.group(2)) + m.group(3), document, count=1
        )

    def _body(self, body: str) -> str:
        body = _ANCHOR.sub(self._anchor, body)
        return _SRC.sub(self._src, body)

    def _anchor(self, match: re.Match[str]) -> str:
        url = html.unescape(match.group("url"))
        new = self.resolve(url)
        if new is None:
            self.dropped.append(url)
            return f'<span class="site-unlinked">{match.group("text")}</span>'
        attrs = f'{match.group("attrs")}href="{html.escape(new)}"{match.group("rest")}'
        return f"<a{attrs}>{match.group('text')}</a>"

    def _src(self, match: re.Match[str]) -> str:
        new = self.resolve(html.unescape(match.group("url")))
        url = match.group("url") if new is None else html.escape(new)
        return f"{match.group('pre')}{url}{match.group('post')}"

    def resolve(self, url: str) -> str | None:
        """Return what ``url`` becomes in the site, or None to drop the link."""
        if not url or url.startswith("#") or _SCHEME.match(url):
            return url
        path, _, fragment = url.partition("#")
        path = path.partition("?")[0]
        suffix = f"#{fragment}" if fragment else ""
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.notebook), unquote(path)))
        if target == ".." or target.startswith("../") or target.startswith("/"):
            return None
        here = posixpath.dirname(self.page)
        if target in self.planned:
            return posixpath.relpath(self.planned[target], here) + suffix
        file = self.root / target
        if target.endswith(".ipynb") and target.startswith("solutions/"):
            return None  # a solution left out of the site
        if not file.is_file():
            return None
        copy = self.staging / target
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file, copy)
        self.copied.add(target)
        return posixpath.relpath(target, here) + suffix


def _write_index(staging: Path, pages: tuple[SitePage, ...]) -> None:
    by_name = {(page.kind, Path(page.page).stem): page for page in pages}
    with_solutions = any(page.kind == "solutions" for page in pages)
    head = "<tr><th>Lesson</th><th>Exercise</th>" + ("<th>Solution</th>" if with_solutions else "")
    rows = [head + "</tr>"]
    shown = set()
    for lesson in (page for page in pages if page.kind == "notebooks"):
        stem = Path(lesson.page).stem
        cells = [_cell(lesson)]
        cells += [
            _cell(by_name.get((kind, stem)))
            for kind in ("exercises", "solutions")[: 1 + with_solutions]
        ]
        shown |= {("exercises", stem), ("solutions", stem)}
        rows.append("<tr>" + "".join(cells) + "</tr>")
    for page in pages:  # an exercise with no lesson of the same name still gets a row
        if page.kind != "notebooks" and (page.kind, Path(page.page).stem) not in shown:
            rows.append(f"<tr><td>&mdash;</td>{_cell(page)}</tr>")
    title = "CI/CD Test Automation for Machine Learning Workflows"
    document = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.4em 0.8em; text-align: left; }}
.{UNEXECUTED_CLASS} {{ color: #8a5a00; font-size: 0.9em; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p>Read the lessons here before you run them: each lesson shows the outputs and figures it
produced when the course was last run; the exercises are shown as you get them, to fill in.</p>
<p>To run the course yourself, clone it and run <code>make lab</code>: it installs the course and
opens it in JupyterLab at the start page.</p>
<h2>Contents</h2>
<table>
{chr(10).join(rows)}
</table>
</body>
</html>
"""
    (staging / "index.html").write_text(document, encoding="utf-8")


def _cell(page: SitePage | None) -> str:
    if page is None:
        return "<td>&mdash;</td>"
    note = f' <span class="{UNEXECUTED_CLASS}">(not executed)</span>' if page.note else ""
    return f'<td><a href="{html.escape(page.page)}">{html.escape(page.title)}</a>{note}</td>'


def _swap(staging: Path, out: Path) -> None:
    staging.chmod(0o755)  # mkdtemp makes it private; a site is for reading
    if not out.exists():
        staging.replace(out)
        return
    old = out.with_name(f".{out.name}-old-{staging.name}")
    out.replace(old)
    staging.replace(out)
    shutil.rmtree(old, ignore_errors=True)
