"""Checkpoints of exercise 05 (integration tests with moto): hidden cases, the learner's code.

Every case builds its own AWS world inside ``moto.mock_aws`` (buckets,
topics, queues, roles, model package groups), so a case never depends on
what the notebook created, and no case sees another's resources.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication
from moto.iam.access_control import IAMPolicy, PermissionResult

from mlcicd.course.checkpoint import CheckFailed, case, check, expect
from mlcicd.course.checks.support import environ

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/churn-training"
IMAGE_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-train:1.4.0"
SERVE_IMAGE_URI = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/churn-serve:1.4.0"
OUTPUT_URI = "s3://churn-models/training"
TRUST_CODEBUILD = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codebuild.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
# The three calls `docker pull` makes against ECR.
PULL_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
# Calls a build that only pulls never needs: pushing, deleting, reading policies.
NOT_NEEDED = (
    "ecr:PutImage",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:BatchDeleteImage",
    "ecr:DeleteRepository",
    "ecr:SetRepositoryPolicy",
    "ecr:GetRepositoryPolicy",
)


_SESSION: list[boto3.Session] = []


def _client(service: str, **credentials: str) -> Any:
    """A client of one shared session: botocore then reads each service's JSON model once."""
    if not _SESSION:
        _SESSION.append(boto3.Session(region_name=REGION))
    return _SESSION[0].client(service, region_name=REGION, **credentials)


def _bucket(s3: Any, name: str) -> str:
    s3.create_bucket(Bucket=name)
    return name


def _frame(rows: int, seed: int) -> Any:
    from churn.data import generate

    return generate(rows, seed=seed)


def _must_reject(function: Callable[..., Any], *args: Any, problem: str) -> None:
    """Fail the case with ``problem`` unless ``function(*args)`` raises."""
    try:
        function(*args)
    except NotImplementedError:
        raise
    except Exception:  # any exception fails a pytest test, which is what is wanted
        return
    raise CheckFailed(problem)


# 05.1 ----------------------------------------------------------------------


@check(
    "05.1",
    points=1,
    needs=("upload_training_csv",),
    hint="Serialize with churn.data.to_csv_bytes(frame), call s3.put_object(Bucket=..., "
    "Key=..., Body=...), and return the key, the ETag put_object answered and len(body).",
    defined_in="the cell under 'Exercise 1'",
)
def upload_stores_the_csv_and_reports_it(upload_training_csv: Callable[..., Any]) -> None:
    """The CSV lands in S3 byte for byte, and the returned key, ETag and size are S3's."""
    from churn.data import to_csv_bytes

    for description, key, rows, seed in (
        ("200 rows to incoming/customers.csv", "incoming/customers.csv", 200, 1),
        ("57 rows to a key with a space, raw/march 2024.csv", "raw/march 2024.csv", 57, 2),
    ):
        with case(f"uploading {description}"), mock_aws():
            s3 = _client("s3")
            bucket = _bucket(s3, "course-check-data")
            frame = _frame(rows, seed)
            result = upload_training_csv(s3, bucket, key, frame)
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
            expect(keys == [key], f"the bucket holds {keys}, expected exactly [{key!r}]")
            body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            header = body.split(b"\n", 1)[0].decode("utf-8", "replace")
            expect(
                not header.startswith(","),
                f"the CSV starts with an index column (header {header[:40]!r}); "
                "write it without the index (index=False, or churn.data.to_csv_bytes)",
            )
            expect(
                body == to_csv_bytes(frame),
                f"the stored object ({len(body)} bytes) is not the frame's CSV as "
                f"churn.data.to_csv_bytes writes it ({len(to_csv_bytes(frame))} bytes)",
            )
            expect(isinstance(result, Mapping), f"returned a {type(result).__name__}, not a dict")
            missing = [name for name in ("key", "etag", "size") if name not in result]
            expect(not missing, f"the returned dict lacks {missing}")
            head = s3.head_object(Bucket=bucket, Key=key)
            expect(result["key"] == key, f"returned key {result['key']!r}, expected {key!r}")
            expect(
                str(result["etag"]).strip('"') == head["ETag"].strip('"'),
                f"returned etag {result['etag']!r}, but S3 says {head['ETag']!r}",
            )
            expect(
                result["size"] == head["ContentLength"],
                f"returned size {result['size']!r}, but the object has {head['ContentLength']} "
                "bytes",
            )


# 05.2 ----------------------------------------------------------------------


