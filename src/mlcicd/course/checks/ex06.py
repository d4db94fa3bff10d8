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

The hidden cases test each rule at its boundary: a NaN probability and one
prediction too many (06.1); a wait that must sleep between looks, look at least
once and give up on time (06.2); a file whose model fails the gate, so the
topic and the dataset URI handed to release are checked (06.3); an alert
behind another message (06.4). Hints state the rule a case checks, in words;
the concept behind it comes after a repeated failure.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
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
from mlcicd.testing import DEFAULT_REGION, offline_aws

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
import copy

from churn.notify import parse_notification
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-inference:7"
#: A wait that answers later than this after its version appeared did not poll.
LATE_ANSWER = 2.0
#: Time a busy machine may add to a wait on top of its timeout and one interval.
SLACK = 1.0


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
        "Flag every break of the contract: other keys at either level, a wrong type (a bool "
        "is no number), not one prediction per record, a probability outside 0 to 1 (both "
        "ends allowed; NaN is none), a churn flag that disagrees with the 0.5 threshold (0.5 "
        "is churn). A valid body has no problem."
    ),
    concept=(
        "A canary checks the contract of the live endpoint, not the model's accuracy: it "
        "must flag every shape, type or range the contract forbids, and accept everything "
        "it allows, its boundaries included."
    ),
    lesson="06#The canary: one request to the served model",
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
    body = _response(0.2)
    body["predictions"][0].update(churnProbability=float("nan"), churn=False)
    yield "a NaN churnProbability is a problem (NaN is no probability)", body, 1
    yield "more predictions than records sent is a problem", _response(0.2, 0.7, 0.9), 2


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
        "Look at least once, even with a timeout of 0; return the approval status of the "
        "highest version as soon as one exists; sleep `interval` between looks, never spin; "
        "return None once `timeout` seconds pass on the monotonic clock. A missing group has "
        "no version."
    ),
    concept=(
        "A wait in an E2E test polls a system that changes on its own time: a deadline "
        "bounds the test, a sleep between looks spares the API its throttling limits, and "
        "the caller can tell a timeout from an answer."
    ),
    lesson="06#The happy path, stage by stage",
    defined_in="the cell under 'Exercise 2'",
)
def wait_for_status(wait_for_latest_status: Callable[..., Any]) -> None:
    """``wait_for_latest_status(sagemaker, group, timeout, interval)`` polls, then gives up."""
    with offline_aws():
        sagemaker = _client("sagemaker")
        with case("a group 'check-group-a' with one version, pending approval"):
            _package_group(sagemaker, "check-group-a", ["PendingManualApproval"])
            got = wait_for_latest_status(sagemaker, "check-group-a", timeout=2.0, interval=0.05)
            expect(got == "PendingManualApproval", f"expected 'PendingManualApproval', got {got!r}")
        with case("a version registered 0.1 s after the wait starts, timeout 5 s"):
            _expect_a_late_version(wait_for_latest_status, sagemaker)
        with case("an existing group with no version, timeout 0.1 s"):
            ensure_model_package_group(sagemaker, "check-group-empty")
            got = wait_for_latest_status(sagemaker, "check-group-empty", timeout=0.1, interval=0.02)
            expect(got is None, f"expected None after the timeout, got {got!r}")
        # BEGIN HIDDEN CASES
        _expect_hidden_waits(wait_for_latest_status, sagemaker)
        # END HIDDEN CASES


def _expect_a_late_version(wait_for_latest_status: Callable[..., Any], sagemaker: Any) -> None:
    """Register a version 0.1 s into a 5 s wait; fail unless the wait returns it promptly."""
    ensure_model_package_group(sagemaker, "check-group-late")
    appeared: list[float] = []

    def register_later() -> None:
        _package_group(sagemaker, "check-group-late", ["PendingManualApproval"])
        appeared.append(time.monotonic())

    later = threading.Timer(0.1, register_later)
    later.start()
    try:
        got = wait_for_latest_status(sagemaker, "check-group-late", timeout=5.0, interval=0.05)
        answered = time.monotonic()
    finally:
        later.join()
    expect(
        got == "PendingManualApproval",
        f"expected 'PendingManualApproval' once the version appears (keep polling), got {got!r}",
    )
    # Timed from the registration, not the wait's start: a slow machine may take a
    # while to register, never to notice.
    late = answered - appeared[0] if appeared else 0.0
    expect(
        late < LATE_ANSWER,
        f"it answered {late:.1f} s after the version appeared: look again every `interval` seconds",
    )


