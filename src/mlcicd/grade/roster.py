"""A class's results by learner: grouping, what each result means, and safe file names.

Shared by the per-learner feedback, the gradebook and the class view, so the
three agree on what counts:

* *graded*: the submission ran; its score counts;
* *not gradable*: the grading machine lacked what a check needs (a package,
  Node.js); never the learner's fault, and nothing is scored until it is graded again;
* *not graded*: grading could not run on the submission (an unreadable notebook,
  an unknown exercise, a run that did not finish); the message says why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from mlcicd.grade.model import NOT_GRADABLE, SubmissionResult

GRADED = "graded"
NOT_GRADED = "not graded"

#: A learner name used as a file name unchanged: letters, digits, ``.``, ``_``, ``-``;
#: no leading dot (no hidden file, no ``..``), no trailing dot (Windows drops it).
_SAFE = re.compile(r"[A-Za-z0-9_-](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_-])?")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")
#: The start of a checkpoint's line ("Checkpoint 02.1 failed (0/2 points): "), said elsewhere.
_LINE_START = re.compile(r"^Checkpoint \d{2}\.\d+ [^(]*\(\d+/\d+ points\): ")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Windows refuses these as file names whatever the extension.
_RESERVED = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{n}" for d in ("com", "lpt") for n in range(1, 10)]
)


def outcome(result: SubmissionResult) -> str:
    """Return ``graded``, ``not gradable`` or ``not graded`` (see the module's docstring)."""
    if any(c.status == NOT_GRADABLE for c in result.checkpoints):
        return NOT_GRADABLE
    return NOT_GRADED if result.errors else GRADED


def what_happened(message: str, hint: str = "") -> str:
    """Return a checkpoint's message without what a report shows beside it.

    Drops the "Checkpoint 02.1 failed (0/2 points): " start (the id, points and
    status have their own columns) and the hint at the end when ``hint`` is that hint.
    """
    text = _LINE_START.sub("", message.strip())
    if hint and text.endswith(f"Hint: {hint}"):
        text = text[: -len(f"Hint: {hint}")].rstrip()
    return text


def exercise_order(result: SubmissionResult) -> tuple[bool, str, str]:
    """Sort key: exercises by name (``02_...`` before ``10_...``), unknown ones last, then path."""
    return (not result.exercise, result.exercise, result.path)


def by_learner(results: Iterable[SubmissionResult]) -> dict[str, list[SubmissionResult]]:
    """Return each learner's results, learners sorted by name, results by exercise."""
    learners: dict[str, list[SubmissionResult]] = {}
    for result in results:
        learners.setdefault(result.learner, []).append(result)
    return {name: sorted(learners[name], key=exercise_order) for name in sorted(learners)}


def clean_text(text: str) -> str:
    """Return ``text`` fit for an HTML or CSV file: control characters and lone surrogates
    (a folder name that is not UTF-8) become U+FFFD, so writing it cannot fail."""
    text = _CONTROL.sub("\N{REPLACEMENT CHARACTER}", text)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def _digested(name: str, length: int) -> str:
    readable = _UNSAFE_RUN.sub("_", name).strip("_")[:40] or "learner"
    return f"{readable}-{_digest(name, length)}"


def file_stem(name: str, length: int = 8) -> str:
    """Return a file name (without extension) for learner ``name``, the same on every run.

    A name that is already safe stays as it is (``alice``, ``Bob-Smith``). Any
    other gets its unsafe characters replaced and a digest of the full name
    appended (``a/b`` becomes ``a_b-<8 hex>``), so no two names that differ
    become the same file, and none holds a path separator or ``..``.

    Args:
        name: The learner's name, as untrusted text.
        length: Hex digits of the digest.
    """
    if _SAFE.fullmatch(name) and name.split(".")[0].lower() not in _RESERVED:
        return name
    return _digested(name, length)


def file_stems(names: Sequence[str]) -> dict[str, str]:
    """Return a distinct file stem per learner name, distinct even ignoring case.

    Case matters on Linux but not on macOS or Windows: ``Alice`` and ``alice``
    would be one file there, so of names that clash ignoring case, an all
    lower-case one keeps its stem and the others take a digest. Longer digests
    are used in the (unlikely) event that is not enough.
    """
    for length in (8, 16, 64):
        stems = {name: file_stem(name, length) for name in names}
        folded: dict[str, list[str]] = {}
        for name, stem in stems.items():
            folded.setdefault(stem.casefold(), []).append(name)
        for clash in (group for group in folded.values() if len(group) > 1):
            for name in clash:
                if stems[name] != stems[name].lower() or stems[name] != name:
                    stems[name] = _digested(name, length)
        if len({stem.casefold() for stem in stems.values()}) == len(stems):
            return stems
    raise AssertionError("SHA-256 digests of distinct names collided")  # pragma: no cover
