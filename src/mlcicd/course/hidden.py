"""Hidden cases: the regions of the check modules that the learner release leaves out.

A check module (``mlcicd.course.checks.exNN``) wraps the code of its hidden
cases between two comment lines, :data:`~mlcicd.course.checkpoint.HIDDEN_BEGIN`
and :data:`~mlcicd.course.checkpoint.HIDDEN_END` (indented like the code they
wrap)::

    with case("a column with negative values [-5, 0, 5, 10]"):
        ...
    # BEGIN HIDDEN CASES
    with hidden_case("a constant column scales to 0.0"):
        ...
    # END HIDDEN CASES

:func:`strip_hidden` removes each region, markers included (what ``mlcicd
course release`` ships); :func:`public_checks` registers an exercise's checks
from its stripped source for a while, so tests can check the public cases
alone exactly as a learner's copy of the course runs them.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mlcicd.course.checkpoint import HIDDEN_BEGIN, HIDDEN_END
from mlcicd.exceptions import CourseError

# The module itself: `mlcicd.course.checkpoint` as an attribute is the function of that name.
_checks = importlib.import_module("mlcicd.course.checkpoint")


def hidden_regions(source: str, path: str = "<source>") -> list[tuple[int, int]]:
    """Return the (begin, end) line indexes (0-based, inclusive) of each hidden region.

    Raises:
        CourseError: Naming the line, when a marker is unbalanced or nested.
    """
    regions: list[tuple[int, int]] = []
    begin: int | None = None
    for number, line in enumerate(source.splitlines()):
        marker = line.strip()
        if marker == HIDDEN_BEGIN:
            if begin is not None:
                raise CourseError(
                    f"line {number + 1}: {HIDDEN_BEGIN} inside the hidden region opened on "
                    f"line {begin + 1}; close it with {HIDDEN_END} first",
                    path=path,
                )
            begin = number
        elif marker == HIDDEN_END:
            if begin is None:
                raise CourseError(
                    f"line {number + 1}: {HIDDEN_END} without a {HIDDEN_BEGIN} above it",
                    path=path,
                )
            regions.append((begin, number))
            begin = None
    if begin is not None:
        raise CourseError(
            f"line {begin + 1}: {HIDDEN_BEGIN} is never closed with {HIDDEN_END}", path=path
        )
    return regions


def strip_hidden(source: str, path: str = "<source>") -> str:
    """Return ``source`` without its hidden regions (markers included).

    Raises:
        CourseError: When a marker is unbalanced, or the result is not valid Python.
    """
    lines = source.splitlines(keepends=True)
    for begin, end in reversed(hidden_regions(source, path)):
        del lines[begin : end + 1]
    public = "".join(lines)
    try:
        compile(public, path, "exec")
    except SyntaxError as error:
        raise CourseError(
            f"without its hidden cases the module is not valid Python ({error.msg} on line "
            f"{error.lineno}); a hidden region must hold whole statements",
            path=path,
        ) from None
    return public


def check_module_path(exercise: str) -> Path:
    """Return the file of ``mlcicd.course.checks.ex<exercise>``, e.g. ``"02"``."""
    spec = importlib.util.find_spec(f"mlcicd.course.checks.ex{exercise}")
    if spec is None or spec.origin is None:
        raise CourseError(f"there are no checks for exercise {exercise}")
    return Path(spec.origin)


@contextmanager
def public_checks(exercise: str) -> Iterator[types.ModuleType]:
    """Register exercise ``exercise``'s checks from their public source only, for a while.

    Inside the block, :func:`mlcicd.course.checkpoint.evaluate` runs what a
    learner's release runs; afterwards the full checks are back.

    Args:
        exercise: The exercise number, e.g. ``"02"``.

    Yields:
        The public module (its helpers can be inspected).
    """
    path = check_module_path(exercise)
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))
    prefix = f"{exercise}."
    saved = dict(_checks._REGISTRY)
    name = f"mlcicd.course.checks._public_ex{exercise}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    for key in [k for k in _checks._REGISTRY if k.startswith(prefix)]:
        del _checks._REGISTRY[key]
    sys.modules[name] = module  # dataclasses and typing look modules up by name
    try:
        exec(compile(public, str(path), "exec"), module.__dict__)
        yield module
    finally:
        sys.modules.pop(name, None)
        _checks._REGISTRY.clear()
        _checks._REGISTRY.update(saved)
