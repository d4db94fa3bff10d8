"""cfn-lint through mlcicd.iac.lint: core findings with a code, a location and a severity."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint comes with the iac extra: pip install -e '.[iac]'")

import cfnlint.rules
from cfnlint.api import lint
from cfnlint.rules import Rules

from mlcicd.exceptions import IacError
from mlcicd.iac.lint import SEVERITIES, lint_file, lint_template
from mlcicd.lint import Severity, Where

#: What cfn-lint's rule-id letter means (its README: E error, W warning, I informational).
LETTER = {"E": Severity.ERROR, "W": Severity.WARNING, "I": Severity.INFO}


def _bucket(**properties: object) -> dict[str, object]:
    return {"Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": properties}}}


def test_a_clean_template_has_no_findings() -> None:
    assert lint_template(_bucket(VersioningConfiguration={"Status": "Enabled"})) == []


def test_a_wrong_value_is_an_error_with_its_location() -> None:
    (finding,) = lint_template(_bucket(VersioningConfiguration={"Status": "Yes"}))
    assert finding.code == "E3030"
    assert finding.severity == Severity.ERROR
    assert finding.where == Where(
        location="Resources/Data/Properties/VersioningConfiguration/Status"
    )
    assert finding.fix == ""
    assert finding.format() == (
        "Resources/Data/Properties/VersioningConfiguration/Status: "
        "E3030 'Yes' is not one of ['Enabled', 'Suspended']"
    )


def test_cfn_lint_s_severities_become_the_core_s_errors_first() -> None:
    # The unused parameter (W2001) comes first in the template, the bad value (E3030) second.
    bucket = _bucket(VersioningConfiguration={"Status": "Yes"})
    template = {"Parameters": {"Unused": {"Type": "String"}}, **bucket}
    # cfn-lint's own verdict, from its rule objects, in its own (template) order.
    matches = lint(json.dumps(template, indent=1), regions=["us-east-1"])
    assert [(m.rule.id, m.rule.severity) for m in matches] == [
        ("W2001", "warning"),
        ("E3030", "error"),
    ]
    found = [(f.code, f.severity) for f in lint_template(template)]
    assert found == [("E3030", Severity.ERROR), ("W2001", Severity.WARNING)]


def test_text_that_is_not_a_template_is_an_error_at_a_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just words\n", encoding="utf-8")
    (finding,) = lint_file(path)
    assert finding.severity == Severity.ERROR
    assert finding.where == Where(path=str(path), location="line 1")


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IacError, match=r"cannot read the template .*missing\.json"):
        lint_file(tmp_path / "missing.json")


def test_every_cfn_lint_rule_s_severity_maps_by_its_id_letter() -> None:
    rules = Rules.create_from_directory(os.path.dirname(cfnlint.rules.__file__))
    assert len(rules) > 100  # cfn-lint's own rules were found
    wrong = {
        rule.id: rule.severity
        for rule in rules.values()
        if SEVERITIES.get(rule.severity) is not LETTER[rule.id[0]]
    }
    assert wrong == {}
