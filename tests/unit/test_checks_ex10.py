"""Checkpoints of exercise 10 (Capstone): right answers pass, wrong ones fail with their case.

10.5 reads the course stack's committed template (``mlcicd.iac.committed_template``,
kept equal to the synthesized one by the stack's snapshot test), so it needs no Node.js.
"""

from __future__ import annotations

import ast
import copy
import json
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from checkpoint_mutants import Wrong, mutant_tests

from churn.data import generate
from churn.drift import drift_report
from churn.gate import QualityGate
from churn.train import Metrics
from churn.validate import validate_frame
from mlcicd.course.checkpoint import evaluate
from mlcicd.course.checks import ex10
from mlcicd.course.hidden import check_module_path, public_checks, strip_hidden
from mlcicd.iac import cdk_problem
from mlcicd.pipeline import Execution, Pipeline, Stage, ml_pipeline, simulate
from mlcicd.pipeline.actions import (
    cloudformation_deploy,
    codebuild_action,
    codecommit_source,
    manual_approval,
)

NO_CDK = cdk_problem()
ROOT = Path(__file__).resolve().parents[2]

ROLE_ARN = "arn:aws:iam::123456789012:role/codepipeline-service"
ARTIFACT_BUCKET = "churn-artifacts"
REFERENCE_DATA = generate(2000, seed=1)
APPROVED = Metrics(roc_auc=0.86, f1=0.56, precision=0.66, recall=0.47, rows=2000)
DRIFTED = generate(1000, seed=3, distribution_drift=0.5)

# Right answers (the solution's) ------------------------------------------------


