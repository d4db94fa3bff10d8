"""One shard of buildspecs/grading.yml runs locally, as one build of CodeBuild's batch would.

The local runner does not emulate batch builds, so the test plays CodeBuild's
part: it starts the build with ``SHARD=1``, the value the ``build-matrix``
gives the first build. The source is a small course fork: the repository's
``exercises/`` (the manifest and the notebooks) and a ``submissions/`` folder
with one learner's copy of exercise 08, the fastest to grade. The install
lines (``apt-get`` for bubblewrap, ``pip install --no-compile '.[grade]'``, then
``python -m mlcicd.bytecode``)
do not really run: a stand-in ``apt-get``, ``pip`` and ``python`` first on the build's
``PATH`` record their arguments, and the real ``mlcicd`` is found in this
virtual environment.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mlcicd.buildspec import loads, run_buildspec

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
BUILDSPEC = ROOT / "buildspecs" / "grading.yml"
EXERCISE = "08_codepipeline"


def checkpoints_of(exercise: str) -> int:
    """How many checkpoints the manifest gives ``exercise``."""
    manifest = json.loads((EXERCISES / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = [e for e in manifest["exercises"] if e["name"] == exercise]
    return len(entry["checkpoints"])


@pytest.fixture
def fork(tmp_path: Path) -> Path:
    """A course fork with the exercises and one submission of exercise 08."""
    source = tmp_path / "source"
    (source / "exercises").mkdir(parents=True)
    for path in [EXERCISES / "manifest.json", *EXERCISES.glob("*.ipynb")]:
        shutil.copy2(path, source / "exercises" / path.name)
    (source / "submissions").mkdir()
    shutil.copy2(EXERCISES / f"{EXERCISE}.ipynb", source / "submissions" / f"{EXERCISE}.ipynb")
    return source


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    """A folder holding ``pip``, ``python`` and ``apt-get`` that log their arguments."""
    folder = tmp_path / "stand-in"
    folder.mkdir()
    for name in ("pip", "python", "apt-get"):
        tool = folder / name
        log = folder / f"{name}.log"
        tool.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexit 0\n', encoding="utf-8")
        tool.chmod(0o755)
    return folder


def test_one_shard_of_the_grading_buildspec_grades_its_submission(
    fork: Path, stand_in: Path, tmp_path: Path
) -> None:
    spec = loads(BUILDSPEC.read_text(encoding="utf-8"))
    env = {
        "PATH": os.pathsep.join(
            [str(stand_in), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
        ),
        "SHARD": "1",
    }
    log = io.StringIO()
    result = run_buildspec(
        spec, source_dir=fork, workdir=tmp_path / "work", env=env, output=log, build_id="grade:1"
    )
    assert result.status == "SUCCEEDED", log.getvalue()
    # bubblewrap came from Ubuntu's packages (as root: no sudo), and the course
    # was "installed" from the source root, as CodeBuild would.
    assert (stand_in / "apt-get.log").read_text(encoding="utf-8").splitlines() == [
        "update -q",
        "install -y -q bubblewrap",
    ]
    assert (stand_in / "pip.log").read_text(encoding="utf-8").splitlines() == [
        "install --no-compile .[grade]"
    ]
    # then compiled it (mlcicd.bytecode), with the Python pip installed into
    assert (stand_in / "python.log").read_text(encoding="utf-8").splitlines() == [
        "-m mlcicd.bytecode"
    ]

    report = result.source_dir / "reports" / "grades-1.xml"
    assert report.is_file(), log.getvalue()
    testcases = ET.parse(report).getroot().findall(".//testcase")
    assert len(testcases) == checkpoints_of(EXERCISE), ET.tostring(ET.parse(report).getroot())
    # The report group read that file, and the JSON and CSV were kept as artifacts.
    (summary,) = [r for r in result.reports if r.name == "grades"]
    assert [Path(f).name for f in summary.files] == ["grades-1.xml"]
    assert len(summary.test_cases) == checkpoints_of(EXERCISE)
    (primary,) = [a for a in result.artifacts if a.identifier == "primary"]
    assert {"reports/grades-1.json", "reports/gradebook-1.csv"} <= set(primary.entries)
    grades = json.loads((result.source_dir / "reports" / "grades-1.json").read_text("utf-8"))
    assert EXERCISE in json.dumps(grades)
