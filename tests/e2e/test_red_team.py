"""Red team: learner code that tries to forge its grade or touch anyone else's, and honest controls.

Every submission is built by code from the real exercises and solutions (exercise 08,
whose kernels start fast, and exercise 02 for test modules a learner writes). One
class holds the attackers and the honest controls and is graded once, two at a time,
as an instructor would; each test reads its rows. The forging attacks start from the
untouched stubs, so any point they earn is forged. Every test also checks that no file
outside the sandbox changed: the class folder, the report folder, the installed package.

Skipped, in one sentence, where bubblewrap cannot make a sandbox (CI installs it).
"""

from __future__ import annotations

import copy
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

import mlcicd
from mlcicd.course import notebook as n
from mlcicd.course.notebook import checkpoint_info
from mlcicd.grade import SubmissionResult, grade_paths
from mlcicd.grade.report import write_reports
from mlcicd.grade.sandbox import isolation

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "exercises" / "manifest.json"
EX08, EX02, EX07 = "08_codepipeline", "02_unit_tests", "07_codebuild"
PACKAGE = Path(mlcicd.__file__).resolve().parent

pytestmark = pytest.mark.skipif(
    not isolation().sandbox,
    reason=f"no grading sandbox on this machine ({isolation().problem})",
)


def stub(name: str) -> nbformat.NotebookNode:
    return n.read(ROOT / "exercises" / f"{name}.ipynb")


def solution(name: str) -> nbformat.NotebookNode:
    return n.read(ROOT / "solutions" / f"{name}.ipynb")


def with_cell(nb: nbformat.NotebookNode, source: str, at: int = 2) -> nbformat.NotebookNode:
    """``nb`` with a code cell inserted at ``at`` (after exercise 08's imports)."""
    nb = copy.deepcopy(nb)
    nb.cells.insert(at, nbformat.v4.new_code_cell(source))
    return nb


# ---- attacks on the verdict inside the learner's own kernel ------------------------------

# mlcicd.course re-exports the function `checkpoint`: reach the module itself.
REPLACE_EVALUATE = """
import importlib
c = importlib.import_module("mlcicd.course.checkpoint")
# Every function between the checkpoint cell and its printed line.
c.evaluate = lambda i, namespace: (True, c.success_line(i, c.get_check(i).points))
c.run_checkpoint = lambda i, namespace: c.Outcome(True, c.success_line(i, c.get_check(i).points))
"""

NO_OP_REGISTRY = """
import dataclasses, importlib
c = importlib.import_module("mlcicd.course.checkpoint")
c.registered()
for key, check in list(c._REGISTRY.items()):
    c._REGISTRY[key] = dataclasses.replace(check, run=lambda *args: None)
"""

WRAP_PRINT = """
import builtins, re
_print = builtins.print
def print(*args, **kwargs):
    text = " ".join(map(str, args))
    found = re.match(r"Checkpoint (\\d+\\.\\d+) \\S+ .*?\\((\\d+)/(\\d+) points\\)", text)
    if found:
        text = f"Checkpoint {found[1]} passed ({found[3]}/{found[3]} points)"
    _print(text, **kwargs)
builtins.print = print
"""

WRAP_STDOUT = """
import re, sys
class Rewriter:
    def __init__(self, inner):
        self.inner = inner
    def write(self, text):
        text = re.sub(r"Checkpoint (\\d+\\.\\d+) failed \\(0/(\\d+) points\\).*",
                      lambda m: f"Checkpoint {m[1]} passed ({m[2]}/{m[2]} points)", text)
        return self.inner.write(text)
    def __getattr__(self, name):
        return getattr(self.inner, name)
sys.stdout = Rewriter(sys.stdout)
"""

INPUT_TRANSFORMER = """
import re
from mlcicd.course.checkpoint import get_check, success_line
def forge(lines):
    found = re.search(r'checkpoint\\("(\\d+\\.\\d+)"\\)', "".join(lines))
    if not found:
        return lines
    line = success_line(found[1], get_check(found[1]).points)
    return [f"print({line!r})\\n"]
get_ipython().input_transformers_post.append(forge)
"""

# ---- attacks on everyone else ----------------------------------------------------------------

WRITE_EVERYWHERE = """
import glob, json, os
targets = ["@ALICE@", "@CLASS@/planted.ipynb", "@REPORTS@/grades.json", "@PACKAGE@/__init__.py",
           "../nbval.xml", "../verdicts.json"]
for target in targets:
    try:
        with open(target, "a") as f:
            f.write("forged")
    except OSError:
        pass
forged = {"08.%d" % k: {"passed": True, "line": "Checkpoint 08.%d passed" % k} for k in range(1, 5)}
for path in glob.glob("/tmp/mlcicd-grade-*/verdicts.json") + ["../verdicts.json"]:
    try:
        open(path, "w").write(json.dumps(forged))
    except OSError:
        pass
"""

