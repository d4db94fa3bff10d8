"""The staging endpoint the E2E stage tests, reached the way its deployment says.

* ``ENDPOINT_NAME``: a SageMaker endpoint, called with ``sagemaker-runtime
  InvokeEndpoint``. The pipeline's E2E action sets it from the staging stack's
  output, ``#{Staging.EndpointName}``.
* ``ENDPOINT_URL``: a server with SageMaker's serving contract, e.g.
  ``python -m churn.serve --model model.tar.gz --port 8080`` on this machine.

Neither set is a failure, not a skip: an E2E stage that tests nothing must not pass.
These tests call AWS, so the project runs them with ``-p no:mlcicd`` (the course's
plugin refuses real AWS calls), and this file lifts the suite's loopback-only
socket rule for this folder.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import pytest_socket

#: The answer of one request: the HTTP status and the JSON body.
Invoke = Callable[[list[dict[str, Any]]], tuple[int, dict[str, Any]]]


@pytest.fixture(autouse=True)
def _loopback_only_network() -> Iterator[None]:
    """Overrides tests/conftest.py's fixture: staging is reached over the network."""
    pytest_socket.enable_socket()
    yield


def _sagemaker(name: str) -> Invoke:
    import boto3
    from botocore.exceptions import ClientError

    runtime = boto3.client("sagemaker-runtime")

    def invoke(records: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        try:
            answer = runtime.invoke_endpoint(
                EndpointName=name,
                ContentType="application/json",
                Body=json.dumps({"instances": records}),
            )
        except ClientError as error:
            # A 4xx/5xx from the container arrives as ModelError with its status and body.
            status = int(error.response.get("OriginalStatusCode", 500))
            return status, json.loads(error.response.get("OriginalMessage") or "{}")
        return 200, json.loads(answer["Body"].read())

    return invoke


def _http(url: str) -> Invoke:
    def invoke(records: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            url.rstrip("/") + "/invocations",
            data=json.dumps({"instances": records}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    return invoke


@pytest.fixture(scope="session")
def invoke() -> Invoke:
    """Send records to the staging endpoint; get ``(status, body)`` back."""
    if os.environ.get("ENDPOINT_NAME"):
        return _sagemaker(os.environ["ENDPOINT_NAME"])
    if os.environ.get("ENDPOINT_URL"):
        return _http(os.environ["ENDPOINT_URL"])
    pytest.fail(
        "no staging endpoint to test: the pipeline sets ENDPOINT_NAME from "
        "#{Staging.EndpointName}; locally, set ENDPOINT_URL to a running churn.serve"
    )