def data_tests_pass(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    if not validate_frame(batch, source="batch").passed:
        return False
    return not drift_report(reference, batch).drifted


POLICY = QualityGate(minimums={"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}, tolerance=0.02)


def model_passes(candidate: Metrics, approved: Metrics | None) -> bool:
    return POLICY.evaluate(candidate, approved).passed


def capstone_pipeline() -> Pipeline:
    pipeline = ml_pipeline("churn-ml", role_arn=ROLE_ARN, artifact_bucket=ARTIFACT_BUCKET)
    infrastructure = codebuild_action(
        "InfrastructureTests",
        project="churn-infrastructure-tests",
        inputs=("SourceOutput",),
        category="Test",
    )
    stages = tuple(
        replace(stage, actions=(*stage.actions, infrastructure)) if stage.name == "Test" else stage
        for stage in pipeline.stages
    )
    return replace(pipeline, stages=stages)


def simulate_release(batch: pd.DataFrame, candidate: Metrics) -> Execution:
    outcomes = {}
    if not data_tests_pass(REFERENCE_DATA, batch):
        outcomes["Test.DataTests"] = "Failed"
    if not model_passes(candidate, APPROVED):
        outcomes["Test.ModelQualityGate"] = "Failed"
    return simulate(capstone_pipeline(), outcomes=outcomes)


def assert_release_gated(template: dict[str, Any]) -> None:
    resources = template["Resources"].values()
    buildspecs = {
        r["Properties"]["Name"]: json.loads(r["Properties"]["Source"]["BuildSpec"])
        for r in resources
        if r["Type"] == "AWS::CodeBuild::Project"
    }
    pipelines = [r for r in resources if r["Type"] == "AWS::CodePipeline::Pipeline"]
    assert pipelines, "the template has no pipeline"
    for pipeline in pipelines:
        gated = set()
        for stage in pipeline["Properties"]["Stages"]:
            kinds = [a["ActionTypeId"]["Category"] for a in stage["Actions"]]
            if "Deploy" in kinds:
                break
            for action in stage["Actions"]:
                if action["ActionTypeId"]["Category"] != "Test":
                    continue
                project = action["Configuration"]["ProjectName"]
                assert "reports" in buildspecs.get(project, {}), f"{project} reports nothing"
                gated.add(action["Name"])
        missing = {"DataTests", "ModelQualityGate"} - gated
        assert not missing, f"no {sorted(missing)} before the first deploy"


#: A right answer for every name the exercise's checks need.
REFERENCE: dict[str, Any] = {
    "data_tests_pass": data_tests_pass,
    "model_passes": model_passes,
    "capstone_pipeline": capstone_pipeline,
    "simulate_release": simulate_release,
    "assert_release_gated": assert_release_gated,
}

# Right answers written differently ---------------------------------------------


def data_tests_pass_by_findings(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    findings = validate_frame(batch).findings
    return len(findings) == 0 and len(drift_report(reference, batch).drifted_columns) == 0


def model_passes_by_hand(candidate: Metrics, approved: Metrics | None) -> bool:
    floors = {"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}
    for name in ("roc_auc", "f1", "precision", "recall"):
        value = getattr(candidate, name)
        if math.isnan(value) or value < floors.get(name, -math.inf) - 1e-9:
            return False
        if approved is not None and value < getattr(approved, name) - 0.02 - 1e-9:
            return False
    return True


def pipeline_by_hand() -> Pipeline:
    """Declared action by action, a CodeCommit source, the gates in a stage of their own."""
    source = codecommit_source("Source", repository="churn")
    build = codebuild_action(
        "Package", project="churn-build", inputs=("SourceOutput",), outputs=("BuildOutput",)
    )
    gates = tuple(
        codebuild_action(
            name, project=f"churn-{name.lower()}", inputs=("BuildOutput",), category="Test"
        )
        for name in ("DataTests", "ModelQualityGate", "InfrastructureTests")
    )

    def deploy(stage: str) -> Any:
        return cloudformation_deploy(
            f"Deploy{stage.capitalize()}",
            stack_name=f"churn-{stage}",
            template_path="BuildOutput::template.yaml",
            role_arn=ROLE_ARN,
            inputs=("BuildOutput",),
        )

    return Pipeline(
        name="churn-by-hand",
        role_arn=ROLE_ARN,
        stages=(
            Stage("Source", (source,)),
            Stage("Build", (build,)),
            Stage("Gates", gates),
            Stage("Approval", (manual_approval("Approve"),)),
            Stage("Staging", (deploy("staging"),)),
            Stage("Production", (deploy("production"),)),
        ),
        artifact_store={"type": "S3", "location": ARTIFACT_BUCKET},
        pipeline_type="V2",
    )


def assert_release_gated_by_walk(template: dict[str, Any]) -> None:
    """Collects positions first, then compares; reads the buildspec as YAML."""
    import yaml

    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    stages = pipeline["Properties"]["Stages"]
    deploy = min(
        i
        for i, s in enumerate(stages)
        if any(a["ActionTypeId"]["Category"] == "Deploy" for a in s["Actions"])
    )
    for name in ("DataTests", "ModelQualityGate"):
        where = [(i, a) for i, s in enumerate(stages) for a in s["Actions"] if a["Name"] == name]
        assert where and where[0][0] < deploy, name
        action = where[0][1]
        assert action["ActionTypeId"]["Category"] == "Test", name
        (project,) = [
            r["Properties"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::CodeBuild::Project"
            and r["Properties"]["Name"] == action["Configuration"]["ProjectName"]
        ]
        assert yaml.safe_load(project["Source"]["BuildSpec"]).get("reports"), name


@pytest.mark.parametrize(
    ("checkpoint_id", "answers", "points"),
    [
        ("10.1", {"data_tests_pass": data_tests_pass}, 3),
        ("10.1", {"data_tests_pass": data_tests_pass_by_findings}, 3),
        ("10.2", {"model_passes": model_passes}, 3),
        ("10.2", {"model_passes": model_passes_by_hand}, 3),
        ("10.3", {"capstone_pipeline": capstone_pipeline}, 2),
        ("10.3", {"capstone_pipeline": pipeline_by_hand}, 2),
        ("10.4", REFERENCE, 3),
        ("10.5", {"assert_release_gated": assert_release_gated}, 3),
        ("10.5", {"assert_release_gated": assert_release_gated_by_walk}, 3),
    ],
    ids=[
        "10.1",
        "10.1-by-findings",
        "10.2",
        "10.2-by-hand",
        "10.3",
        "10.3-by-hand",
        "10.4",
        "10.5",
        "10.5-by-walk",
    ],
)
def test_a_right_answer_passes_however_it_is_written(
    checkpoint_id: str, answers: dict[str, Any], points: int
) -> None:
    assert evaluate(checkpoint_id, answers) == (
        True,
        f"Checkpoint {checkpoint_id} passed ({points}/{points} points)",
    )


def test_10_4_passes_a_release_through_a_pipeline_built_by_hand() -> None:
    def release(batch: pd.DataFrame, candidate: Metrics) -> Execution:
        outcomes = {}
        if not data_tests_pass(REFERENCE_DATA, batch):
            outcomes["Gates.DataTests"] = "Failed"
        if not model_passes(candidate, APPROVED):
            outcomes["ModelQualityGate"] = "Failed"
        return simulate(pipeline_by_hand(), outcomes=outcomes)

    assert evaluate("10.4", {"simulate_release": release}) == (
        True,
        "Checkpoint 10.4 passed (3/3 points)",
    )


# Wrong answers ------------------------------------------------------------------

# 10.1: the data gate.


def _contract_only(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    return validate_frame(batch).passed


def _drift_only(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    return not drift_report(reference, batch).drifted


def _drift_first(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    drifted = drift_report(reference, batch).drifted
    return validate_frame(batch).passed and not drifted


def _features_only(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    if not validate_frame(batch).passed:
        return False
    label = "churned"
    return not drift_report(reference.drop(columns=label), batch.drop(columns=label)).drifted


def _one_column_tolerated(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    if not validate_frame(batch).passed:
        return False
    return len(drift_report(reference, batch).drifted_columns) <= 1


def _numeric_drift_only(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    if not validate_frame(batch).passed:
        return False
    report = drift_report(reference, batch)
    return not any(c.drifted for c in report.columns if c.statistic == "ks")


def _fills_gaps_in_place(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    batch["monthly_charges"] = batch["monthly_charges"].fillna(0.0)
    return data_tests_pass(reference, batch)


def _report_not_bool(reference: pd.DataFrame, batch: pd.DataFrame) -> object:
    return validate_frame(batch).passed and drift_report(reference, batch)


def _positional(reference: pd.DataFrame, batch: pd.DataFrame) -> bool:
    """Compares the first rows it sees: only works while the rows come in order."""
    if not validate_frame(batch).passed:
        return False
    if batch.columns[0] != "customer_id":
        return False
    return not drift_report(reference, batch).drifted


# 10.2: the model gate.


def _default_gate(candidate: Metrics, approved: Metrics | None) -> bool:
    return QualityGate().evaluate(candidate, approved).passed


def _strict_floors(candidate: Metrics, approved: Metrics | None) -> bool:
    floors = {"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}
    if any(getattr(candidate, m) <= floor for m, floor in floors.items()):
        return False
    return approved is None or (
        all(getattr(candidate, m) >= getattr(approved, m) - 0.02 for m in floors)
        and candidate.precision >= approved.precision - 0.02
    )


def _nan_slips_through(candidate: Metrics, approved: Metrics | None) -> bool:
    floors = {"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}
    if any(getattr(candidate, m) < floor for m, floor in floors.items()):
        return False
    names = ("roc_auc", "f1", "precision", "recall")
    return approved is None or not any(
        getattr(candidate, m) < getattr(approved, m) - 0.02 for m in names
    )


def _floors_only(candidate: Metrics, approved: Metrics | None) -> bool:
    return POLICY.evaluate(candidate, None).passed


def _regression_on_floored_only(candidate: Metrics, approved: Metrics | None) -> bool:
    if not POLICY.evaluate(candidate, None).passed:
        return False
    return approved is None or all(
        getattr(candidate, m) >= getattr(approved, m) - 0.02 - 1e-9
        for m in ("roc_auc", "recall", "f1")
    )


def _loose_tolerance(candidate: Metrics, approved: Metrics | None) -> bool:
    return replace(POLICY, tolerance=0.05).evaluate(candidate, approved).passed


def _close_enough(candidate: Metrics, approved: Metrics | None) -> bool:
    """Treats a metric within 0.005 of a floor as reaching it."""
    floors = {"roc_auc": 0.80, "recall": 0.40, "f1": 0.45}
    for m, floor in floors.items():
        value = getattr(candidate, m)
        if not (value >= floor or math.isclose(value, floor, abs_tol=0.005)):
            return False
    return approved is None or POLICY.evaluate(candidate, approved).passed


def _strict_tolerance(candidate: Metrics, approved: Metrics | None) -> bool:
    if not POLICY.evaluate(candidate, None).passed:
        return False
    names = ("roc_auc", "f1", "precision", "recall")
    return approved is None or all(
        getattr(candidate, m) > getattr(approved, m) - 0.02 for m in names
    )


# 10.3: the pipeline.


def _stages(pipeline: Pipeline, *stages: Stage) -> Pipeline:
    return replace(pipeline, stages=stages)


def _lesson_pipeline() -> Pipeline:
    return ml_pipeline("churn-ml", role_arn=ROLE_ARN, artifact_bucket=ARTIFACT_BUCKET)


def _build_gates_only() -> Pipeline:
    """Source -> Build (every check as a Build action) -> Deploy: PL030."""
    by_hand = pipeline_by_hand()
    stages = {s.name: s for s in by_hand.stages}
    as_build = tuple(
        replace(a, action_type_id=replace(a.action_type_id, category="Build"))
        for a in stages["Gates"].actions
    )
    build = Stage("Build", (*stages["Build"].actions, *as_build))
    return _stages(by_hand, stages["Source"], build, stages["Staging"], stages["Production"])


def _infra_as_build() -> Pipeline:
    """The infrastructure tests as a Build action; the other gates keep the deploys quiet."""
    by_hand = pipeline_by_hand()
    gates = tuple(
        replace(a, action_type_id=replace(a.action_type_id, category="Build"))
        if a.name == "InfrastructureTests"
        else a
        for a in by_hand.stages[2].actions
    )
    return _stages(by_hand, *by_hand.stages[:2], Stage("Gates", gates), *by_hand.stages[3:])


def _gates_after_staging() -> Pipeline:
    """Approval gates staging; the tests run between staging and production."""
    s = {stage.name: stage for stage in pipeline_by_hand().stages}
    return _stages(
        pipeline_by_hand(),
        s["Source"],
        s["Build"],
        s["Approval"],
        s["Staging"],
        s["Gates"],
        s["Production"],
    )


def _production_only() -> Pipeline:
    s = {stage.name: stage for stage in pipeline_by_hand().stages}
    return _stages(pipeline_by_hand(), s["Source"], s["Build"], s["Gates"], s["Production"])


def _infra_reads_a_missing_artifact() -> Pipeline:
    pipeline = capstone_pipeline()
    test = next(s for s in pipeline.stages if s.name == "Test")
    actions = tuple(
        replace(a, input_artifacts=("TemplateOutput",)) if a.name == "InfrastructureTests" else a
        for a in test.actions
    )
    return _stages(
        pipeline, *(Stage("Test", actions) if s.name == "Test" else s for s in pipeline.stages)
    )


def _gates_beside_the_deploy() -> Pipeline:
    """The gates in the staging stage, run before the deploy by run order: not a stage before."""
    s = {stage.name: stage for stage in pipeline_by_hand().stages}
    staging = Stage("Staging", (*s["Gates"].actions, replace(s["Staging"].actions[0], run_order=2)))
    return _stages(
        pipeline_by_hand(), s["Source"], s["Build"], s["Approval"], staging, s["Production"]
    )


# 10.4: the hand-off.


def _release(
    data: Callable[..., bool],
    model: Callable[..., bool],
    keys: tuple[str, str] = ("Test.DataTests", "Test.ModelQualityGate"),
    **options: Any,
) -> Callable[..., Execution]:
    def release(batch: pd.DataFrame, candidate: Metrics) -> Execution:
        outcomes = {}
        if not data(batch):
            outcomes[keys[0]] = "Failed"
        if not model(candidate):
            outcomes[keys[1]] = "Failed"
        return simulate(capstone_pipeline(), outcomes=outcomes, **options)

    return release


def _short_circuit(batch: pd.DataFrame, candidate: Metrics) -> Execution:
    """Fails both gates as soon as the data gate fails."""
    if not data_tests_pass(REFERENCE_DATA, batch):
        failed = {"Test.DataTests": "Failed", "Test.ModelQualityGate": "Failed"}
        return simulate(capstone_pipeline(), outcomes=failed)
    return simulate_release(batch, candidate)


# 10.5: the template assertion.


def _gates_named_only(template: dict[str, Any]) -> None:
    names = {
        a["Name"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodePipeline::Pipeline"
        for s in r["Properties"]["Stages"]
        for a in s["Actions"]
    }
    assert {"DataTests", "ModelQualityGate"} <= names


def _data_tests_only(template: dict[str, Any]) -> None:
    assert_release_gated(_with_model_gate(template))


def _with_model_gate(template: dict[str, Any]) -> dict[str, Any]:
    """Pretends the model gate is there by copying the data gate under its name."""
    for r in template["Resources"].values():
        if r["Type"] == "AWS::CodePipeline::Pipeline":
            for stage in r["Properties"]["Stages"]:
                names = [a["Name"] for a in stage["Actions"]]
                if "DataTests" in names and "ModelQualityGate" not in names:
                    data = stage["Actions"][names.index("DataTests")]
                    stage["Actions"].append({**data, "Name": "ModelQualityGate"})
    return template


def _no_category(template: dict[str, Any]) -> None:
    for r in template["Resources"].values():
        if r["Type"] == "AWS::CodePipeline::Pipeline":
            for stage in r["Properties"]["Stages"]:
                for action in stage["Actions"]:
                    action["ActionTypeId"]["Category"] = (
                        "Test"
                        if action["Name"] in ("DataTests", "ModelQualityGate")
                        else action["ActionTypeId"]["Category"]
                    )
    assert_release_gated(template)


def _no_reports_check(template: dict[str, Any]) -> None:
    template = copy.deepcopy(template)
    for r in template["Resources"].values():
        if r["Type"] == "AWS::CodeBuild::Project":
            spec = json.loads(r["Properties"]["Source"]["BuildSpec"])
            spec.setdefault("reports", {"any": {}})
            r["Properties"]["Source"]["BuildSpec"] = json.dumps(spec)
    assert_release_gated(template)


def _returns_false(template: dict[str, Any]) -> bool:
    try:
        assert_release_gated(template)
    except AssertionError:
        return False
    return True


def _before_the_last_deploy(template: dict[str, Any]) -> None:
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    stages = pipeline["Properties"]["Stages"]
    last = max(
        i
        for i, s in enumerate(stages)
        if any(a["ActionTypeId"]["Category"] == "Deploy" for a in s["Actions"])
    )
    names = {
        a["Name"]
        for s in stages[:last]
        for a in s["Actions"]
        if a["ActionTypeId"]["Category"] == "Test"
    }
    assert {"DataTests", "ModelQualityGate"} <= names


def _any_project_reports(template: dict[str, Any]) -> None:
    specs = [
        json.loads(r["Properties"]["Source"]["BuildSpec"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CodeBuild::Project"
    ]
    assert any("reports" in spec for spec in specs)
    _before_the_first_deploy_no_reports(template)


def _before_the_first_deploy_no_reports(template: dict[str, Any]) -> None:
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    names: set[str] = set()
    for stage in pipeline["Properties"]["Stages"]:
        if any(a["ActionTypeId"]["Category"] == "Deploy" for a in stage["Actions"]):
            break
        names |= {a["Name"] for a in stage["Actions"] if a["ActionTypeId"]["Category"] == "Test"}
    assert {"DataTests", "ModelQualityGate"} <= names


def _by_position(template: dict[str, Any]) -> None:
    """Expects the data gate to be listed before the model gate in the Test stage."""
    (pipeline,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"
    ]
    test = next(s for s in pipeline["Properties"]["Stages"] if s["Name"] == "Test")
    names = [a["Name"] for a in test["Actions"]]
    assert names.index("DataTests") < names.index("ModelQualityGate")
    assert_release_gated(template)


MUTANTS = [
    # 10.1
    Wrong("10.1", "checks the contract only", {"data_tests_pass": _contract_only}),
    Wrong("10.1", "checks drift only", {"data_tests_pass": _drift_only}),
    Wrong("10.1", "measures drift before the contract", {"data_tests_pass": _drift_first}),
    Wrong("10.1", "drops the label before the drift report", {"data_tests_pass": _features_only}),
    Wrong("10.1", "tolerates one drifted column", {"data_tests_pass": _one_column_tolerated}),
    Wrong("10.1", "checks numeric drift only", {"data_tests_pass": _numeric_drift_only}),
    Wrong("10.1", "fills gaps in the caller's batch", {"data_tests_pass": _fills_gaps_in_place}),
    Wrong("10.1", "returns the report, not a bool", {"data_tests_pass": _report_not_bool}),
    Wrong("10.1", "depends on the column order", {"data_tests_pass": _positional}),
    # 10.2
    Wrong("10.2", "the gate's default policy", {"model_passes": _default_gate}),
    Wrong("10.2", "a floor needs more than its value", {"model_passes": _strict_floors}),
    Wrong("10.2", "a NaN metric slips through", {"model_passes": _nan_slips_through}),
    Wrong("10.2", "ignores the approved model", {"model_passes": _floors_only}),
    Wrong(
        "10.2", "regression on floored metrics only", {"model_passes": _regression_on_floored_only}
    ),
    Wrong("10.2", "tolerance 0.05", {"model_passes": _loose_tolerance}),
    Wrong("10.2", "a floor reached when close", {"model_passes": _close_enough}),
    Wrong("10.2", "exactly the tolerance fails", {"model_passes": _strict_tolerance}),
    # 10.3
    Wrong(
        "10.3",
        "the lesson's pipeline, no infrastructure gate",
        {"capstone_pipeline": _lesson_pipeline},
    ),
    Wrong("10.3", "gates are Build actions", {"capstone_pipeline": _build_gates_only}),
    Wrong("10.3", "infrastructure tests as a Build action", {"capstone_pipeline": _infra_as_build}),
    Wrong("10.3", "tests after staging", {"capstone_pipeline": _gates_after_staging}),
    Wrong("10.3", "production without staging", {"capstone_pipeline": _production_only}),
    Wrong(
        "10.3",
        "an input no action produces",
        {"capstone_pipeline": _infra_reads_a_missing_artifact},
    ),
    Wrong("10.3", "gates in the deploy stage", {"capstone_pipeline": _gates_beside_the_deploy}),
    Wrong(
        "10.3",
        "returns the declaration as a dict",
        {"capstone_pipeline": lambda: capstone_pipeline().to_dict()},
    ),
    # 10.4
    Wrong(
        "10.4",
        "the data gate compares the reference with itself",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, REFERENCE_DATA),
                lambda c: model_passes(c, APPROVED),
            ),
        },
    ),
    Wrong(
        "10.4",
        "the model gate ignores the approved model",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, b), lambda c: model_passes(c, None)
            ),
        },
    ),
    Wrong(
        "10.4",
        "scripts the unit tests instead of the data tests",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, b),
                lambda c: model_passes(c, APPROVED),
                keys=("Build.UnitTests", "Test.ModelQualityGate"),
            ),
        },
    ),
    Wrong(
        "10.4",
        "every failure goes to the data tests",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, b),
                lambda c: model_passes(c, APPROVED),
                keys=("Test.DataTests", "Test.DataTests"),
            ),
        },
    ),
    Wrong(
        "10.4", "a failed data gate fails the model gate too", {"simulate_release": _short_circuit}
    ),
    Wrong(
        "10.4",
        "the reviewer rejects",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, b),
                lambda c: model_passes(c, APPROVED),
                approvals="reject",
            ),
        },
    ),
    Wrong(
        "10.4",
        "gates on the drifted batch of the setup cell",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, DRIFTED),
                lambda c: model_passes(c, APPROVED),
            ),
        },
    ),
    Wrong(
        "10.4",
        "returns the state as a dict",
        {
            "simulate_release": lambda b, c: simulate_release(b, c).to_dict(),
        },
    ),
    # 10.5
    Wrong("10.5", "checks the names exist anywhere", {"assert_release_gated": _gates_named_only}),
    Wrong("10.5", "checks the data gate only", {"assert_release_gated": _data_tests_only}),
    Wrong("10.5", "takes the category for granted", {"assert_release_gated": _no_category}),
    Wrong("10.5", "ignores the reports", {"assert_release_gated": _no_reports_check}),
    Wrong("10.5", "returns False instead of raising", {"assert_release_gated": _returns_false}),
    Wrong("10.5", "before the last deploy", {"assert_release_gated": _before_the_last_deploy}),
    Wrong(
        "10.5", "any project with reports will do", {"assert_release_gated": _any_project_reports}
    ),
    Wrong(
        "10.5", "depends on the order of actions in a stage", {"assert_release_gated": _by_position}
    ),
]

