"""Every command of the instructor guide, run in order on a small class of the real exercises.

The commands are read from the ``bash`` blocks of docs/instructor-guide.md (not
copied here) and run from a copy of the course folder, as an instructor runs
them. The class is built first where the guide expects it: three cloned learner
repositories (``workshop/repos/assignment-*``) and an LMS bulk download
(``workshop/lms-download.zip``), six learners in all, each with exercises 07 and
08 done in full, left blank or half done, plus the junk a real class sends (a
text file, an archive entry that climbs out with ``..``). This is the end-to-end
test of the workshop loop: release, collect, grade, feedback, gradebook, report.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from mlcicd.course import notebook as n
from mlcicd.course.notebook import is_solution

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "instructor-guide.md"
EXERCISES = ("07_codebuild", "08_codepipeline")
BIN = Path(sys.executable).parent


def guide_commands() -> list[str]:
    """The command lines of the guide's ``bash`` blocks, in order (comments left out)."""
    blocks = re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def filled(exercise: str, how: str) -> nbformat.NotebookNode:
    """The exercise as handed in: ``full``, ``half`` (the first two answers) or ``blank``."""
    nb = n.read(ROOT / "exercises" / f"{exercise}.ipynb")
    answers = n.read(ROOT / "solutions" / f"{exercise}.ipynb")
    cells = [i for i, cell in enumerate(nb.cells) if is_solution(cell)]
    for index in {"full": cells, "half": cells[:2], "blank": []}[how]:
        nb.cells[index].source = answers.cells[index].source
    return nb


#: learner -> (where the work arrives, {exercise: how it is done})
CLASS = {
    "ana": ("repo", {"07_codebuild": "full", "08_codepipeline": "full"}),
    "ben": ("repo", {"07_codebuild": "blank", "08_codepipeline": "blank"}),
    "chen": ("repo", {"07_codebuild": "full", "08_codepipeline": "half"}),
    "dara": ("zip", {"08_codepipeline": "full"}),
    "eli": ("zip", {"07_codebuild": "half", "08_codepipeline": "full"}),
    "fay": ("zip", {"07_codebuild": "blank", "08_codepipeline": "half"}),
}


def copy_course(target: Path) -> Path:
    """A copy of the course folder's tracked files (what a clone of it holds)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def build_class(course: Path) -> None:
    """The learners' work, where the guide's collect command reads it."""
    workshop = course / "workshop"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for learner, (where, work) in CLASS.items():
            for exercise, how in work.items():
                text = n.dumps(filled(exercise, how))
                if where == "repo":
                    path = workshop / "repos" / f"assignment-{learner}" / "exercises"
                    path.mkdir(parents=True, exist_ok=True)
                    (path / f"{exercise}.ipynb").write_text(text, encoding="utf-8")
                else:
                    bundle.writestr(f"{learner}/{exercise}.ipynb", text)
        bundle.writestr("eli/notes.txt", "my notes")
        bundle.writestr("../escape.ipynb", "{}")
    (workshop / "lms-download.zip").write_bytes(archive.getvalue())


@pytest.fixture(scope="module")
def ran(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    """Every guide command run in order in a copy of the course; the results by command."""
    course = copy_course(tmp_path_factory.mktemp("course"))
    build_class(course)
    environ = {**os.environ, "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")])}
    # The suite runs on two workers: a graded cell may wait for the cores (how fast, not what).
    environ["MLCICD_GRADE_TIMEOUT"] = "120"
    results = {}
    for line in guide_commands():
        results[line] = subprocess.run(
            shlex.split(line), cwd=course, env=environ, capture_output=True, text=True,
            timeout=900, check=False,
        )  # fmt: skip
    return course, results


def result_of(ran: tuple, prefix: str) -> subprocess.CompletedProcess[str]:
    (found,) = [r for line, r in ran[1].items() if line.startswith(prefix)]
    return found


def test_the_guide_shows_the_whole_loop() -> None:
    commands = [" ".join(shlex.split(line)[:3]) for line in guide_commands()]
    for step in ["mlcicd doctor", "mlcicd course release", "mlcicd course collect", "mlcicd grade"]:
        assert any(c.startswith(step) for c in commands), f"the guide never shows {step}"


def test_every_command_of_the_guide_succeeds(ran: tuple) -> None:
    failed = {
        line: (r.stdout[-1500:], r.stderr[-1500:]) for line, r in ran[1].items() if r.returncode
    }
    assert not failed, failed


def test_the_release_holds_no_answers(ran: tuple) -> None:
    release = ran[0] / "workshop" / "release"
    assert (release / "exercises" / "08_codepipeline.ipynb").is_file()
    assert not (release / "solutions").exists()
    assert not (release / "docs" / "instructor-guide.md").exists()


def test_collect_gathers_the_class_and_names_every_problem(ran: tuple) -> None:
    class_folder = ran[0] / "workshop" / "class"
    found = sorted(p.relative_to(class_folder).as_posix() for p in class_folder.rglob("*.ipynb"))
    expected = sorted(f"{who}/{ex}.ipynb" for who, (_, work) in CLASS.items() for ex in work)
    assert found == expected
    output = result_of(ran, "mlcicd course collect").stdout
    assert "notes.txt" in output and "escape.ipynb" in output
    assert "dara" in output and "07_codebuild" in output  # dara never handed in exercise 07
    assert not (ran[0] / "workshop" / "escape.ipynb").exists()


def test_grading_scores_full_blank_and_half_done_work(ran: tuple) -> None:
    rows = json.loads((ran[0] / "workshop" / "grades.json").read_text(encoding="utf-8"))
    scores = {
        (r["learner"], r["exercise"]): (r["score"], r["max_score"]) for r in rows["submissions"]
    }
    assert scores[("ana", "07_codebuild")][0] == scores[("ana", "07_codebuild")][1] > 0
    assert scores[("dara", "08_codepipeline")] == (9, 9)
    assert scores[("ben", "07_codebuild")][0] == scores[("ben", "08_codepipeline")][0] == 0
    assert 0 < scores[("chen", "08_codepipeline")][0] < 9


def test_feedback_gradebook_and_class_view_are_written(ran: tuple) -> None:
    workshop = ran[0] / "workshop"
    assert sorted(p.stem for p in (workshop / "feedback").glob("*.html")) == sorted(CLASS)
    with (workshop / "gradebook.csv").open(encoding="utf-8", newline="") as handle:
        book = list(csv.DictReader(handle))
    assert sorted(row["learner"] for row in book) == sorted(CLASS)
    report = (workshop / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in report and "08.4" in report
