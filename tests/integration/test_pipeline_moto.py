"""The declarations the builders write, sent to CodePipeline's API (moto).

``create_pipeline`` goes through botocore's request validation (required
members, types: every configuration value must be a string, ``runOrder`` an
integer) and moto's checks (the role exists and trusts
``codepipeline.amazonaws.com``, at least two stages). ``get_pipeline`` must
then give back the very stages that were sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import boto3
import pytest

from mlcicd.pipeline.actions import (
    cloudformation_deploy,
    codebuild_action,
    connection_source,
    lambda_invoke,
    manual_approval,
    s3_source,
)
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import Pipeline, Stage, to_dict

BUCKET = "churn-pipeline-artifacts"
TRUST_CODEPIPELINE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codepipeline.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture
def role_arn(aws: boto3.Session, region: str) -> str:
    """A pipeline service role and the artifact bucket, in moto."""
    s3 = aws.client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=BUCKET)
    else:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    role = aws.client("iam").create_role(
        RoleName="churn-pipeline", AssumeRolePolicyDocument=json.dumps(TRUST_CODEPIPELINE)
    )
    return role["Role"]["Arn"]


def _small(role_arn: str) -> Pipeline:
    """A pipeline using the builders ml_pipeline leaves out: S3 and connection sources, Lambda."""
    return Pipeline(
        name="small",
        role_arn=role_arn,
        artifact_store={"type": "S3", "location": BUCKET},
        stages=(
            Stage(
                "Source",
                (
                    s3_source("Data", bucket=BUCKET, key="data/train.zip", output="Data"),
                    connection_source(
                        "Code",
                        connection_arn="arn:aws:codeconnections:us-east-1:123456789012:connection/x",
                        repository_id="acme/churn",
                        output="Code",
                    ),
                ),
            ),
            Stage(
                "Train",
                (
                    codebuild_action(
                        "Train",
                        project="churn-train",
                        inputs=("Code", "Data"),
                        outputs=("Model",),
                        primary_source="Code",
                        environment_variables={"EPOCHS": "3"},
                        batch=True,
                    ),
                    lambda_invoke(
                        "Register",
                        function_name="register-model",
                        user_parameters={"stage": "dev"},
                        inputs=("Model",),
                        run_order=2,
                    ),
                    manual_approval("Approve", run_order=3),
                    cloudformation_deploy(
                        "Deploy",
                        stack_name="churn-dev",
                        template_path="Model::template.yaml",
                        role_arn=role_arn,
                        inputs=("Model",),
                        outputs=("DevOutputs",),
                        run_order=4,
                    ),
                ),
            ),
        ),
    )


def _ml(role_arn: str) -> Pipeline:
    return ml_pipeline(role_arn=role_arn, artifact_bucket=BUCKET)


@pytest.mark.parametrize("build", [_ml, _small], ids=["ml_pipeline", "small"])
def test_declaration_is_accepted_and_read_back(
    aws: boto3.Session, role_arn: str, build: Callable[[str], Pipeline]
) -> None:
    pipeline = build(role_arn)
    sent = to_dict(pipeline)
    client = aws.client("codepipeline")
    client.create_pipeline(pipeline=sent)
    got = client.get_pipeline(name=pipeline.name)["pipeline"]
    assert got["stages"] == sent["stages"]
    assert got["roleArn"] == role_arn
    assert got["artifactStore"] == {"type": "S3", "location": BUCKET}


def test_ml_pipeline_is_listed(aws: boto3.Session, role_arn: str) -> None:
    client = aws.client("codepipeline")
    client.create_pipeline(pipeline=to_dict(_ml(role_arn)))
    assert [p["name"] for p in client.list_pipelines()["pipelines"]] == ["churn-ml"]
