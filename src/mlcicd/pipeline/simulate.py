"""Simulate one execution of a pipeline, since moto stores pipelines but never runs them.

:func:`simulate` walks a :class:`~mlcicd.pipeline.model.Pipeline` the way
CodePipeline runs an execution, and returns an :class:`Execution` whose
:meth:`~Execution.to_dict` has the shape of ``aws codepipeline
get-pipeline-state`` and whose :meth:`~Execution.execution_dict` has the shape
of ``get-pipeline-execution``. What it does as CodePipeline does:

* Stages run in order. In a stage, actions run in groups of equal ``runOrder``,
  lowest first; the actions of one group run together (they share a start
  time) and all of them finish even when one fails.
* A failed action fails its stage: the stage's later ``runOrder`` groups and
  every later stage never run (``get-pipeline-state`` shows no
  ``latestExecution`` for them; :attr:`StageState.status` says ``NotRun``).
* Manual approvals are answered by a policy or a callback: a rejection or a
  timeout (7 days in AWS; no time passes here) fails the action.

What an action does is scripted: ``outcomes`` says which actions fail, a
CodeBuild action whose project has a buildspec runs it for real with
:func:`~mlcicd.buildspec.run.run_buildspec`, and a stage named in
``blue_green`` deploys to a green target, tests it and shifts traffic only if
every action of the stage succeeded. :func:`load_outcomes` reads that script
from the JSON file the ``mlcicd pipeline run`` command takes. The records it
returns are in :mod:`mlcicd.pipeline.execution`.
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from mlcicd.convert import ShapeError, Wire, camel, wire
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.execution import (
    FAILED,
    NOT_RUN,
    SUCCEEDED,
    ActionState,
    BlueGreen,
    Clock,
    Execution,
    FakeClock,
    StageState,
)
from mlcicd.pipeline.model import Action, Pipeline, Stage

if TYPE_CHECKING:
    from mlcicd.buildspec.model import Buildspec

#: Answers to a manual approval.
APPROVE, REJECT, TIMEOUT = "approve", "reject", "timeout"

ApprovalPolicy = Literal["approve", "reject", "timeout"]

_ANSWERS = (APPROVE, REJECT, TIMEOUT)


@dataclass(frozen=True)
class Outcome:
    """The scripted result of one action.

    Attributes:
        status: ``Succeeded`` or ``Failed``.
        summary: What ``get-pipeline-state`` shows as the action's summary.
    """

    status: str = SUCCEEDED
    # Written even when None: the file shows every outcome in the same shape.
    summary: str | None = field(default=None, metadata=wire(omit=False))

    def __post_init__(self) -> None:
        if self.status not in (SUCCEEDED, FAILED):
            raise PipelineError(f"an outcome is {SUCCEEDED!r} or {FAILED!r}, not {self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as the outcomes file writes it."""
        return OUTCOMES.unstructure(self)


Approvals = ApprovalPolicy | Callable[[Stage, Action], str]


@dataclass(frozen=True)
class _Script:
    # What every action of one simulation does, resolved and checked up front.
    outcomes: Mapping[tuple[str, str], Outcome]
    approve: Callable[[Stage, Action], str]
    buildspecs: Mapping[str, tuple[Buildspec, Path]]
    blue_green: Mapping[str, BlueGreen]
    execution_id: str
    workdir: Path | None
    clock: Clock


def _outcome(value: str | Outcome, key: str) -> Outcome:
    if isinstance(value, Outcome):
        return value
    try:
        return Outcome(str(value))
    except PipelineError as error:
        raise PipelineError(f"outcome of {key!r}: {error}") from None


def _resolve_outcomes(
    pipeline: Pipeline, outcomes: Mapping[str, str | Outcome]
) -> dict[tuple[str, str], Outcome]:
    # "Stage.Action" wins over a bare action name; a key naming no action is a
    # typo that would silently script nothing, so it is an error.
    resolved: dict[tuple[str, str], Outcome] = {}
    used: set[str] = set()
    for _, _, stage, action in pipeline.actions():
        for key in (f"{stage.name}.{action.name}", action.name):
            if key in outcomes:
                resolved[(stage.name, action.name)] = _outcome(outcomes[key], key)
                used.add(key)
                break
    unknown = sorted(set(outcomes) - used)
    if unknown:
        raise PipelineError(f"outcomes name no action of pipeline {pipeline.name!r}: {unknown}")
    return resolved


