"""Checkpoints of exercise 06 (End-to-end tests): hidden cases run against the learner's objects.

Every case that touches AWS builds its own account inside
:func:`mlcicd.testing.offline_aws` (fake credentials, the real-AWS guard and
moto), with bucket, group and topic names that differ from the notebook's, so
a function that hard-codes the notebook's names fails here.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from churn.data import generate, to_csv_bytes
from churn.gate import QualityGate
from churn.notify import publish_gate_failure
from churn.registry import (
    ensure_model_package_group,
    list_versions,
    register_model_version,
    set_approval,
)
from churn.train import Metrics
from mlcicd.course.checkpoint import case, check, expect
from mlcicd.course.checks.support import environ
from mlcicd.testing import offline_aws

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-inference:7"


def _response(*probabilities: float, version: str = "a1b2c3d4e5f6") -> dict[str, Any]:
    return {
        "modelVersion": version,
        "predictions": [{"churnProbability": p, "churn": p >= 0.5} for p in probabilities],
    }


def _broken_responses() -> Iterator[tuple[str, object, int]]:
    # (description, body, number of records sent)
    yield "a body that is a list, not an object", [_response(0.2)], 1
    body = _response(0.2, 0.7)
    del body["modelVersion"]
    yield "no modelVersion key", body, 2
    yield "an empty modelVersion", _response(0.2, 0.7, version=""), 2
    yield "modelVersion 42 (a number)", {**_response(0.2), "modelVersion": 42}, 1
    yield "2 records sent, 1 prediction back", _response(0.2), 2
    yield "predictions is not a list", {"modelVersion": "v1", "predictions": "0.2"}, 1
    body = _response(0.2, 0.7)
    body["predictions"][1]["churnProbability"] = 1.2
    yield "churnProbability 1.2 (above 1)", body, 2
    body = _response(0.2)
    body["predictions"][0]["churnProbability"] = -0.1
    yield "churnProbability -0.1 (below 0)", body, 1
    body = _response(0.2)
    body["predictions"][0]["churnProbability"] = "0.2"
    yield 'churnProbability "0.2" (a string)', body, 1
    body = _response(0.2)
    body["predictions"][0].update(churnProbability=True, churn=True)
    yield "churnProbability true (a boolean) with churn true", body, 1
    body = _response(0.7)
    body["predictions"][0]["churn"] = 1
    yield "churn 1 (a number, not a boolean)", body, 1
    body = _response(0.7)
    del body["predictions"][0]["churn"]
    yield "a prediction without churn", body, 1
    body = _response(0.2, 0.8)
    body["predictions"][1]["churn"] = False
    yield "churn false with churnProbability 0.8", body, 2
    yield "an extra top-level key 'debug'", {**_response(0.2), "debug": True}, 1
    body = _response(0.2)
    body["predictions"][0]["score"] = 0.2
    yield "an extra key 'score' in a prediction", body, 1


@check(
    "06.1",
    points=2,
    needs=("canary_problems",),
    hint=(
        "Check in order: the body is a dict with exactly the keys modelVersion and "
        "predictions; modelVersion is a non-empty str; predictions is a list with one item per "
        "record; each item has exactly churnProbability (int or float but not bool, 0 to 1) "
        "and churn (a bool equal to churnProbability >= 0.5). Return [] when all hold."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def canary_contract(canary_problems: Callable[..., Any]) -> None:
    """``canary_problems(body, n_records)`` is empty exactly for a body that keeps the contract."""
    for description, body, records in (
        ("a valid response for 2 records", _response(0.2, 0.8), 2),
        ("a valid response with probabilities exactly 0, 0.5 and 1", _response(0.0, 0.5, 1.0), 3),
        ("a valid response with an integer probability 0", _response(0), 1),
    ):
        with case(description):
            got = canary_problems(body, records)
            expect(
                isinstance(got, list), f"expected a list of problems, got a {type(got).__name__}"
            )
            expect(got == [], f"expected no problems, got {got!r}")
    for description, body, records in _broken_responses():
        with case(description):
            got = canary_problems(body, records)
            expect(
                isinstance(got, list), f"expected a list of problems, got a {type(got).__name__}"
            )
            expect(got, "expected at least one problem, got []")
            expect(
                all(isinstance(problem, str) and problem for problem in got),
                f"each problem should be a non-empty sentence, got {got!r}",
            )


def _package_group(sagemaker: Any, group: str, statuses: list[str]) -> None:
    ensure_model_package_group(sagemaker, group)
    for number, status in enumerate(statuses, start=1):
        version = register_model_version(
            sagemaker,
            group,
            model_data_url=f"s3://check-models/v{number}/model.tar.gz",
            image_uri=IMAGE,
            metrics={"roc_auc": 0.8},
        )
        if status != "PendingManualApproval":
            set_approval(sagemaker, version.arn, status)


@check(
    "06.2",
    points=2,
    needs=("wait_for_latest_status",),
    hint=(
        "Loop until time.monotonic() passes a deadline of `timeout` seconds: list the group's "
        "packages (list_model_packages with ModelPackageGroupName; a group that does not exist "
        "yet counts as no package), and when there is one, return the ModelApprovalStatus of "
        "the highest ModelPackageVersion; otherwise sleep `interval` and try again. After the "
        "deadline return None."
    ),
    defined_in="the cell under 'Exercise 2'",
)
def wait_for_status(wait_for_latest_status: Callable[..., Any]) -> None:
    """``wait_for_latest_status(sagemaker, group, timeout, interval)`` polls, then gives up."""
    with offline_aws():
        sagemaker = boto3.client("sagemaker")
        with case("a group 'check-group-a' with one version, pending approval"):
            _package_group(sagemaker, "check-group-a", ["PendingManualApproval"])
            got = wait_for_latest_status(sagemaker, "check-group-a", timeout=2.0, interval=0.05)
            expect(got == "PendingManualApproval", f"expected 'PendingManualApproval', got {got!r}")
        with case("a version registered 0.1 s after the wait starts, timeout 5 s"):
            ensure_model_package_group(sagemaker, "check-group-late")
            later = threading.Timer(
                0.1,
                _package_group,
                (sagemaker, "check-group-late", ["PendingManualApproval"]),
            )
            later.start()
            try:
                got = wait_for_latest_status(
                    sagemaker, "check-group-late", timeout=5.0, interval=0.05
                )
            finally:
                later.join()
            expect(
                got == "PendingManualApproval",
                "expected 'PendingManualApproval' once the version appears (keep polling), "
                f"got {got!r}",
            )
        with case("a group with versions 1 Approved, 2 Rejected, 3 pending"):
            _package_group(
                sagemaker,
                "check-group-b",
                ["Approved", "Rejected", "PendingManualApproval"],
            )
            got = wait_for_latest_status(sagemaker, "check-group-b", timeout=2.0, interval=0.05)
            expect(
                got == "PendingManualApproval",
                f"expected the status of version 3, 'PendingManualApproval', got {got!r}",
            )
        with case("a group whose only version was rejected"):
            _package_group(sagemaker, "check-group-c", ["Rejected"])
            got = wait_for_latest_status(sagemaker, "check-group-c", timeout=2.0, interval=0.05)
            expect(got == "Rejected", f"expected 'Rejected', got {got!r}")
        with case("an existing group with no version, timeout 0.1 s"):
            ensure_model_package_group(sagemaker, "check-group-empty")
            got = wait_for_latest_status(sagemaker, "check-group-empty", timeout=0.1, interval=0.02)
            expect(got is None, f"expected None after the timeout, got {got!r}")
        with case("a group that does not exist (yet), timeout 0.1 s"):
            got = wait_for_latest_status(sagemaker, "check-group-none", timeout=0.1, interval=0.02)
            expect(got is None, f"expected None after the timeout, got {got!r}")


def _clients() -> dict[str, Any]:
    """One client per service the checks use, for the running moto account."""
    return {name: boto3.client(name) for name in ("s3", "sns", "sqs", "sagemaker")}


@contextmanager
def _account(suffix: str, aws: Mapping[str, Any] | None = None) -> Iterator[dict[str, str]]:
    """Buckets, a topic with a queue and the handler's settings, in the running moto account.

    The names differ from the notebook's, so hard-coded names fail.
    """
    aws = aws or _clients()
    s3, sns, sqs = aws["s3"], aws["sns"], aws["sqs"]
    data_bucket, model_bucket = f"check-data-{suffix}", f"check-models-{suffix}"
    for bucket in (data_bucket, model_bucket):
        s3.create_bucket(Bucket=bucket)
    topic = sns.create_topic(Name=f"check-gate-{suffix}")["TopicArn"]
    queue_url = sqs.create_queue(QueueName=f"check-alerts-{suffix}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    settings = {
        "DATA_BUCKET": data_bucket,
        "TRAINING_ROLE_ARN": "arn:aws:iam::123456789012:role/check-training",
        "TRAINING_IMAGE_URI": "123456789012.dkr.ecr.us-east-1.amazonaws.com/check-train:1",
        "OUTPUT_S3_URI": f"s3://{model_bucket}/check-output",
        "HYPERPARAMETERS": json.dumps({"C": 0.5}),
    }
    with environ(settings):
        yield {
            "data_bucket": data_bucket,
            "model_bucket": model_bucket,
            "group": f"check-group-{suffix}",
            "image_uri": IMAGE,
            "topic_arn": topic,
            "queue_url": queue_url,
        }


def _outcome_registered(outcome: Any) -> Any:
    expect(
        hasattr(outcome, "registered") and hasattr(outcome, "verdict"),
        f"expected the ReleaseOutcome that release() returns, got a {type(outcome).__name__}",
    )
    return outcome.registered


@check(
    "06.3",
    points=3,
    needs=("run_flow",),
    hint=(
        "put_object the body into account['data_bucket'] under `key`; call "
        "handler(s3_put_event(bucket, key, len(body), etag), None); return None unless its "
        "status is 'started'; then run_training_job(sagemaker, s3, job name, workdir) and "
        "release(...) with account['group'], account['image_uri'], account['topic_arn'] and "
        "dataset_uri=response['input']; return release's outcome."
    ),
    defined_in="the cell under 'Exercise 3'",
)
def flow(run_flow: Callable[..., Any]) -> None:
    """``run_flow(body, key, account, workdir)`` takes a CSV from S3 to the registry."""
    good = to_csv_bytes(generate(2000, seed=5))
    with offline_aws(), _account("good") as account, tempfile.TemporaryDirectory() as workdir:
        sagemaker = boto3.client("sagemaker")
        with case("2,000 clean rows uploaded as 'incoming/2026/customers.csv'"):
            outcome = run_flow(good, "incoming/2026/customers.csv", account, Path(workdir))
            registered = _outcome_registered(outcome)
            expect(
                registered is not None,
                "the gate passed but nothing was registered: "
                + outcome.verdict.format().splitlines()[0],
            )
            versions = list_versions(sagemaker, account["group"])
            expect(
                len(versions) == 1,
                f"expected 1 version in the group {account['group']!r}, found {len(versions)}",
            )
            expect(
                versions[0].approval_status == "PendingManualApproval",
                f"the version is {versions[0].approval_status!r}, not 'PendingManualApproval'",
            )
            url = versions[0].model_data_url
            expect(
                url.startswith(f"s3://{account['model_bucket']}/check-output/churn-"),
                f"the registered artifact {url!r} is not the training job's output",
            )
            expect(
                s3_object_exists(url),
                f"the registered artifact {url!r} does not exist in S3",
            )
    with offline_aws(), _account("bad") as account, tempfile.TemporaryDirectory() as workdir:
        sagemaker = boto3.client("sagemaker")
        with case("a CSV file missing the support_calls column"):
            broken = to_csv_bytes(generate(500, seed=6).drop(columns=["support_calls"]))
            outcome = run_flow(broken, "incoming/broken.csv", account, Path(workdir))
            expect(
                outcome is None,
                f"the handler rejects this file, so run_flow should return None, "
                f"not a {type(outcome).__name__}",
            )
            jobs = sagemaker.list_training_jobs()["TrainingJobSummaries"]
            expect(not jobs, f"{len(jobs)} training job(s) were started for a rejected file")


def s3_object_exists(uri: str) -> bool:
    """Whether ``s3://bucket/key`` exists (in the active moto account)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    found = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0)
    return bool(found)


