"""The training trigger: an S3 upload event in, a SageMaker training job (or a clear "no") out.

Everything runs against moto. Each bad-input test checks the three promises of
the handler together: it answers ``rejected`` with a reason a person can act
on, it starts no training job, and it writes nothing to the bucket.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from churn.data import generate, to_csv_bytes
from churn.exceptions import ConfigurationError
from churn.handler import Clients, handler, s3_put_event

ROLE_ARN = "arn:aws:iam::123456789012:role/churn-training"
IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-train:1.4.0"
OUTPUT_URI = "s3://churn-models/training"
# Small, so one test can go over it without a large file.
MAX_OBJECT_BYTES = 100_000
KEY = "incoming/customers.csv"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, s3_bucket: str) -> dict[str, str]:
    """The function's environment variables, as the deployment sets them."""
    environ = {
        "DATA_BUCKET": s3_bucket,
        "TRAINING_ROLE_ARN": ROLE_ARN,
        "TRAINING_IMAGE_URI": IMAGE_URI,
        "OUTPUT_S3_URI": OUTPUT_URI,
        "HYPERPARAMETERS": '{"max_depth": 5, "eta": 0.1, "early_stopping": true,'
        ' "objective": "binary:logistic"}',
        "MAX_OBJECT_BYTES": str(MAX_OBJECT_BYTES),
        "TRAINING_INSTANCE_TYPE": "ml.m5.xlarge",
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return environ


def customers(rows: int = 200) -> pd.DataFrame:
    """A valid dataset; the same rows every time."""
    return generate(rows, seed=3)


def valid_csv(rows: int = 200) -> bytes:
    return to_csv_bytes(customers(rows))


def put(s3: Any, bucket: str, key: str, body: bytes) -> dict[str, Any]:
    """Store an object and return the event S3 would send for it."""
    etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
    return s3_put_event(bucket, key, len(body), etag)


def listing(s3: Any, bucket: str) -> list[tuple[str, str]]:
    """The bucket's objects, as (key, ETag): any write would change this."""
    return [(o["Key"], o["ETag"]) for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def training_jobs(sagemaker: Any) -> list[str]:
    return [j["TrainingJobName"] for j in sagemaker.list_training_jobs()["TrainingJobSummaries"]]


def assert_rejected(response: dict[str, Any], reason: str, sagemaker: Any) -> None:
    assert response["status"] == "rejected", response
    assert reason in response["reason"]
    assert training_jobs(sagemaker) == [], "a job was started on input the handler rejected"


# A valid upload -------------------------------------------------------------


def test_a_valid_upload_starts_a_training_job_configured_from_the_settings(
    aws: boto3.Session, s3_bucket: str, settings: dict[str, str]
) -> None:
    s3, sagemaker = aws.client("s3"), aws.client("sagemaker")
    event = put(s3, s3_bucket, KEY, valid_csv())

    response = handler(event, None)

    assert response["status"] == "started", response
    assert response["input"] == f"s3://{s3_bucket}/{KEY}"
    assert response["validation"]["passed"] is True
    # Check what SageMaker received, not only what the handler says it sent.
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    channel = job["InputDataConfig"][0]
    assert channel["ChannelName"] == "train"
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{s3_bucket}/{KEY}"
    assert job["OutputDataConfig"]["S3OutputPath"] == OUTPUT_URI
    assert job["RoleArn"] == ROLE_ARN
    assert job["AlgorithmSpecification"]["TrainingImage"] == IMAGE_URI
    assert job["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"
    # SageMaker takes hyperparameters as strings only; JSON numbers and
    # booleans from the setting must arrive as their JSON spelling.
    assert job["HyperParameters"] == {
        "max_depth": "5",
        "eta": "0.1",
        "early_stopping": "true",
        "objective": "binary:logistic",
    }
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == response["output"]


def test_the_handler_uses_the_clients_it_is_given_not_its_own(
    aws: boto3.Session, s3_bucket: str, settings: dict[str, str]
) -> None:
    s3, sagemaker = aws.client("s3"), aws.client("sagemaker")
    event = put(s3, s3_bucket, KEY, valid_csv())
    requests: list[dict[str, Any]] = []

    class RecordingSageMaker:
        def create_training_job(self, **request: Any) -> dict[str, str]:
            requests.append(request)
            return {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/x"}

    response = handler(event, None, clients=Clients(s3=s3, sagemaker=RecordingSageMaker()))

    assert response["status"] == "started", response
    assert [r["TrainingJobName"] for r in requests] == [response["trainingJobName"]]
    # The default client would have started the job in moto's SageMaker.
    assert training_jobs(sagemaker) == []


def test_an_url_encoded_key_is_decoded_before_use(
    aws: boto3.Session, s3_bucket: str, settings: dict[str, str]
) -> None:
    # S3 events encode keys (a space becomes "+"); reading the encoded key
    # would look for an object that does not exist.
    key = "incoming/march 2024+extra.csv"
    event = put(aws.client("s3"), s3_bucket, key, valid_csv())
    assert event["Records"][0]["s3"]["object"]["key"] == "incoming/march+2024%2Bextra.csv"

    response = handler(event, None)

    assert response["status"] == "started", response
    assert response["input"] == f"s3://{s3_bucket}/{key}"


def test_a_repeated_event_names_the_same_job_and_starts_no_second_one(
    aws: boto3.Session, s3_bucket: str, settings: dict[str, str]
) -> None:
    sagemaker = aws.client("sagemaker")

    class UniqueNamesSageMaker:
        """moto's client, but refusing a job name in use, as SageMaker does.

        moto (5.x) silently replaces a training job of the same name, so
        without this the test could not tell one job from two.
        """

        def __getattr__(self, name: str) -> Any:
            return getattr(sagemaker, name)

        def create_training_job(self, **request: Any) -> Any:
            if request["TrainingJobName"] in training_jobs(sagemaker):
                error = {"Error": {"Code": "ResourceInUse", "Message": "name in use"}}
                raise ClientError(error, "CreateTrainingJob")  # type: ignore[arg-type]
            return sagemaker.create_training_job(**request)

    clients = Clients(s3=aws.client("s3"), sagemaker=UniqueNamesSageMaker())
    event = put(aws.client("s3"), s3_bucket, KEY, valid_csv())

    # S3 delivers events at least once: the same event may come twice.
    first = handler(event, None, clients=clients)
    second = handler(event, None, clients=clients)

    assert first["status"] == second["status"] == "started"
    assert first["trainingJobName"] == second["trainingJobName"]
    assert training_jobs(sagemaker) == [first["trainingJobName"]]


# Bad files: the object is there, but it must not be trained on -------------


# What upstream changes do: a renamed column, a new one, counts written as text.
DRIFTED = generate(200, seed=3, schema_drift=True)

BAD_FILES = {
    # id: (key, content, words the reason must contain)
    "malformed-row": (KEY, valid_csv() + b"C9,1,2\n", "fields where the header has"),
    "missing-column": (
        KEY,
        to_csv_bytes(customers().drop(columns="tenure_months")),
        "[missing-column] tenure_months",
    ),
    "extra-column": (
        KEY,
        to_csv_bytes(customers().assign(promo_code="SPRING")),
        "[extra-column] promo_code",
    ),
    "wrong-dtype": (
        KEY,
        to_csv_bytes(customers().assign(support_calls=DRIFTED["support_calls"])),
        "[dtype] support_calls",
    ),
    "schema-drift": (KEY, to_csv_bytes(DRIFTED), "[missing-column] monthly_charges"),
    "empty-object": (KEY, b"", "empty"),
    # Refused from the size, before the file is downloaded into the function.
    "over-the-size-limit": (KEY, valid_csv(2_000), "over the limit of 100,000 (MAX_OBJECT_BYTES)"),
    "not-a-csv-key": ("incoming/customers.parquet", valid_csv(), "not a .csv file"),
}


@pytest.mark.parametrize(("key", "content", "reason"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_file_is_rejected_with_the_reason(
    aws: boto3.Session,
    s3_bucket: str,
    settings: dict[str, str],
    key: str,
    content: bytes,
    reason: str,
) -> None:
    s3, sagemaker = aws.client("s3"), aws.client("sagemaker")
    event = put(s3, s3_bucket, key, content)
    before = listing(s3, s3_bucket)

    response = handler(event, None)

    assert_rejected(response, reason, sagemaker)
    assert response["input"] == f"s3://{s3_bucket}/{key}"
    assert listing(s3, s3_bucket) == before


def test_an_off_schema_file_is_rejected_with_the_full_validation_report(
    aws: boto3.Session, s3_bucket: str, settings: dict[str, str]
) -> None:
    event = put(aws.client("s3"), s3_bucket, KEY, to_csv_bytes(DRIFTED))

    response = handler(event, None)

    # The report lets a data engineer fix every problem in one go.
    codes = {finding["code"] for finding in response["validation"]["findings"]}
    assert {"missing-column", "extra-column", "dtype"} <= codes
    assert response["validation"]["passed"] is False


# Bad events: the file is fine, the event is not ---------------------------


def no_records(event: dict[str, Any]) -> dict[str, Any]:
    return {}


def two_records(event: dict[str, Any]) -> dict[str, Any]:
    return {"Records": event["Records"] * 2}


def another_bucket(event: dict[str, Any]) -> dict[str, Any]:
    record = event["Records"][0]
    return s3_put_event("someone-elses-bucket", KEY, record["s3"]["object"]["size"])


def a_delete_event(event: dict[str, Any]) -> dict[str, Any]:
    return {"Records": [{**event["Records"][0], "eventName": "ObjectRemoved:Delete"}]}


def a_missing_object(event: dict[str, Any]) -> dict[str, Any]:
    return s3_put_event(event["Records"][0]["s3"]["bucket"]["name"], "incoming/gone.csv", 10)


def a_size_that_lies(event: dict[str, Any]) -> dict[str, Any]:
    # The event says 10 bytes; the object is larger than the limit.
    return s3_put_event(event["Records"][0]["s3"]["bucket"]["name"], "incoming/big.csv", 10)


def no_key(event: dict[str, Any]) -> dict[str, Any]:
    record = event["Records"][0]
    return {"Records": [{**record, "s3": {"bucket": record["s3"]["bucket"], "object": {}}}]}


BAD_EVENTS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], str]] = {
    "no-records": (no_records, "no Records"),
    "two-records": (two_records, "expected exactly one"),
    "another-bucket": (another_bucket, "event for another bucket"),
    "not-object-created": (a_delete_event, "not an S3 ObjectCreated event"),
    "object-missing": (a_missing_object, "does not exist"),
    "event-size-lies": (a_size_that_lies, "over the limit of 100,000 (MAX_OBJECT_BYTES)"),
    "no-object-key": (no_key, "malformed S3 event record"),
}


@pytest.mark.parametrize(("make_event", "reason"), BAD_EVENTS.values(), ids=BAD_EVENTS.keys())
def test_a_bad_event_is_rejected_with_the_reason(
    aws: boto3.Session,
    s3_bucket: str,
    settings: dict[str, str],
    make_event: Callable[[dict[str, Any]], dict[str, Any]],
    reason: str,
) -> None:
    s3, sagemaker = aws.client("s3"), aws.client("sagemaker")
    # Valid files in the bucket: a rejection must come from the event alone.
    good_event = put(s3, s3_bucket, KEY, valid_csv())
    put(s3, s3_bucket, "incoming/big.csv", valid_csv(2_000))
    before = listing(s3, s3_bucket)

    response = handler(make_event(good_event), None)

    assert_rejected(response, reason, sagemaker)
    assert listing(s3, s3_bucket) == before


# Operator errors: these raise, because no input can fix them --------------

BAD_SETTINGS = {
    "missing-bucket": ("DATA_BUCKET", None),
    "missing-role": ("TRAINING_ROLE_ARN", None),
    "role-not-an-arn": ("TRAINING_ROLE_ARN", "churn-training"),
    "missing-image": ("TRAINING_IMAGE_URI", None),
    "output-not-s3": ("OUTPUT_S3_URI", "/tmp/models"),
    "hyperparameters-not-an-object": ("HYPERPARAMETERS", "[5]"),
    "hyperparameters-nested": ("HYPERPARAMETERS", '{"layers": [64, 32]}'),
    "max-bytes-not-a-number": ("MAX_OBJECT_BYTES", "50MB"),
    "not-an-instance-type": ("TRAINING_INSTANCE_TYPE", "m5.large"),
}


@pytest.mark.parametrize(("name", "value"), BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_a_missing_or_invalid_setting_raises_a_configuration_error_naming_it(
    aws: boto3.Session,
    s3_bucket: str,
    settings: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    value: str | None,
) -> None:
    event = put(aws.client("s3"), s3_bucket, KEY, valid_csv())
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)

    with pytest.raises(ConfigurationError) as raised:
        handler(event, None)

    assert raised.value.setting == name
    assert training_jobs(aws.client("sagemaker")) == []
