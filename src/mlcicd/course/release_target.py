"""Where a learner release goes, and how it replaces a previous one without losing work.

The rules (``mlcicd course release OUT``):

* OUT must not be the course folder, a folder holding it, or a folder inside one
  the release reads from (``notebooks/``, ``src/``, ...).
* A new or empty OUT is written. An OUT with anything in it is refused, unless
  ``--force`` is given **and** OUT is a previous release: it holds the marker
  :data:`MARKER` listing the files that release wrote. Anything else is refused
  even with ``--force``: the release never deletes a folder it did not write.
* Replacing a previous release removes only the files its marker lists. Whatever
  else is in OUT (``.git/``, ``.venv/``, notes of your own) is carried over into
  the new release unchanged; if the new release would write at one of those
  paths, the release is refused and names it.
* The release is written in full into a temporary folder beside OUT, then put
  in place by renaming: a failure at any step leaves OUT as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from mlcicd import __version__
from mlcicd.exceptions import CourseError

#: The file that marks a folder as a release, and lists what it wrote.
MARKER = ".mlcicd-release.json"
GENERATED_BY = "mlcicd course release"


@dataclass(frozen=True)
class Target:
    """What is at OUT before the release is written.

    Attributes:
        out: OUT, absolute.
        previous: The previous release's files (path: SHA-256), empty when OUT is new.
        keep: Entries of OUT that the previous release did not write, carried over.
    """

    out: Path
    previous: Mapping[str, str]
    keep: tuple[str, ...]

    def edited(self) -> list[str]:
        """Files of the previous release that were changed since it was written."""
        return [
            path
            for path, digest in sorted(self.previous.items())
            if (self.out / path).is_file() and _sha256((self.out / path).read_bytes()) != digest
        ]


def inspect_target(out: Path, root: Path, *, force: bool, reads: Iterable[str]) -> Target:
    """Check that the release may be written at ``out``; return what is there.

    Args:
        out: The release folder asked for.
        root: The course folder.
        force: Replace a previous release at ``out``.
        reads: The top-level entries of ``root`` the release reads from.

    Raises:
        CourseError: Naming OUT and what to do, when it may not be written.
    """
    out = Path(os.path.abspath(out))
    _check_place(out, Path(root).resolve(), reads)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise CourseError(
            "is a file or a symbolic link, not a folder: give a new or empty folder", path=str(out)
        )
    if not out.exists() or not any(out.iterdir()):
        return Target(out, {}, ())
    if not force:
        raise CourseError(
            "exists and is not empty: give a new or empty folder, or pass --force to replace "
            "a previous release there (only the files it wrote are replaced)",
            path=str(out),
        )
    previous = read_marker(out)
    if previous is None:
        raise CourseError(
            f"is not a previous release (it has no valid {MARKER}), so even --force does not "
            "replace it: the release never deletes what it did not write; give a new or "
            "empty folder",
            path=str(out),
        )
    return Target(out, previous, tuple(_unlisted(out, set(previous))))


def _check_place(out: Path, root: Path, reads: Iterable[str]) -> None:
    resolved = out.resolve()
    if resolved == root or root.is_relative_to(resolved):
        raise CourseError(
            f"is the course folder {root} or holds it: the release goes in a folder of its own",
            path=str(out),
        )
    if resolved.is_relative_to(root):
        top = resolved.relative_to(root).parts[0]
        if top in set(reads) | {"solutions"}:
            raise CourseError(
                f"is inside {top}/, which the release reads from: write it elsewhere "
                "(e.g. build/release, or a folder beside the course)",
                path=str(out),
            )


def read_marker(folder: Path) -> dict[str, str] | None:
    """Return the files a previous release at ``folder`` wrote, or None if it is not one."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if data.get("generated_by") != GENERATED_BY or not isinstance(files, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) and _safe(k) for k, v in files.items()):
        return None
    return dict(files)


