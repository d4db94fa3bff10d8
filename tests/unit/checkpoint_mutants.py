"""Mutation tests of the checkpoints: plausible wrong answers, and messages that give nothing away.

Each ``tests/unit/test_checks_exNN.py`` declares the exercise's reference answers
and a list of :class:`Wrong` answers, then asks this module for its tests::

    REFERENCE = {"scale_to_unit": scale_to_unit, "impute_median": impute_median}
    MUTANTS = [
        Wrong("02.1", "divides by max only", {"scale_to_unit": lambda s: s / s.max()}),
        ...
    ]
    (
        test_every_checkpoint_holds_five_wrong_answers,
        test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
    ) = mutant_tests("02", REFERENCE, MUTANTS)

A wrong answer is the reference namespace with some objects replaced. It must
fail its checkpoint (graded, hidden cases included), with a line that is a real
failure (not "not written yet", not "cannot be graded"), that shares no solution
line and no 30-character span with the exercise's solution code; and every
other checkpoint of the exercise that receives a replaced object must still pass,
so the mutant tests that checkpoint and only that one.

A graded run of a wrong answer takes up to a second (moto, a pytest process, jsii),
and several tests read the same run: the mutant test here, and an exercise's tests
of what the line says. :func:`graded_once` runs each (checkpoint, objects) once
per process and hands every such test the same outcome.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import nbformat
import pytest

from mlcicd.course.checkpoint import evaluate, get_check, registered
from mlcicd.course.notebook import solution_regions

ROOT = Path(__file__).resolve().parents[2]

#: A message may not share this many consecutive characters (whitespace collapsed)
#: with the solution code: the issue's figure.
SPAN = 30

#: Shorter solution lines (``return out``, ``)``) are too common to be an answer.
MIN_LINE = 12


@dataclass(frozen=True)
class Wrong:
    """One plausible wrong answer to one checkpoint.

    Attributes:
        checkpoint: The checkpoint it must fail, e.g. ``"02.1"``.
        mistake: What is wrong with it, in a few words (the test id).
        objects: The notebook objects it replaces in the reference namespace.
    """

    checkpoint: str
    mistake: str
    objects: Mapping[str, Any] = field(repr=False)


#: (checkpoint id, its check, each (name, object)) -> (passed, line), and the check and
#: objects themselves: kept alive, so an id in a key is never reused by another object.
_GRADED: dict[tuple[Any, ...], tuple[tuple[bool, str], tuple[Any, ...]]] = {}


def graded_once(checkpoint_id: str, namespace: Mapping[str, Any]) -> tuple[bool, str]:
    """:func:`evaluate`, run once per process for the same checkpoint and the same objects.

    For tests that read the outcome of one graded run of an answer another test also
    grades. A test that needs a fresh run (a line that is the same on every run, a
    patched environment) calls :func:`evaluate` itself. The key holds the registered
    check, so the learner's public checks (``public_checks``) never share a graded run.
    """
    spec = get_check(checkpoint_id)
    key = (checkpoint_id, id(spec), tuple(sorted((n, id(v)) for n, v in namespace.items())))
    if key not in _GRADED:
        _GRADED[key] = (evaluate(checkpoint_id, namespace), (spec, *namespace.values()))
    return _GRADED[key][0]


@cache
def solution_code(exercise: str) -> str:
    """Return the code inside the solution regions of ``solutions/NN_*.ipynb``.

    Comment lines are left out: they are instructions, not the answer.
    """
    (path,) = sorted((ROOT / "solutions").glob(f"{exercise}_*.ipynb"))
    kept: list[str] = []
    for cell in nbformat.read(path, as_version=4).cells:
        source = cell.source if cell.cell_type == "code" else ""
        if "### BEGIN SOLUTION" not in source:
            continue
        lines = source.splitlines()
        for begin, end, _ in solution_regions(source):
            kept += [line for line in lines[begin + 1 : end] if not line.strip().startswith("#")]
    return "\n".join(kept)


def _collapsed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def _solution_index(exercise: str) -> tuple[frozenset[str], frozenset[str]]:
    code = solution_code(exercise)
    lines = frozenset(line.strip() for line in code.splitlines() if len(line.strip()) >= MIN_LINE)
    flat = _collapsed(code)
    spans = frozenset(flat[i : i + SPAN] for i in range(len(flat) - SPAN + 1))
    return lines, spans


def solution_leak(message: str, exercise: str) -> str | None:
    """Return the solution text ``message`` gives away, or None when it gives none.

    Args:
        message: A line a checkpoint printed, or a hint.
        exercise: The exercise number whose solutions it must not give, e.g. ``"02"``.
    """
    lines, spans = _solution_index(exercise)
    for line in lines:
        if line in message:
            return f"the solution line {line!r}"
    flat = _collapsed(message)
    for i in range(len(flat) - SPAN + 1):
        if flat[i : i + SPAN] in spans:
            return f"the solution span {flat[i : i + SPAN]!r}"
    return None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def mutant_tests(
    exercise: str, reference: Mapping[str, Any], mutants: Sequence[Wrong]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """Return the two mutation tests of exercise ``exercise``, to assign at module level.

    Args:
        exercise: E.g. ``"02"``.
        reference: A right answer for every name the exercise's checks need.
        mutants: The wrong answers.
    """
    checks = registered(f"{exercise}.")
    ids = [f"{m.checkpoint}-{_slug(m.mistake)}" for m in mutants]
    assert len(set(ids)) == len(ids), "two wrong answers share a mistake's name"

    @pytest.mark.parametrize("checkpoint_id", [c.id for c in checks])
    def test_every_checkpoint_holds_five_wrong_answers(checkpoint_id: str) -> None:
        mistakes = [m.mistake for m in mutants if m.checkpoint == checkpoint_id]
        assert len(mistakes) >= 5, f"{checkpoint_id} has {len(mistakes)} wrong answers"

    @pytest.mark.parametrize("wrong", mutants, ids=ids)
    def test_a_wrong_answer_fails_its_checkpoint_and_only_that_one(wrong: Wrong) -> None:
        unknown = set(wrong.objects) - set(reference)
        assert not unknown, f"{sorted(unknown)} are not names the checks need"
        namespace = {**reference, **wrong.objects}
        passed, line = graded_once(wrong.checkpoint, namespace)
        assert not passed, f"{wrong.mistake!r} passed {wrong.checkpoint}"
        assert f"Checkpoint {wrong.checkpoint} failed" in line, line
        assert "not written yet" not in line
        leak = solution_leak(line, exercise)
        assert leak is None, f"{line!r} gives away {leak}"
        for other in checks:
            if other.id != wrong.checkpoint and set(other.needs) & set(wrong.objects):
                passed, line = graded_once(other.id, namespace)
                assert passed, f"{wrong.mistake!r} also fails {other.id}: {line}"

    return (
        test_every_checkpoint_holds_five_wrong_answers,
        test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
    )
