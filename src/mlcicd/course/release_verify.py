"""The learner release's last gate: no answer, no hidden case, no instructor file.

:func:`scan_files` reads every file of a release (before it is written, or a
folder already written, with :func:`scan_folder`) and returns what must not be
there, each as a :class:`Leak` naming the file and the line or cell:

* **instructor-only files**: ``solutions/``, ``tests/`` (their inputs are hidden
  cases), ``benchmarks/``, the instructor guide, the grading CI;
* **hidden cases**: a call to ``hidden_case(...)`` or a hidden-region marker
  line (``# BEGIN HIDDEN CASES``) in code. In Python the scan reads the syntax
  tree and the comments, so the toolkit that *defines* ``hidden_case`` and
  documents the markers in docstrings is not flagged; other files are read as
  text;
* **solution text**: every line between ``### BEGIN SOLUTION`` and ``### END
  SOLUTION`` in ``solutions/*.ipynb`` that is :data:`MIN_SOLUTION_LINE`
  characters or longer once stripped. Lines the exercises themselves give out
  (their instructions, skeletons and code outside the solution regions) are not
  answers. Lines a lesson or the toolkit shares with a solution on purpose are
  listed, per file, in ``solutions/release-allow.txt`` (:data:`ALLOW_FILE`),
  which only the instructor's copy holds;
* **broken links**: a Markdown link (in ``.md`` files and notebook Markdown
  cells) to a file the release does not hold, e.g. to ``../solutions/``.
"""

from __future__ import annotations

import ast
import io
import json
import posixpath
import re
import tokenize
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from mlcicd.course.checkpoint import HIDDEN_BEGIN, HIDDEN_END
from mlcicd.course.notebook import BEGIN_SOLUTION, read, solution_regions
from mlcicd.exceptions import CourseError

#: Solution lines shorter than this (stripped) are too common to be answers (``return out``).
MIN_SOLUTION_LINE = 30
#: The instructor's reviewed list of solution lines a released file may share, and where.
ALLOW_FILE = "solutions/release-allow.txt"
#: Paths (a folder ends with ``/``) that only the instructor's repository holds.
INSTRUCTOR_ONLY: tuple[str, ...] = (
    "solutions/",
    "tests/",
    "benchmarks/",
    "buildspecs/",
    "docs/instructor-guide.md",
    ".github/workflows/grade.yml",
    "scripts/make_grading_buildspec.py",
)
_MARKERS = (HIDDEN_BEGIN, HIDDEN_END)
_HIDDEN_CALL = re.compile(r"\bhidden_case\s*\(")
_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Leak:
    """One thing a learner must not get, in one released file.

    Attributes:
        path: The file, relative to the release (``src/mlcicd/course/checks/ex02.py``).
        where: ``line N`` or ``cell N``, or "" for the whole file.
        what: What was found there, and from where.
    """

    path: str
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}{f' ({self.where})' if self.where else ''}: {self.what}"


@dataclass(frozen=True)
class SolutionLine:
    """One line of a solution body.

    Attributes:
        text: The line, stripped.
        source: Where it comes from, e.g. ``solutions/02_unit_tests.ipynb cell 4``.
    """

    text: str
    source: str


@dataclass(frozen=True)
class Answers:
    """What the scan looks for, read once from the instructor's course folder.

    Attributes:
        lines: Solution lines that no exercise gives out.
        allowed: ``(released file, solution line)`` pairs the instructor allowed.
    """

    lines: tuple[SolutionLine, ...]
    allowed: frozenset[tuple[str, str]] = frozenset()


def load_answers(root: Path) -> Answers:
    """Read the solution lines of ``root/solutions/*.ipynb`` and the allowed pairs.

    Raises:
        CourseError: For an unreadable solution, or a malformed allow file.
    """
    found: dict[str, str] = {}
    given: list[str] = []
    for path in sorted((root / "solutions").glob("*.ipynb")):
        source = f"solutions/{path.name}"
        for index, cell in enumerate(read(path).cells):
            secret, public = _split_cell(cell, f"{source} cell {index + 1}")
            given.append(public)
            for text in secret:
                found.setdefault(text, f"{source} cell {index + 1}")
    handed_out = "\n".join(given)
    lines = tuple(SolutionLine(t, s) for t, s in found.items() if t not in handed_out)
    return Answers(lines, read_allowed(root / ALLOW_FILE))


def _split_cell(cell: Mapping, where: str) -> tuple[list[str], str]:
    """Return a cell's long solution lines and the text it gives out (all else)."""
    source = "".join(cell.get("source", ""))
    if cell.get("cell_type") != "code" or BEGIN_SOLUTION not in source:
        return [], source
    lines = source.splitlines()
    inside: set[int] = set()
    instructions: list[str] = []  # each becomes the exercise's "# TODO:" line
    try:
        regions = solution_regions(source)
    except CourseError as error:
        raise CourseError(f"{where}: {error.message}") from None
    for begin, end, instruction in regions:
        inside.update(range(begin + 1, end))
        instructions.append(instruction)
    secret = [
        line.strip()
        for number, line in enumerate(lines)
        if number in inside and len(line.strip()) >= MIN_SOLUTION_LINE
    ]
    public = [line for number, line in enumerate(lines) if number not in inside]
    return secret, "\n".join(public + instructions)


def read_allowed(path: Path) -> frozenset[tuple[str, str]]:
    """Read ``<released file> | <solution line>`` pairs; ``#`` starts a comment line.

    Raises:
        CourseError: Naming the line, when one has no ``" | "``.
    """
    if not path.is_file():
        return frozenset()
    pairs = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        file, sep, line = raw.partition(" | ")
        if not sep or not file.strip() or not line.strip():
            raise CourseError(
                f"line {number}: expected '<released file> | <solution line>', got {raw!r}",
                path=str(path),
            )
        pairs.add((file.strip(), line.strip()))
    return frozenset(pairs)