def _alert(sns: Any, topic: str) -> None:
    verdict = QualityGate().evaluate(Metrics(0.6, 0.2, 0.3, 0.1, 100), None)
    publish_gate_failure(
        sns,
        topic,
        verdict=verdict.to_dict(),
        model_version="deadbeef0001",
        dataset_uri="s3://check-data/noisy.csv",
    )


def _raises_assertion(function: Callable[..., Any], *args: Any) -> tuple[bool, str]:
    try:
        function(*args)
    except AssertionError as error:
        return True, str(error)
    return False, ""


@check(
    "06.4",
    points=2,
    needs=("assert_blocked",),
    hint=(
        "Count the group's versions (list_versions) and compare with `versions_before`; then "
        "receive from the queue (WaitTimeSeconds=0, a few tries) and parse each body with "
        "parse_notification; raise AssertionError (assert ...) when a version was added or "
        "no quality-gate-failed message arrived."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def blocked(assert_blocked: Callable[..., Any]) -> None:
    """``assert_blocked(sagemaker, sqs, group, queue_url, versions_before)`` guards the bad path."""
    with offline_aws():
        aws = _clients()
        sagemaker, sqs = aws["sagemaker"], aws["sqs"]
        cases: list[tuple[str, list[str], bool, int, bool]] = [
            # description, statuses in the group, alert sent, versions_before, should raise
            ("1 approved version kept, and an alert in the queue", ["Approved"], True, 1, False),
            ("no version at all, and an alert in the queue", [], True, 0, False),
            (
                "a second version was registered despite the alert",
                ["Approved", "Pending"],
                True,
                1,
                True,
            ),
            ("nothing registered, but no alert in the queue", ["Approved"], False, 1, True),
        ]
        for number, (description, statuses, alerted, before, should_raise) in enumerate(cases):
            with _account(f"b{number}", aws) as account, case(description):
                _package_group(
                    sagemaker,
                    account["group"],
                    [s if s != "Pending" else "PendingManualApproval" for s in statuses],
                )
                if alerted:
                    _alert(aws["sns"], account["topic_arn"])
                raised, message = _raises_assertion(
                    assert_blocked, sagemaker, sqs, account["group"], account["queue_url"], before
                )
                if should_raise:
                    expect(raised, "expected an AssertionError, but assert_blocked returned")
                else:
                    expect(not raised, f"expected no AssertionError, got one: {message}")
        with (
            _account("other", aws) as account,
            case("a message in the queue that is no gate alert"),
        ):
            _package_group(sagemaker, account["group"], ["Approved"])
            aws["sns"].publish(
                TopicArn=account["topic_arn"], Message=json.dumps({"event": "model-approved"})
            )
            raised, _ = _raises_assertion(
                assert_blocked, sagemaker, sqs, account["group"], account["queue_url"], 1
            )
            expect(
                raised, "expected an AssertionError: a 'model-approved' message is no gate alert"
            )
