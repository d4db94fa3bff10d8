"""The checkpoints of exercise 08 (CodePipeline) pass right answers and explain wrong ones.

Each checkpoint is also run as the learner's release ships it (``public_checks``):
the reference passes and the stub fails its public cases, and a wrong answer that
only a hidden case catches passes them, then fails graded with the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from checkpoint_mutants import Wrong, mutant_tests

from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks.ex08 import ROLE, STORE, four_stages
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden
from mlcicd.pipeline import Execution, Pipeline, Stage, simulate
from mlcicd.pipeline import actions as act
from mlcicd.pipeline.model import Action, ActionTypeId


def declare_pipeline() -> Pipeline:
    """The reference answer of Exercise 1."""
    return four_stages()


def with_approval(pipeline: Pipeline) -> Pipeline:
    """The reference answer of Exercise 2, written with slicing."""
    stages = pipeline.stages
    first = next(
        i
        for i, s in enumerate(stages)
        if any(a.action_type_id.category == "Deploy" for a in s.actions)
    )
    gate = Stage("Gate", (act.manual_approval("Approve"),))
    return replace(pipeline, stages=(*stages[:first], gate, *stages[first:]))


def run_with_failure(pipeline: Pipeline, action: str) -> Execution:
    """The reference answer of Exercise 3 (first part)."""
    return simulate(pipeline, outcomes={action: "Failed"})


def stages_that_ran(execution: Execution) -> list[str]:
    """The reference answer of Exercise 3 (second part)."""
    return [s.stage_name for s in execution.stages if s.status in ("Succeeded", "Failed")]


def release_stage(deploy_order: int = 1, e2e_order: int = 2, category: str = "Test") -> Stage:
    """The reference answer of Exercise 4, with knobs to make it wrong."""
    deploy = act.cloudformation_deploy(
        "DeployGreen",
        stack_name="churn-green",
        template_path="BuildOutput::template.yaml",
        role_arn=ROLE,
        inputs=("BuildOutput",),
        run_order=deploy_order,
    )
    e2e = act.codebuild_action(
        "E2EOnGreen",
        project="churn-e2e-tests",
        inputs=("SourceOutput",),
        category=category,
        run_order=e2e_order,
    )
    return Stage("Release", (deploy, e2e))


CONNECTION = "arn:aws:codeconnections:us-east-1:123456789012:connection/0000-1111"


def declare_with_connection() -> Pipeline:
    """Exercise 1 with a CodeConnections (GitHub) source instead of CodeCommit."""
    good = four_stages()
    source = act.connection_source(
        "Source", connection_arn=CONNECTION, repository_id="example-org/churn"
    )
    return replace(good, stages=(Stage("Source", (source,)), *good.stages[1:]))


def test_right_answers_pass() -> None:
    for answer in (declare_pipeline, declare_with_connection):
        assert evaluate("08.1", {"declare_pipeline": answer}) == (
            True,
            "Checkpoint 08.1 passed (2/2 points)",
        )
    assert evaluate("08.2", {"with_approval": with_approval})[0] is True
    namespace = {"run_with_failure": run_with_failure, "stages_that_ran": stages_that_ran}
    assert evaluate("08.3", namespace)[0] is True
    assert evaluate("08.4", {"release_stage": release_stage}) == (
        True,
        "Checkpoint 08.4 passed (3/3 points)",
    )


def test_a_missing_name_cannot_run_yet() -> None:
    ok, line = evaluate("08.3", {"stages_that_ran": stages_that_ran})
    assert not ok
    assert "cannot run yet" in line


def _without_test() -> Pipeline:
    good = four_stages()
    return replace(good, stages=(good.stages[0], good.stages[1], good.stages[3]))


def _production() -> Pipeline:
    good = four_stages()
    deploy = act.cloudformation_deploy(
        "Deploy",
        stack_name="churn-production",
        template_path="BuildOutput::template.yaml",
        role_arn=ROLE,
        inputs=("BuildOutput",),
    )
    return replace(good, stages=(*good.stages[:3], Stage("Deploy", (deploy,))))


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda: "pipeline", "not a Pipeline"),
        (_without_test, "PL030 ungated deployment"),
        (_production, "PL032"),
        (
            lambda: Pipeline("p", ROLE, four_stages().stages[:1], artifact_store=STORE),
            "minimum of 2 stages",
        ),
    ],
    ids=["not-a-pipeline", "no-test-stage", "production-first", "one-stage"],
)
def test_wrong_pipelines_fail_08_1(answer: Callable[[], object], expected: str) -> None:
    ok, line = evaluate("08.1", {"declare_pipeline": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda p: p, "expected the 6 given plus one"),
        (
            lambda p: replace(
                p, stages=(*p.stages, Stage("Approval", (act.manual_approval("A"),)))
            ),
            "directly before",
        ),
        (
            lambda p: replace(
                p,
                stages=(
                    *p.stages[:2],
                    Stage("Approval", (act.manual_approval("A"),)),
                    *p.stages[2:],
                ),
            ),
            # The stage by its name, not an index from 0.
            "the approval is in stage 'Approval' of ['Source', 'Build', 'Approval'",
        ),
    ],
    ids=["unchanged", "approval-last", "approval-before-tests"],
)
def test_wrong_approvals_fail_08_2(answer: Callable[[Pipeline], object], expected: str) -> None:
    ok, line = evaluate("08.2", {"with_approval": answer})
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("namespace", "expected"),
    [
        (
            {
                "run_with_failure": run_with_failure,
                "stages_that_ran": lambda e: [s.stage_name for s in e.stages],
            },
            "stages_that_ran gave ['Source', 'Build', 'Test', 'Approval', 'DeployStaging', "
            "'E2E', 'DeployProduction'], expected ['Source', 'Build', 'Test']",
        ),
        (
            {
                "run_with_failure": lambda p, a: simulate(p),
                "stages_that_ran": stages_that_ran,
            },
            "ended Succeeded, not Failed",
        ),
        (
            {
                "run_with_failure": lambda p, a: simulate(
                    p, outcomes={a: "Failed"}, approvals="reject"
                ),
                "stages_that_ran": stages_that_ran,
            },
            "a hidden case failed: run_with_failure approves every manual approval",
        ),
    ],
    ids=["counts-not-run", "no-failure", "rejects"],
)
def test_wrong_gating_fails_08_3(namespace: dict[str, object], expected: str) -> None:
    ok, line = evaluate("08.3", namespace)
    assert not ok
    assert expected in line


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda: release_stage(e2e_order=1), "must run after green is deployed"),
        (lambda: release_stage(category="Build"), "not a Test action"),
        (lambda: replace(release_stage(), name="Production"), "not 'Release'"),
        (
            lambda: replace(release_stage(), actions=release_stage().actions[:1]),
            "needs DeployGreen and E2EOnGreen",
        ),
    ],
    ids=["same-run-order", "build-category", "wrong-name", "no-e2e"],
)
def test_wrong_releases_fail_08_4(answer: Callable[[], object], expected: str) -> None:
    ok, line = evaluate("08.4", {"release_stage": answer})
    assert not ok
    assert expected in line


# ---- the learner's release: public cases only ---------------------------------------------


def _stub(*args: object) -> None:
    raise NotImplementedError("replace this line with your code")


#: Checkpoint to (the reference answers it needs, its points).
GOOD: dict[str, tuple[dict[str, Callable[..., Any]], int]] = {
    "08.1": ({"declare_pipeline": declare_pipeline}, 2),
    "08.2": ({"with_approval": with_approval}, 2),
    "08.3": ({"run_with_failure": run_with_failure, "stages_that_ran": stages_that_ran}, 2),
    "08.4": ({"release_stage": release_stage}, 3),
}


@pytest.mark.parametrize("checkpoint_id", sorted(GOOD))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    answers, points = GOOD[checkpoint_id]

    with public_checks("08"):
        right = evaluate(checkpoint_id, answers)
        passed, line = evaluate(checkpoint_id, dict.fromkeys(answers, _stub))

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): ")
    assert "not written yet" in line
    assert "a hidden case" not in line


def _tests_in_jenkins() -> Pipeline:
    """Exercise 1 with its Test stage run by a custom Jenkins action instead of CodeBuild."""
    good = four_stages()
    jenkins = Action(
        "IntegrationTests",
        ActionTypeId(category="Test", owner="Custom", provider="Jenkins"),
        input_artifacts=("SourceOutput",),
    )
    return replace(good, stages=(*good.stages[:2], Stage("Test", (jenkins,)), good.stages[3]))


def _before_deploy_staging(pipeline: Pipeline) -> Pipeline:
    """Exercise 2 fitted to the public pipeline: the approval goes before 'DeployStaging'."""
    names = [stage.name for stage in pipeline.stages]
    at = names.index("DeployStaging")
    gate = Stage("Approval", (act.manual_approval("Approve"),))
    return replace(pipeline, stages=(*pipeline.stages[:at], gate, *pipeline.stages[at:]))


def _rejecting(pipeline: Pipeline, action: str) -> Execution:
    """Exercise 3 that rejects every approval."""
    return simulate(pipeline, outcomes={action: "Failed"}, approvals="reject")


def _e2e_reads_nothing() -> Stage:
    """Exercise 4 whose E2E tests read an artifact no action writes."""
    deploy, e2e = release_stage().actions
    return Stage("Release", (deploy, replace(e2e, input_artifacts=("TestSuite",))))


# (checkpoint, its answers, the rule the graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, dict[str, Callable[..., Any]], str, str]] = [
    (
        "08.1",
        {"declare_pipeline": _tests_in_jenkins},
        "the Test stage's action runs in CodeBuild",
        "Jenkins",
    ),
    (
        "08.2",
        {"with_approval": _before_deploy_staging},
        "exactly one approval stage goes directly before the first deploy stage, every given "
        "stage stays in order, and the result validates clean",
        "['Source', 'Build', 'Test', 'Deploy']",
    ),
    (
        "08.3",
        {"run_with_failure": _rejecting, "stages_that_ran": stages_that_ran},
        "run_with_failure approves every manual approval",
        "approvals='approve'",  # what the graded line said before the case was hidden
    ),
    (
        "08.4",
        {"release_stage": _e2e_reads_nothing},
        "the pipeline with your Release stage validates without errors",
        "TestSuite",
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "answers", "rule", "hidden_input"),
    HIDDEN_ONLY,
    ids=[case[0] for case in HIDDEN_ONLY],
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    checkpoint_id: str, answers: dict[str, Callable[..., Any]], rule: str, hidden_input: str
) -> None:
    points = GOOD[checkpoint_id][1]
    with public_checks("08"):
        public = evaluate(checkpoint_id, answers)

    passed, line = evaluate(checkpoint_id, answers)

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input not in line


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("08")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case" not in public
    assert "def four_stages" not in public  # the hidden pipelines go with their cases
    assert "actions as act" not in public  # and so does what only they import
    compile(public, str(path), "exec")


# ---- wrong answers, each failing its checkpoint and only that one -----------------------


def _with_stage(pipeline: Pipeline, at: int, stage: Stage) -> Pipeline:
    return replace(pipeline, stages=(*pipeline.stages[:at], stage, *pipeline.stages[at:]))


def _swapped(stages: tuple[Stage, ...], first: int, second: int) -> tuple[Stage, ...]:
    order = list(stages)
    order[first], order[second] = order[second], order[first]
    return tuple(order)


def _s3_source() -> Pipeline:
    good = four_stages()
    source = act.s3_source("Source", bucket="churn-source", key="source/churn.zip")
    return replace(good, stages=(Stage("Source", (source,)), *good.stages[1:]))


def _deploys_the_source() -> Pipeline:
    """The deploy reads template.yaml from the source, not from what the build wrote."""
    good = four_stages()
    deploy = act.cloudformation_deploy(
        "Deploy",
        stack_name="churn-staging",
        template_path="SourceOutput::template.yaml",
        role_arn=ROLE,
        inputs=("SourceOutput",),
    )
    return replace(good, stages=(*good.stages[:3], Stage("Deploy", (deploy,))))


def _tests_as_build() -> Pipeline:
    good = four_stages()
    test = act.codebuild_action(
        "IntegrationTests", project="churn-integration-tests", inputs=("SourceOutput",)
    )
    return replace(good, stages=(*good.stages[:2], Stage("Test", (test,)), good.stages[3]))


def _deploy_indexes(pipeline: Pipeline) -> list[int]:
    return [
        i
        for i, stage in enumerate(pipeline.stages)
        if any(a.action_type_id.category == "Deploy" for a in stage.actions)
    ]


def _gate(name: str = "Approval") -> Stage:
    return Stage(name, (act.manual_approval("Approve"),))


def _before_stage_named_deploy(pipeline: Pipeline) -> Pipeline:
    """Finds the deploy by its stage name, not by its actions' category."""
    at = next(i for i, s in enumerate(pipeline.stages) if s.name.startswith("Deploy"))
    return _with_stage(pipeline, at, _gate())


