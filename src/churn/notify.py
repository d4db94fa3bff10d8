"""Tell people when a model fails its quality gate: one structured SNS message.

:func:`publish_gate_failure` sends the gate's verdict (the JSON-ready dict of
``GateVerdict.to_dict()``) to an SNS topic as a JSON message, with a short
subject for e-mail subscribers and an ``event`` message attribute that
subscription filter policies can match on. :func:`parse_notification` reads
such a message back where it arrives, e.g. from an SQS queue subscribed to the
topic, with or without SNS's JSON envelope (raw message delivery).

The message::

    {
      "event": "quality-gate-failed",
      "modelVersion": "churn-42",
      "dataset": "s3://bucket/data/train.csv",
      "failures": [{"metric": "auc", "kind": "min", "value": 0.61,
                    "threshold": 0.75, "passed": false, "message": "..."}],
      "verdict": {"passed": false, "checks": [...]}
    }
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: The ``event`` field and message attribute of a gate-failure message.
GATE_FAILED_EVENT = "quality-gate-failed"
#: SNS limits the subject to ASCII text under 100 characters.
MAX_SUBJECT_CHARS = 99


def publish_gate_failure(
    sns: Any,
    topic_arn: str,
    *,
    verdict: Mapping[str, Any],
    model_version: str,
    dataset_uri: str,
) -> str:
    """Publish a failed quality-gate verdict to an SNS topic.

    Args:
        sns: A boto3 SNS client.
        topic_arn: The topic's ARN.
        verdict: The gate's verdict as a JSON-ready dict, with ``passed``
            (False) and ``checks`` (dicts with ``metric``, ``kind``,
            ``value``, ``threshold``, ``passed``, ``message``).
        model_version: The model version that was judged.
        dataset_uri: The dataset it was evaluated on.

    Returns:
        SNS's ``MessageId`` of the published message.

    Raises:
        ValueError: The verdict did not fail, or has no list of checks: there
            is no failure to report.
        TypeError: The verdict holds a value JSON cannot represent.
        botocore.exceptions.ClientError: SNS refused the message (no such topic,
            no permission to publish).
    """
    checks = verdict.get("checks")
    if not isinstance(checks, list):
        raise ValueError("the verdict has no 'checks' list; pass GateVerdict.to_dict()")
    if verdict.get("passed") is not False:
        raise ValueError("the verdict's 'passed' is not False; only a failed gate is published")
    failures = [check for check in checks if not check.get("passed", False)]
    message = {
        "event": GATE_FAILED_EVENT,
        "modelVersion": model_version,
        "dataset": dataset_uri,
        "failures": failures,
        "verdict": dict(verdict),
    }
    response = sns.publish(
        TopicArn=topic_arn,
        Message=json.dumps(message, allow_nan=False),
        Subject=_subject(model_version, failures),
        MessageAttributes={"event": {"DataType": "String", "StringValue": GATE_FAILED_EVENT}},
    )
    return str(response["MessageId"])


def parse_notification(body: str) -> dict[str, Any]:
    """Read a gate-failure message from the body of a delivered message.

    Args:
        body: An SQS message body: the SNS envelope (``{"Type":
            "Notification", "Message": "..."}``), or the message itself when
            the subscription has raw message delivery on.

    Returns:
        The message published by :func:`publish_gate_failure`.

    Raises:
        ValueError: The body is not JSON, or not a gate-failure message.
    """
    try:
        document = json.loads(body)
        if isinstance(document, dict) and document.get("Type") == "Notification":
            document = json.loads(document["Message"])
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ValueError(f"not an SNS notification or JSON message ({error})") from None
    if not isinstance(document, dict) or document.get("event") != GATE_FAILED_EVENT:
        raise ValueError(f"not a {GATE_FAILED_EVENT!r} message: {body[:200]!r}")
    return document


def _subject(model_version: str, failures: list[Any]) -> str:
    names = ", ".join(str(check.get("metric", "?")) for check in failures)
    text = f"Quality gate failed: {model_version} ({names or 'no checks'})"
    # SNS rejects non-ASCII and control characters in a subject.
    text = "".join(c if " " <= c <= "~" else "?" for c in text)
    if len(text) > MAX_SUBJECT_CHARS:
        text = text[: MAX_SUBJECT_CHARS - 3] + "..."
    return text
