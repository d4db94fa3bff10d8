"""Checkpoints of exercise 05 (integration tests with moto): cases run on the learner's code.

Public cases (in the learner's copy): 05.1 uploads 200 rows to
incoming/customers.csv; 05.2 reads one alert in SNS's envelope and 3 with raw
delivery; 05.3 accepts a valid upload, and rejects a rejected upload and a job
SageMaker never started; 05.4 checks the policy for one repository, on paper and
under moto's IAM enforcement; 05.5 registers a first, a better and a worse
model. Every other case is hidden (between the hidden-case markers): it exists
only where the instructor grades, and a failure names its rule, not its input.
The hidden cases test each rule at its boundary: non-ASCII text, a queue that
answers in short batches, each way a training job can read other data than the
dataset, a repository whose name extends the given one, and an auc equal to the
approved one.

Hints state the rule a case checks, in words; the concept behind it comes after a
repeated failure (see :mod:`mlcicd.course.checkpoint`).

Every case builds its own AWS world inside ``moto.mock_aws`` (buckets,
topics, queues, roles, model package groups), so a case never depends on
what the notebook created, and no case sees another's resources.
"""

from __future__ import annotations

import functools
import json
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

from mlcicd.course.checkpoint import CheckFailed, case, check, expect
from mlcicd.course.checks.support import environ
from mlcicd.internals import iam_policy_permits

# BEGIN HIDDEN CASES
# isort: split
# Imports only the hidden cases use; the split keeps isort from merging them into the above.
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES
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
# What pulling an image from a private ECR repository needs: the registry's login token
# (no resource-level permissions, so on "*"), then the image manifest and its layers on the
# repository. The four actions the CDK's Repository.grantPull grants:
# https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_ecr-readme.html
TOKEN_ACTION = "ecr:GetAuthorizationToken"
REPOSITORY_ACTIONS = tuple(
    f"ecr:{name}"
    for name in ("BatchGetImage", "GetDownloadUrlForLayer", "BatchCheckLayerAvailability")
)
PULL_ACTIONS = (TOKEN_ACTION, *REPOSITORY_ACTIONS)
# BEGIN HIDDEN CASES
# Actions IAM knows that are no API operation in botocore's model, which a pull never needs.
IAM_ONLY_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:ReplicateImage")
# END HIDDEN CASES


_SESSION: list[boto3.Session] = []
#: Clients with the default (moto's fake) credentials, one per service. Creating a client
#: copies every event hook moto registered, the slowest step of a case; a client keeps no
#: state of moto's, so each fresh ``mock_aws()`` account serves the same client.
_CLIENTS: dict[str, Any] = {}


def _client(service: str, **credentials: str) -> Any:
    """A client of one shared session: botocore then reads each service's JSON model once.

    Created inside ``mock_aws()`` (whose fake credentials it keeps); with ``credentials``
    (a role's), a new client each time.
    """
    if not _SESSION:
        _SESSION.append(boto3.Session(region_name=REGION))
    if credentials:
        return _SESSION[0].client(service, region_name=REGION, **credentials)
    if service not in _CLIENTS:
        _CLIENTS[service] = _SESSION[0].client(service, region_name=REGION)
    return _CLIENTS[service]


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
    hint=(
        "The object must hold exactly the bytes churn.data.to_csv_bytes gives for the frame, "
        "under exactly the key you were given; the answer repeats what S3 stored: that key, "
        "the ETag S3 answered and the size in bytes (not rows, not characters)."
    ),
    concept="An integration test checks what the service stored, not what the code says it "
    "did: the ETag and the byte count are S3's facts about the object, and the handler "
    "downstream relies on them.",
    lesson="05#S3: the training CSV survives the round trip",
    defined_in="the cell under 'Exercise 1'",
)
def upload_stores_the_csv_and_reports_it(upload_training_csv: Callable[..., Any]) -> None:
    """The CSV lands in S3 byte for byte, and the returned key, ETag and size are S3's."""
    with case("uploading 200 rows to incoming/customers.csv"), mock_aws():
        _expect_upload(upload_training_csv, "incoming/customers.csv", _frame(200, 1))
    # BEGIN HIDDEN CASES
    with (
        hidden_case(
            "a key with a space is stored under exactly that key, byte for byte, and reported "
            "with S3's ETag and size"
        ),
        mock_aws(),
    ):
        _expect_upload(upload_training_csv, "raw/march 2024.csv", _frame(57, 2))
    with (
        hidden_case(
            "a frame with non-ASCII text is stored as UTF-8, and its size is counted in bytes"
        ),
        mock_aws(),
    ):
        frame = _frame(40, 3)
        frame["region"] = ["são-paulo", "zürich", "kraków", "north"] * 10
        _expect_upload(upload_training_csv, "incoming/customers.csv", frame)
    # END HIDDEN CASES


