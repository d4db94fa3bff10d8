"""Exercise 05's checkpoints: right answers pass, each plausible wrong one fails and says why.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer
that only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest

from churn.data import to_csv_bytes
from churn.notify import parse_notification
from churn.registry import ensure_model_package_group, latest_approved, register_model_version
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden

# Right answers ----------------------------------------------------------------


def upload_training_csv(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    body = to_csv_bytes(frame)
    response = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"key": key, "etag": response["ETag"], "size": len(body)}


def upload_via_head(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    # Written differently: pandas directly, the ETag without quotes from head_object.
    s3.put_object(Bucket=bucket, Key=key, Body=frame.to_csv(index=False).encode())
    head = s3.head_object(Bucket=bucket, Key=key)
    return {"key": key, "etag": head["ETag"].strip('"'), "size": head["ContentLength"]}


def read_gate_alerts(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    alerts = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = response.get("Messages", [])
        if not messages:
            return alerts
        for message in messages:
            alerts.append(parse_notification(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def check_training_started(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "started", response.get("reason")
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    channels = {c["ChannelName"]: c for c in job["InputDataConfig"]}
    assert "train" in channels
    assert channels["train"]["DataSource"]["S3DataSource"]["S3Uri"] == dataset_uri


def ecr_pull_policy(repository_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                "Resource": repository_arn,
            },
        ],
    }


def register_candidate(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> int:
    ensure_model_package_group(sagemaker, group)
    best = latest_approved(sagemaker, group)
    better = best is None or metrics["auc"] > best.metrics["auc"]
    version = register_model_version(
        sagemaker,
        group,
        model_data_url=model_data_url,
        image_uri=image_uri,
        metrics=metrics,
        approval_status="Approved" if better else "PendingManualApproval",
    )
    return version.version


RIGHT: dict[str, tuple[str, Callable[..., Any]]] = {
    "05.1": ("upload_training_csv", upload_training_csv),
    "05.2": ("read_gate_alerts", read_gate_alerts),
    "05.3": ("check_training_started", check_training_started),
    "05.4": ("ecr_pull_policy", ecr_pull_policy),
    "05.5": ("register_candidate", register_candidate),
}
POINTS = {"05.1": 1, "05.2": 2, "05.3": 2, "05.4": 3, "05.5": 2}


@pytest.mark.parametrize("checkpoint_id", sorted(RIGHT))
def test_a_right_answer_passes(checkpoint_id: str) -> None:
    name, function = RIGHT[checkpoint_id]
    points = POINTS[checkpoint_id]

    assert evaluate(checkpoint_id, {name: function}) == (
        True,
        f"Checkpoint {checkpoint_id} passed ({points}/{points} points)",
    )


def test_a_right_answer_written_differently_passes() -> None:
    assert evaluate("05.1", {"upload_training_csv": upload_via_head})[0] is True


@pytest.mark.parametrize("checkpoint_id", sorted(RIGHT))
def test_a_missing_name_cannot_run_yet(checkpoint_id: str) -> None:
    passed, line = evaluate(checkpoint_id, {})

    assert passed is False
    assert f"Checkpoint {checkpoint_id} cannot run yet" in line
    assert f"`{RIGHT[checkpoint_id][0]}`" in line


def stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("replace this line with your code")


@pytest.mark.parametrize("checkpoint_id", sorted(RIGHT))
def test_the_untouched_stub_fails_with_a_pointer_to_the_stub(checkpoint_id: str) -> None:
    passed, line = evaluate(checkpoint_id, {RIGHT[checkpoint_id][0]: stub})

    assert passed is False
    assert "not written yet" in line


@pytest.mark.parametrize("checkpoint_id", sorted(RIGHT))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    name, function = RIGHT[checkpoint_id]
    points = POINTS[checkpoint_id]

    with public_checks("05"):
        right = evaluate(checkpoint_id, {name: function})
        passed, line = evaluate(checkpoint_id, {name: stub})

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert passed is False
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): ")
    assert "not written yet" in line
    assert "a hidden case" not in line


# Wrong answers -----------------------------------------------------------------


def upload_with_index(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    body = frame.to_csv().encode()
    response = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"key": key, "etag": response["ETag"], "size": len(body)}


def upload_returning_etag_only(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> str:
    return s3.put_object(Bucket=bucket, Key=key, Body=to_csv_bytes(frame))["ETag"]


def upload_with_wrong_size(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    result = upload_training_csv(s3, bucket, key, frame)
    return {**result, "size": len(frame)}


def receive_once(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [parse_notification(m["Body"]) for m in messages]


def never_delete(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    alerts = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        alerts += [parse_notification(m["Body"]) for m in messages]
    return alerts


def return_raw_messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    alerts = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            alerts.append(message)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return alerts


def trust_the_response(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "started"
    assert response["input"] == dataset_uri


def ignore_the_channel_name(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "started"
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    source = job["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert source["S3Uri"] == dataset_uri


def only_look_at_sagemaker(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    jobs = sagemaker.list_training_jobs()["TrainingJobSummaries"]
    assert len(jobs) <= 1


def assert_the_wrong_thing(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "rejected"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


PULL = ["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def register_always_approved(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> int:
    ensure_model_package_group(sagemaker, group)
    return register_model_version(
        sagemaker,
        group,
        model_data_url=model_data_url,
        image_uri=image_uri,
        metrics=metrics,
        approval_status="Approved",
    ).version


def register_without_group(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> int:
    return register_model_version(
        sagemaker, group, model_data_url=model_data_url, image_uri=image_uri, metrics=metrics
    ).version


def register_returning_the_version(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> Any:
    ensure_model_package_group(sagemaker, group)
    return register_model_version(
        sagemaker,
        group,
        model_data_url=model_data_url,
        image_uri=image_uri,
        metrics=metrics,
        approval_status="Approved",
    )


def register_approving_ties(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> int:
    ensure_model_package_group(sagemaker, group)
    best = latest_approved(sagemaker, group)
    better = best is None or metrics["auc"] >= best.metrics["auc"]
    return register_model_version(
        sagemaker,
        group,
        model_data_url=model_data_url,
        image_uri=image_uri,
        metrics=metrics,
        approval_status="Approved" if better else "PendingManualApproval",
    ).version


WRONG: list[tuple[str, str, Callable[..., Any], list[str]]] = [
    (
        "05.1",
        "upload_training_csv",
        upload_with_index,
        ["uploading 200 rows", "index column", "index=False"],
    ),
    ("05.1", "upload_training_csv", upload_returning_etag_only, ["returned a str, not a dict"]),
    ("05.1", "upload_training_csv", upload_with_wrong_size, ["returned size 200", "bytes"]),
    # One alert left behind: "1 message is", never "1 messages are".
    ("05.2", "read_gate_alerts", never_delete, ["one alert", "1 message is still in the queue"]),
    ("05.2", "read_gate_alerts", return_raw_messages, ["one alert", "no 'event' field"]),
    (
        "05.3",
        "check_training_started",
        trust_the_response,
        ["names a job SageMaker never started", "handler's word"],
    ),
    (
        "05.3",
        "check_training_started",
        only_look_at_sagemaker,
        ["rejected an off-schema CSV", "started no job"],
    ),
    (
        "05.3",
        "check_training_started",
        assert_the_wrong_thing,
        ["a valid upload to incoming/customers.csv", "failed on a correct start"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(allow("ecr:*", "*")),
        ["the policy for arn:aws:ecr:", "allowed on another repository"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(allow(PULL, "*")),
        ["ecr:BatchGetImage is allowed on another repository too"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(allow(PULL, arn)),
        ["moto's IAM enforcement", "GetAuthorizationToken was denied", "Resource '*'"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(allow("ecr:GetAuthorizationToken", "*"), allow("ecr:Get*", arn)),
        ["ecr:BatchGetImage on the repository is not allowed"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(
            allow("ecr:GetAuthorizationToken", "*"),
            allow("ecr:CreateRepository", "*"),
            allow(PULL[1:], arn),
        ),
        ["moto's IAM enforcement", "moto allowed ecr:CreateRepository"],
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: {"Statement": ecr_pull_policy(arn)["Statement"]},
        ["Version is None", "2012-10-17"],
    ),
    (
        "05.5",
        "register_candidate",
        register_always_approved,
        ["a worse model (auc 0.84)", "'Approved', expected 'PendingManualApproval'"],
    ),
    (
        "05.5",
        "register_candidate",
        register_without_group,
        ["first model of a new group", "RegistryError"],
    ),
    (
        "05.5",
        "register_candidate",
        register_returning_the_version,
        ["first model", "returned ModelVersion(", "expected the new version's number 1"],
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "expected"),
    WRONG,
    ids=[f"{c}-{f.__name__}-{i}" for i, (c, _, f, _) in enumerate(WRONG)],
)
def test_a_wrong_answer_fails_and_says_why(
    checkpoint_id: str, name: str, function: Callable[..., Any], expected: list[str]
) -> None:
    passed, line = evaluate(checkpoint_id, {name: function})

    assert passed is False
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/")
    for text in expected:
        assert text in line, line


def upload_quoting_the_key(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    # URL-quotes the key, as if S3 keys had to be URLs: "a b" is stored as "a%20b".
    return upload_training_csv(s3, bucket, quote(key), frame) | {"key": key}


def check_the_channel_but_not_the_object(
    response: dict[str, Any], sagemaker: Any, dataset_uri: str
) -> None:
    assert response["status"] == "started"
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    assert "train" in {c["ChannelName"] for c in job["InputDataConfig"]}


# (checkpoint, name, wrong answer, the rule its graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, str, Callable[..., Any], str, str]] = [
    (
        "05.1",
        "upload_training_csv",
        upload_quoting_the_key,
        "a key with a space is stored under exactly that key, byte for byte, and reported "
        "with S3's ETag and size",
        "march 2024",
    ),
    (
        "05.2",
        "read_gate_alerts",
        receive_once,
        "every alert is read, parsed and deleted when the queue holds more alerts than one "
        "receive_message call returns",
        "12",
    ),
    (
        "05.3",
        "check_training_started",
        ignore_the_channel_name,
        "the assertion fails when the job has no channel named 'train'",
        "validation",
    ),
    (
        "05.3",
        "check_training_started",
        check_the_channel_but_not_the_object,
        "the assertion fails when the job's train channel reads another object",
        "old.csv",
    ),
    (
        "05.4",
        "ecr_pull_policy",
        lambda arn: policy(allow("ecr:GetAuthorizationToken", "*"), allow("ecr:*", arn)),
        "the policy allows no action that pulling an image does not need",
        "PutImage",
    ),
    (
        "05.5",
        "register_candidate",
        register_approving_ties,
        "a model only as good as the approved one is registered but not approved",
        "0.86",
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "rule", "hidden_input"),
    HIDDEN_ONLY,
    ids=[f"{c}-{f.__name__}-{i}" for i, (c, _, f, *_) in enumerate(HIDDEN_ONLY)],
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    checkpoint_id: str, name: str, function: Callable[..., Any], rule: str, hidden_input: str
) -> None:
    points = POINTS[checkpoint_id]
    with public_checks("05"):
        public = evaluate(checkpoint_id, {name: function})

    passed, line = evaluate(checkpoint_id, {name: function})

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert passed is False
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("05")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case(" not in public
    assert "NOT_NEEDED" not in public  # the hidden cases' data goes with them
    compile(public, str(path), "exec")


def test_failure_lines_are_the_same_on_every_run() -> None:
    first = evaluate("05.5", {"register_candidate": register_always_approved})
    second = evaluate("05.5", {"register_candidate": register_always_approved})

    assert first == second
