"""The toolkit's processes skip an import nbformat never needs, and still validate notebooks."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mlcicd.grade.learner import GRADING_ENV

PROBE = """
import sys
from mlcicd.startup import skip_unused_grammar
skip_unused_grammar()
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nbformat.validate(nb)
try:
    nbformat.validate({"nbformat": 4, "cells": "not a list"})
except nbformat.ValidationError:
    print("invalid refused")
print("rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None)
"""


def test_nbformat_still_validates_without_the_grammar() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == ["invalid refused", "True"]


#: Modules started as a process of their own for each notebook (``python -m``): their
#: ``main`` skips the grammar, so importing them must not have imported it already.
PER_NOTEBOOK_ENTRIES = ["mlcicd.grade.nbval_sandbox", "mlcicd.course.pytest_main"]


@pytest.mark.parametrize("module", PER_NOTEBOOK_ENTRIES)
def test_a_per_notebook_entry_imports_nothing_that_loads_the_grammar(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(set(sys.modules) & {{'nbformat', 'jsonschema'}}))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]", f"{module} imports {done.stdout.strip()} before main()"


def test_grade_me_in_a_graded_kernel_imports_no_nbformat() -> None:
    # Every exercise ends with this cell, so every kernel of every grading run runs it.
    probe = (
        "import sys\nfrom mlcicd.grade import grade_me\ngrade_me()\n"
        "print(sorted(set(sys.modules) & {'nbformat', 'jsonschema'}))"
    )
    environ = {**os.environ, GRADING_ENV: "1"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == [
        "grade_me() does nothing while the notebook is being graded.",
        "[]",
    ]
