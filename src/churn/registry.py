"""The model registry: artifacts in S3, versions in the SageMaker Model Registry.

A trained model is a ``model.tar.gz`` in S3 (:func:`upload_artifact`) plus a
*model package* in a *model package group* (SageMaker's names): one group per
model, one numbered version per training run. Each version records where its
artifact is, the container image that serves it, its evaluation metrics, and
an approval status, ``PendingManualApproval``, ``Approved`` or ``Rejected``.
Deployment takes :func:`latest_approved`, the highest approved version.

Every function takes its boto3 client as a parameter, so tests pass a client
created inside ``moto.mock_aws`` and production code passes a real one.

Metrics are stored in the version's ``CustomerMetadataProperties`` (string to
string, so each value is written with :func:`repr` and read back exactly),
under keys prefixed with :data:`METRIC_PREFIX` so other metadata can sit beside
them. SageMaker's own ``ModelMetrics`` field wants reports stored in S3 as
files; the metadata properties keep the numbers readable in one API call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from botocore.exceptions import ClientError

from churn.exceptions import ModelError, RegistryError

#: The values of ``ModelApprovalStatus`` SageMaker accepts.
APPROVAL_STATUSES: tuple[str, ...] = ("Approved", "Rejected", "PendingManualApproval")
#: Content types the churn model server reads (``InferenceSpecification``).
SUPPORTED_CONTENT_TYPES: tuple[str, ...] = ("text/csv", "application/json")
#: Content types the churn model server answers with.
SUPPORTED_RESPONSE_MIME_TYPES: tuple[str, ...] = ("application/json",)
#: Prefix of the metadata keys that hold metrics, e.g. ``metric:auc``.
METRIC_PREFIX = "metric:"
DEFAULT_GROUP_DESCRIPTION = "Customer churn classifier; versions registered by the CI pipeline."
#: The largest page ``ListModelPackages`` returns.
MAX_PAGE_SIZE = 100

# SageMaker's own constraints, checked here so the error names the value.
_GROUP_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_METADATA_KEY = re.compile(r"^[\w\s.:/=+\-@]{1,128}$")


@dataclass(frozen=True)
class ModelVersion:
    """One version of a model package group.

    Attributes:
        arn: The model package's ARN (``ModelPackageArn``).
        group: Its group (``ModelPackageGroupName``).
        version: Its number in the group (``ModelPackageVersion``), from 1.
        approval_status: ``ModelApprovalStatus``.
        model_data_url: The S3 URI of the artifact (``ModelDataUrl``).
        metrics: Evaluation metrics recorded at registration (read-only).
    """

    arn: str
    group: str
    version: int
    approval_status: str
    model_data_url: str
    metrics: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, with SageMaker's field names."""
        return {
            "ModelPackageArn": self.arn,
            "ModelPackageGroupName": self.group,
            "ModelPackageVersion": self.version,
            "ModelApprovalStatus": self.approval_status,
            "ModelDataUrl": self.model_data_url,
            "metrics": dict(self.metrics),
        }


def upload_artifact(s3: Any, path: Path, bucket: str, key: str) -> str:
    """Upload a model artifact (``model.tar.gz``) to S3.

    One ``PutObject`` request: S3 stores the object whole or not at all, so a
    failed upload leaves nothing partial behind for a deployment to pick up.
    (A single PUT takes up to 5 GB, far more than a churn model needs.)

    Args:
        s3: A boto3 S3 client.
        path: The local artifact file.
        bucket: The destination bucket.
        key: The destination key, e.g. ``models/churn/abc123/model.tar.gz``.

    Returns:
        The artifact's URI, ``s3://bucket/key``.

    Raises:
        ModelError: The file does not exist, the key is invalid, or S3 refused
            the upload (the error names the bucket and key).
    """
    if not path.is_file():
        raise ModelError(str(path), "no such file; build the model artifact first")
    if not key or key.startswith("/"):
        raise ModelError(str(path), f"invalid S3 key {key!r}; use a relative key such as a/b.tgz")
    uri = f"s3://{bucket}/{key}"
    try:
        with path.open("rb") as body:
            s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/gzip")
    except ClientError as error:
        raise ModelError(
            str(path),
            f"upload to {uri} failed ({_describe(error)}); check that the bucket exists "
            "and the caller may s3:PutObject to it",
        ) from error
    return uri


