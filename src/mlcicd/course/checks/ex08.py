"""Checkpoints of exercise 08 (CodePipeline): hidden cases run against the learner's objects.

The cases validate the learner's pipelines with :func:`~mlcicd.pipeline.validate`
and run them with :func:`~mlcicd.pipeline.simulate` (scripted outcomes,
approvals and blue/green settings); nothing touches AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mlcicd.course.checkpoint import case, check, expect
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline import BlueGreen, Execution, Pipeline, Stage, simulate, validate
from mlcicd.pipeline import actions as act

ROLE = "arn:aws:iam::123456789012:role/churn-pipeline"
STORE = {"type": "S3", "location": "churn-pipeline-artifacts"}
NOT_RUN = "NotRun"


def _categories(stage: Stage) -> set[str]:
    return {action.action_type_id.category for action in stage.actions}


def _first_stage_with(pipeline: Pipeline, category: str) -> int | None:
    return next(
        (i for i, stage in enumerate(pipeline.stages) if category in _categories(stage)), None
    )


def _pipeline_of(value: Any, what: str) -> Pipeline:
    expect(isinstance(value, Pipeline), f"{what} returned {type(value).__name__}, not a Pipeline")
    return value


def _findings(pipeline: Pipeline) -> list[str]:
    return [finding.format() for finding in validate(pipeline)]


def _source() -> Stage:
    return Stage("Source", (act.codecommit_source("Source", repository="churn"),))


def _build() -> Stage:
    return Stage(
        "Build",
        (
            act.codebuild_action(
                "UnitTests",
                project="churn-unit-tests",
                inputs=("SourceOutput",),
                outputs=("BuildOutput",),
            ),
        ),
    )


def _test(*names: str) -> Stage:
    return Stage(
        "Test",
        tuple(
            act.codebuild_action(
                name, project=f"churn-{name.lower()}", inputs=("SourceOutput",), category="Test"
            )
            for name in names
        ),
    )


def _deploy(stage: str, stack: str) -> Stage:
    return Stage(
        stage,
        (
            act.cloudformation_deploy(
                stage,
                stack_name=stack,
                template_path="BuildOutput::template.yaml",
                role_arn=ROLE,
                inputs=("BuildOutput",),
            ),
        ),
    )


def four_stages() -> Pipeline:
    """Source, Build, Test, Deploy (to staging)."""
    stages = (_source(), _build(), _test("IntegrationTests"), _deploy("Deploy", "churn-staging"))
    return Pipeline("four", ROLE, stages, artifact_store=STORE)


def two_deploys() -> Pipeline:
    """Source, Build, Test (two parallel tests), DeployStaging, DeployProduction."""
    stages = (
        _source(),
        _build(),
        _test("IntegrationTests", "DataTests"),
        _deploy("DeployStaging", "churn-staging"),
        _deploy("DeployProduction", "churn-production"),
    )
    return Pipeline("two-deploys", ROLE, stages, artifact_store=STORE)


# ---- 08.1 ------------------------------------------------------------------


@check(
    "08.1",
    points=2,
    needs=("declare_pipeline",),
    hint=(
        "Four Stage(...)s in order: a codecommit_source, a codebuild_action writing "
        "BuildOutput, a codebuild_action with category='Test', a cloudformation_deploy; "
        "print(validate(declare_pipeline())) shows what is left to fix."
    ),
    defined_in="the cell under 'Exercise 1'",
)
def pipeline_declared(declare_pipeline: Callable[[], Any]) -> None:
    """The pipeline has Source, Build, Test and Deploy stages in order, and validates clean."""
    with case("declare_pipeline(), validated"):
        pipeline = _pipeline_of(declare_pipeline(), "declare_pipeline()")
        findings = _findings(pipeline)
        expect(not findings, f"{len(findings)} validation finding(s), first: {findings[:1]}")
    with case("declare_pipeline(), its stages"):
        kinds = [sorted(_categories(stage)) for stage in pipeline.stages]
        expect(len(pipeline.stages) == 4, f"{len(pipeline.stages)} stages, expected 4: {kinds}")
        wanted = [["Source"], ["Build"], ["Test"], ["Deploy"]]
        expect(
            kinds == wanted,
            f"the stages' action categories are {kinds}, expected {wanted}",
        )
        test = pipeline.stages[2].actions[0]
        expect(
            test.action_type_id.provider == "CodeBuild",
            f"the Test action runs {test.action_type_id.provider}, not CodeBuild",
        )
    with case("declare_pipeline(), simulated with every action succeeding"):
        execution = simulate(pipeline)
        expect(execution.succeeded, f"the execution ended {execution.status}")


# ---- 08.2 ------------------------------------------------------------------


@check(
    "08.2",
    points=2,
    needs=("with_approval",),
    hint=(
        "Find the index of the first stage with a Deploy action, insert "
        "Stage('Approval', (actions.manual_approval('ApproveRelease'),)) there, and return "
        "replace(pipeline, stages=tuple(stages))."
    ),
    defined_in="the cell under 'Exercise 2'",
)
def approval_before_deploy(with_approval: Callable[[Pipeline], Any]) -> None:
    """A manual approval stage sits right before the first deploy, and a rejection stops it."""
    for make, deploys in ((four_stages, ("Deploy",)), (two_deploys, ("DeployStaging",))):
        original = make()
        label = f"a pipeline with stages {[s.name for s in original.stages]}"
        with case(label):
            pipeline = _pipeline_of(with_approval(original), "with_approval(pipeline)")
            names = [stage.name for stage in pipeline.stages]
            kept = [name for name in names if name in {s.name for s in original.stages}]
            expect(
                len(names) == len(original.stages) + 1,
                f"{len(names)} stages {names}, expected the {len(original.stages)} given plus one",
            )
            expect(
                kept == [s.name for s in original.stages],
                f"the given stages are not all kept in order: {names}",
            )
            approval = _first_stage_with(pipeline, "Approval")
            deploy = _first_stage_with(pipeline, "Deploy")
            expect(approval is not None, f"no stage holds a manual approval: {names}")
            expect(
                deploy is not None and approval == deploy - 1,
                f"the approval is in stage {approval} of {names}; put it directly before "
                f"the first deploy stage {deploys[0]!r}",
            )
            findings = _findings(pipeline)
            expect(not findings, f"validation finding(s), first: {findings[:1]}")
        with case(f"{label}, simulated with the approval rejected"):
            execution = simulate(pipeline, approvals="reject")
            ran = [s.stage_name for s in execution.stages if s.status != NOT_RUN]
            expect(
                execution.stage(deploys[0]).status == NOT_RUN,
                f"{deploys[0]} ran although the approval was rejected (stages run: {ran})",
            )
        with case(f"{label}, simulated with the approval approved"):
            execution = simulate(pipeline, approvals="approve")
            expect(execution.succeeded, f"the execution ended {execution.status}")


# ---- 08.3 ------------------------------------------------------------------


@check(
    "08.3",
    points=2,
    needs=("run_with_failure", "stages_that_ran"),
    hint=(
        "run_with_failure: simulate(pipeline, outcomes={action: 'Failed'}, approvals='approve'); "
        "stages_that_ran: [s.stage_name for s in execution.stages if s.status != 'NotRun']."
    ),
    defined_in="the cell under 'Exercise 3'",
)
def failing_test_stops_deploy(
    run_with_failure: Callable[[Pipeline, str], Any],
    stages_that_ran: Callable[[Execution], Any],
) -> None:
    """A failed action stops every later stage, and the learner can list the stages that ran."""
    pipeline = two_deploys()
    all_names = [stage.name for stage in pipeline.stages]
    with case("stages_that_ran on an execution where everything succeeded"):
        got = stages_that_ran(simulate(pipeline))
        expect(
            list(got) == all_names if isinstance(got, list | tuple) else False,
            f"returned {got!r}, expected {all_names}",
        )
    with case("stages_that_ran on an execution whose DeployStaging failed"):
        got = stages_that_ran(simulate(pipeline, outcomes={"DeployStaging": "Failed"}))
        wanted = all_names[:4]
        expect(
            isinstance(got, list | tuple) and list(got) == wanted,
            f"returned {got!r}, expected {wanted}",
        )
    for action, wanted in (
        ("Test.DataTests", all_names[:3]),
        ("Build.UnitTests", all_names[:2]),
    ):
        with case(f"run_with_failure(pipeline, {action!r})"):
            execution = run_with_failure(pipeline, action)
            expect(
                isinstance(execution, Execution),
                f"returned {type(execution).__name__}, not the Execution simulate returns",
            )
            stage, name = action.split(".")
            status = execution.action(stage, name).status
            expect(status == "Failed", f"{action} ended {status}, not Failed")
            got = stages_that_ran(execution)
            expect(
                isinstance(got, list | tuple) and list(got) == wanted,
                f"stages_that_ran gave {got!r}, expected {wanted}",
            )
            expect(
                execution.stage("DeployStaging").status == NOT_RUN,
                "DeployStaging ran although a test failed before it",
            )
    with case("run_with_failure on a pipeline with a manual approval"):
        approved = Pipeline(
            "approved",
            ROLE,
            (
                *pipeline.stages[:3],
                Stage("Approval", (act.manual_approval("Review"),)),
                *pipeline.stages[3:],
            ),
            artifact_store=STORE,
        )
        execution = run_with_failure(approved, "DeployProduction.DeployProduction")
        expect(
            execution.stage("Approval").status == "Succeeded",
            "the approval was not approved; pass approvals='approve'",
        )


# ---- 08.4 ------------------------------------------------------------------


@check(
    "08.4",
    points=3,
    needs=("release_stage",),
    hint=(
        "Stage('Release', (deploy, e2e)): cloudformation_deploy('DeployGreen', ..., "
        "run_order=1) and codebuild_action('E2EOnGreen', ..., category='Test', run_order=2)."
    ),
    defined_in="the cell under 'Exercise 4'",
)
def blue_green_release(release_stage: Callable[[], Any]) -> None:
    """E2E tests run on green after the deploy, and traffic shifts only when they pass."""
    with case("release_stage()"):
        stage = release_stage()
        expect(isinstance(stage, Stage), f"returned {type(stage).__name__}, not a Stage")
        expect(stage.name == "Release", f"the stage is named {stage.name!r}, not 'Release'")
        by_name = {action.name: action for action in stage.actions}
        expect(
            {"DeployGreen", "E2EOnGreen"} <= set(by_name),
            f"the stage's actions are {sorted(by_name)}; it needs DeployGreen and E2EOnGreen",
        )
        deploy, e2e = by_name["DeployGreen"], by_name["E2EOnGreen"]
        expect(
            deploy.action_type_id.category == "Deploy",
            f"DeployGreen is a {deploy.action_type_id.category} action, not Deploy",
        )
        expect(
            e2e.action_type_id.category == "Test",
            f"E2EOnGreen is a {e2e.action_type_id.category} action; give it category='Test'",
        )
        expect(
            e2e.run_order > deploy.run_order,
            f"E2EOnGreen has run order {e2e.run_order} and DeployGreen {deploy.run_order}: "
            "the tests must run after green is deployed",
        )
    pipeline = Pipeline(
        "blue-green",
        ROLE,
        (_source(), _build(), _test("IntegrationTests"), stage),
        artifact_store=STORE,
    )
    with case("Source, Build, Test and your stage, validated"):
        errors = [f.format() for f in validate(pipeline) if f.severity == "error"]
        expect(not errors, f"validation error(s), first: {errors[:1]}")
    settings = {"Release": BlueGreen("E2EOnGreen")}
    with case("a release whose E2E tests on green fail"):
        try:
            execution = simulate(
                pipeline, outcomes={"Release.E2EOnGreen": "Failed"}, blue_green=settings
            )
        except PipelineError as error:
            expect(False, f"simulate refused the stage: {error}")
        release = execution.stage("Release")
        expect(
            release.traffic_shifted is False and release.rolled_back is True,
            f"traffic shifted: {release.traffic_shifted}, rolled back: {release.rolled_back}; "
            "expected blue to keep the traffic",
        )
    with case("a release whose DeployGreen fails"):
        execution = simulate(
            pipeline, outcomes={"Release.DeployGreen": "Failed"}, blue_green=settings
        )
        status = execution.action("Release", "E2EOnGreen").status
        expect(status == NOT_RUN, f"E2EOnGreen ran ({status}) although green was not deployed")
    with case("a release whose E2E tests on green pass"):
        execution = simulate(pipeline, blue_green=settings)
        release = execution.stage("Release")
        expect(
            execution.succeeded and release.traffic_shifted is True,
            f"the execution ended {execution.status}, traffic shifted: {release.traffic_shifted}",
        )
