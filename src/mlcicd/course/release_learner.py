"""The files a learner release writes for learners, instead of the instructor's.

* ``README.md``: what the course is, the two set-up commands (``make lab``,
  ``make test``), Binder, the dev container and conda, the lessons with their
  exercises, and how checkpoints, ``grade_me()`` and hidden cases work;
* ``Makefile``: ``make lab`` and ``make test`` (which grades the learner's own
  exercises with the public cases and fails until every checkpoint passes);
* ``.github/workflows/checks.yml``: ``make test`` on every push;
* ``exercises/README.md``: how to work an exercise and check it;
* ``pyproject.toml``: the instructor's, without the instructor-only ``dev``
  extra, so installing the release needs only what ``pip download '.[grade]'``
  fetches.

The fixed texts live beside this module in ``release_files/``.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from mlcicd.exceptions import CourseError

#: The extras of pyproject.toml only the instructor's repository needs (its test suite).
INSTRUCTOR_EXTRAS = ("dev",)
_HEADING = re.compile(r"^#+\s*(.+?)\s*$")


def template(name: str) -> str:
    """Return the text of ``release_files/<name>``."""
    return resources.files("mlcicd.course").joinpath("release_files", name).read_text("utf-8")


def learner_files(root: Path, pyproject: str) -> dict[str, str]:
    """Return ``{release path: text}`` of every file written for learners.

    Args:
        root: The instructor's course folder (its lessons and manifest are read).
        pyproject: The instructor's ``pyproject.toml``.

    Raises:
        CourseError: When the manifest or pyproject.toml cannot be read.
    """
    return {
        "README.md": learner_readme(root),
        "Makefile": template("Makefile"),
        ".github/workflows/checks.yml": template("checks.yml"),
        "exercises/README.md": template("exercises_README.md.tmpl"),
        "pyproject.toml": learner_pyproject(pyproject),
    }


#: The screenshot the README shows, when the course has it.
SCREENSHOT = "docs/images/jupyterlab_exercise.png"
_SCREENSHOT_ALT = (
    "An exercise in JupyterLab: a solution typed into the first cell, its checkpoint "
    'printing "Checkpoint 02.1 passed (2/2 points)"'
)


def learner_readme(root: Path) -> str:
    """Return the learner README, with a table of the lessons and their exercises."""
    shot = f"![{_SCREENSHOT_ALT}]({SCREENSHOT})" if (root / SCREENSHOT).is_file() else ""
    text = template("README.md.tmpl").replace("{{LESSONS}}", lesson_table(root))
    return text.replace("{{SCREENSHOT}}", shot) if shot else text.replace("{{SCREENSHOT}}\n\n", "")


def lesson_table(root: Path) -> str:
    """Return a Markdown table: each lesson (linked, by title) and its exercise."""
    exercises = {entry["name"][:2]: entry for entry in read_manifest(root).get("exercises", [])}
    rows = ["| lesson | exercise |", "| --- | --- |"]
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        title = _title(path).replace("|", "\\|")
        entry = exercises.get(path.name[:2])
        exercise = ""
        if entry is not None:
            count = len(entry.get("checkpoints", []))
            points = entry.get("max_score", 0)
            exercise = (
                f"[{entry['name']}](exercises/{entry['notebook']}): "
                f"{_plural(count, 'checkpoint')}, {_plural(points, 'point')}"
            )
        rows.append(f"| [{title}](notebooks/{path.name}) | {exercise} |")
    return "\n".join(rows)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def read_manifest(root: Path) -> dict[str, Any]:
    """Return ``exercises/manifest.json``.

    Raises:
        CourseError: When it is missing or not a JSON object.
    """
    path = root / "exercises" / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CourseError(
            f"cannot read the exercise manifest ({error}); run `mlcicd course build`",
            path=str(path),
        ) from None
    if not isinstance(data, dict):
        raise CourseError("the manifest is not a JSON object", path=str(path))
    return data


def _title(notebook: Path) -> str:
    """The first Markdown heading of a lesson, else its file name."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        cells = []
    for cell in cells:
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", "")).splitlines():
                match = _HEADING.match(line)
                if match:
                    return match.group(1)
    return notebook.stem


def learner_pyproject(text: str) -> str:
    """Return ``pyproject.toml`` without :data:`INSTRUCTOR_EXTRAS`, nothing else changed.

    The edit is made on the text, to keep its comments, and checked by parsing
    both versions: they must differ by exactly those extras.

    Raises:
        CourseError: When the file does not parse or the extras cannot be cut out cleanly.
    """
    original = _parse(text)
    lines = text.splitlines(keepends=True)
    for extra in INSTRUCTOR_EXTRAS:
        lines = _drop_array(lines, extra)
    result = "".join(lines)
    expected = copy.deepcopy(original)
    extras = expected.get("project", {}).get("optional-dependencies", {})
    for extra in INSTRUCTOR_EXTRAS:
        extras.pop(extra, None)
    try:
        clean = tomllib.loads(result) == expected
    except tomllib.TOMLDecodeError:
        clean = False
    if not clean:
        raise CourseError(
            f"could not remove the {', '.join(INSTRUCTOR_EXTRAS)} extra cleanly; write it "
            "as `name = [` ... `]` on lines of its own in [project.optional-dependencies]",
            path="pyproject.toml",
        )
    return result


def _parse(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"not valid TOML: {error}", path="pyproject.toml") from None


def _drop_array(lines: list[str], key: str) -> list[str]:
    """Remove the lines of ``key = [`` ... ``]`` (the array's own lines), if present."""
    start = next((i for i, ln in enumerate(lines) if re.match(rf"{key}\s*=\s*\[", ln)), None)
    if start is None:
        return lines
    end = start
    while end < len(lines) and not lines[end].rstrip().endswith("]"):
        end += 1
    return lines[:start] + lines[end + 1 :]
