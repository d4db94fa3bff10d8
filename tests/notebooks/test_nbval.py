"""An untouched exercise fails its checkpoints and stubs only, under nbval.

(The lessons run once, headless, in ``make site``: see test_course.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.execute import missing_requirement
from mlcicd.course.nbval_run import NbvalResults
from mlcicd.course.notebook import checkpoint_info, is_solution, read

ROOT = Path(__file__).resolve().parents[2]


def notebooks(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.ipynb"))


def code_cells(path: Path) -> list[dict]:
    return [cell for cell in read(path).cells if cell.cell_type == "code"]


def results_of(nbval_results: NbvalResults, path: Path) -> dict:
    missing = missing_requirement(path)
    if missing is not None:
        pytest.skip(missing)
    key = str(path.relative_to(ROOT))
    assert key in nbval_results, f"nbval did not run {key}"
    results = nbval_results[key]
    assert sorted(results) == list(range(len(code_cells(path)))), "nbval skipped cells"
    return results


def failures(results: dict) -> dict[int, str]:
    return {cell: r.message for cell, r in results.items() if r.outcome != "passed"}


@pytest.mark.parametrize("path", notebooks("exercises"), ids=lambda p: p.name)
def test_an_untouched_exercise_fails_every_checkpoint_and_nothing_else(
    nbval_results: NbvalResults, path: Path
) -> None:
    cells = code_cells(path)
    checkpoints = {i for i, cell in enumerate(cells) if checkpoint_info(cell)}
    stubs = {i for i, cell in enumerate(cells) if is_solution(cell)}
    failed = failures(results_of(nbval_results, path))

    assert checkpoints, "an exercise has checkpoints"
    passing = sorted(checkpoints - set(failed))
    assert not passing, f"checkpoint cells {passing} pass with no work done: they test nothing"
    others = {c: m for c, m in failed.items() if c not in checkpoints | stubs}
    assert not others, "cells other than stubs and checkpoints fail:\n" + "\n\n".join(
        f"code cell {c}:\n{m[-1500:]}" for c, m in others.items()
    )
