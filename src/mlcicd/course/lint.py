"""Rules every course notebook follows (``mlcicd course lint``), on the one lint core.

Each rule is a small pure check registered in :data:`RULES` (a
:class:`mlcicd.lint.Registry`) by the decorator right above it, with its code
``CO0nn``, a summary, a :class:`~mlcicd.lint.Severity` and the documentation page
it rests on ("" for the course's own conventions). A check takes one notebook
(its path, its kind and its cells) and yields :class:`~mlcicd.lint.Hit` s placed
at a cell number, or None for the whole notebook; :func:`lint_notebook` turns
them into :class:`~mlcicd.lint.Finding` s, and :func:`lint_notebooks` runs the
rules over ``notebooks/``, ``solutions/`` and ``exercises/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.course.notebook import (
    CHECK_OUTPUT_MARKER,
    KERNELSPEC,
    checkpoint_cell,
    checkpoint_info,
    read,
)
from mlcicd.exceptions import CourseError
from mlcicd.lint import Finding, Hit, Registry, Severity, Where

#: The folders the course keeps notebooks in, and the kind of notebook each holds.
KINDS: dict[str, str] = {"notebooks": "lesson", "solutions": "solution", "exercises": "exercise"}


@dataclass(frozen=True)
class Subject:
    """One notebook as the rules see it.

    Attributes:
        path: Relative to the course folder, e.g. ``notebooks/02_unit_tests.ipynb``.
        kind: ``lesson``, ``solution`` or ``exercise``.
        nb: The notebook.
        lessons: File names of every lesson, in order (for the next-lesson link).
    """

    path: str
    kind: str
    nb: Any
    lessons: tuple[str, ...]


#: The course's notebook rules, registered by the decorator on each check.
RULES = Registry("course")

#: nbformat's description of the notebook file, whose top-level metadata names the kernel.
NBFORMAT = "https://nbformat.readthedocs.io/en/latest/format_description.html"
#: The fix of every rule about a checkpoint cell.
_REBUILD = "make it with mlcicd.course.notebook.checkpoint_cell"

_ABSOLUTE = re.compile(
    r"(?<![\w$.{}-])(?:/(?:home|Users|root|tmp|work|private|mnt|var/folders)(?:/[\w.-]+)+|[A-Z]:\\\\?\w)"
)
_MACHINE = (
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "an object address"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"), "a timestamp"),
    (re.compile(r"\bin \d+\.\d+s\b"), "a duration"),
)


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_texts(cell: Any) -> Iterator[str]:
    for output in cell.get("outputs", []):
        if "text" in output:
            yield _text(output["text"])
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/"):
                yield _text(value)
        if "traceback" in output:
            yield "\n".join(output["traceback"])


@RULES.rule(
    "CO001",
    "the notebook names a kernel other than python3",
    Severity.ERROR,
    url=NBFORMAT,
    example='"kernelspec": {"name": "conda-env-ml"}',
)
def rule_kernel(subject: Subject) -> Iterator[Hit]:
    """The notebook names the ``python3`` kernel, which ``make lab`` installs."""
    name = subject.nb.metadata.get("kernelspec", {}).get("name")
    if name != KERNELSPEC["name"]:
        yield Hit(None, f"names the kernel {name!r}", 'set the kernel to "Python 3 (ipykernel)"')


@RULES.rule(
    "CO002",
    "an absolute path of a machine in a cell's source or output",
    Severity.ERROR,
    url="",
    example="open('/home/ana/data.csv')",
)
def rule_absolute_paths(subject: Subject) -> Iterator[Hit]:
    """No absolute path of a machine, in sources or outputs."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        for text in (_text(cell.source), *_output_texts(cell)):
            found = _ABSOLUTE.search(text)
            if found:
                yield Hit(
                    number,
                    f"holds the absolute path {found.group(0)!r}",
                    "use a path relative to the notebook, tempfile, or package data",
                )
                break


@RULES.rule(
    "CO003",
    "an output holds an object address, a timestamp or a duration",
    Severity.ERROR,
    url="",
    example="<Model at 0x7f3a2b1c9d10>",
)
def rule_machine_values(subject: Subject) -> Iterator[Hit]:
    """No output holds a value that changes between machines or runs."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        for text in _output_texts(cell):
            for pattern, what in _MACHINE:
                if pattern.search(text):
                    yield Hit(
                        number, f"an output holds {what}", "clear the outputs before committing"
                    )
                    break


@RULES.rule(
    "CO004",
    "a code cell other than a checkpoint was saved with outputs or an execution count",
    Severity.ERROR,
    url="",
)
def rule_outputs_cleared(subject: Subject) -> Iterator[Hit]:
    """Only checkpoint cells keep an output (their expected line); no execution counts."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        if cell.cell_type != "code" or checkpoint_info(cell) is not None:
            continue
        if cell.get("execution_count") is not None or cell.get("outputs"):
            yield Hit(
                number,
                "was saved with outputs",
                "clear the outputs (Edit > Clear Outputs of All Cells) before committing",
            )