DETACHED = """
import subprocess
subprocess.Popen(["sh", "-c", "sleep 4; echo late >> @ALICE@; touch @CLASS@/late"],
                 start_new_session=True)
"""

KILL_EVERYONE = """
import os, signal
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    if int(pid) not in (os.getpid(), 1):
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
try:
    os.kill(-1, signal.SIGKILL)
except OSError:
    pass
"""

OVER_MEMORY = """
import numpy as np
big = np.ones(3 * 2**30 // 8)  # 3 GiB, every page touched
"""

FLOOD = """
for _ in range(200_000):
    print("x" * 100)
"""

TEST_MODULE_ATTACK = """
import os
for target in ["@ALICE@", "@PACKAGE@/__init__.py", "@CLASS@/from-tests"]:
    try:
        open(target, "a").write("forged")
    except OSError:
        pass
"""


BUILD_COMMAND_ATTACK = (
    "echo forged >> @ALICE@; echo forged >> @PACKAGE@/__init__.py; touch @CLASS@/from-build; true"
)


def attacking_buildspec() -> nbformat.NotebookNode:
    """Exercise 07's solution whose buildspec (run by checkpoints 07.x) also writes elsewhere."""
    nb = copy.deepcopy(solution(EX07))
    run_tests = '.build(f"python -m pytest {test_path}'
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and run_tests in c.source]
    cell.source = cell.source.replace(
        run_tests, f".build({BUILD_COMMAND_ATTACK!r})\n        {run_tests}", 1
    )
    return nb


def pasted_checkpoint() -> nbformat.NotebookNode:
    """Exercise 08's solution with a copy of checkpoint 08.1 pasted above everything."""
    nb = solution(EX08)
    (cell,) = [c for c in nb.cells if (checkpoint_info(c) or ("",))[0] == "08.1"]
    copied = copy.deepcopy(cell)
    copied["id"] = "pasted-copy"
    nb.cells.insert(1, copied)
    return nb


def attacking_test_module() -> nbformat.NotebookNode:
    """Exercise 02's solution whose test module (run by checkpoint 02.3) writes elsewhere."""
    nb = solution(EX02)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and 'TESTS = """' in c.source]
    nb = copy.deepcopy(nb)
    index = nb.cells.index(cell)
    nb.cells[index].source = cell.source.replace('TESTS = """', 'TESTS = """' + TEST_MODULE_ATTACK)
    return nb


@dataclass(frozen=True)
class Learner:
    """One submission: who, which exercise, how it is built, and the fair score."""

    name: str
    exercise: str
    build: Callable[[], nbformat.NotebookNode]
    score: int


FORGERS = [
    Learner("m-evaluate", EX08, lambda: with_cell(stub(EX08), REPLACE_EVALUATE), 0),
    Learner("m-registry", EX08, lambda: with_cell(stub(EX08), NO_OP_REGISTRY), 0),
    Learner("m-print", EX08, lambda: with_cell(stub(EX08), WRAP_PRINT), 0),
    Learner("m-stdout", EX08, lambda: with_cell(stub(EX08), WRAP_STDOUT), 0),
    Learner("m-transformer", EX08, lambda: with_cell(stub(EX08), INPUT_TRANSFORMER), 0),
]
OTHERS = [
    Learner("m-writer", EX08, lambda: with_cell(stub(EX08), WRITE_EVERYWHERE), 0),
    Learner("m-detached", EX08, lambda: with_cell(stub(EX08), DETACHED), 0),
    Learner("m-killer", EX08, lambda: with_cell(stub(EX08), KILL_EVERYONE), 0),
    # Over the 2048 MiB cap before any checkpoint: the kernel dies, nothing scores.
    Learner("m-memory", EX08, lambda: with_cell(solution(EX08), OVER_MEMORY), 0),
    # A flood of output in an honest notebook costs nothing, and breaks nothing.
    Learner("m-flood", EX08, lambda: with_cell(solution(EX08), FLOOD), 9),
    Learner("m-tests", EX02, attacking_test_module, 9),
    # The buildspec's commands run, sandboxed, when the grader judges 07.x outside the kernel.
    Learner("m-buildspec", EX07, attacking_buildspec, 9),
]
CONTROLS = [
    Learner("alice", EX08, lambda: solution(EX08), 9),
    Learner("carol", EX02, lambda: solution(EX02), 9),
    Learner("dave", EX08, pasted_checkpoint, 9),
]
LEARNERS = FORGERS + OTHERS + CONTROLS


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file under ``folders`` -> the SHA-256 of its bytes."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@dataclass
class Graded:
    """The graded class: its rows by learner, and the files before and after."""

    rows: dict[str, SubmissionResult]
    before: dict[str, str]
    after: dict[str, str]
    reports: Path


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Graded]:
    base = tmp_path_factory.mktemp("red-team")
    klass, reports = base / "class", base / "reports"
    reports.mkdir()
    alice = klass / "alice" / f"{EX08}.ipynb"
    places = {"@ALICE@": str(alice), "@CLASS@": str(klass), "@REPORTS@": str(reports)}
    places["@PACKAGE@"] = str(PACKAGE)
    for learner in LEARNERS:
        nb = learner.build()
        for cell in nb.cells:
            for mark, value in places.items():
                cell.source = cell.source.replace(mark, value)
        n.write(nb, klass / learner.name / f"{learner.exercise}.ipynb")
    linked = klass / "m-symlink"
    linked.mkdir()
    (linked / f"{EX08}.ipynb").symlink_to(ROOT / "solutions" / f"{EX08}.ipynb")
    before = snapshot(klass, reports, PACKAGE)
    results = grade_paths([klass], manifest=MANIFEST, workers=2)
    write_reports(results, json_path=reports / "grades.json", junit_path=None, csv_path=None)
    time.sleep(5)  # longer than the detached process waits
    after = snapshot(klass, reports, PACKAGE)
    yield Graded({r.learner: r for r in results}, before, after, reports)


