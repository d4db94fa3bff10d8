"""Every buildspec of the course's stack runs green with the local runner, on a clean copy.

The buildspecs are taken from the synthesized template (what CloudFormation
would create), not from the Python that makes them, and run with
:func:`mlcicd.buildspec.run.run_buildspec` on a clean copy of this repository:
the files git tracks or would track (``git ls-files --cached --others
--exclude-standard``), so an ignored or generated file (``build/``, a model
left on disk) cannot make a build pass. Each run is what one pipeline action
would do, fed what the pipeline would feed it:

* ``MLCICD_OFFLINE_INSTALL=1`` skips ``pip install`` (the one network command);
  the Python on ``PATH`` is this test's, with the copy's ``src/`` first.
* The Build project uploads its model to S3: a moto server on loopback, reached
  through ``AWS_ENDPOINT_URL`` with fake keys.
* The quality gate reads Build's artifact from ``CODEBUILD_SRC_DIR_BuildOutput``,
  as CodeBuild unpacks a second input artifact.
* The E2E project tests "staging": ``churn.serve`` started on Build's model, at
  ``ENDPOINT_URL``.

``tests/unit`` and ``tests/integration`` are whole layers that ``make test``
runs anyway; here pytest's own ``PYTEST_ADDOPTS`` narrows them to one sample
module each (``--ignore`` for the others), so the build's commands, reports
and artifacts are exercised in seconds. ``tests/data``, ``tests/model`` and
``tests/staging`` run in full: only these builds run them.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _repository import clean_copy

from mlcicd.iac import cdk_problem

PROBLEM = cdk_problem()
pytestmark = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "churn-artifacts"
#: The sample module each whole layer runs here (see the module docstring).
SAMPLES = {"unit": "test_gate.py", "integration": "test_s3_data.py"}


@pytest.fixture(scope="module")
def buildspecs() -> dict[str, dict[str, Any]]:
    """Project name -> its buildspec, read from the synthesized template."""
    from mlcicd.buildspec import loads
    from mlcicd.iac import synthesize

    return {
        resource["Properties"]["Name"]: loads(resource["Properties"]["Source"]["BuildSpec"])
        for resource in synthesize()["Resources"].values()
        if resource["Type"] == "AWS::CodeBuild::Project"
    }


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clean_copy(ROOT, tmp_path_factory.mktemp("checkout"))


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto server on loopback holding the artifact bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=url, region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


def narrowed(checkout: Path, layer: str) -> str:
    """``PYTEST_ADDOPTS`` ignoring every module of ``tests/<layer>`` but its sample."""
    folder = checkout / "tests" / layer
    others = sorted(p.name for p in folder.glob("test_*.py") if p.name != SAMPLES[layer])
    return " ".join(f"--ignore=tests/{layer}/{name}" for name in others)


@pytest.fixture(scope="module")
def run(checkout: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run one project's buildspec on the clean copy, offline; return the result."""
    from mlcicd.buildspec.run import run_buildspec

    workdir = tmp_path_factory.mktemp("builds")
    base = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLCICD_OFFLINE_INSTALL": "1",
        # Fake keys: the only AWS this test reaches is moto on loopback.
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }

    def run_(spec: Any, **env: str) -> tuple[Any, str]:
        log = io.StringIO()
        result = run_buildspec(
            spec,
            source_dir=checkout,
            workdir=workdir,
            env={**base, **env},
            build_timeout=600,
            output=log,
        )
        return result, log.getvalue()

    return run_


def report_of(result: Any, group: str) -> Any:
    (report,) = [r for r in result.reports if r.name == group]
    return report


def assert_green(result: Any, log: str, group: str) -> None:
    """The build succeeded and its report shows tests that ran and passed, none skipped."""
    assert result.status == "SUCCEEDED", log[-3000:]
    report = report_of(result, group)
    assert report.total > 0 and report.passed == report.total, report.failing_tests
    assert report.skipped == 0


