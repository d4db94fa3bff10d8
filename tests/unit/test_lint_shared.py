"""The four linters (buildspec, pipeline, course, iac) share the one lint core.

Each gives :class:`mlcicd.lint.Finding` s, and no module of the toolkit keeps
its own finding, hit or severity type beside the core's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mlcicd.lint import Finding, Registry, Severity

SRC = Path(__file__).resolve().parents[2] / "src" / "mlcicd"
#: Names a second lint framework would define.
CORE_NAMES = {"Finding", "LintFinding", "Hit", "Severity", "suggest"}


def _definitions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name in CORE_NAMES
    }


def test_only_the_core_defines_findings_hits_severities_and_suggestions() -> None:
    defined = {
        str(path.relative_to(SRC)): names
        for path in sorted(SRC.rglob("*.py"))
        if path != SRC / "lint.py" and (names := _definitions(path))
    }
    assert defined == {}


def test_the_buildspec_linter_gives_core_findings() -> None:
    from mlcicd.buildspec.lint import RULES, lint_text

    found = lint_text("version: 0.2\nphases:\n  build:\n    comands: [make]\n", path="b.yml")
    assert found and all(isinstance(f, Finding) for f in found)
    assert isinstance(RULES, Registry)
    assert found[0].format().startswith("b.yml:4:5: BS014 ")


def test_the_pipeline_validator_gives_core_findings() -> None:
    from mlcicd.pipeline.validate import RULES, validate

    found = validate({"name": "p", "roleArn": "arn:aws:iam::1:role/r", "stages": []})
    assert found and all(isinstance(f, Finding) for f in found)
    assert isinstance(RULES, Registry)
    assert {f.severity for f in found} <= set(Severity)


def test_the_course_linter_registers_its_rules_in_the_core() -> None:
    from mlcicd.course.lint import RULES

    assert isinstance(RULES, Registry)
    assert len(RULES) > 0
    assert all(rule.id.startswith("CO") and rule.check is not None for rule in RULES)


def test_the_iac_linter_gives_core_findings() -> None:
    pytest.importorskip("cfnlint")
    from mlcicd.iac.lint import lint_template

    template = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Nonsense": 1}}}}
    found = lint_template(template)
    assert found and all(isinstance(f, Finding) for f in found)
    assert any(f.severity == Severity.ERROR and "Bucket" in f.location for f in found)
