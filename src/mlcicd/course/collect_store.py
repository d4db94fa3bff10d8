"""Write into the class folder without losing work (``mlcicd course collect``).

:func:`choose` picks one of a learner's notebooks of an exercise (or a lesson)
found in the sources; :func:`store` writes it to its place in CLASS by these rules:

* identical copies count once; of different ones, the one both named for its
  exercise and marked as it wins, else none is collected and the problem says
  which to copy where;
* a file already there with the same bytes is left as is (``unchanged``), one
  with other bytes is kept and reported unless ``force`` (``replaced``);
* nothing is written through a symbolic link or past a file where a folder
  should be, and nothing is half-written: bytes go through a temporary file
  beside the target, then replace it in one step.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["Candidate", "Problem", "choose", "store", "write_bytes"]


class Problem(Protocol):
    """Receives a problem: kind, the file concerned, the message, and whose and which it is."""

    def __call__(self, kind: str, path: str, message: str, **about: str | None) -> None: ...


@dataclass(frozen=True)
class Candidate:
    """A notebook found for a learner's exercise (or lesson), to choose from.

    Attributes:
        shown: Where it was found, as messages name it.
        data: Its bytes.
        rank: 2 when named for the exercise and marked as it in its metadata, else 1
            (a lesson is always 1).
    """

    shown: str
    data: bytes
    rank: int


def choose(
    candidates: list[Candidate],
    what: str,
    target: Path,
    problem: Problem,
    about: Mapping[str, str],
) -> Candidate | None:
    """Return the notebook to collect of one learner's ``what`` (``exercise 02_unit_tests``,
    ``lesson 02_unit_tests.ipynb``), or None when several differ and none ranks first."""
    learner = about["learner"]
    distinct: dict[bytes, Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: (-c.rank, c.shown)):
        distinct.setdefault(candidate.data, candidate)  # identical copies count once
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    ranked = sorted(distinct.values(), key=lambda c: (-c.rank, c.shown))
    if ranked[0].rank > ranked[1].rank:
        for other in ranked[1:]:
            problem(
                "duplicate",
                other.shown,
                f"another notebook of {what} for {learner}, marked as it only by "
                f"its name or its metadata; not collected: collected {ranked[0].shown}, which "
                f"is both. If this one is the work to grade, copy it over {target}",
                **about,
            )
        return ranked[0]
    keep = "grade" if what.startswith("exercise") else "keep"
    problem(
        "duplicate",
        ranked[0].shown,
        f"{len(ranked)} different notebooks of {what} for {learner} "
        f"({', '.join(c.shown for c in ranked)}); none collected: copy the one to {keep} "
        f"to {target}, or remove the others and collect again",
        **about,
    )
    return None


def store(
    candidate: Candidate,
    out: Path,
    target: Path,
    force: bool,
    problem: Problem,
    about: Mapping[str, str],
) -> str | None:
    """Write ``candidate`` to ``target`` unless that would lose work; return what became of it.

    Returns:
        ``written``, ``unchanged`` or ``replaced``; None when it was not written (reported).
    """
    # Every folder from CLASS/<learner> down to the file: a link there would write outside
    # CLASS, and a file there would stop the write half-way.
    folders = [out / folder for folder in list(target.relative_to(out).parents)[:-1]]
    blocked = [f for f in folders if f.is_symlink() or (f.exists() and not f.is_dir())]
    if blocked:
        problem(
            "conflict",
            str(target),
            f"{blocked[-1]} is a symbolic link or a file, not a folder; not written: "
            "remove it and collect again",
            **about,
        )
        return None
    if target.is_symlink() or (target.exists() and not target.is_file()):
        problem(
            "conflict",
            str(target),
            "is a symbolic link or not a file; not written: remove it and collect again",
            **about,
        )
        return None
    status = "written"
    if target.exists():
        if target.read_bytes() == candidate.data:
            return "unchanged"
        if not force:
            problem(
                "conflict",
                str(target),
                f"already holds another version; kept: pass --force to replace it with "
                f"{candidate.shown}",
                **about,
            )
            return None
        status = "replaced"
    write_bytes(target, candidate.data)
    return status


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it, so none is half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(name, 0o644)  # mkstemp makes it private; a class folder is shared
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)