def _safe(path: str) -> bool:
    """A relative POSIX path that stays inside its folder."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\\" not in path


def _unlisted(out: Path, listed: set[str]) -> list[str]:
    """Entries of ``out`` not written by the release: the highest such file or folder."""
    holders = {str(PurePosixPath(p).parent) for p in listed}
    holders |= {str(parent) for p in holders for parent in PurePosixPath(p).parents}
    found: list[str] = []

    def visit(folder: Path, prefix: str) -> None:
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            path = prefix + entry.name
            if path in listed or path == MARKER:
                continue
            if entry.is_dir(follow_symlinks=False) and path in holders:
                visit(Path(entry.path), path + "/")
            else:
                found.append(path)

    visit(out, "")
    return found


def check_conflicts(target: Target, paths: Iterable[str]) -> None:
    """Refuse when a carried-over entry of OUT is where the new release writes.

    Raises:
        CourseError: Naming the entries.
    """
    new = set(paths) | {MARKER}
    parents = {str(parent) for p in new for parent in PurePosixPath(p).parents}
    clashes = [
        keep
        for keep in target.keep
        if keep in new or keep in parents or any(str(p) in new for p in PurePosixPath(keep).parents)
    ]
    if clashes:
        raise CourseError(
            f"{', '.join(clashes)} in it were not written by the previous release, and the new "
            "release writes there: move them away and run again",
            path=str(target.out),
        )


def marker_text(files: Mapping[str, bytes]) -> str:
    """The marker's JSON: the mlcicd version and each file's SHA-256."""
    data = {
        "generated_by": GENERATED_BY,
        "mlcicd": __version__,
        "files": {path: _sha256(files[path]) for path in sorted(files)},
    }
    return json.dumps(data, indent=2) + "\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_tree(files: Mapping[str, bytes], executable: Iterable[str], folder: Path) -> None:
    """Write ``files`` (relative paths) under ``folder``, with the executable bit where asked."""
    run = set(executable)
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.chmod(0o755 if path in run else 0o644)


def stage(out: Path) -> Path:
    """Create the temporary folder beside ``out`` the release is written into."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.release-", dir=out.parent))


def discard(staging: Path, keep: Iterable[str] = ()) -> None:
    """Remove a staging folder :func:`stage` made, unless a kept entry is still in it."""
    if any((staging / path).exists() or (staging / path).is_symlink() for path in keep):
        return  # moving it back failed: never delete what the release did not write
    shutil.rmtree(staging, ignore_errors=True)


def put_in_place(staging: Path, target: Target) -> list[str]:
    """Move ``staging`` to OUT, carrying kept entries over; remove the previous release.

    Returns:
        What :func:`remove_previous` left of the previous release, normally nothing.

    Raises:
        OSError: When a rename fails; OUT and the kept entries are then as they were.
    """
    out = target.out
    moved: list[str] = []
    try:
        for path in target.keep:
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            os.rename(out / path, staging / path)
            moved.append(path)
        if not out.exists():
            os.rename(staging, out)
            return []
        # An empty folder of our own: rename() replaces an empty directory.
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
        os.rename(out, old)
    except OSError:
        _move_back(staging, out, moved)
        raise
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)
        _move_back(staging, out, moved)
        raise
    return remove_previous(old, target.previous)


def _move_back(staging: Path, out: Path, moved: list[str]) -> None:
    for path in reversed(moved):
        os.rename(staging / path, out / path)


def remove_previous(old: Path, previous: Mapping[str, str]) -> list[str]:
    """Delete the files a previous release wrote (and folders left empty) from ``old``.

    Anything else found there is left, and ``old`` with it: the release deletes
    only what it wrote.

    Returns:
        The files left (absolute paths), none when ``old`` is gone.
    """
    for path in previous:
        candidate = old / path
        if candidate.is_symlink() or candidate.is_file():
            # One that cannot be removed is reported below; the new release is in place.
            with contextlib.suppress(OSError):
                candidate.unlink()
    (old / MARKER).unlink(missing_ok=True)
    for folder, _, _ in sorted(os.walk(old), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):  # not empty: holds what the release did not write
            os.rmdir(folder)
    if not old.exists():
        return []
    return sorted(str(p) for p in old.rglob("*") if not p.is_dir())