def _first_columns(header: str, count: int = 3) -> str:
    """The first ``count`` column names of a CSV header line, cut at a comma, never mid-name."""
    columns = header.split(",")
    return ",".join(columns[:count]) + (",..." if len(columns) > count else "")


def _expect_upload(upload_training_csv: Callable[..., Any], key: str, frame: Any) -> None:
    """Upload ``frame`` to ``key`` of a new bucket; fail unless S3 and the answer agree."""
    from churn.data import to_csv_bytes

    s3 = _client("s3")
    bucket = _bucket(s3, "course-check-data")
    result = upload_training_csv(s3, bucket, key, frame)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    expect(keys == [key], f"the bucket holds {keys}, expected exactly [{key!r}]")
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    header = body.split(b"\n", 1)[0].decode("utf-8", "replace")
    expect(
        not header.startswith(","),
        f"the CSV starts with an index column (header {_first_columns(header)!r}); the "
        "frame's index is not part of the data",
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
        f"returned size {result['size']!r}, but the object has {head['ContentLength']} bytes",
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
    hint=(
        "Return every alert, read with churn.notify.parse_notification, and delete each "
        "message once read. A receive may return fewer messages than are waiting: the queue "
        "is read out only when a receive returns none."
    ),
    concept="SQS hands out messages in batches of at most ten, may return fewer than are "
    "waiting, and delivers again every message nobody deleted: a reader stops only on an "
    "empty answer, and acknowledges each message by deleting it.",
    lesson="05#SNS → SQS: reading notifications back",
    defined_in="the cell under 'Exercise 2'",
)
def alerts_are_read_parsed_and_acknowledged(read_gate_alerts: Callable[..., Any]) -> None:
    """Every alert in the queue comes back parsed, with or without SNS's envelope, then deleted."""
    for description, count, raw in (
        ("one alert in the SNS envelope", 1, False),
        ("3 alerts with raw message delivery", 3, True),
    ):
        with case(description), mock_aws():
            _expect_alerts(read_gate_alerts, count, raw=raw)
    # BEGIN HIDDEN CASES
    for rule, count, batch in (
        ("an empty queue gives an empty list", 0, None),
        (
            "every alert is read, parsed and deleted when the queue holds more alerts than "
            "one receive_message call returns",
            12,
            None,
        ),
        (
            "every alert is read when receive_message returns fewer messages than asked for "
            "while more are waiting, as SQS may",
            12,
            3,
        ),
    ):
        with hidden_case(rule), mock_aws():
            _expect_alerts(
                read_gate_alerts,
                count,
                raw=False,
                reader=(lambda sqs: sqs) if batch is None else _ShortBatches.wrapping(batch),
            )
    # END HIDDEN CASES


def _expect_alerts(
    read_gate_alerts: Callable[..., Any],
    count: int,
    *,
    raw: bool,
    reader: Callable[[Any], Any] = lambda sqs: sqs,
) -> None:
    """Publish ``count`` gate alerts to a subscribed queue; fail unless all come back, then gone.

    ``reader`` wraps the SQS client the learner's function gets (the client itself by default).
    """
    from churn.notify import publish_gate_failure

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
    alerts = read_gate_alerts(reader(sqs), queue_url)
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
    expect(len(alerts) == count, f"returned {len(alerts)} alerts, expected {count}")
    expect(got == sorted(sent), f"returned the model versions {got}, expected {sent}")
    left = _left_in_queue(sqs, queue_url)
    expect(
        left == 0,
        f"{left} {'message is' if left == 1 else 'messages are'} still in the queue after "
        "reading; a message nobody deletes is delivered again",
    )