def _verdict(auc: float) -> dict[str, Any]:
    return {
        "passed": False,
        "checks": [
            {
                "metric": "auc",
                "kind": "min",
                "value": auc,
                "threshold": 0.75,
                "passed": False,
                "message": f"auc {auc} is below the minimum 0.75",
            }
        ],
    }


def _subscribed_queue(*, raw: bool) -> tuple[Any, str, str]:
    """Create a topic and a queue subscribed to it; return (SNS client, topic ARN, queue URL)."""
    sns, sqs = _client("sns"), _client("sqs")
    topic_arn = sns.create_topic(Name="churn-quality-gate")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="churn-gate-alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true" if raw else "false"},
    )
    return sns, topic_arn, queue_url


def _left_in_queue(sqs: Any, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@check(
    "05.2",
    points=2,
    needs=("read_gate_alerts",),
    hint="Call sqs.receive_message(QueueUrl=..., MaxNumberOfMessages=10) in a loop until it "
    "returns no Messages; parse each Body with churn.notify.parse_notification and delete "
    "each message with its ReceiptHandle.",
    defined_in="the cell under 'Exercise 2'",
)
def alerts_are_read_parsed_and_acknowledged(read_gate_alerts: Callable[..., Any]) -> None:
    """Every alert in the queue comes back parsed, with or without SNS's envelope, then deleted."""
    from churn.notify import publish_gate_failure

    for description, count, raw in (
        ("an empty queue", 0, False),
        ("one alert in the SNS envelope", 1, False),
        ("3 alerts with raw message delivery", 3, True),
        ("12 alerts (more than one receive_message call returns)", 12, False),
    ):
        with case(description), mock_aws():
            sns, topic_arn, queue_url = _subscribed_queue(raw=raw)
            sent = [f"churn-classifier/{n}" for n in range(1, count + 1)]
            for n, version in enumerate(sent):
                publish_gate_failure(
                    sns,
                    topic_arn,
                    verdict=_verdict(0.6 + n / 100),
                    model_version=version,
                    dataset_uri="s3://churn-data/incoming/customers.csv",
                )
            sqs = _client("sqs")
            alerts = read_gate_alerts(sqs, queue_url)
            expect(isinstance(alerts, list), f"returned a {type(alerts).__name__}, not a list")
            expect(
                all(isinstance(a, Mapping) for a in alerts),
                "the list should hold the parsed messages (dicts from parse_notification), "
                f"not {sorted({type(a).__name__ for a in alerts})}",
            )
            expect(
                all("event" in a for a in alerts),
                "an item has no 'event' field: return the message parse_notification gives, "
                "not the raw SQS message or the SNS envelope",
            )
            got = sorted(str(a.get("modelVersion")) for a in alerts)
            expect(
                len(alerts) == count,
                f"returned {len(alerts)} alerts, expected {count}",
            )
            expect(got == sorted(sent), f"returned the model versions {got}, expected {sent}")
            left = _left_in_queue(sqs, queue_url)
            expect(
                left == 0,
                f"{left} messages are still in the queue after reading; delete each one "
                "(delete_message with its ReceiptHandle) so it is not delivered again",
            )


# 05.3 ----------------------------------------------------------------------


def _handler_settings(bucket: str) -> dict[str, str]:
    return {
        "DATA_BUCKET": bucket,
        "TRAINING_ROLE_ARN": ROLE_ARN,
        "TRAINING_IMAGE_URI": IMAGE_URI,
        "OUTPUT_S3_URI": OUTPUT_URI,
    }


def _run_handler(s3: Any, bucket: str, key: str, body: bytes) -> dict[str, Any]:
    from churn import handler as module

    etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]
    original = module._clients
    # The handler's documented seam: hand it clients of the shared session.
    module._clients = lambda: module.Clients(s3=s3, sagemaker=_client("sagemaker"))
    try:
        with environ(_handler_settings(bucket)):
            return module.handler(module.s3_put_event(bucket, key, len(body), etag), None)
    finally:
        module._clients = original


def _start_job(sagemaker: Any, name: str, channel: str, uri: str) -> None:
    from churn.handler import HandlerConfig, training_job_request

    config = HandlerConfig.from_environ(_handler_settings("churn-data"))
    request = training_job_request(config, name, uri)
    request["InputDataConfig"][0]["ChannelName"] = channel
    sagemaker.create_training_job(**request)


