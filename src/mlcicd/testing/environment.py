"""Fake AWS credentials, a fixed region, and the real-AWS guard, for a block of code.

:func:`offline_aws` is what the pytest plugin wraps around every test of a run
that asks for it (``--offline-aws``) and what a notebook wraps around its AWS
cells. It hides every ``AWS_*`` variable the user has set (keys, ``AWS_PROFILE``,
endpoint overrides), points botocore's config and credentials files at nothing so
``~/.aws`` is never read, sets fake credentials and one region, turns on the
guard of :mod:`mlcicd.testing.guard`, and puts the user's environment back
exactly as it was on exit.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager

from mlcicd.testing.guard import PLUGIN_ENV, plugin_setting

DEFAULT_REGION = "us-east-1"

#: What every masked block sees: moto's documented test credentials.
FAKE_CREDENTIALS: Mapping[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
}


def offline_environment(environ: Mapping[str, str], region: str) -> dict[str, str]:
    """Return a copy of ``environ`` with AWS masked, faked and guarded.

    Args:
        environ: The environment to start from; it is not modified.
        region: The region every client defaults to.

    Returns:
        A new mapping: no user ``AWS_*`` variable, fake credentials, ``region``,
        config files pointing at ``os.devnull``, instance metadata off, and the
        guard added to the botocore plugins.
    """
    env = {key: value for key, value in environ.items() if not key.startswith("AWS_")}
    env.update(FAKE_CREDENTIALS)
    env.update(
        {
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            # Without credentials botocore would ask the instance metadata
            # service (a network call); there are always fake ones, but be sure.
            "AWS_EC2_METADATA_DISABLED": "true",
            PLUGIN_ENV: plugin_setting(environ.get(PLUGIN_ENV)),
        }
    )
    return env


def _replace_environ(new: Mapping[str, str]) -> None:
    for key in [key for key in os.environ if key not in new]:
        del os.environ[key]
    for key, value in new.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def _forget_default_boto3_session() -> None:
    # boto3's default session caches the credentials it resolved first; drop it
    # so clients made inside (and after) the block resolve them afresh.
    import boto3

    boto3.DEFAULT_SESSION = None


@contextmanager
def offline_aws(region: str = DEFAULT_REGION, *, mock: bool = True) -> Iterator[str]:
    """Run a block with fake AWS credentials, real AWS blocked, and (by default) moto.

    Args:
        region: The region boto3 clients default to inside the block.
        mock: Also start moto's ``mock_aws`` so calls are answered locally.
            The pytest plugin passes False and leaves mocking to the ``aws``
            fixture; notebooks keep the default.

    Yields:
        The region in force.

    Example:
        >>> import boto3
        >>> from mlcicd.testing import offline_aws
        >>> with offline_aws():
        ...     s3 = boto3.client("s3")
        ...     _ = s3.create_bucket(Bucket="course-data")
        ...     [b["Name"] for b in s3.list_buckets()["Buckets"]]
        ['course-data']
    """
    saved = dict(os.environ)
    with ExitStack() as stack:
        stack.callback(_forget_default_boto3_session)
        stack.callback(_replace_environ, saved)
        _replace_environ(offline_environment(saved, region))
        _forget_default_boto3_session()
        if mock:
            from moto import mock_aws

            stack.enter_context(mock_aws())
        yield region


def main(argv: list[str] | None = None) -> int:
    """Run a command in the offline environment: ``python -m mlcicd.testing.environment CMD...``.

    ``make course`` runs papermill this way, so every kernel it starts has
    fake credentials and the real-AWS guard, whatever the user's shell exports.
    """
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m mlcicd.testing.environment COMMAND [ARG...]", file=sys.stderr)
        return 2
    try:
        os.execvpe(args[0], args, offline_environment(os.environ, DEFAULT_REGION))
    except FileNotFoundError:
        print(f"{args[0]}: command not found", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main())
