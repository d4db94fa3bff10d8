"""The environment variables of a local build, and the masking of secret values.

The build's environment is made from scratch, as on CodeBuild, not inherited:
only a few variables a shell needs to work (``PATH``, ``HOME``, locale, ...)
are taken from this machine. In particular no ``AWS_*`` variable reaches the
commands (the host's keys, ``AWS_PROFILE``, endpoint overrides), unless it is
passed on purpose through the ``env`` mapping of the run (``--env``).

Precedence, lowest first, as on CodeBuild: the base variables, ``env.variables``,
``env.parameter-store``, ``env.secrets-manager``, the run's ``env`` mapping
(CodeBuild's start-build overrides), and last the ``CODEBUILD_*`` variables,
which CodeBuild reserves.
"""

from __future__ import annotations

import getpass
import json
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mlcicd.buildspec.model import Env
from mlcicd.exceptions import BuildspecError

if TYPE_CHECKING:
    import boto3

#: Host variables a build starts with; everything else is left behind.
BASE_VARIABLES: tuple[str, ...] = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "TERM",
    "TZ",
    "USER",
    "LOGNAME",
)
#: What a masked value is replaced with, in every output.
MASK = "***"
#: The account id in the build ARN: moto's default account.
LOCAL_ACCOUNT = "123456789012"


class SecretResolutionError(BuildspecError):
    """A parameter-store or secrets-manager variable could not be resolved."""


@dataclass(frozen=True)
class BuildIdentity:
    """What CodeBuild tells a build about itself, in ``CODEBUILD_*`` variables.

    Attributes:
        build_id: ``project:uuid``.
        build_number: Counts builds in the work directory, from 1.
        region: The region in the ARN.
        initiator: Who started the build.
        start_time: Milliseconds since the epoch.
        source_version: The source's commit (``git rev-parse HEAD``), if it is a git work tree.
    """

    build_id: str
    build_number: int
    region: str
    initiator: str
    start_time: int
    source_version: str | None

    @property
    def arn(self) -> str:
        """The build's ARN."""
        return f"arn:aws:codebuild:{self.region}:{LOCAL_ACCOUNT}:build/{self.build_id}"

    def variables(self, source_dir: Path) -> dict[str, str]:
        """The ``CODEBUILD_*`` variables (``CODEBUILD_BUILD_SUCCEEDING`` starts at 1)."""
        found = {
            "CODEBUILD_SRC_DIR": str(source_dir),
            "CODEBUILD_BUILD_ID": self.build_id,
            "CODEBUILD_BUILD_NUMBER": str(self.build_number),
            "CODEBUILD_BUILD_ARN": self.arn,
            "CODEBUILD_INITIATOR": self.initiator,
            "CODEBUILD_BUILD_SUCCEEDING": "1",
            "CODEBUILD_START_TIME": str(self.start_time),
            "CODEBUILD_BUILD_IMAGE": "local",
            "CODEBUILD_LOCAL_BUILD": "true",
        }
        if self.source_version is not None:
            found["CODEBUILD_RESOLVED_SOURCE_VERSION"] = self.source_version
        return found


def source_version(source_dir: Path) -> str | None:
    """The commit checked out in ``source_dir``, or None when it is not a git work tree."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(source_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None


def new_identity(
    *, build_id: str, build_number: int, region: str, source_dir: Path
) -> BuildIdentity:
    """Describe a build starting now."""
    try:
        initiator = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        initiator = "local"
    return BuildIdentity(
        build_id=build_id,
        build_number=build_number,
        region=region,
        initiator=initiator,
        start_time=int(time.time() * 1000),
        source_version=source_version(source_dir),
    )


def base_environment(host: Mapping[str, str]) -> dict[str, str]:
    """The few host variables a build starts with (see :data:`BASE_VARIABLES`)."""
    return {name: host[name] for name in BASE_VARIABLES if name in host}


def _parameter(session: boto3.Session, name: str) -> str:
    response = session.client("ssm").get_parameter(Name=name, WithDecryption=True)
    return str(response["Parameter"]["Value"])


def _secret(session: boto3.Session, reference: str) -> str:
    # secret-id:json-key:version-stage:version-id, where secret-id may be an
    # ARN, which has six colons of its own.
    parts = reference.split(":")
    cut = 7 if reference.startswith("arn:") else 1
    secret_id = ":".join(parts[:cut])
    json_key, stage, version = [*parts[cut:], "", "", ""][:3]
    request = {"SecretId": secret_id}
    if stage:
        request["VersionStage"] = stage
    if version:
        request["VersionId"] = version
    response = session.client("secretsmanager").get_secret_value(**request)
    text = str(response.get("SecretString", ""))
    if not json_key:
        return text
    try:
        value = json.loads(text)[json_key]
    except (ValueError, KeyError, TypeError) as error:
        raise SecretResolutionError(f"secret {secret_id!r} has no JSON key {json_key!r}") from error
    return value if isinstance(value, str) else json.dumps(value)


def resolve_secrets(env: Env | None, session: boto3.Session | None) -> dict[str, str]:
    """Fetch the values of ``env.parameter-store`` and ``env.secrets-manager``.

    Args:
        env: The buildspec's ``env`` section.
        session: Where to fetch from; a default ``boto3.Session()`` when None.

    Returns:
        Variable name to value, parameter-store first so secrets-manager wins a tie.

    Raises:
        SecretResolutionError: A parameter or secret is missing or unreadable.
    """
    if env is None or not (env.parameter_store or env.secrets_manager):
        return {}
    from botocore.exceptions import BotoCoreError, ClientError

    if session is None:
        import boto3

        session = boto3.Session()
    values: dict[str, str] = {}
    try:
        for variable, name in env.parameter_store.items():
            values[variable] = _parameter(session, name)
        for variable, reference in env.secrets_manager.items():
            values[variable] = _secret(session, reference)
    except (BotoCoreError, ClientError) as error:
        raise SecretResolutionError(f"cannot resolve {variable}: {error}") from error
    return values


@dataclass(frozen=True)
class Masker:
    """Replaces secret values with :data:`MASK` in text.

    Attributes:
        secrets: The values to hide; longest first, so a secret that contains
            another is hidden whole.
    """

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, str]) -> Masker:
        """A masker for the values of a mapping (empty values cannot be masked).

        The log is masked line by line, so each line of a multi-line secret (a
        PEM key) is also hidden on its own.
        """
        pieces = {v for value in values.values() for v in (value, *value.splitlines())}
        return cls(tuple(sorted((p for p in pieces if p.strip()), key=len, reverse=True)))

    def __call__(self, text: str) -> str:
        """Return ``text`` with every secret value replaced."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text
