"""The checkpoints of exercise 06 (End-to-end tests): right answers pass, plausible wrong ones fail.

The reference answers are the solution notebook's, run here as plain functions; the
wrong ones (``MUTANTS``, at least five per checkpoint, written as code) are each a
mistake a learner is likely to make, and the harness in ``checkpoint_mutants``
asserts each fails its checkpoint graded with a line that gives no solution away.
Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer that
only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from checkpoint_mutants import Wrong, graded_once, mutant_tests

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
    # A schema's minimum and maximum let NaN through: every comparison with NaN is false.
    problems += ["NaN" for p in body["predictions"] if math.isnan(p["churnProbability"])]
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
REFERENCE = {name: function for name, function, _ in GOOD.values()}


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
#
# Each is a mistake a learner makes, written as code. MUTANTS lists them per checkpoint;
# SAYS_WHY checks what the line of some says; HIDDEN_ONLY the ones only a hidden case
# catches.


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


def _canary(
    *,
    keys: Callable[[set[str], set[str]], bool] = lambda got, want: got == want,
    count: Callable[[int, int], bool] = lambda got, want: got == want,
    number: Callable[[object], bool] = lambda p: (
        isinstance(p, int | float) and not isinstance(p, bool)
    ),
    in_range: Callable[[float], bool] = lambda p: 0 <= p <= 1,
    flag: Callable[[object, float], bool] = lambda churn, p: (
        isinstance(churn, bool) and churn == (p >= 0.5)
    ),
) -> Callable[[Any, int], list[str]]:
    """The reference canary_problems with one of its rules swapped for a wrong one."""

    def problems_of(body: Any, n_records: int) -> list[str]:
        if not isinstance(body, dict):
            return ["not an object"]
        problems = []
        if not keys(set(body), {"modelVersion", "predictions"}):
            problems.append("wrong keys")
        version = body.get("modelVersion")
        if not isinstance(version, str) or not version:
            problems.append("modelVersion")
        predictions = body.get("predictions")
        if not isinstance(predictions, list):
            return [*problems, "predictions is not a list"]
        if not count(len(predictions), n_records):
            problems.append("count")
        for item in predictions:
            if not isinstance(item, dict) or not keys(set(item), {"churnProbability", "churn"}):
                problems.append("wrong prediction keys")
                continue
            probability, churn = item["churnProbability"], item.get("churn")
            if not number(probability):
                problems.append("not a number")
            elif not in_range(probability):
                problems.append("out of range")
            elif not flag(churn, probability):
                problems.append("churn disagrees")
        return problems

    return problems_of


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


def _wait(
    *,
    pause: Callable[[float], float] = lambda interval: interval,
    look_first: bool = True,
    describe_first: bool = False,
    field: str = "ModelApprovalStatus",
) -> Callable[..., str | None]:
    """The reference wait_for_latest_status with one of its rules swapped for a wrong one."""

    def wait(sagemaker: Any, group: str, timeout: float = 10.0, interval: float = 0.2):
        if describe_first:  # crashes on a group that does not exist yet
            sagemaker.describe_model_package_group(ModelPackageGroupName=group)
        deadline = time.monotonic() + timeout
        while look_first or time.monotonic() < deadline:
            packages = sagemaker.list_model_packages(ModelPackageGroupName=group)[
                "ModelPackageSummaryList"
            ]
            if packages:
                return max(packages, key=lambda p: int(p["ModelPackageVersion"]))[field]
            if time.monotonic() >= deadline:
                return None
            if pause(interval):
                time.sleep(pause(interval))
        return None

    return wait


def _flow(
    *,
    data_bucket: Callable[[Mapping[str, str]], str] = lambda account: account["data_bucket"],
    stop_when_rejected: bool = True,
    keep: Callable[[Any], Any] = lambda outcome: outcome,
    image: Callable[[Mapping[str, str]], str] = lambda account: account["image_uri"],
    topic: Callable[[Mapping[str, str]], str] = lambda account: account["topic_arn"],
    dataset: Callable[[dict[str, Any], str, Any], str] = lambda response, key, result: response[
        "input"
    ],
) -> Callable[..., Any]:
    """The reference run_flow with one of its hand-offs swapped for a wrong one."""

    def flow(body: bytes, key: str, account: Mapping[str, str], workdir: Path) -> Any:
        s3, sagemaker, sns = boto3.client("s3"), boto3.client("sagemaker"), boto3.client("sns")
        bucket = data_bucket(account)
        etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
        response = handler(s3_put_event(bucket, key, len(body), etag), None)
        if stop_when_rejected and response["status"] != "started":
            return None
        result = run_training_job(sagemaker, s3, response["trainingJobName"], Path(workdir))
        outcome = release(
            sagemaker,
            sns,
            result,
            group=account["group"],
            image_uri=image(account),
            topic_arn=topic(account),
            dataset_uri=dataset(response, key, result),
        )
        return keep(outcome)

    return flow


def _returns_training_result(body: bytes, key: str, account: Mapping[str, str], workdir: Path):
    s3, sagemaker = boto3.client("s3"), boto3.client("sagemaker")
    etag = s3.put_object(Bucket=account["data_bucket"], Key=key, Body=body)["ETag"]
    response = handler(s3_put_event(account["data_bucket"], key, len(body), etag), None)
    return run_training_job(sagemaker, s3, response["trainingJobName"], Path(workdir))


def _blocked(
    *,
    versions: Callable[[Any, str, int], bool] | None = lambda sagemaker, group, before: (
        len(list_versions(sagemaker, group)) == before
    ),
    alerted: Callable[[Any, str], bool] | None = lambda sqs, queue_url: bool(
        _alerts(sqs, queue_url)
    ),
) -> Callable[..., None]:
    """The reference assert_blocked with one of its two assertions swapped or left out."""

    def blocked(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int) -> None:
        if versions is not None:
            assert versions(sagemaker, group, before)
        if alerted is not None:
            assert alerted(sqs, queue_url)

    return blocked


def _first_message_is_an_alert(sqs: Any, queue_url: str) -> bool:
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1).get("Messages", [])
    try:
        return bool(messages) and bool(parse_notification(messages[0]["Body"]))
    except ValueError:
        return False


def _returns_a_verdict(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int) -> bool:
    return len(list_versions(sagemaker, group)) == before and bool(_alerts(sqs, queue_url))


def _raises_runtime_error(sagemaker: Any, sqs: Any, group: str, queue_url: str, before: int):
    if len(list_versions(sagemaker, group)) != before or not _alerts(sqs, queue_url):
        raise RuntimeError("the bad model was not blocked")


def _approved_count(sagemaker: Any, group: str, before: int) -> bool:
    approved = [v for v in list_versions(sagemaker, group) if v.approval_status == "Approved"]
    return len(approved) == before


WAIT = "wait_for_latest_status"
MUTANTS = [
    Wrong("06.1", "validates the schema only", {"canary_problems": _schema_only}),
    Wrong("06.1", "returns a bool", {"canary_problems": lambda b, n: not canary_problems(b, n)}),
    Wrong("06.1", "counts a bool as a number", {"canary_problems": _no_bool_exclusion}),
    Wrong(
        "06.1",
        "accepts a churn flag of 1",
        {"canary_problems": _canary(flag=lambda churn, p: churn == (p >= 0.5))},
    ),
    Wrong(
        "06.1",
        "checks no keys",
        {"canary_problems": lambda b, n: [p for p in canary_problems(b, n) if "keys" not in p]},
    ),
    Wrong(
        "06.1",
        "accepts extra keys",
        {"canary_problems": _canary(keys=lambda got, want: got >= want)},
    ),
    Wrong("06.1", "excludes 0 and 1", {"canary_problems": _canary(in_range=lambda p: 0 < p < 1)}),
    Wrong(
        "06.1",
        "churn above 0.5, not from it",
        {"canary_problems": _canary(flag=lambda churn, p: churn is (p > 0.5))},
    ),
    Wrong(
        "06.1",
        "lets NaN through",
        {"canary_problems": _canary(in_range=lambda p: not (p < 0 or p > 1))},
    ),
    Wrong(
        "06.1",
        "accepts extra predictions",
        {"canary_problems": _canary(count=lambda got, want: got >= want)},
    ),
    Wrong("06.2", "looks once", {WAIT: _no_polling}),
    Wrong("06.2", "raises on timeout", {WAIT: _raises_on_timeout}),
    Wrong("06.2", "returns the oldest version", {WAIT: _first_listed_status}),
    Wrong("06.2", "never sleeps", {WAIT: _wait(pause=lambda interval: 0)}),
    Wrong("06.2", "sleeps a millisecond", {WAIT: _wait(pause=lambda interval: 0.001)}),
    Wrong("06.2", "checks the deadline before looking", {WAIT: _wait(look_first=False)}),
    Wrong("06.2", "describes the group first", {WAIT: _wait(describe_first=True)}),
    Wrong("06.2", "returns the package status", {WAIT: _wait(field="ModelPackageStatus")}),
    Wrong("06.3", "returns the training result", {"run_flow": _returns_training_result}),
    Wrong(
        "06.3",
        "hard-codes the data bucket",
        {"run_flow": _flow(data_bucket=lambda account: "churn-raw-data")},
    ),
    Wrong("06.3", "trains a rejected file", {"run_flow": _flow(stop_when_rejected=False)}),
    Wrong(
        "06.3",
        "registers the training image",
        {"run_flow": _flow(image=lambda account: os.environ["TRAINING_IMAGE_URI"])},
    ),
    Wrong(
        "06.3",
        "hard-codes the topic",
        {
            "run_flow": _flow(
                topic=lambda account: "arn:aws:sns:us-east-1:123456789012:churn-quality-gate"
            )
        },
    ),
    Wrong(
        "06.3",
        "names the key as the dataset",
        {"run_flow": _flow(dataset=lambda response, key, result: key)},
    ),
    Wrong(
        "06.3",
        "returns None when the gate fails",
        {"run_flow": _flow(keep=lambda outcome: outcome if outcome.registered else None)},
    ),
    Wrong("06.4", "checks the versions only", {"assert_blocked": _blocked(alerted=None)}),
    Wrong("06.4", "checks the alert only", {"assert_blocked": _blocked(versions=None)}),
    Wrong(
        "06.4",
        "counts any message as an alert",
        {
            "assert_blocked": _blocked(
                alerted=lambda sqs, queue_url: bool(_alerts(sqs, queue_url, any_message=True))
            )
        },
    ),
    Wrong(
        "06.4",
        "reads the first message only",
        {"assert_blocked": _blocked(alerted=_first_message_is_an_alert)},
    ),
    Wrong(
        "06.4", "counts approved versions", {"assert_blocked": _blocked(versions=_approved_count)}
    ),
    Wrong("06.4", "returns a verdict instead of raising", {"assert_blocked": _returns_a_verdict}),
    Wrong("06.4", "raises RuntimeError", {"assert_blocked": _raises_runtime_error}),
]

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("06", REFERENCE, MUTANTS)

_BY_MISTAKE = {m.mistake: m for m in MUTANTS}

# What the line of a wrong answer a public case catches says: (mistake, a text in the line).
SAYS_WHY: list[tuple[str, str]] = [
    ("validates the schema only", "2 records sent, 1 prediction back"),
    ("returns a bool", "expected a list"),
    ("looks once", "keep polling"),
    ("raises on timeout", "TimeoutError: no version of"),
    ("returns the training result", "expected the ReleaseOutcome"),
    ("hard-codes the data bucket", "NoSuchBucket"),
    ("registers the training image", "not the account's image_uri"),
    ("checks the versions only", "nothing registered, but no alert"),
    ("checks the alert only", "a second version was registered"),
    ("raises RuntimeError", "RuntimeError: the bad model was not blocked"),
]


@pytest.mark.parametrize(("mistake", "problem"), SAYS_WHY, ids=[m for m, _ in SAYS_WHY])
def test_wrong_answers_fail_with_the_case_that_shows_it(mistake: str, problem: str) -> None:
    wrong = _BY_MISTAKE[mistake]
    points = GOOD[wrong.checkpoint][2]
    passed, line = graded_once(wrong.checkpoint, {**REFERENCE, **wrong.objects})
    assert not passed
    assert line.startswith(f"Checkpoint {wrong.checkpoint} failed (0/{points} points): ")
    assert problem in line
    assert "Hint: " in line
    assert " at 0x" not in line


def test_an_untouched_stub_gets_no_hint() -> None:
    passed, line = evaluate("06.1", {"canary_problems": _stub})
    assert not passed
    assert "not written yet" in line
    assert "Hint: " not in line


# (mistake, the rule its graded line names, a piece of the hidden input it must not show)
HIDDEN_ONLY: list[tuple[str, str, str]] = [
    ("lets NaN through", "a NaN churnProbability is a problem (NaN is no probability)", "nan"),
    # "never sleeps" is not here: a busy loop starves moto's threads under load, so the
    # public timing case may catch it too. It is a mutant (MUTANTS), which must fail graded.
    (
        "names the key as the dataset",
        "a file whose model fails the quality gate returns release's outcome, registers "
        "nothing, and alerts the account's topic naming the uploaded file as the dataset",
        "relabelled",
    ),
    (
        "reads the first message only",
        "an alert behind another message in the queue counts: this passes",
        "model-approved",
    ),
]


@pytest.mark.parametrize(
    ("mistake", "rule", "hidden_input"), HIDDEN_ONLY, ids=[m for m, *_ in HIDDEN_ONLY]
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    mistake: str, rule: str, hidden_input: str
) -> None:
    wrong = _BY_MISTAKE[mistake]
    checkpoint_id, points = wrong.checkpoint, GOOD[wrong.checkpoint][2]
    namespace = {**REFERENCE, **wrong.objects}
    with public_checks("06"):
        public = evaluate(checkpoint_id, namespace)

    passed, line = graded_once(checkpoint_id, namespace)  # the mutant test's graded run

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


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


# --- the learner's copy ------------------------------------------------------------------


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("06")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case(" not in public
    assert "_BROKEN" not in public  # the hidden cases' data goes with them
    assert "import copy" not in public  # and so do the imports only they use
    compile(public, str(path), "exec")
