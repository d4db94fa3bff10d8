"""The learner release, end to end: built, set up as its README says, used as a learner.

One release of the real course is built into a temporary folder and scanned as
written. The set-up command is then read from the release's README (its first
``bash`` block: the command that makes the ``test`` target) and run in the
release folder as a learner's shell would, with a fresh venv's Python first on
PATH and pip and uv pointed at ``build/wheelhouse``, offline (``tests/e2e/_shipped.py``):
the release's own Makefile creates ``.venv``, installs the course into it (with uv) and
grades the untouched exercises, where every checkpoint must fail. The solution
cells are pasted in by cell id and the same command runs again: every public
checkpoint must pass. Last, every lesson runs with the release's own ``mlcicd``.

One install, two grading runs and one run of the lessons, all module-scoped.
jsii's package cache is pointed at the instructor's (``build/jsii-cache``), as
pip is at the wheelhouse: where things are cached, not what the commands do.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from _shipped import ROOT, fresh_venv, outside_make, uncompiled_modules, venv_environment

from mlcicd.course import notebook as n
from mlcicd.course.execute import missing_requirement
from mlcicd.course.release import release_course
from mlcicd.course.release_verify import Leak, scan_folder

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@dataclass(frozen=True)
class Built:
    """The release as written, and what the scan found in it before anything changed."""

    folder: Path
    leaks: list[Leak]
    seconds: float


@dataclass(frozen=True)
class Graded:
    """One run of the README's test command: its result and the grades it wrote."""

    result: subprocess.CompletedProcess[str]
    rows: dict[str, dict]


def readme_commands(readme: str) -> list[str]:
    """The commands of the README's first ``bash`` block, comments dropped."""
    block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert block is not None, "the release's README has no ```bash block of set-up commands"
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line]


def make_target_command(commands: list[str], target: str) -> str:
    found = [c for c in commands if shlex.split(c)[:2] == ["make", target]]
    assert len(found) == 1, f"the README's set-up block has no single `make {target}`: {commands}"
    return found[0]


def learner_shell(venv: Path) -> dict[str, str]:
    """A learner's shell: ``venv`` activated, pip offline on the wheelhouse, no outer make."""
    environ = outside_make(venv_environment(venv))
    environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"] = str(ROOT / "build" / "jsii-cache")
    return environ


def run(command: str, folder: Path, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )


def grades(folder: Path, result: subprocess.CompletedProcess[str]) -> Graded:
    path = folder / "build" / "grades" / "grades.json"
    assert path.is_file(), f"make test wrote no grades\n{result.stdout[-3000:]}\n{result.stderr}"
    rows = json.loads(path.read_text(encoding="utf-8"))["submissions"]
    return Graded(result, {row["exercise"]: row for row in rows})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("release") / "learners"
    start = time.perf_counter()
    release_course(ROOT, folder)
    seconds = time.perf_counter() - start
    return Built(folder, scan_folder(folder, ROOT), seconds)


