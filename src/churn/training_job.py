"""An in-process stand-in for the SageMaker training container, with the same inputs and outputs.

moto records ``CreateTrainingJob`` but runs nothing. In the end-to-end test
this module plays the container: it reads the job's description as SageMaker
would hand it over (the ``train`` channel's S3 data, the hyperparameters as
strings, the output path), lays the data out as SageMaker does under
``input/data/train/``, trains and evaluates, and uploads ``model.tar.gz`` to
``<S3OutputPath>/<TrainingJobName>/output/model.tar.gz``, where SageMaker puts it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from churn.exceptions import DataError
from churn.train import Metrics, train_with_holdout
from churn.validate import read_csv, validate_frame


@dataclass(frozen=True)
class TrainingResult:
    """What a finished training job produced.

    Attributes:
        job_name: The SageMaker training job.
        model_data_url: S3 URI of the uploaded ``model.tar.gz``.
        model_version: The trained model's version.
        metrics: Metrics on the held-out share of the channel's data.
    """

    job_name: str
    model_data_url: str
    model_version: str
    metrics: Metrics


def split_s3_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` into bucket and key."""
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an S3 URI: {uri!r}")
    return parts.netloc, parts.path.lstrip("/")


def typed_hyperparameters(raw: Mapping[str, str]) -> dict[str, Any]:
    """SageMaker passes hyperparameters as strings; read numbers and JSON values back."""
    typed: dict[str, Any] = {}
    for name, text in raw.items():
        try:
            typed[name] = json.loads(text)
        except json.JSONDecodeError:
            typed[name] = text
    return typed


def _download_channel(s3: Any, uri: str, into: Path) -> list[Path]:
    bucket, prefix = split_s3_uri(uri)
    into.mkdir(parents=True, exist_ok=True)
    paths = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            target = into / Path(item["Key"]).name
            s3.download_file(bucket, item["Key"], str(target))
            paths.append(target)
    if not paths:
        raise DataError(uri, "the training channel has no objects")
    return sorted(paths)


def run_training_job(sagemaker: Any, s3: Any, job_name: str, workdir: Path) -> TrainingResult:
    """Run a recorded training job here, as the SageMaker container would.

    Args:
        sagemaker: A boto3 SageMaker client (moto in tests).
        s3: A boto3 S3 client.
        job_name: The job ``CreateTrainingJob`` recorded.
        workdir: An empty folder standing for the container's ``/opt/ml``.

    Returns:
        The uploaded artifact's URI, the model version and its held-out metrics.

    Raises:
        DataError: The channel is empty or its data breaks the contract.
    """
    job = sagemaker.describe_training_job(TrainingJobName=job_name)
    (channel,) = [c for c in job["InputDataConfig"] if c["ChannelName"] == "train"]
    uri = channel["DataSource"]["S3DataSource"]["S3Uri"]
    files = _download_channel(s3, uri, workdir / "input" / "data" / "train")
    frames = [read_csv(path.read_bytes(), source=str(path)) for path in files]
    for frame, path in zip(frames, files, strict=True):
        report = validate_frame(frame, source=str(path))
        if not report.passed:
            raise DataError(str(path), report.format())
    data = pd.concat(frames, ignore_index=True)
    hyperparameters = typed_hyperparameters(job.get("HyperParameters", {}))
    model, metrics = train_with_holdout(data, hyperparameters=hyperparameters)
    artifact = model.save(workdir / "model" / "model.tar.gz")

    out_bucket, out_prefix = split_s3_uri(job["OutputDataConfig"]["S3OutputPath"])
    key = "/".join(
        part for part in (out_prefix.rstrip("/"), job_name, "output", "model.tar.gz") if part
    )
    s3.upload_file(str(artifact), out_bucket, key)
    return TrainingResult(job_name, f"s3://{out_bucket}/{key}", model.version, metrics)
