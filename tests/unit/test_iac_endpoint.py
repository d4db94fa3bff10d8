"""``mlcicd.iac.endpoint``: the Build stage uploads the model, fills in ``infra/endpoint.yaml``."""

from __future__ import annotations

import importlib.util
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from mlcicd.exceptions import IacError
from mlcicd.iac.endpoint import (
    ENDPOINT_TEMPLATE,
    main,
    model_version,
    package_endpoint,
    render_template,
)

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / ENDPOINT_TEMPLATE
SETTINGS = {
    "MODEL_BUCKET": "",  # the test's bucket
    "SERVING_IMAGE": "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn-serve:latest",
    "ENDPOINT_ROLE_ARN": "arn:aws:iam::123456789012:role/EndpointRole",
}
NO_CFN_LINT = importlib.util.find_spec("cfnlint") is None


def archive(path: Path, members: dict[str, bytes]) -> Path:
    """A ``.tar.gz`` holding ``members``."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def model(tmp_path: Path, version: object = "fa8bfd027eee") -> Path:
    metadata = json.dumps({"version": version}).encode()
    return archive(tmp_path / "model.tar.gz", {"model.joblib": b"x", "metadata.json": metadata})


def defaults(text: str) -> dict[str, Any]:
    parameters = YAML(typ="safe").load(text)["Parameters"]
    return {name: spec.get("Default") for name, spec in parameters.items()}


def test_the_version_is_read_from_the_archives_metadata(tmp_path: Path) -> None:
    assert model_version(model(tmp_path)) == "fa8bfd027eee"


@pytest.mark.parametrize(
    ("version", "why"),
    [
        ("v_1", "cannot be part of a SageMaker name"),
        ("a" * 21, "cannot be part of a SageMaker name"),
        ("", "cannot be part of a SageMaker name"),
    ],
)
def test_a_version_that_cannot_name_a_resource_is_refused(
    tmp_path: Path, version: str, why: str
) -> None:
    with pytest.raises(IacError, match=why):
        model_version(model(tmp_path, version))


def test_an_archive_without_metadata_names_the_file(tmp_path: Path) -> None:
    path = archive(tmp_path / "model.tar.gz", {"model.joblib": b"x"})
    with pytest.raises(IacError, match=r"model\.tar\.gz is not a model archive"):
        model_version(path)


def test_a_file_that_is_not_an_archive_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_text("not gzip")
    with pytest.raises(IacError, match=r"model\.tar\.gz is not a model archive"):
        model_version(path)


def test_render_fills_in_the_defaults_and_keeps_the_comments() -> None:
    text = render_template(TEMPLATE, {"ModelVersion": "v1", "ImageUri": "image:1"})
    assert defaults(text)["ModelVersion"] == "v1"
    assert defaults(text)["ImageUri"] == "image:1"
    assert defaults(text)["Stage"] is None  # the pipeline passes it
    assert "# The churn model's endpoint" in text


def test_render_refuses_a_parameter_the_template_lacks() -> None:
    with pytest.raises(IacError, match="has no parameter 'ModelName'"):
        render_template(TEMPLATE, {"ModelName": "x"})


def test_package_uploads_the_model_and_writes_a_template_that_deploys_it(
    aws: Any, s3_bucket: str, tmp_path: Path
) -> None:
    source = model(tmp_path)
    out = tmp_path / "template.yaml"
    s3 = aws.client("s3")
    packaged = package_endpoint(
        source, out, {**SETTINGS, "MODEL_BUCKET": s3_bucket}, s3=s3, template=TEMPLATE
    )
    key = "models/fa8bfd027eee/model.tar.gz"
    assert s3.get_object(Bucket=s3_bucket, Key=key)["Body"].read() == source.read_bytes()
    assert packaged.model_url == f"s3://{s3_bucket}/{key}"
    assert defaults(out.read_text()) | {"Stage": None} == {
        "Stage": None,
        "ProjectPrefix": "churn",
        "ModelVersion": "fa8bfd027eee",
        "ModelDataUrl": f"s3://{s3_bucket}/{key}",
        "ImageUri": SETTINGS["SERVING_IMAGE"],
        "ExecutionRoleArn": SETTINGS["ENDPOINT_ROLE_ARN"],
    }


def test_package_names_every_missing_setting_before_uploading(tmp_path: Path) -> None:
    with pytest.raises(IacError, match=r"^MODEL_BUCKET, ENDPOINT_ROLE_ARN not set"):
        package_endpoint(
            model(tmp_path),
            tmp_path / "t.yaml",
            {"SERVING_IMAGE": "x"},
            s3=object(),
            template=TEMPLATE,
        )
    assert not (tmp_path / "t.yaml").exists()


def test_a_refused_upload_is_one_sentence_naming_the_bucket(aws: Any, tmp_path: Path) -> None:
    settings = {**SETTINGS, "MODEL_BUCKET": "no-such-bucket"}
    with pytest.raises(IacError, match=r"cannot upload .*model\.tar\.gz to s3://no-such-bucket"):
        package_endpoint(model(tmp_path), tmp_path / "t.yaml", settings, s3=aws.client("s3"))


def test_the_command_line_says_what_is_missing_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--model", str(model(tmp_path)), "--out", str(tmp_path / "t.yaml")], environ={})
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("mlcicd.iac.endpoint: MODEL_BUCKET, SERVING_IMAGE, ENDPOINT_ROLE_ARN")
    assert err.count("\n") == 1


@pytest.mark.skipif(NO_CFN_LINT, reason="cfn-lint (the iac extra) is not installed")
def test_the_endpoint_template_and_its_filled_in_copy_pass_cfn_lint(tmp_path: Path) -> None:
    from mlcicd.iac.lint import lint_file

    filled = tmp_path / "template.yaml"
    filled.write_text(
        render_template(
            TEMPLATE,
            {
                "ModelVersion": "fa8bfd027eee",
                "ModelDataUrl": "s3://bucket/models/fa8bfd027eee/model.tar.gz",
                "ImageUri": SETTINGS["SERVING_IMAGE"],
                "ExecutionRoleArn": SETTINGS["ENDPOINT_ROLE_ARN"],
            },
        )
    )
    for path in (TEMPLATE, filled):
        assert [finding.format() for finding in lint_file(path)] == [], path