@pytest.fixture(scope="module")
def shell(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return learner_shell(fresh_venv(tmp_path_factory.mktemp("learner") / "venv"))


@pytest.fixture(scope="module")
def check_command(built: Built) -> str:
    return make_target_command(readme_commands((built.folder / "README.md").read_text()), "test")


@pytest.fixture(scope="module")
def untouched(built: Built, shell: dict[str, str], check_command: str) -> Graded:
    """The README's test command on the exercises as released: installs, then grades."""
    return grades(built.folder, run(check_command, built.folder, shell))


@pytest.fixture(scope="module")
def solved(built: Built, shell: dict[str, str], check_command: str, untouched: Graded) -> Graded:
    """The same command after pasting each solution cell into the release's exercise."""
    for solution in SOLUTIONS:
        answers = {c["id"]: c.source for c in n.read(solution).cells if n.is_solution(c)}
        exercise = built.folder / "exercises" / solution.name
        nb = n.read(exercise)
        for cell in nb.cells:
            if cell.get("id") in answers:
                cell.source = answers.pop(cell["id"])
        assert not answers, f"{exercise.name}: no cell with id {sorted(answers)}"
        n.write(nb, exercise)
    return grades(built.folder, run(check_command, built.folder, shell))


def cdk_missing(name: str) -> str | None:
    return missing_requirement(ROOT / "solutions" / f"{name}.ipynb")


def test_the_release_holds_no_answer_no_hidden_case_no_instructor_file(built: Built) -> None:
    assert built.leaks == [], "\n".join(map(str, built.leaks))
    assert not (built.folder / "solutions").exists() and not (built.folder / "tests").exists()


def test_the_set_up_installs_offline_without_the_dev_extra(built: Built, untouched: Graded) -> None:
    python = built.folder / ".venv" / "bin" / "python"
    assert python.is_file(), untouched.result.stdout[-3000:] + untouched.result.stderr[-3000:]
    # uv installed it: pip's fallback works too, at twice the time, and would hide a broken uv.
    assert "installing with pip instead" not in untouched.result.stdout, untouched.result.stderr
    probe = "import importlib.util as u; print(u.find_spec('ruff') is None)"
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True", "the dev extra leaked into the learner's install"
    # mlcicd.bytecode compiled what a graded kernel imports (the venv is read-only there).
    assert uncompiled_modules(built.folder / ".venv") == []


def test_make_lab_finds_the_course_installed(
    built: Built, shell: dict[str, str], untouched: Graded
) -> None:
    commands = readme_commands((built.folder / "README.md").read_text())
    dry_run = shlex.join([*shlex.split(make_target_command(commands, "lab")), "-n"])
    result = run(dry_run, built.folder, shell)
    assert result.returncode == 0, result.stderr
    assert 'mlcicd" lab' in result.stdout and "pip install" not in result.stdout


def test_untouched_exercises_fail_the_test_command(untouched: Graded) -> None:
    assert untouched.result.returncode != 0
    assert "not every checkpoint passes yet" in untouched.result.stdout
    assert sorted(untouched.rows) == [path.stem for path in SOLUTIONS]


@pytest.mark.parametrize("name", [path.stem for path in SOLUTIONS])
def test_every_checkpoint_of_an_untouched_exercise_fails(untouched: Graded, name: str) -> None:
    row = untouched.rows[name]
    statuses = {c["id"]: c["status"] for c in row["checkpoints"]}
    assert row["errors"] == [] and statuses, row
    if cdk_missing(name):
        pytest.skip(cdk_missing(name))
    assert set(statuses.values()) == {"failed"}, statuses
    assert row["score"] == 0


@pytest.mark.parametrize("name", [path.stem for path in SOLUTIONS])
def test_every_public_checkpoint_passes_with_the_solution_pasted_in(
    solved: Graded, name: str
) -> None:
    why = cdk_missing(name)
    if why:
        pytest.skip(why)
    row = solved.rows[name]
    statuses = {c["id"]: (c["status"], c["message"]) for c in row["checkpoints"]}
    assert row["errors"] == [], row["errors"]
    assert row["score"] == row["max_score"] > 0, statuses


def test_the_test_command_succeeds_once_every_checkpoint_passes(solved: Graded) -> None:
    if any(cdk_missing(path.stem) for path in SOLUTIONS):
        pytest.skip("exercise 09 cannot be graded here (no Node.js), so make test fails")
    assert solved.result.returncode == 0, solved.result.stdout[-3000:]


def test_every_lesson_runs_with_the_releases_own_mlcicd(
    built: Built, untouched: Graded, tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv = built.folder / ".venv"
    out = tmp_path_factory.mktemp("lessons")
    mlcicd = str(venv / "bin" / "mlcicd")
    command = shlex.join([mlcicd, "course", "run", "notebooks", "--out", str(out), "--jobs", "2"])
    result = run(command, built.folder, learner_shell(venv))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    skipped = sum(bool(missing_requirement(path)) for path in LESSONS)
    ran = len(LESSONS) - skipped
    assert f"{ran} of {len(LESSONS)} notebooks ran without error" in result.stdout, result.stdout
    for lesson in ("01_why_ml_cicd.ipynb", "06_end_to_end_tests.ipynb"):  # no tests/: the snapshot
        assert "recorded when this copy was released" in (out / "notebooks" / lesson).read_text()
