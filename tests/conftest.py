"""Test-suite wide set-up: one marker per pyramid layer, and no network but loopback.

* Each test is marked with the layer of the folder it lives in
  (``tests/unit`` -> ``unit``, ..., ``tests/notebooks`` -> ``notebook``), so
  ``pytest -m unit`` selects one layer, and the layer is written into the
  JUnit report as a ``layer`` property (read by ``mlcicd.testing.layers``).
* Every test may connect to loopback addresses only (pytest-socket); ``make
  test`` also runs the whole suite in a network namespace with no network at
  all where the machine allows it (``unshare -n``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pytest_socket

pytest_plugins = ["pytester"]

TESTS = Path(__file__).parent
LAYER_OF_FOLDER = {
    "unit": "unit",
    "integration": "integration",
    "e2e": "e2e",
    "notebooks": "notebook",
}
LOOPBACK = ["127.0.0.0/8", "::1/128"]


def layer_of(path: Path) -> str | None:
    """Return the pyramid layer of a test file, from its first folder under ``tests/``."""
    try:
        folder = path.resolve().relative_to(TESTS.resolve()).parts[0]
    except (ValueError, IndexError):
        return None
    return LAYER_OF_FOLDER.get(folder)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
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