@pytest.fixture(scope="module")
def build(
    run: Any, buildspecs: dict[str, Any], checkout: Path, s3_endpoint: str
) -> tuple[Any, str]:
    """The Build stage: unit tests, training, packaging."""
    return run(
        buildspecs["churn-unit-tests"],
        PYTEST_ADDOPTS=narrowed(checkout, "unit"),
        AWS_ENDPOINT_URL=s3_endpoint,
        MODEL_BUCKET=BUCKET,
        SERVING_IMAGE="123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-serve:latest",
        ENDPOINT_ROLE_ARN="arn:aws:iam::123456789012:role/EndpointRole",
    )


@pytest.fixture(scope="module")
def build_output(build: tuple[Any, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Build stage's artifact, unpacked as CodeBuild unpacks a second input."""
    result, log = build
    assert result.succeeded, log[-3000:]
    folder = tmp_path_factory.mktemp("BuildOutput")
    with zipfile.ZipFile(result.artifacts[0].path) as archive:
        archive.extractall(folder)
    return folder


def test_the_build_stage_tests_trains_uploads_and_packages(
    build: tuple[Any, str], build_output: Path, s3_endpoint: str
) -> None:
    import boto3
    from ruamel.yaml import YAML

    result, log = build
    assert_green(result, log, "unit")
    assert sorted(p.name for p in build_output.iterdir()) == ["model.tar.gz", "template.yaml"]
    parameters = YAML(typ="safe").load((build_output / "template.yaml").read_text())["Parameters"]
    url = parameters["ModelDataUrl"]["Default"]
    assert url.startswith(f"s3://{BUCKET}/models/") and url.endswith("/model.tar.gz")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    uploaded = s3.get_object(Bucket=BUCKET, Key=url.removeprefix(f"s3://{BUCKET}/"))
    assert uploaded["Body"].read() == (build_output / "model.tar.gz").read_bytes()


def test_the_integration_tests_build_succeeds(
    run: Any, buildspecs: dict[str, Any], checkout: Path
) -> None:
    result, log = run(
        buildspecs["churn-integration-tests"], PYTEST_ADDOPTS=narrowed(checkout, "integration")
    )
    assert_green(result, log, "integration")


def test_the_data_tests_build_succeeds(run: Any, buildspecs: dict[str, Any]) -> None:
    result, log = run(buildspecs["churn-data-tests"])
    assert_green(result, log, "data")


def test_the_quality_gate_passes_the_model_build_trained(
    run: Any, buildspecs: dict[str, Any], build_output: Path
) -> None:
    result, log = run(
        buildspecs["churn-quality-gate"], CODEBUILD_SRC_DIR_BuildOutput=str(build_output)
    )
    assert_green(result, log, "model")


def test_the_quality_gate_fails_without_a_model(run: Any, buildspecs: dict[str, Any]) -> None:
    result, log = run(buildspecs["churn-quality-gate"])
    assert result.status == "FAILED"
    assert "no model to gate" in log


@pytest.fixture(scope="module")
def staging(build_output: Path) -> Iterator[str]:
    """The stand-in for staging: churn.serve on Build's model, on a free loopback port."""
    model = str(build_output / "model.tar.gz")
    server = subprocess.Popen(
        [sys.executable, "-m", "churn.serve", "--model", model, "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert line.startswith("Serving model"), line
        yield line.split(" on ")[1].split()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_e2e_stage_tests_the_staging_endpoint(
    run: Any, buildspecs: dict[str, Any], staging: str
) -> None:
    result, log = run(buildspecs["churn-e2e-tests"], ENDPOINT_URL=staging)
    assert_green(result, log, "staging")


def test_the_e2e_stage_fails_when_no_staging_endpoint_is_named(
    run: Any, buildspecs: dict[str, Any]
) -> None:
    result, log = run(buildspecs["churn-e2e-tests"])
    assert result.status == "FAILED"
    assert "no staging endpoint to test" in log
