"""Exercise 05's checkpoints: right answers pass, each plausible wrong one fails and says why.

``MUTANTS`` holds at least five plausible wrong answers per checkpoint, written as
code; the harness in ``checkpoint_mutants`` asserts each fails its checkpoint graded,
with a line that gives no solution away. Each checkpoint is also run as the learner's
release ships it (``public_checks``): the reference passes and the stub fails its
public cases, and a wrong answer that only a hidden case catches passes them, then
fails graded with the rule.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from checkpoint_mutants import Wrong, graded_once, mutant_tests

from churn.data import to_csv_bytes
from churn.notify import parse_notification
from churn.registry import (
    ensure_model_package_group,
    latest_approved,
    list_versions,
    register_model_version,
)
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
                "Action": [
                    "ecr:BatchGetImage",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer",
                ],
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
REFERENCE = {name: function for name, function in RIGHT.values()}


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
#
# Each is a mistake a learner makes, written as code. MUTANTS (below) lists them per
# checkpoint; SAYS_WHY checks what the line of some says; HIDDEN_ONLY the ones that
# only a hidden case catches.


def upload_with_index(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    body = frame.to_csv().encode()
    response = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"key": key, "etag": response["ETag"], "size": len(body)}


def upload_returning_etag_only(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> str:
    return s3.put_object(Bucket=bucket, Key=key, Body=to_csv_bytes(frame))["ETag"]


def upload_with_wrong_size(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    result = upload_training_csv(s3, bucket, key, frame)
    return {**result, "size": len(frame)}


def upload_quoting_the_key(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    # URL-quotes the key, as if S3 keys had to be URLs: "a b" is stored as "a%20b".
    return upload_training_csv(s3, bucket, quote(key), frame) | {"key": key}


def upload_counting_characters(
    s3: Any, bucket: str, key: str, frame: pd.DataFrame
) -> dict[str, Any]:
    text = frame.to_csv(index=False)
    response = s3.put_object(Bucket=bucket, Key=key, Body=text.encode())
    return {"key": key, "etag": response["ETag"], "size": len(text)}


def upload_as_latin1(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    body = frame.to_csv(index=False).encode("latin-1")
    response = s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"key": key, "etag": response["ETag"], "size": len(body)}


def upload_returning_the_uri(s3: Any, bucket: str, key: str, frame: pd.DataFrame) -> dict[str, Any]:
    return upload_training_csv(s3, bucket, key, frame) | {"key": f"s3://{bucket}/{key}"}


def upload_to_the_notebooks_bucket(
    s3: Any, bucket: str, key: str, frame: pd.DataFrame
) -> dict[str, Any]:
    return upload_training_csv(s3, "churn-data", key, frame)


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


def json_load_the_body(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    # Reads the body as the message itself: right with raw delivery, wrong in SNS's envelope.
    alerts = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            alerts.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return alerts


def receive_three_times(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    # "A few tries", as for a wait: enough for 30 messages when every batch is full.
    alerts = []
    for _ in range(3):
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            alerts.append(parse_notification(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return alerts


def stop_on_a_short_batch(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    # Takes a batch of fewer than 10 for the last one; SQS may return fewer while more wait.
    alerts = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            alerts.append(parse_notification(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if len(messages) < 10:
            return alerts


def delete_the_first_of_each_batch(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    alerts = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        alerts += [parse_notification(m["Body"]) for m in messages]
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
        if len(alerts) > 100:
            break
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


def check_the_channel_but_not_the_object(
    response: dict[str, Any], sagemaker: Any, dataset_uri: str
) -> None:
    assert response["status"] == "started"
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    assert "train" in {c["ChannelName"] for c in job["InputDataConfig"]}


def _train_uri(response: dict[str, Any], sagemaker: Any) -> str:
    job = sagemaker.describe_training_job(TrainingJobName=response["trainingJobName"])
    (train,) = [c for c in job["InputDataConfig"] if c["ChannelName"] == "train"]
    return train["DataSource"]["S3DataSource"]["S3Uri"]


def compare_with_the_response(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    # Checks that the job reads what the handler *says* it sent: the hand-off is never checked.
    assert response["status"] == "started"
    assert _train_uri(response, sagemaker) == response["input"]


def compare_file_names(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "started"
    assert _train_uri(response, sagemaker).rsplit("/", 1)[-1] == dataset_uri.rsplit("/", 1)[-1]


def accept_an_enclosing_prefix(response: dict[str, Any], sagemaker: Any, dataset_uri: str) -> None:
    assert response["status"] == "started"
    assert dataset_uri.startswith(_train_uri(response, sagemaker))


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


TOKEN = "ecr:GetAuthorizationToken"
REPOSITORY = ["ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer"]
PULL = [TOKEN, *REPOSITORY]


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


def _register_against(
    compare: Callable[[Any, float, Any], bool],
) -> Callable[..., Any]:
    """A register_candidate that approves when ``compare(sagemaker_group, auc, best)`` holds."""

    def register(
        sagemaker: Any,
        group: str,
        *,
        model_data_url: str,
        image_uri: str,
        metrics: dict[str, float],
    ) -> Any:
        ensure_model_package_group(sagemaker, group)
        approve = compare((sagemaker, group), metrics["auc"], latest_approved(sagemaker, group))
        return register_model_version(
            sagemaker,
            group,
            model_data_url=model_data_url,
            image_uri=image_uri,
            metrics=metrics,
            approval_status="Approved" if approve else "PendingManualApproval",
        ).version

    return register


def _beats_the_newest(where: tuple[Any, str], auc: float, best: Any) -> bool:
    versions = list_versions(*where)
    return not versions or auc > versions[-1].metrics["auc"]


register_approving_ties = _register_against(
    lambda where, auc, best: best is None or auc >= best.metrics["auc"]
)
register_against_the_newest = _register_against(_beats_the_newest)
register_approving_only_the_first = _register_against(lambda where, auc, best: best is None)


def register_returning_a_string(
    sagemaker: Any, group: str, *, model_data_url: str, image_uri: str, metrics: dict[str, float]
) -> str:
    number = register_candidate(
        sagemaker,
        group,
        model_data_url=model_data_url,
        image_uri=image_uri,
        metrics=metrics,
    )
    return str(number)


MUTANTS = [
    Wrong("05.1", "writes the index column", {"upload_training_csv": upload_with_index}),
    Wrong("05.1", "returns the ETag alone", {"upload_training_csv": upload_returning_etag_only}),
    Wrong("05.1", "size counts rows", {"upload_training_csv": upload_with_wrong_size}),
    Wrong("05.1", "URL-quotes the key", {"upload_training_csv": upload_quoting_the_key}),
    Wrong("05.1", "size counts characters", {"upload_training_csv": upload_counting_characters}),
    Wrong("05.1", "encodes latin-1", {"upload_training_csv": upload_as_latin1}),
    Wrong("05.1", "returns the S3 URI as key", {"upload_training_csv": upload_returning_the_uri}),
    Wrong("05.1", "hard-codes the bucket", {"upload_training_csv": upload_to_the_notebooks_bucket}),
    Wrong("05.2", "never deletes", {"read_gate_alerts": never_delete}),
    Wrong("05.2", "returns raw SQS messages", {"read_gate_alerts": return_raw_messages}),
    Wrong("05.2", "receives once", {"read_gate_alerts": receive_once}),
    Wrong("05.2", "json-loads the SNS envelope", {"read_gate_alerts": json_load_the_body}),
    Wrong("05.2", "receives a fixed three times", {"read_gate_alerts": receive_three_times}),
    Wrong("05.2", "stops on a short batch", {"read_gate_alerts": stop_on_a_short_batch}),
    Wrong(
        "05.2",
        "deletes one message per batch",
        {"read_gate_alerts": delete_the_first_of_each_batch},
    ),
    Wrong("05.3", "trusts the response", {"check_training_started": trust_the_response}),
    Wrong("05.3", "only counts jobs", {"check_training_started": only_look_at_sagemaker}),
    Wrong("05.3", "asserts a rejection", {"check_training_started": assert_the_wrong_thing}),
    Wrong("05.3", "reads the first channel", {"check_training_started": ignore_the_channel_name}),
    Wrong(
        "05.3",
        "checks the channel, not the object",
        {"check_training_started": check_the_channel_but_not_the_object},
    ),
    Wrong(
        "05.3",
        "compares the job with the response",
        {"check_training_started": compare_with_the_response},
    ),
    Wrong("05.3", "compares file names only", {"check_training_started": compare_file_names}),
    Wrong(
        "05.3",
        "accepts an enclosing prefix",
        {"check_training_started": accept_an_enclosing_prefix},
    ),
    Wrong("05.4", "ecr:* everywhere", {"ecr_pull_policy": lambda arn: policy(allow("ecr:*", "*"))}),
    Wrong("05.4", "pull actions on *", {"ecr_pull_policy": lambda arn: policy(allow(PULL, "*"))}),
    Wrong(
        "05.4",
        "the token on the repository",
        {"ecr_pull_policy": lambda arn: policy(allow(PULL, arn))},
    ),
    Wrong(
        "05.4",
        "ecr:Get* on the repository",
        {"ecr_pull_policy": lambda arn: policy(allow(TOKEN, "*"), allow("ecr:Get*", arn))},
    ),
    Wrong(
        "05.4",
        "also creates repositories",
        {
            "ecr_pull_policy": lambda arn: policy(
                allow(TOKEN, "*"), allow("ecr:CreateRepository", "*"), allow(REPOSITORY, arn)
            )
        },
    ),
    Wrong(
        "05.4",
        "no Version",
        {"ecr_pull_policy": lambda arn: {"Statement": ecr_pull_policy(arn)["Statement"]}},
    ),
    Wrong(
        "05.4",
        "ecr:* on the repository",
        {"ecr_pull_policy": lambda arn: policy(allow(TOKEN, "*"), allow("ecr:*", arn))},
    ),
    Wrong(
        "05.4",
        "no layer check",
        {
            "ecr_pull_policy": lambda arn: policy(
                allow(TOKEN, "*"), allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], arn)
            )
        },
    ),
    Wrong(
        "05.4",
        "a wildcard after the repository name",
        {"ecr_pull_policy": lambda arn: policy(allow(TOKEN, "*"), allow(REPOSITORY, f"{arn}*"))},
    ),
    Wrong(
        "05.4",
        "also lists and describes images",
        {
            "ecr_pull_policy": lambda arn: policy(
                allow(TOKEN, "*"),
                allow([*REPOSITORY, "ecr:ListImages", "ecr:DescribeImages"], arn),
            )
        },
    ),
    Wrong(
        "05.4",
        "hard-codes the repository",
        {
            "ecr_pull_policy": lambda arn: ecr_pull_policy(
                "arn:aws:ecr:us-east-1:123456789012:repository/churn-train"
            )
        },
    ),
    Wrong(
        "05.4",
        "the token on the registry ARN",
        {
            "ecr_pull_policy": lambda arn: policy(
                allow(TOKEN, arn.split("repository/")[0] + "*"), allow(REPOSITORY, arn)
            )
        },
    ),
    Wrong("05.5", "always approves", {"register_candidate": register_always_approved}),
    Wrong("05.5", "never creates the group", {"register_candidate": register_without_group}),
    Wrong(
        "05.5", "returns the ModelVersion", {"register_candidate": register_returning_the_version}
    ),
    Wrong("05.5", "approves a tie", {"register_candidate": register_approving_ties}),
    Wrong(
        "05.5",
        "compares with the newest version",
        {"register_candidate": register_against_the_newest},
    ),
    Wrong("05.5", "returns a string", {"register_candidate": register_returning_a_string}),
    Wrong(
        "05.5", "approves only the first", {"register_candidate": register_approving_only_the_first}
    ),
]

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("05", REFERENCE, MUTANTS)

_BY_MISTAKE = {m.mistake: m for m in MUTANTS}

# What the line of a wrong answer a public case catches says: (mistake, texts in the line).
SAYS_WHY: list[tuple[str, list[str]]] = [
    ("writes the index column", ["uploading 200 rows", "index column"]),
    ("returns the ETag alone", ["returned a str, not a dict"]),
    ("size counts rows", ["returned size 200", "bytes"]),
    # One alert left behind: "1 message is", never "1 messages are".
    ("never deletes", ["one alert", "1 message is still in the queue"]),
    ("returns raw SQS messages", ["one alert", "no 'event' field"]),
    ("trusts the response", ["names a job SageMaker never started", "handler's word"]),
    ("only counts jobs", ["rejected an off-schema CSV", "started no job"]),
    ("asserts a rejection", ["a valid upload to incoming/customers.csv", "on a correct start"]),
    ("ecr:* everywhere", ["the policy for arn:aws:ecr:", "allowed on another repository"]),
    ("pull actions on *", ["BatchGetImage is allowed on another repository too"]),
    ("the token on the repository", ["IAM enforcement", "GetAuthorizationToken was denied"]),
    ("ecr:Get* on the repository", ["the repository does not allow BatchGetImage"]),
    ("no layer check", ["does not allow BatchCheckLayerAvailability"]),
    ("also creates repositories", ["IAM enforcement", "moto allowed ecr:CreateRepository"]),
    ("no Version", ["Version is None", "2012-10-17"]),
    ("always approves", ["a worse model (auc 0.84)", "expected 'PendingManualApproval'"]),
    ("never creates the group", ["first model of a new group", "RegistryError"]),
    ("returns the ModelVersion", ["first model", "expected the new version's number 1"]),
]


@pytest.mark.parametrize(("mistake", "expected"), SAYS_WHY, ids=[m for m, _ in SAYS_WHY])
def test_a_wrong_answer_fails_and_says_why(mistake: str, expected: list[str]) -> None:
    wrong = _BY_MISTAKE[mistake]

    passed, line = graded_once(wrong.checkpoint, {**REFERENCE, **wrong.objects})

    assert passed is False
    assert line.startswith(f"Checkpoint {wrong.checkpoint} failed (0/")
    for text in expected:
        assert text in line, line


# (mistake, the rule its graded line names, a piece of the hidden input it must not show)
HIDDEN_ONLY: list[tuple[str, str, str]] = [
    (
        "size counts characters",
        "a frame with non-ASCII text is stored as UTF-8, and its size is counted in bytes",
        "zürich",
    ),
    (
        "stops on a short batch",
        "every alert is read when receive_message returns fewer messages than asked for "
        "while more are waiting, as SQS may",
        "12",
    ),
    (
        "compares the job with the response",
        "the assertion fails when the job reads another object, even when the handler's "
        "response names that object too",
        "old.csv",
    ),
    (
        "ecr:* on the repository",
        "the policy allows no action that pulling an image does not need",
        "PutImage",
    ),
    (
        "a wildcard after the repository name",
        "the policy is scoped to the repository it is given, whatever its account and path, "
        "and to no other repository, not even one whose name extends it",
        "legacy",
    ),
    (
        "compares with the newest version",
        "a model better than the newest version but not than the approved one is registered "
        "but not approved",
        "0.85",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "rule", "hidden_input"), HIDDEN_ONLY, ids=[m for m, *_ in HIDDEN_ONLY]
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    mistake: str, rule: str, hidden_input: str
) -> None:
    wrong = _BY_MISTAKE[mistake]
    checkpoint_id, points = wrong.checkpoint, POINTS[wrong.checkpoint]
    namespace = {**REFERENCE, **wrong.objects}
    with public_checks("05"):
        public = evaluate(checkpoint_id, namespace)

    passed, line = graded_once(checkpoint_id, namespace)  # the mutant test's graded run

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
    assert "_WRONG_JOBS" not in public  # the hidden cases' data goes with them
    assert "_ShortBatches" not in public
    compile(public, str(path), "exec")


def test_failure_lines_are_the_same_on_every_run() -> None:
    first = evaluate("05.5", {"register_candidate": register_always_approved})
    second = evaluate("05.5", {"register_candidate": register_always_approved})

    assert first == second


def test_the_short_batch_wrapper_travels_into_a_kernel_by_pickle() -> None:
    # The grader pickles a check's arguments into the learner's kernel (cloudpickle); the
    # wrapper must come back whole there, forwarding what it does not override.
    import cloudpickle

    from mlcicd.course.checks.ex05 import _ShortBatches

    class Client:
        def receive_message(self, **kwargs: Any) -> dict[str, Any]:
            return kwargs

        def delete_message(self, **kwargs: Any) -> str:
            return "deleted"

    copy = cloudpickle.loads(cloudpickle.dumps(_ShortBatches(Client(), 3)))
    assert copy.receive_message(MaxNumberOfMessages=10) == {"MaxNumberOfMessages": 3}
    assert copy.delete_message(ReceiptHandle="r") == "deleted"
    with pytest.raises(AttributeError):
        copy.not_a_method  # noqa: B018
