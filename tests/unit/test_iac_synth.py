"""Writing a synthesized template, and reading jsii's construct errors (no Node.js needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcicd.exceptions import IacError
from mlcicd.iac.synth import construct_errors, write_template


def test_write_template_writes_indented_json_and_nothing_else(tmp_path: Path) -> None:
    path = write_template(
        {"Resources": {"A": {"Type": "AWS::SNS::Topic"}}}, tmp_path / "a" / "t.json"
    )
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "Resources": {"A": {"Type": "AWS::SNS::Topic"}}
    }
    assert [p.name for p in path.parent.iterdir()] == ["t.json"]


def test_write_template_replaces_the_old_template_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"old": true}', encoding="utf-8")
    write_template({"Resources": {}}, path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"Resources": {}}


def test_an_unwritable_place_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(IacError, match=r"^cannot write .*file/t\.json"):
        write_template({"Resources": {}}, blocker / "t.json")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


@pytest.mark.parametrize(
    ("javascript", "message", "construct"),
    [
        (
            "ValidationError: Invalid S3 bucket name (value: Not_Valid)\n"
            "    at new Bucket (/tmp/jsii-kernel/aws-cdk-lib/aws-s3/lib/bucket.js:1:2)",
            "the stack does not synthesize: Invalid S3 bucket name (value: Not_Valid)",
            None,
        ),
        (
            "Error: Validation failed with the following errors:\n"
            "  [MlCiCd/Pipeline] Pipeline must have at least two stages",
            "MlCiCd/Pipeline: the stack does not synthesize: Validation failed with the "
            "following errors: [MlCiCd/Pipeline] Pipeline must have at least two stages",
            "MlCiCd/Pipeline",
        ),
        (
            "Error: There is already a Construct with name 'Data' in MlCiCd/Store",
            "MlCiCd/Store: the stack does not synthesize: "
            "There is already a Construct with name 'Data' in MlCiCd/Store",
            "MlCiCd/Store",
        ),
    ],
)
def test_construct_errors_keep_the_message_on_one_line_and_the_construct(
    javascript: str, message: str, construct: str | None
) -> None:
    with pytest.raises(IacError) as caught, construct_errors():
        raise RuntimeError(javascript)
    assert str(caught.value) == message
    assert caught.value.construct == construct


def test_other_errors_pass_through() -> None:
    with pytest.raises(KeyError), construct_errors():
        raise KeyError("not jsii")
