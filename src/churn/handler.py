"""The Lambda function that starts a training job when a valid dataset lands in S3.

S3 calls :func:`handler` with an ``ObjectCreated`` event for each new CSV file
in the data bucket. The handler checks the event, the object's size, then the
data contract (:mod:`churn.validate`), and only when all of that passes starts
a SageMaker training job on the file. It answers every invocation with a
structured response:

* ``{"status": "started", "trainingJobName", "input", "output", "validation"}``
* ``{"status": "rejected", "reason", "input", "validation"}``

Bad input (a wrong event, another bucket, a file that is not CSV, too large,
malformed or off-schema) is never an exception: it is a ``rejected`` response
whose reason says what is wrong: S3 invokes the function asynchronously, and
an exception would only make Lambda retry the same bad file. A missing or
invalid setting is the operator's mistake and raises
:class:`ConfigurationError`. The handler reads S3 and never writes to it.

Settings (environment variables, read at each call into :class:`HandlerConfig`):

* ``DATA_BUCKET``: the only bucket whose events are accepted.
* ``TRAINING_ROLE_ARN``: the IAM role SageMaker assumes for the job.
* ``TRAINING_IMAGE_URI``: the training container image (ECR URI).
* ``OUTPUT_S3_URI``: ``s3://bucket/prefix`` for model artifacts.
* ``HYPERPARAMETERS``: optional JSON object, e.g. ``{"max_depth": 5}``; default ``{}``.
* ``MAX_OBJECT_BYTES``: optional, the largest accepted file; default 50 MiB.
* ``TRAINING_INSTANCE_TYPE``: optional; default ``ml.m5.large``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import boto3
from botocore.exceptions import ClientError

from churn.exceptions import ConfigurationError, DataError
from churn.validate import DEFAULT_MAX_BYTES, read_csv, validate_frame

DEFAULT_INSTANCE_TYPE = "ml.m5.large"
MAX_RUNTIME_SECONDS = 3600
VOLUME_SIZE_GB = 10
JOB_NAME_PREFIX = "churn-"

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_OUTPUT_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/\S*)?$")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandlerConfig:
    """The handler's settings, checked.

    Attributes:
        data_bucket: ``DATA_BUCKET``.
        training_role_arn: ``TRAINING_ROLE_ARN``.
        training_image_uri: ``TRAINING_IMAGE_URI``.
        output_s3_uri: ``OUTPUT_S3_URI``, without a trailing slash.
        hyperparameters: ``HYPERPARAMETERS``, every value a string (read-only).
        max_object_bytes: ``MAX_OBJECT_BYTES``.
        training_instance_type: ``TRAINING_INSTANCE_TYPE``.
    """

    data_bucket: str
    training_role_arn: str
    training_image_uri: str
    output_s3_uri: str
    hyperparameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    max_object_bytes: int = DEFAULT_MAX_BYTES
    training_instance_type: str = DEFAULT_INSTANCE_TYPE

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> HandlerConfig:
        """Read and check the settings from environment variables.

        Args:
            environ: The environment, usually ``os.environ``.

        Raises:
            ConfigurationError: A required setting is missing, or a setting is
                invalid; the error names it and says what is expected.
        """
        bucket = _required(environ, "DATA_BUCKET")
        if not _BUCKET.match(bucket):
            raise ConfigurationError("DATA_BUCKET", f"{bucket!r} is not an S3 bucket name")
        role = _required(environ, "TRAINING_ROLE_ARN")
        if not _ROLE_ARN.match(role):
            raise ConfigurationError(
                "TRAINING_ROLE_ARN",
                f"{role!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
            )
        image = _required(environ, "TRAINING_IMAGE_URI")
        if any(c.isspace() for c in image):
            raise ConfigurationError("TRAINING_IMAGE_URI", f"{image!r} contains white space")
        output = _required(environ, "OUTPUT_S3_URI")
        if not _OUTPUT_URI.match(output):
            raise ConfigurationError(
                "OUTPUT_S3_URI", f"{output!r} is not an S3 URI; expected s3://bucket/prefix"
            )
        instance_type = environ.get("TRAINING_INSTANCE_TYPE", "").strip() or DEFAULT_INSTANCE_TYPE
        if not instance_type.startswith("ml."):
            raise ConfigurationError(
                "TRAINING_INSTANCE_TYPE",
                f"{instance_type!r} is not a SageMaker instance type such as ml.m5.large",
            )
        return cls(
            data_bucket=bucket,
            training_role_arn=role,
            training_image_uri=image,
            output_s3_uri=output.rstrip("/"),
            hyperparameters=_hyperparameters(environ.get("HYPERPARAMETERS", "")),
            max_object_bytes=_max_bytes(environ.get("MAX_OBJECT_BYTES", "")),
            training_instance_type=instance_type,
        )


@dataclass(frozen=True)
class Clients:
    """The AWS clients the handler uses; pass your own to :func:`handler` in a test.

    Attributes:
        s3: A boto3 S3 client.
        sagemaker: A boto3 SageMaker client.
    """

    s3: Any
    sagemaker: Any

    @classmethod
    def default(cls) -> Clients:
        """Clients of boto3's default session, as Lambda gives the function.

        Made at each call, not at import: tests (and notebooks) import this module
        outside moto and run the handler inside it.
        """
        return cls(s3=boto3.client("s3"), sagemaker=boto3.client("sagemaker"))


class _Rejected(Exception):
    """Internal: the input cannot be used; becomes a ``rejected`` response."""

    def __init__(
        self, reason: str, input_uri: str | None = None, validation: dict[str, Any] | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.input_uri = input_uri
        self.validation = validation


def handler(
    event: Mapping[str, Any], context: Any, *, clients: Clients | None = None
) -> dict[str, Any]:
    """Lambda entry point: validate the uploaded CSV file, then start training on it.

    Lambda calls ``handler(event, context)``; a test passes its own ``clients``
    (e.g. moto's, or a stand-in that records calls) instead of patching anything.

    Args:
        event: An S3 ``ObjectCreated`` event with exactly one record.
        context: The Lambda context (unused).
        clients: The S3 and SageMaker clients to use; by default
            :meth:`Clients.default`, made at this call.

    Returns:
        ``{"status": "started", ...}`` or ``{"status": "rejected", "reason": ...}``
        (see the module docstring).

    Raises:
        ConfigurationError: A setting is missing or invalid.
        botocore.exceptions.ClientError: AWS refused a call for a reason other
            than the input (e.g. the function's role lacks a permission).
    """
    config = HandlerConfig.from_environ(os.environ)
    clients = Clients.default() if clients is None else clients
    try:
        response = _start_training(event, config, clients)
    except _Rejected as rejected:
        response = {
            "status": "rejected",
            "reason": rejected.reason,
            "input": rejected.input_uri,
            "validation": rejected.validation,
        }
    logger.info(json.dumps(response))
    return response


def training_job_name(bucket: str, key: str, etag: str) -> str:
    """A valid ``TrainingJobName`` that is the same for the same object version.

    S3 delivers an event at least once; a name derived from the object's
    bucket, key and ETag makes a repeated delivery name the same job, which
    SageMaker refuses to start twice.

    Args:
        bucket: The object's bucket.
        key: Its key (decoded).
        etag: Its ETag, with or without the quotes S3 puts around it.

    Returns:
        ``churn-`` and 24 hex digits: 30 characters of ``[a-z0-9-]``.
    """
    identity = f"{bucket}/{key}\n" + etag.strip('"')
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return JOB_NAME_PREFIX + digest[:24]


def training_job_request(config: HandlerConfig, job_name: str, input_uri: str) -> dict[str, Any]:
    """The ``CreateTrainingJob`` request for one dataset.

    Args:
        config: The handler's settings.
        job_name: ``TrainingJobName``.
        input_uri: The dataset's ``s3://`` URI, the ``train`` channel.

    Returns:
        Keyword arguments for ``sagemaker.create_training_job``.
    """
    return {
        "TrainingJobName": job_name,
        "AlgorithmSpecification": {
            "TrainingImage": config.training_image_uri,
            "TrainingInputMode": "File",
        },
        "RoleArn": config.training_role_arn,
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": input_uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "text/csv",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": config.output_s3_uri},
        "ResourceConfig": {
            "InstanceType": config.training_instance_type,
            "InstanceCount": 1,
            "VolumeSizeInGB": VOLUME_SIZE_GB,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_RUNTIME_SECONDS},
        "HyperParameters": dict(config.hyperparameters),
    }


def s3_put_event(
    bucket: str,
    key: str,
    size: int,
    etag: str = "d41d8cd98f00b204e9800998ecf8427e",
    *,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """Build the event S3 sends a Lambda function when an object is put.

    For tests and the Lambda console's test events. As in real events, the key
    is URL-encoded (``+`` for a space) and the ETag has no quotes.

    Args:
        bucket: The bucket name.
        key: The object key, as stored (it is encoded here).
        size: The object's size in bytes.
        etag: The object's ETag.
        region: The bucket's region.

    Returns:
        An ``ObjectCreated:Put`` event with one record.
    """
    now = datetime.now(UTC)
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "EXAMPLE123456789",
                    "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/mnopqrstuvwxyz",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "churn-training-trigger",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": {
                        "key": quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag.strip('"'),
                        "sequencer": f"{int(now.timestamp() * 1e6):016X}",
                    },
                },
            }
        ]
    }


def _required(environ: Mapping[str, str], name: str) -> str:
    value = environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(name, "not set; set this environment variable of the function")
    return value


def _hyperparameters(text: str) -> Mapping[str, str]:
    if not text.strip():
        return MappingProxyType({})
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigurationError("HYPERPARAMETERS", f"not valid JSON ({error})") from None
    if not isinstance(parsed, dict):
        raise ConfigurationError("HYPERPARAMETERS", 'expected a JSON object, e.g. {"max_depth": 5}')
    values = {}
    for name, value in parsed.items():
        if isinstance(value, dict | list) or value is None:
            raise ConfigurationError(
                "HYPERPARAMETERS", f"{name!r} must be a string, number or boolean, not {value!r}"
            )
        # SageMaker takes only strings; JSON spelling keeps true/false lower-case.
        values[name] = value if isinstance(value, str) else json.dumps(value)
    return MappingProxyType(values)


def _max_bytes(text: str) -> int:
    if not text.strip():
        return DEFAULT_MAX_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigurationError(
            "MAX_OBJECT_BYTES", f"{text!r} is not a positive whole number of bytes"
        )
    return value


def _record(event: Mapping[str, Any]) -> tuple[str, str, int]:
    # -> (bucket, decoded key, size) of the event's only record.
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or not records:
        raise _Rejected("the event has no Records; expected one S3 ObjectCreated record")
    if len(records) != 1:
        raise _Rejected(
            f"the event has {len(records)} Records; expected exactly one S3 ObjectCreated record"
        )
    record = records[0]
    try:
        source, name = record["eventSource"], record["eventName"]
        bucket = record["s3"]["bucket"]["name"]
        key, size = record["s3"]["object"]["key"], record["s3"]["object"]["size"]
    except (KeyError, TypeError):
        raise _Rejected(
            "malformed S3 event record: expected eventSource, eventName, "
            "s3.bucket.name, s3.object.key and s3.object.size"
        ) from None
    if source != "aws:s3" or not str(name).startswith("ObjectCreated:"):
        raise _Rejected(f"not an S3 ObjectCreated event (eventSource {source!r}, {name!r})")
    if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
        raise _Rejected("malformed S3 event record: empty or non-text bucket name or key")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise _Rejected(f"malformed S3 event record: s3.object.size is {size!r}")
    # S3 URL-encodes keys in events, with + for a space.
    return bucket, unquote_plus(key), size


def _check_size(size: int, limit: int, uri: str) -> None:
    if size > limit:
        raise _Rejected(
            f"{uri} is {size:,} bytes, over the limit of {limit:,} (MAX_OBJECT_BYTES); "
            "split the file or raise the limit",
            uri,
        )


def _read_object(s3: Any, bucket: str, key: str, limit: int) -> tuple[bytes, str]:
    # -> (content, ETag) of the object, if it still exists and is within the limit.
    uri = f"s3://{bucket}/{key}"
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        # The event's size can be stale or forged: check the object itself.
        _check_size(int(head["ContentLength"]), limit, uri)
        # IfMatch: the bytes validated are those of the version checked above.
        body = s3.get_object(Bucket=bucket, Key=key, IfMatch=head["ETag"])["Body"].read()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchKey"):
            raise _Rejected(f"{uri} does not exist (deleted since the upload?)", uri) from None
        if code == "PreconditionFailed":
            raise _Rejected(
                f"{uri} was replaced while it was read; the new upload has its own event", uri
            ) from None
        raise
    return body, str(head["ETag"])


def _start_training(
    event: Mapping[str, Any], config: HandlerConfig, clients: Clients
) -> dict[str, Any]:
    bucket, key, size = _record(event)
    uri = f"s3://{bucket}/{key}"
    if bucket != config.data_bucket:
        raise _Rejected(
            f"event for another bucket: {bucket!r}; this function accepts only "
            f"{config.data_bucket!r} (DATA_BUCKET); check the bucket's event notification",
            uri,
        )
    if not key.endswith(".csv"):
        raise _Rejected(f"{key!r} is not a .csv file; upload the dataset as CSV", uri)
    _check_size(size, config.max_object_bytes, uri)
    data, etag = _read_object(clients.s3, bucket, key, config.max_object_bytes)
    try:
        frame = read_csv(data, source=uri, max_bytes=config.max_object_bytes)
    except DataError as error:
        raise _Rejected(str(error), uri) from None
    report = validate_frame(frame, source=uri)
    if not report.passed:
        findings = "; ".join(
            f"[{f.code}] {f.column or '(table)'}: {f.message}" for f in report.findings
        )
        raise _Rejected(
            f"{uri} failed the data contract ({len(report.findings)} findings): {findings}",
            uri,
            report.to_dict(),
        )
    job_name = training_job_name(bucket, key, etag)
    try:
        clients.sagemaker.create_training_job(**training_job_request(config, job_name, uri))
    except ClientError as error:
        # A repeated delivery of the same event: its job was started already.
        if error.response.get("Error", {}).get("Code") != "ResourceInUse":
            raise
    return {
        "status": "started",
        "trainingJobName": job_name,
        "input": uri,
        # Where SageMaker writes the artifact: <S3OutputPath>/<job>/output/model.tar.gz.
        "output": f"{config.output_s3_uri}/{job_name}/output/model.tar.gz",
        "validation": report.to_dict(),
    }
