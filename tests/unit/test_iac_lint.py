"""cfn-lint through mlcicd.iac.lint: findings with a code, a location and a level."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint comes with the iac extra: pip install -e '.[iac]'")

from mlcicd.exceptions import IacError
from mlcicd.iac.lint import lint_file, lint_template


def _bucket(**properties: object) -> dict[str, object]:
    return {"Resources": {"Data": {"Type": "AWS::S3::Bucket", "Properties": properties}}}


def test_a_clean_template_has_no_findings() -> None:
    assert lint_template(_bucket(VersioningConfiguration={"Status": "Enabled"})) == []


def test_a_wrong_value_is_an_error_with_its_location() -> None:
    (finding,) = lint_template(_bucket(VersioningConfiguration={"Status": "Yes"}))
    assert finding.code == "E3030"
    assert finding.is_error
    assert finding.location == "Resources/Data/Properties/VersioningConfiguration/Status"
    assert finding.format().startswith("E3030 Resources/Data/Properties/VersioningConfiguration")


def test_errors_come_before_warnings() -> None:
    template = _bucket(VersioningConfiguration={"Status": "Yes"})
    # An unused parameter is a warning (W2001).
    template["Parameters"] = {"Unused": {"Type": "String"}}
    codes = [finding.code for finding in lint_template(template)]
    assert codes == ["E3030", "W2001"]


def test_text_that_is_not_a_template_is_an_error_at_a_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just words\n", encoding="utf-8")
    (finding,) = lint_file(path)
    assert finding.is_error
    assert finding.location == "line 1"


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IacError, match=r"cannot read the template .*missing\.json"):
        lint_file(tmp_path / "missing.json")