# BEGIN HIDDEN CASES
class _ShortBatches:
    """An SQS client whose receive_message returns at most ``size`` messages, as SQS may.

    SQS short polling samples a subset of its servers, so a receive can return fewer
    messages than asked for while more are waiting; moto always returns as many as it can.
    """

    def __init__(self, sqs: Any, size: int) -> None:
        self._sqs, self._size = sqs, size

    @classmethod
    def wrapping(cls, size: int) -> Callable[[Any], _ShortBatches]:
        """A function that wraps an SQS client in batches of at most ``size``."""
        return lambda sqs: cls(sqs, size)

    def receive_message(self, **kwargs: Any) -> Any:
        """Receive as asked, but never more than the batch size."""
        kwargs["MaxNumberOfMessages"] = min(int(kwargs.get("MaxNumberOfMessages", 1)), self._size)
        return self._sqs.receive_message(**kwargs)

    def __getattr__(self, name: str) -> Any:
        # Only for what the instance lacks. While unpickling (the grader sends the wrapper
        # into the learner's kernel) ``_sqs`` is not set yet and pickle asks for dunders:
        # forwarding those would recurse forever.
        if name.startswith("__") or name == "_sqs":
            raise AttributeError(name)
        return getattr(self._sqs, name)


# END HIDDEN CASES


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
    # Clients of the shared session, handed to the handler as its parameter.
    clients = module.Clients(s3=s3, sagemaker=_client("sagemaker"))
    with environ(_handler_settings(bucket)):
        event = module.s3_put_event(bucket, key, len(body), etag)
        return module.handler(event, None, clients=clients)


@check(
    "05.3",
    points=2,
    needs=("check_training_started",),
    hint=(
        "Pass only when SageMaker itself has the job the handler says it started, and that "
        "job's channel named train reads exactly the given dataset URI (not another object, "
        "bucket or prefix, wherever the channel sits); raise in every other case."
    ),
    concept="An integration test asserts on the state of the service after the call, not on "
    "what the code under test says it did: the hand-off that matters is which data the "
    "training job was given.",
    lesson="05#Lambda → SageMaker: the handler starts a training job",
    defined_in="the cell under 'Exercise 3'",
)
def the_assertion_trusts_sagemaker_not_the_response(
    check_training_started: Callable[..., Any],
) -> None:
    """The assertion passes on a real start and fails on each way the start can be wrong."""
    from churn.data import generate, to_csv_bytes

    with (
        case("a valid upload to incoming/customers.csv (the handler started the job)"),
        mock_aws(),
    ):
        _expect_accepted(check_training_started, "incoming/customers.csv")

    with case("the handler rejected an off-schema CSV (status 'rejected')"), mock_aws():
        s3 = _client("s3")
        bucket = _bucket(s3, "churn-data")
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
            "whether the job exists",
        )
    # BEGIN HIDDEN CASES
    with hidden_case("the assertion passes on a correct start from a key with a space"), mock_aws():
        _expect_accepted(check_training_started, "incoming/march 2024.csv")
    with (
        hidden_case("the assertion passes when the train channel is not the job's first channel"),
        mock_aws(),
    ):
        sagemaker = _client("sagemaker")
        _start_job(sagemaker, "churn-claimed0001", [("validation", _OTHER_OBJECT), ("train", uri)])
        check_training_started(dict(claimed), sagemaker, uri)
    for rule, channels, says in _WRONG_JOBS:
        with hidden_case(rule), mock_aws():
            sagemaker = _client("sagemaker")
            _start_job(sagemaker, "churn-claimed0001", channels)
            response = {**claimed, "input": says}
            _must_reject(check_training_started, response, sagemaker, uri, problem="it passed")
    # END HIDDEN CASES


def _expect_accepted(check_training_started: Callable[..., Any], key: str) -> None:
    """Let the handler start a job for a valid upload to ``key``; fail if the assertion fails."""
    from churn.data import to_csv_bytes

    s3 = _client("s3")
    bucket = _bucket(s3, "churn-data")
    response = _run_handler(s3, bucket, key, to_csv_bytes(_frame(200, 5)))
    try:
        check_training_started(response, _client("sagemaker"), f"s3://{bucket}/{key}")
    except AssertionError as error:
        # The learner's own message, shortened at a word boundary (never mid-word).
        said = textwrap.shorten(str(error), 120, placeholder=" ...")
        said = f" ({said})" if said else ""
        raise CheckFailed(f"your assertion failed on a correct start{said}") from None


# BEGIN HIDDEN CASES
#: The dataset of the hidden cases, and what a wrong job reads instead.
_DATASET = "s3://churn-data/incoming/customers.csv"
_OTHER_OBJECT = "s3://churn-data/incoming/old.csv"

