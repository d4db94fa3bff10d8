"""The course's ML CI/CD stack as a CDK app: the pipeline of lesson 08, deployable.

:class:`MlCiCdStack` declares, in one CloudFormation stack:

* ``ArtifactBucket``: versioned, encrypted (SSE-S3), public access blocked,
  TLS only; the pipeline's artifact store, kept when the stack is deleted.
* One CodeBuild project per test layer (:data:`LAYERS`), each with its own
  role. The buildspec is :func:`mlcicd.buildspec.recipes.layered_buildspec`,
  the recipe ``mlcicd buildspec run`` runs on a laptop, so the cloud runs
  the same commands; it declares one JUnit report group per layer.
* ``Pipeline``: :func:`mlcicd.pipeline.ml_pipeline`'s seven stages (Source,
  Build, Test, Approval, DeployStaging, E2E, DeployProduction), written out
  by :func:`mlcicd.pipeline.cfn.pipeline_properties`: the declaration that
  ``mlcicd pipeline validate`` checks is the one CloudFormation creates.
* ``FailureTopic``: SNS, told by an EventBridge rule when an execution fails
  and by the approval action when a release waits for a person.
* ``ModelPackageGroup``: the SageMaker model registry the quality gate
  registers approved models in.
* Least-privilege roles: every statement names its actions (never ``*``) and
  the resources of this stack; a test project can read the artifact bucket and
  write its own logs and reports, and nothing else.

Everything here is synthesized offline: no account, region or context lookup.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from mlcicd.buildspec import to_dict
from mlcicd.buildspec.build import BuildspecBuilder
from mlcicd.buildspec.recipes import layered_buildspec
from mlcicd.pipeline.cfn import PIPELINE_TYPE, pipeline_properties
from mlcicd.pipeline.ml import ml_pipeline

#: CodeBuild project (``<prefix>-<suffix>``, as ``ml_pipeline`` names them) to
#: the test layer it runs: ``tests/<layer>``, reported as the ``<layer>`` group.
LAYERS: Mapping[str, str] = MappingProxyType(
    {
        "unit-tests": "unit",
        "integration-tests": "integration",
        "data-tests": "data",
        "quality-gate": "model",
        "e2e-tests": "e2e",
    }
)
#: The project whose build writes ``BuildOutput``: the model and its endpoint template.
BUILD_PROJECT = "unit-tests"
#: What the Build stage packages (``ml_pipeline`` deploys ``BuildOutput::template.yaml``).
BUILD_FILES: tuple[str, ...] = ("model.tar.gz", "template.yaml")
#: The Python version CodeBuild installs (``runtime-versions``).
PYTHON = "3.12"

_S3_READ = ("s3:GetObject", "s3:GetObjectVersion")
_CODEBUILD_RUN = ("codebuild:StartBuild", "codebuild:BatchGetBuilds")
_CODECOMMIT_SOURCE = (
    "codecommit:GetBranch",
    "codecommit:GetCommit",
    "codecommit:UploadArchive",
    "codecommit:GetUploadArchiveStatus",
    "codecommit:CancelUploadArchive",
)
_CLOUDFORMATION_DEPLOY = (
    "cloudformation:CreateStack",
    "cloudformation:UpdateStack",
    "cloudformation:DeleteStack",
    "cloudformation:DescribeStacks",
)
_SAGEMAKER_ENDPOINT = (
    "sagemaker:CreateModel",
    "sagemaker:DescribeModel",
    "sagemaker:DeleteModel",
    "sagemaker:CreateEndpointConfig",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DeleteEndpointConfig",
    "sagemaker:CreateEndpoint",
    "sagemaker:UpdateEndpoint",
    "sagemaker:DescribeEndpoint",
    "sagemaker:DeleteEndpoint",
    "sagemaker:AddTags",
)


def layer_buildspec(layer: str, *, package: bool = False) -> dict[str, object]:
    """The buildspec of one test layer, as the data CodeBuild reads.

    Args:
        layer: The folder under ``tests/`` and the report group's name.
        package: Also train the model and write :data:`BUILD_FILES` as the
            build's artifacts (the Build stage).

    Returns:
        The buildspec, from the same recipe the course runs locally.
    """
    spec = layered_buildspec((layer,), python=PYTHON)
    if package:
        spec = (
            BuildspecBuilder(spec)
            .post_build("python -m churn.train --out model.tar.gz")
            .artifacts(files=list(BUILD_FILES))
            .build_spec()
        )
    return to_dict(spec)


def _arn(stack: cdk.Stack, service: str, resource: str) -> str:
    return stack.format_arn(service=service, resource=resource)


class MlCiCdStack(cdk.Stack):
    """The ML CI/CD stack; its resources are attributes, for tests and for lessons.

    Args:
        scope: The app.
        construct_id: The stack's id, also its CloudFormation name.
        pipeline_name: The pipeline's name, also the CodeCommit repository's.
        project_prefix: Prefix of every named resource (projects, stacks, registry).
        **kwargs: Passed to :class:`aws_cdk.Stack` (``env``, ``synthesizer``, ...).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str = "churn-ml",
        project_prefix: str = "churn",
        **kwargs: object,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.artifact_bucket = s3.Bucket(
            self,
            "ArtifactBucket",
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # Artifacts are the audit trail of what was released: deleting the stack keeps them.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.failure_topic = sns.Topic(
            self, "FailureTopic", display_name=f"{pipeline_name} pipeline failures"
        )
        self.model_package_group = sagemaker.CfnModelPackageGroup(
            self,
            "ModelPackageGroup",
            model_package_group_name=f"{project_prefix}-models",
            model_package_group_description="Churn models that passed the quality gate.",
        )
        self.projects = {
            suffix: self._project(f"{project_prefix}-{suffix}", suffix, layer)
            for suffix, layer in LAYERS.items()
        }
        self.deploy_role = self._deploy_role(project_prefix)
        self.pipeline_role = iam.Role(
            self,
            "PipelineRole",
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
            description=f"CodePipeline runs {pipeline_name} with this role.",
        )
        design = ml_pipeline(
            pipeline_name,
            role_arn=self.pipeline_role.role_arn,
            artifact_bucket=self.artifact_bucket.bucket_name,
            deploy_role_arn=self.deploy_role.role_arn,
            notification_arn=self.failure_topic.topic_arn,
            project_prefix=project_prefix,
            staging_stack=f"{project_prefix}-staging",
            production_stack=f"{project_prefix}-production",
        )
        self.pipeline = cdk.CfnResource(
            self, "Pipeline", type=PIPELINE_TYPE, properties=pipeline_properties(design)
        )
        self._allow_pipeline(pipeline_name, project_prefix)
        # CodePipeline checks its role's permissions and its projects on create: they
        # must exist first (the role itself is already referenced by RoleArn).
        policy = self.pipeline_role.node.find_child("DefaultPolicy")
        self.pipeline.node.add_dependency(policy, *self.projects.values())
        self._notify_failures()

    def _project(self, name: str, suffix: str, layer: str) -> codebuild.PipelineProject:
        role = iam.Role(
            self,
            f"{_pascal(suffix)}Role",
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"CodeBuild runs {name} with this role.",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=list(_S3_READ), resources=[self.artifact_bucket.arn_for_objects("*")]
            )
        )
        if suffix == BUILD_PROJECT:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject"],
                    resources=[self.artifact_bucket.arn_for_objects("*")],
                )
            )
        for statement in self._layer_statements(name, suffix):
            role.add_to_policy(statement)
        return codebuild.PipelineProject(
            self,
            f"{_pascal(suffix)}Project",
            project_name=name,
            description=f"Runs tests/{layer} and reports it as the '{layer}' group.",
            build_spec=codebuild.BuildSpec.from_object(
                layer_buildspec(layer, package=suffix == BUILD_PROJECT)
            ),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            role=role,
            timeout=cdk.Duration.minutes(30),
        )

    def _layer_statements(self, name: str, suffix: str) -> list[iam.PolicyStatement]:
        """What a layer does besides reading artifacts: register a model, call staging."""
        prefix = name.removesuffix(f"-{suffix}")
        if suffix == "quality-gate":
            group = self.model_package_group.model_package_group_name
            return [
                iam.PolicyStatement(
                    actions=["sagemaker:CreateModelPackage"],
                    resources=[
                        _arn(self, "sagemaker", f"model-package-group/{group}"),
                        _arn(self, "sagemaker", f"model-package/{group}/*"),
                    ],
                )
            ]
        if suffix == "e2e-tests":
            return [
                iam.PolicyStatement(
                    actions=["sagemaker:InvokeEndpoint"],
                    resources=[_arn(self, "sagemaker", f"endpoint/{prefix}-staging*")],
                )
            ]
        return []

    def _deploy_role(self, prefix: str) -> iam.Role:
        """The role CloudFormation deploys the model endpoint's stack with."""
        role = iam.Role(
            self,
            "DeployRole",
            assumed_by=iam.ServicePrincipal("cloudformation.amazonaws.com"),
            description=f"CloudFormation deploys the {prefix} endpoint stacks with this role.",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=list(_SAGEMAKER_ENDPOINT),
                resources=[
                    _arn(self, "sagemaker", f"{kind}/{prefix}-*")
                    for kind in ("model", "endpoint-config", "endpoint")
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=list(_S3_READ), resources=[self.artifact_bucket.arn_for_objects("*")]
            )
        )
        return role

    def _allow_pipeline(self, pipeline_name: str, prefix: str) -> None:
        """The pipeline role: its artifacts, its projects, its stacks, its topic."""
        bucket = self.artifact_bucket
        statements = [
            iam.PolicyStatement(
                actions=[*_S3_READ, "s3:PutObject"], resources=[bucket.arn_for_objects("*")]
            ),
            iam.PolicyStatement(
                actions=["s3:GetBucketVersioning", "s3:GetBucketLocation"],
                resources=[bucket.bucket_arn],
            ),
            iam.PolicyStatement(
                actions=list(_CODEBUILD_RUN),
                resources=[project.project_arn for project in self.projects.values()],
            ),
            iam.PolicyStatement(
                actions=list(_CODECOMMIT_SOURCE),
                resources=[_arn(self, "codecommit", pipeline_name)],
            ),
            iam.PolicyStatement(
                actions=list(_CLOUDFORMATION_DEPLOY),
                resources=[
                    _arn(self, "cloudformation", f"stack/{prefix}-{stage}/*")
                    for stage in ("staging", "production")
                ],
            ),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.deploy_role.role_arn],
                conditions={
                    "StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}
                },
            ),
            iam.PolicyStatement(actions=["sns:Publish"], resources=[self.failure_topic.topic_arn]),
        ]
        for statement in statements:
            self.pipeline_role.add_to_policy(statement)

    def _notify_failures(self) -> None:
        """An EventBridge rule: a failed execution of this pipeline publishes to the topic."""
        rule = events.Rule(
            self,
            "PipelineFailedRule",
            description="Tells the failure topic when the pipeline fails.",
            event_pattern=events.EventPattern(
                source=["aws.codepipeline"],
                detail_type=["CodePipeline Pipeline Execution State Change"],
                detail={"pipeline": [self.pipeline.ref], "state": ["FAILED"]},
            ),
        )
        rule.add_target(targets.SnsTopic(self.failure_topic))


def _pascal(suffix: str) -> str:
    """``"unit-tests"`` -> ``"UnitTests"``: readable logical ids."""
    return "".join(part.capitalize() for part in suffix.split("-"))
