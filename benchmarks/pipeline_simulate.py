"""Benchmark: simulated executions of a 7-stage pipeline, against a bare loop over its actions.

Simulates a 7-stage, 12-action pipeline (parallel test actions, a manual
approval, a blue/green production stage) with scripted outcomes, ``--runs``
times, with :func:`mlcicd.pipeline.simulate.simulate` and a fake clock. The
baseline, in the same run, is a bare loop that visits the same actions in
stage and ``runOrder`` order and looks each outcome up in a dict: the floor of
any simulator. Prints runs per second for both and their ratio; the machines
are shared and noisy, so compare the ratio, not seconds across runs; each
figure is the best of ``--repeat`` runs.

Run: ``.venv/bin/python benchmarks/pipeline_simulate.py [--runs 2000] [--repeat 3]``
"""

from __future__ import annotations

import argparse

from timing import best_seconds

from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage
from mlcicd.pipeline.simulate import BlueGreen, simulate

OUTCOMES = {"Test.IntegrationTests": "Succeeded", "Evaluate.ModelQuality": "Succeeded"}
BLUE_GREEN = {"DeployProduction": BlueGreen("E2E")}


def _action(name: str, category: str, provider: str, run_order: int = 1) -> Action:
    return Action(name, ActionTypeId(category, "AWS", provider), run_order=run_order)


def seven_stages() -> Pipeline:
    """Source, Build, Test, Evaluate, DeployStaging, Approve, DeployProduction."""
    stages = (
        ("Source", [("Code", "Source", "S3", 1)]),
        ("Build", [("Package", "Build", "CodeBuild", 1)]),
        (
            "Test",
            [
                ("UnitTests", "Test", "CodeBuild", 1),
                ("IntegrationTests", "Test", "CodeBuild", 1),
                ("Report", "Test", "CodeBuild", 2),
            ],
        ),
        (
            "Evaluate",
            [("Train", "Build", "CodeBuild", 1), ("ModelQuality", "Test", "CodeBuild", 2)],
        ),
        (
            "DeployStaging",
            [("Deploy", "Deploy", "CodeDeploy", 1), ("Smoke", "Test", "CodeBuild", 2)],
        ),
        ("Approve", [("Review", "Approval", "Manual", 1)]),
        (
            "DeployProduction",
            [("Deploy", "Deploy", "CodeDeploy", 1), ("E2E", "Test", "CodeBuild", 2)],
        ),
    )
    return Pipeline(
        "bench",
        "arn:aws:iam::123456789012:role/pipeline",
        tuple(Stage(name, tuple(_action(*a) for a in actions)) for name, actions in stages),
    )


def bare_loop(pipeline: Pipeline) -> list[tuple[str, str, str]]:
    """Visit every action in execution order and look its outcome up: the baseline."""
    ran = []
    for stage in pipeline.stages:
        for action in sorted(stage.actions, key=lambda a: a.run_order):
            key = f"{stage.name}.{action.name}"
            ran.append((stage.name, action.name, OUTCOMES.get(key, "Succeeded")))
    return ran


def main() -> None:
    """Parse the options, time both ways and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    pipeline = seven_stages()
    runs = range(options.runs)

    sim_s = best_seconds(
        lambda: [
            simulate(pipeline, outcomes=OUTCOMES, approvals="approve", blue_green=BLUE_GREEN)
            for _ in runs
        ],
        options.repeat,
    )
    loop_s = best_seconds(lambda: [bare_loop(pipeline) for _ in runs], options.repeat)
    actions = len(pipeline.actions())
    print(
        f"{options.runs} executions of {len(pipeline.stages)} stages / {actions} actions,", end=""
    )
    print(f" best of {options.repeat}")
    print(f"simulate:      {options.runs / sim_s:9.0f} runs/s  ({sim_s:.3f} s)")
    print(f"bare loop:     {options.runs / loop_s:9.0f} runs/s  ({loop_s:.3f} s)")
    print(f"ratio simulate/loop time: {sim_s / loop_s:6.1f}x")


if __name__ == "__main__":
    main()