@check(
    "05.3",
    points=2,
    needs=("check_training_started",),
    hint="Assert the response's status is 'started', then ask SageMaker itself: "
    "describe_training_job(TrainingJobName=response['trainingJobName']), find the channel "
    "named 'train' and assert its DataSource.S3DataSource.S3Uri equals dataset_uri.",
    defined_in="the cell under 'Exercise 3'",
)
def the_assertion_trusts_sagemaker_not_the_response(
    check_training_started: Callable[..., Any],
) -> None:
    """The assertion passes on a real start and fails on each way the start can be wrong."""
    from churn.data import to_csv_bytes

    good = to_csv_bytes(_frame(200, 5))
    for description, key in (
        ("a valid upload to incoming/customers.csv", "incoming/customers.csv"),
        (
            "a valid upload to a key with a space, incoming/march 2024.csv",
            "incoming/march 2024.csv",
        ),
    ):
        with case(f"{description} (the handler started the job)"), mock_aws():
            s3 = _client("s3")
            bucket = _bucket(s3, "churn-data")
            response = _run_handler(s3, bucket, key, good)
            try:
                check_training_started(response, _client("sagemaker"), f"s3://{bucket}/{key}")
            except AssertionError as error:
                raise CheckFailed(
                    f"your assertion failed on a correct start ({str(error)[:120]})"
                ) from None

    with case("the handler rejected an off-schema CSV (status 'rejected')"), mock_aws():
        s3 = _client("s3")
        bucket = _bucket(s3, "churn-data")
        from churn.data import generate

        drifted = to_csv_bytes(generate(200, seed=5, schema_drift=True))
        response = _run_handler(s3, bucket, "incoming/drifted.csv", drifted)
        _must_reject(
            check_training_started,
            response,
            _client("sagemaker"),
            "s3://churn-data/incoming/drifted.csv",
            problem="your check passed, but the handler answered 'rejected' and started no job",
        )

    uri = "s3://churn-data/incoming/customers.csv"
    claimed = {"status": "started", "trainingJobName": "churn-claimed0001", "input": uri}
    with case("the response names a job SageMaker never started"), mock_aws():
        _must_reject(
            check_training_started,
            dict(claimed),
            _client("sagemaker"),
            uri,
            problem="your check passed on the handler's word alone; ask SageMaker "
            "(describe_training_job) whether the job exists",
        )
    with case("SageMaker's job reads another object than the response claims"), mock_aws():
        sagemaker = _client("sagemaker")
        _start_job(sagemaker, "churn-claimed0001", "train", "s3://churn-data/incoming/old.csv")
        _must_reject(
            check_training_started,
            dict(claimed),
            sagemaker,
            uri,
            problem="your check passed, but the job's train channel reads "
            "s3://churn-data/incoming/old.csv; compare the channel's S3Uri, not response['input']",
        )
    with case("the job reads the right object, but in a channel named 'validation'"), mock_aws():
        sagemaker = _client("sagemaker")
        _start_job(sagemaker, "churn-claimed0001", "validation", uri)
        _must_reject(
            check_training_started,
            dict(claimed),
            sagemaker,
            uri,
            problem="your check passed, but the job has no 'train' channel (the training "
            "container reads only 'train'); check the ChannelName too",
        )


# 05.4 ----------------------------------------------------------------------


def _repository_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:ecr:{REGION}:{account}:repository/{name}"


def _permits(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    result = IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)
    return result == PermissionResult.PERMITTED