(
    test_every_checkpoint_holds_five_wrong_answers,
    test_a_wrong_answer_fails_its_checkpoint_and_only_that_one,
) = mutant_tests("10", REFERENCE, MUTANTS)


# Public and hidden cases ----------------------------------------------------------


def _stub(*args: object) -> None:
    raise NotImplementedError("replace this line with your code")


POINTS = {"10.1": 3, "10.2": 3, "10.3": 2, "10.4": 3, "10.5": 3}
NEEDS = {
    "10.1": ("data_tests_pass",),
    "10.2": ("model_passes",),
    "10.3": ("capstone_pipeline",),
    "10.4": ("simulate_release",),
    "10.5": ("assert_release_gated",),
}


@pytest.mark.parametrize("checkpoint_id", sorted(POINTS))
def test_the_public_cases_pass_the_reference_and_fail_the_stub(checkpoint_id: str) -> None:
    answers = {name: REFERENCE[name] for name in NEEDS[checkpoint_id]}
    stubs = dict.fromkeys(answers, _stub)
    points = POINTS[checkpoint_id]

    with public_checks("10"):
        right = evaluate(checkpoint_id, answers)
        passed, line = evaluate(checkpoint_id, stubs)

    assert right == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(f"Checkpoint {checkpoint_id} failed (0/{points} points): not written")


