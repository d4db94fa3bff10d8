"""Keep the instructor guide's generated sections equal to what the course computes.

``docs/instructor-guide.md`` is written by hand, except for blocks between

    <!-- BEGIN GENERATED: name -->
    <!-- END GENERATED: name -->

whose content comes from the course itself: ``agenda`` (times per lesson and
exercise, the one- and two-day agendas: :mod:`mlcicd.course.agenda`) and
``mistakes`` (what each checkpoint catches: :mod:`mlcicd.course.casebook`).
``mlcicd course guide`` rewrites them; ``--check`` says whether they are stale
(the tests run it), as ``mlcicd course build --check`` does for the exercises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

from mlcicd.course.notebook import write_text
from mlcicd.exceptions import CourseError

GUIDE = Path("docs") / "instructor-guide.md"
_BLOCK = re.compile(
    r"(<!-- BEGIN GENERATED: (?P<name>[a-z]+) -->\n)"
    r"(?P<body>.*?)"
    r"(<!-- END GENERATED: (?P=name) -->)",
    re.DOTALL,
)


def sections(root: Path) -> dict[str, Callable[[], str]]:
    """The generated sections, by name, as functions of the course under ``root``."""
    from mlcicd.course.agenda import agenda_markdown
    from mlcicd.course.casebook import mistakes_markdown

    return {"agenda": lambda: agenda_markdown(root), "mistakes": mistakes_markdown}


def render(text: str, generated: Mapping[str, Callable[[], str]], path: str) -> str:
    """Return ``text`` with every generated block's body replaced.

    Raises:
        CourseError: For a block with an unknown name, or a section with no block.
    """
    found: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in generated:
            raise CourseError(
                f"unknown generated block {name!r}; the blocks are {', '.join(generated)}",
                path=path,
            )
        found.add(name)
        return f"{match.group(1)}{generated[name]().strip()}\n{match.group(4)}"

    rendered = _BLOCK.sub(fill, text)
    missing = sorted(set(generated) - found)
    if missing:
        raise CourseError(
            f"no generated block for {', '.join(missing)}: add "
            f"'<!-- BEGIN GENERATED: {missing[0]} -->' and its END line",
            path=path,
        )
    return rendered


def update_guide(root: Path = Path("."), *, check: bool = False) -> bool:
    """Rewrite the guide's generated blocks (or, with ``check``, only compare them).

    Returns:
        True when the guide was (or, with ``check``, is) up to date before the call.

    Raises:
        CourseError: When the guide is missing or its blocks are malformed.
    """
    path = root / GUIDE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CourseError(
            f"cannot read the instructor guide ({error.strerror})", path=str(path)
        ) from None
    rendered = render(text, sections(root), str(path))
    if rendered != text and not check:
        write_text(path, rendered)
    return rendered == text
