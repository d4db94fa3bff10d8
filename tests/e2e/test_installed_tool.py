"""The installed command line, run as a learner runs it: a separate process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MLCICD = Path(sys.executable).with_name("mlcicd")


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, env=env)


def test_console_script_and_module_agree() -> None:
    script = run(str(MLCICD), "--help")
    module = run(sys.executable, "-m", "mlcicd", "--help")
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout
    assert "lab" in script.stdout


def test_version_matches_the_package_metadata() -> None:
    from importlib.metadata import version

    result = run(str(MLCICD), "--version")
    assert result.stdout.strip() == f"mlcicd, version {version('mlcicd')}"


def test_a_command_run_offline_cannot_see_the_learners_keys() -> None:
    env = {**os.environ, "AWS_PROFILE": "production", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}
    code = (
        "import boto3, os\n"
        "from mlcicd.exceptions import RealAWSCallError\n"
        "assert 'AWS_PROFILE' not in os.environ\n"
        "try:\n"
        "    boto3.client('sts').get_caller_identity()\n"
        "except RealAWSCallError as error:\n"
        "    print('stopped', error.service, error.operation)\n"
    )
    result = run(
        sys.executable, "-m", "mlcicd.testing.environment", sys.executable, "-c", code, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "stopped sts GetCallerIdentity\n"