def scan_files(files: Mapping[str, bytes], answers: Answers) -> list[Leak]:
    """Return every leak in a release, given as ``{relative path: content}``."""
    leaks: list[Leak] = []
    folders = {posixpath.dirname(p) for p in files}
    folders |= {"/".join(f.split("/")[:i]) for f in folders for i in range(1, f.count("/") + 1)}
    for path in sorted(files):
        if instructor_only(path):
            leaks.append(Leak(path, "", "an instructor-only file; the release must leave it out"))
            continue
        try:
            text = files[path].decode("utf-8")
        except UnicodeDecodeError:
            continue  # an image: holds no answer text
        views = list(_views(path, text))
        for where, kind, view in views:
            leaks += [Leak(path, w, what) for w, what in _hidden(kind, view, where)]
            leaks += [
                Leak(path, w, what) for w, what in _links(path, kind, view, where, files, folders)
            ]
        leaks += _solution_lines(path, text, views, answers)
    return leaks


def scan_folder(folder: Path, root: Path) -> list[Leak]:
    """Scan a written release ``folder`` against the course at ``root`` (its solutions)."""
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }
    return scan_files(files, load_answers(root))


def instructor_only(path: str) -> bool:
    """Whether ``path`` (relative, POSIX) is one of :data:`INSTRUCTOR_ONLY`."""
    return any(
        path.startswith(item) if item.endswith("/") else path == item for item in INSTRUCTOR_ONLY
    )


def _views(path: str, text: str) -> Iterator[tuple[str, str, str]]:
    """Yield ``(where, kind, text)``: the file, or each cell of a notebook.

    ``kind`` is ``python``, ``markdown`` or ``text``; ``where`` is "" or ``cell N``.
    """
    if path.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            cells = None
        if isinstance(cells, list):
            for index, cell in enumerate(cells):
                source = "".join(cell.get("source", "")) if isinstance(cell, dict) else ""
                kind = {"code": "python", "markdown": "markdown"}.get(cell.get("cell_type"), "text")
                outputs = "\n".join(_output_texts(cell))
                yield f"cell {index + 1}", kind, source
                if outputs:
                    yield f"cell {index + 1}", "text", outputs
            return
    kind = "python" if path.endswith(".py") else "markdown" if path.endswith(".md") else "text"
    yield "", kind, text


def _output_texts(cell: Mapping) -> Iterator[str]:
    for output in cell.get("outputs", []) or []:
        if not isinstance(output, dict):
            continue
        yield "".join(output.get("text", ""))
        for value in (output.get("data") or {}).values():
            if isinstance(value, (str, list)):
                yield "".join(value)


def _at(where: str, line: int) -> str:
    return where if where else f"line {line}"


def _hidden(kind: str, text: str, where: str) -> Iterator[tuple[str, str]]:
    """Yield ``(where, what)`` for each hidden-case call or marker in one view."""
    hits = _hidden_in_python(text) if kind == "python" else None
    if hits is None:
        hits = [(n, "a hidden_case(...) call") for n in _text_lines(text, _HIDDEN_CALL)]
        hits += [
            (n, f"a hidden-region marker ({line.strip()})")
            for n, line in enumerate(text.splitlines(), 1)
            if line.strip() in _MARKERS
        ]
    for line, what in sorted(hits):
        yield _at(where, line), f"{what}: hidden cases stay on the instructor's machine"


def _text_lines(text: str, pattern: re.Pattern[str]) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def _hidden_in_python(source: str) -> list[tuple[int, str]] | None:
    """Hidden-case calls and marker comments in Python code, or None when it does not parse."""
    # IPython magics and shell escapes are not Python: blank them, keeping line numbers.
    plain = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n"))
    try:
        tree = ast.parse(plain)
        tokens = list(tokenize.generate_tokens(io.StringIO(plain).readline))
    except (SyntaxError, tokenize.TokenError, ValueError):
        return None
    hits = [
        (node.lineno, "a hidden_case(...) call")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _called_name(node.func) == "hidden_case"
    ]
    hits += [
        (tok.start[0], f"a hidden-region marker ({tok.string.strip()})")
        for tok in tokens
        if tok.type == tokenize.COMMENT and tok.string.strip() in _MARKERS
    ]
    return hits


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def _links(
    path: str,
    kind: str,
    text: str,
    where: str,
    files: Mapping[str, bytes],
    folders: set[str],
) -> Iterator[tuple[str, str]]:
    """Yield each relative Markdown link to a file or folder the release does not hold."""
    if kind != "markdown":
        return
    base = posixpath.dirname(path)
    for match in _LINK.finditer(text):
        target = match.group(1).split("#", 1)[0].split("?", 1)[0]
        if not target or _SCHEME.match(target) or target.startswith("/"):
            continue
        resolved = posixpath.normpath(posixpath.join(base, target))
        if resolved in files or resolved in folders:
            continue
        line = text.count("\n", 0, match.start()) + 1
        yield _at(where, line), f"a link to {target}, which the release does not hold"


def _solution_lines(
    path: str, text: str, views: list[tuple[str, str, str]], answers: Answers
) -> list[Leak]:
    """One leak per solution line found in the file (its raw text or a decoded cell)."""
    leaks = []
    for solution in answers.lines:
        if (path, solution.text) in answers.allowed:
            continue
        where = next((w or "" for w, _, view in views if solution.text in view), None)
        if where is None and solution.text not in text:
            continue
        if not where:
            where = f"line {text.count(chr(10), 0, max(text.find(solution.text), 0)) + 1}"
        leaks.append(Leak(path, where, f"solution text from {solution.source}: {solution.text!r}"))
    return leaks
