"""The toolkit's processes skip an import nbformat never needs, and still validate notebooks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlcicd.course.notebook import read
from mlcicd.grade.learner import GRADING_ENV

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, **environ: str) -> str:
    """What ``python -c code`` prints, in this environment plus ``environ``; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **environ},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


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
    assert python(PROBE).splitlines() == ["invalid refused", "True"]


#: Modules started as a process of their own for each notebook (``python -m``): their
#: ``main`` skips the grammar, so importing them must not have imported it already.
PER_NOTEBOOK_ENTRIES = ["mlcicd.grade.nbval_sandbox", "mlcicd.course.pytest_main"]


@pytest.mark.parametrize("module", PER_NOTEBOOK_ENTRIES)
def test_a_per_notebook_entry_imports_nothing_that_loads_the_grammar(module: str) -> None:
    probe = f"import sys, {module}; print(sorted(set(sys.modules) & {{'nbformat', 'jsonschema'}}))"
    found = python(probe).strip()
    assert found == "[]", f"{module} imports {found} before main()"


def test_grade_me_in_a_graded_kernel_imports_no_nbformat() -> None:
    # Every exercise ends with this cell, so every kernel of every grading run runs it.
    probe = (
        "import sys\nfrom mlcicd.grade import grade_me\ngrade_me()\n"
        "print(sorted(set(sys.modules) & {'nbformat', 'jsonschema'}))"
    )
    assert python(probe, **{GRADING_ENV: "1"}).splitlines() == [
        "grade_me() does nothing while the notebook is being graded.",
        "[]",
    ]


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
        "    assert not done.code, done.code\n"
        "print(repr(sys.modules.get('rfc3987_syntax', 'never imported')))\n"
    )
    printed = python(probe)
    assert printed.splitlines()[-1] == "None", printed


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
    assert python(probe).strip() == "False", f"importing {module} imports {slow}"
