"""pytest plugin: every test runs offline against AWS, and fixtures for moto.

Installed with mlcicd and loaded by pytest through the ``pytest11`` entry
point, so it is active in every test run, nbval's included; turn it off with
``-p no:mlcicd``.

What it does:

* From start to end of the run, the process environment has fake AWS
  credentials, the region of the ``region`` fixture's default, ``~/.aws``
  masked, and the real-AWS guard on (:func:`mlcicd.testing.offline_aws`).
  Jupyter kernels that nbval or papermill start inherit all of it.
* Around each test the same masking is applied again, with the region of the
  ``region`` fixture, and the environment as it was before the test is put
  back afterwards; so a test that exports ``AWS_PROFILE`` does not leak it.
* An AWS call that moto does not intercept raises
  :class:`mlcicd.exceptions.RealAWSCallError` before any connection is opened.
* botocore sessions created during the run share one loader of AWS's service
  descriptions, so each JSON file (endpoints.json is over 1 MB) is parsed once
  per run instead of once per session: moto tests make a new session each.

Fixtures:

* ``region``: the region of the test, ``"us-east-1"``; override it in a
  ``conftest.py`` to use another.
* ``aws``: an active ``moto.mock_aws``; gives a ``boto3.Session`` in ``region``.
* ``s3_bucket``: the name of an empty S3 bucket created in ``aws``.

Example:
    .. code-block:: python

        def test_upload(aws, s3_bucket):
            s3 = aws.client("s3")
            s3.put_object(Bucket=s3_bucket, Key="data.csv", Body=b"a,b\\n1,2\\n")
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket)["Contents"]]
            assert keys == ["data.csv"]
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from mlcicd.testing.environment import DEFAULT_REGION, offline_aws

if TYPE_CHECKING:
    import boto3

_SESSION_GUARD = pytest.StashKey[ExitStack]()


def _share_botocore_loader(stack: ExitStack) -> None:
    # A loader only reads and caches botocore's read-only JSON data, keyed by
    # its search path, so one per path can serve every session.
    import botocore.loaders
    import botocore.session

    original = botocore.session.create_loader
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)
    stack.callback(setattr, botocore.session, "create_loader", original)


def pytest_configure(config: pytest.Config) -> None:
    """Mask AWS for the whole run, before any kernel or worker is started."""
    stack = ExitStack()
    stack.enter_context(offline_aws(DEFAULT_REGION, mock=False))
    _share_botocore_loader(stack)
    config.stash[_SESSION_GUARD] = stack


def pytest_unconfigure(config: pytest.Config) -> None:
    """Give the user's environment back at the end of the run."""
    stack = config.stash.get(_SESSION_GUARD, None)
    if stack is not None:
        stack.close()


@pytest.fixture
def region() -> str:
    """The AWS region of the test; override in a conftest.py to change it."""
    return DEFAULT_REGION


@pytest.fixture(autouse=True)
def _offline_aws_per_test(region: str) -> Iterator[None]:
    with offline_aws(region, mock=False):
        yield


@pytest.fixture
def aws(region: str) -> Iterator[boto3.Session]:
    """An active ``moto.mock_aws``; yields a boto3 session in ``region``."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.Session(region_name=region)


@pytest.fixture
def s3_bucket(aws: boto3.Session, region: str) -> str:
    """Create an empty S3 bucket in the mocked account and return its name."""
    name = "mlcicd-test-bucket"
    s3 = aws.client("s3")
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name