def _approver(approvals: Approvals | None) -> Callable[[Stage, Action], str]:
    if approvals is None:
        return lambda stage, action: APPROVE
    if callable(approvals):
        return approvals
    if approvals not in _ANSWERS:
        raise PipelineError(f"approvals is one of {list(_ANSWERS)}, not {approvals!r}")
    return lambda stage, action: approvals


def _check(
    pipeline: Pipeline,
    outcomes: Mapping[tuple[str, str], Outcome],
    buildspecs: Mapping[str, tuple[Buildspec, Path]],
    blue_green: Mapping[str, BlueGreen],
) -> None:
    # Refuse a script that contradicts itself or the pipeline, before anything runs.
    projects = set()
    for _, _, stage, action in pipeline.actions():
        where = f"{stage.name}.{action.name}"
        if action.action_type_id.category == "Approval" and (stage.name, action.name) in outcomes:
            raise PipelineError(f"{where} is a manual approval: answer it with approvals")
        if action.action_type_id.provider == "CodeBuild":
            project = str(action.configuration.get("ProjectName", ""))
            projects.add(project)
            if project in buildspecs and (stage.name, action.name) in outcomes:
                raise PipelineError(f"{where} has both an outcome and a buildspec: pick one")
    unknown = sorted(set(buildspecs) - projects)
    if unknown:
        raise PipelineError(f"buildspecs name no CodeBuild project of the pipeline: {unknown}")
    stages = {stage.name: stage for stage in pipeline.stages}
    for name, settings in blue_green.items():
        if name not in stages:
            raise PipelineError(f"blue/green stage {name!r} is not in pipeline {pipeline.name!r}")
        e2e = next((a for a in stages[name].actions if a.name == settings.e2e_action), None)
        if e2e is None:
            raise PipelineError(f"blue/green stage {name!r} has no action {settings.e2e_action!r}")
        if not any(a.run_order < e2e.run_order for a in stages[name].actions):
            raise PipelineError(
                f"{name}.{e2e.name} must test green after it is deployed: "
                "give it a higher runOrder than the deploy action"
            )


def _build(action: Action, stage: Stage, script: _Script) -> tuple[str, str, dict[str, Any]]:
    from mlcicd.buildspec.run import run_buildspec

    project = str(action.configuration["ProjectName"])
    spec, source = script.buildspecs[project]
    build_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{script.execution_id}/{stage.name}/{action.name}")
    # The build's log goes into the record's phases, not onto the caller's stdout.
    result = run_buildspec(
        spec,
        source_dir=Path(source),
        workdir=script.workdir,
        output=io.StringIO(),
        build_id=f"{project}:{build_id}",
    )
    summary = f"Build {result.status}"
    failed = next((p for p in result.phases if p.status not in (None, "SUCCEEDED")), None)
    if failed is not None:
        detail = "; ".join(message for _, message in failed.contexts)
        summary += f" in {failed.phase_type}" + (f": {detail}" if detail else "")
    return (SUCCEEDED if result.succeeded else FAILED), summary, result.to_dict()


def _run_action(stage: Stage, action: Action, start: datetime, script: _Script) -> ActionState:
    status, summary, approval, build = SUCCEEDED, None, None, None
    project = str(action.configuration.get("ProjectName", ""))
    if action.action_type_id.category == "Approval":
        answer = script.approve(stage, action)
        if answer not in _ANSWERS:
            raise PipelineError(f"the approval of {stage.name}.{action.name} answered {answer!r}")
        if answer == TIMEOUT:
            status, summary = FAILED, "Approval timed out"
        else:
            status = SUCCEEDED if answer == APPROVE else FAILED
            approval = summary = "Approved" if answer == APPROVE else "Rejected"
    elif (stage.name, action.name) in script.outcomes:
        outcome = script.outcomes[(stage.name, action.name)]
        status, summary = outcome.status, outcome.summary
    elif action.action_type_id.provider == "CodeBuild" and project in script.buildspecs:
        status, summary, build = _build(action, stage, script)
    settings = script.blue_green.get(stage.name)
    if settings is not None and summary is None:
        tested = action.name == settings.e2e_action
        summary = {
            (True, SUCCEEDED): "Tests against green passed",
            (True, FAILED): "Tests against green failed",
            (False, SUCCEEDED): "Deployed to green",
            (False, FAILED): "Deploy to green failed",
        }[(tested, status)]
    return ActionState(
        action_name=action.name,
        status=status,
        run_order=action.run_order,
        summary=summary,
        start_time=start,
        last_status_change=script.clock(),
        approval=approval,
        input_artifacts=action.input_artifacts,
        output_artifacts=action.output_artifacts if status == SUCCEEDED else (),
        build=build,
    )