# BEGIN HIDDEN CASES
def _expect_hidden_waits(wait_for_latest_status: Callable[..., Any], sagemaker: Any) -> None:
    """The hidden cases of 06.2: the newest version, every status, boundaries of the wait."""
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
    with hidden_case("the wait looks at least once, even with a timeout of 0"):
        _package_group(sagemaker, "check-group-now", ["Approved"])
        got = wait_for_latest_status(sagemaker, "check-group-now", timeout=0.0, interval=0.02)
        expect(got == "Approved", f"got {got!r}")
    with hidden_case(
        "the wait sleeps `interval` seconds between looks, and gives up with None within "
        "about `interval` of the timeout"
    ):
        ensure_model_package_group(sagemaker, "check-group-slow")
        with _counting(sagemaker, "ListModelPackages") as looks:
            started = time.monotonic()
            got = wait_for_latest_status(sagemaker, "check-group-slow", timeout=0.3, interval=0.1)
            waited = time.monotonic() - started
        expect(got is None, f"got {got!r}")
        # A right wait looks about once per interval of the time it took (twice allowed,
        # for a loop that lists twice per look); a busy loop looks once per call, many
        # times an interval. Measured against the time taken, not the timeout, so a slow
        # machine can only make the bound more lenient.
        expect(looks[0] <= 2 * waited / 0.1 + 2, f"{looks[0]} looks in {waited:.2f} s")
        expect(waited < 0.3 + 0.1 + SLACK, f"{waited:.2f} s")


# END HIDDEN CASES


# BEGIN HIDDEN CASES
@contextmanager
def _counting(client: Any, operation: str) -> Iterator[list[int]]:
    """Count the ``operation`` calls ``client`` makes in the block (direct or paginated)."""
    looks = [0]

    def count(**_: Any) -> None:
        looks[0] += 1

    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, count, unique_id="course-check-count")
    try:
        yield looks
    finally:
        client.meta.events.unregister(event, unique_id="course-check-count")


# END HIDDEN CASES


#: The checks' own clients, one per service, made inside ``offline_aws`` (so with its fake
#: credentials and its real-AWS guard) by one session that reads each service's model once.
#: ``offline_aws`` forgets boto3's default session, so ``boto3.client`` would reload the
#: models in every check; a client keeps no state of moto's, so every fresh account
#: serves the same client.
_SESSION: list[boto3.Session] = []
_CLIENTS: dict[str, Any] = {}


def _client(service: str) -> Any:
    """The checks' client of ``service``; call it inside ``offline_aws`` only."""
    if not _SESSION:
        _SESSION.append(boto3.Session(region_name=DEFAULT_REGION))
    if service not in _CLIENTS:
        _CLIENTS[service] = _SESSION[0].client(service, region_name=DEFAULT_REGION)
    return _CLIENTS[service]


def _clients() -> dict[str, Any]:
    """One client per service the checks use, for the running moto account."""
    return {name: _client(name) for name in ("s3", "sns", "sqs", "sagemaker")}


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
        "Hand each step what the one before produced: your upload (in the account's data "
        "bucket) to the handler, its job to the training run, and to release the account's "
        "group, image and topic with the handler's dataset URI. Rejected file: None; else "
        "release's outcome, gate passed or not."
    ),
    concept=(
        "An E2E test follows one piece of data through every hand-off: a step handed the "
        "wrong bucket, job, image, topic or dataset can still run, so the test checks what "
        "each step received, on the failure path as on the happy one."
    ),
    lesson="06#The happy path, stage by stage",
    defined_in="the cell under 'Exercise 3'",
)
def flow(run_flow: Callable[..., Any]) -> None:
    """``run_flow(body, key, account, workdir)`` takes a CSV from S3 to the registry.

    One moto account holds every case, each with its own buckets, group and topic: the
    learner's ``boto3.client`` calls then load each service's model once, not per case.
    """
    good = to_csv_bytes(generate(2000, seed=5))
    with offline_aws():
        aws = _clients()
        with (
            _account("good", aws) as account,
            tempfile.TemporaryDirectory() as workdir,
            case("2,000 clean rows uploaded as 'incoming/2026/customers.csv'"),
        ):
            outcome = run_flow(good, "incoming/2026/customers.csv", account, Path(workdir))
            _expect_registered(outcome, aws, account)
        # BEGIN HIDDEN CASES
        with (
            _account("bad", aws) as account,
            tempfile.TemporaryDirectory() as workdir,
            hidden_case(
                "a file the handler rejects makes run_flow return None and start no training job"
            ),
        ):
            jobs = _job_names(aws["sagemaker"])
            broken = to_csv_bytes(generate(500, seed=6).drop(columns=["support_calls"]))
            outcome = run_flow(broken, "incoming/broken.csv", account, Path(workdir))
            expect(outcome is None, f"returned a {type(outcome).__name__}")
            expect(_job_names(aws["sagemaker"]) == jobs, "a training job was started")
        with (
            _account("noisy", aws) as account,
            tempfile.TemporaryDirectory() as workdir,
            hidden_case(
                "a file whose model fails the quality gate returns release's outcome, registers "
                "nothing, and alerts the account's topic naming the uploaded file as the dataset"
            ),
        ):
            noisy = to_csv_bytes(generate(2000, seed=7, label_drift=0.5))
            key = "incoming/2026/relabelled.csv"
            outcome = run_flow(noisy, key, account, Path(workdir))
            expect(_outcome_registered(outcome) is None, "a version was registered")
            expect(not outcome.verdict.passed, "the gate passed")
            expect(not list_versions(aws["sagemaker"], account["group"]), "a version")
            alerts = _gate_alerts(aws["sqs"], account["queue_url"])
            expect(len(alerts) == 1, f"{len(alerts)} alerts")
            expect(alerts[0]["dataset"] == f"s3://{account['data_bucket']}/{key}", "dataset")
        # END HIDDEN CASES


