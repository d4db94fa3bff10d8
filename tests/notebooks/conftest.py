"""nbval runs once over every exercise; the tests share its results."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.execute import missing_requirement
from mlcicd.course.nbval_run import NbvalResults, run_nbval

ROOT = Path(__file__).resolve().parents[2]
# The lessons have no checked outputs, so nbval would only prove they run without
# an error: `make site` (tests/notebooks/test_course.py) runs each of them once for that.
# The solutions are graded at full marks in tests/e2e/test_grading_as_shipped.py (each
# cell of a solution runs there, and a failing one costs the checkpoints after it); the
# cells that are not the learner's (neither stub nor checkpoint) are the exercises'
# cells too, which must pass here untouched.
FOLDERS = ("exercises",)


@pytest.fixture(scope="session")
def nbval_results(tmp_path_factory: pytest.TempPathFactory) -> NbvalResults:
    """``pytest --nbval-lax exercises``, two notebooks at a time.

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
