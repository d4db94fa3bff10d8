"""The model registry against moto: groups, versions, approvals, the version to deploy."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from churn.exceptions import RegistryError
from churn.registry import (
    ModelVersion,
    ensure_model_package_group,
    latest_approved,
    list_versions,
    register_model_version,
    set_approval,
)

GROUP = "churn-classifier"
IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-serve:1.4.0"


@pytest.fixture
def sagemaker(aws: boto3.Session) -> Any:
    """A SageMaker client with an empty model package group ``GROUP``."""
    client = aws.client("sagemaker")
    ensure_model_package_group(client, GROUP)
    return client


def register(sagemaker: Any, run: int, status: str = "PendingManualApproval") -> ModelVersion:
    """Register the model of training run ``run``, with metrics that differ per run."""
    return register_model_version(
        sagemaker,
        GROUP,
        model_data_url=f"s3://churn-models/training/run-{run}/output/model.tar.gz",
        image_uri=IMAGE_URI,
        metrics={"auc": 0.8 + run / 100, "recall": 0.7},
        approval_status=status,
        description=f"training run {run}",
    )


def test_creating_a_group_twice_returns_the_same_group(aws: boto3.Session) -> None:
    sagemaker = aws.client("sagemaker")

    first = ensure_model_package_group(sagemaker, GROUP, "first description")
    second = ensure_model_package_group(sagemaker, GROUP, "second description")

    assert first == second
    assert first.endswith(f":model-package-group/{GROUP}")
    # Reused, not re-created: the first description stays.
    described = sagemaker.describe_model_package_group(ModelPackageGroupName=GROUP)
    assert described["ModelPackageGroupDescription"] == "first description"


def test_registered_versions_are_numbered_in_order_and_keep_their_details(sagemaker: Any) -> None:
    registered = [register(sagemaker, run) for run in (1, 2, 3)]

    assert [v.version for v in registered] == [1, 2, 3]
    assert list_versions(sagemaker, GROUP) == registered
    first = registered[0]
    assert first.group == GROUP
    assert first.approval_status == "PendingManualApproval"
    assert first.model_data_url == "s3://churn-models/training/run-1/output/model.tar.gz"
    # Metadata is text in SageMaker; the metrics must come back as the same floats.
    assert first.metrics == {"auc": 0.81, "recall": 0.7}


def test_list_versions_reads_every_page(sagemaker: Any) -> None:
    for run in range(5):
        register(sagemaker, run)

    # Pages of two: a loop that reads only the first page would find two.
    assert [v.version for v in list_versions(sagemaker, GROUP, page_size=2)] == [1, 2, 3, 4, 5]


def test_set_approval_changes_the_status_and_keeps_the_metrics(sagemaker: Any) -> None:
    version = register(sagemaker, 1)

    set_approval(sagemaker, version.arn, "Approved", "reviewed by the ML lead")

    described = sagemaker.describe_model_package(ModelPackageName=version.arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == "reviewed by the ML lead"
    assert list_versions(sagemaker, GROUP)[0].metrics == version.metrics


def test_latest_approved_is_the_highest_approved_version(sagemaker: Any) -> None:
    statuses = ["Approved", "Approved", "Rejected", "PendingManualApproval"]
    versions = [register(sagemaker, run, status) for run, status in enumerate(statuses, 1)]
    # Approving an old version later must not make it "latest": numbers decide.
    set_approval(sagemaker, versions[0].arn, "Approved")

    latest = latest_approved(sagemaker, GROUP, page_size=1)

    assert latest is not None
    assert latest.version == 2
    assert latest.arn == versions[1].arn
    assert latest.approval_status == "Approved"


def test_latest_approved_is_none_when_nothing_is_approved(sagemaker: Any) -> None:
    register(sagemaker, 1, "PendingManualApproval")
    register(sagemaker, 2, "Rejected")

    assert latest_approved(sagemaker, GROUP) is None


def test_an_unknown_approval_status_is_refused_before_calling_sagemaker(sagemaker: Any) -> None:
    version = register(sagemaker, 1)

    # "approved" (lower case) is a typo SageMaker would also refuse; the
    # error lists the values that work.
    with pytest.raises(RegistryError, match="PendingManualApproval") as raised:
        set_approval(sagemaker, version.arn, "approved")

    assert raised.value.group == GROUP
    described = sagemaker.describe_model_package(ModelPackageName=version.arn)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"


def test_a_missing_group_is_an_error_not_an_empty_registry(aws: boto3.Session) -> None:
    sagemaker = aws.client("sagemaker")

    # Answering None here would read as "nothing approved yet" and hide a
    # typo in the group name.
    with pytest.raises(RegistryError, match="does not exist"):
        latest_approved(sagemaker, "churn-clasifier")
    with pytest.raises(RegistryError, match="does not exist"):
        register(sagemaker, 1)
