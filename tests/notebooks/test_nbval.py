"""An untouched exercise fails its checkpoints and stubs only, under nbval
(:func:`mlcicd.testing.check.exercise_problems`, the rule `make check` applies too).

(The lessons run once, headless, in ``make site``: see test_course.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.execute import missing_requirement
from mlcicd.course.nbval_run import NbvalResults
from mlcicd.course.notebook import read
from mlcicd.testing.check import exercise_problems

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


@pytest.mark.parametrize("path", notebooks("exercises"), ids=lambda p: p.name)
def test_an_untouched_exercise_fails_every_checkpoint_and_nothing_else(
    nbval_results: NbvalResults, path: Path
) -> None:
    # The rule lives where `make check` applies it too, so the two cannot drift apart.
    problems = exercise_problems(path, results_of(nbval_results, path))
    assert not problems, f"{path.name}:\n" + "\n".join(problems)
