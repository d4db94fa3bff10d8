"""Shared fixtures of the unit tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest

from mlcicd.course.checkpoint import case, check, expect

# The package re-exports the function `checkpoint`, which hides the module of that name.
checkpoint_module = importlib.import_module("mlcicd.course.checkpoint")


@pytest.fixture
def double_check() -> Iterator[str]:
    """Register checkpoint 98.1 (needs ``double``; worth 2) for the test, and only for it."""
    saved = dict(checkpoint_module._REGISTRY)

    @check(
        "98.1",
        points=2,
        needs=("double",),
        hint="Multiply by two.",
        defined_in="cell 'Ex 1'",
        concept="Doubling is adding a number to itself.",
        lesson="02#Edge cases first",
    )
    def doubles(double: object) -> None:
        for x in (0, 3, -4):
            with case(f"double({x})"):
                got = double(x)
                expect(got == 2 * x, f"returned {got!r}, expected {2 * x}")

    yield "98.1"
    checkpoint_module._REGISTRY.clear()
    checkpoint_module._REGISTRY.update(saved)
