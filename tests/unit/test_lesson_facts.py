"""The facts about moto that lessons 05 and 06 state, held to the moto this course installs.

A moto upgrade that changes one of them fails here, naming the lesson to correct.
Each test starts an empty moto account; IAM enforcement is on only inside
``enable_iam_authentication()``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def role_session(aws: boto3.Session, name: str, statement: dict[str, Any]) -> boto3.Session:
    """A session with the credentials of a new role allowed ``statement`` only."""
    iam = aws.client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT}}
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    policy = {"Version": "2012-10-17", "Statement": [statement | {"Effect": "Allow"}]}
    iam.put_role_policy(RoleName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
    credentials = aws.client("sts").assume_role(RoleArn=arn, RoleSessionName=f"{name}-s")
    return boto3.Session(
        aws_access_key_id=credentials["Credentials"]["AccessKeyId"],
        aws_secret_access_key=credentials["Credentials"]["SecretAccessKey"],
        aws_session_token=credentials["Credentials"]["SessionToken"],
        region_name=REGION,
    )


def status(call: Any) -> int:
    """The HTTP status a call gets: 200, or the error's (403 when IAM denies it)."""
    try:
        call()
    except ClientError as error:
        return int(error.response["ResponseMetadata"]["HTTPStatusCode"])
    return 200


def test_lesson_05_moto_checks_ecr_against_star_so_a_repository_arn_denies(
    aws: boto3.Session,
) -> None:
    aws.client("ecr").create_repository(repositoryName="churn-train")
    arn = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/churn-train"
    clients = [
        role_session(
            aws, name, {"Action": "ecr:DescribeRepositories", "Resource": resource}
        ).client("ecr")
        for name, resource in (("scoped", arn), ("star", "*"))
    ]
    with enable_iam_authentication():
        answers = [status(client.describe_repositories) for client in clients]
    assert answers == [403, 200]  # the same action: only the resource differs


def test_lesson_05_moto_checks_sqs_against_the_queue_arn(aws: boto3.Session) -> None:
    sqs = aws.client("sqs")
    urls = [sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("alerts", "other")]
    arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:alerts"
    client = role_session(aws, "sender", {"Action": "sqs:SendMessage", "Resource": arn})
    client = client.client("sqs")
    with enable_iam_authentication():
        sent = [status(lambda u=u: client.send_message(QueueUrl=u, MessageBody="x")) for u in urls]
    assert sent == [200, 403]


def test_lesson_05_moto_does_not_check_iam_pass_role(aws: boto3.Session) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
    passed = aws.client("iam").create_role(
        RoleName="churn-handler", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("h.py", "def handler(event, context):\n    return None\n")
    deployer = role_session(aws, "deployer", {"Action": "lambda:CreateFunction", "Resource": "*"})
    with enable_iam_authentication():
        created = deployer.client("lambda").create_function(
            FunctionName="churn-handler",
            Runtime="python3.11",
            Role=passed,
            Handler="h.handler",
            Code={"ZipFile": package.getvalue()},
        )
    # In AWS this needs iam:PassRole on the role too; moto checks only the action called.
    assert created["Role"] == passed


def test_lesson_05_06_moto_s3_delivers_object_created_events_to_a_queue(
    aws: boto3.Session,
) -> None:
    s3, sqs = aws.client("s3"), aws.client("sqs")
    s3.create_bucket(Bucket="churn-data")
    url = sqs.create_queue(QueueName="replay")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    s3.put_bucket_notification_configuration(
        Bucket="churn-data",
        NotificationConfiguration={
            "QueueConfigurations": [
                {"QueueArn": arn["QueueArn"], "Events": ["s3:ObjectCreated:*"]},
            ]
        },
    )
    s3.put_object(Bucket="churn-data", Key="replay/a.csv", Body=b"a,b\n")
    bodies = [
        json.loads(m["Body"])
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert [b.get("Event") or b["Records"][0]["eventName"] for b in bodies] == [
        "s3:TestEvent",
        "ObjectCreated:Put",
    ]
    assert bodies[1]["Records"][0]["s3"]["object"]["size"] == 4


def test_lesson_05_a_single_part_unencrypted_put_has_the_md5_as_etag(aws: boto3.Session) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="churn-data")
    body = b"customer_id,tenure\n1,3\n"
    etag = s3.put_object(Bucket="churn-data", Key="a.csv", Body=body)["ETag"]
    assert etag == f'"{hashlib.md5(body).hexdigest()}"'