def _approval_inside_deploy(pipeline: Pipeline) -> Pipeline:
    """The approval as a first action of the deploy stage, not a stage of its own."""
    at = _deploy_indexes(pipeline)[0]
    deploy = pipeline.stages[at]
    actions = (
        act.manual_approval("Approve", run_order=1),
        *(replace(a, run_order=2) for a in deploy.actions),
    )
    stages = list(pipeline.stages)
    stages[at] = replace(deploy, actions=actions)
    return replace(pipeline, stages=tuple(stages))


def _before_every_deploy(pipeline: Pipeline) -> Pipeline:
    for number, at in enumerate(reversed(_deploy_indexes(pipeline))):
        pipeline = _with_stage(pipeline, at, _gate(f"Approval{number}"))
    return pipeline


def _fails_a_fixed_action(pipeline: Pipeline, action: str) -> Execution:
    return simulate(pipeline, outcomes={"Test.DataTests": "Failed"}, approvals="approve")


def _succeeded_only(execution: Execution) -> list[str]:
    return [s.stage_name for s in execution.stages if s.status == "Succeeded"]


REFERENCE: dict[str, Any] = {
    "declare_pipeline": declare_pipeline,
    "with_approval": with_approval,
    "run_with_failure": run_with_failure,
    "stages_that_ran": stages_that_ran,
    "release_stage": release_stage,
}

