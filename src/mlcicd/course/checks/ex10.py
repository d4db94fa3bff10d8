"""Checkpoints of exercise 10 (Capstone): gates across data, model and infrastructure.

The learner designs the release gates of the churn pipeline and justifies them:

* 10.1 ``data_tests_pass(reference, batch)``: what decides ``Test.DataTests``: the
  batch keeps the data contract (:func:`churn.validate.validate_frame`) and has not
  drifted from the reference (:func:`churn.drift.drift_report`).
* 10.2 ``model_passes(candidate, approved)``: what decides ``Test.ModelQualityGate``:
  the exercise's release policy (floors and a regression tolerance, as
  :class:`churn.gate.QualityGate` applies them).
* 10.3 ``capstone_pipeline()``: a pipeline that ``validate()`` does not flag at all
  (warnings included: PL030 flags a deploy gated only by a Build action), with a
  CodeBuild **Test** action for each of the data, model and infrastructure gates in a
  stage before the first deploy.
* 10.4 ``simulate_release(batch, candidate)``: the hand-off: each test action scripted
  from its own gate, on the inputs it was given.
* 10.5 ``assert_release_gated(template)``: the same gates read back from the
  synthesized CloudFormation template of the course's stack (requires Node.js).

Public cases (they run in the learner's notebook, and the learner's copy of the
course holds only them):

* 10.1: a fresh batch passes; a batch whose bills rose and tenure shortened fails.
* 10.2: a good candidate passes; a first model below the recall floor and a candidate
  whose ROC AUC fell 0.03 below the approved model's fail.
* 10.3: the object is a Pipeline, ``validate()`` finds nothing, the three test actions
  run before the first deploy.
* 10.4: a fresh batch and a good candidate succeed all the way; the drifted batch fails
  DataTests only, and no stage after the gates runs.
* 10.5: the course's template passes; the same template without its DataTests
  action raises AssertionError.

The other cases are hidden: they exist only where the instructor grades, and a
failing one names the rule it checks, not its input.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mlcicd.course.checkpoint import case, check, expect
from mlcicd.pipeline import Execution, Pipeline, simulate, validate

# BEGIN HIDDEN CASES
# isort: split
from mlcicd.course.checkpoint import hidden_case

# END HIDDEN CASES

#: The data tests, the quality gate and the infrastructure tests: the action names the
#: exercise asks for, each of category Test.
DATA_ACTION = "DataTests"
MODEL_ACTION = "ModelQualityGate"
INFRA_ACTION = "InfrastructureTests"
GATES = (DATA_ACTION, MODEL_ACTION, INFRA_ACTION)

#: The exercise's release policy (its setup cell states the same numbers).
FLOORS = {"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}
TOLERANCE = 0.02


@functools.cache
def _frames() -> dict[str, pd.DataFrame]:
    """The reference data and the batches of the cases, generated once per process."""
    from churn.data import generate

    fresh = generate(1000, seed=2)
    frames = {
        # The same reference the exercise's setup cell generates.
        "reference": generate(2000, seed=1),
        "fresh": fresh,
        "drifted": generate(1000, seed=3, distribution_drift=0.5),
    }
    # BEGIN HIDDEN CASES
    negative = fresh.copy()
    negative.loc[negative.index[0], "tenure_months"] = -3
    contract = fresh.copy()
    contract.loc[contract.index[:400], "contract"] = "two-year"
    bills = fresh.copy()
    bills["monthly_charges"] = bills["monthly_charges"] + 4
    frames |= {
        "another_fresh": generate(600, seed=7),
        "shuffled": fresh.sample(frac=1.0, random_state=5)[list(reversed(fresh.columns))],
        "schema": generate(1000, seed=5, schema_drift=True),
        "empty": fresh.iloc[:0],
        "negative_tenure": negative,
        "label_drift": generate(1000, seed=4, label_drift=0.3),
        "contract_only": contract,
        "bills_only": bills,
    }
    # END HIDDEN CASES
    return frames


def batch(name: str) -> pd.DataFrame:
    """A copy of one of the cases' frames (so a learner's function cannot spoil the next case)."""
    return _frames()[name].copy()


def _is_verdict(got: object, expected: bool) -> None:
    """Fail unless ``got`` is the boolean ``expected`` (numpy's booleans count as booleans)."""
    expect(
        isinstance(got, (bool, np.bool_)),
        f"it returned {type(got).__name__} {got!r}; return True or False",
    )
    expect(bool(got) is expected, f"it returned {bool(got)}, not {expected}")


def _decides(data_tests_pass: Callable[..., Any], name: str, expected: bool) -> None:
    """Fail unless ``data_tests_pass(reference, batch)`` is ``expected``, leaving both frames."""
    reference, given = batch("reference"), batch(name)
    got = data_tests_pass(reference, given)
    _is_verdict(got, expected)
    expect(
        reference.equals(_frames()["reference"]) and given.equals(_frames()[name]),
        "it modified a frame it was given",
    )


@check(
    "10.1",
    points=3,
    needs=("data_tests_pass",),
    hint="The data tests pass only when the batch breaks no rule of the data contract and no "
    "column, the label included, has drifted from the reference at the default thresholds. "
    "Check the contract first (drift cannot be measured on a batch that breaks it), and modify "
    "neither frame.",
    concept="A data gate stops inputs unlike what the model learnt from: a broken contract "
    "means the batch cannot even be read as intended, and drift means it can be read but the "
    "model's measured quality says nothing about it. Either one is a reason to stop the release.",
    lesson="10#Data gate: the contract, then drift",
    defined_in="the cell under 'Exercise 1'",
)
def data_gate(data_tests_pass: Callable[..., Any]) -> None:
    """The learner's data gate passes fresh batches and fails broken or drifted ones."""
    with case("a fresh batch from the same customers (generate(1000, seed=2))"):
        _decides(data_tests_pass, "fresh", True)
    with case(
        "a batch that keeps the contract but drifted: bills rose, tenure shortened "
        "(generate(1000, seed=3, distribution_drift=0.5))"
    ):
        _decides(data_tests_pass, "drifted", False)
    # BEGIN HIDDEN CASES
    for rule, name, expected in (
        ("another fresh batch passes too", "another_fresh", True),
        (
            "the same fresh batch with its rows and columns in another order passes",
            "shuffled",
            True,
        ),
        ("a batch that breaks the contract fails, without an exception", "schema", False),
        ("a batch with no rows fails, without an exception", "empty", False),
        (
            "a batch with one value out of its range fails, though nothing drifted",
            "negative_tenure",
            False,
        ),
        ("a batch whose churn rate drifted fails: the label is checked too", "label_drift", False),
        ("a batch where only one categorical column drifted fails", "contract_only", False),
        ("a batch where only one numeric column drifted fails", "bills_only", False),
    ):
        with hidden_case(rule):
            _decides(data_tests_pass, name, expected)
    # END HIDDEN CASES


def metrics(roc_auc: float, f1: float, precision: float, recall: float) -> Any:
    """A :class:`churn.train.Metrics` on 2,000 rows."""
    from churn.train import Metrics

    return Metrics(roc_auc=roc_auc, f1=f1, precision=precision, recall=recall, rows=2000)


#: The approved model's metrics (the exercise's ``APPROVED``), and candidates.
APPROVED = (0.86, 0.56, 0.66, 0.47)
GOOD = (0.86, 0.57, 0.65, 0.48)
REGRESSED = (0.83, 0.56, 0.66, 0.47)
WEAK = (0.84, 0.40, 0.62, 0.30)

#: Public cases of 10.2: description, candidate, whether an approved model exists, verdict.
VERDICTS: tuple[tuple[str, tuple[float, ...], bool, bool], ...] = (
    ("a candidate as good as APPROVED, compared with APPROVED", GOOD, True, True),
    (
        "a first model (approved=None) with recall 0.38, the rest above the floors",
        (0.84, 0.52, 0.60, 0.38),
        False,
        False,
    ),
    (
        "a candidate whose roc_auc is 0.03 below APPROVED's, compared with APPROVED",
        REGRESSED,
        True,
        False,
    ),
)

# BEGIN HIDDEN CASES
_NAN = float("nan")
#: Hidden cases of 10.2: the rule, candidate, whether an approved model exists, verdict.
HIDDEN_VERDICTS: tuple[tuple[str, tuple[float, ...], bool, bool], ...] = (
    (
        "a first model exactly at every floor passes (precision has no floor)",
        (0.80, 0.45, 0.30, 0.40),
        False,
        True,
    ),
    ("a first model just below one floor fails", (0.799, 0.50, 0.60, 0.45), False, False),
    (
        "a first model below this policy's ROC AUC floor fails",
        (0.78, 0.50, 0.60, 0.45),
        False,
        False,
    ),
    ("a metric that is NaN fails", (_NAN, 0.50, 0.60, 0.45), False, False),
    (
        "a candidate exactly the tolerance below the approved model passes",
        (0.84, 0.54, 0.64, 0.45),
        True,
        True,
    ),
    (
        "a metric more than the tolerance below the approved model fails, even just more",
        (0.86, 0.56, 0.66, 0.449),
        True,
        False,
    ),
    (
        "a metric without a floor still may not fall more than the tolerance",
        (0.86, 0.56, 0.62, 0.47),
        True,
        False,
    ),
)
# END HIDDEN CASES


def _verdict(
    model_passes: Callable[..., Any], candidate: tuple[float, ...], compared: bool, expected: bool
) -> None:
    approved = metrics(*APPROVED) if compared else None
    got = model_passes(metrics(*candidate), approved)
    _is_verdict(got, expected)


@check(
    "10.2",
    points=3,
    needs=("model_passes",),
    hint="Apply the exercise's release policy as stated, not the gate's defaults: a floor is "
    "reached at its value or above; every metric, floored or not, may fall at most the "
    "tolerance below the approved model's; with no approved model only the floors apply; a NaN "
    "metric never passes.",
    concept="A quality gate has two jobs: floors stop a model that is bad in absolute terms "
    "(even the first one), and the regression check stops a model that is worse than what "
    "users already have. The policy's numbers come from what a wrong prediction costs, so a "
    "gate must use them exactly, boundaries included.",
    lesson="10#Model gate: a release policy",
    defined_in="the cell under 'Exercise 2'",
)
def model_gate(model_passes: Callable[..., Any]) -> None:
    """The learner's model gate applies the exercise's policy at its boundaries."""
    for description, candidate, compared, expected in VERDICTS:
        with case(description):
            _verdict(model_passes, candidate, compared, expected)
    # BEGIN HIDDEN CASES
    for rule, candidate, compared, expected in HIDDEN_VERDICTS:
        with hidden_case(rule):
            _verdict(model_passes, candidate, compared, expected)
    # END HIDDEN CASES


def _deploy_stage(pipeline: Pipeline) -> int:
    """The index of the first stage with a Deploy action (the number of stages if none)."""
    return next(
        (
            i
            for i, candidate in enumerate(pipeline.stages)
            if "Deploy" in {act.action_type_id.category for act in candidate.actions}
        ),
        len(pipeline.stages),
    )


def _deploy_actions(pipeline: Pipeline) -> list[tuple[str, str]]:
    return [
        (stage.name, action.name)
        for stage in pipeline.stages
        for action in stage.actions
        if action.action_type_id.category == "Deploy"
    ]


def _stage_of(pipeline: Pipeline, action_name: str) -> str | None:
    return next((s.name for s in pipeline.stages for a in s.actions if a.name == action_name), None)


@check(
    "10.3",
    points=2,
    needs=("capstone_pipeline",),
    hint="validate() must report nothing at all, warnings included, and each of the three gates "
    "must be a CodeBuild action of category Test in a stage before the first stage that "
    "deploys. A Build action does not count as a gate.",
    concept="A pipeline is only as strict as its weakest path to production: every deployment "
    "must come after the gates that can stop it. A Build action produces the artifact; a Test "
    "action exists to say no, which is why the validator and CodePipeline's own view of "
    "categories treat them differently.",
    lesson="10#Pipeline gate: Test actions before every deploy",
    defined_in="the cell under 'Exercise 3'",
)
def pipeline_gates_deploy(capstone_pipeline: Callable[[], Any]) -> None:
    """The learner's pipeline validates clean and runs the three test gates before any deploy."""
    with case("capstone_pipeline()"):
        pipeline = capstone_pipeline()
        expect(
            isinstance(pipeline, Pipeline),
            f"it returned a {type(pipeline).__name__}, not a Pipeline",
        )
    with case("validate(capstone_pipeline()), warnings included"):
        findings = validate(pipeline)
        expect(not findings, findings[0].format() if findings else "")
    with case("the three gates, before the first stage that deploys"):
        expect(_deploy_actions(pipeline), "it never deploys")
        first = _deploy_stage(pipeline)
        for name in GATES:
            found = [
                (i, a)
                for i, stage in enumerate(pipeline.stages)
                for a in stage.actions
                if a.name == name
            ]
            expect(found, f"it has no action named {name}")
            index, action = found[0]
            kind = action.action_type_id
            expect(
                kind.category == "Test" and kind.provider == "CodeBuild",
                f"{name} is a {kind.provider} action of category {kind.category}; a gate is a "
                "CodeBuild action of category Test",
            )
            expect(
                index < first,
                f"{name} runs in stage {pipeline.stages[index].name!r}, not before the first "
                f"stage that deploys ({pipeline.stages[first].name!r})",
            )
    # BEGIN HIDDEN CASES
    for name in GATES:
        with hidden_case(f"a failing {name} action stops every deploy action"):
            stage = _stage_of(pipeline, name)
            execution = simulate(pipeline, outcomes={f"{stage}.{name}": "Failed"})
            ran = [
                a for s, a in _deploy_actions(pipeline) if execution.action(s, a).status != "NotRun"
            ]
            expect(not ran, f"{ran} still ran")
    # END HIDDEN CASES


#: Releases the public cases of 10.4 simulate: description, batch, candidate, the expected
#: status of DataTests and of ModelQualityGate (everything deploys when both succeed).
RELEASES: tuple[tuple[str, str, tuple[float, ...], str, str], ...] = (
    ("the fresh batch and a good candidate", "fresh", GOOD, "Succeeded", "Succeeded"),
    ("the drifted batch and a good candidate", "drifted", GOOD, "Failed", "Succeeded"),
)

# BEGIN HIDDEN CASES
#: Hidden releases: the rule each pins down, batch, candidate, DataTests, ModelQualityGate.
HIDDEN_RELEASES: tuple[tuple[str, str, tuple[float, ...], str, str], ...] = (
    (
        "the batch given decides DataTests: another fresh batch deploys",
        "another_fresh",
        GOOD,
        "Succeeded",
        "Succeeded",
    ),
    (
        "the candidate is compared with APPROVED: one that regressed fails ModelQualityGate only",
        "fresh",
        REGRESSED,
        "Succeeded",
        "Failed",
    ),
    (
        "each failing gate fails its own action: a broken batch and a weak model fail both",
        "schema",
        WEAK,
        "Failed",
        "Failed",
    ),
)
# END HIDDEN CASES


def _gate_stage(execution: Execution, action: str) -> tuple[int, str] | None:
    """The index and name of the stage that ran the action ``action``, or None."""
    for index, stage in enumerate(execution.stages):
        if any(a.action_name == action for a in stage.actions):
            return index, stage.stage_name
    return None


def _releases(
    simulate_release: Callable[..., Any],
    name: str,
    candidate: tuple[float, ...],
    data: str,
    model: str,
) -> None:
    """Fail unless the simulated release gives each gate its status, and stops after a no."""
    execution = simulate_release(batch(name), metrics(*candidate))
    expect(
        isinstance(execution, Execution),
        f"it returned a {type(execution).__name__}, not the Execution simulate(...) returns",
    )
    last = 0
    for action, expected in ((DATA_ACTION, data), (MODEL_ACTION, model)):
        where = _gate_stage(execution, action)
        expect(where is not None, f"the execution has no action {action} (see Exercise 3)")
        index, stage = where  # type: ignore[misc]
        last = max(last, index)
        got = execution.action(stage, action).status
        expect(got == expected, f"{stage}.{action} is {got}, not {expected}")
    if data == model == "Succeeded":
        expect(
            execution.succeeded,
            f"the execution {execution.status}; when both gates pass, every stage runs and "
            "succeeds (the reviewer approves)",
        )
    else:
        ran = [s.stage_name for s in execution.stages[last + 1 :] if s.status != "NotRun"]
        expect(not ran, f"stage {ran[0] if ran else ''} ran after a gate said no")


@check(
    "10.4",
    points=3,
    needs=("simulate_release",),
    hint="Script each test action from its own gate: the data gate on the reference and the "
    "batch you were given decides DataTests, the model gate on the candidate and the approved "
    "model decides ModelQualityGate. Both actions run whatever the other gives; every other "
    "action succeeds.",
    concept="A simulation is only as honest as its hand-offs: each action's outcome must come "
    "from the evidence that action would see in CodePipeline, so that a failed execution "
    "says which gate said no and why.",
    lesson="10#Rehearse a release",
    defined_in="the cell under 'Exercise 4'",
)
def release_follows_gates(simulate_release: Callable[..., Any]) -> None:
    """Each test action is scripted from its own gate, on the inputs given."""
    for description, name, candidate, data, model in RELEASES:
        with case(description):
            _releases(simulate_release, name, candidate, data, model)
    # BEGIN HIDDEN CASES
    for rule, name, candidate, data, model in HIDDEN_RELEASES:
        with hidden_case(rule):
            _releases(simulate_release, name, candidate, data, model)
    # END HIDDEN CASES


#: What 10.5 needs on the machine: nothing beyond the course, since it reads the committed
#: template (``mlcicd.iac.committed_template``) instead of synthesizing the stack.
REQUIRES: tuple[str, ...] = ()


@functools.cache
def _synthesized() -> str:
    # The committed template, which a test keeps equal to what the stack synthesizes: no
    # Node.js and no jsii start in a grading kernel (a synth there took over 30 s under load).
    from mlcicd.iac import committed_template

    return json.dumps(committed_template())


def course_template() -> dict[str, Any]:
    """The course's stack as a template dict: read once per process, copied per call."""
    return json.loads(_synthesized())


def _pipeline_stages(template: dict[str, Any]) -> list[dict[str, Any]]:
    (pipeline,) = (
        r for r in template["Resources"].values() if r.get("Type") == "AWS::CodePipeline::Pipeline"
    )
    return pipeline["Properties"]["Stages"]


def _action(template: dict[str, Any], name: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The action list holding the action ``name``, and the action."""
    for declared in _pipeline_stages(template):
        found = [entry for entry in declared["Actions"] if entry["Name"] == name]
        if found:
            return declared["Actions"], found[0]
    raise KeyError(name)


def without_action(name: str) -> dict[str, Any]:
    """The course template with the action ``name`` removed from its pipeline."""
    template = course_template()
    actions, action = _action(template, name)
    actions.remove(action)
    return template


# BEGIN HIDDEN CASES


def _moved_after_first_deploy(name: str) -> dict[str, Any]:
    template = course_template()
    actions, action = _action(template, name)
    actions.remove(action)
    stages = _pipeline_stages(template)
    deploy = next(
        i
        for i, s in enumerate(stages)
        if any(a["ActionTypeId"]["Category"] == "Deploy" for a in s["Actions"])
    )
    stages[deploy + 1]["Actions"].append(action)  # the stage after the first deploy (E2E)
    return template


def _as_build(name: str) -> dict[str, Any]:
    template = course_template()
    _action(template, name)[1]["ActionTypeId"]["Category"] = "Build"
    return template


def _without_reports(name: str) -> dict[str, Any]:
    import yaml

    template = course_template()
    project = _action(template, name)[1]["Configuration"]["ProjectName"]
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource.get("Type") == "AWS::CodeBuild::Project" and properties.get("Name") == project:
            spec = yaml.safe_load(properties["Source"]["BuildSpec"])
            spec.pop("reports", None)
            properties["Source"]["BuildSpec"] = json.dumps(spec, indent=2)
    return template


def _reordered() -> dict[str, Any]:
    """The course template with each stage's actions listed in reverse order: still gated."""
    template = course_template()
    for stage in _pipeline_stages(template):
        stage["Actions"].reverse()
    return template


# END HIDDEN CASES


def _raises(assert_release_gated: Callable[..., Any], template: dict[str, Any]) -> None:
    given = copy.deepcopy(template)
    try:
        result = assert_release_gated(given)
    except AssertionError:
        return
    expect(False, f"it returned {result!r} instead of raising AssertionError")


def _passes(assert_release_gated: Callable[..., Any], template: dict[str, Any]) -> None:
    given = copy.deepcopy(template)
    try:
        result = assert_release_gated(given)
    except AssertionError as error:
        first = (str(error).strip().splitlines() or [""])[0]
        expect(False, f"it raised AssertionError ({first}) but the template is gated")
    expect(result is None, f"it returned {result!r}; return nothing (None)")
    expect(given == template, "it modified the template it was given")


@check(
    "10.5",
    points=3,
    needs=("assert_release_gated",),
    hint="Read the pipeline's stages in order. Before the first stage holding a Deploy action, "
    "an action of category Test must be named DataTests and another ModelQualityGate, and the "
    "CodeBuild project each one names must have a buildspec with a reports section. Raise "
    "AssertionError when any of it fails; return nothing when all holds.",
    concept="The template is what CloudFormation will create, so it is the last place a gate "
    "can be lost (a refactor of the stack, a renamed project, a buildspec without reports) "
    "before it reaches an account. Testing the synthesized template turns the gate design "
    "into a test that runs on every change to the infrastructure code.",
    lesson="10#Infrastructure gate: read the gates back from the template",
    defined_in="the cell under 'Exercise 5'",
    requires=REQUIRES,
)
def template_keeps_gates(assert_release_gated: Callable[..., Any]) -> None:
    """The learner's template assertion passes the course's stack and fails ungated copies."""
    with case("the course's synthesized template"):
        _passes(assert_release_gated, course_template())
    with case("the course's template without its DataTests action"):
        _raises(assert_release_gated, without_action(DATA_ACTION))
    # BEGIN HIDDEN CASES
    with hidden_case("the order of actions inside a stage does not matter"):
        _passes(assert_release_gated, _reordered())
    for rule, template in (
        (
            "a template without the ModelQualityGate action fails",
            lambda: without_action(MODEL_ACTION),
        ),
        (
            "a gate that runs after the first deploy stage fails",
            lambda: _moved_after_first_deploy(DATA_ACTION),
        ),
        ("a gate of category Build fails", lambda: _as_build(MODEL_ACTION)),
        (
            "a gate whose own project's buildspec has no reports fails",
            lambda: _without_reports(DATA_ACTION),
        ),
    ):
        with hidden_case(rule):
            _raises(assert_release_gated, template())
    # END HIDDEN CASES
