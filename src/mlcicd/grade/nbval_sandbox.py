"""``python -m mlcicd.grade.nbval_sandbox ARGS``: nbval with sandboxed kernels and outside verdicts.

The one place that reaches into nbval's internals (``nbval.kernel.start_new_kernel``,
its kernel-spec manager, ``RunningKernel.get_message``, and a cell item's ``cell_num``
and ``parent.kernel``).
:data:`SANDBOX_ENV` holds a JSON object:

* ``prefix`` and ``folder``: :func:`install` replaces how nbval starts a kernel, so
  that pytest, nbval and the JUnit report stay outside and only the kernel runs
  under ``prefix``. The kernel talks to nbval over Unix sockets (ZeroMQ's ``ipc``
  transport) in ``folder``, the one folder both sides see, with its connection file;
* ``checkpoints`` (code cell number -> checkpoint id), ``verdicts`` (a file) and
  ``timeout``: :class:`OutsideVerdicts` runs each checkpoint's check in this
  process right after nbval has run its cell (:mod:`mlcicd.grade.remote`) and
  writes every verdict to ``verdicts``, where the sandbox cannot write.

Always: nbval's waits for its kernel end once the kernel has died
(:func:`notice_dead_kernels`), instead of at the cell timeout.

tests/unit/test_grade_nbval_sandbox.py fails, naming what changed, when an nbval
upgrade moves these internals.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from queue import Empty
from typing import Any

import pytest


def _spec_manager(prefix: Sequence[str]) -> Any:
    from jupyter_client.kernelspec import KernelSpec
    from nbval.kernel import NbvalKernelspecManager

    class SandboxedSpecs(NbvalKernelspecManager):  # type: ignore[misc]
        """nbval's kernel specs, each started under ``prefix``."""

        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            spec = super().get_kernel_spec(kernel_name)
            spec.argv = [*prefix, *spec.argv]
            # SIGINT cannot reach the kernel, which bwrap starts in a session of its own,
            # and it would kill bwrap (and so the kernel): interrupt with a control
            # message, which ipykernel turns into SIGINT to itself.
            spec.interrupt_mode = "message"
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


#: Seconds a kernel may take to answer the grader's first request (importing the agent).
WARM_UP = 60.0

#: Seconds between two looks at whether the kernel still runs, while waiting for it.
DEATH_POLL = 0.5