# (checkpoint, the answers, the rule the graded line names, a piece of the hidden input)
HIDDEN_ONLY: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "10.1",
        {"data_tests_pass": _drift_only},
        "a batch that breaks the contract fails, without an exception",
        "schema_drift",
    ),
    (
        "10.2",
        {"model_passes": _nan_slips_through},
        "a metric that is NaN fails",
        "roc_auc",
    ),
    (
        "10.4",
        {
            "simulate_release": _release(
                lambda b: data_tests_pass(REFERENCE_DATA, b), lambda c: model_passes(c, None)
            ),
        },
        "the candidate is compared with APPROVED: one that regressed fails ModelQualityGate only",
        "0.83",
    ),
    (
        "10.5",
        {"assert_release_gated": _no_reports_check},
        "a gate whose own project's buildspec has no reports fails",
        "churn-data-tests",
    ),
]


@pytest.mark.parametrize(
    ("checkpoint_id", "answers", "rule", "hidden_input"),
    HIDDEN_ONLY,
    ids=[case[0] for case in HIDDEN_ONLY],
)
def test_a_wrong_answer_only_a_hidden_case_catches_fails_graded_with_its_rule(
    checkpoint_id: str, answers: dict[str, Any], rule: str, hidden_input: str
) -> None:
    points = POINTS[checkpoint_id]
    with public_checks("10"):
        public = evaluate(checkpoint_id, answers)

    passed, line = evaluate(checkpoint_id, answers)

    assert public == (True, f"Checkpoint {checkpoint_id} passed ({points}/{points} points)")
    assert not passed
    assert line.startswith(
        f"Checkpoint {checkpoint_id} failed (0/{points} points): a hidden case failed: {rule}. "
    )
    assert hidden_input.lower() not in line.lower()


