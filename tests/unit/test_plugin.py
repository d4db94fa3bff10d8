"""The pytest plugin, run inside pytest's own ``pytester``: opt-in, masking, fixtures, restoring.

This repository asks for the safety net (``offline_aws = true`` in pyproject.toml),
so the tests here run under it; each ``pytester`` project is a folder of its own,
inert unless it asks too. tests/integration/test_plugin_project.py runs a throwaway
project in a pytest process of its own.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import botocore.session
import pytest

from mlcicd.course.release_learner import learner_pyproject

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"

#: A test that passes when it sees the run's own key, fails when it sees the fake one.
SEES_THE_USERS_KEY = """
import os

def test_key():
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
"""


def test_every_test_sees_fake_credentials_and_no_profile() -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ


@pytest.fixture
def users_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The key a user exported in the shell the inner run starts from."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")


@pytest.mark.parametrize(
    ("config_file", "config", "args", "masked"),
    [
        (None, "", (), False),
        ("pytest.ini", "[pytest]\n", (), False),
        ("pytest.ini", "[pytest]\noffline_aws = false\n", (), False),
        (None, "", ("--offline-aws",), True),
        ("pytest.ini", "[pytest]\noffline_aws = true\n", (), True),
        ("pyproject.toml", "[tool.pytest.ini_options]\noffline_aws = true\n", (), True),
        ("tox.ini", "[pytest]\noffline_aws = 1\n", (), True),
        ("pytest.ini", "[pytest]\noffline_aws = false\n", ("--offline-aws",), True),
    ],
    ids=[
        "no-config",
        "config-without-setting",
        "setting-false",
        "command-line",
        "pytest.ini",
        "pyproject",
        "tox.ini",
        "command-line-beats-setting",
    ],
)
@pytest.mark.usefixtures("users_key")
def test_the_safety_net_acts_only_when_the_project_asks(
    pytester: pytest.Pytester,
    config_file: str | None,
    config: str,
    args: tuple[str, ...],
    masked: bool,
) -> None:
    if config_file is not None:
        (pytester.path / config_file).write_text(config)
    pytester.makepyfile(SEES_THE_USERS_KEY)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(passed=0 if masked else 1, failed=1 if masked else 0)


def test_the_fixtures_work_in_a_project_that_does_not_ask(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    pytester.makepyfile(
        """
        import os

        def test_bucket(aws, s3_bucket, region):
            s3 = aws.client("s3")
            s3.put_object(Bucket=s3_bucket, Key="a.csv", Body=b"a\\n")
            assert s3.list_objects_v2(Bucket=s3_bucket)["KeyCount"] == 1
            assert region == "us-east-1"
            # aws masks the user's profile for the test that asked for it only.
            assert "AWS_PROFILE" not in os.environ

        def test_without_aws(request):
            # No autouse masking: the project's own environment is untouched.
            assert os.environ["AWS_PROFILE"] == "production"
            assert not [name for name in request.fixturenames if "offline" in name]
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_a_learners_exported_credentials_never_reach_a_test_and_come_back(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    before = dict(os.environ)
    pytester.makepyfile(
        """
        import os

        def test_masked():
            assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
            assert "AWS_PROFILE" not in os.environ

        def test_exports_a_profile(monkeypatch):
            os.environ["AWS_PROFILE"] = "leaked"  # no monkeypatch: would leak

        def test_no_leak_from_the_previous_test():
            assert "AWS_PROFILE" not in os.environ
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--offline-aws")
    result.assert_outcomes(passed=3)
    assert dict(os.environ) == before


def test_fixtures_aws_s3_bucket_and_an_overridden_region(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def region():
            return "eu-west-1"
        """
    )
    pytester.makepyfile(
        """
        import os

        def test_bucket(aws, s3_bucket, region):
            s3 = aws.client("s3")
            s3.put_object(Bucket=s3_bucket, Key="data.csv", Body=b"a,b\\n1,2\\n")
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]]
            assert keys == ["data.csv"]
            where = s3.get_bucket_location(Bucket=s3_bucket)["LocationConstraint"]
            assert where == region == os.environ["AWS_REGION"] == "eu-west-1"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--offline-aws")
    result.assert_outcomes(passed=1)


@pytest.mark.usefixtures("users_key")
def test_the_plugin_can_be_turned_off_in_a_project_that_asks_for_it(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "pytest.ini").write_text("[pytest]\noffline_aws = true\n")
    pytester.makepyfile(SEES_THE_USERS_KEY)
    result = pytester.runpytest_inprocess("-p", "no:mlcicd", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_sessions_in_a_run_share_one_loader_of_service_descriptions() -> None:
    first = botocore.session.Session().get_component("data_loader")
    second = botocore.session.Session().get_component("data_loader")
    # The same loader: each service's JSON description is parsed once per run.
    assert first is second


def test_this_repository_and_its_learner_release_ask_for_the_safety_net() -> None:
    text = PYPROJECT.read_text(encoding="utf-8")
    for config in (tomllib.loads(text), tomllib.loads(learner_pyproject(text))):
        assert config["tool"]["pytest"]["ini_options"]["offline_aws"] is True
