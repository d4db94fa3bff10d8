"""Pipeline files of the kinds found in public repositories and the AWS documentation.

Each file under ``tests/data/realfiles/pipelines`` (sources in
``tests/data/SOURCES.md``) has its exact findings here: the mistakes AWS
rejects are errors, the course's advice is a warning, and files AWS accepts
get no false error. Where cfn-lint's CodePipeline rules check the same thing,
its verdict on the same templates must be ours.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.cli import main
from mlcicd.pipeline.validate import validate_file

FILES = Path(__file__).resolve().parents[1] / "data" / "realfiles" / "pipelines"

#: File to its exact findings, (code, severity, location).
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    # Missed mistakes the service rejects.
    "empty-stage.yaml": [("PL023", "error", "AppPipeline.stages[2].actions")],
    "artifact-store-and-stores.yaml": [("PL024", "error", "MultiRegionPipeline.artifactStores")],
    "region-without-store.yaml": [
        ("PL025", "error", "MultiRegionPipeline.stages[2].actions[2].region")
    ],
    "triggers-on-v1.yaml": [("PL026", "error", "Pipeline.triggers")],
    "trigger-on-codecommit.yaml": [
        ("PL027", "error", "Pipeline.triggers[0].gitConfiguration.sourceActionName")
    ],
    "inline-buildspec-typo.yaml": [
        ("PL040", "error", "UnitTestProject.Properties.Source.BuildSpec")
    ],
    "inline-buildspec-clean.yaml": [],
    # Where cfn-lint agrees.
    "templatepath-not-an-input.yaml": [
        ("PL028", "error", "Pipeline.stages[3].actions[0].configuration.TemplatePath")
    ],
    "approval-with-input-artifact.yaml": [
        ("PL020", "error", "Pipeline.stages[2].actions[1].inputArtifacts")
    ],
    "input-not-produced.yaml": [
        ("PL017", "error", "Pipeline.stages[1].actions[0].inputArtifacts[0].name")
    ],
    "source-in-build-stage.yaml": [
        ("PL013", "error", "Pipeline.stages[1].actions[0].actionTypeId.category")
    ],
    # Policy noise gone: what is left is a real ungated deployment.
    "test-and-production-stacks.yaml": [("PL030", "warning", "Pipeline.stages[1].actions[0]")],
    "change-set-approval-same-stage.yaml": [],
    "dev-approval-prd.yaml": [],
    "preprod-then-prod.json": [("PL030", "warning", "stages[2].actions[0]")],
    "test-approval-production.json": [],
}


def test_every_real_file_has_its_expectation() -> None:
    assert sorted(path.name for path in FILES.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_file_findings(name: str) -> None:
    found = [(f.code, f.severity, f.location) for f in validate_file(FILES / name)]
    assert found == EXPECTED[name]


REJECTED = sorted(name for name, found in EXPECTED.items() if any(f[1] == "error" for f in found))


@pytest.mark.parametrize("name", REJECTED)
def test_run_refuses_what_validate_rejects_with_the_same_findings(name: str) -> None:
    path = FILES / name
    validated = CliRunner().invoke(main, ["pipeline", "validate", str(path)])
    ran = CliRunner().invoke(main, ["pipeline", "run", str(path)])

    assert (validated.exit_code, ran.exit_code) == (1, 2)
    assert "Traceback" not in ran.output
    error_lines = [line for line in validated.output.splitlines() if ": PL" in line]
    assert [line for line in ran.output.splitlines() if ": PL" in line] == error_lines
    assert ran.output.rstrip().endswith("lists warnings too)")


@pytest.mark.parametrize(
    "name", ["test-and-production-stacks.yaml", "dev-approval-prd.yaml", "preprod-then-prod.json"]
)
def test_run_runs_what_validate_only_warns_about(name: str) -> None:
    result = CliRunner().invoke(main, ["pipeline", "run", str(FILES / name)])

    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("Succeeded")


# ---- agreement with cfn-lint -----------------------------------------------------

#: cfn-lint rule to the codes of ours that check the same thing. E3014 and E3032
#: are schema rules; only their matches on a pipeline's stores and actions count.
CFN_LINT_RULES: dict[str, set[str]] = {
    "E3700": {"PL012", "PL013"},  # source actions in the first stage only
    "E3701": {"PL017", "PL018", "PL019"},  # input artifacts produced before, outputs unique
    "E3702": {"PL020"},  # artifact counts per provider
    "E3703": {"PL028"},  # TemplatePath names an input artifact
    "E3014": {"PL024"},  # ArtifactStore or ArtifactStores
    "E3032": {"PL023"},  # a stage's Actions has at least one item
}
#: The templates compared: each shared rule's case, and the clean files of the same
#: shapes (change sets, approvals, CloudFormation paths from Fn::Sub). cfn-lint takes
#: about half a second a template, so the files about rules it lacks are left out.
TEMPLATES = [
    "approval-with-input-artifact.yaml",
    "artifact-store-and-stores.yaml",
    "change-set-approval-same-stage.yaml",
    "dev-approval-prd.yaml",
    "empty-stage.yaml",
    "inline-buildspec-clean.yaml",
    "input-not-produced.yaml",
    "source-in-build-stage.yaml",
    "templatepath-not-an-input.yaml",
    "test-and-production-stacks.yaml",
]


def _cfn_lint_codes(cfnlint_api, path: Path) -> set[str]:
    matches = cfnlint_api.lint(
        path.read_text(encoding="utf-8"), config=cfnlint_api.ManualArgs(regions=["us-east-1"])
    )
    codes = set()
    for match in matches:
        where = [str(part) for part in match.path]
        if match.rule.id == "E3014" and not any(p.startswith("ArtifactStore") for p in where):
            continue
        if match.rule.id == "E3032" and where[-1:] != ["Actions"]:
            continue
        codes.add(match.rule.id)
    return codes & set(CFN_LINT_RULES)


@pytest.fixture(scope="module")
def cfn_lint_verdicts() -> dict[str, set[str]]:
    api = pytest.importorskip(
        "cfnlint.api", reason="cfn-lint is not installed: pip install -e '.[iac]' to compare"
    )
    return {name: _cfn_lint_codes(api, FILES / name) for name in TEMPLATES}


@pytest.mark.parametrize("name", TEMPLATES)
def test_cfn_lint_and_validate_agree(name: str, cfn_lint_verdicts: dict[str, set[str]]) -> None:
    ours = {code for code, _, _ in EXPECTED[name]}
    mapped = {rule for rule, codes in CFN_LINT_RULES.items() if codes & ours}
    assert cfn_lint_verdicts[name] == mapped


def test_the_comparison_covers_every_shared_rule(cfn_lint_verdicts: dict[str, set[str]]) -> None:
    # Each shared rule fires on at least one file, so agreement is never vacuous.
    assert set().union(*cfn_lint_verdicts.values()) == set(CFN_LINT_RULES)
