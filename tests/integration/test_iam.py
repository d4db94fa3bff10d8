"""IAM policies, tested: the CodeBuild role may pull from ECR, a role without the policy may not.

A ``docker pull`` from ECR needs three actions at least: ``ecr:GetAuthorizationToken``
(the registry login), ``ecr:BatchGetImage`` (the manifest) and
``ecr:GetDownloadUrlForLayer`` (each layer); the role also has
``ecr:BatchCheckLayerAvailability``, the fourth action the CDK's ``grantPull`` grants.
This is the ``SERVICE_ROLE`` case of a CodeBuild project's ``imagePullCredentialsType``,
where the service role pulls; with
``CODEBUILD``, the repository policy trusts ``codebuild.amazonaws.com`` instead.

By default moto allows every call. ``set_initial_no_auth_action_count(n)``
turns on its IAM simulation for one test: the first ``n`` calls go through
unchecked (they create the roles, policies and repository the test needs),
every later call must carry credentials moto knows and a policy that allows
the action.

Which credentials? A CodeBuild build runs with temporary credentials of its
service role, got through ``sts:AssumeRole``. moto checks those too (its
``AssumedRoleAccessKey``: the session's key, secret and token must match a
role assumed in moto, and the role's inline and attached policies decide), so
the test does what CodeBuild does: assume the role and use the credentials.
(IAM users with access keys and the same policy also work; they are a
stand-in, the assumed role is the real thing.) The ``AssumeRole`` call itself
is one of the unchecked calls: it plays CodeBuild, ``codebuild.amazonaws.com``
in the role's trust policy, which no test credentials could be.

The decorator puts moto's global setting and call counter back when the test
ends, also when it fails, so the tests after these run without IAM checks.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.core import set_initial_no_auth_action_count

REPOSITORY = "churn-train"
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
# What a build needs to pull the training image. Resource "*": moto checks ECR
# calls against "*" (it passes a real ARN only for S3, SQS, IAM roles and
# sts:AssumeRole), so a repository ARN here would deny.
PULL_IMAGES = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "ecr:GetAuthorizationToken",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
                "ecr:BatchCheckLayerAvailability",
            ],
            "Resource": "*",
        }
    ],
}
LAYER = "sha256:" + "b" * 64
# A role that may look at repositories, but not pull from them.
LIST_REPOSITORIES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ecr:DescribeRepositories", "Resource": "*"}],
}
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
)
# The calls build_role_session makes before IAM checks must start: keep in step.
SETUP_CALLS = 5


def build_role_session(aws: boto3.Session, policy: dict[str, Any]) -> boto3.Session:
    """Set up ECR and a CodeBuild role with ``policy``; return a session as that role.

    Makes exactly :data:`SETUP_CALLS` AWS calls. One more, and the first call
    of the test would go unchecked, so a denial test could pass on a policy
    that allows too much; one fewer, and the set-up itself is denied.
    """
    ecr, iam = aws.client("ecr"), aws.client("iam")
    ecr.create_repository(repositoryName=REPOSITORY)  # 1
    ecr.put_image(repositoryName=REPOSITORY, imageManifest=MANIFEST, imageTag="1.4.0")  # 2
    role = iam.create_role(  # 3
        RoleName="churn-codebuild", AssumeRolePolicyDocument=json.dumps(TRUST_CODEBUILD)
    )["Role"]
    iam.put_role_policy(  # 4
        RoleName="churn-codebuild", PolicyName="ecr", PolicyDocument=json.dumps(policy)
    )
    credentials = aws.client("sts").assume_role(  # 5
        RoleArn=role["Arn"], RoleSessionName="churn-build-42"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=aws.region_name,
    )


@set_initial_no_auth_action_count(SETUP_CALLS)
def test_the_codebuild_role_with_the_pull_policy_can_pull_the_image(aws: boto3.Session) -> None:
    ecr = build_role_session(aws, PULL_IMAGES).client("ecr")

    token = ecr.get_authorization_token()["authorizationData"][0]
    images = ecr.batch_get_image(repositoryName=REPOSITORY, imageIds=[{"imageTag": "1.4.0"}])

    assert token["authorizationToken"]
    assert [image["imageId"]["imageTag"] for image in images["images"]] == ["1.4.0"]
    # moto serves no layers: it checks IAM first, then says the call is not
    # implemented. Getting that far is the proof the role may download layers;
    # a role without the action gets a 403 ClientError instead (next test).
    with pytest.raises(NotImplementedError):
        ecr.get_download_url_for_layer(repositoryName=REPOSITORY, layerDigest=LAYER)


@set_initial_no_auth_action_count(SETUP_CALLS)
def test_a_role_without_the_pull_policy_is_denied(aws: boto3.Session) -> None:
    ecr = build_role_session(aws, LIST_REPOSITORIES).client("ecr")
    # The policy it has works: the denial below is about the missing one.
    assert ecr.describe_repositories()["repositories"][0]["repositoryName"] == REPOSITORY

    with pytest.raises(ClientError) as denied:
        ecr.get_authorization_token()

    # A moto quirk: it writes IAM denials as an XML error body for every
    # service, but ECR speaks JSON, so botocore cannot read the error code and
    # falls back to the HTTP status, "403". Real ECR answers with the code
    # "AccessDeniedException". The XML, with "AccessDenied", the role session
    # and the action, ends up in the message.
    error = denied.value.response["Error"]
    assert error["Code"] == "403"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "AccessDenied" in error["Message"]
    assert "assumed-role/churn-codebuild/churn-build-42" in error["Message"]
    assert "ecr:GetAuthorizationToken" in error["Message"]
    with pytest.raises(ClientError) as no_layers:
        ecr.get_download_url_for_layer(repositoryName=REPOSITORY, layerDigest=LAYER)
    assert no_layers.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_iam_checks_end_with_the_decorated_tests(aws: boto3.Session) -> None:
    # Runs after the two tests above (pytest keeps file order): had they left
    # moto's IAM simulation on, the test credentials, unknown to moto's IAM,
    # would be refused here.
    assert aws.client("ecr").describe_repositories()["repositories"] == []
