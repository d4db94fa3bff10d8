"""offline_aws: what a block sees, and that the user's environment comes back."""

from __future__ import annotations

import doctest
import os
from pathlib import Path

import boto3
import pytest

from mlcicd.testing import FAKE_CREDENTIALS, environment, offline_aws
from mlcicd.testing.environment import offline_environment
from mlcicd.testing.guard import PLUGIN_ENV, PLUGIN_SPEC

USER_ENV = {
    "HOME": "/home/learner",
    "AWS_PROFILE": "production",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_ENDPOINT_URL_S3": "https://s3.example.com",
    "AWS_DEFAULT_REGION": "ap-southeast-2",
}


def test_offline_environment_hides_every_user_aws_variable() -> None:
    env = offline_environment(USER_ENV, "eu-west-1")

    assert env["HOME"] == "/home/learner"
    assert "AWS_PROFILE" not in env
    assert "AWS_ENDPOINT_URL_S3" not in env
    assert {key: env[key] for key in FAKE_CREDENTIALS} == dict(FAKE_CREDENTIALS)
    assert env["AWS_DEFAULT_REGION"] == env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert env[PLUGIN_ENV] == PLUGIN_SPEC


def test_offline_environment_does_not_change_its_input() -> None:
    before = dict(USER_ENV)
    offline_environment(USER_ENV, "us-east-1")
    assert before == USER_ENV


def test_offline_aws_restores_the_environment_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in USER_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/home/learner/.aws/config")
    before = dict(os.environ)

    with offline_aws("eu-central-1", mock=False):
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_REGION"] == "eu-central-1"

    assert dict(os.environ) == before


def test_offline_aws_restores_the_environment_after_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    before = dict(os.environ)
    with pytest.raises(ZeroDivisionError), offline_aws(mock=False):
        1 / 0  # noqa: B018
    assert dict(os.environ) == before


@pytest.fixture
def home_with_real_aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    aws = tmp_path / ".aws"
    aws.mkdir()
    (aws / "config").write_text("[default]\nregion = eu-west-3\n")
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIAREALLOOKING0000\n"
        "aws_secret_access_key = realLookingSecretKey0000000000000000000\n"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_the_users_aws_files_are_read_without_the_mask(
    home_with_real_aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control for the next test: this set-up really is visible to botocore.
    for key in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(key)
    session = boto3.Session()
    assert session.region_name == "eu-west-3"
    assert session.get_credentials().access_key == "AKIAREALLOOKING0000"


def test_offline_aws_masks_the_users_aws_files(home_with_real_aws_config: Path) -> None:
    with offline_aws(mock=False):
        session = boto3.Session()
        assert session.region_name == "us-east-1"
        assert session.get_credentials().access_key == "testing"


def test_offline_aws_with_mock_answers_calls_locally() -> None:
    with offline_aws("eu-west-1"):
        s3 = boto3.client("s3")
        s3.create_bucket(
            Bucket="course-data", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
        )
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["course-data"]
    with offline_aws():
        assert boto3.client("s3").list_buckets()["Buckets"] == []  # nothing carried over


def test_the_documented_example_runs() -> None:
    results = doctest.testmod(environment)
    assert results.attempted > 0
    assert results.failed == 0
