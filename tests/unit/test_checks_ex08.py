"""The checkpoints of exercise 08 (CodePipeline) pass right answers and explain wrong ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks.ex08 import ROLE, STORE, four_stages
from mlcicd.pipeline import Execution, Pipeline, Stage, simulate
from mlcicd.pipeline import actions as act


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
        (lambda p: p, "expected the 4 given plus one"),
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
            "directly before",
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
            "expected ['Source', 'Build', 'Test', 'DeployStaging']",
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
            "pass approvals='approve'",
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