@RULES.rule(
    "CO005",
    "a checkpoint cell differs from the canonical, locked checkpoint cell",
    Severity.ERROR,
    url="",
    example="# NBVAL_CHECK_OUTPUT on a cell that is no checkpoint",
)
def rule_checkpoint_canonical(subject: Subject) -> Iterator[Hit]:
    """A checkpoint cell is exactly the canonical, locked cell with its success line."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        info = checkpoint_info(cell)
        if info is None:
            if cell.cell_type == "code" and _text(cell.source).startswith(CHECK_OUTPUT_MARKER):
                yield Hit(
                    number, f"starts with {CHECK_OUTPUT_MARKER} but is no checkpoint", _REBUILD
                )
            continue
        try:
            canonical = checkpoint_cell(*info)
        except CourseError as error:
            yield Hit(number, error.message, _REBUILD)
            continue
        same = (
            _text(cell.source) == canonical.source
            and {k: v for k, v in cell.metadata.items()} == dict(canonical.metadata)
            and [dict(o) for o in cell.get("outputs", [])] == [dict(o) for o in canonical.outputs]
        )
        if not same:
            yield Hit(
                number,
                f"checkpoint {info[0]} differs from its canonical form",
                "rebuild it with mlcicd.course.notebook.checkpoint_cell",
            )


@RULES.rule(
    "CO006",
    "an exercise has fewer than 3 or more than 6 checkpoints",
    Severity.ERROR,
    url="",
)
def rule_checkpoint_count(subject: Subject) -> Iterator[Hit]:
    """An exercise has 3 to 6 checkpoints."""
    if subject.kind != "solution":
        return
    count = sum(checkpoint_info(cell) is not None for cell in subject.nb.cells)
    if not 3 <= count <= 6:
        yield Hit(None, f"has {count} checkpoints", "give each exercise 3 to 6 checkpoints")


@RULES.rule(
    "CO007",
    "a lesson lacks objectives, a parameters cell, muddy points, a quiz or a next-lesson link",
    Severity.ERROR,
    url="",
)
def rule_lesson_sections(subject: Subject) -> Iterator[Hit]:
    """A lesson has objectives, a parameters cell, muddy points, a quiz and a next link."""
    if subject.kind != "lesson":
        return
    prose = "\n".join(
        _text(cell.source) for cell in subject.nb.cells if cell.cell_type == "markdown"
    ).lower()
    source = "\n".join(_text(cell.source) for cell in subject.nb.cells if cell.cell_type == "code")
    for words, what in (
        ("objectives", "objectives section"),
        ("muddy points", "muddy points section"),
    ):
        if words not in prose:
            yield Hit(None, f"has no {what}", f"add a markdown heading '{words.capitalize()}'")
    if "Quiz(" not in source:
        yield Hit(None, "has no quiz", "end with a Quiz(...) cell from mlcicd.course")
    if not any(
        cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", [])
        for cell in subject.nb.cells
    ):
        yield Hit(
            None,
            "has no parameters cell",
            "tag one code cell 'parameters' holding the knobs a learner may turn (papermill)",
        )
    name = Path(subject.path).name
    if name in subject.lessons:
        position = subject.lessons.index(name)
        following = subject.lessons[position + 1 : position + 2]
        if following and f"({following[0]})" not in prose:
            yield Hit(
                None,
                f"does not link the next lesson {following[0]}",
                f"end with a markdown link [Next: ...]({following[0]})",
            )


def lint_notebook(path: Path, kind: str, lessons: tuple[str, ...] = ()) -> list[Finding]:
    """Run every rule on one notebook.

    Args:
        path: The notebook, relative to the course folder (as reported).
        kind: ``lesson``, ``solution`` or ``exercise``.
        lessons: Every lesson's file name, in order.

    Returns:
        One finding per hit, in rule order, each at ``Where(path=path, cell=...)``.

    Raises:
        CourseError: When the file is not a readable notebook.
    """
    subject = Subject(str(path), kind, read(path), lessons)
    return [
        Finding(
            rule.id, rule.severity, hit.message, hit.fix, Where(path=subject.path, cell=hit.where)
        )
        for rule, hit in RULES.hits(subject)
    ]


def lint_notebooks(root: Path = Path(".")) -> list[Finding]:
    """Lint every notebook in ``notebooks/``, ``solutions/`` and ``exercises/`` under ``root``.

    Paths in the findings are relative to ``root``.
    """
    root = Path(root)
    lessons = tuple(p.name for p in sorted((root / "notebooks").glob("*.ipynb")))
    findings: list[Finding] = []
    for folder, kind in KINDS.items():
        for path in sorted((root / folder).glob("*.ipynb")):
            relative = str(path.relative_to(root))
            findings += [f.placed(path=relative) for f in lint_notebook(path, kind, lessons)]
    return findings
