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


def test_right_answers_pass() -> None:
    assert evaluate("08.1", {"declare_pipeline": declare_pipeline}) == (
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
        (lambda: release_stage(category="Build"), "give it category='Test'"),
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
