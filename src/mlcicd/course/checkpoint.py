"""Checkpoints: test cases run against a learner's objects, reported in one line.

An exercise's checks live in ``mlcicd.course.checks.exNN`` and register
themselves with :func:`check`::

    @check("02.1", points=2, needs=("normalize_features",),
           hint="Every column must span exactly 0 to 1.",
           concept="Min-max scaling maps a column's smallest value to 0 and its largest to 1.",
           lesson="02#Edge cases first")
    def scales_into_unit_interval(normalize_features):
        with case("a column with negative values"):
            out = normalize_features(frame)
            expect(out["x"].min() == 0, f"its minimum is {out['x'].min()}, not 0")

A checkpoint cell calls :func:`checkpoint` with the id. It finds the objects
the check needs in the notebook's namespace (saying which cell to run when one
is missing), runs the cases, and prints exactly one line: the success line the
cell stores as its expected output, or a different line naming the first
failing case and a hint. Nothing in either line varies between runs.

**Staged hints.** An untouched stub's line says only where to write. A first
failure names the failing case and the rule it breaks (the check's ``hint``).
When the same case fails again in the same kernel, the line adds the check's
``concept`` and the lesson section that teaches it. No stage prints code that
solves the exercise; the tests compare every message with the solutions.

**Public and hidden cases.** A :func:`case` is public: it runs in the learner's
own notebook, and its failure names the input and what was expected. A
:func:`hidden_case` exists only where the instructor grades: the check modules
wrap hidden code between :data:`HIDDEN_BEGIN` and :data:`HIDDEN_END` comment
lines, and ``mlcicd course release`` removes those lines, so the learner's copy
of the course has no hidden input and no expected value. A failing hidden case
reports the rule it checks, never its input.

**Not the learner's fault.** A check that needs what the machine lacks (a
package such as hypothesis, or Node.js for the AWS CDK) raises
:class:`NotGradable`; its line says "cannot be graded here" and how to install
what is missing, and the grader reports a *not gradable* row instead of 0.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlcicd.exceptions import CourseError


class CheckFailed(Exception):
    """A test case of a checkpoint failed; the message says what was wrong.

    Attributes:
        case: The public case's description or the hidden case's rule that failed
            (None outside any case): what makes two failures "the same" for the
            staged hints.
    """

    def __init__(self, message: str, case: str | None = None) -> None:
        super().__init__(message)
        self.case = case


class NotWritten(CheckFailed):
    """The learner's code still raises the stub's ``NotImplementedError``.

    Its line says only that the code is not written yet and where: no case input, and
    no hint, so running an untouched exercise teaches nothing of the answer.
    """


class NotGradable(Exception):
    """What a check needs is missing on this machine; the message says what and how to install.

    Never the learner's fault: a checkpoint that raises it scores nothing *and*
    says so, and the grader turns it into a "not gradable" row.
    """


#: The comment lines around hidden cases in ``mlcicd.course.checks``: the learner
#: release drops them and everything between them.
HIDDEN_BEGIN = "# BEGIN HIDDEN CASES"
HIDDEN_END = "# END HIDDEN CASES"

#: How a grading machine gets every package the checks import.
INSTALL_GRADE = (
    "install the course with its grade extra (`pip install '.[grade]'` in the course "
    "folder, or `make lab`), and Node.js 22 for exercises 09 and 10"
)


@dataclass(frozen=True)
class Check:
    """One checkpoint's hidden test cases.

    Attributes:
        id: ``NN.K``, e.g. ``"02.1"``.
        points: Points awarded when every case passes.
        needs: Names the cases need from the notebook, in the check's argument order.
        hint: The rule a failing case breaks, shown with the first failure: words,
            never code that solves the exercise.
        run: The function holding the cases; it takes the needed objects.
        defined_in: Where a learner defines the needed objects, e.g. "the cell under
            'Exercise 1'"; said when one is missing.
        requires: Modules the check itself imports (e.g. ``hypothesis``), or ``node``
            for Node.js and the AWS CDK: when one is missing the checkpoint is not
            gradable here, whatever the learner wrote.
        concept: The idea behind the rule, shown when the same case fails again in
            the same kernel: why the rule exists, never the code.
        lesson: Where the lesson teaches it, ``"NN#Heading"``: the lesson number and
            a markdown heading of that lesson, e.g. ``"02#Edge cases first"``.
    """

    id: str
    points: int
    needs: tuple[str, ...]
    hint: str
    run: Callable[..., None] = field(repr=False)
    defined_in: str = "the exercise cell above"
    requires: tuple[str, ...] = ()
    concept: str = ""
    lesson: str = ""


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
    requires: tuple[str, ...] = (),
    concept: str = "",
    lesson: str = "",
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register the decorated function as the cases of checkpoint ``checkpoint_id``.

    See :class:`Check` for the arguments.

    Raises:
        CourseError: When the id is registered twice.
    """

    def register(function: Callable[..., None]) -> Callable[..., None]:
        if checkpoint_id in _REGISTRY:
            raise CourseError(f"checkpoint {checkpoint_id} is registered twice")
        _REGISTRY[checkpoint_id] = Check(
            checkpoint_id,
            points,
            tuple(needs),
            hint,
            function,
            defined_in,
            tuple(requires),
            concept,
            lesson,
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


_STUB = "your code still raises NotImplementedError"


@contextmanager
def case(description: str) -> Iterator[None]:
    """Run one public test case: any failure inside is reported as ``description: problem``.

    A :class:`CheckFailed` keeps its message; an exception from the learner's
    code is described by its type and message. A missing package the course
    itself imports becomes :class:`NotGradable` (see :func:`environment_problem`).
    """
    try:
        yield
    except NotGradable:
        raise
    except CheckFailed as failure:
        raise CheckFailed(f"{description}: {failure}", case=description) from None
    except NotImplementedError:
        raise NotWritten(f"{description}: {_STUB}", case=description) from None
    except Exception as error:
        problem = environment_problem(error)
        if problem is not None:
            raise NotGradable(problem) from None
        raise CheckFailed(f"{description}: {_describe(error)}", case=description) from None


@contextmanager
def hidden_case(rule: str) -> Iterator[None]:
    """Run one hidden test case: a failure reports ``rule`` only, never the input or answer.

    Args:
        rule: What the case checks, in words that give away no input and no expected
            value, e.g. "a constant column scales to 0.0".
    """
    try:
        yield
    except NotGradable:
        raise
    except NotImplementedError:
        raise NotWritten(f"a hidden case ({rule}): {_STUB}", case=rule) from None
    except Exception as error:
        problem = environment_problem(error)
        if problem is not None:
            raise NotGradable(problem) from None
        raise CheckFailed(f"a hidden case failed: {rule}", case=rule) from None


def environment_problem(error: BaseException) -> str | None:
    """Say what is missing when ``error`` is the machine's fault, not the learner's; else None.

    An :class:`ImportError` raised while the course's own code (``mlcicd``,
    ``churn``) imports something is the machine's fault: the learner cannot
    install packages on the grader.
    """
    from mlcicd.exceptions import NodeMissingError

    if isinstance(error, NodeMissingError):
        return str(error)
    if not isinstance(error, ImportError):
        return None
    # The frame that ran the failing import statement: the last one that is not
    # importlib's own. Learner code importing a package it invented is its own fault.
    frames = []
    trace = error.__traceback__
    while trace is not None:
        frames.append(trace.tb_frame.f_code.co_filename)
        trace = trace.tb_next
    importing = [f for f in frames if not f.startswith("<frozen") and not _is_importlib(f)]
    if not importing or not _is_course_code(importing[-1]):
        return None
    name = getattr(error, "name", None) or str(error)
    return f"the package {name} is not installed on this machine; {INSTALL_GRADE}"


#: The course's own packages: src/mlcicd and src/churn (or their installed copies).
_COURSE_PACKAGES = (
    Path(__file__).resolve().parents[1],
    Path(__file__).resolve().parents[2] / "churn",
)


#: importlib's own files: frames of ``importlib.import_module``, between the caller and
#: the import that failed.
_IMPORTLIB = Path(importlib.__file__).parent


def _is_importlib(filename: str) -> bool:
    return Path(filename).parent == _IMPORTLIB


def _is_course_code(filename: str) -> bool:
    try:
        path = Path(filename).resolve()
    except (OSError, ValueError):
        return False
    return any(path.is_relative_to(folder) for folder in _COURSE_PACKAGES)


def missing_requirements(requires: tuple[str, ...]) -> str | None:
    """Say which of a check's requirements this machine lacks, in one sentence; else None.

    Args:
        requires: Module names, or ``node`` for Node.js with the AWS CDK.
    """
    missing = []
    for name in requires:
        if name == "node":
            from mlcicd.iac.environment import cdk_problem

            problem = cdk_problem()
            if problem is not None:
                return problem
        elif importlib.util.find_spec(name) is None:
            missing.append(name)
    if not missing:
        return None
    names = ", ".join(missing)
    return f"the package {names} is not installed on this machine; {INSTALL_GRADE}"


def expect(condition: object, problem: str) -> None:
    """Fail the current case with ``problem`` unless ``condition`` is true."""
    if not condition:
        raise CheckFailed(problem)


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _describe(error: BaseException) -> str:
    message = _ADDRESS.sub("", str(error)).strip().splitlines()
    first = message[0] if message else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


@dataclass(frozen=True)
class Outcome:
    """What running a checkpoint once gave.

    Attributes:
        passed: Every case passed.
        line: The one line the checkpoint prints.
        failed_case: The failing case's description (or hidden rule) when a case
            failed on the learner's answer; None when it passed, was not written,
            could not run or could not be graded.
    """

    passed: bool
    line: str
    failed_case: str | None = None


def evaluate(checkpoint_id: str, namespace: Mapping[str, Any]) -> tuple[bool, str]:
    """Run checkpoint ``checkpoint_id`` against ``namespace`` and return (passed, line).

    The line is the first failure's: the failing case and the rule it breaks
    (grading always shows this one). See :func:`run_checkpoint`.

    Args:
        checkpoint_id: E.g. ``"02.1"``.
        namespace: The notebook's variables (its globals).
    """
    outcome = run_checkpoint(checkpoint_id, namespace)
    return outcome.passed, outcome.line


def run_checkpoint(checkpoint_id: str, namespace: Mapping[str, Any]) -> Outcome:
    """Run checkpoint ``checkpoint_id`` against ``namespace``; say what happened.

    Args:
        checkpoint_id: E.g. ``"02.1"``.
        namespace: The notebook's variables (its globals).
    """
    spec = get_check(checkpoint_id)
    lacking = missing_requirements(spec.requires)
    if lacking is not None:
        return Outcome(False, not_gradable_line(spec, lacking))
    missing = [name for name in spec.needs if name not in namespace]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        verb = "is" if len(missing) == 1 else "are"
        return Outcome(
            False,
            f"Checkpoint {spec.id} cannot run yet (0/{spec.points} points): {names} {verb} "
            f"not defined. Run {spec.defined_in} first (after a kernel restart, run the "
            "cells above from the top), then run this cell again.",
        )
    try:
        spec.run(*(namespace[name] for name in spec.needs))
    except NotGradable as problem:
        return Outcome(False, not_gradable_line(spec, str(problem)))
    except NotWritten:
        return Outcome(False, not_written_line(spec))
    except NotImplementedError:  # raised outside any case: the stub all the same
        return Outcome(False, not_written_line(spec))
    except CheckFailed as failure:
        return Outcome(False, _failed_line(spec, str(failure)), failure.case or str(failure))
    except Exception as error:  # the learner's object broke a case outside any `case`
        problem = environment_problem(error)
        if problem is not None:
            return Outcome(False, not_gradable_line(spec, problem))
        described = _describe(error)
        return Outcome(False, _failed_line(spec, described), described)
    return Outcome(True, success_line(spec.id, spec.points))


def _failed_line(spec: Check, failure: str) -> str:
    return f"Checkpoint {spec.id} failed (0/{spec.points} points): {failure}. Hint: {spec.hint}"


def concept_sentence(spec: Check) -> str:
    """The second stage of a hint: the idea behind the rule and where the lesson teaches it.

    Shown after the same case has failed twice in one kernel; empty when the check
    has no concept.
    """
    if not spec.concept:
        return ""
    where = ""
    if spec.lesson:
        number, _, heading = spec.lesson.partition("#")
        where = f' Review lesson {number}, section "{heading}".' if heading else ""
    return f"Same case again, so step back: {spec.concept}{where}"


def not_written_line(spec: Check) -> str:
    """The line of a checkpoint whose code is still the stub: where to write, nothing more."""
    return (
        f"Checkpoint {spec.id} failed (0/{spec.points} points): not written yet. Replace "
        f"the `raise NotImplementedError` in {spec.defined_in} with your code, then run "
        "that cell and this one again."
    )


def not_gradable_line(spec: Check, problem: str) -> str:
    """The line of a checkpoint this machine cannot grade: what is missing, and that it is not
    the learner's code."""
    return (
        f"Checkpoint {spec.id} cannot be graded here (0/{spec.points} points): {problem}. "
        "This is about the machine, not your code."
    )


#: Failures seen per notebook namespace (the kernel's ``__main__`` globals): how many
#: times each (checkpoint, case) failed. The namespace is kept with its counts so that
#: its id is never reused while the entry lives; a kernel has one such namespace.
_ATTEMPTS: dict[int, tuple[Mapping[str, Any], dict[tuple[str, str], int]]] = {}


def staged_line(checkpoint_id: str, namespace: Mapping[str, Any]) -> str:
    """Run a checkpoint and return its line, with the concept added on a repeated failure.

    The first failure of a case names the case and the rule (:func:`evaluate`'s
    line). When the same case of the same checkpoint fails again against the same
    namespace (the same kernel), the line adds :func:`concept_sentence`.

    Args:
        checkpoint_id: E.g. ``"02.1"``.
        namespace: The notebook's variables (its globals).
    """
    outcome = run_checkpoint(checkpoint_id, namespace)
    if outcome.failed_case is None:
        return outcome.line
    _, counts = _ATTEMPTS.setdefault(id(namespace), (namespace, {}))
    key = (checkpoint_id, outcome.failed_case)
    counts[key] = counts.get(key, 0) + 1
    concept = concept_sentence(get_check(checkpoint_id)) if counts[key] > 1 else ""
    return f"{outcome.line} {concept}" if concept else outcome.line


def checkpoint(checkpoint_id: str) -> None:
    """Run a checkpoint against the calling notebook's variables and print its one line.

    Called from a checkpoint cell: ``checkpoint("02.1")``. Prints the success
    line when every case passes, otherwise the first failing case and the rule it
    breaks; when that same case fails again, also the idea behind the rule and the
    lesson section to review (:func:`staged_line`). Returns nothing, so the cell
    shows only that line.
    """
    caller = inspect.currentframe()
    namespace = caller.f_back.f_globals if caller and caller.f_back else {}
    print(staged_line(checkpoint_id, namespace))
