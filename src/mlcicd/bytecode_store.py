"""Compiled modules kept by the content of their source, shared by the venvs of a machine.

``python -m mlcicd.bytecode`` compiles about 10,000 installed modules after each
install: 36 core-seconds on 2 cores. Every venv installed from the same wheels holds
the same sources, so one compiling can serve them all. With ``MLCICD_BYTECODE_CACHE``
naming a folder, each module's code object is kept there under the SHA-256 of its
source (and the interpreter's bytecode magic), and a venv whose module has the same
source gets a ``.pyc`` written from it instead of compiling: reading and writing
instead of parsing.

What makes that safe:

- A ``.pyc`` is a 16-byte header (PEP 552) and the marshalled code. The header ties it
  to the source beside it (its modification time and size, or its hash where
  ``SOURCE_DATE_EPOCH`` asks for reproducible files, as :mod:`py_compile` does); it is
  written here for this venv's source, never copied. The code is the same for the same
  source, interpreter and optimization level: it is what :func:`compile` gives.
- The code records the path it was compiled at; the import system replaces it with the
  module's own path when it loads a ``.pyc`` (``importlib``'s ``SourceLoader``), so a
  traceback names this venv's file.
- The folder is as trusted as the venvs it serves (pip's and uv's caches are too). The
  grading sandbox mounts the whole file system read-only, so learner code cannot write it.

Unset (the default), nothing is kept: a learner or a grading runner that installs once
gains nothing from it. The course's own Makefile sets it to
``~/.cache/mlcicd/bytecode``, beside uv's cache, where the test suite's three installs
(the dev venv of a fresh clone, the learner release's, the grading CI's) meet. A fresh
venv's ``python -m mlcicd.bytecode`` took 16 s and 30 core-seconds on 2 cores without
it, 17 s and 33 filling it, and 4 s and 7 reading it. It changes where compiled code
comes from, not what is compiled: each venv still gets every ``.pyc`` it had.
"""

from __future__ import annotations

import compileall
import hashlib
import importlib.util
import marshal
import os
import struct
import sys
from pathlib import Path

from mlcicd.course.collect_store import write_bytes

#: The environment variable naming the folder; unset or empty keeps nothing.
ENV = "MLCICD_BYTECODE_CACHE"


def store_folder() -> Path | None:
    """The folder ``MLCICD_BYTECODE_CACHE`` names for this interpreter, or None."""
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    # One subfolder per interpreter (cpython-311): its bytecode is not another's.
    return Path(value).expanduser() / sys.implementation.cache_tag


def header(source: bytes, stat: os.stat_result) -> bytes:
    """The PEP 552 header py_compile would write for ``source``, whose file has ``stat``."""
    if os.environ.get("SOURCE_DATE_EPOCH"):  # py_compile's default: a checked hash
        flags, check = 0b11, importlib.util.source_hash(source)
    else:
        flags = 0
        check = struct.pack("<II", int(stat.st_mtime) & 0xFFFFFFFF, stat.st_size & 0xFFFFFFFF)
    return importlib.util.MAGIC_NUMBER + struct.pack("<I", flags) + check


def compile_file(path: str, store: Path | None) -> bool:
    """Write ``path``'s ``.pyc``, from ``store`` when it holds its code, as compileall would.

    Args:
        path: A ``.py`` file.
        store: The folder of :func:`store_folder`; None compiles with :mod:`compileall`.

    Returns:
        Whether the module has a current ``.pyc`` now; False for a module that does not
        compile (a file for another Python version), as compileall reports it.
    """
    if store is None:
        return compileall.compile_file(path, quiet=2)
    try:
        with open(path, "rb") as file:
            source = file.read()
            stat = os.fstat(file.fileno())
    except OSError:
        return False
    cfile = importlib.util.cache_from_source(path)
    head = header(source, stat)
    if _starts_with(cfile, head):
        return True
    key = hashlib.sha256(importlib.util.MAGIC_NUMBER + b"%d" % sys.flags.optimize + source)
    digest = key.hexdigest()
    kept = store / digest[:2] / digest[2:]
    try:
        body = kept.read_bytes()
    except OSError:
        try:
            code = compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
        body = marshal.dumps(code)
        _write(kept, body)  # best effort: a store that cannot be written is skipped
    return _write(Path(cfile), head + body)


def _starts_with(path: str, head: bytes) -> bool:
    try:
        with open(path, "rb") as file:
            return file.read(len(head)) == head
    except OSError:
        return False


def _write(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` as :func:`write_bytes` does (a reader importing the module
    sees the old file or the new one, never half of one); False where it cannot be written."""
    try:
        write_bytes(path, data)
    except OSError:
        return False
    return True
