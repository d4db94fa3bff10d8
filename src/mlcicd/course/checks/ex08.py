"""Checkpoints of exercise 08 (CodePipeline): public and hidden cases on the learner's objects.

The cases validate the learner's pipelines with :func:`~mlcicd.pipeline.validate`
and run them with :func:`~mlcicd.pipeline.simulate` (scripted outcomes,
approvals and blue/green settings); nothing touches AWS.

Public cases (they run in the learner's notebook, and the learner's copy of the
course holds only them) use :func:`course_pipeline`, the toolkit's
``ml_pipeline``, which is the answer to no exercise here:

* 08.1: ``declare_pipeline()`` validates clean, and its four stages hold Source,
  Build, Test and Deploy actions, in that order. The source may be a
  CodeConnections connection (the course's default) or a CodeCommit repository.
* 08.2: ``with_approval`` on the course pipeline without its approval stage puts
  the approval directly before ``DeployStaging``, and a rejection stops it.
* 08.3: ``stages_that_ran`` on a green execution, and ``run_with_failure`` with
  a failing ``Test.DataTests``.
* 08.4: ``release_stage()`` has the right actions and run orders, and traffic
  shifts to green when its E2E tests pass.

The other cases are hidden: they exist only where the instructor grades, and a
failing one names the rule it checks, not its pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mlcicd.course.checkpoint import CheckFailed, case, check, expect
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline import BlueGreen, Execution, Pipeline, Stage, ml_pipeline, simulate, validate

# BEGIN HIDDEN CASES
# isort: split
from mlcicd.course.checkpoint import hidden_case
from mlcicd.pipeline import actions as act

# END HIDDEN CASES

ROLE = "arn:aws:iam::123456789012:role/churn-pipeline"
STORE = {"type": "S3", "location": "churn-pipeline-artifacts"}
NOT_RUN = "NotRun"

#: The source providers Exercise 1 accepts: a CodeConnections connection (GitHub and the
#: like; the API still calls it CodeStarSourceConnection) or a CodeCommit repository.
SOURCE_PROVIDERS = frozenset({"CodeStarSourceConnection", "CodeCommit"})


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


def course_pipeline() -> Pipeline:
    """The toolkit's ML pipeline with this exercise's role and artifact bucket.

    Source, Build, Test (three test actions), Approval, DeployStaging, E2E,
    DeployProduction.
    """
    return ml_pipeline(role_arn=ROLE, artifact_bucket=STORE["location"])


def without_approval(pipeline: Pipeline) -> Pipeline:
    """``pipeline`` without its manual approval stages."""
    kept = tuple(stage for stage in pipeline.stages if "Approval" not in _categories(stage))
    return replace(pipeline, stages=kept)


# BEGIN HIDDEN CASES
# The hidden pipelines: shaped like the answer of Exercise 1, so they stay out of the release.


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


def named_otherwise() -> Pipeline:
    """Source, Build, DeployChecks (tests only), Staging (the first deploy), Production."""
    checks = replace(_test("DeployChecks"), name="DeployChecks")
    stages = (
        _source(),
        _build(),
        checks,
        _deploy("Staging", "churn-staging"),
        _deploy("Production", "churn-production"),
    )
    return Pipeline("named-otherwise", ROLE, stages, artifact_store=STORE)


# END HIDDEN CASES


# ---- 08.1 ------------------------------------------------------------------


@check(
    "08.1",
    points=2,
    needs=("declare_pipeline",),
    hint=(
        "Four stages in the order the instructions list, one action each: a source from a "
        "repository, a build in CodeBuild that writes the artifact the deploy reads, tests "
        "in CodeBuild in the Test category, and a CloudFormation deploy of the template the "
        "build wrote; validate reports nothing for a pipeline that is right."
    ),
    concept=(
        "A pipeline is a chain of hand-offs: each stage reads what an earlier stage wrote, "
        "and the deploy comes last, after a Test stage, so nothing untested reaches an "
        "environment. The action category is what tells CodePipeline (and validate) which "
        "action is a gate."
    ),
    lesson="08#The stages of an ML pipeline",
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
    # BEGIN HIDDEN CASES
    with hidden_case("the source is a CodeConnections connection or a CodeCommit repository"):
        providers = {action.action_type_id.provider for action in pipeline.stages[0].actions}
        expect(providers <= SOURCE_PROVIDERS, f"the Source stage uses {providers}")
    with hidden_case("the deploy reads its template from the artifact the Build stage writes"):
        written = {
            name for action in pipeline.stages[1].actions for name in action.output_artifacts
        }
        for action in pipeline.stages[3].actions:
            artifact = action.configuration.get("TemplatePath", "").partition("::")[0]
            expect(artifact in written, f"the template comes from {artifact!r}")
    with hidden_case("the Test stage's action runs in CodeBuild"):
        providers = {action.action_type_id.provider for action in pipeline.stages[2].actions}
        expect(providers == {"CodeBuild"}, f"the Test stage runs {providers}")
    with hidden_case("the pipeline succeeds when every action succeeds"):
        expect(simulate(pipeline).succeeded, "the execution did not succeed")
    # END HIDDEN CASES


# ---- 08.2 ------------------------------------------------------------------


def _approval_inserted(
    with_approval: Callable[[Pipeline], Any], original: Pipeline, first_deploy: str
) -> Pipeline:
    """Call ``with_approval(original)``; fail unless one approval sits right before the deploy."""
    pipeline = _pipeline_of(with_approval(original), "with_approval(pipeline)")
    given = [stage.name for stage in original.stages]
    names = [stage.name for stage in pipeline.stages]
    kept = [name for name in names if name in set(given)]
    expect(
        len(names) == len(given) + 1,
        f"{len(names)} stages {names}, expected the {len(given)} given plus one",
    )
    expect(kept == given, f"the given stages are not all kept in order: {names}")
    approval = _first_stage_with(pipeline, "Approval")
    deploy = _first_stage_with(pipeline, "Deploy")
    expect(approval is not None, f"no stage holds a manual approval: {names}")
    expect(
        deploy is not None and approval == deploy - 1,
        # Named, not numbered: an index from 0 reads as one stage off to most learners.
        f"the approval is in stage {names[approval]!r} of {names}; put it directly "
        f"before the first deploy stage {first_deploy!r}",
    )
    findings = _findings(pipeline)
    expect(not findings, f"validation finding(s), first: {findings[:1]}")
    return pipeline


def _rejection_stops(pipeline: Pipeline, first_deploy: str) -> None:
    """Fail unless a rejected approval leaves ``first_deploy`` unrun."""
    execution = simulate(pipeline, approvals="reject")
    ran = [s.stage_name for s in execution.stages if s.status != NOT_RUN]
    expect(
        execution.stage(first_deploy).status == NOT_RUN,
        f"{first_deploy} ran although the approval was rejected (stages run: {ran})",
    )


@check(
    "08.2",
    points=2,
    needs=("with_approval",),
    hint=(
        "The approval is a stage of its own, directly before the first stage that holds a "
        "Deploy action (whatever the stages are called), and every given stage stays, in "
        "order; return a new pipeline rather than changing the one you were given."
    ),
    concept=(
        "A manual approval gates what comes after it: placed right before the first deploy, "
        "it stops every environment until a person says yes, and costs nothing to the "
        "stages that only build and test. The category of an action, not a stage's name, "
        "says what the stage does."
    ),
    lesson="08#Manual approval",
    defined_in="the cell under 'Exercise 2'",
)
def approval_before_deploy(with_approval: Callable[[Pipeline], Any]) -> None:
    """A manual approval stage sits right before the first deploy, and a rejection stops it."""
    original = without_approval(course_pipeline())
    label = f"a pipeline with stages {[s.name for s in original.stages]}"
    with case(label):
        pipeline = _approval_inserted(with_approval, original, "DeployStaging")
    with case(f"{label}, simulated with the approval rejected"):
        _rejection_stops(pipeline, "DeployStaging")
    # BEGIN HIDDEN CASES
    with hidden_case("with the approval approved, every stage runs and the pipeline succeeds"):
        expect(simulate(pipeline, approvals="approve").succeeded, "the execution failed")
    for make, first_deploy in (
        (four_stages, "Deploy"),
        (two_deploys, "DeployStaging"),
        (named_otherwise, "Staging"),
    ):
        with hidden_case(
            "exactly one approval stage goes directly before the first deploy stage, every "
            "given stage stays in order, and the result validates clean"
        ):
            pipeline = _approval_inserted(with_approval, make(), first_deploy)
        with hidden_case("a rejected approval stops the first deploy stage"):
            _rejection_stops(pipeline, first_deploy)
        with hidden_case("with the approval approved, every stage runs and the pipeline succeeds"):
            expect(simulate(pipeline, approvals="approve").succeeded, "the execution failed")
    # END HIDDEN CASES


# ---- 08.3 ------------------------------------------------------------------


def _ran_before_failure(
    run_with_failure: Callable[[Pipeline, str], Any],
    stages_that_ran: Callable[[Execution], Any],
    pipeline: Pipeline,
    action: str,
) -> None:
    """Fail unless ``action`` failed, the stages up to it ran, and nothing later ran."""
    names = [stage.name for stage in pipeline.stages]
    stage, name = action.split(".")
    wanted = names[: names.index(stage) + 1]
    execution = run_with_failure(pipeline, action)
    expect(
        isinstance(execution, Execution),
        f"returned {type(execution).__name__}, not the Execution simulate returns",
    )
    status = execution.action(stage, name).status
    expect(status == "Failed", f"{action} ended {status}, not Failed")
    got = stages_that_ran(execution)
    expect(
        isinstance(got, list | tuple) and list(got) == wanted,
        f"stages_that_ran gave {got!r}, expected {wanted}",
    )
    later = [s.stage_name for s in execution.stages[len(wanted) :] if s.status != NOT_RUN]
    expect(not later, f"{later[0] if later else ''} ran although {action} failed before it")


@check(
    "08.3",
    points=2,
    needs=("run_with_failure", "stages_that_ran"),
    hint=(
        "run_with_failure: simulate lets you choose each action's outcome and each "
        "approval's answer, and only the action you are given may fail; stages_that_ran: "
        "every stage whose status shows it ran, the failed one included, by name, in "
        "pipeline order."
    ),
    concept=(
        "When an action fails, its stage fails and CodePipeline starts no later stage in that "
        "execution: the stages that ran are exactly those up to the failure. That is what "
        "makes a Test stage a gate in front of a deploy."
    ),
    lesson="08#A failed test stops the pipeline",
    defined_in="the cell under 'Exercise 3'",
)
def failing_test_stops_deploy(
    run_with_failure: Callable[[Pipeline, str], Any],
    stages_that_ran: Callable[[Execution], Any],
) -> None:
    """A failed action stops every later stage, and the learner can list the stages that ran."""
    pipeline = course_pipeline()
    all_names = [stage.name for stage in pipeline.stages]
    with case("stages_that_ran on an execution where everything succeeded"):
        got = stages_that_ran(simulate(pipeline))
        expect(
            isinstance(got, list | tuple) and list(got) == all_names,
            f"returned {got!r}, expected {all_names}",
        )
    with case("run_with_failure(pipeline, 'Test.DataTests')"):
        _ran_before_failure(run_with_failure, stages_that_ran, pipeline, "Test.DataTests")
    # BEGIN HIDDEN CASES
    pipeline = two_deploys()
    with hidden_case("stages_that_ran lists the stage that failed, and no stage after it"):
        got = stages_that_ran(simulate(pipeline, outcomes={"DeployStaging": "Failed"}))
        expect(list(got) == [stage.name for stage in pipeline.stages][:4], f"returned {got!r}")
    for action in ("Test.DataTests", "Build.UnitTests"):
        with hidden_case(
            "the action run_with_failure is given fails, and stages_that_ran lists exactly "
            "the stages up to it"
        ):
            _ran_before_failure(run_with_failure, stages_that_ran, pipeline, action)
    with hidden_case("run_with_failure approves every manual approval"):
        approved = replace(
            pipeline,
            stages=(
                *pipeline.stages[:3],
                Stage("Approval", (act.manual_approval("Review"),)),
                *pipeline.stages[3:],
            ),
        )
        execution = run_with_failure(approved, "DeployProduction.DeployProduction")
        expect(execution.stage("Approval").status == "Succeeded", "the approval was not approved")
    # END HIDDEN CASES


# ---- 08.4 ------------------------------------------------------------------


def _release_actions(stage: Any) -> None:
    """Fail unless ``stage`` is the Release stage: DeployGreen, then the E2EOnGreen tests."""
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
        f"E2EOnGreen is a {e2e.action_type_id.category} action, not a Test action",
    )
    expect(
        e2e.run_order > deploy.run_order,
        f"E2EOnGreen has run order {e2e.run_order} and DeployGreen {deploy.run_order}: "
        "the tests must run after green is deployed",
    )


def _simulated(pipeline: Pipeline, **options: Any) -> Execution:
    """``simulate(pipeline, **options)``; a refusal fails the case with simulate's reason."""
    try:
        return simulate(pipeline, **options)
    except PipelineError as error:
        raise CheckFailed(f"simulate refused the stage: {error}") from None


