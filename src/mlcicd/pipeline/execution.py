"""The record of a pipeline execution, in the shapes of CodePipeline's API.

:class:`Execution` holds what :func:`mlcicd.pipeline.simulate.simulate`
found: one :class:`StageState` per stage, one :class:`ActionState` per action.
:meth:`Execution.to_dict` has the shape of ``aws codepipeline
get-pipeline-state`` and :meth:`Execution.execution_dict` the shape of
``get-pipeline-execution``; what the API has no key for (run order, start
times, artifacts, approvals, builds, blue/green traffic) is kept under
``"simulation"``, so the rest reads exactly like AWS's output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

#: Statuses of actions, stages and executions, as the API spells them.
SUCCEEDED, FAILED = "Succeeded", "Failed"
#: Ours, not the API's: a stage or action the execution never reached.
NOT_RUN = "NotRun"

Clock = Callable[[], datetime]

# A fixed start, so that two simulations of the same pipeline print the same times.
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BlueGreen:
    """A stage that deploys to a green target and tests it before shifting traffic.

    Attributes:
        e2e_action: The stage's action that tests the green target.
        rollback: Whether a failure tears the green target down (blue keeps serving).
    """

    e2e_action: str
    rollback: bool = True

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as the outcomes file writes it."""
        return {"e2eAction": self.e2e_action, "rollback": self.rollback}


class FakeClock:
    """A clock that starts at 2024-01-01T00:00:00Z and moves 1 s each time it is read.

    Simulations are instant; a clock that ticks per reading keeps the order of
    events visible in the times while making every run print the same ones.
    """

    def __init__(self, start: datetime = _EPOCH, step: timedelta = timedelta(seconds=1)):
        self._now = start
        self._step = step

    def __call__(self) -> datetime:
        """Return the current time, then advance it by one step."""
        now = self._now
        self._now += self._step
        return now


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True)
class ActionState:
    """How one action ended in the execution.

    Attributes:
        action_name: The action's name.
        status: ``Succeeded``, ``Failed`` or ``NotRun``.
        run_order: The action's ``runOrder`` group.
        summary: The action's summary, if any.
        start_time: When its ``runOrder`` group started; None if it never ran.
        last_status_change: When it finished; None if it never ran.
        approval: ``Approved`` or ``Rejected`` for an answered manual approval.
        input_artifacts: Names of the artifacts it read.
        output_artifacts: Names of the artifacts it wrote (none if it failed).
        build: A CodeBuild run's ``batch-get-builds`` record, if a buildspec ran.
    """

    action_name: str
    status: str
    run_order: int = 1
    summary: str | None = None
    start_time: datetime | None = None
    last_status_change: datetime | None = None
    approval: str | None = None
    input_artifacts: tuple[str, ...] = ()
    output_artifacts: tuple[str, ...] = ()
    build: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """One ``actionStates`` entry of ``get-pipeline-state``, plus ``simulation``."""
        out: dict[str, Any] = {"actionName": self.action_name}
        if self.status == NOT_RUN:
            # The API lists an action that never ran by name only.
            return out
        latest: dict[str, Any] = {"status": self.status}
        if self.summary is not None:
            latest["summary"] = self.summary
        latest["lastStatusChange"] = _iso(self.last_status_change)
        if self.build is not None:
            latest["externalExecutionId"] = self.build["id"]
        if self.status == FAILED:
            latest["errorDetails"] = {"code": "JobFailed", "message": self.summary or "Failed"}
        out["latestExecution"] = latest
        simulation: dict[str, Any] = {
            "runOrder": self.run_order,
            "startTime": _iso(self.start_time),
            "inputArtifacts": list(self.input_artifacts),
            "outputArtifacts": list(self.output_artifacts),
        }
        if self.approval is not None:
            simulation["approvalResult"] = {"status": self.approval}
        if self.build is not None:
            simulation["build"] = self.build
        out["simulation"] = simulation
        return out


