"""nbval runs once over every lesson, solution and exercise; the tests share its results."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.execute import missing_requirement
from mlcicd.course.nbval_run import NbvalResults, run_nbval

ROOT = Path(__file__).resolve().parents[2]
# The lessons have no checked outputs, so nbval would only prove they run without
# an error: `make site` (tests/notebooks/test_course.py) runs each of them once for that.
FOLDERS = ("solutions", "exercises")


@pytest.fixture(scope="session")
def nbval_results(tmp_path_factory: pytest.TempPathFactory) -> NbvalResults:
    """``pytest --nbval-lax solutions exercises``, two notebooks at a time.

    A notebook that needs what this machine lacks (Node.js, for lesson 09) is
    left out; its tests skip with the sentence saying what to install.
    """
    report = tmp_path_factory.mktemp("nbval") / "nbval.xml"
    runnable = [
        str(path.relative_to(ROOT))
        for folder in FOLDERS
        for path in sorted((ROOT / folder).glob("*.ipynb"))
        if missing_requirement(path) is None
    ]
    return run_nbval(runnable, report, cwd=ROOT, workers=2)
