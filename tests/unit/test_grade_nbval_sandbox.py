"""The nbval internals mlcicd.grade.nbval_sandbox relies on; an upgrade moving them fails."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
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
