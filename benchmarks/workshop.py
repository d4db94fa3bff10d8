"""Benchmark: the workshop loop on a 20-learner class: release, collect, grade with -n 2.

A class of ``--learners`` learners (default 20) hands in exercises 07 and 08,
built from the real exercises and solutions: a third of them complete, a third
half done, a third untouched. Half the class arrives as cloned repositories
(``repos/assignment-<name>/exercises/``), half in one LMS zip. The script times,
each as a subprocess as an instructor runs it:

1. ``mlcicd course release OUT`` (the learner distribution, scanned for answers);
2. ``mlcicd course collect repos class.zip -o CLASS``;
3. ``mlcicd grade CLASS -n 2`` with ``--feedback``, ``--gradebook`` and ``--report``,
   and, as the baseline in the same run, ``mlcicd grade CLASS -n 2`` alone: the
   ratio is what the three class outputs cost on top of grading.

The machines are shared and noisy: compare the ratio, not seconds across runs.

Run: ``.venv/bin/python benchmarks/workshop.py [--learners 20] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from mlcicd.course import notebook as n  # noqa: E402
from mlcicd.course.notebook import is_solution  # noqa: E402

MLCICD = (sys.executable, "-m", "mlcicd")
EXERCISES = ("07_codebuild", "08_codepipeline")


def work(exercise: str, how: str) -> str:
    """The exercise's text as handed in: ``full``, ``half`` or ``blank``."""
    nb = n.read(ROOT / "exercises" / f"{exercise}.ipynb")
    answers = n.read(ROOT / "solutions" / f"{exercise}.ipynb")
    cells = [i for i, cell in enumerate(nb.cells) if is_solution(cell)]
    for index in {"full": cells, "half": cells[:2], "blank": []}[how]:
        nb.cells[index].source = answers.cells[index].source
    return n.dumps(nb)


def build_class(folder: Path, learners: int) -> list[str]:
    """Write the class's repositories and zip under ``folder``; return the collect sources."""
    repos, archive = folder / "repos", folder / "class.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for number in range(learners):
            name, how = f"learner{number:02d}", ("full", "half", "blank")[number % 3]
            for exercise in EXERCISES:
                text = work(exercise, how)
                if number % 2:
                    bundle.writestr(f"{name}/{exercise}.ipynb", text)
                else:
                    path = repos / f"assignment-{name}" / "exercises" / f"{exercise}.ipynb"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(text, encoding="utf-8")
    return [str(repos), str(archive)]


def timed(*args: str) -> float:
    """Run ``mlcicd ARGS`` from the course folder; return its wall time in seconds."""
    started = time.perf_counter()
    done = subprocess.run([*MLCICD, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"mlcicd {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="Copy the outputs here (report.html, ...).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlcicd-workshop-") as scratch:
        folder = Path(scratch)
        sources = build_class(folder, args.learners)
        klass, out = folder / "class", folder / "out"
        release = timed("course", "release", str(folder / "release"))
        collect = timed("course", "collect", *sources, "-o", str(klass), "--strip-prefix",
                        "assignment-")  # fmt: skip
        bare = timed("grade", str(klass), "-n", "2", "--json", str(out / "bare.json"))
        full = timed(
            "grade", str(klass), "-n", "2", "--json", str(out / "grades.json"),
            "--feedback", str(out / "feedback"), "--gradebook", str(out / "gradebook.csv"),
            "--report", str(out / "report.html"),
        )  # fmt: skip
        submissions = args.learners * len(EXERCISES)
        print(f"class: {args.learners} learners, {submissions} submissions (exercises 07, 08)")
        print(f"release               {release:7.1f} s")
        print(f"collect               {collect:7.1f} s")
        print(f"grade -n 2            {bare:7.1f} s  ({submissions / bare:.2f} submissions/s)")
        print(f"grade -n 2 + outputs  {full:7.1f} s  (ratio to grade alone: {full / bare:.2f})")
        if args.keep:
            shutil.copytree(out, args.keep, dirs_exist_ok=True)


if __name__ == "__main__":
    main()
