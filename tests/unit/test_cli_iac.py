"""``mlcicd iac synth`` and ``mlcicd iac lint`` through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.cli import main
from mlcicd.iac import cdk_problem

PROBLEM = cdk_problem()


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")
def test_synth_writes_a_template_that_lints_and_validates_clean(tmp_path: Path) -> None:
    out = tmp_path / "iac" / "MlCiCd.template.json"
    code, stdout, _ = _run("iac", "synth", "-o", str(out))
    assert (code, stdout) == (0, f"{out}\n")
    template = json.loads(out.read_text(encoding="utf-8"))
    assert "AWS::CodePipeline::Pipeline" in {r["Type"] for r in template["Resources"].values()}
    assert [p.name for p in tmp_path.joinpath("iac").iterdir()] == [out.name]  # no temp file left
    code, stdout, _ = _run("iac", "lint", str(out))
    assert (code, stdout) == (0, f"{out}: 0 error(s), 0 warning(s)\n")
    code, stdout, _ = _run("pipeline", "validate", str(out))
    assert (code, stdout) == (0, f"{out}: 0 error(s), 0 warning(s)\n")


def test_synth_without_node_says_so_in_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no node on PATH
    out = tmp_path / "t.json"
    code, _, stderr = _run("iac", "synth", "-o", str(out))
    assert code == 2
    assert stderr.startswith("Error: The AWS CDK needs Node.js, which is not installed here")
    assert "Traceback" not in stderr and stderr.count("\n") == 1
    assert not out.exists()


def test_lint_fails_on_an_error_and_names_it(tmp_path: Path) -> None:
    pytest.importorskip("cfnlint", reason="cfn-lint comes with the iac extra")
    template = tmp_path / "bucket.yaml"
    template.write_text(
        "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n"
        "    Properties:\n      VersioningConfiguration: {Status: 'Yes'}\n",
        encoding="utf-8",
    )
    code, stdout, _ = _run("iac", "lint", str(template))
    assert code == 1
    assert stdout.splitlines() == [
        f"{template}: Resources/Data/Properties/VersioningConfiguration/Status: "
        "E3030 'Yes' is not one of ['Enabled', 'Suspended']",
        f"{template}: 1 error(s), 0 warning(s)",
    ]


def test_lint_of_a_template_with_only_a_warning_exits_0(tmp_path: Path) -> None:
    pytest.importorskip("cfnlint", reason="cfn-lint comes with the iac extra")
    template = tmp_path / "unused.yaml"
    template.write_text(
        "Parameters:\n  Unused: {Type: String}\nResources:\n  Data:\n    Type: AWS::S3::Bucket\n",
        encoding="utf-8",
    )
    code, stdout, _ = _run("iac", "lint", str(template))
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith(f"{template}: Parameters/Unused: W2001 ")
    assert lines[1:] == [f"{template}: 0 error(s), 1 warning(s)"]
