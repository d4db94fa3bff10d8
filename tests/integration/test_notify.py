"""A failed quality gate reaches its subscribers intact: SNS topic -> SQS queue, in moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from churn.notify import parse_notification, publish_gate_failure

MODEL_VERSION = "churn-classifier/7"
DATASET = "s3://churn-data/incoming/customers.csv"
# The shape of GateVerdict.to_dict(): one check failed, one passed.
VERDICT: dict[str, Any] = {
    "passed": False,
    "checks": [
        {
            "metric": "auc",
            "kind": "min",
            "value": 0.61,
            "threshold": 0.75,
            "passed": False,
            "message": "auc 0.61 is below the minimum 0.75",
        },
        {
            "metric": "latency_p95_ms",
            "kind": "max",
            "value": 41.0,
            "threshold": 100.0,
            "passed": True,
            "message": "latency_p95_ms 41 is within the maximum 100",
        },
    ],
}


def subscribed_queue(aws: boto3.Session, *, raw: bool) -> tuple[str, str]:
    """Create a topic and a queue subscribed to it; return (topic ARN, queue URL)."""
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic_arn = sns.create_topic(Name="churn-quality-gate")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="churn-gate-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    # AWS drops SNS deliveries that the queue's policy does not allow; moto
    # does not check it, but the set-up should be the one that works in AWS.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    return topic_arn, queue_url


def receive_one(aws: boto3.Session, queue_url: str) -> dict[str, Any]:
    messages = (
        aws.client("sqs")
        .receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
        .get("Messages", [])
    )
    assert len(messages) == 1, messages
    return messages[0]


# Both delivery modes: the SNS JSON envelope (default) and raw delivery.
@pytest.mark.parametrize("raw", [False, True], ids=["sns-envelope", "raw-delivery"])
def test_a_gate_failure_arrives_with_its_failures_and_model_version(
    aws: boto3.Session, raw: bool
) -> None:
    topic_arn, queue_url = subscribed_queue(aws, raw=raw)

    message_id = publish_gate_failure(
        aws.client("sns"),
        topic_arn,
        verdict=VERDICT,
        model_version=MODEL_VERSION,
        dataset_uri=DATASET,
    )

    received = receive_one(aws, queue_url)
    notification = parse_notification(received["Body"])
    assert notification["event"] == "quality-gate-failed"
    assert notification["modelVersion"] == MODEL_VERSION
    assert notification["dataset"] == DATASET
    # Only the failed check is a failure; the whole verdict travels too.
    assert notification["failures"] == [VERDICT["checks"][0]]
    assert notification["verdict"] == VERDICT
    if raw:
        # Raw delivery turns SNS message attributes into SQS ones: a consumer
        # can route on the event type without reading the body.
        assert received["MessageAttributes"]["event"]["StringValue"] == "quality-gate-failed"
    else:
        envelope = json.loads(received["Body"])
        assert envelope["MessageId"] == message_id
        assert len(envelope["Subject"]) < 100
        assert "auc" in envelope["Subject"]


def test_a_passing_verdict_is_not_published(aws: boto3.Session) -> None:
    topic_arn, queue_url = subscribed_queue(aws, raw=True)

    with pytest.raises(ValueError, match="only a failed gate"):
        publish_gate_failure(
            aws.client("sns"),
            topic_arn,
            verdict={**VERDICT, "passed": True},
            model_version=MODEL_VERSION,
            dataset_uri=DATASET,
        )

    assert aws.client("sqs").receive_message(QueueUrl=queue_url).get("Messages", []) == []


@pytest.mark.parametrize(
    "body",
    ["not json", '{"Type": "Notification", "Message": "{}"}', '{"event": "model-deployed"}'],
    ids=["not-json", "other-message-in-envelope", "other-event"],
)
def test_parse_notification_refuses_what_is_not_a_gate_failure(body: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        parse_notification(body)
