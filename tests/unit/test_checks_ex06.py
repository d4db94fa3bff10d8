"""The checkpoints of exercise 06 (End-to-end tests): right answers pass, plausible wrong ones fail.

The reference answers are the solution notebook's, run here as plain functions; the
wrong ones are each a mistake a learner is likely to make. Each checkpoint is also
run as the learner's release ships it (``public_checks``): the reference passes and
the stub fails its public cases, and a wrong answer that only a hidden case catches
passes them, then fails graded with the rule.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest

from churn.handler import handler, s3_put_event
from churn.notify import parse_notification
from churn.registry import list_versions
from churn.release import release
from churn.serve import RESPONSE_SCHEMA
from churn.training_job import run_training_job
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden

# --- reference answers -------------------------------------------------------------------


def canary_problems(body: Any, n_records: int) -> list[str]:
    if not isinstance(body, dict):
        return ["the body is not a JSON object"]
    problems = []
    if set(body) != {"modelVersion", "predictions"}:
        problems.append("wrong keys")
    version = body.get("modelVersion")
    if not isinstance(version, str) or not version:
        problems.append("modelVersion is not a non-empty string")
    predictions = body.get("predictions")
    if not isinstance(predictions, list):
        return [*problems, "predictions is not a list"]
    if len(predictions) != n_records:
        problems.append("one prediction per record")
    for item in predictions:
        if not isinstance(item, dict) or set(item) != {"churnProbability", "churn"}:
            problems.append("wrong prediction keys")
            continue
        probability, churn = item["churnProbability"], item["churn"]
        if isinstance(probability, bool) or not isinstance(probability, int | float):
            problems.append("not a number")
        elif not 0 <= probability <= 1:
            problems.append("outside [0, 1]")
        elif not isinstance(churn, bool) or churn != (probability >= 0.5):
            problems.append("churn disagrees")
    return problems


def canary_problems_with_schema(body: Any, n_records: int) -> list[str]:
    # Written differently: the JSON Schema, then the rules a schema cannot say.
    try:
        jsonschema.validate(body, RESPONSE_SCHEMA)
    except jsonschema.ValidationError as error:
        return [error.message]
    problems = [] if len(body["predictions"]) == n_records else ["count"]
    problems += [
        "churn disagrees"
        for p in body["predictions"]
        if p["churn"] != (p["churnProbability"] >= 0.5)
    ]
    return problems


def wait_for_latest_status(
    sagemaker: Any, group: str, timeout: float = 10.0, interval: float = 0.2
) -> str | None:
    deadline = time.monotonic() + timeout
    while True:
        packages = sagemaker.list_model_packages(ModelPackageGroupName=group)[
            "ModelPackageSummaryList"
        ]
        if packages:
            return max(packages, key=lambda p: int(p["ModelPackageVersion"]))["ModelApprovalStatus"]
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def run_flow(body: bytes, key: str, account: Mapping[str, str], workdir: Path) -> Any:
    s3, sagemaker, sns = boto3.client("s3"), boto3.client("sagemaker"), boto3.client("sns")
    etag = s3.put_object(Bucket=account["data_bucket"], Key=key, Body=body)["ETag"]
    response = handler(s3_put_event(account["data_bucket"], key, len(body), etag), None)
    if response["status"] != "started":
        return None
    result = run_training_job(sagemaker, s3, response["trainingJobName"], Path(workdir))
    return release(
        sagemaker,
        sns,
        result,
        group=account["group"],
        image_uri=account["image_uri"],
        topic_arn=account["topic_arn"],
        dataset_uri=response["input"],
    )


def _alerts(sqs: Any, queue_url: str, *, any_message: bool = False) -> list[Any]:
    found = []
    for _ in range(3):
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        for message in answer.get("Messages", []):
            try:
                found.append(parse_notification(message["Body"]))
            except ValueError:
                if any_message:
                    found.append(message)
        if found:
            break
    return found


def assert_blocked(
    sagemaker: Any, sqs: Any, group: str, queue_url: str, versions_before: int
) -> None:
    assert len(list_versions(sagemaker, group)) == versions_before
    assert _alerts(sqs, queue_url)


GOOD: dict[str, tuple[str, Callable[..., Any], int]] = {
    "06.1": ("canary_problems", canary_problems, 2),
    "06.2": ("wait_for_latest_status", wait_for_latest_status, 2),
    "06.3": ("run_flow", run_flow, 3),
    "06.4": ("assert_blocked", assert_blocked, 2),
}


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_reference_answers_pass(checkpoint_id: str) -> None:
    name, function, points = GOOD[checkpoint_id]
    assert evaluate(checkpoint_id, {name: function}) == (
        True,
        f"Checkpoint {checkpoint_id} passed ({points}/{points} points)",
    )


def test_a_right_answer_written_with_the_json_schema_passes() -> None:
    passed, line = evaluate("06.1", {"canary_problems": canary_problems_with_schema})
    assert passed, line


# --- wrong answers -----------------------------------------------------------------------


def _stub(*_: Any, **__: Any) -> Any:
    raise NotImplementedError("replace this")


def _schema_only(body: Any, n_records: int) -> list[str]:
    try:
        jsonschema.validate(body, RESPONSE_SCHEMA)
    except jsonschema.ValidationError as error:
        return [error.message]
    return []


def _no_bool_exclusion(body: Any, n_records: int) -> list[str]:
    problems = canary_problems_with_schema(body, n_records)
    if problems and "True is not of type" in problems[0]:
        return []  # as if booleans counted as numbers
    return problems


def _first_listed_status(sagemaker: Any, group: str, timeout: float = 10, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        packages = sagemaker.list_model_packages(ModelPackageGroupName=group)[
            "ModelPackageSummaryList"
        ]
        if packages:
            return min(packages, key=lambda p: int(p["ModelPackageVersion"]))["ModelApprovalStatus"]
        time.sleep(interval)
    return None


def _no_polling(sagemaker: Any, group: str, timeout: float = 10, interval: float = 0.2):
    packages = sagemaker.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]
    return packages[-1]["ModelApprovalStatus"] if packages else None


def _raises_on_timeout(sagemaker: Any, group: str, timeout: float = 10, interval: float = 0.2):
    status = wait_for_latest_status(sagemaker, group, timeout, interval)
    if status is None:
        raise TimeoutError(f"no version of {group} after {timeout} s")
    return status


def _returns_training_result(body: bytes, key: str, account: Mapping[str, str], workdir: Path):
    s3, sagemaker = boto3.client("s3"), boto3.client("sagemaker")
    etag = s3.put_object(Bucket=account["data_bucket"], Key=key, Body=body)["ETag"]
    response = handler(s3_put_event(account["data_bucket"], key, len(body), etag), None)
    return run_training_job(sagemaker, s3, response["trainingJobName"], Path(workdir))


def _hard_coded_bucket(body: bytes, key: str, account: Mapping[str, str], workdir: Path):
    return run_flow(body, key, {**account, "data_bucket": "churn-raw-data"}, workdir)


def _versions_only(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int) -> None:
    assert len(list_versions(sagemaker, group)) == before


def _alert_only(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int) -> None:
    assert _alerts(sqs, queue_url)


def _any_message(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int) -> None:
    assert len(list_versions(sagemaker, group)) == before
    assert _alerts(sqs, queue_url, any_message=True)


WRONG: list[tuple[str, str, Callable[..., Any], str]] = [
    ("06.1", "canary_problems", _stub, "not written yet"),
    ("06.1", "canary_problems", _schema_only, "2 records sent, 1 prediction back"),
    ("06.1", "canary_problems", lambda b, n: not canary_problems(b, n), "expected a list"),
    ("06.2", "wait_for_latest_status", _no_polling, "keep polling"),
    ("06.2", "wait_for_latest_status", _raises_on_timeout, "TimeoutError: no version of"),
    ("06.3", "run_flow", _returns_training_result, "expected the ReleaseOutcome"),
    ("06.3", "run_flow", _hard_coded_bucket, "NoSuchBucket"),
    ("06.4", "assert_blocked", _versions_only, "nothing registered, but no alert"),
    ("06.4", "assert_blocked", _alert_only, "a second version was registered"),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "problem"),
    WRONG,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(WRONG)],
)
def test_wrong_answers_fail_with_the_case_that_shows_it(
    checkpoint_id: str, name: str, function: Callable[..., Any], problem: str
) -> None:
    points = GOOD[checkpoint_id][2]
    passed, line = evaluate(checkpoint_id, {name: function})
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): ")
    assert problem in line
    # A wrong answer gets a hint; an untouched stub only where to write.
    assert ("Hint: " in line) == (function is not _stub)
    assert " at 0x" not in line


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_a_missing_function_says_which_cell_to_run(checkpoint_id: str) -> None:
    name, _, points = GOOD[checkpoint_id]
    passed, line = evaluate(checkpoint_id, {})
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} cannot run yet (0/{points} points)")
    assert f"`{name}`" in line
    assert "Exercise" in line


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    name, function, points = GOOD[checkpoint_id]

    with public_checks("06"):
        right = evaluate(checkpoint_id, {name: function})
        passed, line = evaluate(checkpoint_id, {name: _stub})

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): ")
    assert "not written yet" in line
    assert "a hidden case" not in line


# --- wrong answers that only a hidden case catches ---------------------------------------


def _ignores_rejection(body: bytes, key: str, account: Mapping[str, str], workdir: Path):
    # Trains whatever the handler said: a rejected file has no trainingJobName.
    s3, sagemaker, sns = boto3.client("s3"), boto3.client("sagemaker"), boto3.client("sns")
    etag = s3.put_object(Bucket=account["data_bucket"], Key=key, Body=body)["ETag"]
    response = handler(s3_put_event(account["data_bucket"], key, len(body), etag), None)
    result = run_training_job(sagemaker, s3, response["trainingJobName"], Path(workdir))
    return release(
        sagemaker,
        sns,
        result,
        group=account["group"],
        image_uri=account["image_uri"],
        topic_arn=account["topic_arn"],
        dataset_uri=response["input"],
    )


# (checkpoint, name, wrong answer, the rule its graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, str, Callable[..., Any], str, str]] = [
    (
        "06.1",
        "canary_problems",
        _no_bool_exclusion,
        "a boolean churnProbability is a problem (a bool is no probability)",
        "True",
    ),
    (
        "06.1",
        "canary_problems",
        lambda b, n: [p for p in canary_problems(b, n) if p != "churn disagrees"],
        "a churn flag that is not a boolean is a problem",
        "churn 1",
    ),
    (
        "06.1",
        "canary_problems",
        lambda b, n: [p for p in canary_problems(b, n) if "keys" not in p],
        "a prediction without its churn flag is a problem",
        "0.7",
    ),
    (
        "06.2",
        "wait_for_latest_status",
        _first_listed_status,
        "the status returned is the newest version's (the highest version number)",
        "check-group-b",
    ),
    (
        "06.3",
        "run_flow",
        _ignores_rejection,
        "a file the handler rejects makes run_flow return None and start no training job",
        "support_calls",
    ),
    (
        "06.4",
        "assert_blocked",
        _any_message,
        "a message in the queue that is no quality-gate alert does not count as one",
        "model-approved",
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "name", "function", "rule", "hidden_input"),
    HIDDEN_ONLY,
    ids=[f"{c}-{i}" for i, (c, *_) in enumerate(HIDDEN_ONLY)],
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    checkpoint_id: str, name: str, function: Callable[..., Any], rule: str, hidden_input: str
) -> None:
    points = GOOD[checkpoint_id][2]
    with public_checks("06"):
        public = evaluate(checkpoint_id, {name: function})

    passed, line = evaluate(checkpoint_id, {name: function})

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


# --- the learner's copy ------------------------------------------------------------------


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("06")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case(" not in public
    assert "_BROKEN" not in public  # the hidden cases' data goes with them
    assert "import copy" not in public  # and so do the imports only they use
    compile(public, str(path), "exec")