def test_no_file_outside_the_sandboxes_changed(graded: Graded) -> None:
    grades = str(graded.reports / "grades.json")
    assert {k: v for k, v in graded.after.items() if k != grades} == graded.before
    data = json.loads((graded.reports / "grades.json").read_text())
    assert len(data["submissions"]) == len(LEARNERS) + 1


@pytest.mark.parametrize("learner", FORGERS, ids=lambda learner: learner.name)
def test_a_forged_verdict_scores_nothing_and_is_flagged_for_review(
    graded: Graded, learner: Learner
) -> None:
    row = graded.rows[learner.name]
    assert (row.score, row.max_score, row.errors) == (0, 9, ())
    flagged = [w for w in row.warnings if w.startswith("review checkpoint 08.")]
    assert flagged, row.warnings


@pytest.mark.parametrize("learner", OTHERS + CONTROLS, ids=lambda learner: learner.name)
def test_every_other_submission_gets_its_fair_score(graded: Graded, learner: Learner) -> None:
    row = graded.rows[learner.name]
    assert row.score == learner.score, [(c.id, c.status, c.message) for c in row.checkpoints]
    assert row.sandbox.startswith("Sandbox: bubblewrap")


def test_honest_controls_are_never_flagged(graded: Graded) -> None:
    for learner in CONTROLS:
        row = graded.rows[learner.name]
        assert not [w for w in row.warnings if w.startswith("review")], row.warnings


def test_a_pasted_checkpoint_costs_nothing_and_the_warning_names_the_copy(graded: Graded) -> None:
    (warning,) = graded.rows["dave"].warnings
    assert "cell 2 is ignored" in warning and "graded after its solution cell" in warning


def test_a_symlink_into_the_solutions_is_an_error_row_with_its_exercise(graded: Graded) -> None:
    row = graded.rows["m-symlink"]
    assert (row.exercise, row.score, row.max_score) == (EX08, 0, 9)
    assert row.errors and "symbolic link" in row.errors[0]


def test_the_memory_cap_is_on_what_is_resident(graded: Graded) -> None:
    if not isolation().cgroup:
        pytest.skip("no cgroup here: only the address space is limited")
    row = graded.rows["m-memory"]
    assert [c.status for c in row.checkpoints] != ["passed"] * 4
    assert "resident memory" in row.sandbox


def test_padding_with_cells_buys_no_time(tmp_path: Path) -> None:
    nb = stub(EX08)
    for _ in range(40):
        nb = with_cell(nb, "import time\ntime.sleep(0.5)")
    path = tmp_path / "pad" / f"{EX08}.ipynb"
    n.write(nb, path)
    start = time.monotonic()
    (row,) = grade_paths([path], manifest=MANIFEST, budget=12)
    took = time.monotonic() - start
    assert took < 40, f"grading took {took:.0f} s with a 12 s budget"
    assert (row.score, row.max_score, row.errors) == (0, 9, ())
    assert {c.status for c in row.checkpoints} == {"timeout"}
    assert any("12 s budget" in w for w in row.warnings)


if __name__ == "__main__":  # pragma: no cover - build the class by hand to look at it
    sys.exit(pytest.main([__file__, "-q"]))