def ensure_model_package_group(
    sagemaker: Any, name: str, description: str = DEFAULT_GROUP_DESCRIPTION
) -> str:
    """Return the ARN of a model package group, creating the group if it does not exist.

    Idempotent, so every pipeline run can call it: an existing group is reused
    as it is (its description is not changed).

    Args:
        sagemaker: A boto3 SageMaker client.
        name: ``ModelPackageGroupName``: letters, digits and hyphens, up to 63.
        description: ``ModelPackageGroupDescription`` for a new group.

    Returns:
        The group's ``ModelPackageGroupArn``.

    Raises:
        RegistryError: The name is invalid or SageMaker refused the request.
    """
    _check_group_name(name)
    existing = _group_arn(sagemaker, name)
    if existing is not None:
        return existing
    try:
        response = sagemaker.create_model_package_group(
            ModelPackageGroupName=name, ModelPackageGroupDescription=description
        )
    except ClientError as error:
        # Another pipeline run may have created it between the two calls.
        existing = _group_arn(sagemaker, name)
        if existing is not None:
            return existing
        raise RegistryError(name, f"cannot create the group ({_describe(error)})") from error
    return str(response["ModelPackageGroupArn"])


def register_model_version(
    sagemaker: Any,
    group: str,
    *,
    model_data_url: str,
    image_uri: str,
    metrics: Mapping[str, float],
    approval_status: str = "PendingManualApproval",
    description: str = "",
) -> ModelVersion:
    """Register a trained model as the next version of a group.

    Args:
        sagemaker: A boto3 SageMaker client.
        group: An existing ``ModelPackageGroupName``.
        model_data_url: S3 URI of the ``model.tar.gz`` (see :func:`upload_artifact`).
        image_uri: The inference container image (ECR URI).
        metrics: Evaluation metrics, e.g. ``{"auc": 0.87}``; names may hold
            letters, digits, spaces and ``_.:/=+-@``.
        approval_status: ``ModelApprovalStatus`` of the new version.
        description: ``ModelPackageDescription``, optional.

    Returns:
        The new version, as SageMaker describes it.

    Raises:
        RegistryError: An argument is invalid, the group does not exist, or
            SageMaker refused the request.
    """
    _check_status(group, approval_status)
    if not model_data_url.startswith("s3://"):
        raise RegistryError(group, f"model_data_url must be an s3:// URI, not {model_data_url!r}")
    request: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": approval_status,
        "InferenceSpecification": {
            "Containers": [{"Image": image_uri, "ModelDataUrl": model_data_url}],
            "SupportedContentTypes": list(SUPPORTED_CONTENT_TYPES),
            "SupportedResponseMIMETypes": list(SUPPORTED_RESPONSE_MIME_TYPES),
        },
        "CustomerMetadataProperties": _metrics_to_properties(group, metrics),
    }
    if description:
        request["ModelPackageDescription"] = description
    response = _call(group, "register a version", sagemaker.create_model_package, **request)
    return _describe_version(sagemaker, group, response["ModelPackageArn"])


def set_approval(
    sagemaker: Any, model_package_arn: str, status: str, description: str = ""
) -> None:
    """Change the approval status of a version, e.g. to ``Approved`` after review.

    Args:
        sagemaker: A boto3 SageMaker client.
        model_package_arn: The version's ``ModelPackageArn``.
        status: ``Approved``, ``Rejected`` or ``PendingManualApproval``.
        description: ``ApprovalDescription``: who decided, and why.

    Raises:
        RegistryError: The status is not one of the three, the version does not
            exist, or SageMaker refused the update.
    """
    arn_group = _group_of(model_package_arn)
    _check_status(arn_group, status)
    described = _describe_package(sagemaker, arn_group, model_package_arn)
    group = described["ModelPackageGroupName"]
    request: dict[str, Any] = {"ModelPackageArn": model_package_arn, "ModelApprovalStatus": status}
    if description:
        request["ApprovalDescription"] = description
    properties = described.get("CustomerMetadataProperties")
    if properties:
        # Sending the same metadata again changes nothing in SageMaker; moto
        # (5.x) replaces the whole map with what an update sends, and would
        # otherwise drop the metrics of every version that is approved.
        request["CustomerMetadataProperties"] = properties
    _call(group, "update the approval status", sagemaker.update_model_package, **request)


def list_versions(
    sagemaker: Any, group: str, *, page_size: int = MAX_PAGE_SIZE
) -> list[ModelVersion]:
    """Every version of a group, lowest version number first.

    Args:
        sagemaker: A boto3 SageMaker client.
        group: The ``ModelPackageGroupName``.
        page_size: Versions per ``ListModelPackages`` page, 1 to 100; all pages are read.

    Returns:
        The versions; empty when the group has none.

    Raises:
        RegistryError: The group does not exist, or SageMaker refused a request.
    """
    summaries = _summaries(sagemaker, group, page_size=page_size)
    # The summaries lack the artifact and metadata: describe each version.
    versions = [_describe_version(sagemaker, group, s["ModelPackageArn"]) for s in summaries]
    return sorted(versions, key=lambda v: v.version)


