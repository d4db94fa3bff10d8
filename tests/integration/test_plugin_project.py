"""mlcicd installed, in someone else's project: its pytest plugin stays out of the way.

A throwaway project (a folder with one test file and no configuration) runs with
this environment's ``python -m pytest`` in a process of its own, as its owner
would run it, from a shell with their own AWS settings. Without ``--offline-aws``
its tests see those settings unchanged and botocore untouched; with it, the same
tests meet the safety net.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

#: The project's own tests: each passes only while mlcicd leaves the run alone.
PROJECT_TESTS = """
import os

import boto3
import botocore.loaders
import botocore.session
from botocore.awsrequest import AWSResponse

MINE = {MINE!r}


def test_my_aws_variables_reach_my_test_unchanged():
    seen = {{key: value for key, value in os.environ.items() if key.startswith("AWS_")}}
    assert seen == MINE
    assert "BOTOCORE_EXPERIMENTAL__PLUGINS" not in os.environ
    assert boto3.Session().region_name == "eu-north-1"  # read from my own config file


def test_botocore_is_not_patched():
    assert botocore.session.create_loader is botocore.loaders.create_loader


class Body:
    def stream(self):
        yield b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>"


def test_a_call_to_aws_goes_down_botocores_own_path():
    s3 = boto3.client("s3", region_name="eu-north-1")
    sent = []

    def answer(request, **kwargs):
        sent.append(request.url)
        return AWSResponse(request.url, 200, {{}}, Body())

    # Registered last, after any handler mlcicd could have added to this client.
    s3.meta.events.register_last("before-send", answer)
    assert s3.list_buckets()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sent == ["https://s3.eu-north-1.amazonaws.com/"]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The project's folder and its owner's shell environment (their own AWS settings)."""
    root = tmp_path_factory.mktemp("their-project")
    config = root / "aws-config"
    config.write_text("[profile dev]\nregion = eu-north-1\n")
    mine = {
        "AWS_PROFILE": "dev",
        "AWS_CONFIG_FILE": str(config),
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    }
    (root / "test_theirs.py").write_text(PROJECT_TESTS.format(MINE=mine))
    # This suite runs under the safety net: start from the environment without it.
    shell = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "BOTOCORE_", "PYTEST_"))
    }
    return root, shell | mine


def run_project(root: Path, env: dict[str, str], *args: str) -> dict[str, str]:
    """Run the project's tests; return each test's outcome, or its failure message."""
    report = root / f"report{len(args)}.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args,
         f"--junitxml={report}"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failure = case.find("failure")
        outcomes[str(case.get("name"))] = (
            "passed" if failure is None else str(failure.get("message", "failed"))
        )
    return outcomes


def test_a_project_that_does_not_ask_keeps_its_aws_settings_and_botocore(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    assert run_project(root, env) == {
        "test_my_aws_variables_reach_my_test_unchanged": "passed",
        "test_botocore_is_not_patched": "passed",
        "test_a_call_to_aws_goes_down_botocores_own_path": "passed",
    }


def test_the_same_project_gets_the_safety_net_with_offline_aws(
    project: tuple[Path, dict[str, str]],
) -> None:
    root, env = project
    outcomes = run_project(root, env, "--offline-aws")
    assert set(outcomes) == {
        "test_my_aws_variables_reach_my_test_unchanged",
        "test_botocore_is_not_patched",
        "test_a_call_to_aws_goes_down_botocores_own_path",
    }
    assert "passed" not in outcomes.values(), outcomes
    assert "RealAWSCallError" in outcomes["test_a_call_to_aws_goes_down_botocores_own_path"]
