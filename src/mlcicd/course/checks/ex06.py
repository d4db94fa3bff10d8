"""Checkpoints of exercise 06 (End-to-end tests): cases run against the learner's objects.

Public cases (in the learner's copy): 06.1 a valid response for 2 records, too
few predictions and a probability above 1; 06.2 one pending version, a version
that appears while polling, and an empty group that times out; 06.3 a clean
file that goes all the way to the registry; 06.4 a kept version with an alert,
an extra version, and a missing alert. Every other case is hidden (between the
hidden-case markers): it exists only where the instructor grades, and a failure
names its rule, not its input.

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

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
import copy

from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-inference:7"


def _response(*probabilities: float, version: str = "a1b2c3d4e5f6") -> dict[str, Any]:
    return {
        "modelVersion": version,
        "predictions": [{"churnProbability": p, "churn": p >= 0.5} for p in probabilities],
    }


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
    with case("a valid response for 2 records"):
        _expect_problems(canary_problems, _response(0.2, 0.8), 2, valid=True)
    for description, body, records in (
        ("2 records sent, 1 prediction back", _response(0.2), 2),
        ("churnProbability 1.2 (above 1)", _response(0.2, 1.2), 2),
    ):
        with case(description):
            _expect_problems(canary_problems, body, records, valid=False)
    # BEGIN HIDDEN CASES
    for rule, body, records in (
        (
            "a valid response whose probabilities sit on the bounds and on the threshold has "
            "no problem",
            _response(0.0, 0.5, 1.0),
            3,
        ),
        (
            "an integer churnProbability is a number: a valid response with one has no problem",
            _response(0),
            1,
        ),
    ):
        with hidden_case(rule):
            _expect_problems(canary_problems, body, records, valid=True)
    for rule, body, records in _BROKEN:
        with hidden_case(rule):
            _expect_problems(canary_problems, copy.deepcopy(body), records, valid=False)
    # END HIDDEN CASES


def _expect_problems(
    canary_problems: Callable[..., Any], body: object, records: int, *, valid: bool
) -> None:
    """Fail unless ``canary_problems`` finds no problem in a ``valid`` body, else some."""
    got = canary_problems(body, records)
    expect(isinstance(got, list), f"expected a list of problems, got a {type(got).__name__}")
    if valid:
        expect(got == [], f"expected no problems, got {got!r}")
        return
    expect(got, "expected at least one problem, got []")
    expect(
        all(isinstance(problem, str) and problem for problem in got),
        f"each problem should be a non-empty sentence, got {got!r}",
    )


# BEGIN HIDDEN CASES
def _broken_responses() -> Iterator[tuple[str, object, int]]:
    """Yield (the rule, a body that breaks it, the number of records sent)."""
    yield "a body that is not a JSON object is a problem", [_response(0.2)], 1
    body = _response(0.2, 0.7)
    del body["modelVersion"]
    yield "a missing modelVersion is a problem", body, 2
    yield "an empty modelVersion is a problem", _response(0.2, 0.7, version=""), 2
    yield (
        "a modelVersion that is not a string is a problem",
        {**_response(0.2), "modelVersion": 42},
        1,
    )
    yield (
        "predictions that are not a list are a problem",
        {"modelVersion": "v1", "predictions": "0.2"},
        1,
    )
    body = _response(0.2)
    body["predictions"][0]["churnProbability"] = -0.1
    yield "a churnProbability below 0 is a problem", body, 1
    body = _response(0.2)
    body["predictions"][0]["churnProbability"] = "0.2"
    yield "a churnProbability given as a string is a problem", body, 1
    body = _response(0.2)
    body["predictions"][0].update(churnProbability=True, churn=True)
    yield "a boolean churnProbability is a problem (a bool is no probability)", body, 1
    body = _response(0.7)
    body["predictions"][0]["churn"] = 1
    yield "a churn flag that is not a boolean is a problem", body, 1
    body = _response(0.7)
    del body["predictions"][0]["churn"]
    yield "a prediction without its churn flag is a problem", body, 1
    body = _response(0.2, 0.8)
    body["predictions"][1]["churn"] = False
    yield "a churn flag that disagrees with churnProbability >= 0.5 is a problem", body, 2
    yield "an extra top-level key is a problem", {**_response(0.2), "debug": True}, 1
    body = _response(0.2)
    body["predictions"][0]["score"] = 0.2
    yield "an extra key in a prediction is a problem", body, 1


#: (rule, body, records sent) of each broken response; a case hands the learner a copy.
_BROKEN = tuple(_broken_responses())
# END HIDDEN CASES


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
        with case("an existing group with no version, timeout 0.1 s"):
            ensure_model_package_group(sagemaker, "check-group-empty")
            got = wait_for_latest_status(sagemaker, "check-group-empty", timeout=0.1, interval=0.02)
            expect(got is None, f"expected None after the timeout, got {got!r}")
        # BEGIN HIDDEN CASES
        # rule, group, statuses of its versions (None: no group), timeout, expected status
        hidden: list[tuple[str, str, list[str] | None, float, str | None]] = [
            (
                "the status returned is the newest version's (the highest version number)",
                "check-group-b",
                ["Approved", "Rejected", "PendingManualApproval"],
                2.0,
                "PendingManualApproval",
            ),
            (
                "a rejected version's status is returned as it is",
                "check-group-c",
                ["Rejected"],
                2.0,
                "Rejected",
            ),
            (
                "a group that does not exist yet counts as a group with no version",
                "check-group-none",
                None,
                0.1,
                None,
            ),
        ]
        for rule, group, statuses, timeout, expected in hidden:
            with hidden_case(rule):
                if statuses is not None:
                    _package_group(sagemaker, group, statuses)
                got = wait_for_latest_status(sagemaker, group, timeout=timeout, interval=0.02)
                expect(got == expected, f"expected {expected!r}, got {got!r}")
        # END HIDDEN CASES


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
        "the response's input as the dataset URI; return release's outcome."
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
    # BEGIN HIDDEN CASES
    with (
        offline_aws(),
        _account("bad") as account,
        tempfile.TemporaryDirectory() as workdir,
        hidden_case(
            "a file the handler rejects makes run_flow return None and start no training job"
        ),
    ):
        broken = to_csv_bytes(generate(500, seed=6).drop(columns=["support_calls"]))
        outcome = run_flow(broken, "incoming/broken.csv", account, Path(workdir))
        expect(outcome is None, f"returned a {type(outcome).__name__}")
        jobs = boto3.client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
        expect(not jobs, f"{len(jobs)} training job(s) were started for a rejected file")
    # END HIDDEN CASES


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
        cases: list[tuple[str, str, list[str], bool, int, bool]] = [
            # description, account, statuses in the group, alert sent, versions_before, raise?
            (
                "1 approved version kept, and an alert in the queue",
                "kept",
                ["Approved"],
                True,
                1,
                False,
            ),
            (
                "a second version was registered despite the alert",
                "added",
                ["Approved", "PendingManualApproval"],
                True,
                1,
                True,
            ),
            (
                "nothing registered, but no alert in the queue",
                "silent",
                ["Approved"],
                False,
                1,
                True,
            ),
        ]
        for description, suffix, statuses, alerted, before, should_raise in cases:
            with _account(suffix, aws) as account, case(description):
                _world(aws, account, statuses, alert=alerted)
                _expect_verdict(assert_blocked, aws, account, before, should_raise)
        # BEGIN HIDDEN CASES
        with (
            _account("none", aws) as account,
            hidden_case("a group with no version at all and an alert in the queue passes"),
        ):
            _world(aws, account, [], alert=True)
            _expect_verdict(assert_blocked, aws, account, 0, should_raise=False)
        with (
            _account("other", aws) as account,
            hidden_case(
                "a message in the queue that is no quality-gate alert does not count as one"
            ),
        ):
            _world(aws, account, ["Approved"], alert=False)
            aws["sns"].publish(
                TopicArn=account["topic_arn"], Message=json.dumps({"event": "model-approved"})
            )
            _expect_verdict(assert_blocked, aws, account, 1, should_raise=True)
        # END HIDDEN CASES


def _world(
    aws: Mapping[str, Any], account: Mapping[str, str], statuses: list[str], *, alert: bool
) -> None:
    """Register versions with ``statuses`` in the account's group, and send an alert or not."""
    _package_group(aws["sagemaker"], account["group"], statuses)
    if alert:
        _alert(aws["sns"], account["topic_arn"])


def _expect_verdict(
    assert_blocked: Callable[..., Any],
    aws: Mapping[str, Any],
    account: Mapping[str, str],
    versions_before: int,
    should_raise: bool,
) -> None:
    """Fail unless ``assert_blocked`` raises AssertionError exactly when ``should_raise``."""
    raised, message = _raises_assertion(
        assert_blocked,
        aws["sagemaker"],
        aws["sqs"],
        account["group"],
        account["queue_url"],
        versions_before,
    )
    if should_raise:
        expect(raised, "expected an AssertionError, but assert_blocked returned")
    else:
        expect(not raised, f"expected no AssertionError, got one: {message}")