def test_the_learner_release_has_no_hidden_case_and_compiles() -> None:
    path = check_module_path("10")
    public = strip_hidden(path.read_text(encoding="utf-8"), str(path))

    assert "hidden_case" not in public
    assert "schema_drift" not in public  # the hidden batches go with their cases
    assert "_without_reports" not in public
    compile(public, str(path), "exec")


def test_the_cases_frames_are_what_their_descriptions_say() -> None:
    """The drifted batch keeps the contract and drifts; the fresh one does neither."""
    fresh, drifted, reference = ex10.batch("fresh"), ex10.batch("drifted"), ex10.batch("reference")
    assert reference.equals(REFERENCE_DATA)
    assert validate_frame(fresh).passed and not drift_report(reference, fresh).drifted
    assert validate_frame(drifted).passed
    assert set(drift_report(reference, drifted).drifted_columns) >= {"monthly_charges"}
    assert ex10.metrics(*ex10.APPROVED) == APPROVED


def test_a_case_frame_is_a_copy_so_a_learner_cannot_spoil_the_next_case() -> None:
    spoiled = ex10.batch("drifted")
    del spoiled["churned"]
    assert "churned" in ex10.batch("drifted").columns


# The lesson does not solve the exercise ---------------------------------------------

LESSON = ROOT / "notebooks" / "10_capstone.ipynb"