def _expect_registered(outcome: Any, aws: Mapping[str, Any], account: Mapping[str, str]) -> None:
    """Fail unless ``outcome`` registered the trained artifact with the account's names."""
    registered = _outcome_registered(outcome)
    expect(
        registered is not None,
        "the gate passed but nothing was registered: " + outcome.verdict.format().splitlines()[0],
    )
    versions = list_versions(aws["sagemaker"], account["group"])
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
    expect(s3_object_exists(url), f"the registered artifact {url!r} does not exist in S3")
    image = registered_image(aws["sagemaker"], versions[0].arn)
    expect(
        image == account["image_uri"],
        f"the version records the image {image!r}, not the account's image_uri",
    )


def registered_image(sagemaker: Any, arn: str) -> str:
    """The inference image a registered model package records."""
    package = sagemaker.describe_model_package(ModelPackageName=arn)
    return str(package["InferenceSpecification"]["Containers"][0]["Image"])


# BEGIN HIDDEN CASES
def _job_names(sagemaker: Any) -> set[str]:
    """The training jobs of the running moto account."""
    summaries = sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
    return {job["TrainingJobName"] for job in summaries}


def _gate_alerts(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every quality-gate alert waiting in the queue (SNS delivers to SQS at once in moto)."""
    answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [parse_notification(m["Body"]) for m in answer.get("Messages", [])]


# END HIDDEN CASES


def s3_object_exists(uri: str) -> bool:
    """Whether ``s3://bucket/key`` exists (in the active moto account)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    found = _client("s3").list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0)
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
        "Raise AssertionError unless the group holds exactly as many versions as it did "
        "before and at least one message in the queue is a quality-gate alert; a message "
        "that is no such alert does not count, and does not hide an alert after it."
    ),
    concept=(
        "The failure path is half of an E2E suite: proving that a bad model was stopped "
        "means checking both that the registry did not change and that someone was told."
    ),
    lesson="06#The failure path: a worse model is stopped, and someone is told",
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
        _expect_hidden_blocks(assert_blocked, aws)
        # END HIDDEN CASES


# BEGIN HIDDEN CASES
def _expect_hidden_blocks(assert_blocked: Callable[..., Any], aws: Mapping[str, Any]) -> None:
    """The hidden cases of 06.4: an empty group, and messages that are no alert."""
    with (
        _account("none", aws) as account,
        hidden_case("a group with no version at all and an alert in the queue passes"),
    ):
        _world(aws, account, [], alert=True)
        _expect_verdict(assert_blocked, aws, account, 0, should_raise=False)
    with (
        _account("other", aws) as account,
        hidden_case("a message in the queue that is no quality-gate alert does not count as one"),
    ):
        _world(aws, account, ["Approved"], alert=False)
        aws["sns"].publish(
            TopicArn=account["topic_arn"], Message=json.dumps({"event": "model-approved"})
        )
        _expect_verdict(assert_blocked, aws, account, 1, should_raise=True)
    with (
        _account("behind", aws) as account,
        hidden_case("an alert behind another message in the queue counts: this passes"),
    ):
        _world(aws, account, ["Approved"], alert=False)
        aws["sns"].publish(
            TopicArn=account["topic_arn"], Message=json.dumps({"event": "model-approved"})
        )
        _alert(aws["sns"], account["topic_arn"])
        _expect_verdict(assert_blocked, aws, account, 1, should_raise=False)


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
