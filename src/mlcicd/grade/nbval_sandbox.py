"""``python -m mlcicd.grade.nbval_sandbox ARGS``: pytest with nbval's kernels started in a sandbox.

The one place that reaches into nbval's internals (``nbval.kernel.start_new_kernel``
and its kernel-spec manager): :func:`install` replaces how nbval starts a kernel,
so that pytest, nbval and the JUnit report stay outside and only the kernel runs
under the command prefix given in :data:`SANDBOX_ENV` (a JSON object:
``{"prefix": [...], "folder": "..."}``). A sandboxed kernel has its own network
namespace, so it talks to nbval over Unix sockets (ZeroMQ's ``ipc`` transport) in
``folder``, the one folder both sides see; its connection file lies there too.
tests/unit/test_grade_nbval_sandbox.py fails, naming what changed, when an nbval
upgrade moves these internals.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The environment variable carrying the sandbox command prefix and the socket folder.
SANDBOX_ENV = "MLCICD_SANDBOX"


def _spec_manager(prefix: Sequence[str]) -> Any:
    from jupyter_client.kernelspec import KernelSpec
    from nbval.kernel import NbvalKernelspecManager

    class SandboxedSpecs(NbvalKernelspecManager):  # type: ignore[misc]
        """nbval's kernel specs, each started under ``prefix``."""

        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            spec = super().get_kernel_spec(kernel_name)
            spec.argv = [*prefix, *spec.argv]
            return spec

    return SandboxedSpecs()


def start_new_kernel(
    prefix: Sequence[str], folder: Path, startup_timeout: float = 60, **kwargs: Any
) -> tuple[Any, Any]:
    """Start a kernel under ``prefix`` talking over Unix sockets in ``folder``, as nbval would.

    Returns:
        (kernel manager, started client), as ``nbval.kernel.start_new_kernel`` returns.
    """
    from jupyter_client.manager import KernelManager

    kernel_name = kwargs.pop("kernel_name", "python")
    manager = KernelManager(
        kernel_name=kernel_name,
        kernel_spec_manager=_spec_manager(prefix),
        transport="ipc",
        ip=str(folder / "kernel"),
        connection_file=str(folder / "connection.json"),
    )
    manager.start_kernel(**kwargs)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=startup_timeout)
    except RuntimeError:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        raise
    return manager, client


def install(setting: str) -> None:
    """Make nbval start every kernel as :data:`SANDBOX_ENV`'s value ``setting`` says.

    Raises:
        ValueError: When ``setting`` is not the JSON object described above.
    """
    import nbval.kernel

    data = json.loads(setting)
    prefix, folder = [str(part) for part in data["prefix"]], Path(data["folder"])

    def start(startup_timeout: float = 60, kernel_name: str = "python", **kwargs: Any) -> Any:
        return start_new_kernel(prefix, folder, startup_timeout, kernel_name=kernel_name, **kwargs)

    nbval.kernel.start_new_kernel = start


def main() -> int:
    """Install the sandbox (when :data:`SANDBOX_ENV` is set) and run pytest."""
    from mlcicd.startup import skip_unused_grammar

    skip_unused_grammar()
    setting = os.environ.pop(SANDBOX_ENV, "")
    if setting:
        install(setting)
    import pytest

    return int(pytest.main())


if __name__ == "__main__":
    sys.exit(main())
