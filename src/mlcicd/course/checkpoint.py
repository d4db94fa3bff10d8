"""Checkpoints: hidden test cases run against a learner's objects, reported in one line.

An exercise's checks live in ``mlcicd.course.checks.exNN`` and register
themselves with :func:`check`::

    @check("02.1", points=2, needs=("normalize_features",),
           hint="Scale each column with (x - min) / (max - min).")
    def scales_into_unit_interval(normalize_features):
        with case("a column with negative values"):
            out = normalize_features(frame)
            expect(out["x"].min() == 0, f"its minimum is {out['x'].min()}, not 0")

A checkpoint cell calls :func:`checkpoint` with the id. It finds the objects
the check needs in the notebook's namespace (saying which cell to run when one
is missing), runs the cases, and prints exactly one line: the success line the
cell stores as its expected output, or a different line naming the first
failing case and a hint. Nothing in either line varies between runs.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mlcicd.exceptions import CourseError


class CheckFailed(Exception):
    """A test case of a checkpoint failed; the message says what was wrong."""


@dataclass(frozen=True)
class Check:
    """One checkpoint's hidden test cases.

    Attributes:
        id: ``NN.K``, e.g. ``"02.1"``.
        points: Points awarded when every case passes.
        needs: Names the cases need from the notebook, in the check's argument order.
        hint: What to try when a case fails.
        run: The function holding the cases; it takes the needed objects.
        defined_in: Where a learner defines the needed objects, e.g. "the cell under
            'Exercise 1'"; said when one is missing.
    """

    id: str
    points: int
    needs: tuple[str, ...]
    hint: str
    run: Callable[..., None] = field(repr=False)
    defined_in: str = "the exercise cell above"


_REGISTRY: dict[str, Check] = {}


def success_line(checkpoint_id: str, points: int) -> str:
    """Return the one line a passing checkpoint prints (and its cell stores).

    Args:
        checkpoint_id: E.g. ``"02.1"``.
        points: The checkpoint's points.
    """
    return f"Checkpoint {checkpoint_id} passed ({points}/{points} points)"


def check(
    checkpoint_id: str,
    *,
    points: int,
    needs: tuple[str, ...],
    hint: str,
    defined_in: str = "the exercise cell above",
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the cases of checkpoint ``checkpoint_id``.

    Raises:
        CourseError: When the id is registered twice.
    """

    def register(function: Callable[..., None]) -> Callable[..., None]:
        if checkpoint_id in _REGISTRY:
            raise CourseError(f"checkpoint {checkpoint_id} is registered twice")
        _REGISTRY[checkpoint_id] = Check(
            checkpoint_id, points, tuple(needs), hint, function, defined_in
        )
        return function

    return register


def get_check(checkpoint_id: str) -> Check:
    """Return the registered check, importing ``mlcicd.course.checks.exNN`` on first use.

    Raises:
        CourseError: When no check has that id.
    """
    if checkpoint_id not in _REGISTRY:
        module = f"mlcicd.course.checks.ex{checkpoint_id.split('.')[0]}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
    try:
        return _REGISTRY[checkpoint_id]
    except KeyError:
        raise CourseError(
            f"there is no checkpoint {checkpoint_id}; the ids are NN.K from the exercises"
        ) from None


def registered(prefix: str = "") -> list[Check]:
    """Return the checks whose id starts with ``prefix``, in id order (imports them all)."""
    from mlcicd.course import checks

    for name in checks.MODULES:
        importlib.import_module(f"mlcicd.course.checks.{name}")
    return sorted(
        (c for c in _REGISTRY.values() if c.id.startswith(prefix)),
        key=lambda c: tuple(int(part) for part in c.id.split(".")),
    )


@contextmanager
def case(description: str) -> Iterator[None]:
    """Run one test case: any failure inside is reported as ``description: problem``.

    A :class:`CheckFailed` keeps its message; an exception from the learner's
    code is described by its type and message.
    """
    try:
        yield
    except CheckFailed as failure:
        raise CheckFailed(f"{description}: {failure}") from None
    except NotImplementedError:
        raise CheckFailed(
            f"{description}: your code still raises NotImplementedError; "
            "replace the stub (the `raise NotImplementedError` line) with your code and "
            "run that cell again"
        ) from None
    except Exception as error:
        raise CheckFailed(f"{description}: {_describe(error)}") from None


def expect(condition: object, problem: str) -> None:
    """Fail the current case with ``problem`` unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(problem)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _describe(error: BaseException) -> str:
    message = _ADDRESS.sub("", str(error)).strip().splitlines()
    first = message[0] if message else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def evaluate(checkpoint_id: str, namespace: Mapping[str, Any]) -> tuple[bool, str]:
    """Run checkpoint ``checkpoint_id`` against ``namespace`` and return (passed, line).

    Args:
        checkpoint_id: E.g. ``"02.1"``.
        namespace: The notebook's variables (its globals).
    """
    spec = get_check(checkpoint_id)
    missing = [name for name in spec.needs if name not in namespace]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        verb = "is" if len(missing) == 1 else "are"
        return False, (
            f"Checkpoint {spec.id} cannot run yet (0/{spec.points} points): {names} {verb} "
            f"not defined. Run {spec.defined_in} first (after a kernel restart, run the "
            "cells above from the top), then run this cell again."
        )
    try:
        spec.run(*(namespace[name] for name in spec.needs))
    except CheckFailed as failure:
        return False, (
            f"Checkpoint {spec.id} failed (0/{spec.points} points): {failure}. Hint: {spec.hint}"
        )
    except Exception as error:  # the learner's object broke a case outside any `case`
        return False, (
            f"Checkpoint {spec.id} failed (0/{spec.points} points): {_describe(error)}. "
            f"Hint: {spec.hint}"
        )
    return True, success_line(spec.id, spec.points)


def checkpoint(checkpoint_id: str) -> None:
    """Run a checkpoint against the calling notebook's variables and print its one line.

    Called from a checkpoint cell: ``checkpoint("02.1")``. Prints the success
    line when every hidden case passes, otherwise the first failing case and a
    hint. Returns nothing, so the cell shows only that line.
    """
    caller = inspect.currentframe()
    namespace = caller.f_back.f_globals if caller and caller.f_back else {}
    print(evaluate(checkpoint_id, namespace)[1])