@check(
    "08.4",
    points=3,
    needs=("release_stage",),
    hint=(
        "One stage, 'Release': deploy green first from the template the build wrote, then run "
        "the end-to-end tests against green as a Test action; run orders say which action "
        "waits for which."
    ),
    concept=(
        "Blue/green keeps users on blue while green is deployed and tested; traffic moves "
        "only when the tests on green pass. Within a stage, a higher run order waits for the "
        "lower ones, so the order is what makes the tests run against a deployed green."
    ),
    lesson="08#Blue/green: test green before traffic shifts",
    defined_in="the cell under 'Exercise 4'",
)
def blue_green_release(release_stage: Callable[[], Any]) -> None:
    """E2E tests run on green after the deploy, and traffic shifts only when they pass."""
    with case("release_stage()"):
        stage = release_stage()
        _release_actions(stage)
    course = course_pipeline()
    pipeline = replace(course, name="blue-green", stages=(*course.stages[:3], stage))
    settings = {"Release": BlueGreen("E2EOnGreen")}
    with case("Source, Build, Test and your stage, with E2E tests on green that pass"):
        execution = _simulated(pipeline, blue_green=settings)
        release = execution.stage("Release")
        expect(
            execution.succeeded and release.traffic_shifted is True,
            f"the execution ended {execution.status}, traffic shifted: {release.traffic_shifted}",
        )
    # BEGIN HIDDEN CASES
    with hidden_case("DeployGreen deploys the template from the artifact the Build stage writes"):
        path = {a.name: a for a in stage.actions}["DeployGreen"].configuration.get("TemplatePath")
        expect(str(path).partition("::")[0] == "BuildOutput", f"it reads {path!r}")
    with hidden_case("the pipeline with your Release stage validates without errors"):
        errors = [f.format() for f in validate(pipeline) if f.severity == "error"]
        expect(not errors, f"validation error(s), first: {errors[:1]}")
    with hidden_case("when the E2E tests on green fail, blue keeps the traffic"):
        execution = _simulated(
            pipeline, outcomes={"Release.E2EOnGreen": "Failed"}, blue_green=settings
        )
        release = execution.stage("Release")
        expect(release.traffic_shifted is False and release.rolled_back is True, "shifted")
    with hidden_case("when green fails to deploy, its E2E tests do not run"):
        execution = _simulated(
            pipeline, outcomes={"Release.DeployGreen": "Failed"}, blue_green=settings
        )
        status = execution.action("Release", "E2EOnGreen").status
        expect(status == NOT_RUN, f"E2EOnGreen ran ({status})")
    # END HIDDEN CASES
