"""`mlcicd doctor`: each check on a faked machine, the report, the command, the real machine."""

from __future__ import annotations

import importlib.util
import json
import os
import platform
import shutil
import socket
import stat
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner

from mlcicd import cli, doctor, lab
from mlcicd.doctor import Check, Context, Result, Status, Verdict
from mlcicd.grade import sandbox
from mlcicd.grade.sandbox import Isolation
from mlcicd.testing import offline_aws
from mlcicd.testing.guard import PLUGIN_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    return Context(tmp_path, timeout=20)


def without(*modules: str) -> Callable[..., Any]:
    """A find_spec that finds nothing for ``modules`` and the real thing otherwise."""
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name in modules else real(name, *args)

    return find_spec


def fake_node(folder: Path, answer: str) -> None:
    """Put a `node` on PATH (in ``folder`` alone) that prints ``answer`` for --version."""
    node = folder / "node"
    node.write_text(f"#!/bin/sh\necho {answer}\n")
    node.chmod(node.stat().st_mode | stat.S_IEXEC)


# ---- system and Python ----


@pytest.mark.parametrize(
    ("system", "release", "status", "shown"),
    [
        ("Linux", "6.8.0-45-generic", Status.OK, "Linux 6.8.0-45-generic"),
        ("Linux", "5.15.153.1-microsoft-standard-WSL2", Status.OK, "(WSL2)"),
        ("Windows", "11", Status.FAIL, "Windows 11, natively"),
        ("FreeBSD", "14.1", Status.WARN, "FreeBSD 14.1"),
    ],
)
def test_the_system_is_linux_macos_or_wsl2(
    monkeypatch: pytest.MonkeyPatch,
    ctx: Context,
    system: str,
    release: str,
    status: Status,
    shown: str,
) -> None:
    monkeypatch.setattr(platform, "system", lambda: system)
    monkeypatch.setattr(platform, "release", lambda: release)
    verdict = doctor.check_system(ctx)
    assert verdict.status is status and shown in verdict.detail
    assert ("WSL2" in verdict.fix) == (system == "Windows")


@pytest.mark.parametrize(
    ("found", "status"),
    [((3, 10, 14), Status.FAIL), ((3, 11, 0), Status.OK), ((3, 13, 1), Status.OK)],
)
def test_python_311_or_newer(
    monkeypatch: pytest.MonkeyPatch, ctx: Context, found: tuple[int, int, int], status: Status
) -> None:
    monkeypatch.setattr(doctor, "python_version", lambda: found)
    verdict = doctor.check_python(ctx)
    assert verdict.status is status
    assert ".".join(map(str, found)) in verdict.detail
    assert ("install Python 3.11 or newer" in verdict.fix) == (status is Status.FAIL)


# ---- packages ----


def test_a_missing_package_is_missing_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", without("hypothesis"))
    verdict = doctor.check_package("hypothesis", "hypothesis", ctx)
    assert verdict == Verdict(
        Status.MISSING,
        "cannot import hypothesis",
        "run `make lab` in the course folder (it installs everything into .venv)",
    )


def test_an_installed_package_shows_its_version(ctx: Context) -> None:
    assert doctor.check_package("hypothesis", "hypothesis", ctx) == Verdict(
        Status.OK, version("hypothesis")
    )


def test_a_dotted_package_whose_parent_is_missing_is_missing(ctx: Context) -> None:
    # find_spec("a.b") imports "a" and raises when "a" is not there.
    verdict = doctor.check_package("no_such_parent_h7.yaml", "nothing", ctx)
    assert verdict.status is Status.MISSING


def test_the_lessons_packages_include_hypothesis_and_the_cdk_is_separate() -> None:
    modules = [module for module, _ in doctor.PACKAGES]
    assert "hypothesis" in modules and "sklearn" in modules
    assert [module for module, _ in doctor.CDK_PACKAGES] == ["aws_cdk", "constructs", "cfnlint"]


@pytest.mark.parametrize(
    ("grading", "status", "fix"),
    [(False, Status.WARN, "lesson 09 only; install Node.js"), (True, Status.MISSING, "grade")],
)
def test_a_missing_cdk_package_warns_a_learner_and_fails_grading(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, grading: bool, status: Status, fix: str
) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", without("aws_cdk"))
    verdict = doctor.check_cdk_package("aws_cdk", "aws-cdk-lib", Context(tmp_path, grading))
    assert verdict.status is status and verdict.detail == "cannot import aws_cdk"
    assert fix in verdict.fix


