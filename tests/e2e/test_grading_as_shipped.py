"""Grading as shipped: the install lines of the grading CI, in a fresh venv, grade every solution.

The workflow (.github/workflows/grade.yml) and the CodeBuild grading buildspec
(buildspecs/grading.yml) each install the course before ``mlcicd grade`` (pip, then
``python -m mlcicd.bytecode``). The test reads both sets of install lines from those
files, requires them to agree, runs them in a new virtual environment with nothing else
installed, checks that what a graded kernel imports was compiled, and grades
every reference solution with the ``mlcicd`` it installed. Each must score full
marks: a package the checks import but the install leaves out shows up here as
a "not gradable" row, which fails the test with what is missing.

(This is the one place the solutions are graded end to end; tests/e2e/test_grade.py
grades exercise 08 in every broken and tampered form in the dev venv.)
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
from _shipped import (
    ROOT,
    fresh_venv,
    is_pip_install,
    run_shipped,
    uncompiled_modules,
    venv_environment,
)
from ruamel.yaml import YAML

from mlcicd.buildspec import loads
from mlcicd.buildspec.recipes import BUBBLEWRAP_INSTALL
from mlcicd.course import notebook as n

WORKFLOW = ROOT / ".github" / "workflows" / "grade.yml"
BUILDSPEC = ROOT / "buildspecs" / "grading.yml"
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def workflow_install_lines() -> list[str]:
    """The lines of the grading workflow's step "Install the course", in order."""
    data: dict[str, Any] = YAML(typ="safe").load(WORKFLOW.read_text(encoding="utf-8"))
    (job,) = data["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("name") == "Install the course"]
    return [line.strip() for line in str(step["run"]).splitlines() if line.strip()]


def buildspec_install_lines() -> list[str]:
    """The grading buildspec's install commands after bubblewrap's (the course's own)."""
    spec = loads(BUILDSPEC.read_text(encoding="utf-8"))
    commands = list(spec.phases["install"].commands)
    assert commands[: len(BUBBLEWRAP_INSTALL)] == list(BUBBLEWRAP_INSTALL), commands
    return commands[len(BUBBLEWRAP_INSTALL) :]


def test_the_workflow_and_the_buildspec_install_the_course_the_same_way() -> None:
    workflow, buildspec = workflow_install_lines(), buildspec_install_lines()
    assert any(is_pip_install(line) for line in workflow), "the workflow installs nothing"
    assert workflow == buildspec, (
        "the grading workflow and buildspec install differently; the as-shipped test "
        "installs one of them: make them agree, or install each in its own venv here"
    )


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv where the workflow's install step ran, line by line, from the root."""
    venv = fresh_venv(tmp_path_factory.mktemp("shipped") / "venv")
    for line in workflow_install_lines():
        run_shipped(line, venv=venv, cwd=ROOT)
    return venv


@pytest.fixture(scope="module")
def graded(shipped: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Every solution, graded as one learner's submissions by the shipped ``mlcicd grade``."""
    klass = tmp_path_factory.mktemp("class")
    for path in SOLUTIONS:
        n.write(n.read(path), klass / "reference" / path.name)
    out = klass.parent / "grades.json"
    command = [str(shipped / "bin" / "mlcicd"), "grade", str(klass), "-n", "2"]
    command += ["--manifest", str(ROOT / "exercises" / "manifest.json"), "--json", str(out)]
    result = subprocess.run(
        command,
        env=venv_environment(shipped),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{shlex.join(command)}\n{result.stdout}\n{result.stderr}"
    rows = json.loads(out.read_text(encoding="utf-8"))["submissions"]
    return {row["exercise"]: row for row in rows}


def test_the_shipped_install_is_a_fresh_venv_without_the_dev_extra(shipped: Path) -> None:
    python = str(shipped / "bin" / "python")
    probe = "import importlib.util as u; print(u.find_spec('ruff') is None)"
    result = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True", "the dev extra leaked into the shipped venv"


def test_the_install_compiled_every_module_grading_imports(shipped: Path) -> None:
    uncompiled = uncompiled_modules(shipped)
    assert not uncompiled, f"{len(uncompiled)} modules left uncompiled: {uncompiled[:10]}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_scores_full_marks_as_shipped(graded: dict[str, dict], path: Path) -> None:
    row = graded[path.stem]
    statuses = {c["id"]: (c["status"], c["message"]) for c in row["checkpoints"]}
    assert row["errors"] == [], row["errors"]
    assert row["score"] == row["max_score"] > 0, statuses
    # An honest solution never draws a review warning (nbval and the outside verdict agree).
    assert row["warnings"] == [], row["warnings"]
