"""Rules every course notebook follows (``mlcicd course lint``).

Each rule is a small pure function that takes one notebook (its path, its
kind and its cells) and yields findings with a stable code, the cell, a message
and a fix. :data:`RULES` holds them in order; :func:`lint_notebooks` runs them
over ``notebooks/``, ``solutions/`` and ``exercises/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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


@dataclass(frozen=True)
class Finding:
    """One problem in one notebook.

    Attributes:
        code: Stable rule code, e.g. ``CO002``.
        path: The notebook.
        cell: 1-based cell number, or None for the whole notebook.
        message: What is wrong.
        fix: What to do.
    """

    code: str
    path: str
    cell: int | None
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.path}:cell {self.cell}" if self.cell else self.path
        return f"{where}: {self.code} {self.message} ({self.fix})"


Hit = tuple[int | None, str, str]

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


def rule_kernel(subject: Subject) -> Iterator[Hit]:
    """The notebook names the ``python3`` kernel, which ``make lab`` installs."""
    name = subject.nb.metadata.get("kernelspec", {}).get("name")
    if name != KERNELSPEC["name"]:
        yield None, f"names the kernel {name!r}", 'set the kernel to "Python 3 (ipykernel)"'


def rule_absolute_paths(subject: Subject) -> Iterator[Hit]:
    """No absolute path of a machine, in sources or outputs."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        for text in (_text(cell.source), *_output_texts(cell)):
            found = _ABSOLUTE.search(text)
            if found:
                yield (
                    number,
                    f"holds the absolute path {found.group(0)!r}",
                    ("use a path relative to the notebook, tempfile, or package data"),
                )
                break


def rule_machine_values(subject: Subject) -> Iterator[Hit]:
    """No output holds a value that changes between machines or runs."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        for text in _output_texts(cell):
            for pattern, what in _MACHINE:
                if pattern.search(text):
                    yield number, f"an output holds {what}", "clear the outputs before committing"
                    break


def rule_outputs_cleared(subject: Subject) -> Iterator[Hit]:
    """Only checkpoint cells keep an output (their expected line); no execution counts."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        if cell.cell_type != "code" or checkpoint_info(cell) is not None:
            continue
        if cell.get("execution_count") is not None or cell.get("outputs"):
            yield (
                number,
                "was saved with outputs",
                ("clear the outputs (Edit > Clear Outputs of All Cells) before committing"),
            )


def rule_checkpoint_canonical(subject: Subject) -> Iterator[Hit]:
    """A checkpoint cell is exactly the canonical, locked cell with its success line."""
    for number, cell in enumerate(subject.nb.cells, start=1):
        info = checkpoint_info(cell)
        if info is None:
            if cell.cell_type == "code" and _text(cell.source).startswith(CHECK_OUTPUT_MARKER):
                yield (
                    number,
                    f"starts with {CHECK_OUTPUT_MARKER} but is no checkpoint",
                    ("make it with mlcicd.course.notebook.checkpoint_cell"),
                )
            continue
        try:
            canonical = checkpoint_cell(*info)
        except CourseError as error:
            yield number, error.message, "make it with mlcicd.course.notebook.checkpoint_cell"
            continue
        same = (
            _text(cell.source) == canonical.source
            and {k: v for k, v in cell.metadata.items()} == dict(canonical.metadata)
            and [dict(o) for o in cell.get("outputs", [])] == [dict(o) for o in canonical.outputs]
        )
        if not same:
            yield (
                number,
                f"checkpoint {info[0]} differs from its canonical form",
                ("rebuild it with mlcicd.course.notebook.checkpoint_cell"),
            )


def rule_checkpoint_count(subject: Subject) -> Iterator[Hit]:
    """An exercise has 3 to 6 checkpoints."""
    if subject.kind != "solution":
        return
    count = sum(checkpoint_info(cell) is not None for cell in subject.nb.cells)
    if not 3 <= count <= 6:
        yield None, f"has {count} checkpoints", "give each exercise 3 to 6 checkpoints"


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
            yield None, f"has no {what}", f"add a markdown heading '{words.capitalize()}'"
    if "Quiz(" not in source:
        yield None, "has no quiz", "end with a Quiz(...) cell from mlcicd.course"
    if not any(
        cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", [])
        for cell in subject.nb.cells
    ):
        yield (
            None,
            "has no parameters cell",
            "tag one code cell 'parameters' holding the knobs a learner may turn (papermill)",
        )
    name = Path(subject.path).name
    if name in subject.lessons:
        position = subject.lessons.index(name)
        following = subject.lessons[position + 1 : position + 2]
        if following and f"({following[0]})" not in prose:
            yield (
                None,
                f"does not link the next lesson {following[0]}",
                (f"end with a markdown link [Next: ...]({following[0]})"),
            )


#: The rules, in the order they report: (code, rule).
RULES: tuple[tuple[str, Callable[[Subject], Iterator[Hit]]], ...] = (
    ("CO001", rule_kernel),
    ("CO002", rule_absolute_paths),
    ("CO003", rule_machine_values),
    ("CO004", rule_outputs_cleared),
    ("CO005", rule_checkpoint_canonical),
    ("CO006", rule_checkpoint_count),
    ("CO007", rule_lesson_sections),
)


def lint_notebook(path: Path, kind: str, lessons: tuple[str, ...] = ()) -> list[Finding]:
    """Run every rule on one notebook.

    Args:
        path: The notebook, relative to the course folder (as reported).
        kind: ``lesson``, ``solution`` or ``exercise``.
        lessons: Every lesson's file name, in order.

    Raises:
        CourseError: When the file is not a readable notebook.
    """
    subject = Subject(str(path), kind, read(path), lessons)
    return [
        Finding(code, subject.path, cell, message, fix)
        for code, rule in RULES
        for cell, message, fix in rule(subject)
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
            found = lint_notebook(path, kind, lessons)
            findings += [_relative(f, path, root) for f in found]
    return findings


def _relative(finding: Finding, path: Path, root: Path) -> Finding:
    return Finding(
        finding.code, str(path.relative_to(root)), finding.cell, finding.message, finding.fix
    )
