"""Datasets and model artifacts survive a round trip through S3 (moto) unchanged."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from churn.data import generate, to_csv_bytes
from churn.exceptions import ModelError
from churn.registry import upload_artifact
from churn.validate import read_csv, validate_frame


def test_a_dataset_round_trips_through_s3_and_still_passes_validation(
    aws: boto3.Session, s3_bucket: str
) -> None:
    s3 = aws.client("s3")
    sent = to_csv_bytes(generate(200, seed=7))
    s3.put_object(Bucket=s3_bucket, Key="raw/customers.csv", Body=sent)

    received = s3.get_object(Bucket=s3_bucket, Key="raw/customers.csv")["Body"].read()

    # Byte equality first: if S3 (or our code) re-encoded the file, say so
    # plainly instead of failing later with a confusing validation finding.
    assert received == sent
    report = validate_frame(read_csv(received, source="s3://bucket/raw/customers.csv"))
    assert report.passed, report.format()
    assert report.rows == 200


def test_a_model_artifact_round_trips_through_upload_artifact(
    aws: boto3.Session, s3_bucket: str, tmp_path: Path
) -> None:
    artifact = tmp_path / "model.tar.gz"
    # Every byte value, so a text-mode or encoding mistake would change it.
    artifact.write_bytes(bytes(range(256)) * 64)
    s3 = aws.client("s3")

    uri = upload_artifact(s3, artifact, s3_bucket, "models/churn/v1/model.tar.gz")

    assert uri == f"s3://{s3_bucket}/models/churn/v1/model.tar.gz"
    stored = s3.get_object(Bucket=s3_bucket, Key="models/churn/v1/model.tar.gz")["Body"].read()
    assert stored == artifact.read_bytes()


def test_an_upload_to_a_missing_bucket_names_the_destination(
    aws: boto3.Session, tmp_path: Path
) -> None:
    artifact = tmp_path / "model.tar.gz"
    artifact.write_bytes(b"not really gzip")

    # The error must say where the upload went, so the reader can fix the setting.
    with pytest.raises(ModelError) as raised:
        upload_artifact(aws.client("s3"), artifact, "no-such-bucket", "model.tar.gz")

    assert "s3://no-such-bucket/model.tar.gz" in str(raised.value)
    assert "NoSuchBucket" in str(raised.value)
