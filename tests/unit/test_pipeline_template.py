"""cfn-lint's decoder and the ruamel.yaml fallback read every template the same way.

:func:`mlcicd.pipeline.template.load_template` reads YAML with cfn-lint's decoder when
the ``iac`` extra is installed and with ruamel.yaml otherwise; a template must
mean the same pipeline either way.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline import template
from mlcicd.pipeline.template import load_template

REALFILES = Path(__file__).resolve().parents[1] / "data" / "realfiles" / "pipelines"
TEMPLATES = sorted(p for p in REALFILES.iterdir() if p.suffix in (".yaml", ".yml", ".json"))

# Short forms, and the YAML 1.1 scalars both must type alike (CloudFormation's
# templates are YAML 1.1 for PyYAML, and so for cfn-lint).
SHORT_FORMS = """\
AWSTemplateFormatVersion: 2010-09-09
Resources:
  P:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      RoleArn: !GetAtt Role.Arn
      Other: !GetAtt [Role, Arn]
      Nested: !GetAtt Stack.Outputs.Url
      Name: !Sub ['${A}-x', {A: !Ref Env}]
      Bucket: !If [IsProd, !Ref Prod, !Ref AWS::NoValue]
      Joined: !Join [',', [a, !Select [0, !GetAZs '']]]
      Flag: !Condition IsProd
      Data: !Base64 {Fn::Sub: x}
      Lookup: !FindInMap [M, !Ref AWS::Region, Ami]
      Switches: [yes, no, on, off, true, 010, 1:30, 3.10, ~]
"""


def _both(text: str) -> tuple[object, object]:
    pytest.importorskip("cfnlint")
    return load_template(text, decoder="ruamel"), load_template(text, decoder="cfn-lint")


@pytest.mark.parametrize("path", TEMPLATES, ids=[p.name for p in TEMPLATES])
def test_every_real_template_reads_the_same_with_either_decoder(path: Path) -> None:
    ruamel, cfn_lint = _both(path.read_text(encoding="utf-8"))
    assert ruamel == cfn_lint
    assert isinstance(ruamel, dict) and ruamel


def test_short_forms_become_the_long_forms_json_templates_use() -> None:
    ruamel, cfn_lint = _both(SHORT_FORMS)
    assert ruamel == cfn_lint
    assert ruamel["AWSTemplateFormatVersion"] == datetime.date(2010, 9, 9)
    properties = ruamel["Resources"]["P"]["Properties"]
    assert properties["RoleArn"] == properties["Other"] == {"Fn::GetAtt": ["Role", "Arn"]}
    # The logical id has no dot; the attribute may.
    assert properties["Nested"] == {"Fn::GetAtt": ["Stack", "Outputs.Url"]}
    assert properties["Name"] == {"Fn::Sub": ["${A}-x", {"A": {"Ref": "Env"}}]}
    assert properties["Bucket"] == {"Fn::If": ["IsProd", {"Ref": "Prod"}, {"Ref": "AWS::NoValue"}]}
    assert properties["Joined"] == {
        "Fn::Join": [",", ["a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]
    }
    assert properties["Flag"] == {"Condition": "IsProd"}
    assert properties["Lookup"] == {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]}
    assert properties["Switches"] == [True, False, True, False, True, 8, 90, 3.1, None]


def test_decoded_values_are_plain_python_types() -> None:
    _, cfn_lint = _both(SHORT_FORMS)
    seen, stack = set(), [cfn_lint]
    while stack:
        value = stack.pop()
        seen.add(type(value))
        if isinstance(value, dict):
            stack.extend([*value, *value.values()])
        elif isinstance(value, list):
            stack.extend(value)
    # cfn-lint's own str/dict/list subclasses (with marks) do not leak out.
    assert seen <= {dict, list, str, int, float, bool, type(None), datetime.date}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("key: [unclosed\n", "neither JSON nor YAML"),
        ("Resources: !Bogus x\n", "neither JSON nor YAML"),
        ("x: !!python/object/apply:os.system ['true']\n", "neither JSON nor YAML"),
        ("a: " + "[" * 5000, "nested too deeply"),
    ],
    ids=["unclosed", "unknown-tag", "python-tag", "deep"],
)
@pytest.mark.parametrize("decoder", ["ruamel", "cfn-lint"])
def test_both_decoders_refuse_the_same_templates(text: str, message: str, decoder: str) -> None:
    if decoder == "cfn-lint":
        pytest.importorskip("cfnlint")
    with pytest.raises(PipelineError, match=message) as raised:
        load_template(text, path="t.yaml", decoder=decoder)  # type: ignore[arg-type]
    assert raised.value.path == "t.yaml"


def test_cfn_lint_errors_name_the_line() -> None:
    pytest.importorskip("cfnlint")
    # The list is still open where the text ends: at the start of line 3.
    with pytest.raises(PipelineError, match=r"line 3, column 1: did not find expected"):
        load_template("Resources:\n- [unclosed\n", path="t.yaml", decoder="cfn-lint")


def test_an_unknown_tag_is_named_with_its_line() -> None:
    pytest.importorskip("cfnlint")
    # "  c: [" is six characters: the tag starts in column 7.
    with pytest.raises(PipelineError, match=r"line 3, column 7: unknown tag !Bogus"):
        load_template("a: 1\nb:\n  c: [!Bogus x]\n", decoder="cfn-lint")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_document_is_none_either_way(text: str) -> None:
    assert _both(text) == (None, None)


@pytest.mark.parametrize(("installed", "says"), [(True, "unknown tag !Bogus"), (False, "!Bogus")])
def test_auto_reads_yaml_with_cfn_lint_only_when_it_is_installed(
    monkeypatch: pytest.MonkeyPatch, installed: bool, says: str
) -> None:
    if installed:
        pytest.importorskip("cfnlint")
    monkeypatch.setattr(template, "has_cfn_lint", lambda: installed)
    with pytest.raises(PipelineError, match=says) as raised:
        load_template("a: !Bogus x\n")
    # Only the cfn-lint path names the short forms CloudFormation has.
    assert ("short forms are" in str(raised.value)) is installed