_GREEN_FROM_SOURCE = act.cloudformation_deploy(
    "DeployGreen",
    stack_name="churn-green",
    template_path="SourceOutput::template.yaml",
    role_arn=ROLE,
    inputs=("SourceOutput",),
    run_order=1,
)

MUTANTS = [
    # 08.1: the stages, their order, their providers and the hand-offs between them
    Wrong("08.1", "not a pipeline", {"declare_pipeline": lambda: "pipeline"}),
    Wrong("08.1", "no test stage", {"declare_pipeline": _without_test}),
    Wrong("08.1", "deploys to production", {"declare_pipeline": _production}),
    Wrong("08.1", "tests as a build action", {"declare_pipeline": _tests_as_build}),
    Wrong(
        "08.1",
        "build and test swapped",
        {
            "declare_pipeline": lambda: replace(
                four_stages(), stages=_swapped(four_stages().stages, 1, 2)
            )
        },
    ),
    Wrong("08.1", "tests run in jenkins", {"declare_pipeline": _tests_in_jenkins}),
    Wrong("08.1", "source from an s3 zip", {"declare_pipeline": _s3_source}),
    Wrong(
        "08.1", "deploy reads the source, not the build", {"declare_pipeline": _deploys_the_source}
    ),
    # 08.2: where the approval goes, and what it is
    Wrong("08.2", "pipeline unchanged", {"with_approval": lambda p: p}),
    Wrong(
        "08.2", "approval last", {"with_approval": lambda p: _with_stage(p, len(p.stages), _gate())}
    ),
    Wrong(
        "08.2",
        "approval after the first deploy",
        {"with_approval": lambda p: _with_stage(p, _deploy_indexes(p)[0] + 1, _gate())},
    ),
    Wrong(
        "08.2",
        "approval before the last deploy",
        {"with_approval": lambda p: _with_stage(p, _deploy_indexes(p)[-1], _gate())},
    ),
    Wrong("08.2", "approval before every deploy", {"with_approval": _before_every_deploy}),
    Wrong("08.2", "approval inside the deploy stage", {"with_approval": _approval_inside_deploy}),
    Wrong("08.2", "deploy found by stage name", {"with_approval": _before_stage_named_deploy}),
    Wrong("08.2", "fitted to DeployStaging", {"with_approval": _before_deploy_staging}),
    # 08.3: which action fails, the approvals, and which stages count as run
    Wrong(
        "08.3",
        "not run stages counted",
        {"stages_that_ran": lambda e: [s.stage_name for s in e.stages]},
    ),
    Wrong("08.3", "failed stage left out", {"stages_that_ran": _succeeded_only}),
    Wrong("08.3", "names sorted", {"stages_that_ran": lambda e: sorted(stages_that_ran(e))}),
    Wrong(
        "08.3",
        "stage states not names",
        {"stages_that_ran": lambda e: [s for s in e.stages if s.status != "NotRun"]},
    ),
    Wrong(
        "08.3", "nothing fails", {"run_with_failure": lambda p, a: simulate(p, approvals="approve")}
    ),
    Wrong("08.3", "fails a fixed action", {"run_with_failure": _fails_a_fixed_action}),
    Wrong("08.3", "approvals rejected", {"run_with_failure": _rejecting}),
    # 08.4: the actions, their order and what green is built from
    Wrong("08.4", "same run order", {"release_stage": lambda: release_stage(e2e_order=1)}),
    Wrong(
        "08.4",
        "tests before the deploy",
        {"release_stage": lambda: release_stage(deploy_order=2, e2e_order=1)},
    ),
    Wrong(
        "08.4", "e2e as a build action", {"release_stage": lambda: release_stage(category="Build")}
    ),
    Wrong(
        "08.4",
        "stage named production",
        {"release_stage": lambda: replace(release_stage(), name="Production")},
    ),
    Wrong(
        "08.4",
        "no e2e action",
        {"release_stage": lambda: replace(release_stage(), actions=release_stage().actions[:1])},
    ),
    Wrong("08.4", "e2e reads an artifact nobody writes", {"release_stage": _e2e_reads_nothing}),
    Wrong(
        "08.4",
        "green deployed from the source",
        {
            "release_stage": lambda: replace(
                release_stage(), actions=(_GREEN_FROM_SOURCE, release_stage().actions[1])
            )
        },
    ),
]

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("08", REFERENCE, MUTANTS)
