"""The notebooks part of ``make check``: run only the notebooks touched since ``main``.

``make check`` is the inner loop for someone changing the toolkit or a lesson:
ruff, the unit tests, and the course notebooks touched on this branch, each
checked the way the notebook layer of ``make test`` checks it:

* a lesson (``notebooks/``) or a solution (``solutions/``) runs headless with
  papermill, offline, as ``make course`` runs it (:func:`~mlcicd.course.execute.run_notebooks`):
  every cell must run (a solution's checkpoints raise when they fail);
* an exercise (``exercises/``) runs under ``nbval --nbval-lax``
  (:func:`~mlcicd.course.nbval_run.run_nbval`), and, untouched by a learner, must
  fail every checkpoint and no cell but its stubs and checkpoints
  (:func:`exercise_problems`);
* with any notebook touched, every notebook follows the course rules
  (``mlcicd course lint``), and with a solution or an exercise touched, the
  exercises are up to date with the solutions (``mlcicd course build --check``).

"Touched" is what ``git diff --name-only main...HEAD`` lists, plus uncommitted
changes and new files not yet added (:func:`touched_notebooks`). Without git, a
repository or a ``main`` branch, no notebook is selected and the reason is said:
``make test`` runs them all.

Run as ``python -m mlcicd.testing.check [--base main] [--out build/check] [--list]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlcicd.course.nbval_run import CellResult
from mlcicd.exceptions import CourseError

#: The folders of course notebooks, as the notebook layer globs them (``FOLDER/*.ipynb``).
FOLDERS: tuple[str, ...] = ("notebooks", "solutions", "exercises")
#: The branch a change is compared with.
BASE = "main"


@dataclass(frozen=True)
class Touched:
    """The notebooks a change touched, or why none could be selected.

    Attributes:
        notebooks: Paths relative to the repository root, sorted, existing files only.
        reason: Why nothing was selected (no git, no repository, no base branch), else None.
    """

    notebooks: tuple[Path, ...] = ()
    reason: str | None = None


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """``git -C root ARGS``, or None when git is not installed."""
    git = shutil.which("git")
    if git is None:
        return None
    return subprocess.run(
        [git, "-C", str(root), *args], capture_output=True, text=True, check=False, timeout=60
    )


def _names(root: Path, *args: str) -> list[str]:
    """The NUL-separated paths one git command lists (``-z``: no quoting of odd names)."""
    result = _git(root, *args, "-z")
    if result is None or result.returncode != 0:
        detail = result.stderr.strip() if result is not None else "git is not installed"
        raise CourseError(
            f"git {' '.join(args)} failed ({detail}), so the touched notebooks are unknown; "
            "`make test` runs them all",
            path=str(root),
        )
    return [name for name in result.stdout.split("\0") if name]


def _is_course_notebook(root: Path, name: str) -> bool:
    parts = Path(name).parts
    return (
        len(parts) == 2
        and parts[0] in FOLDERS
        and parts[1].endswith(".ipynb")
        and (root / name).is_file()  # a deleted notebook has nothing to run
    )


def touched_notebooks(root: Path, base: str = BASE) -> Touched:
    """The course notebooks changed since ``base``, committed or not.

    Committed: ``git diff --name-only BASE...HEAD`` (what this branch changed since it
    left ``base``). Uncommitted: ``git diff --name-only HEAD`` (staged or not) and
    untracked files that ``.gitignore`` does not ignore. Only ``notebooks/``,
    ``solutions/`` and ``exercises/`` ``*.ipynb`` files that exist are kept.

    Args:
        root: The repository root (paths are relative to it).
        base: The branch to compare with.

    Returns:
        The notebooks, or no notebook and the reason when git, the repository or
        ``base`` is missing.

    Raises:
        CourseError: When a git command fails in a repository that has ``base``.
    """
    probe = _git(root, "rev-parse", "--show-toplevel")
    if probe is None:
        return Touched(reason="git is not installed, so no change can be found")
    if probe.returncode != 0:
        return Touched(reason=f"{root} is not a git repository, so no change can be found")
    has_base = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if has_base is None or has_base.returncode != 0:
        return Touched(reason=f"this repository has no branch {base!r} to compare with")
    names = _names(root, "diff", "--name-only", "--relative", f"{base}...HEAD")
    names += _names(root, "diff", "--name-only", "--relative", "HEAD")
    names += _names(root, "ls-files", "--others", "--exclude-standard")
    kept = sorted({Path(n) for n in names if _is_course_notebook(root, n)})
    return Touched(tuple(kept))


def exercise_problems(notebook: Path, results: Mapping[int, CellResult]) -> list[str]:
    """What is wrong with an untouched exercise's nbval results, as the notebook layer checks.

    An exercise as shipped must fail every checkpoint (else a checkpoint tests
    nothing) and no cell but its stubs and checkpoints (else the learner meets an
    error that is not theirs). tests/notebooks/test_nbval.py applies it to every exercise.

    Args:
        notebook: The exercise.
        results: nbval's verdicts on it, by code cell number.

    Returns:
        One sentence per problem, empty when the exercise is as it should be.
    """
    from mlcicd.course.notebook import checkpoint_info, is_solution, read

    cells = [cell for cell in read(notebook).cells if cell.cell_type == "code"]
    if sorted(results) != list(range(len(cells))):
        return [f"nbval ran cells {sorted(results)} of {len(cells)} code cells"]
    failed = {i: r.message for i, r in results.items() if r.outcome != "passed"}
    checkpoints = {i for i, cell in enumerate(cells) if checkpoint_info(cell)}
    stubs = {i for i, cell in enumerate(cells) if is_solution(cell)}
    problems = []
    if not checkpoints:
        problems.append("it has no checkpoint cell")
    passing = sorted(checkpoints - set(failed))
    if passing:
        problems.append(f"checkpoint cells {passing} pass with no work done: they test nothing")
    for cell, message in failed.items():
        if cell not in checkpoints | stubs:
            last = message.strip().splitlines()[-1] if message.strip() else "no message"
            problems.append(f"code cell {cell} fails, and is neither stub nor checkpoint: {last}")
    return problems


@dataclass(frozen=True)
class Verdict:
    """How one check of ``make check`` went.

    Attributes:
        what: The notebook checked (relative to the root), or the course-wide check.
        seconds: Wall-clock time it took.
        problems: What failed, one sentence each; empty when it passed.
        skipped: Why it did not run, when it needs what this machine lacks.
    """

    what: str
    seconds: float
    problems: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        """True when nothing failed (a skipped check failed nothing)."""
        return not self.problems


def _run_headless(root: Path, paths: Sequence[Path], out: Path, jobs: int) -> list[Verdict]:
    """Lessons and solutions, as ``make course`` runs them."""
    from mlcicd.course.execute import run_notebooks

    runs = run_notebooks([root / p for p in paths], out, jobs=jobs)
    return [
        Verdict(str(path), run.seconds, (run.error,) if run.error else (), run.skipped)
        for path, run in zip(paths, runs, strict=True)
    ]


def _run_exercises(root: Path, paths: Sequence[Path], out: Path, jobs: int) -> list[Verdict]:
    """Exercises under nbval, as the notebook layer runs them (tests/notebooks/conftest.py)."""
    from mlcicd.course.execute import missing_requirement
    from mlcicd.course.nbval_run import run_nbval

    skipped = {p: missing_requirement(root / p) for p in paths}
    runnable = [p for p in paths if skipped[p] is None]
    start = time.perf_counter()
    results = {}
    if runnable:
        out.mkdir(parents=True, exist_ok=True)
        results = run_nbval(
            [str(p) for p in runnable],
            out / "nbval.xml",
            cwd=root,
            workers=min(jobs, len(runnable)),
        )
    seconds = (time.perf_counter() - start) / max(len(runnable), 1)  # nbval times no notebook
    verdicts = []
    for path in paths:
        if skipped[path] is not None:
            verdicts.append(Verdict(str(path), 0.0, skipped=skipped[path]))
            continue
        found = results.get(path.as_posix())
        problems = exercise_problems(root / path, found) if found else ["nbval did not run it"]
        verdicts.append(Verdict(str(path), seconds, tuple(problems)))
    return verdicts


def _course_wide(root: Path, notebooks: Sequence[Path]) -> list[Verdict]:
    """``mlcicd course lint``, and ``course build --check`` when exercises may be stale."""
    from mlcicd.course import build_course, lint_notebooks

    start = time.perf_counter()
    findings = tuple(str(finding) for finding in lint_notebooks(root))
    verdicts = [Verdict("mlcicd course lint", time.perf_counter() - start, findings)]
    if any(p.parts[0] in ("solutions", "exercises") for p in notebooks):
        start = time.perf_counter()
        report = build_course(root, check=True)
        stale = tuple(
            f"{p.relative_to(root)} is stale: run `mlcicd course build` and commit the result"
            for p in (*report.changed, *report.removed)
        )
        verdicts.append(Verdict("mlcicd course build --check", time.perf_counter() - start, stale))
    return verdicts


def check_notebooks(
    root: Path, notebooks: Sequence[Path], out: Path, *, jobs: int = 2
) -> list[Verdict]:
    """Check ``notebooks`` (relative to ``root``) as the notebook layer of ``make test`` does.

    Args:
        root: The repository root.
        notebooks: Course notebooks, e.g. :attr:`Touched.notebooks`.
        out: Folder for the executed copies and nbval's report.
        jobs: Notebooks run at the same time.

    Returns:
        The course-wide checks first, then one verdict per notebook (lessons and
        solutions, then exercises); empty when ``notebooks`` is.

    Raises:
        CourseError: When nbval could not run at all.
    """
    if not notebooks:
        return []
    headless = [p for p in notebooks if p.parts[0] != "exercises"]
    exercises = [p for p in notebooks if p.parts[0] == "exercises"]
    verdicts = _course_wide(root, notebooks)
    if headless:
        verdicts += _run_headless(root, headless, out, jobs)
    if exercises:
        verdicts += _run_exercises(root, exercises, out / "nbval", jobs)
    return verdicts


def format_verdicts(verdicts: Sequence[Verdict]) -> str:
    """One line per check (``   6.2 s  ok    notebooks/01_x.ipynb``), its problems under it."""
    lines = []
    for verdict in verdicts:
        status = "skip" if verdict.skipped and verdict.ok else "ok" if verdict.ok else "FAIL"
        note = f"  ({verdict.skipped})" if verdict.skipped else ""
        lines.append(f"{verdict.seconds:>6.1f} s  {status:<5} {verdict.what}{note}")
        lines += [f"           {problem}" for problem in verdict.problems]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Select the touched notebooks, check them and print one line each.

    Returns:
        0 when every check passed or none ran, 1 when one failed, 2 when the
        checks could not run.
    """
    parser = argparse.ArgumentParser(
        prog="python -m mlcicd.testing.check",
        description="Check the course notebooks touched since a branch, as make test does.",
    )
    parser.add_argument("--root", type=Path, default=Path("."), help="repository root")
    parser.add_argument("--base", default=BASE, help="branch to compare with (default: main)")
    parser.add_argument("--out", type=Path, default=Path("build/check"), help="executed copies")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at the same time")
    parser.add_argument("--list", action="store_true", help="only list the touched notebooks")
    args = parser.parse_args(argv)
    try:
        touched = touched_notebooks(args.root, args.base)
        if touched.reason is not None:
            print(f"Notebooks: none run, as {touched.reason}; `make test` runs them all.")
            return 0
        names = ", ".join(map(str, touched.notebooks)) or "none"
        print(f"Notebooks touched since {args.base}: {names}")
        if args.list or not touched.notebooks:
            return 0
        start = time.perf_counter()
        verdicts = check_notebooks(args.root, touched.notebooks, args.out, jobs=args.jobs)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 2
    print(format_verdicts(verdicts))
    failed = sum(not v.ok for v in verdicts)
    print(f"{len(verdicts) - failed} of {len(verdicts)} checks passed in "
          f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