#: (rule, the job's channels as (name, S3 URI), the input URI the response claims): jobs
#: the assertion must reject, each a way the dataset hand-off can go wrong.
_WRONG_JOBS: tuple[tuple[str, list[tuple[str, str]], str], ...] = (
    (
        "the assertion fails when the job's train channel reads another object",
        [("train", _OTHER_OBJECT)],
        _DATASET,
    ),
    (
        "the assertion fails when the job reads another object, even when the handler's "
        "response names that object too",
        [("train", _OTHER_OBJECT)],
        _OTHER_OBJECT,
    ),
    (
        "the assertion fails when the job reads an object of the same name in another bucket",
        [("train", "s3://churn-archive/incoming/customers.csv")],
        _DATASET,
    ),
    (
        "the assertion fails when the job reads the whole folder the dataset is in",
        [("train", "s3://churn-data/incoming/")],
        _DATASET,
    ),
    (
        "the assertion fails when the job has no channel named 'train'",
        [("validation", _DATASET)],
        _DATASET,
    ),
)


def _start_job(sagemaker: Any, name: str, channels: list[tuple[str, str]]) -> None:
    """Create training job ``name`` as the handler would, with the given channels instead."""
    import copy

    from churn.handler import HandlerConfig, training_job_request

    config = HandlerConfig.from_environ(_handler_settings("churn-data"))
    request = training_job_request(config, name, _DATASET)
    template = request["InputDataConfig"][0]
    request["InputDataConfig"] = []
    for channel, uri in channels:
        config_of_channel = copy.deepcopy(template)
        config_of_channel["ChannelName"] = channel
        config_of_channel["DataSource"]["S3DataSource"]["S3Uri"] = uri
        request["InputDataConfig"].append(config_of_channel)
    sagemaker.create_training_job(**request)


# END HIDDEN CASES


# 05.4 ----------------------------------------------------------------------


def _repository_arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:ecr:{REGION}:{account}:repository/{name}"


def _permits(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    return iam_policy_permits(policy, action, resource)


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
    hint=(
        "Allow what a docker pull needs and nothing else: the registry login token (it has no "
        "resource-level permissions) on every resource; reading the image, and checking and "
        "downloading its layers, only on the given repository. No wildcard actions."
    ),
    concept="Least privilege: a role gets exactly the calls its job makes, each on the "
    "narrowest resource IAM allows for it, and a test checks both directions: the needed "
    "calls are allowed and the others are denied.",
    lesson="05#IAM: allowed *and* denied",
    defined_in="the cell under 'Exercise 4'",
)
def the_pull_policy_allows_pulling_and_nothing_else(ecr_pull_policy: Callable[..., Any]) -> None:
    """The policy lets the CodeBuild role pull from its repository and do nothing else."""
    arn, other_arn = _repository_arn("churn-train"), _repository_arn("churn-serve")
    with case(f"the policy for {arn}"):
        policy = ecr_pull_policy(arn)
        _expect_pull_only_from(policy, arn, other_arn)
    with case(f"moto's IAM enforcement, a CodeBuild role with the policy for {arn}"), mock_aws():
        _expect_enforced(policy)
    # BEGIN HIDDEN CASES
    with hidden_case("the policy allows no action that pulling an image does not need"):
        _expect_nothing_else(policy, arn)
    arn = _repository_arn("team-a/churn-eval", "210987654321")
    others = (
        _repository_arn("team-a/churn-train", "210987654321"),
        _repository_arn("team-a/churn-eval-legacy", "210987654321"),
        _repository_arn("team-a/churn-eval"),
    )
    with (
        hidden_case(
            "the policy is scoped to the repository it is given, whatever its account and path, "
            "and to no other repository, not even one whose name extends it"
        ),
        mock_aws(),
    ):
        policy = ecr_pull_policy(arn)
        _expect_pull_only_from(policy, arn, *others)
        _expect_nothing_else(policy, arn)
        _expect_enforced(policy)
    # END HIDDEN CASES