def latest_approved(
    sagemaker: Any, group: str, *, page_size: int = MAX_PAGE_SIZE
) -> ModelVersion | None:
    """The approved version with the highest version number, the one to deploy.

    Args:
        sagemaker: A boto3 SageMaker client.
        group: The ``ModelPackageGroupName``.
        page_size: Versions per ``ListModelPackages`` page, 1 to 100; all pages are read.

    Returns:
        That version, or None when no version is approved.

    Raises:
        RegistryError: The group does not exist, or SageMaker refused a request.
    """
    approved = _summaries(sagemaker, group, page_size=page_size, status="Approved")
    if not approved:
        return None
    # Highest number, not newest creation time: numbers are what people quote.
    best = max(approved, key=lambda s: int(s["ModelPackageVersion"]))
    return _describe_version(sagemaker, group, best["ModelPackageArn"])


def _group_of(model_package_arn: str) -> str:
    # arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>
    parts = model_package_arn.split("/")
    return parts[1] if len(parts) == 3 else model_package_arn


def _check_group_name(name: str) -> None:
    if not _GROUP_NAME.match(name):
        raise RegistryError(
            name, "invalid name; use 1 to 63 letters, digits and hyphens, starting with one"
        )


def _check_status(group: str, status: str) -> None:
    if status not in APPROVAL_STATUSES:
        raise RegistryError(
            group,
            f"invalid ModelApprovalStatus {status!r}; use one of {', '.join(APPROVAL_STATUSES)}",
        )


def _metrics_to_properties(group: str, metrics: Mapping[str, float]) -> dict[str, str]:
    properties = {}
    for name, value in metrics.items():
        key = METRIC_PREFIX + name
        if not _METADATA_KEY.match(key):
            raise RegistryError(
                group,
                f"invalid metric name {name!r}; use letters, digits, spaces and _.:/=+-@ "
                f"(up to {128 - len(METRIC_PREFIX)} characters)",
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise RegistryError(group, f"metric {name!r} must be a finite number, not {value!r}")
        # repr() gives the shortest string that reads back as the same float.
        properties[key] = repr(float(value))
    return properties


def _properties_to_metrics(properties: Mapping[str, str]) -> Mapping[str, float]:
    metrics = {
        key.removeprefix(METRIC_PREFIX): float(value)
        for key, value in properties.items()
        if key.startswith(METRIC_PREFIX)
    }
    return MappingProxyType(metrics)


def _describe(error: ClientError) -> str:
    details = error.response.get("Error", {})
    return f"{details.get('Code', 'error')}: {details.get('Message', error)}"


def _call(group: str, what: str, operation: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return operation(**kwargs)
    except ClientError as error:
        raise RegistryError(group, f"cannot {what} ({_describe(error)})") from error


def _group_arn(sagemaker: Any, name: str) -> str | None:
    try:
        response = sagemaker.describe_model_package_group(ModelPackageGroupName=name)
    except ClientError as error:
        if "does not exist" in str(error.response.get("Error", {}).get("Message", "")):
            return None
        raise RegistryError(name, f"cannot describe the group ({_describe(error)})") from error
    return str(response["ModelPackageGroupArn"])


def _summaries(
    sagemaker: Any, group: str, *, page_size: int, status: str | None = None
) -> list[dict[str, Any]]:
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise RegistryError(group, f"page_size must be 1 to {MAX_PAGE_SIZE}, not {page_size}")
    # Listing an unknown group returns nothing, which would read as "no
    # approved version" and hide a typo in the group name.
    if _group_arn(sagemaker, group) is None:
        raise RegistryError(group, "the group does not exist; check the name")
    request: dict[str, Any] = {"ModelPackageGroupName": group}
    if status is not None:
        request["ModelApprovalStatus"] = status
    pages = sagemaker.get_paginator("list_model_packages").paginate(
        **request, PaginationConfig={"PageSize": page_size}
    )
    try:
        return [summary for page in pages for summary in page["ModelPackageSummaryList"]]
    except ClientError as error:
        raise RegistryError(group, f"cannot list the versions ({_describe(error)})") from error


def _describe_package(sagemaker: Any, group: str, arn: str) -> dict[str, Any]:
    return dict(
        _call(
            group,
            f"describe version {arn}",
            sagemaker.describe_model_package,
            ModelPackageName=arn,
        )
    )


def _describe_version(sagemaker: Any, group: str, arn: str) -> ModelVersion:
    described = _describe_package(sagemaker, group, arn)
    container = described["InferenceSpecification"]["Containers"][0]
    return ModelVersion(
        arn=described["ModelPackageArn"],
        group=described["ModelPackageGroupName"],
        version=int(described["ModelPackageVersion"]),
        approval_status=described["ModelApprovalStatus"],
        model_data_url=container.get("ModelDataUrl", ""),
        metrics=_properties_to_metrics(described.get("CustomerMetadataProperties", {})),
    )