def _run_stage(stage: Stage, script: _Script) -> StageState:
    done: dict[str, ActionState] = {}
    failed = False
    for order in sorted({action.run_order for action in stage.actions}):
        if failed:
            break
        # One start time for the group: its actions run together, and all of
        # them finish even when one fails, as in CodePipeline.
        start = script.clock()
        for action in stage.actions:
            if action.run_order == order:
                done[action.name] = _run_action(stage, action, start, script)
                failed = failed or done[action.name].status == FAILED
    actions = tuple(
        done.get(a.name) or ActionState(a.name, NOT_RUN, run_order=a.run_order)
        for a in stage.actions
    )
    status = FAILED if failed else SUCCEEDED
    settings = script.blue_green.get(stage.name)
    if settings is None:
        return StageState(stage.name, status, actions)
    return StageState(
        stage.name,
        status,
        actions,
        blue_green=settings,
        traffic_shifted=not failed,
        rolled_back=failed and settings.rollback,
    )


def _not_run(stage: Stage, script: _Script) -> StageState:
    actions = tuple(ActionState(a.name, NOT_RUN, run_order=a.run_order) for a in stage.actions)
    return StageState(stage.name, NOT_RUN, actions, blue_green=script.blue_green.get(stage.name))


def simulate(
    pipeline: Pipeline,
    *,
    outcomes: Mapping[str, str | Outcome] | None = None,
    approvals: Approvals | None = None,
    buildspecs: Mapping[str, tuple[Buildspec, Path]] | None = None,
    blue_green: Mapping[str, BlueGreen] | None = None,
    clock: Clock | None = None,
    execution_id: str | None = None,
    workdir: Path | None = None,
) -> Execution:
    """Run one execution of ``pipeline`` with scripted results (see the module docstring).

    Args:
        pipeline: The pipeline; not modified.
        outcomes: ``"Stage.Action"`` or action name to ``Succeeded``/``Failed``
            or an :class:`Outcome`; unscripted actions succeed.
        approvals: ``"approve"`` (the default), ``"reject"`` or ``"timeout"``
            for every manual approval, or a callback given the stage and the
            action that returns one of those.
        buildspecs: CodeBuild ``ProjectName`` to ``(buildspec, source directory)``:
            those actions run the buildspec locally and succeed if it SUCCEEDED.
        blue_green: Stage name to :class:`BlueGreen`: the stage deploys to
            green and shifts traffic only if it succeeds, its E2E action included.
        clock: Returns the time of each event; a :class:`FakeClock` when None.
        execution_id: The ``pipelineExecutionId``; a uuid5 of the pipeline's
            name when None, so that two runs print the same.
        workdir: Where the buildspec runs put their ``build-<n>`` directories;
            a new temporary directory per build when None.

    Returns:
        The execution; a failed execution is a result, not an exception.

    Raises:
        PipelineError: The script names actions, stages or projects the
            pipeline lacks, contradicts itself, or an approval callback gives
            an answer that is not approve, reject or timeout.
    """
    resolved = _resolve_outcomes(pipeline, outcomes or {})
    _check(pipeline, resolved, buildspecs or {}, blue_green or {})
    run_id = execution_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"mlcicd:{pipeline.name}"))
    script = _Script(
        outcomes=resolved,
        approve=_approver(approvals),
        buildspecs=buildspecs or {},
        blue_green=blue_green or {},
        execution_id=run_id,
        workdir=workdir,
        clock=clock or FakeClock(),
    )
    states: list[StageState] = []
    for stage in pipeline.stages:
        ran = not states or states[-1].status == SUCCEEDED
        states.append(_run_stage(stage, script) if ran else _not_run(stage, script))
    # A source action's outputs are the revisions the execution ran on.
    revisions = tuple(
        (name, hashlib.sha1(f"{run_id}/{name}".encode()).hexdigest())
        for stage, state in zip(pipeline.stages, states, strict=True)
        for action, action_state in zip(stage.actions, state.actions, strict=True)
        if action.action_type_id.category == "Source"
        for name in action_state.output_artifacts
    )
    return Execution(
        pipeline_name=pipeline.name,
        pipeline_execution_id=run_id,
        status=FAILED if any(s.status == FAILED for s in states) else SUCCEEDED,
        stages=tuple(states),
        artifact_revisions=revisions,
        pipeline_version=pipeline.version,
    )