def wait_or_notice_death(
    get: Callable[..., Any],
    alive: Callable[[], bool],
    timeout: float | None,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """``get(timeout=...)``, asked in slices of :data:`DEATH_POLL` until ``timeout`` is spent.

    nbval waits for a kernel's reply for the whole cell timeout, whether or not the kernel
    still runs: a notebook whose kernel died (over the memory cap, ``os._exit``, a crash in
    native code) cost its grader the cell timeout (30 s), then nbval's 5 s for output,
    before the next cell was marked not run. Between slices this looks at the kernel:
    once it has stopped, no message can come, and the wait ends as nbval's own timeout
    ends it (``queue.Empty``). Messages the kernel sent before it died are still returned.

    Args:
        get: Returns the next message, or raises ``queue.Empty`` after ``timeout`` seconds.
        alive: Whether the kernel still runs.
        timeout: Seconds to wait in all; None waits without end, as ``get`` does.
        clock: Seconds, for measuring the wait (a test gives its own).
    """
    if timeout is None:
        return get(timeout=None)
    deadline = clock() + timeout
    while True:
        left = deadline - clock()
        try:
            return get(timeout=max(0.0, min(DEATH_POLL, left)))
        except Empty:
            if left <= DEATH_POLL or not alive():
                raise


def notice_dead_kernels() -> None:
    """Make nbval's waits end once its kernel has died (see :func:`wait_or_notice_death`).

    Replaces ``nbval.kernel.RunningKernel.get_message(stream, timeout)``, through which
    nbval waits for every reply and output of a cell. nbval reports the wait as it reports
    a timeout ("Failed to interrupt kernel"), which the grader reads as "the kernel died
    or hung" (:mod:`mlcicd.grade.run`).
    """
    import nbval.kernel

    original = nbval.kernel.RunningKernel.get_message
    if getattr(original, "notices_death", False):
        return

    def get_message(self: Any, stream: str, timeout: float | None = None) -> Any:
        return wait_or_notice_death(
            functools.partial(original, self, stream), self.is_alive, timeout
        )

    get_message.notices_death = True  # type: ignore[attr-defined]
    nbval.kernel.RunningKernel.get_message = get_message


class OutsideVerdicts:
    """A pytest plugin: after nbval runs a checkpoint cell, judge it here, outside the kernel.

    Args:
        checkpoints: nbval's code cell number -> checkpoint id.
        verdicts: The file the verdicts are written to, as JSON.
        timeout: Seconds one request to the kernel may take.
    """

    def __init__(self, checkpoints: Mapping[int, str], verdicts: Path, timeout: float) -> None:
        from mlcicd.grade.remote import MotoEndpoint

        self.checkpoints, self.path, self.timeout = checkpoints, verdicts, timeout
        self.found: dict[str, dict[str, Any]] = {}
        self.warmed: set[int] = set()
        self.moto = MotoEndpoint()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: Any) -> Any:
        try:
            return (yield)  # nbval's own verdict is read from its report
        finally:
            self.judge(item)

    def judge(self, item: Any) -> None:
        """Run the check of the checkpoint in nbval cell ``item``, if it is one, here."""
        checkpoint_id = self.checkpoints.get(getattr(item, "cell_num", -1))
        kernel = getattr(getattr(item, "parent", None), "kernel", None)
        if checkpoint_id is None or kernel is None:
            return
        if not kernel.is_alive():  # nbval stops a kernel it could not interrupt (no .km)
            line = f"Checkpoint {checkpoint_id} could not be judged: the kernel is not running"
            self.found[checkpoint_id] = {"passed": False, "line": line}
            return
        from mlcicd.grade.remote import KernelLink, outside_verdict

        link = KernelLink(kernel.kc, kernel.km.interrupt_kernel, self.timeout, self.moto)
        try:
            if id(kernel.kc) not in self.warmed:
                # The kernel's first request imports the agent: the grader's own start-up
                # time, never counted against the learner's code.
                KernelLink(kernel.kc, kernel.km.interrupt_kernel, WARM_UP, self.moto).request(
                    op="ping"
                )
                self.warmed.add(id(kernel.kc))
            passed, line = outside_verdict(checkpoint_id, link)
        except Exception as error:  # a broken verdict is a failed one
            passed, line = False, f"Checkpoint {checkpoint_id} could not be judged: {error}"
        self.found[checkpoint_id] = {"passed": passed, "line": line}

    def pytest_sessionfinish(self) -> None:
        self.moto.stop()
        self.path.write_text(json.dumps(self.found, indent=1))


def _sandbox_learner_code(enter: Sequence[str], hidden: Sequence[Path]) -> None:
    """Run code a learner wrote that a check starts (test modules, buildspec commands) in a
    sandbox too: the check itself runs here, with the grader's rights."""
    from mlcicd.course import contain
    from mlcicd.grade.sandbox import bwrap_arguments

    contain.sandboxed = lambda folder: [*enter, *bwrap_arguments(folder, hidden, chdir=False)]


def main() -> int:
    """Install the sandbox and outside verdicts (as :data:`SANDBOX_ENV` says); run pytest."""
    from mlcicd.startup import skip_unused_grammar

    skip_unused_grammar()
    # Imported only now: mlcicd.grade.kernel imports nbformat, which must come after.
    from mlcicd.grade.kernel import SANDBOX_ENV

    setting = os.environ.pop(SANDBOX_ENV, "")
    notice_dead_kernels()
    plugins: list[Any] = []
    if setting:
        data = json.loads(setting)
        if data.get("prefix"):
            install(setting)
            _sandbox_learner_code(data.get("enter", []), [Path(p) for p in data.get("hidden", [])])
        if data.get("verdicts"):
            verdicts = OutsideVerdicts(
                {int(k): v for k, v in data["checkpoints"].items()},
                Path(data["verdicts"]),
                float(data.get("timeout", 30)),
            )
            plugins.append(verdicts)
    return int(pytest.main(plugins=plugins))


if __name__ == "__main__":
    sys.exit(main())
