"""After training: gate the candidate against the approved model, then register or alert.

This is the step between "a model was trained" and "a model may be deployed":

1. find the latest *approved* version in the Model Registry and its metrics;
2. run the quality gate (minimums, and no regression beyond a tolerance);
3. passed: register the candidate as a new version, pending manual approval
   (a person, or the pipeline's approval action, approves it);
   failed: publish the verdict to the SNS topic, register nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from churn.gate import GateVerdict, QualityGate
from churn.notify import publish_gate_failure
from churn.registry import (
    ModelVersion,
    ensure_model_package_group,
    latest_approved,
    register_model_version,
)
from churn.train import METRIC_NAMES, Metrics
from churn.training_job import TrainingResult


@dataclass(frozen=True)
class ReleaseOutcome:
    """What the release step decided.

    Attributes:
        verdict: The quality gate's verdict.
        registered: The new registry version when the gate passed, else None.
        notification_id: The SNS message id when the gate failed, else None.
    """

    verdict: GateVerdict
    registered: ModelVersion | None
    notification_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for logs and pipeline outputs."""
        return {
            "verdict": self.verdict.to_dict(),
            "registered": None if self.registered is None else self.registered.to_dict(),
            "notificationId": self.notification_id,
        }


def _metrics_of(version: ModelVersion | None) -> Metrics | None:
    if version is None:
        return None
    return Metrics(**{name: float(version.metrics[name]) for name in METRIC_NAMES}, rows=0)


def release(
    sagemaker: Any,
    sns: Any,
    result: TrainingResult,
    *,
    group: str,
    image_uri: str,
    topic_arn: str,
    dataset_uri: str,
    gate: QualityGate | None = None,
) -> ReleaseOutcome:
    """Gate a trained model and register it, or notify about the failure.

    Args:
        sagemaker: boto3 SageMaker client.
        sns: boto3 SNS client.
        result: The finished training job.
        group: Model package group name.
        image_uri: Inference image recorded with the version.
        topic_arn: Where gate failures are published.
        dataset_uri: The training data, named in the notification.
        gate: The gate; the default thresholds unless given.

    Returns:
        The verdict and what was done about it.
    """
    ensure_model_package_group(sagemaker, group)
    approved = latest_approved(sagemaker, group)
    verdict = (gate or QualityGate()).evaluate(result.metrics, _metrics_of(approved))
    if not verdict.passed:
        message_id = publish_gate_failure(
            sns,
            topic_arn,
            verdict=verdict.to_dict(),
            model_version=result.model_version,
            dataset_uri=dataset_uri,
        )
        return ReleaseOutcome(verdict, None, message_id)
    registered = register_model_version(
        sagemaker,
        group,
        model_data_url=result.model_data_url,
        image_uri=image_uri,
        metrics=result.metrics.to_dict(),
        description=f"model {result.model_version} from {result.job_name}",
    )
    return ReleaseOutcome(verdict, registered, None)