def _expect_pull_only_from(policy: Any, arn: str, *other_arns: str) -> None:
    """Fail unless ``policy`` is an IAM document allowing the pull on ``arn`` only."""
    expect(isinstance(policy, Mapping), f"returned a {type(policy).__name__}, not a dict")
    expect(
        policy.get("Version") == "2012-10-17",
        f"Version is {policy.get('Version')!r}; IAM policies use '2012-10-17'",
    )
    expect("Statement" in policy, "the document has no 'Statement'")
    for action in REPOSITORY_ACTIONS:
        # Named without the service prefix: the full name is a line of the answer.
        name = action.removeprefix("ecr:")
        expect(
            _permits(policy, action, arn),
            f"the repository does not allow {name}, and a pull needs it",
        )
        for other_arn in other_arns:
            expect(
                not _permits(policy, action, other_arn),
                f"{name} is allowed on another repository too ({other_arn}); "
                "scope it to repository_arn",
            )


def _expect_enforced(policy: Mapping[str, Any]) -> None:
    """Fail unless a role with ``policy`` gets an ECR token under moto's IAM and nothing else."""
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


# BEGIN HIDDEN CASES
@functools.cache
def _ecr_actions() -> tuple[str, ...]:
    """Every ECR action: one per operation of botocore's ECR model, and the IAM-only ones."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecr")
    return tuple(sorted({f"ecr:{name}" for name in model.operation_names} | set(IAM_ONLY_ACTIONS)))


def _expect_nothing_else(policy: Mapping[str, Any], arn: str) -> None:
    """Fail when ``policy`` allows a call that pulling never needs, on the repository or any."""
    extra = [
        action
        for action in _ecr_actions()
        if action not in PULL_ACTIONS
        and (_permits(policy, action, arn) or _permits(policy, action, "*"))
    ]
    expect(not extra, f"it also allows {len(extra)} ECR actions that pulling never needs")
    expect(
        not _permits(policy, "s3:ListAllMyBuckets", "*"),
        "it allows s3:ListAllMyBuckets; allow ECR pull actions only",
    )


# END HIDDEN CASES


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
    hint=(
        "Create the group if needed. Approve a new version only when none is approved yet or "
        "its auc is strictly higher than the approved version's (not the newest one's); "
        "otherwise it waits for a person. Return the new version's number as an int."
    ),
    concept="A registry keeps every candidate but approves only improvements on the model "
    "that is deployed: comparing with the approved version, strictly, keeps an equal or "
    "worse model from replacing it without a person's decision.",
    lesson="05#The SageMaker Model Registry",
    defined_in="the cell under 'Exercise 5'",
)
def candidates_are_registered_and_approved_only_when_better(
    register_candidate: Callable[..., Any],
) -> None:
    """Versions are numbered, keep their artifact and metrics, and only a better one is approved."""
    runs = (
        # description, auc, the version it becomes (also the run), its status, the one to deploy
        (
            "registering the first model of a new group (auc 0.81) into 'churn-check-group'",
            0.81,
            1,
            "Approved",
            1,
        ),
        ("registering a better model (auc 0.86) into 'churn-check-group'", 0.86, 2, "Approved", 2),
        (
            "registering a worse model (auc 0.84) into 'churn-check-group'",
            0.84,
            3,
            "PendingManualApproval",
            2,
        ),
    )
    with mock_aws():
        sagemaker = _client("sagemaker")
        for description, auc, number, status, deployed in runs:
            with case(description):
                _expect_registered(register_candidate, sagemaker, number, auc, (number, status))
                _expect_deployed(sagemaker, deployed)
        # BEGIN HIDDEN CASES
        for rule, auc, number in (
            (
                "a model better than the newest version but not than the approved one is "
                "registered but not approved",
                0.85,
                4,
            ),
            ("a model only as good as the approved one is registered but not approved", 0.86, 5),
        ):
            with hidden_case(rule):
                _expect_registered(
                    register_candidate, sagemaker, number, auc, (number, "PendingManualApproval")
                )
                _expect_deployed(sagemaker, 2)
        # END HIDDEN CASES


def _expect_registered(
    register_candidate: Callable[..., Any],
    sagemaker: Any,
    run: int,
    auc: float,
    expected: tuple[int, str],
) -> None:
    """Register run ``run``; fail unless it became the (number, approval status) ``expected``."""
    from churn.registry import list_versions

    number, status = expected
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


def _expect_deployed(sagemaker: Any, deployed: int) -> None:
    """Fail unless the approved version to deploy is number ``deployed``."""
    from churn.registry import latest_approved

    best = latest_approved(sagemaker, "churn-check-group")
    expect(
        best is not None and best.version == deployed,
        f"the version to deploy is {best.version if best else None}, expected {deployed}",
    )
