"""Canary: the real model server, as a separate process on a free loopback port.

After a deployment, a canary sends one harmless request to the new endpoint
and checks the answer's shape before real traffic arrives. Here the endpoint
is ``python -m churn.serve`` on this machine, serving a freshly trained model.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from churn.data import generate
from churn.serve import ERROR_SCHEMA, RESPONSE_SCHEMA
from churn.train import train

STARTED = re.compile(r"Serving model (\S+) on (http://127\.0\.0\.1:\d+)")


def request(
    url: str, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, dict]:
    """Send a request; return the status and the JSON body, for errors too."""
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def serve(artifact: Path) -> Iterator[tuple[str, str]]:
    """Start the server on port 0; yield (base URL, model version); stop it afterwards."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "churn.serve",
            "--model",
            str(artifact),
            "--port",
            "0",
            "--max-body-bytes",
            "100000",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # printed once the port is bound
        started = STARTED.search(line)
        assert started, f"the server did not start: {line!r}"
        yield started.group(2), started.group(1)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("models")
    model = train(generate(3000, seed=11))
    good = model.save(folder / "good" / "model.tar.gz")
    # A model that loads but cannot predict: its weights lost most of their
    # columns, as a corrupted or mismatched artifact would.
    model.estimator.coef_ = model.estimator.coef_[:, :3]
    broken = model.save(folder / "broken" / "model.tar.gz")
    return {"good": good, "broken": broken}


@pytest.fixture(scope="module")
def endpoint(artifacts: dict[str, Path]) -> Iterator[tuple[str, str]]:
    yield from serve(artifacts["good"])


def customer_records(n: int) -> list[dict]:
    return generate(n, seed=12).drop(columns=["churned"]).to_dict(orient="records")


def test_canary_request_gets_a_valid_response(endpoint: tuple[str, str]) -> None:
    base, version = endpoint
    status, body = request(
        f"{base}/invocations", json.dumps({"instances": customer_records(2)}).encode()
    )
    assert status == 200
    jsonschema.validate(body, RESPONSE_SCHEMA)
    assert body["modelVersion"] == version
    assert len(body["predictions"]) == 2


def test_bad_payloads_get_4xx_json_errors_and_the_server_keeps_serving(
    endpoint: tuple[str, str],
) -> None:
    base, _ = endpoint
    cases = [
        (b"{not json", "application/json", 400),
        (b"<customers/>", "application/xml", 415),
        (b"x" * 200_000, "application/json", 413),
    ]
    for body, content_type, expected in cases:
        status, answer = request(f"{base}/invocations", body, content_type)
        assert status == expected, answer
        jsonschema.validate(answer, ERROR_SCHEMA)
    assert request(f"{base}/ping")[0] == 200


def test_a_broken_model_gives_5xx_json_and_the_server_keeps_serving(
    artifacts: dict[str, Path],
) -> None:
    for base, _ in serve(artifacts["broken"]):
        records = json.dumps(customer_records(1)).encode()
        status, body = request(f"{base}/invocations", records)
        assert status == 500
        jsonschema.validate(body, ERROR_SCHEMA)
        assert request(f"{base}/ping")[0] == 200
        assert request(f"{base}/invocations", records)[0] == 500  # still answering


def test_a_missing_model_file_is_one_clear_sentence(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "churn.serve",
            "--model",
            str(tmp_path / "none.tar.gz"),
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "none.tar.gz" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_documented_commands_train_then_serve(tmp_path: Path) -> None:
    # What the README tells a learner to run, in separate processes.
    artifact = tmp_path / "model.tar.gz"
    trained = subprocess.run(
        [sys.executable, "-m", "churn.train", "--out", str(artifact), "--rows", "2000"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert trained.returncode == 0, trained.stderr
    version = trained.stdout.split()[1]
    for base, served_version in serve(artifact):
        assert served_version == version
        status, body = request(f"{base}/ping")
        assert (status, body["modelVersion"]) == (200, version)
