"""Package the trained model for the pipeline's deploy stages: upload it, write ``template.yaml``.

The Build stage of the course's stack trains ``model.tar.gz``, then runs::

    python -m mlcicd.iac.endpoint --model model.tar.gz --out template.yaml

which

1. reads the model's version from the archive's ``metadata.json``;
2. uploads the archive to ``s3://$MODEL_BUCKET/models/<version>/model.tar.gz``
   (SageMaker reads model data from S3, not from a pipeline artifact's zip);
3. writes ``template.yaml``: ``infra/endpoint.yaml`` with the ``Default`` of
   ``ModelVersion``, ``ModelDataUrl``, ``ImageUri`` and ``ExecutionRoleArn`` filled in.

The CloudFormation deploy actions then only pass ``Stage``. The three settings
come from the environment, which the stack sets on the build project:
``MODEL_BUCKET`` (the artifact bucket), ``SERVING_IMAGE`` (the serving image's
URI) and ``ENDPOINT_ROLE_ARN`` (the role SageMaker assumes). A missing one, an
unreadable archive or a refused upload is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlcicd.exceptions import IacError

#: The endpoint template in this repository, relative to the source root.
ENDPOINT_TEMPLATE = Path("infra") / "endpoint.yaml"
#: Environment variable -> template parameter whose Default it fills.
SETTINGS: Mapping[str, str] = {
    "MODEL_BUCKET": "ModelDataUrl",
    "SERVING_IMAGE": "ImageUri",
    "ENDPOINT_ROLE_ARN": "ExecutionRoleArn",
}
#: What the template's ``ModelVersion`` parameter accepts (it is part of resource names).
_VERSION = re.compile(r"[a-zA-Z0-9-]{1,20}")


@dataclass(frozen=True)
class Packaged:
    """What :func:`package_endpoint` did.

    Attributes:
        version: The model's version.
        model_url: Where the model was uploaded (``s3://...``).
        template: The template written.
    """

    version: str
    model_url: str
    template: Path


def model_version(model: Path) -> str:
    """The ``version`` in ``metadata.json`` of a ``model.tar.gz`` (see :mod:`churn.model`).

    Raises:
        IacError: The file is not such an archive, or its version cannot name a resource.
    """
    try:
        with tarfile.open(model, "r:gz") as archive:
            member = archive.extractfile("metadata.json")
            metadata = json.load(member) if member is not None else {}
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as error:
        raise IacError(f"{model} is not a model archive with metadata.json: {error}") from None
    version = str(metadata.get("version", ""))
    if not _VERSION.fullmatch(version):
        raise IacError(
            f"{model}: version {version!r} cannot be part of a SageMaker name "
            "(letters, digits and '-', at most 20)"
        )
    return version


def render_template(source: Path, defaults: Mapping[str, str]) -> str:
    """``source`` (YAML) with the ``Default`` of each parameter in ``defaults`` set.

    Comments and order are kept (ruamel.yaml's round trip), so the deployed
    template reads like the one in the repository.

    Raises:
        IacError: ``source`` cannot be read, or lacks one of the parameters.
    """
    from ruamel.yaml import YAML, YAMLError

    yaml = YAML()
    try:
        template: Any = yaml.load(source.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as error:
        raise IacError(f"cannot read the endpoint template {source}: {error}") from None
    parameters = (template or {}).get("Parameters") or {}
    for name, value in defaults.items():
        if name not in parameters:
            raise IacError(f"{source} has no parameter {name!r}; the Build stage fills it in")
        parameters[name]["Default"] = value
    text = io.StringIO()
    yaml.dump(template, text)
    return text.getvalue()


def package_endpoint(
    model: Path,
    out: Path,
    settings: Mapping[str, str],
    *,
    s3: Any,
    template: Path = ENDPOINT_TEMPLATE,
) -> Packaged:
    """Upload ``model`` and write the endpoint template that deploys it to ``out``.

    Args:
        model: The trained ``model.tar.gz``.
        out: Where to write the template (``template.yaml``, a build artifact).
        settings: ``MODEL_BUCKET``, ``SERVING_IMAGE`` and ``ENDPOINT_ROLE_ARN``.
        s3: A boto3 S3 client.
        template: The endpoint template to fill in.

    Returns:
        The version, the model's S3 URL and the template written.

    Raises:
        IacError: A setting is missing, the model or template cannot be read,
            or the upload is refused.
    """
    missing = [name for name in SETTINGS if not settings.get(name)]
    if missing:
        raise IacError(
            f"{', '.join(missing)} not set: the stack sets them on the build project; "
            "locally, export them (see lesson 09)"
        )
    version = model_version(model)
    key = f"models/{version}/model.tar.gz"
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        s3.upload_file(str(model), settings["MODEL_BUCKET"], key)
    # upload_file wraps a refused PutObject in boto3's S3UploadFailedError.
    except (Boto3Error, BotoCoreError, ClientError) as error:
        raise IacError(
            f"cannot upload {model} to s3://{settings['MODEL_BUCKET']}: {error}"
        ) from None
    url = f"s3://{settings['MODEL_BUCKET']}/{key}"
    defaults = {
        "ModelVersion": version,
        "ModelDataUrl": url,
        "ImageUri": settings["SERVING_IMAGE"],
        "ExecutionRoleArn": settings["ENDPOINT_ROLE_ARN"],
    }
    text = render_template(template, defaults)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise IacError(f"cannot write {out}: {error.strerror or error}") from None
    return Packaged(version=version, model_url=url, template=out)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``python -m mlcicd.iac.endpoint --model model.tar.gz --out template.yaml``."""
    parser = argparse.ArgumentParser(
        prog="python -m mlcicd.iac.endpoint",
        description="Upload the trained model and write the endpoint template that deploys it.",
    )
    parser.add_argument("--model", type=Path, default=Path("model.tar.gz"))
    parser.add_argument("--out", type=Path, default=Path("template.yaml"))
    parser.add_argument("--template", type=Path, default=ENDPOINT_TEMPLATE)
    args = parser.parse_args(argv)
    env = os.environ if environ is None else environ
    try:
        import boto3

        packaged = package_endpoint(
            args.model, args.out, env, s3=boto3.client("s3"), template=args.template
        )
    except IacError as error:
        print(f"mlcicd.iac.endpoint: {error}", file=sys.stderr)
        return 2
    print(f"model {packaged.version} uploaded to {packaged.model_url}")
    print(f"{packaged.template} deploys it (parameter Stage: staging or production)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
