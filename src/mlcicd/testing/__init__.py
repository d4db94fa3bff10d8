"""The offline-AWS safety net: fake credentials, no real AWS call, moto fixtures.

Use :func:`offline_aws` in a notebook; in pytest the plugin
(:mod:`mlcicd.testing.plugin`) applies it to every test of a run that asks for it
(``--offline-aws``, or ``offline_aws = true`` in the project's pytest configuration)
and adds the ``aws``, ``s3_bucket`` and ``region`` fixtures. See the plugin's
docstring for an example.
"""

from mlcicd.exceptions import RealAWSCallError
from mlcicd.testing.environment import DEFAULT_REGION, FAKE_CREDENTIALS, offline_aws

__all__ = ["DEFAULT_REGION", "FAKE_CREDENTIALS", "RealAWSCallError", "offline_aws"]