def _role_credentials(policy: Mapping[str, Any]) -> dict[str, str]:
    """Create a CodeBuild role with ``policy`` (IAM checks off); return credentials as that role."""
    iam = _client("iam")
    role = iam.create_role(
        RoleName="churn-codebuild", AssumeRolePolicyDocument=json.dumps(TRUST_CODEBUILD)
    )["Role"]
    iam.put_role_policy(
        RoleName="churn-codebuild", PolicyName="ecr-pull", PolicyDocument=json.dumps(policy)
    )
    credentials = _client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="churn-build-7")[
        "Credentials"
    ]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def _denied(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403
    return False


@check(
    "05.4",
    points=3,
    needs=("ecr_pull_policy",),
    hint="Two Allow statements: ecr:GetAuthorizationToken on Resource '*' (it has no "
    "resource-level permissions), and ecr:BatchGetImage plus ecr:GetDownloadUrlForLayer on "
    "Resource repository_arn. No wildcards in the actions.",
    defined_in="the cell under 'Exercise 4'",
)
def the_pull_policy_allows_pulling_and_nothing_else(ecr_pull_policy: Callable[..., Any]) -> None:
    """The policy lets the CodeBuild role pull from its repository and do nothing else."""
    repositories = (
        ("churn-train", ACCOUNT, "churn-serve"),
        ("team-a/churn-eval", "210987654321", "team-a/churn-train"),
    )
    for name, account, other in repositories:
        arn, other_arn = _repository_arn(name, account), _repository_arn(other, account)
        with case(f"the policy for {arn}"):
            policy = ecr_pull_policy(arn)
            expect(isinstance(policy, Mapping), f"returned a {type(policy).__name__}, not a dict")
            expect(
                policy.get("Version") == "2012-10-17",
                f"Version is {policy.get('Version')!r}; IAM policies use '2012-10-17'",
            )
            expect("Statement" in policy, "the document has no 'Statement'")
            for action in PULL_ACTIONS[1:]:
                expect(
                    _permits(policy, action, arn),
                    f"{action} on the repository is not allowed; a pull needs it",
                )
                expect(
                    not _permits(policy, action, other_arn),
                    f"{action} is allowed on another repository too ({other_arn}); "
                    "scope it to repository_arn",
                )
            extra = [a for a in NOT_NEEDED if _permits(policy, a, arn)]
            expect(not extra, f"it also allows {extra}, which pulling never needs")
            expect(
                not _permits(policy, "s3:ListAllMyBuckets", "*"),
                "it allows s3:ListAllMyBuckets; allow ECR pull actions only",
            )
        with (
            case(f"moto's IAM enforcement, a CodeBuild role with the policy for {arn}"),
            mock_aws(),
        ):
            role = _role_credentials(policy)
            ecr, s3 = _client("ecr", **role), _client("s3", **role)
            with enable_iam_authentication():
                try:
                    token = ecr.get_authorization_token()["authorizationData"]
                except ClientError as error:
                    raise CheckFailed(
                        "ecr:GetAuthorizationToken was denied "
                        f"({error.response['Error']['Code']}); it works on Resource '*' only, "
                        "because the token is for the whole registry"
                    ) from None
                expect(token, "GetAuthorizationToken returned no authorization data")
                push = functools.partial(ecr.create_repository, repositoryName="churn-push")
                for label, call in (
                    ("ecr:CreateRepository", push),
                    ("s3:ListAllMyBuckets", s3.list_buckets),
                ):
                    expect(_denied(call), f"moto allowed {label}; the role must not have it")


# 05.5 ----------------------------------------------------------------------


def _register_args(run: int, auc: float) -> dict[str, Any]:
    return {
        "model_data_url": f"s3://churn-models/training/run-{run}/output/model.tar.gz",
        "image_uri": SERVE_IMAGE_URI,
        "metrics": {"auc": auc, "recall": 0.7},
    }


@check(
    "05.5",
    points=2,
    needs=("register_candidate",),
    hint="Call churn.registry.ensure_model_package_group first; find the approved version with "
    "latest_approved; register with approval_status 'Approved' when there is none or the new "
    "auc is higher, else 'PendingManualApproval'; return the new version's number.",
    defined_in="the cell under 'Exercise 5'",
)
def candidates_are_registered_and_approved_only_when_better(
    register_candidate: Callable[..., Any],
) -> None:
    """Versions are numbered, keep their artifact and metrics, and only a better one is approved."""
    from churn.registry import latest_approved, list_versions

    runs = (
        ("the first model of a new group (auc 0.81)", 0.81, 1, "Approved", 1),
        ("a better model (auc 0.86)", 0.86, 2, "Approved", 2),
        ("a worse model (auc 0.84)", 0.84, 3, "PendingManualApproval", 2),
        ("an equally good model (auc 0.86)", 0.86, 4, "PendingManualApproval", 2),
    )
    with mock_aws():
        sagemaker = _client("sagemaker")
        for run, (description, auc, number, status, deployed) in enumerate(runs, start=1):
            with case(f"registering {description} into 'churn-check-group'"):
                got = register_candidate(sagemaker, "churn-check-group", **_register_args(run, auc))
                expect(
                    got == number and not isinstance(got, bool),
                    f"returned {got!r}, expected the new version's number {number}",
                )
                versions = list_versions(sagemaker, "churn-check-group")
                expect(len(versions) == number, f"the group holds {len(versions)} versions")
                new = versions[-1]
                expect(
                    new.approval_status == status,
                    f"version {number} is {new.approval_status!r}, expected {status!r}",
                )
                expect(
                    new.model_data_url == _register_args(run, auc)["model_data_url"],
                    f"version {number} points at {new.model_data_url!r}",
                )
                expect(
                    dict(new.metrics) == {"auc": auc, "recall": 0.7},
                    f"version {number} records the metrics {dict(new.metrics)}",
                )
                best = latest_approved(sagemaker, "churn-check-group")
                expect(
                    best is not None and best.version == deployed,
                    f"the version to deploy is {best.version if best else None}, "
                    f"expected {deployed}",
                )
