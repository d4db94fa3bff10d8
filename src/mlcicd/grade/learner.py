"""``grade_me()``: a learner grades the exercise they have open, from its last cell."""

from __future__ import annotations

import os
from pathlib import Path

#: Set in the kernels of a grading run (``grade_me()`` does nothing there). Defined
#: here, where every exercise's kernel imports it: mlcicd.grade.run would import
#: nbformat (and jsonschema's IRI grammar, about 1 s) into each of those kernels.
GRADING_ENV = "MLCICD_GRADING"


def grade_me() -> None:
    """Grade the saved copy of the open exercise notebook and print the table.

    JupyterLab tells the kernel which notebook it runs (``JPY_SESSION_NAME``);
    the saved file is graded, so save first (Ctrl+S). While the notebook is
    itself being graded, or outside JupyterLab, this says so and does nothing.
    """
    if os.environ.get(GRADING_ENV):
        print("grade_me() does nothing while the notebook is being graded.")
        return
    session = os.environ.get("JPY_SESSION_NAME", "")
    notebook = Path.cwd() / Path(session).name if session.endswith(".ipynb") else None
    if notebook is None or not notebook.is_file():
        print(
            "grade_me() grades the notebook you have open in JupyterLab (started with "
            "`make lab`). From a terminal: mlcicd grade exercises/<exercise>.ipynb"
        )
        return
    from mlcicd.exceptions import MlcicdError
    from mlcicd.grade.api import grade_paths
    from mlcicd.grade.report import table

    print(f"Grading the saved {notebook.name} (save first with Ctrl+S)...")
    try:
        print(table(grade_paths([notebook])))
    except MlcicdError as error:
        print(f"Could not grade: {error}")
