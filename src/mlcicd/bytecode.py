"""Compile, once at install, the installed modules the course can import.

``python -m mlcicd.bytecode`` runs after the course is installed (both Makefiles, the
grading workflow and buildspec). Why it exists:

- Python compiles a module the first time a process imports it, and keeps the result in
  ``__pycache__`` only where it may write. The grading sandbox mounts the venv read-only,
  and a shell with ``PYTHONDONTWRITEBYTECODE`` never writes: there, every kernel compiles
  every uncompiled module it imports again. Grading the nine solutions took 131
  core-seconds uncompiled against 65 compiled.
- pip and ``uv pip install --compile-bytecode`` compile every module they install, pip one
  file at a time. Most of those the course never imports: the test suites packages ship
  (``pandas/tests``, scipy's, sympy's) and the services of aws-cdk-lib the course does not
  use (350 of them, 180 MB of Python).

This compiles the rest, on every core: a learner's venv in 13 s and 26 core-seconds on 2
cores, against 23 s and 45 for all of it with uv; the grading install (pip, then this) in
28 s against 58 s. Grading costs the same either way. A module left out still works: the
first process that imports it compiles it, as Python always does.

pytest compiles again what it imports: it rewrites the asserts of every module of a
distribution that ships a pytest plugin (hypothesis, anyio, pytest-xdist, nbval, mlcicd
...), and caches the result only where it may write. Every pytest process the course
starts (each ``run_pytest`` of a check, the grader's nbval process) rewrote about 120
modules of hypothesis and anyio: 0.7 s of a trivial run's 1.4 s. Grading the exercise
02 solution, whose checks run pytest, took 13.5-16.5 core-seconds against 9.7-12.5 with
them cached, and ``make check`` 103-122 s against 86-96 s (alternating; the nine solutions
graded together, and the whole suite, within this machine's noise). So this writes
pytest's cached form of those modules too (:func:`rewrite_for_pytest`).
"""

from __future__ import annotations

import argparse
import functools
import importlib.metadata
import importlib.util
import os
import re
import sys
import sysconfig
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from mlcicd.bytecode_store import compile_file, store_folder
from mlcicd.internals import write_pytest_rewritten_pyc

#: Folders of package tests (pandas/tests, ...): imported by their own test runs only.
TEST_FOLDERS = frozenset({"tests", "test"})
#: The aws-cdk-lib modules the course's code, lessons and exercises import. What they
#: import in turn, eagerly or lazily, is read from their source (:func:`cdk_modules`).
#: tests/unit/test_bytecode.py fails when the course imports one missing here.
COURSE_CDK = frozenset(
    {
        "assertions",
        "aws_codebuild",
        "aws_events",
        "aws_events_targets",
        "aws_iam",
        "aws_s3",
        "aws_sagemaker",
        "aws_sns",
    }
)
# How the generated bindings of aws-cdk-lib import one another: each module imports the
# modules its types refer to lazily, `_LazyImport("aws_cdk.aws_s3")`, and aws_cdk/_jsii
# imports the assemblies it depends on, `import aws_cdk.cloud_assembly_schema._jsii`.
_CDK_IMPORTS = (
    re.compile(r'_LazyImport\("aws_cdk\.(\w+)'),
    re.compile(r"^import aws_cdk\.(\w+)\._jsii$", re.M),
)


def cdk_modules(cdk_root: Path, start: Iterable[str] = COURSE_CDK) -> frozenset[str]:
    """The aws-cdk-lib subpackages that importing ``start`` can load, ``start`` included.

    Follows each subpackage's imports of others, so that the modules jsii's bindings load
    while a stack is built (``aws_s3_assets`` for an S3 bucket) are in, with those that
    ``aws_cdk`` itself and its ``_jsii`` load.

    Args:
        cdk_root: The installed ``aws_cdk`` folder.
        start: The subpackages the course imports.

    Returns:
        Subpackage names, such as ``aws_s3``.
    """
    found: set[str] = set()
    todo = ["", "_jsii", *start]  # "" is aws_cdk itself
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        folder = cdk_root / name
        for source in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            text = source.read_text(encoding="utf-8", errors="replace")
            todo.extend(m for pattern in _CDK_IMPORTS for m in pattern.findall(text))
    found.discard("")
    return frozenset(found)


def modules(site: Path, cdk_start: Iterable[str] = COURSE_CDK) -> list[str]:
    """The modules under ``site`` to compile: all but package tests and unused CDK modules.

    Args:
        site: A site-packages folder.
        cdk_start: The aws-cdk-lib modules the course imports (see :func:`cdk_modules`).

    Returns:
        Paths of ``.py`` files.
    """
    cdk_root = site / "aws_cdk"
    cdk_keep = cdk_modules(cdk_root, cdk_start) if cdk_root.is_dir() else frozenset()
    found: list[str] = []
    for root, folders, files in os.walk(site):
        folders[:] = [f for f in folders if f not in TEST_FOLDERS and f != "__pycache__"]
        if Path(root) == cdk_root:
            folders[:] = [f for f in folders if f in cdk_keep]
        found.extend(os.path.join(root, f) for f in files if f.endswith(".py"))
    return found


