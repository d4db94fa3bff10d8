"""End to end: a raw CSV lands in S3 and ends as a model version in the Model Registry.

The flow a real account runs, step by step, all against moto:

1. a data engineer uploads ``customers.csv`` to the data bucket;
2. S3 sends an ``ObjectCreated`` event to the Lambda handler, which validates
   the file and starts a SageMaker training job;
3. the training container trains and evaluates (here: an in-process stand-in
   with the same inputs and outputs, since moto runs no containers);
4. the release step gates the candidate against the approved model, then
   registers it (pending approval) or publishes the failure to SNS.

In AWS the steps take minutes and run elsewhere, so the test *waits* for the
outcome the way a pipeline would: by polling with a timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import boto3
import pytest

from churn.data import generate, to_csv_bytes
from churn.handler import handler, s3_put_event
from churn.notify import parse_notification
from churn.registry import list_versions, set_approval
from churn.release import release
from churn.training_job import run_training_job

T = TypeVar("T")

DATA_BUCKET = "churn-raw-data"
MODEL_BUCKET = "churn-models"
GROUP = "churn-classifier"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-inference:1"


def wait_until(probe: Callable[[], T | None], *, timeout: float, interval: float = 0.2) -> T:
    """Poll ``probe`` until it returns something, or fail after ``timeout`` seconds.

    Against AWS the timeout would be ~10 minutes and the interval ~30 s; the
    shape of the wait is the same.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"nothing after {timeout} s of waiting")
        time.sleep(interval)


@pytest.fixture
def account(aws: boto3.Session, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Buckets, a topic with a queue subscribed, and the handler's configuration."""
    s3, sns, sqs = aws.client("s3"), aws.client("sns"), aws.client("sqs")
    for bucket in (DATA_BUCKET, MODEL_BUCKET):
        s3.create_bucket(Bucket=bucket)
    topic = sns.create_topic(Name="churn-quality-gate")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="gate-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    settings = {
        "DATA_BUCKET": DATA_BUCKET,
        "TRAINING_ROLE_ARN": "arn:aws:iam::123456789012:role/churn-training",
        "TRAINING_IMAGE_URI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-train:1",
        "OUTPUT_S3_URI": f"s3://{MODEL_BUCKET}/training-output",
        "HYPERPARAMETERS": json.dumps({"C": 0.5, "max_iter": 500}),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return {"topic": topic, "queue": queue_url}


def upload_and_train(aws: boto3.Session, key: str, body: bytes, workdir: Path):
    """Steps 1 to 3: upload, deliver the S3 event, run the training job."""
    s3, sagemaker = aws.client("s3"), aws.client("sagemaker")
    etag = s3.put_object(Bucket=DATA_BUCKET, Key=key, Body=body)["ETag"].strip('"')
    response = handler(s3_put_event(DATA_BUCKET, key, len(body), etag), None)
    assert response["status"] == "started", response
    return response, run_training_job(sagemaker, s3, response["trainingJobName"], workdir)


def test_a_raw_csv_upload_ends_as_a_registered_model_version(
    aws: boto3.Session, account: dict[str, str], tmp_path: Path
) -> None:
    sagemaker = aws.client("sagemaker")
    response, result = upload_and_train(
        aws, "raw/2026-11/customers.csv", to_csv_bytes(generate(4000, seed=21)), tmp_path
    )

    # The trained artifact is where SageMaker would put it.
    assert result.model_data_url == (
        f"s3://{MODEL_BUCKET}/training-output/{response['trainingJobName']}/output/model.tar.gz"
    )
    outcome = release(
        sagemaker,
        aws.client("sns"),
        result,
        group=GROUP,
        image_uri=IMAGE,
        topic_arn=account["topic"],
        dataset_uri=response["input"],
    )
    assert outcome.verdict.passed, outcome.verdict.format()

    version = wait_until(lambda: next(iter(list_versions(sagemaker, GROUP)), None), timeout=30)
    assert version.approval_status == "PendingManualApproval"
    assert version.model_data_url == result.model_data_url
    assert float(version.metrics["roc_auc"]) == pytest.approx(result.metrics.roc_auc, abs=1e-6)


def test_a_model_worse_than_the_approved_one_is_not_registered_and_alerts(
    aws: boto3.Session, account: dict[str, str], tmp_path: Path
) -> None:
    sagemaker, sqs = aws.client("sagemaker"), aws.client("sqs")
    common = {"group": GROUP, "image_uri": IMAGE, "topic_arn": account["topic"]}

    # A good model is trained, registered and approved first.
    response, good = upload_and_train(
        aws, "raw/good.csv", to_csv_bytes(generate(4000, seed=31)), tmp_path / "good"
    )
    first = release(sagemaker, aws.client("sns"), good, dataset_uri=response["input"], **common)
    assert first.registered is not None
    set_approval(sagemaker, first.registered.arn, "Approved")

    # Then a batch whose labels went bad (half the loyal customers marked as
    # churned) trains a worse model: the gate must stop it.
    noisy = to_csv_bytes(generate(4000, seed=32, label_drift=0.5))
    response, worse = upload_and_train(aws, "raw/noisy.csv", noisy, tmp_path / "noisy")
    second = release(sagemaker, aws.client("sns"), worse, dataset_uri=response["input"], **common)

    assert not second.verdict.passed
    assert second.registered is None
    assert [v.version for v in list_versions(sagemaker, GROUP)] == [first.registered.version]
    messages = wait_until(
        lambda: sqs.receive_message(QueueUrl=account["queue"], WaitTimeSeconds=0).get("Messages"),
        timeout=30,
    )
    alert = parse_notification(messages[0]["Body"])
    assert alert["modelVersion"] == worse.model_version
    assert alert["dataset"] == response["input"]
    assert {f["metric"] for f in alert["failures"]} <= {"roc_auc", "f1", "precision", "recall"}
    assert alert["failures"]
