"""The course's ML CI/CD stack as a CDK app: the pipeline of lesson 08, deployable.

:class:`MlCiCdStack` declares, in one CloudFormation stack:

* ``ArtifactBucket``: versioned, encrypted (SSE-S3), public access blocked,
  TLS only; the pipeline's artifact store and the trained models' home
  (``models/<version>/model.tar.gz``), kept when the stack is deleted.
* One CodeBuild project per gate (:data:`~mlcicd.iac.buildspecs.LAYERS`), each
  with its own role, running one folder of this repository's tests with a
  JUnit report group (:mod:`mlcicd.iac.buildspecs`). The Build project also
  trains the model, uploads it, and writes the endpoint's ``template.yaml``.
* ``Pipeline``: :func:`mlcicd.pipeline.ml_pipeline`'s seven stages (Source,
  Build, Test, Approval, DeployStaging, E2E, DeployProduction), written out
  by :func:`mlcicd.pipeline.cfn.pipeline_properties`: the declaration that
  ``mlcicd pipeline validate`` checks is the one CloudFormation creates. Its
  source is a CodeConnections connection (GitHub, GitLab, Bitbucket) by
  default, or a CodeCommit repository (``source="codecommit"``).
* ``FailureTopic``: SNS, told by an EventBridge rule when an execution fails
  and by the approval action when a release waits for a person.
* ``ModelPackageGroup``: the SageMaker model registry.
* ``EndpointRole``: the role SageMaker assumes to serve the model
  (``infra/endpoint.yaml``): read the models, pull the serving image, write logs.
* Least-privilege roles: every statement names its actions (never ``*``) and
  the resources of this stack.

Everything here is synthesized offline: no account, region or context lookup.
Values that only a real account has (the connection's ARN, the serving image)
are constructor arguments, which ``infra/app.py`` reads from CDK context
(``cdk deploy -c connection_arn=...``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from constructs import Construct

from mlcicd.exceptions import IacError
from mlcicd.iac.buildspecs import BUILD_PROJECT, LAYERS, layer_buildspec
from mlcicd.pipeline.actions import codecommit_source, connection_source
from mlcicd.pipeline.cfn import PIPELINE_TYPE, pipeline_properties
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import Action

__all__ = ["BUILD_PROJECT", "LAYERS", "MlCiCdStack", "layer_buildspec"]

#: The connection a synthesized template names when none is given: a placeholder in
#: the course's fake account. ``cdk deploy`` needs your own (``-c connection_arn=...``).
EXAMPLE_CONNECTION_ARN = (
    "arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
)
#: The repository the default source reads: ``owner/name`` on GitHub.
EXAMPLE_REPOSITORY = "example-org/mlcicd-course"
#: The sources the stack can read from.
SOURCES: tuple[str, ...] = ("connection", "codecommit")

_S3_READ = ("s3:GetObject", "s3:GetObjectVersion")
_CODEBUILD_RUN = ("codebuild:StartBuild", "codebuild:BatchGetBuilds")
_ECR_PULL = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability")
_LOGS_WRITE = ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents")
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


def _arn(stack: cdk.Stack, service: str, resource: str) -> str:
    return stack.format_arn(service=service, resource=resource)


class MlCiCdStack(cdk.Stack):
    """The ML CI/CD stack; its resources are attributes, for tests and for lessons.

    Args:
        scope: The app.
        construct_id: The stack's id, also its CloudFormation name.
        pipeline_name: The pipeline's name (and the CodeCommit repository's, with
            ``source="codecommit"``).
        project_prefix: Prefix of every named resource (projects, stacks, registry).
        source: ``"connection"`` (a CodeConnections connection, the default) or
            ``"codecommit"``.
        connection_arn: The connection's ARN; :data:`EXAMPLE_CONNECTION_ARN`, a
            placeholder that cannot deploy, when None.
        repository: ``owner/name`` of the repository the connection reads.
        branch: The branch the pipeline releases.
        serving_image: The serving image's URI; ``<prefix>-serve:latest`` in this
            account's ECR when None.
        **kwargs: Passed to :class:`aws_cdk.Stack` (``env``, ``synthesizer``, ...).

    Raises:
        IacError: ``source`` is not one of :data:`SOURCES`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        pipeline_name: str = "churn-ml",
        project_prefix: str = "churn",
        source: str = "connection",
        connection_arn: str | None = None,
        repository: str = EXAMPLE_REPOSITORY,
        branch: str = "main",
        serving_image: str | None = None,
        **kwargs: object,
    ) -> None:
        if source not in SOURCES:
            raise IacError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
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
        self.endpoint_role = self._endpoint_role(project_prefix)
        image = serving_image or cdk.Fn.sub(
            f"${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.${{AWS::URLSuffix}}/{project_prefix}-serve:latest"
        )
        self.projects = {
            suffix: self._project(f"{project_prefix}-{suffix}", suffix, image) for suffix in LAYERS
        }
        self.deploy_role = self._deploy_role(project_prefix)
        self.pipeline_role = iam.Role(
            self,
            "PipelineRole",
            assumed_by=iam.ServicePrincipal("codepipeline.amazonaws.com"),
            description=f"CodePipeline runs {pipeline_name} with this role.",
        )
        self.source_action = self._source(
            source, pipeline_name, connection_arn or EXAMPLE_CONNECTION_ARN, repository, branch
        )
        design = ml_pipeline(
            pipeline_name,
            role_arn=self.pipeline_role.role_arn,
            artifact_bucket=self.artifact_bucket.bucket_name,
            source=self.source_action,
            deploy_role_arn=self.deploy_role.role_arn,
            notification_arn=self.failure_topic.topic_arn,
            project_prefix=project_prefix,
            staging_stack=f"{project_prefix}-staging",
            production_stack=f"{project_prefix}-production",
        )
        self.pipeline = cdk.CfnResource(
            self, "Pipeline", type=PIPELINE_TYPE, properties=pipeline_properties(design)
        )
        self._allow_pipeline(project_prefix)
        # CodePipeline checks its role's permissions and its projects on create: they
        # must exist first (the role itself is already referenced by RoleArn).
        policy = self.pipeline_role.node.find_child("DefaultPolicy")
        self.pipeline.node.add_dependency(policy, *self.projects.values())
        self._notify_failures()

    @staticmethod
    def _source(kind: str, name: str, connection_arn: str, repository: str, branch: str) -> Action:
        if kind == "codecommit":
            return codecommit_source("Source", repository=name, branch=branch)
        return connection_source(
            "Source", connection_arn=connection_arn, repository_id=repository, branch=branch
        )

    def _project(self, name: str, suffix: str, image: str) -> codebuild.PipelineProject:
        layer = LAYERS[suffix]
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
        variables: dict[str, codebuild.BuildEnvironmentVariable] = {}
        if suffix == BUILD_PROJECT:
            # The Build stage writes its artifacts and uploads the model it trained.
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["s3:PutObject"],
                    resources=[self.artifact_bucket.arn_for_objects("*")],
                )
            )
            variables = {
                name: codebuild.BuildEnvironmentVariable(value=value)
                for name, value in (
                    ("MODEL_BUCKET", self.artifact_bucket.bucket_name),
                    ("SERVING_IMAGE", image),
                    ("ENDPOINT_ROLE_ARN", self.endpoint_role.role_arn),
                )
            }
        for statement in self._layer_statements(name, suffix):
            role.add_to_policy(statement)
        return codebuild.PipelineProject(
            self,
            f"{_pascal(suffix)}Project",
            project_name=name,
            description=f"Runs tests/{layer} and reports it as the '{layer}' group.",
            build_spec=codebuild.BuildSpec.from_object(layer_buildspec(suffix)),
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
            ),
            environment_variables=variables or None,
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
        # CreateModel passes the endpoint role to SageMaker, and only that role.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.endpoint_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )
        return role

    def _endpoint_role(self, prefix: str) -> iam.Role:
        """The role SageMaker serves the model with: models, the serving image, logs."""
        role = iam.Role(
            self,
            "EndpointRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"SageMaker serves the {prefix} endpoints with this role.",
        )
        statements = [
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.artifact_bucket.arn_for_objects("models/*")],
            ),
            iam.PolicyStatement(
                actions=list(_ECR_PULL),
                resources=[_arn(self, "ecr", f"repository/{prefix}-serve")],
            ),
            # GetAuthorizationToken names no resource: IAM accepts only "*" for it.
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            iam.PolicyStatement(
                actions=list(_LOGS_WRITE),
                resources=[
                    self.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"/aws/sagemaker/Endpoints/{prefix}-*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
        ]
        for statement in statements:
            role.add_to_policy(statement)
        return role

    def _source_statement(self) -> iam.PolicyStatement:
        """What the Source action needs: use the connection, or read the CodeCommit repository."""
        configuration = self.source_action.configuration
        if self.source_action.action_type_id.provider == "CodeCommit":
            repository = configuration["RepositoryName"]
            return iam.PolicyStatement(
                actions=list(_CODECOMMIT_SOURCE),
                resources=[_arn(self, "codecommit", repository)],
            )
        arn = configuration["ConnectionArn"]
        # The action's prefix must match the ARN's: connections made before the
        # rename to CodeConnections keep codestar-connections ARNs.
        service = arn.split(":")[2]
        return iam.PolicyStatement(actions=[f"{service}:UseConnection"], resources=[arn])

    def _allow_pipeline(self, prefix: str) -> None:
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
            self._source_statement(),
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
