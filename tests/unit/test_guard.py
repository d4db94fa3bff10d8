"""The real-AWS guard: decisions, and a call that never opens a socket."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import boto3
import pytest

from mlcicd.exceptions import RealAWSCallError
from mlcicd.testing import guard


@pytest.mark.parametrize(
    ("url", "moto_active", "refused"),
    [
        ("https://s3.amazonaws.com/", False, True),
        ("https://s3.amazonaws.com/", True, False),
        ("https://sagemaker.eu-west-1.amazonaws.com/", True, False),
        ("https://s3.cn-north-1.amazonaws.com.cn/", True, True),
        ("https://s3.dualstack.us-east-1.api.aws/", True, True),
        ("https://example.com/", True, True),  # custom endpoint moto does not answer
        ("https://amazonaws.com.evil.example/", True, True),
        ("http://127.0.0.1:5000/", False, False),  # moto server on loopback
        ("http://localhost:5000/", False, False),
        ("http://[::1]:5000/", False, False),
        ("http://10.0.0.5:5000/", False, True),
        ("http://169.254.169.254/latest/meta-data/", False, True),
    ],
)
def test_must_refuse(url: str, moto_active: bool, refused: bool) -> None:
    assert guard.must_refuse(url, moto_active) is refused


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (None, guard.PLUGIN_SPEC),
        ("", guard.PLUGIN_SPEC),
        ("DISABLED", guard.PLUGIN_SPEC),
        ("mine=my.module", f"mine=my.module,{guard.PLUGIN_SPEC}"),
        (guard.PLUGIN_SPEC, guard.PLUGIN_SPEC),
    ],
)
def test_plugin_setting_adds_the_guard_once(current: str | None, expected: str) -> None:
    assert guard.plugin_setting(current) == expected


@pytest.fixture
def socket_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record, and stop, every DNS lookup and socket the code under test tries to make."""
    attempts: list[str] = []

    class RecordingSocket(socket.socket):
        def __init__(self, *args: object, **kwargs: object) -> None:
            attempts.append(f"socket{args}")
            raise AssertionError("a socket was opened")

    def recording_getaddrinfo(*args: object, **kwargs: object) -> None:
        attempts.append(f"getaddrinfo{args}")
        raise AssertionError("a DNS lookup was made")

    monkeypatch.setattr(socket, "socket", RecordingSocket)
    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    return attempts


REAL_LOOKING = {
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def test_unmocked_call_with_real_looking_credentials_is_stopped_before_any_socket(
    monkeypatch: pytest.MonkeyPatch, socket_attempts: list[str]
) -> None:
    for key, value in REAL_LOOKING.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3", region_name="eu-west-1")
    assert client._request_signer._credentials.access_key == REAL_LOOKING["AWS_ACCESS_KEY_ID"]

    with pytest.raises(RealAWSCallError) as caught:
        client.list_buckets()

    assert (caught.value.service, caught.value.operation) == ("s3", "ListBuckets")
    assert "amazonaws.com" in caught.value.url
    assert "never calls real AWS" in str(caught.value)
    assert socket_attempts == []


def test_call_to_a_custom_endpoint_is_stopped_even_under_moto(
    aws: boto3.Session, socket_attempts: list[str]
) -> None:
    client = aws.client("sqs", endpoint_url="https://sqs.internal.example")
    with pytest.raises(RealAWSCallError) as caught:
        client.list_queues()
    assert caught.value.operation == "ListQueues"
    assert socket_attempts == []


def test_mocked_calls_pass_the_guard(aws: boto3.Session) -> None:
    sns = aws.client("sns")
    arn = sns.create_topic(Name="build-failures")["TopicArn"]
    assert arn.endswith(":build-failures")
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [arn]


def test_the_guard_comes_with_the_botocore_plugin_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    request = SimpleNamespace(url="https://s3.amazonaws.com/")
    guarded = boto3.client("s3")
    monkeypatch.delenv(guard.PLUGIN_ENV)
    unguarded = boto3.client("s3")

    with pytest.raises(RealAWSCallError):
        guarded.meta.events.emit("before-send.s3.ListBuckets", request=request)
    responses = unguarded.meta.events.emit("before-send.s3.ListBuckets", request=request)
    assert [response for _, response in responses if response is not None] == []
