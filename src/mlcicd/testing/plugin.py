"""pytest plugin: the offline-AWS safety net, for projects that ask for it, and moto fixtures.

Installed with mlcicd and found by pytest through the ``pytest11`` entry point,
but inert unless the project asks for it, as nbval acts only under ``--nbval``:

* on the command line: ``pytest --offline-aws``;
* or in the project's configuration, e.g. ``pyproject.toml``::

      [tool.pytest.ini_options]
      offline_aws = true

The course repository (and every learner copy released from it) turns it on in
its ``pyproject.toml``; the course's own pytest runs on notebooks and test code
(:mod:`mlcicd.course.nbval_run`, :mod:`mlcicd.course.pytest_run`) pass
``--offline-aws``. ``-p no:mlcicd`` unloads the plugin altogether.

What it does when asked (nothing of it otherwise):

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
  descriptions (:func:`mlcicd.internals.share_botocore_loader`), so each JSON
  file is parsed once per run instead of once per session: moto tests make a
  new session each.

Fixtures (always available; a project's own fixture of the same name wins):

* ``region``: the region of the test, ``"us-east-1"``; override it in a
  ``conftest.py`` to use another.
* ``aws``: an active ``moto.mock_aws`` under :func:`~mlcicd.testing.offline_aws`
  for that test; gives a ``boto3.Session`` in ``region``.
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

from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING

import pytest

from mlcicd.internals import share_botocore_loader
from mlcicd.testing.environment import DEFAULT_REGION, offline_aws

if TYPE_CHECKING:
    import boto3

#: The command-line option that turns the safety net on for one run.
OPTION = "--offline-aws"
#: The ini setting (pytest.ini, ``[tool.pytest.ini_options]``) that turns it on for a project.
INI = "offline_aws"
#: The name the safety net is registered under, once turned on.
SAFETY_NET = "mlcicd-offline-aws"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare ``--offline-aws`` and the ``offline_aws`` ini setting; both default to off."""
    group = parser.getgroup("mlcicd", "offline AWS (mlcicd)")
    group.addoption(
        OPTION,
        action="store_true",
        default=False,
        dest="offline_aws",
        help="fake AWS credentials, ~/.aws and AWS_* variables masked, and any AWS call "
        "moto does not answer refused, in this run and the kernels it starts",
    )
    parser.addini(
        INI,
        type="bool",
        default=False,
        help=f"turn on {OPTION} for every run of this project",
    )


def offline_aws_requested(config: pytest.Config) -> bool:
    """Tell whether this run asked for the safety net (:data:`OPTION` or :data:`INI`)."""
    return bool(config.getoption("offline_aws") or config.getini(INI))


class SafetyNet:
    """The offline-AWS safety net; registered only in a run that asks for it.

    Masks AWS at once (before any kernel or xdist worker is started) and gives the
    user's environment back when the run ends.
    """

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.stack.enter_context(offline_aws(DEFAULT_REGION, mock=False))
        self.stack.callback(share_botocore_loader())

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """Give the user's environment back at the end of the run."""
        self.stack.close()

    @pytest.fixture(autouse=True)
    def _offline_aws_per_test(self, region: str) -> Iterator[None]:
        with offline_aws(region, mock=False):
            yield


def pytest_configure(config: pytest.Config) -> None:
    """Register the safety net when the run asks for it; otherwise do nothing."""
    if offline_aws_requested(config) and not config.pluginmanager.has_plugin(SAFETY_NET):
        config.pluginmanager.register(SafetyNet(), SAFETY_NET)


@pytest.fixture
def region() -> str:
    """The AWS region of the test; override in a conftest.py to change it."""
    return DEFAULT_REGION


@pytest.fixture
def aws(region: str) -> Iterator[boto3.Session]:
    """An active ``moto.mock_aws``; yields a boto3 session in ``region``.

    For the test that asks for it, the environment is the safety net's
    (:func:`~mlcicd.testing.offline_aws`) even in a project that has not turned
    the net on: a user's ``AWS_PROFILE`` would otherwise break the session, and
    their keys would sign moto's requests.
    """
    import boto3

    with offline_aws(region):
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