def _read_outcomes(value: Any, tp: Any) -> dict[str, Outcome]:
    # "Failed" is short for {"status": "Failed"}; the mapping form adds a summary.
    if not isinstance(value, Mapping):
        raise ShapeError(f"must be a JSON object, not {type(value).__name__}")
    long = {key: {"status": one} if isinstance(one, str) else one for key, one in value.items()}
    return OUTCOMES.converter.structure(long, tp)


def _read_answer(value: Any, _: Any) -> str:
    if value not in _ANSWERS:
        raise ShapeError(f"must be one of {list(_ANSWERS)}, not {value!r}")
    return str(value)


def _read_blue_green(value: Any, tp: Any) -> dict[str, BlueGreen]:
    settings = OUTCOMES.converter.structure(value, tp)
    for name, one in settings.items():
        if not one.e2e_action:
            raise ShapeError(f"{name}: e2eAction must name the E2E test action")
    return settings


def _strict(kind: type, message: str) -> Any:
    # A person writes this file: a value of the wrong type is a mistake, not widened.
    def read(value: Any, _: Any) -> Any:
        if not isinstance(value, kind):
            raise ShapeError(f"{message}, not {value!r}")
        return value

    return read


@dataclass(frozen=True)
class Scenario:
    """A simulation script, as an outcomes file declares it.

    The file is this declaration in JSON (:data:`OUTCOMES` reads and writes it):
    ``{"actions": {"Test.IntegrationTests": "Failed"}, "approvals": "approve",
    "blueGreen": {"DeployProduction": {"e2eAction": "E2E"}}}``.

    Attributes:
        outcomes: ``"Stage.Action"`` or action name to its scripted result (``actions``).
        approvals: How every manual approval is answered; None approves.
        blue_green: Stage name to its blue/green settings.
    """

    outcomes: Mapping[str, Outcome] = field(
        default_factory=dict, metadata=wire("actions", omit=False, structure=_read_outcomes)
    )
    approvals: ApprovalPolicy | None = field(default=None, metadata=wire(structure=_read_answer))
    blue_green: Mapping[str, BlueGreen] = field(
        default_factory=dict, metadata=wire(structure=_read_blue_green)
    )

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the outcomes file's shape."""
        return OUTCOMES.unstructure(self)


#: Reads and writes outcomes files: camelCase keys, no unknown members, no widening.
OUTCOMES = Wire(
    camel,
    PipelineError,
    omit_empty=True,
    forbid_extra=True,
    located=True,
    scalars={
        str: _strict(str, "must be a string"),
        bool: _strict(bool, "must be true or false"),
    },
)


def load_outcomes(path: Path) -> Scenario:
    """Read an outcomes file into a :class:`Scenario`.

    Every member is optional; an action's outcome may also be ``{"status":
    "Failed", "summary": "3 tests failed"}``.

    Raises:
        PipelineError: The file cannot be read, is not JSON, or has a member
            of the wrong shape (the message says which, at which member).
    """
    name = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise PipelineError(f"cannot read the outcomes file: {error.strerror}", path=name) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PipelineError(f"the outcomes file is not JSON: {error}", path=name) from None
    if not isinstance(data, Mapping):
        raise PipelineError("the outcomes file must hold a JSON object", path=name)
    try:
        return OUTCOMES.structure(data, Scenario)
    except PipelineError as error:
        raise PipelineError(error.message, path=name, location=error.location) from None
