"""The nbval internals mlcicd.grade.nbval_sandbox relies on; an upgrade moving them fails."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from queue import Empty
from types import SimpleNamespace

import nbval.kernel
import nbval.plugin
import pytest

from mlcicd.grade import nbval_sandbox


def test_nbval_still_starts_kernels_through_a_module_function_we_can_replace() -> None:
    parameters = inspect.signature(nbval.kernel.start_new_kernel).parameters
    assert {"startup_timeout", "kernel_name"} <= set(parameters), (
        "nbval.kernel.start_new_kernel changed its signature: update mlcicd.grade.nbval_sandbox"
    )
    source = inspect.getsource(nbval.kernel.RunningKernel.__init__)
    assert "start_new_kernel(" in source, (
        "nbval's RunningKernel no longer calls start_new_kernel: the sandbox would be bypassed"
    )


def test_nbval_cells_still_carry_their_number_and_kernel() -> None:
    source = inspect.getsource(nbval.plugin.IPyNbCell.__init__)
    assert "self.cell_num = cell_num" in source
    assert "self.kernel = RunningKernel(" in inspect.getsource(nbval.plugin.IPyNbFile.setup)
    assert hasattr(nbval.kernel.RunningKernel, "interrupt")
    # OutsideVerdicts talks to the kernel through its manager and client.
    kernel_source = inspect.getsource(nbval.kernel.RunningKernel.__init__)
    assert "self.km, self.kc = start_new_kernel(" in kernel_source, (
        "nbval's RunningKernel no longer keeps .km and .kc: update "
        "mlcicd.grade.nbval_sandbox.OutsideVerdicts.judge"
    )


def test_the_current_environment_spec_is_wrapped_in_the_prefix() -> None:
    manager = nbval_sandbox._spec_manager(["bwrap", "--"])
    spec = manager.get_kernel_spec(nbval.kernel.CURRENT_ENV_KERNEL_NAME)
    assert spec.argv[:2] == ["bwrap", "--"]
    assert "ipykernel_launcher" in " ".join(spec.argv[2:])
    # SIGINT to bwrap would kill the sandbox, and cannot reach the kernel in its own session.
    assert spec.interrupt_mode == "message"


def test_install_replaces_how_nbval_starts_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nbval.kernel, "start_new_kernel", nbval.kernel.start_new_kernel)
    before = nbval.kernel.start_new_kernel
    nbval_sandbox.install(json.dumps({"prefix": ["bwrap", "--"], "folder": "/tmp/k"}))
    assert nbval.kernel.start_new_kernel is not before
    with pytest.raises(KeyError):
        nbval_sandbox.install(json.dumps({"folder": "/tmp/k"}))


def test_a_checkpoint_whose_kernel_nbval_stopped_is_failed_not_a_crash(tmp_path: Path) -> None:
    # nbval stops a kernel it could not interrupt, deleting its manager (.km).
    stopped = nbval.kernel.RunningKernel.__new__(nbval.kernel.RunningKernel)
    item = SimpleNamespace(cell_num=3, parent=SimpleNamespace(kernel=stopped))
    plugin = nbval_sandbox.OutsideVerdicts({3: "08.3"}, tmp_path / "verdicts.json", 1)
    plugin.judge(item)
    plugin.pytest_sessionfinish()
    found = json.loads((tmp_path / "verdicts.json").read_text())
    assert found == {
        "08.3": {
            "passed": False,
            "line": "Checkpoint 08.3 could not be judged: the kernel is not running",
        }
    }


class Waits:
    """A fake kernel's messages and clock: each ``get`` waits out its timeout, then raises Empty."""

    def __init__(self, messages: list[str] | None = None, dies_after: int | None = None) -> None:
        self.now, self.asked = 0.0, []
        self.messages, self.dies_after = list(messages or []), dies_after

    def clock(self) -> float:
        return self.now

    def get(self, timeout: float | None) -> str:
        self.asked.append(timeout)
        if self.messages:
            return self.messages.pop(0)
        self.now += timeout or 0
        raise Empty

    def alive(self) -> bool:
        return self.dies_after is None or len(self.asked) < self.dies_after


def test_a_wait_on_a_dead_kernel_ends_after_one_look() -> None:
    waits = Waits(dies_after=3)
    with pytest.raises(Empty):
        nbval_sandbox.wait_or_notice_death(waits.get, waits.alive, 30, waits.clock)
    assert waits.asked == [nbval_sandbox.DEATH_POLL] * 3
    assert waits.now < 30


def test_a_wait_on_a_live_kernel_lasts_the_whole_timeout() -> None:
    waits = Waits()
    with pytest.raises(Empty):
        nbval_sandbox.wait_or_notice_death(waits.get, waits.alive, 3, waits.clock)
    assert waits.now == pytest.approx(3)
    assert all(0 <= t <= nbval_sandbox.DEATH_POLL for t in waits.asked)


def test_what_the_kernel_sent_before_it_died_is_still_returned() -> None:
    waits = Waits(messages=["stream", "error"], dies_after=0)
    get, alive = waits.get, waits.alive
    assert nbval_sandbox.wait_or_notice_death(get, alive, 30, waits.clock) == "stream"
    assert nbval_sandbox.wait_or_notice_death(get, alive, 30, waits.clock) == "error"


def test_a_wait_without_a_timeout_is_passed_on_unchanged() -> None:
    waits = Waits(messages=["reply"], dies_after=0)
    assert nbval_sandbox.wait_or_notice_death(waits.get, waits.alive, None, waits.clock) == "reply"
    assert waits.asked == [None]


def test_nbval_still_waits_for_its_kernel_through_get_message() -> None:
    # notice_dead_kernels replaces RunningKernel.get_message: every wait must go through it.
    parameters = list(inspect.signature(nbval.kernel.RunningKernel.get_message).parameters)
    assert parameters[:3] == ["self", "stream", "timeout"], (
        "nbval's RunningKernel.get_message changed its signature: update "
        "mlcicd.grade.nbval_sandbox.notice_dead_kernels"
    )
    for waiting in (nbval.kernel.RunningKernel.await_reply, nbval.kernel.RunningKernel.await_idle):
        assert "self.get_message(" in inspect.getsource(waiting), waiting.__name__
    assert "self.kernel.get_message(" in inspect.getsource(
        nbval.plugin.IPyNbFile.get_kernel_message
    )


def test_notice_dead_kernels_wraps_nbvals_get_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, float | None]] = []

    def waits_out(self: object, stream: str, timeout: float | None = None) -> None:
        asked.append((stream, timeout))
        raise Empty

    monkeypatch.setattr(nbval.kernel.RunningKernel, "get_message", waits_out)
    nbval_sandbox.notice_dead_kernels()
    wrapped = nbval.kernel.RunningKernel.get_message
    nbval_sandbox.notice_dead_kernels()  # a second call wraps nothing more
    assert wrapped is not waits_out and nbval.kernel.RunningKernel.get_message is wrapped
    dead = SimpleNamespace(is_alive=lambda: False)
    with pytest.raises(Empty):
        wrapped(dead, "shell", timeout=30)
    assert asked == [("shell", nbval_sandbox.DEATH_POLL)]
