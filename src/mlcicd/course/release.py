"""``mlcicd course release OUT``: the learner distribution of the course.

A folder ready to push as a template or GitHub Classroom starter repository:
the lessons, the exercises, the toolkit with public cases only, a learner
README, Makefile and CI, and the environment files. Like nbgrader's release
it is a chain of small steps, each a function a test can run alone:

1. :func:`check_exercises`: ``exercises/`` must match ``solutions/``;
2. :func:`select_files`: what learners get (:data:`INCLUDE`), never
   ``solutions/``, ``tests/`` or the grading CI;
3. :data:`TRANSFORMS`: the check modules without their hidden regions
   (:func:`~mlcicd.course.hidden.strip_hidden`), the files written for
   learners (:mod:`mlcicd.course.release_learner`), and a snapshot of the
   course's own test suite for the lessons that show it
   (:mod:`mlcicd.testing.suite`);
4. the scan of :mod:`mlcicd.course.release_verify`: no solution text, no
   hidden case, no instructor file, no broken link (else nothing is written);
5. the write (:mod:`mlcicd.course.release_target`): into a temporary folder
   beside OUT, with a marker listing every file, then renamed into place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from mlcicd.course import release_target as target_
from mlcicd.course.build import MANIFEST, build_course
from mlcicd.course.hidden import strip_hidden
from mlcicd.course.release_learner import learner_files, read_manifest
from mlcicd.course.release_verify import load_answers, scan_files
from mlcicd.exceptions import CourseError, ReleaseLeakError
from mlcicd.testing.suite import SNAPSHOT, snapshot_json, take_snapshot

#: What learners get from the course folder: files, or folders taken whole
#: (``exercises/`` only as its manifest lists it).
INCLUDE: tuple[str, ...] = (
    "notebooks",
    "exercises",
    "src/mlcicd",
    "src/churn",
    "docs/data-schema.md",
    "docs/images",
    "infra",
    "jupyter/overrides.d",
    ".devcontainer",
    "environment.yml",
    "postBuild",
    "start",
    "pyproject.toml",
    "scripts/offline",
    ".gitignore",
)
#: Without these there is no course to release.
REQUIRED: tuple[str, ...] = ("notebooks", "exercises/manifest.json", "src/mlcicd", "pyproject.toml")
#: The check modules, whose hidden regions are cut out.
CHECKS = "src/mlcicd/course/checks/"
#: Names never copied from inside a folder: caches, editor and build leftovers.
_SKIP = frozenset({"__pycache__", ".ipynb_checkpoints", ".DS_Store", ".pytest_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo", ".egg-info")


@dataclass(frozen=True)
class Release:
    """A release in memory.

    Attributes:
        files: ``{relative POSIX path: content}``.
        executable: The paths written with the executable bit.
    """

    files: dict[str, bytes]
    executable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReleaseReport:
    """What ``release_course`` wrote.

    Attributes:
        out: The release folder.
        files: Every file written, marker excluded.
        size: Their total size in bytes.
        kept: Entries of OUT the previous release had not written, carried over.
        edited: Files of the previous release edited since, now replaced.
        left: Files of the previous release that could not be removed.
    """

    out: Path
    files: tuple[str, ...]
    size: int
    kept: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    left: tuple[str, ...] = ()

    def summary(self) -> list[str]:
        """Lines for the command line: what was written, kept, replaced."""
        lines = [f"kept (not part of the previous release): {path}" for path in self.kept]
        lines += [f"replaced, though edited since the previous release: {p}" for p in self.edited]
        lines += [f"could not remove (left in place): {path}" for path in self.left]
        lines.append(
            f"Released the course into {self.out}: {len(self.files)} files, "
            f"{self.size / 1e6:.1f} MB, with public cases only and no solutions."
        )
        lines.append(
            "README.md's Binder link says <owner>/<repo>: put there the GitHub repository "
            "you push this folder to."
        )
        return lines


def check_exercises(root: Path) -> None:
    """Refuse when ``exercises/`` does not match ``solutions/`` (a stale build).

    Raises:
        CourseError: Naming the stale files and the command that fixes them.
    """
    report = build_course(root, check=True)
    if not report.up_to_date:
        stale = [p.name for p in (*report.changed, *report.removed)]
        raise CourseError(
            f"exercises/ does not match solutions/ ({', '.join(stale)} stale): run "
            "`mlcicd course build` first, so learners get the current exercises",
            path=str(root / "exercises"),
        )


def select_files(root: Path) -> list[str]:
    """Return the relative paths of the files learners get, from :data:`INCLUDE`.

    Raises:
        CourseError: When a required part is missing, or a symbolic link is found.
    """
    for part in REQUIRED:
        if not (root / part).exists():
            raise CourseError(
                f"has no {part}, which a release needs: is this the course folder? (--root)",
                path=str(root),
            )
    selected: list[str] = []
    for item in INCLUDE:
        path = root / item
        if item == "exercises":
            selected += _exercises(root)
        elif path.is_symlink():
            raise _symlink(path)
        elif path.is_file():
            selected.append(item)
        elif path.is_dir():
            selected += _walk(root, path)
    return sorted(set(selected))


def _exercises(root: Path) -> list[str]:
    entries = read_manifest(root).get("exercises", [])
    return [f"exercises/{MANIFEST}", *(f"exercises/{e['notebook']}" for e in entries)]


def _walk(root: Path, folder: Path) -> list[str]:
    found = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _skipped(d))
        for name in [*dirs, *sorted(f for f in files if not _skipped(f))]:
            path = Path(here) / name
            if path.is_symlink():
                raise _symlink(path)
            if name not in dirs:
                found.append(path.relative_to(root).as_posix())
    return found


def _skipped(name: str) -> bool:
    return name in _SKIP or name.startswith(".") or name.endswith(_SKIP_SUFFIXES)


def _symlink(path: Path) -> CourseError:
    return CourseError(
        "is a symbolic link; the release copies files, never links: replace it with the file",
        path=str(path),
    )


def read_files(root: Path, paths: list[str]) -> Release:
    """Read the selected files, and which of them are executable."""
    files = {path: (root / path).read_bytes() for path in paths}
    executable = frozenset(p for p in paths if os.access(root / p, os.X_OK))
    return Release(files, executable)


def strip_checks(root: Path, release: Release) -> Release:
    """Cut the hidden regions out of every check module.

    Raises:
        CourseError: Naming the module, for an unbalanced marker.
    """
    files = dict(release.files)
    for path, data in release.files.items():
        if path.startswith(CHECKS) and path.endswith(".py"):
            files[path] = strip_hidden(data.decode("utf-8"), path).encode("utf-8")
    return replace(release, files=files)


def add_learner_files(root: Path, release: Release) -> Release:
    """Write the learner README, Makefile, CI, exercises README and pyproject.toml."""
    pyproject = release.files["pyproject.toml"].decode("utf-8")
    files = dict(release.files)
    files.update({p: t.encode("utf-8") for p, t in learner_files(root, pyproject).items()})
    return replace(release, files=files)


def add_suite_snapshot(root: Path, release: Release) -> Release:
    """Record the course's test suite in :data:`~mlcicd.testing.suite.SNAPSHOT`.

    The release has no ``tests/`` and its ``make test`` grades exercises, so lessons
    01 and 06 read the suite's figures from there. No ``tests/``, no snapshot.

    Raises:
        CourseError: Naming a test file that cannot be read or parsed.
    """
    snapshot = take_snapshot(root)
    if snapshot is None:
        return release
    return replace(release, files={**release.files, SNAPSHOT: snapshot_json(snapshot).encode()})


#: The transform steps, in order: each takes the course folder and a release.
TRANSFORMS: tuple[Callable[[Path, Release], Release], ...] = (
    strip_checks,
    add_learner_files,
    add_suite_snapshot,
)


def build_release(root: Path) -> Release:
    """Select, read and transform the course at ``root`` into a release, in memory."""
    release = read_files(root, select_files(root))
    for step in TRANSFORMS:
        release = step(root, release)
    return release


def verify(root: Path, release: Release) -> None:
    """Refuse a release that holds an answer, a hidden case or an instructor file.

    Raises:
        ReleaseLeakError: With every finding; the message names the first.
    """
    leaks = scan_files(release.files, load_answers(root))
    if leaks:
        more = f" (and {len(leaks) - 1} more)" if len(leaks) > 1 else ""
        raise ReleaseLeakError(
            f"the release would give learners what they must not get: {leaks[0]}{more}; "
            "nothing was written. Remove it from the course (or, for a line a lesson "
            "shares with a solution on purpose, list it in solutions/release-allow.txt)",
            leaks=tuple(str(leak) for leak in leaks),
        )


def release_course(root: Path, out: Path, *, force: bool = False) -> ReleaseReport:
    """Write the learner release of the course at ``root`` into ``out``.

    Args:
        root: The course folder (holds ``solutions/``, ``exercises/``, ``notebooks/``).
        out: The release folder: new, empty, or (with ``force``) a previous release.
        force: Replace a previous release at ``out`` (see :mod:`release_target`).

    Raises:
        CourseError: When OUT may not be written, exercises/ is stale, the course is
            incomplete, or the release would leak (:class:`ReleaseLeakError`). OUT is
            then as it was.
    """
    root = Path(root)
    reads = {item.split("/")[0] for item in INCLUDE}
    target = target_.inspect_target(out, root, force=force, reads=reads)
    check_exercises(root)
    release = build_release(root)
    verify(root, release)
    target_.check_conflicts(target, release.files)
    edited = target.edited()
    files = {**release.files, target_.MARKER: target_.marker_text(release.files).encode()}
    staging = target_.stage(target.out)
    try:
        target_.write_tree(files, release.executable, staging)
        left = target_.put_in_place(staging, target)
    except OSError as error:
        target_.discard(staging, target.keep)
        raise CourseError(
            f"could not write the release ({error}); it was left as it was", path=str(out)
        ) from None
    return ReleaseReport(
        out=target.out,
        files=tuple(sorted(release.files)),
        size=sum(len(data) for data in release.files.values()),
        kept=target.keep,
        edited=tuple(edited),
        left=tuple(left),
    )