def site_folders() -> list[Path]:
    """This interpreter's folders of installed packages (pure and platform), once each."""
    paths = sysconfig.get_paths()
    folders = dict.fromkeys(Path(paths[key]) for key in ("purelib", "platlib"))
    return [folder for folder in folders if folder.is_dir()]


def compile_installed(folders: Sequence[Path], *, workers: int = 0) -> tuple[int, int]:
    """Compile :func:`modules` of each folder, skipping those already compiled.

    Args:
        folders: site-packages folders.
        workers: Processes to compile with; 0 is one per core.

    Returns:
        How many modules were compiled or up to date, and how many did not compile. pip
        and uv leave those as they are too (some packages ship files for other Python
        versions, which nothing imports here).
    """
    files = [file for folder in folders for file in modules(folder)]
    compile_one = functools.partial(compile_file, store=store_folder())
    failed = _each(compile_one, files, workers).count(False)
    return len(files) - failed, failed


def _each(function: Callable[[str], bool], files: Sequence[str], workers: int) -> list[bool]:
    """``function`` of each file, on ``workers`` processes (0: one per core)."""
    workers = workers or os.cpu_count() or 1
    # compileall.compile_dir hands its workers one file at a time: 10,000 round trips
    # that cost more than the compiling of an up-to-date venv. Chunks of files do not.
    chunk = max(1, len(files) // (workers * 16))
    if workers > 1:
        try:
            with ProcessPoolExecutor(workers) as pool:
                return list(pool.map(function, files, chunksize=chunk))
        except (OSError, NotImplementedError):  # no /dev/shm for its locks (some containers)
            pass  # one process below; what the pool wrote is up to date by then
    return [function(file) for file in files]


def pytest_plugin_sources(folders: Sequence[Path]) -> list[str]:
    """The installed modules pytest rewrites when a pytest process imports them.

    As pytest marks them: every module of each distribution that declares a ``pytest11``
    entry point, and for an editable install (which lists no modules) the packages of its
    plugins. Package tests are left out, as :func:`modules` leaves them out.

    Args:
        folders: site-packages folders whose distributions are read.

    Returns:
        Paths of ``.py`` files, each once.
    """
    found: dict[str, None] = {}
    for dist in importlib.metadata.distributions(path=[str(f) for f in folders]):
        plugins = [ep for ep in dist.entry_points if ep.group == "pytest11"]
        if not plugins:
            continue
        listed = [
            Path(str(dist.locate_file(f)))
            for f in dist.files or ()
            if f.suffix == ".py" and ".." not in f.parts and not TEST_FOLDERS & set(f.parts)
        ]
        for ep in plugins if not listed else ():
            listed.extend(_package_sources(ep.value.split(":")[0].split(".")[0]))
        found.update((str(path), None) for path in listed if path.is_file())
    return list(found)


def _package_sources(name: str) -> list[Path]:
    """The ``.py`` files of the top-level module or package ``name``, without its tests."""
    spec = importlib.util.find_spec(name)  # a top-level name: finds, imports nothing
    if spec is None:
        return []
    if not spec.submodule_search_locations:
        return [Path(spec.origin)] if spec.origin and spec.origin.endswith(".py") else []
    return [
        Path(f) for location in spec.submodule_search_locations for f in modules(Path(location))
    ]


def rewrite_for_pytest(folders: Sequence[Path], *, workers: int = 0) -> int:
    """Write pytest's cached, assert-rewritten form of :func:`pytest_plugin_sources`.

    Args:
        folders: site-packages folders.
        workers: Processes to write with; 0 is one per core.

    Returns:
        How many modules were written; 0 where pytest is not installed.
    """
    if importlib.util.find_spec("_pytest") is None:
        return 0
    files = pytest_plugin_sources(folders)
    return _each(_rewrite_one, files, workers).count(True)


def _rewrite_one(path: str) -> bool:
    """:func:`write_pytest_rewritten_pyc` of one path (a worker process gets a string)."""
    return write_pytest_rewritten_pyc(Path(path))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlcicd.bytecode``: compile this interpreter's installed packages."""
    parser = argparse.ArgumentParser(
        prog="python -m mlcicd.bytecode",
        description="Compile the installed modules the course can import, on every core.",
    )
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: one per core)")
    args = parser.parse_args(argv)
    folders = site_folders()
    compiled, _ = compile_installed(folders, workers=max(args.jobs, 0))
    rewritten = rewrite_for_pytest(folders, workers=max(args.jobs, 0))
    # A module that does not compile is not reported, as pip and uv do not report it:
    # nothing the course imports is among them (tests/unit/test_bytecode.py).
    print(
        f"Compiled {compiled} installed modules ({', '.join(map(str, folders))}), and "
        f"{rewritten} as pytest rewrites them; left for import time: the packages' own "
        "tests and the AWS CDK modules the course never loads."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
