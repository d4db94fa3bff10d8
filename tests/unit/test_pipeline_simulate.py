"""The pipeline simulator: CodePipeline's gating semantics, without AWS.

Each test builds a small pipeline with the model classes, scripts what its
actions do and checks what ran, what did not, and why.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.buildspec.model import from_dict as buildspec_from_dict
from mlcicd.cli import main
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.cfn import pipeline_properties
from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage, to_dict
from mlcicd.pipeline.simulate import (
    FAILED,
    NOT_RUN,
    SUCCEEDED,
    BlueGreen,
    FakeClock,
    Outcome,
    Scenario,
    load_outcomes,
    simulate,
)
from mlcicd.pipeline.validate import validate

ROLE = "arn:aws:iam::123456789012:role/pipeline"


def action(name: str, category: str, provider: str, run_order: int = 1, **config: str) -> Action:
    outputs = (f"{name}Output",) if category in ("Source", "Build") else ()
    return Action(
        name,
        ActionTypeId(category, "AWS", provider),
        run_order=run_order,
        configuration=dict(config),
        output_artifacts=outputs,
    )


def ml_pipeline() -> Pipeline:
    """Source -> Test (unit + integration together, then a report) -> Approve -> Deploy."""
    return Pipeline(
        "churn",
        ROLE,
        (
            Stage("Source", (action("Code", "Source", "S3"),)),
            Stage(
                "Test",
                (
                    action("UnitTests", "Test", "CodeBuild", ProjectName="unit"),
                    action("IntegrationTests", "Test", "CodeBuild", ProjectName="integration"),
                    action("Report", "Test", "CodeBuild", run_order=2, ProjectName="report"),
                ),
            ),
            Stage("Approve", (action("Review", "Approval", "Manual"),)),
            Stage(
                "DeployProduction",
                (
                    action("Deploy", "Deploy", "CodeDeploy"),
                    action("E2E", "Test", "CodeBuild", run_order=2, ProjectName="e2e"),
                ),
            ),
        ),
    )


def statuses(execution) -> dict[str, str]:
    return {stage.stage_name: stage.status for stage in execution.stages}


# ---- gating -----------------------------------------------------------------


def test_every_action_succeeds_by_default() -> None:
    execution = simulate(ml_pipeline())

    assert execution.status == SUCCEEDED
    assert set(statuses(execution).values()) == {SUCCEEDED}
    assert execution.action("Approve", "Review").approval == "Approved"


def test_a_failed_test_action_stops_the_pipeline_before_deploy() -> None:
    execution = simulate(ml_pipeline(), outcomes={"Test.IntegrationTests": "Failed"})

    assert execution.status == FAILED
    assert statuses(execution) == {
        "Source": SUCCEEDED,
        "Test": FAILED,
        "Approve": NOT_RUN,
        "DeployProduction": NOT_RUN,
    }
    assert execution.action("DeployProduction", "Deploy").last_status_change is None
    # get-pipeline-state shows a stage that never ran without latestExecution.
    deploy = execution.to_dict()["stageStates"][3]
    assert "latestExecution" not in deploy
    assert deploy["actionStates"] == [{"actionName": "Deploy"}, {"actionName": "E2E"}]


def test_an_outcome_by_bare_action_name_and_its_summary() -> None:
    execution = simulate(ml_pipeline(), outcomes={"UnitTests": Outcome(FAILED, "3 tests failed")})

    unit = execution.action("Test", "UnitTests")
    assert (unit.status, unit.summary) == (FAILED, "3 tests failed")
    assert execution.execution_dict()["pipelineExecution"]["statusSummary"].endswith(
        "Test.UnitTests"
    )


def test_actions_of_one_run_order_run_together_and_all_finish() -> None:
    execution = simulate(ml_pipeline(), outcomes={"UnitTests": "Failed"})

    unit = execution.action("Test", "UnitTests")
    integration = execution.action("Test", "IntegrationTests")
    assert unit.start_time == integration.start_time
    # The failure of one parallel action does not cancel its sibling ...
    assert integration.status == SUCCEEDED
    # ... but the next runOrder group of the failed stage never starts.
    assert execution.action("Test", "Report").status == NOT_RUN


def test_a_failed_action_withholds_its_output_artifacts() -> None:
    execution = simulate(ml_pipeline(), outcomes={"Code": "Failed"})

    assert execution.action("Source", "Code").output_artifacts == ()
    assert execution.execution_dict()["pipelineExecution"]["artifactRevisions"] == []


# ---- manual approvals -------------------------------------------------------


def test_a_rejected_approval_fails_and_records_the_decision() -> None:
    execution = simulate(ml_pipeline(), approvals="reject")

    review = execution.action("Approve", "Review")
    assert (review.status, review.approval) == (FAILED, "Rejected")
    assert execution.stage("DeployProduction").status == NOT_RUN


def test_an_approval_that_times_out_fails() -> None:
    execution = simulate(ml_pipeline(), approvals="timeout")

    review = execution.action("Approve", "Review")
    assert (review.status, review.summary, review.approval) == (FAILED, "Approval timed out", None)
    assert execution.status == FAILED


def test_an_approval_callback_sees_the_stage_and_the_action() -> None:
    seen = []

    def reviewer(stage: Stage, action: Action) -> str:
        seen.append((stage.name, action.name))
        return "approve"

    assert simulate(ml_pipeline(), approvals=reviewer).status == SUCCEEDED
    assert seen == [("Approve", "Review")]


def test_an_approval_callback_with_a_wrong_answer_is_an_error() -> None:
    with pytest.raises(PipelineError, match="'maybe'"):
        simulate(ml_pipeline(), approvals=lambda stage, action: "maybe")


# ---- blue/green -------------------------------------------------------------


def test_blue_green_rolls_back_when_the_e2e_tests_fail() -> None:
    execution = simulate(
        ml_pipeline(),
        outcomes={"DeployProduction.E2E": "Failed"},
        blue_green={"DeployProduction": BlueGreen("E2E")},
    )

    stage = execution.stage("DeployProduction")
    assert stage.status == FAILED
    assert (stage.traffic_shifted, stage.rolled_back) == (False, True)
    recorded = execution.to_dict()["stageStates"][3]["simulation"]["blueGreen"]
    assert recorded["trafficShifted"] is False
    assert recorded["rolledBack"] is True


def test_blue_green_shifts_traffic_when_the_e2e_tests_pass() -> None:
    execution = simulate(ml_pipeline(), blue_green={"DeployProduction": BlueGreen("E2E")})

    stage = execution.stage("DeployProduction")
    assert (stage.status, stage.traffic_shifted, stage.rolled_back) == (SUCCEEDED, True, False)
    assert "traffic shifted to green" in execution.format()


def test_blue_green_needs_the_e2e_action_to_run_after_the_deploy() -> None:
    same_order = Pipeline(
        "p",
        ROLE,
        (Stage("Prod", (action("Deploy", "Deploy", "ECS"), action("E2E", "Test", "CodeBuild"))),),
    )
    with pytest.raises(PipelineError, match="higher runOrder"):
        simulate(same_order, blue_green={"Prod": BlueGreen("E2E")})


# ---- a scripted outcome must name something real ----------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcomes": {"Test.Typo": "Failed"}}, "Test.Typo"),
        ({"outcomes": {"UnitTests": "failed"}}, "'failed'"),
        ({"outcomes": {"Review": "Failed"}}, "answer it with approvals"),
        ({"approvals": "yes"}, "'yes'"),
        ({"blue_green": {"Nowhere": BlueGreen("E2E")}}, "Nowhere"),
    ],
)
def test_a_script_that_names_nothing_real_is_an_error(kwargs: dict, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        simulate(ml_pipeline(), **kwargs)


# ---- CodeBuild through a real buildspec -------------------------------------


def test_codebuild_actions_run_their_buildspec(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    passing = buildspec_from_dict({"version": 0.2, "phases": {"build": {"commands": ["true"]}}})
    failing = buildspec_from_dict({"version": 0.2, "phases": {"build": {"commands": ["exit 1"]}}})

    execution = simulate(
        ml_pipeline(),
        buildspecs={"unit": (passing, source), "integration": (failing, source)},
        workdir=tmp_path / "work",
    )

    unit = execution.action("Test", "UnitTests")
    integration = execution.action("Test", "IntegrationTests")
    assert (unit.status, unit.build["buildStatus"]) == (SUCCEEDED, "SUCCEEDED")
    assert (integration.status, integration.build["buildStatus"]) == (FAILED, "FAILED")
    assert integration.summary.startswith("Build FAILED in BUILD")
    assert integration.to_dict()["latestExecution"]["externalExecutionId"].startswith(
        "integration:"
    )
    assert execution.stage("Approve").status == NOT_RUN


# ---- records ------------------------------------------------------------------


def test_two_runs_give_the_same_record() -> None:
    first = simulate(ml_pipeline(), outcomes={"Report": "Failed"})
    second = simulate(ml_pipeline(), outcomes={"Report": "Failed"})

    assert first.to_dict() == second.to_dict()
    assert first.execution_dict() == second.execution_dict()
    assert first.format() == second.format()


def test_the_clock_is_injectable_and_read_once_per_event() -> None:
    start = datetime(2030, 5, 1, tzinfo=UTC)
    execution = simulate(ml_pipeline(), clock=FakeClock(start, timedelta(minutes=1)))

    code = execution.action("Source", "Code")
    assert (code.start_time, code.last_status_change) == (start, start + timedelta(minutes=1))


def test_to_dict_mirrors_get_pipeline_state() -> None:
    execution = simulate(ml_pipeline(), execution_id="exec-1")
    state = execution.to_dict()

    assert set(state) == {"pipelineName", "stageStates"}
    stage = state["stageStates"][0]
    assert set(stage) == {"stageName", "latestExecution", "actionStates"}
    assert stage["latestExecution"] == {"pipelineExecutionId": "exec-1", "status": "Succeeded"}
    latest = stage["actionStates"][0]["latestExecution"]
    assert set(latest) == {"status", "lastStatusChange"}
    run = execution.execution_dict()["pipelineExecution"]
    assert {"pipelineName", "pipelineExecutionId", "status", "artifactRevisions"} <= set(run)
    assert [r["name"] for r in run["artifactRevisions"]] == ["CodeOutput"]


def test_simulate_does_not_mutate_its_inputs() -> None:
    pipeline = ml_pipeline()
    before = to_dict(pipeline)
    outcomes = {"UnitTests": "Failed"}

    simulate(pipeline, outcomes=outcomes)

    assert to_dict(pipeline) == before
    assert outcomes == {"UnitTests": "Failed"}


# ---- the outcomes file ------------------------------------------------------


def test_load_outcomes_reads_every_member(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.json"
    path.write_text(
        json.dumps(
            {
                "actions": {"Test.IntegrationTests": "Failed", "E2E": {"status": "Failed"}},
                "approvals": "reject",
                "blueGreen": {"DeployProduction": {"e2eAction": "E2E"}},
            }
        )
    )

    scenario = load_outcomes(path)

    assert scenario.outcomes["Test.IntegrationTests"] == Outcome(FAILED)
    assert scenario.approvals == "reject"
    assert scenario.blue_green == {"DeployProduction": BlueGreen("E2E", rollback=True)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ("[]", "JSON object"),
        ('{"action": {}}', "unknown member"),
        ('{"actions": {"X": "Passed"}}', "actions.X"),
        ('{"approvals": "later"}', "approvals"),
        ('{"blueGreen": {"Prod": {}}}', "e2eAction"),
        ('{"blueGreen": {"Prod": {}}}', "blueGreen.Prod.e2eAction: is required but missing"),
        ('{"blueGreen": {"Prod": {"e2eAction": ""}}}', "Prod: e2eAction must name"),
        ('{"blueGreen": {"P": {"e2eAction": "E", "rollback": "yes"}}}', "rollback: must be true"),
        ('{"actions": {"X": {"status": "Failed", "summary": 3}}}', "X.summary: must be a string"),
        (
            '{"actions": {"X": {"status": "Failed", "why": "?"}}}',
            r"X: has unknown member\(s\) \['why'\]",
        ),
        ('{"actions": ["X"]}', "actions: must be a JSON object"),
        ('{"approvals": "later"}', r"approvals: must be one of \['approve'"),
    ],
)
def test_load_outcomes_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "outcomes.json"
    path.write_text(text)
    with pytest.raises(PipelineError, match=message):
        load_outcomes(path)


def test_an_outcomes_file_reads_back_what_the_scenario_writes(tmp_path: Path) -> None:
    scenario = Scenario(
        {"Test.Unit": Outcome(FAILED, "3 tests failed"), "E2E": Outcome()},
        "timeout",
        {"Prod": BlueGreen("E2E", rollback=False)},
    )
    path = tmp_path / "outcomes.json"
    path.write_text(json.dumps(scenario.to_dict()))
    assert load_outcomes(path) == scenario


def test_the_scenario_writes_the_outcomes_file_shape() -> None:
    # Written by hand from load_outcomes' docstring: summaries always, unset members left out.
    assert Scenario({"Build": Outcome(FAILED)}).to_dict() == {
        "actions": {"Build": {"status": "Failed", "summary": None}}
    }


# ---- mlcicd pipeline run ----------------------------------------------------


_RUNNABLE_CONFIGURATION = {
    "Code": {"S3Bucket": "churn-source", "S3ObjectKey": "source.zip"},
    "Deploy": {"ApplicationName": "churn", "DeploymentGroupName": "churn-production"},
}


def _runnable(step: Action) -> Action:
    source = ("SourceOutput",)
    configuration = {**step.configuration, **_RUNNABLE_CONFIGURATION.get(step.name, {})}
    if step.action_type_id.category == "Source":
        return replace(step, configuration=configuration, output_artifacts=source)
    if step.action_type_id.category == "Approval":
        return step
    return replace(step, configuration=configuration, input_artifacts=source)


def runnable() -> Pipeline:
    """:func:`ml_pipeline` with the configuration and artifacts validation asks for."""
    stages = tuple(
        replace(stage, actions=tuple(_runnable(step) for step in stage.actions))
        for stage in ml_pipeline().stages
    )
    return replace(ml_pipeline(), stages=stages)


@pytest.fixture
def declaration(tmp_path: Path) -> Path:
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"pipeline": to_dict(runnable())}))
    return path


def test_the_runnable_pipeline_validates_clean() -> None:
    assert validate(runnable()) == []


def test_cli_run_refuses_what_validation_rejects(tmp_path: Path) -> None:
    # ml_pipeline() has no source bucket, no artifacts: CodePipeline would refuse it.
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"pipeline": to_dict(ml_pipeline())}))

    result = CliRunner().invoke(main, ["pipeline", "run", str(path)])

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{path}: stages[0].actions[0].configuration.S3Bucket: PL021" in result.output
    assert "not running a pipeline that validation rejects: 9 error(s)" in result.output
    assert "Pipeline churn" not in result.output


def test_cli_run_exits_0_when_the_execution_succeeds(declaration: Path) -> None:
    result = CliRunner().invoke(main, ["pipeline", "run", str(declaration)])

    assert result.exit_code == 0, result.output
    assert "Pipeline churn" in result.output
    assert result.output.rstrip().endswith("Succeeded")


def test_cli_run_exits_1_and_writes_json_when_it_fails(declaration: Path, tmp_path: Path) -> None:
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text('{"actions": {"Test.IntegrationTests": "Failed"}}')
    out = tmp_path / "run.json"

    result = CliRunner().invoke(
        main,
        ["pipeline", "run", str(declaration), "--outcomes", str(outcomes), "--json", str(out)],
    )

    assert result.exit_code == 1, result.output
    document = json.loads(out.read_text())
    assert document["execution"]["pipelineExecution"]["status"] == "Failed"
    assert document["state"]["stageStates"][1]["latestExecution"]["status"] == "Failed"


def test_cli_run_with_a_bad_outcomes_file_is_one_line_and_exit_2(
    declaration: Path, tmp_path: Path
) -> None:
    outcomes = tmp_path / "outcomes.json"
    outcomes.write_text('{"approvals": "later"}')

    result = CliRunner().invoke(
        main, ["pipeline", "run", str(declaration), "--outcomes", str(outcomes)]
    )

    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "approvals" in result.output


def test_cli_run_takes_a_template_and_runs_its_first_pipeline(tmp_path: Path) -> None:
    def resource(name: str) -> dict:
        props = pipeline_properties(replace(runnable(), name=name))
        return {"Type": "AWS::CodePipeline::Pipeline", "Properties": props}

    template = tmp_path / "template.json"
    template.write_text(
        json.dumps({"Resources": {"First": resource("a"), "Second": resource("b")}})
    )

    result = CliRunner().invoke(main, ["pipeline", "run", str(template)])

    assert result.exit_code == 0, result.output
    assert "declares 2 pipelines (First, Second): running First" in result.output
    assert "Pipeline a " in result.output
