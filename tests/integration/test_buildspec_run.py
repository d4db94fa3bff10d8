"""The local buildspec runner follows CodeBuild's phase semantics, with real shell commands.

Each test writes a small buildspec, runs it with :func:`run_buildspec` in a
temporary work directory, and checks what CodeBuild would report: the build
status, the status of each phase, which commands ran (they ``echo`` a marker),
and what ``CODEBUILD_BUILD_SUCCEEDING`` was when POST_BUILD ran.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlcicd.buildspec.run import BuildResult

Run = Callable[..., tuple[BuildResult, str]]


def statuses(result: BuildResult) -> dict[str, str | None]:
    return {phase.phase_type: phase.status for phase in result.phases}


def four_phases(failing: str | None = None, **extra: Any) -> dict[str, Any]:
    """A buildspec whose phases echo their name; ``failing`` runs ``false`` first."""
    phases: dict[str, Any] = {}
    for name in ("install", "pre_build", "build", "post_build"):
        commands = ["false"] if name == failing else []
        phases[name] = {"commands": [*commands, f"echo ran-{name} $CODEBUILD_BUILD_SUCCEEDING"]}
    phases[failing or "build"].update(extra)
    return {"version": 0.2, "phases": phases}


# ---- phase transitions -----------------------------------------------------


def test_a_passing_build_runs_every_phase(run: Run) -> None:
    result, log = run(four_phases())
    assert result.status == "SUCCEEDED"
    assert list(statuses(result)) == [
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
        "FINALIZING",
        "COMPLETED",
    ]
    assert "ran-post_build 1" in log


@pytest.mark.parametrize("failing", ["install", "pre_build"])
def test_a_failure_before_build_goes_straight_to_finalizing(run: Run, failing: str) -> None:
    result, log = run(four_phases(failing))
    assert result.status == "FAILED"
    assert statuses(result)[failing.upper()] == "FAILED"
    # CodeBuild runs neither BUILD nor POST_BUILD, nor uploads artifacts.
    assert "BUILD" not in statuses(result)
    assert "POST_BUILD" not in statuses(result)
    assert "UPLOAD_ARTIFACTS" not in statuses(result)
    assert "ran-build" not in log and "ran-post_build" not in log
    assert f"ran-{failing}" not in log  # the failing command stopped its phase
    assert statuses(result)["FINALIZING"] == "SUCCEEDED"


def test_a_failure_in_build_still_runs_post_build_which_sees_succeeding_0(run: Run) -> None:
    result, log = run(four_phases("build"))
    assert result.status == "FAILED"
    assert statuses(result)["BUILD"] == "FAILED"
    assert statuses(result)["POST_BUILD"] == "SUCCEEDED"
    assert statuses(result)["UPLOAD_ARTIFACTS"] == "SUCCEEDED"
    assert "ran-post_build 0" in log
    context = result.phase("BUILD").contexts[0]
    assert context == (
        "COMMAND_EXECUTION_ERROR",
        "Error while executing command: false. Reason: exit status 1",
    )


def test_a_failure_in_post_build_fails_the_build_but_artifacts_are_still_uploaded(
    run: Run,
) -> None:
    result, _ = run(four_phases("post_build"))
    assert result.status == "FAILED"
    assert statuses(result)["POST_BUILD"] == "FAILED"
    assert statuses(result)["UPLOAD_ARTIFACTS"] == "SUCCEEDED"


def test_finally_runs_after_a_failure_and_the_first_failure_stops_the_commands(run: Run) -> None:
    data = {
        "version": 0.2,
        "phases": {
            "build": {
                "commands": ["echo one", "exit_status_3() { return 3; }; exit_status_3", "echo 2"],
                "finally": ["echo cleanup"],
            }
        },
    }
    result, log = run(data)
    assert "one" in log and "cleanup" in log
    assert "\n2\n" not in log
    assert result.phase("BUILD").status == "FAILED"
    assert "exit status 3" in result.phase("BUILD").contexts[0][1]


def test_a_failing_finally_fails_a_phase_whose_commands_passed(run: Run) -> None:
    data = {"phases": {"build": {"commands": ["true"], "finally": ["false", "echo after"]}}}
    result, log = run(data)
    assert result.phase("BUILD").status == "FAILED"
    assert "after" not in log.replace("echo after", "")


def test_on_failure_continue_runs_the_next_phases_and_the_build_still_fails(run: Run) -> None:
    result, log = run(four_phases("pre_build", **{"on-failure": "CONTINUE"}))
    assert "ran-build 0" in log and "ran-post_build 0" in log
    assert statuses(result)["PRE_BUILD"] == "FAILED"
    assert statuses(result)["BUILD"] == "SUCCEEDED"
    assert result.status == "FAILED"


def test_on_failure_abort_in_build_skips_post_build(run: Run) -> None:
    result, log = run(four_phases("build", **{"on-failure": "ABORT"}))
    assert "ran-post_build" not in log
    assert "POST_BUILD" not in statuses(result)
    assert result.status == "FAILED"


# ---- RETRY -----------------------------------------------------------------

# Fails the first time (no counter file yet), succeeds the second.
FLAKY = "if [ -f tried ]; then echo second try; else touch tried; echo flaky error; exit 1; fi"


def test_retry_runs_a_flaky_phase_again_until_it_passes(run: Run) -> None:
    result, log = run({"phases": {"build": {"on-failure": "RETRY", "commands": [FLAKY]}}})
    assert result.status == "SUCCEEDED"
    assert result.phase("BUILD").attempts == 2
    assert "second try" in log


def test_retry_count_limits_the_attempts(run: Run) -> None:
    data = {"phases": {"build": {"on-failure": "RETRY-2", "commands": ["echo try >> n", "false"]}}}
    result, _ = run(data)
    assert result.phase("BUILD").attempts == 3  # the first run and 2 retries
    assert (result.source_dir / "n").read_text().count("try") == 3
    assert result.status == "FAILED"


@pytest.mark.parametrize(
    ("policy", "attempts"),
    [("RETRY-flaky error", 2), ("RETRY-disk full", 1), ("RETRY-1-fl.ky", 2)],
)
def test_retry_with_a_regex_retries_only_when_the_output_matches(
    run: Run, policy: str, attempts: int
) -> None:
    result, _ = run({"phases": {"build": {"on-failure": policy, "commands": [FLAKY]}}})
    assert result.phase("BUILD").attempts == attempts
    assert result.status == ("SUCCEEDED" if attempts == 2 else "FAILED")


# ---- the shell -------------------------------------------------------------

SHELL_STATE = {
    "install": {"commands": ["mkdir -p sub", "cd sub", "export COLOUR=blue"]},
    "build": {"commands": ["echo cwd=$(basename $(pwd)) colour=$COLOUR"]},
}


def test_version_0_2_keeps_cd_and_export_across_commands_and_phases(run: Run) -> None:
    _, log = run({"version": 0.2, "phases": SHELL_STATE})
    assert "cwd=sub colour=blue" in log


def test_version_0_1_runs_each_command_in_a_fresh_shell(run: Run) -> None:
    _, log = run({"version": 0.1, "phases": SHELL_STATE})
    assert "cwd=src colour=\n" in log


def test_version_0_1_does_not_wait_for_background_jobs(run: Run) -> None:
    data = {"version": 0.1, "phases": {"build": {"commands": ["sleep 30 & echo started"]}}}
    result, log = run(data)
    assert "started" in log
    assert result.phase("BUILD").duration < 5


def test_env_shell_picks_the_shell(run: Run) -> None:
    probe = 'if [ -n "$BASH_VERSION" ]; then echo in-bash; else echo in-sh; fi'
    _, default = run({"phases": {"build": {"commands": [probe]}}})
    _, sh = run({"env": {"shell": "sh"}, "phases": {"build": {"commands": [probe]}}})
    assert "in-bash" in default
    assert "in-sh" in sh


def test_a_command_that_exits_the_shell_fails_and_the_next_one_gets_a_new_shell(run: Run) -> None:
    data = {"phases": {"build": {"commands": ["exit 4"], "finally": ["echo still here"]}}}
    result, log = run(data)
    assert result.phase("BUILD").contexts[0][1].endswith("exit status 4")
    assert "still here" in log


# ---- timeouts and Ctrl-C ---------------------------------------------------


def test_a_command_over_its_timeout_is_killed_and_fails_the_phase(run: Run) -> None:
    data = {"phases": {"build": {"commands": ["sleep 5"]}, "post_build": {"commands": ["echo p"]}}}
    result, log = run(data, command_timeout=0.3)
    assert result.phase("BUILD").status == "TIMED_OUT"
    assert result.phase("BUILD").contexts[0][0] == "COMMAND_TIMED_OUT"
    assert result.phase("BUILD").duration < 3
    assert result.status == "FAILED"
    assert "\np\n" in log  # like any BUILD failure, POST_BUILD still runs


def test_the_build_timeout_ends_the_build_timed_out(run: Run) -> None:
    data = {
        "phases": {
            "install": {"commands": ["sleep 0.2"]},
            "build": {"commands": ["sleep 5"], "finally": ["echo finally"]},
            "post_build": {"commands": ["echo post"]},
        }
    }
    result, log = run(data, build_timeout=0.6)
    assert result.status == "TIMED_OUT"
    assert result.phase("BUILD").status == "TIMED_OUT"
    assert result.phase("POST_BUILD") is None
    assert "echo post" not in log and "echo finally" not in log
    assert result.duration < 3


def test_ctrl_c_stops_the_build_and_kills_the_shell(run: Run, tmp_path: Path) -> None:
    # The command sends SIGINT to this test process: Python raises KeyboardInterrupt
    # in the runner, exactly as when the user presses Ctrl-C.
    data = {
        "phases": {
            "build": {
                "commands": ["sleep 30 & echo $! > bg.pid", f"kill -INT {os.getpid()}; sleep 5"]
            },
            "post_build": {"commands": ["echo post"]},
        }
    }
    # A process started with SIGINT ignored (a background job of a shell script) never
    # gets KeyboardInterrupt: give this one Python's own handler, as a terminal's has.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        result, log = run(data)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.status == "STOPPED"
    assert result.phase("BUILD").status == "STOPPED"
    assert result.phase("POST_BUILD") is None
    assert "echo post" not in log
    # The background job died with the shell's process group (give init a moment to reap it).
    background = int((result.source_dir / "bg.pid").read_text())
    deadline = time.monotonic() + 2
    while alive(background) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(background)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