#: What the lesson defines at the top level that its gates need, besides functions.
LESSON_VALUES = {"github", "pipeline", "REFERENCE"}


def lesson_namespace() -> dict[str, Any]:
    """Run the lesson's parameters, imports, definitions and the values they use; nothing else.

    Training, drawing and synthesis are left out: the exercise's checks need only the
    lesson's code objects.
    """
    namespace: dict[str, Any] = {}
    for cell in nbformat.read(LESSON, as_version=4).cells:
        if cell.cell_type != "code" or "Quiz(" in cell.source:
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        tree = ast.parse(source)
        parameters = "parameters" in cell.metadata.get("tags", [])
        kept = [
            node
            for node in tree.body
            if parameters
            or isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef)
            or (
                isinstance(node, ast.Assign)
                and {getattr(t, "id", None) for t in node.targets} & LESSON_VALUES
            )
        ]
        exec(compile(ast.Module(body=kept, type_ignores=[]), str(LESSON), "exec"), namespace)
    return namespace


def _as_exercise(lesson: dict[str, Any]) -> dict[str, Any]:
    """The lesson's objects under the exercise's names, as a learner copying them would."""
    return {
        "data_tests_pass": lambda reference, batch: lesson["contract_holds"](batch),
        "model_passes": lambda candidate, approved: (
            lesson["release_gate"](candidate, approved).passed
        ),
        "capstone_pipeline": lambda: lesson["pipeline"],
        "simulate_release": lesson["rehearse"],
        "assert_release_gated": lesson["assert_production_after_staging"],
    }


@pytest.mark.parametrize("checkpoint_id", sorted(POINTS))
def test_copying_the_lessons_cells_solves_no_checkpoint(checkpoint_id: str) -> None:
    if checkpoint_id == "10.5" and NO_CDK:  # the lesson's template cells synthesize
        pytest.skip(NO_CDK)
    answers = _as_exercise(lesson_namespace())

    passed, line = evaluate(checkpoint_id, answers)

    assert not passed, f"the lesson's code passes {checkpoint_id}"
    assert line.startswith(f"Checkpoint {checkpoint_id} failed"), line
