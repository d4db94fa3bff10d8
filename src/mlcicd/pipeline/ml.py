"""The course's ML delivery pipeline: every deployment gated by tests.

:func:`ml_pipeline` declares seven stages, each a gate the next depends on::

    Source -> Build -> Test -> Approval -> DeployStaging -> E2E -> DeployProduction

* ``Build`` runs the unit tests and packages the model and its template
  (artifact ``BuildOutput``).
* ``Test`` runs three independent CodeBuild test actions in parallel (same
  ``runOrder``): integration tests, data tests and the model quality gate.
* ``Approval`` waits for a person who has read the quality report.
* ``DeployStaging`` deploys the staging stack with CloudFormation; its outputs
  are published in the namespace ``Staging``.
* ``E2E`` tests the new (green) staging endpoint, whose name it reads from
  ``#{Staging.EndpointName}``.
* ``DeployProduction`` deploys the same template to production.

Every input artifact is produced by an earlier action, so the declaration is
accepted by ``create-pipeline`` as is.

The source is a GitHub repository read through an AWS CodeConnections
connection (provider ``CodeStarSourceConnection``, configuration
``ConnectionArn``, ``FullRepositoryId``, ``BranchName``), which is what most
teams use. A connection is created once per account and authorised in the
console, so its ARN cannot be guessed: the default,
:data:`EXAMPLE_CONNECTION_ARN`, is a placeholder in the course's fake account
that declarations, validation, simulation and moto accept, and that a real
deployment replaces. A CodeCommit repository, or any other source action, is
passed as ``source``.
"""

from __future__ import annotations

from dataclasses import replace

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.actions import (
    cloudformation_deploy,
    codebuild_action,
    connection_source,
    manual_approval,
)
from mlcicd.pipeline.model import Action, Pipeline, Stage

#: Artifact the Build stage writes: the packaged model and ``template.yaml``.
BUILD_OUTPUT = "BuildOutput"
#: Variable namespace of the staging deployment (its stack outputs).
STAGING_NAMESPACE = "Staging"
#: The connection the default source reads through: a placeholder in the course's
#: fake account (123456789012). Pass your own connection's ARN to deploy.
EXAMPLE_CONNECTION_ARN = (
    "arn:aws:codeconnections:us-east-1:123456789012:connection/00000000-0000-0000-0000-000000000000"
)
#: The GitHub owner of the default repository, ``<owner>/<pipeline name>``.
EXAMPLE_OWNER = "example-org"


def ml_pipeline(
    name: str = "churn-ml",
    *,
    role_arn: str,
    artifact_bucket: str,
    source: Action | None = None,
    connection_arn: str = EXAMPLE_CONNECTION_ARN,
    repository_id: str | None = None,
    branch: str = "main",
    deploy_role_arn: str | None = None,
    notification_arn: str | None = None,
    project_prefix: str = "churn",
    template_file: str = "template.yaml",
    staging_stack: str = "churn-staging",
    production_stack: str = "churn-production",
) -> Pipeline:
    """Declare the ML pipeline.

    Args:
        name: The pipeline's name.
        role_arn: The service role CodePipeline assumes.
        artifact_bucket: The S3 bucket of the artifact store.
        source: The source action. When None, a CodeConnections source
            (``CodeStarSourceConnection``) reads ``repository_id`` on ``branch``
            through ``connection_arn``. Pass
            ``codecommit_source("Source", repository=...)`` for a CodeCommit
            repository. It must write exactly one artifact.
        connection_arn: ``ConnectionArn`` of the default source; the
            placeholder :data:`EXAMPLE_CONNECTION_ARN` unless given.
        repository_id: ``FullRepositoryId`` (``owner/repository``) of the
            default source; ``example-org/<name>`` when None.
        branch: ``BranchName`` of the default source.
        deploy_role_arn: The role CloudFormation uses to deploy; ``role_arn``
            when None (a separate, narrower role is better in a real account).
        notification_arn: SNS topic told when approval is awaited.
        project_prefix: CodeBuild projects are ``<prefix>-unit-tests``,
            ``-integration-tests``, ``-data-tests``, ``-quality-gate``, ``-e2e-tests``.
        template_file: The CloudFormation template's path inside ``BuildOutput``.
        staging_stack: Stack name of the staging deployment.
        production_stack: Stack name of the production deployment.

    Returns:
        The pipeline (type V2).

    Raises:
        PipelineError: An argument is not valid, or ``source`` is not a
            source action with one output.
    """
    if source is None:
        source = connection_source(
            "Source",
            connection_arn=connection_arn,
            repository_id=repository_id or f"{EXAMPLE_OWNER}/{name}",
            branch=branch,
        )
    if source.action_type_id.category != "Source" or len(source.output_artifacts) != 1:
        raise PipelineError(
            f"source must be a Source action with one output artifact, got {source.name!r}"
        )
    code = source.output_artifacts[0]
    deploy_role = deploy_role_arn or role_arn
    template = f"{BUILD_OUTPUT}::{template_file}"

    def project(suffix: str) -> str:
        return f"{project_prefix}-{suffix}"

    stages = (
        Stage("Source", (source,)),
        Stage(
            "Build",
            (
                codebuild_action(
                    "UnitTests",
                    project=project("unit-tests"),
                    inputs=(code,),
                    outputs=(BUILD_OUTPUT,),
                ),
            ),
        ),
        # The three checks only read artifacts, so they share run order 1 and run together.
        Stage(
            "Test",
            (
                codebuild_action(
                    "IntegrationTests",
                    project=project("integration-tests"),
                    inputs=(code,),
                    category="Test",
                ),
                codebuild_action(
                    "DataTests", project=project("data-tests"), inputs=(code,), category="Test"
                ),
                codebuild_action(
                    "ModelQualityGate",
                    project=project("quality-gate"),
                    inputs=(code, BUILD_OUTPUT),
                    primary_source=code,
                    category="Test",
                ),
            ),
        ),
        Stage(
            "Approval",
            (
                manual_approval(
                    "ApproveRelease",
                    notification_arn=notification_arn,
                    custom_data="Read the model quality report, then approve the staging release.",
                ),
            ),
        ),
        Stage(
            "DeployStaging",
            (
                replace(
                    cloudformation_deploy(
                        "DeployStaging",
                        stack_name=staging_stack,
                        template_path=template,
                        role_arn=deploy_role,
                        parameter_overrides={"Stage": "staging"},
                        inputs=(BUILD_OUTPUT,),
                    ),
                    # The stack's outputs become #{Staging.<Output>} for the E2E stage.
                    namespace=STAGING_NAMESPACE,
                ),
            ),
        ),
        Stage(
            "E2E",
            (
                codebuild_action(
                    "EndToEndTests",
                    project=project("e2e-tests"),
                    inputs=(code,),
                    category="Test",
                    environment_variables={
                        "TARGET_STAGE": "staging",
                        "ENDPOINT_NAME": f"#{{{STAGING_NAMESPACE}.EndpointName}}",
                    },
                ),
            ),
        ),
        Stage(
            "DeployProduction",
            (
                cloudformation_deploy(
                    "DeployProduction",
                    stack_name=production_stack,
                    template_path=template,
                    role_arn=deploy_role,
                    parameter_overrides={"Stage": "production"},
                    inputs=(BUILD_OUTPUT,),
                ),
            ),
        ),
    )
    return Pipeline(
        name=name,
        role_arn=role_arn,
        stages=stages,
        artifact_store={"type": "S3", "location": artifact_bucket},
        pipeline_type="V2",
    )