# ---- Node.js ----


@pytest.mark.parametrize(
    ("answer", "grading", "status", "detail"),
    [
        (None, False, Status.WARN, "not found on PATH"),
        (None, True, Status.MISSING, "not found on PATH"),
        ("v16.20.2", False, Status.WARN, "found 16.20.2, the CDK needs 18+"),
        ("v16.20.2", True, Status.MISSING, "found 16.20.2, the CDK needs 18+"),
        ("v22.11.0", True, Status.OK, "22.11.0"),
    ],
)
def test_node_on_path(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    answer: str | None,
    grading: bool,
    status: Status,
    detail: str,
) -> None:
    if answer is not None:
        fake_node(tmp_path, answer)
    monkeypatch.setenv("PATH", str(tmp_path))  # no other node
    verdict = doctor.check_node(Context(tmp_path, grading))
    assert (verdict.status, verdict.detail) == (status, detail)
    if status is not Status.OK:
        assert "install Node.js 22 or 24" in verdict.fix
        assert verdict.fix.startswith("lesson 09 only") != grading


def test_the_cdk_start_is_not_tried_without_node(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    monkeypatch.setattr(doctor, "cdk_problem", lambda: "The AWS CDK needs Node.js")
    assert doctor.check_cdk_starts(ctx).status is Status.MISSING


def test_a_cdk_that_does_not_start_fails_with_its_last_line(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    monkeypatch.setattr(doctor, "cdk_problem", lambda: None)
    monkeypatch.setattr(doctor, "_CDK_SMOKE", "raise SystemExit('jsii: node exited with 1')")
    verdict = doctor.check_cdk_starts(ctx)
    assert (verdict.status, verdict.detail) == (Status.FAIL, "jsii: node exited with 1")
    assert "grade extra" in verdict.fix


# ---- disk and port ----


@pytest.mark.parametrize(("free_gb", "status"), [(0.3, Status.FAIL), (1.9, Status.FAIL),
                                                 (2.0, Status.OK), (40.0, Status.OK)])  # fmt: skip
def test_free_disk_of_2_gb(
    monkeypatch: pytest.MonkeyPatch, ctx: Context, free_gb: float, status: Status
) -> None:
    seen: list[Path] = []

    def usage(path: Path) -> SimpleNamespace:
        seen.append(path)
        return SimpleNamespace(total=100 * 1024**3, free=int(free_gb * 1024**3))

    monkeypatch.setattr(shutil, "disk_usage", usage)
    verdict = doctor.check_disk(ctx)
    assert seen == [ctx.root]
    assert verdict.status is status
    assert verdict.detail.startswith(f"{free_gb:.1f} GB free in {ctx.root}")
    assert "the course needs 2 GB" in verdict.detail
    assert ("free up space" in verdict.fix) == (status is Status.FAIL)


def test_a_taken_port_moves_jupyterlab_to_the_next(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monkeypatch.setattr(lab, "DEFAULT_PORT", port)
        verdict = doctor.check_port(ctx)
    assert verdict.status is Status.OK
    assert verdict.detail.startswith(f"Port {port} is in use; JupyterLab will use port ")


def test_no_free_port_fails_with_what_to_do(monkeypatch: pytest.MonkeyPatch, ctx: Context) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setattr(lab, "DEFAULT_PORT", busy.getsockname()[1])
        monkeypatch.setattr(lab, "_PORT_SEARCH", 1)
        verdict = doctor.check_port(ctx)
    assert (verdict.status, verdict.detail) == (Status.FAIL, "no free port")
    assert "stop an old JupyterLab" in verdict.fix


# ---- offline AWS ----


def test_the_guard_proof_needs_the_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    with offline_aws(mock=False):
        assert doctor.guard_problem() is None
        # Without the guard the call goes to the proof's closed local proxy, not to AWS.
        monkeypatch.delenv(PLUGIN_ENV)
        assert doctor.guard_problem() == "the guard did not stop the call (ProxyConnectionError)"


def test_the_guard_proof_fails_when_moto_answers() -> None:
    with offline_aws():
        assert "is moto active?" in (doctor.guard_problem() or "")


def test_a_guard_that_does_not_stop_the_call_fails(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    said = "the guard did not stop the call (ProxyConnectionError)"
    monkeypatch.setattr(doctor, "_GUARD_PROOF", f"raise SystemExit({said!r})")
    verdict = doctor.check_guard(ctx)
    assert (verdict.status, verdict.detail) == (Status.FAIL, said)
    assert "botocore 1.40" in verdict.fix


@pytest.mark.parametrize(
    ("key", "status", "detail"),
    [
        ("testing", Status.OK, "on: fake credentials, and a real AWS call was stopped"),
        ("AKIAIOSFODNN7EXAMPLE", Status.MISSING, "off"),
    ],
)
def test_this_kernel_is_offline_only_with_fake_credentials_and_the_guard(
    monkeypatch: pytest.MonkeyPatch, ctx: Context, key: str, status: Status, detail: str
) -> None:
    with offline_aws(mock=False):
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
        verdict = doctor.check_kernel_offline(ctx)
    assert (verdict.status, verdict.detail) == (status, detail)
    assert ("`make lab`" in verdict.fix) == (status is Status.MISSING)


def test_a_kernel_whose_guard_lets_the_call_through_fails(
    monkeypatch: pytest.MonkeyPatch, ctx: Context
) -> None:
    said = "the guard did not stop the call (ProxyConnectionError)"
    monkeypatch.setattr(doctor, "guard_problem", lambda: said)
    with offline_aws(mock=False):
        verdict = doctor.check_kernel_offline(ctx)
    assert (verdict.status, verdict.detail) == (Status.FAIL, said)
    assert verdict.fix.startswith("restart the kernel")


# ---- kernel start ----


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        ("no_such_kernel", Status.MISSING, "no python3 kernel"),
        (RuntimeError("Kernel didn't respond in 20 seconds"), Status.FAIL,
         "did not start: Kernel didn't respond in 20 seconds"),
    ],
)  # fmt: skip
def test_a_kernel_that_does_not_start(
    monkeypatch: pytest.MonkeyPatch, ctx: Context, error: Any, status: Status, detail: str
) -> None:
    from jupyter_client import manager
    from jupyter_client.kernelspec import NoSuchKernel

    raised = NoSuchKernel("python3") if error == "no_such_kernel" else error

    def start_new_kernel(**_: Any) -> None:
        raise raised

    monkeypatch.setattr(manager, "start_new_kernel", start_new_kernel)
    verdict = doctor.check_kernel(ctx)
    assert (verdict.status, verdict.detail) == (status, detail)
    assert "make lab" in verdict.fix


# ---- the grading sandbox ----


@pytest.mark.parametrize(
    ("place", "status", "said"),
    [
        (Isolation(True, cgroup="v2"), Status.OK, "2048 MiB resident memory and 256 processes"),
        (Isolation(True), Status.OK, "4096 MiB of address space only"),
        (
            Isolation(False, "bubblewrap is not installed; install bubblewrap (apt-get install)"),
            Status.WARN,
            "no sandbox can be made: bubblewrap is not installed; install bubblewrap",
        ),
    ],
    ids=["cgroup", "no-cgroup", "no-bwrap"],
)
def test_the_grading_sandbox_says_what_isolation_grading_gets(
    monkeypatch: pytest.MonkeyPatch, ctx: Context, place: Isolation, status: Status, said: str
) -> None:
    monkeypatch.setattr(sandbox, "isolation", lambda: place)
    verdict = doctor.check_sandbox(ctx)
    assert verdict.status is status
    assert said in verdict.detail
    if status is Status.WARN:
        assert "--require-sandbox" in verdict.fix


# ---- running and reporting ----


def fake_checks(*verdicts: Verdict, grading_only: bool = False) -> list[Check]:
    return [
        Check(f"check {number}", lambda ctx, v=verdict: v, grading_only=grading_only)
        for number, verdict in enumerate(verdicts, 1)
    ]


def test_a_crashing_check_is_a_fail_line_and_the_others_still_run(ctx: Context) -> None:
    def crash(ctx: Context) -> Verdict:
        raise ValueError("boom")

    checks = [Check("crashes", crash), *fake_checks(Verdict(Status.OK, "fine"))]
    assert doctor.run_checks(checks, ctx) == [
        Result("crashes", Status.FAIL, "the check crashed: ValueError: boom"),
        Result("check 1", Status.OK, "fine"),
    ]


def test_the_shell_kernel_and_grading_selections() -> None:
    names = {
        (kernel, grading): [item.name for item in doctor.select(kernel=kernel, grading=grading)]
        for kernel in (False, True)
        for grading in (False, True)
    }
    shell_only = {"JupyterLab port", "offline AWS guard", "Jupyter kernel"}
    assert shell_only <= set(names[False, False])
    assert not shell_only & set(names[True, False])
    assert "offline AWS in this kernel" in names[True, False]
    assert "offline AWS in this kernel" not in names[False, False]
    assert "AWS CDK starts" in names[False, True]
    assert "AWS CDK starts" not in names[False, False] + names[True, True]
    assert "grading sandbox" in names[False, True]
    assert "grading sandbox" not in names[False, False] + names[True, True]
    assert {"hypothesis", "aws-cdk-lib (lesson 09)", "Node.js (lesson 09)"} <= set(
        names[True, False]
    )


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ((Status.OK, Status.OK), "Everything the course needs is here."),
        ((Status.OK, Status.WARN), "Everything the course needs is here; the warn lines say"),
        ((Status.WARN, Status.MISSING), "1 problem(s): follow the advice on the MISSING and FAIL"),
        ((Status.FAIL, Status.MISSING), "2 problem(s): follow the advice"),
    ],
)
def test_report_lines(statuses: tuple[Status, ...], verdict: str) -> None:
    results = [
        Result("a", statuses[0], "found 1.0"),
        Result("longer name", statuses[1], "found 2.0", "do this"),
    ]
    lines = doctor.report_lines(results, then="run it again")
    assert lines[0] == f"{statuses[0].value:7}  a            found 1.0"
    assert lines[1] == f"{statuses[1].value:7}  longer name  found 2.0; do this"
    assert lines[2].startswith(verdict)
    assert lines[2].endswith("then run it again.") == ("problem" in verdict)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(
    ("statuses", "code"),
    [((Status.OK,), 0), ((Status.OK, Status.WARN), 0), ((Status.OK, Status.MISSING), 1),
     ((Status.FAIL,), 1)],
)  # fmt: skip
def test_the_command_exits_1_only_on_a_problem(
    monkeypatch: pytest.MonkeyPatch,
    runner: CliRunner,
    tmp_path: Path,
    statuses: tuple[Status, ...],
    code: int,
) -> None:
    checks = fake_checks(*(Verdict(status, "seen", "fix it") for status in statuses))
    monkeypatch.setattr(doctor, "CHECKS", checks)
    result = runner.invoke(cli.main, ["doctor", "--root", str(tmp_path)])
    assert result.exit_code == code, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(statuses) + 1
    assert [line.split()[0] for line in lines[:-1]] == [status.value for status in statuses]


