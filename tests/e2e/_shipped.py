"""Install the course as users do: a fresh virtual environment and the shipped command.

The commands are read from the files that ship them (the grading workflow, the
grading buildspec, the learner release's README), never copied into a test.
Tests run offline, so pip and uv (the learner release installs with uv) are
pointed at ``build/wheelhouse/`` (filled by ``scripts/wheelhouse`` before ``make
test`` goes offline) with ``PIP_NO_INDEX``, ``PIP_FIND_LINKS``, ``UV_OFFLINE`` and
``UV_FIND_LINKS``: that changes where they find packages, not what the command
asks for (and MLCICD_GRADE_TIMEOUT gives a graded cell more time on a busy
machine: how fast, not what). ``MLCICD_BYTECODE_CACHE``, which the course's Makefile
exports, reaches these installs too: their ``python -m mlcicd.bytecode`` writes the
``.pyc`` files from the store the dev venv filled instead of compiling (where the code
comes from, not which modules get it: :func:`uncompiled_modules` checks the same list
either way; tests/unit/test_bytecode_store.py covers compiling without a store). With
no wheelhouse (no network when it was to be filled) the tests skip with that sentence,
and fail under CI=1: an environment problem is reported as one.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / "build" / "wheelhouse"
#: The learner's Makefile, as the release copies it.
RELEASE_MAKEFILE = ROOT / "src" / "mlcicd" / "course" / "release_files" / "Makefile"


def require_wheelhouse() -> Path:
    """Return the wheelhouse, or skip (fail in CI) saying how to fill it."""
    if not (WHEELHOUSE / ".stamp").is_file():
        why = (
            "build/wheelhouse/ is empty: run `scripts/wheelhouse .venv/bin/python` with the "
            "network on (make test does) to install the course as shipped, offline"
        )
        if os.environ.get("CI"):
            pytest.fail(why)
        pytest.skip(why)
    return WHEELHOUSE


def venv_environment(venv: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a shell with ``venv`` activated, pip and uv pointed at the wheelhouse."""
    environ = dict(os.environ if base is None else base)
    for name in ("PYTHONPATH", "PYTHONHOME", "PIP_CONSTRAINT", "PIP_REQUIRE_VIRTUALENV"):
        environ.pop(name, None)
    environ.update(
        VIRTUAL_ENV=str(venv),
        PATH=os.pathsep.join([str(venv / "bin"), environ.get("PATH", "")]),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(require_wheelhouse()),
        UV_OFFLINE="1",
        UV_FIND_LINKS=str(require_wheelhouse()),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        # make test runs the suite on two workers, so these kernels share the cores with
        # other tests' kernels: a cell gets 120 s instead of the 30 s default (an exercise
        # 09 cell that takes 8 s alone once took over 30 s under that load).
        MLCICD_GRADE_TIMEOUT="120",
    )
    return environ


def make_variables(makefile: Path) -> set[str]:
    """The variables ``makefile`` lets the environment set (``NAME ?= value``)."""
    found = re.findall(r"^(?:export\s+)?([A-Z_][A-Z0-9_]*)\s*\?=", makefile.read_text(), re.M)
    assert found, f"{makefile} sets no variable with ?=: has its syntax changed?"
    return set(found)


def outside_make(environ: dict[str, str]) -> dict[str, str]:
    """``environ`` without what an outer make exports, as a learner's shell has it.

    When the suite itself runs under make (``make test JOBS=0``), make exports its
    flags and its command-line variables; the release's Makefile would read them.
    """
    for name in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"} | make_variables(RELEASE_MAKEFILE):
        environ.pop(name, None)
    return environ


def fresh_venv(path: Path) -> Path:
    """Create an empty virtual environment (no site packages) at ``path``; return it."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=120)
    return path


def run_shipped(
    command: str, *, venv: Path, cwd: Path, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    """Run a shipped shell command, as its file gives it, in ``venv`` from ``cwd``.

    Raises:
        AssertionError: With pip's output, when the command fails.
    """
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=cwd,
        env=venv_environment(venv),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"the shipped command failed in a fresh venv: {command}\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result


def is_pip_install(command: str) -> bool:
    """Whether a shell line is a ``pip install`` (``python -m pip install`` too)."""
    words = shlex.split(command)
    while words and words[0] in ("python", "python3", "-m"):
        words = words[1:]
    return words[:2] == ["pip", "install"]


#: Imports what a graded kernel imports (every exercise's checks, the CDK modules exercise
#: 09 builds with), then prints the imported modules of the venv that have no bytecode.
_UNCOMPILED_PROBE = """
import importlib, importlib.util, os, shutil, sys
import ipykernel.kernelapp, mlcicd.grade.learner
checks = os.path.dirname(importlib.import_module("mlcicd.course.checks").__file__)
for name in sorted(os.listdir(checks)):
    if name.startswith("ex") and name.endswith(".py"):
        importlib.import_module("mlcicd.course.checks." + name[:-3])
# Installed without the iac extra, or with no Node.js for jsii: nothing of the CDK to check.
if importlib.util.find_spec("aws_cdk") and shutil.which("node"):
    import aws_cdk.assertions, aws_cdk.aws_codebuild, aws_cdk.aws_events_targets
    import aws_cdk.aws_iam, aws_cdk.aws_s3, aws_cdk.aws_sagemaker, aws_cdk.aws_sns
files = [getattr(m, "__file__", None) or "" for m in list(sys.modules.values())]
print("\\n".join(f for f in files if f.endswith(".py") and f.startswith(sys.prefix)
                and not os.path.exists(importlib.util.cache_from_source(f))))
"""


def uncompiled_modules(venv: Path) -> list[str]:
    """The modules of ``venv`` a graded kernel imports that its install left uncompiled.

    The probe runs with ``-B``: it writes no bytecode itself, as a sandboxed kernel cannot.
    """
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-B", "-c", _UNCOMPILED_PROBE],
        env=venv_environment(venv),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.split()
