"""The toolkit's processes skip an import nbformat never needs, and still validate notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlcicd.course.notebook import read
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


ROOT = Path(__file__).resolve().parents[2]
GRAMMAR_PROBE = "import sys\nprint(repr(sys.modules.get('rfc3987_syntax', 'never imported')))\n"


def test_this_projects_pytest_starts_without_the_grammar(tmp_path: Path) -> None:
    # pyproject.toml's addopts name mlcicd.testing.lean, imported before nbval's plugin.
    (tmp_path / "test_probe.py").write_text(
        "import sys\n\ndef test_probe():\n"
        "    assert sys.modules.get('rfc3987_syntax', 'never imported') is None\n"
    )
    config = ["-c", str(ROOT / "pyproject.toml"), f"--junitxml={tmp_path / 'report.xml'}"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *config, "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_every_mlcicd_command_starts_without_the_grammar() -> None:
    # `course build --check` names no grammar skip of its own: the group does it for all.
    probe = (
        "import sys\nfrom mlcicd.cli import main\n"
        "try:\n    main(['course', 'build', '--check'])\nexcept SystemExit as done:\n"
        "    assert not done.code, done.code\n" + GRAMMAR_PROBE
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[-1] == "None", done.stdout


@pytest.mark.parametrize("folder", ["notebooks", "exercises", "solutions"])
def test_no_notebook_imports_the_notebook_module_into_a_kernel(folder: str) -> None:
    # mlcicd.course.notebook imports nbformat: 2 s of a learner's cell (lesson 00 once did).
    found = [
        f"{path.name}: {line.strip()}"
        for path in sorted((ROOT / folder).glob("*.ipynb"))
        for cell in read(path).cells
        if cell.cell_type == "code"
        for line in cell.source.splitlines()
        if "mlcicd.course.notebook" in line or "mlcicd.course import notebook" in line
    ]
    assert not found, "import from mlcicd.course.checkpoint instead:\n" + "\n".join(found)


#: A module every check of an exercise imports (in the learner's kernel and in the
#: grader's process), and a slow import it leaves to the one function that needs it.
LEFT_TO_USE = [
    ("mlcicd.course.checks.ex03", "scipy.stats"),  # 1.5 s, for churn.drift.ks_test
    ("mlcicd.course.checks.ex04", "sklearn"),  # 1.5 s, for churn.train's fit and scores
    ("mlcicd.course.checks.ex06", "sklearn"),
]


@pytest.mark.parametrize(("module", "slow"), LEFT_TO_USE)
def test_a_check_module_leaves_a_slow_import_to_its_use(module: str, slow: str) -> None:
    probe = f"import sys, {module}; print({slow!r} in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False", f"importing {module} imports {slow}"