@dataclass(frozen=True)
class StageState:
    """How one stage ended in the execution.

    Attributes:
        stage_name: The stage's name.
        status: ``Succeeded``, ``Failed`` or ``NotRun``.
        actions: Its actions, in declaration order.
        blue_green: The stage's blue/green settings, if it is one.
        traffic_shifted: For a blue/green stage that ran: whether green took the traffic.
        rolled_back: For a blue/green stage that ran: whether green was torn down.
    """

    stage_name: str
    status: str
    actions: tuple[ActionState, ...] = ()
    blue_green: BlueGreen | None = None
    traffic_shifted: bool | None = None
    rolled_back: bool | None = None

    def action(self, name: str) -> ActionState:
        """The state of the action called ``name``.

        Raises:
            KeyError: The stage has no such action.
        """
        for state in self.actions:
            if state.action_name == name:
                return state
        raise KeyError(f"stage {self.stage_name!r} has no action {name!r}")

    def to_dict(self, execution_id: str) -> dict[str, Any]:
        """One ``stageStates`` entry of ``get-pipeline-state``, plus ``simulation``."""
        out: dict[str, Any] = {"stageName": self.stage_name}
        if self.status != NOT_RUN:
            out["latestExecution"] = {"pipelineExecutionId": execution_id, "status": self.status}
        out["actionStates"] = [action.to_dict() for action in self.actions]
        if self.blue_green is not None:
            out["simulation"] = {
                "blueGreen": {
                    **self.blue_green.to_dict(),
                    "trafficShifted": self.traffic_shifted,
                    "rolledBack": self.rolled_back,
                }
            }
        return out


@dataclass(frozen=True)
class Execution:
    """One simulated pipeline execution.

    Attributes:
        pipeline_name: The pipeline's name.
        pipeline_execution_id: The execution's id.
        status: ``Succeeded`` or ``Failed``.
        stages: Every stage of the pipeline, in order, run or not.
        artifact_revisions: ``(artifact name, revision id)`` of the source actions' outputs.
        pipeline_version: The declaration's version, if it has one.
    """

    pipeline_name: str
    pipeline_execution_id: str
    status: str
    stages: tuple[StageState, ...]
    artifact_revisions: tuple[tuple[str, str], ...] = ()
    pipeline_version: int | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the execution's status is Succeeded."""
        return self.status == SUCCEEDED

    def stage(self, name: str) -> StageState:
        """The state of the stage called ``name``.

        Raises:
            KeyError: The pipeline has no such stage.
        """
        for state in self.stages:
            if state.stage_name == name:
                return state
        raise KeyError(f"pipeline {self.pipeline_name!r} has no stage {name!r}")

    def action(self, stage: str, name: str) -> ActionState:
        """The state of action ``name`` of stage ``stage``.

        Raises:
            KeyError: There is no such stage or action.
        """
        return self.stage(stage).action(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain data shaped like ``aws codepipeline get-pipeline-state``."""
        out: dict[str, Any] = {"pipelineName": self.pipeline_name}
        if self.pipeline_version is not None:
            out["pipelineVersion"] = self.pipeline_version
        out["stageStates"] = [stage.to_dict(self.pipeline_execution_id) for stage in self.stages]
        return out

    def execution_dict(self) -> dict[str, Any]:
        """Plain data shaped like ``aws codepipeline get-pipeline-execution``."""
        execution: dict[str, Any] = {
            "pipelineName": self.pipeline_name,
            "pipelineExecutionId": self.pipeline_execution_id,
            "status": self.status,
        }
        if self.pipeline_version is not None:
            execution["pipelineVersion"] = self.pipeline_version
        failed = [
            f"{stage.stage_name}.{action.action_name}"
            for stage in self.stages
            for action in stage.actions
            if action.status == FAILED
        ]
        if failed:
            execution["statusSummary"] = "Failed action(s): " + ", ".join(failed)
        execution["artifactRevisions"] = [
            {"name": name, "revisionId": revision, "revisionSummary": "simulated revision"}
            for name, revision in self.artifact_revisions
        ]
        execution["trigger"] = {
            "triggerType": "StartPipelineExecution",
            "triggerDetail": "mlcicd.pipeline.simulate",
        }
        return {"pipelineExecution": execution}

    def format(self) -> str:
        """A text table (stage, action, status, summary) and the final status, for notebooks."""
        rows = [("STAGE", "ACTION", "STATUS", "SUMMARY")]
        notes = []
        for stage in self.stages:
            for action in stage.actions:
                rows.append(
                    (stage.stage_name, action.action_name, action.status, action.summary or "")
                )
            if stage.blue_green is not None and stage.status != NOT_RUN:
                shifted = (
                    "traffic shifted to green" if stage.traffic_shifted else "traffic kept on blue"
                )
                rolled = ", green rolled back" if stage.rolled_back else ""
                notes.append(f"{stage.stage_name}: blue/green, {shifted}{rolled}")
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + "  "
            + row[3]
            for row in rows
        ]
        lines = [line.rstrip() for line in lines] + notes
        lines.append(f"Pipeline {self.pipeline_name} ({self.pipeline_execution_id}): {self.status}")
        return "\n".join(lines)
