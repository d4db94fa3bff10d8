"""Read the files of a collection source, a folder or a ``.zip`` archive, without trusting it.

:func:`folder_entries` and :func:`zip_entries` list a source's files as
:class:`Entry` records that :mod:`mlcicd.course.collect` sorts into learners
and exercises. Neither writes anything, and neither follows a link:

* in a folder, a symbolic link is listed as such (never opened), and a file is
  opened with ``O_NOFOLLOW``, so one swapped for a link after the listing is
  refused;
* in an archive, an entry whose path is absolute or holds ``..`` (zip-slip) is
  reported and never listed, and a symbolic-link entry is listed as such. The
  archive's paths are only read: where a file is written is decided elsewhere,
  from checked names.

Hidden files and folders (``.git``, ``.ipynb_checkpoints``), ``__pycache__``
and ``__MACOSX`` are skipped everywhere. No file larger than :data:`MAX_BYTES`
is read.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: A notebook larger than this is not read (a zip bomb, or outputs gone wild).
MAX_BYTES = 100 * 1024 * 1024
#: Folder and file names skipped everywhere, besides hidden ones (a leading dot).
IGNORED_NAMES = frozenset({"__MACOSX", "__pycache__"})
#: What :attr:`Entry.read` may raise: the file cannot be read, or the archive is damaged.
READ_ERRORS = (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError)

#: Receives a problem: kind, the file concerned, and the message.
Report = Callable[[str, str, str], None]

_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Entry:
    """One file of a source: a file under a folder, or an archive member.

    Attributes:
        parts: Its path inside the source.
        shown: How messages name it (``archive.zip:member`` for a member).
        kind: ``file``, ``symlink`` or ``special`` (a FIFO, a device...).
        size: Its size in bytes, as the folder or the archive says.
        read: Returns at most ``MAX_BYTES + 1`` of its bytes; raises one of :data:`READ_ERRORS`.
        note: For a symlink, what it is and where it points.
    """

    parts: tuple[str, ...]
    shown: str
    kind: str
    size: int
    read: Callable[[], bytes]
    note: str = ""


def ignored(name: str) -> bool:
    """Return whether a file or folder named ``name`` is skipped everywhere."""
    return name.startswith(".") or name in IGNORED_NAMES


def folder_entries(root: Path, report: Report) -> tuple[list[Entry], set[str]]:
    """Return the files under ``root``, sorted, and the names of its top-level folders.

    Folders are walked without following links; a folder that cannot be listed
    is reported and skipped.
    """
    entries: list[Entry] = []
    folders: set[str] = set()
    base = Path(root).resolve()

    def walk(folder: Path, parts: tuple[str, ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError as error:
            report(
                "unreadable",
                str(folder),
                f"cannot list this folder ({error.strerror}); nothing in it collected: "
                "make it readable and collect again",
            )
            return
        for item in (item for item in items if not ignored(item.name)):
            path, inner = Path(item.path), (*parts, item.name)
            if item.is_symlink():
                entries.append(Entry(inner, str(path), "symlink", 0, bytes, _link_note(path, base)))
            elif item.is_dir(follow_symlinks=False):
                if not parts:
                    folders.add(item.name)
                walk(path, inner)
            elif item.is_file(follow_symlinks=False):
                size = item.stat(follow_symlinks=False).st_size
                entries.append(Entry(inner, str(path), "file", size, _file_reader(path)))
            else:
                entries.append(Entry(inner, str(path), "special", 0, bytes))

    walk(Path(root), ())
    return entries, folders


def _link_note(path: Path, base: Path) -> str:
    try:
        target = os.readlink(path)
    except OSError:
        return "a symbolic link"
    # Resolved only to say where it points; it is never opened.
    inside = (path.parent / target).resolve().is_relative_to(base)
    return f"a symbolic link to {target} ({'inside' if inside else 'outside'} the source)"


def _file_reader(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        # O_NOFOLLOW: a file swapped for a link since it was listed is refused, not followed.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise OSError(f"{path} is no longer a regular file")
            return file.read(MAX_BYTES + 1)

    return read


def zip_entries(
    archive: zipfile.ZipFile, source: Path, report: Report
) -> tuple[list[Entry], set[str]]:
    """Return the safe members of ``archive`` and the names of its top-level folders.

    An entry with an absolute path, a drive letter or a ``..`` part is reported as
    ``unsafe`` and left out. The entries read from ``archive``, which must stay open.
    """
    entries: list[Entry] = []
    folders: set[str] = set()
    for info in archive.infolist():
        name = info.filename.replace("\\", "/")  # some Windows tools write backslashes
        shown = f"{source}:{info.filename}"
        parts = tuple(part for part in name.split("/") if part not in ("", "."))
        if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
            report(
                "unsafe",
                shown,
                "an entry with an absolute or '..' path, which would land outside CLASS; "
                "never extracted: ask for an archive without it",
            )
            continue
        if not parts or any(map(ignored, parts)):
            continue
        if info.is_dir() or len(parts) > 1:
            folders.add(parts[0])
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            entries.append(Entry(parts, shown, "symlink", 0, bytes, "a symbolic link entry"))
        else:
            entries.append(Entry(parts, shown, "file", info.file_size, _member(archive, info)))
    return entries, folders


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        if info.flag_bits & 0x1:
            raise RuntimeError("it is encrypted; ask for an archive without a password")
        with archive.open(info) as member:
            return member.read(MAX_BYTES + 1)

    return read