def test_the_command_prints_json_and_runs_grading_checks_only_with_grading(
    monkeypatch: pytest.MonkeyPatch, runner: CliRunner, tmp_path: Path
) -> None:
    checks = [
        *fake_checks(Verdict(Status.OK, "3.11.7")),
        Check("CDK", lambda ctx: Verdict(Status.FAIL, "jsii failed", "install"), grading_only=True),
    ]
    monkeypatch.setattr(doctor, "CHECKS", checks)
    learner = runner.invoke(cli.main, ["doctor", "--root", str(tmp_path), "--json"])
    grading = runner.invoke(cli.main, ["doctor", "--root", str(tmp_path), "--json", "--grading"])
    assert learner.exit_code == 0 and grading.exit_code == 1
    assert json.loads(learner.output) == [
        {"name": "check 1", "status": "ok", "ok": True, "detail": "3.11.7", "fix": ""}
    ]
    assert json.loads(grading.output)[1] == {
        "name": "CDK", "status": "FAIL", "ok": False, "detail": "jsii failed", "fix": "install",
    }  # fmt: skip


def test_this_machine_is_ready_kernel_start_included() -> None:
    start = time.perf_counter()
    results = doctor.diagnose(ROOT, timeout=30)
    took = time.perf_counter() - start
    problems = [result for result in results if not result.ok]
    assert problems == []
    names = [result.name for result in results]
    assert names == [item.name for item in doctor.select()]
    kernel = results[names.index("Jupyter kernel")]
    assert kernel.status is Status.OK and "ran 1+1" in kernel.detail
    assert results[names.index("offline AWS guard")].status is Status.OK
    assert took < 10, f"mlcicd doctor took {took:.1f} s"
    assert os.environ.get(PLUGIN_ENV)  # the test's own environment is untouched
