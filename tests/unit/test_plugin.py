"""The pytest plugin, run inside pytest's own ``pytester``: masking, fixtures, restoring."""

from __future__ import annotations

import os

import pytest


def test_every_test_sees_fake_credentials_and_no_profile() -> None:
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
    assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in os.environ


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
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
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
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_plugin_can_be_turned_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    pytester.makepyfile(
        """
        import os

        def test_sees_the_real_environment():
            assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:mlcicd", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_sessions_in_a_run_share_one_loader_of_service_descriptions() -> None:
    import boto3

    first = boto3.Session()._session.get_component("data_loader")
    second = boto3.Session()._session.get_component("data_loader")
    # The same loader: each service's JSON description is parsed once per run.
    assert first is second
