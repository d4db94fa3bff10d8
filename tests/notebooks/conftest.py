"""nbval runs once over every lesson, solution and exercise; the tests share its results."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.nbval_run import NbvalResults, run_nbval

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def nbval_results(tmp_path_factory: pytest.TempPathFactory) -> NbvalResults:
    """``pytest --nbval-lax notebooks solutions exercises``, two notebooks at a time."""
    report = tmp_path_factory.mktemp("nbval") / "nbval.xml"
    return run_nbval(["notebooks", "solutions", "exercises"], report, cwd=ROOT, workers=2)
