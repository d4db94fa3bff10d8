"""Test-suite wide set-up: one marker per pyramid layer, and no network but loopback.

* Each test is marked with the layer of the folder it lives in
  (``tests/unit`` -> ``unit``, ..., ``tests/notebooks`` -> ``notebook``,
  ``tests/ui`` -> ``ui``), so
  ``pytest -m unit`` selects one layer, and the layer is written into the
  JUnit report as a ``layer`` property (read by ``mlcicd.testing.layers``).
* Every test may connect to loopback addresses only (pytest-socket); ``make
  test`` also runs the whole suite in a network namespace with no network at
  all where the machine allows it (``unshare -n``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path, PurePosixPath

import pytest
import pytest_socket
from hypothesis import settings

# CI explores the same examples on every run, so a landing is never decided by
# chance; local runs keep exploring new ones (and found real bugs that way).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

pytest_plugins = ["pytester"]

TESTS = Path(__file__).parent
ROOT = TESTS.parent
LAYER_OF_FOLDER = {
    "unit": "unit",
    "integration": "integration",
    "e2e": "e2e",
    "notebooks": "notebook",
    "ui": "ui",
}
LOOPBACK = ["127.0.0.0/8", "::1/128"]


def _under_tests(path: Path) -> PurePosixPath | None:
    """``path`` relative to ``tests/``; None for a file outside it (a notebook named)."""
    try:
        return PurePosixPath(path.resolve().relative_to(TESTS.resolve()).as_posix())
    except ValueError:
        return None


def layer_of(path: Path) -> str | None:
    """Return the pyramid layer of a test file, from its first folder under ``tests/``."""
    relative = _under_tests(path)
    return LAYER_OF_FOLDER.get(relative.parts[0]) if relative and relative.parts else None


#: The files to start first, longest chain first. make test runs the suite on two
#: workers, a file each (pytest-xdist, --dist loadfile, in this order): test_release's
#: fixtures are one chain of about 270 s (a learner install, two make test runs, every
#: lesson) that uses one core on average, so it starts at once, beside the unit tests.
#: Starting the other long files with it too (they grade or run notebooks two at a
#: time) put six kernels on two cores: slower in all (844 s against 705 s), and a
#: graded cell ran past its 30 s. Seconds are from make test's slowest-tests lines.
LONGEST_FIRST = ("e2e/test_release.py",)


def _start_rank(item: pytest.Item) -> int:
    """The item's file's place in :data:`LONGEST_FIRST`; files not listed come after."""
    relative = str(_under_tests(item.path))
    return LONGEST_FIRST.index(relative) if relative in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: within a file, and for every file not listed, the order is pytest's.
    items.sort(key=_start_rank)
    for item in items:
        layer = layer_of(item.path)
        if layer is None:
            continue
        item.add_marker(getattr(pytest.mark, layer))
        item.user_properties.append(("layer", layer))


@pytest.fixture(autouse=True)
def _loopback_only_network() -> Iterator[None]:
    pytest_socket.socket_allow_hosts(LOOPBACK, allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


@pytest.fixture(scope="session")
def run_make() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run this repository's Makefile as a learner would, and capture what it prints.

    Session-scoped (it holds no state), so module fixtures can run make once for many tests.

    By default the virtual environment running the tests stands in for
    ``.venv`` and counts as installed (``-o``), so no test ever reinstalls it;
    pass ``installed=False`` to let make handle the install itself.
    """
    if shutil.which("make") is None:
        pytest.skip("make is not installed")

    def run(
        *args: str, env: Mapping[str, str] | None = None, installed: bool = True
    ) -> subprocess.CompletedProcess[str]:
        argv = ["make", "--no-print-directory", "-C", str(ROOT)]
        if installed:
            argv += ["-o", f"{sys.prefix}/.mlcicd-installed", f"VENV={sys.prefix}"]
        return subprocess.run(
            [*argv, *args],
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run
