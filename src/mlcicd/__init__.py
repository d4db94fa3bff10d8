"""mlcicd: the toolkit of the course "CI/CD Test Automation for Machine Learning Workflows".

Subpackages:
    mlcicd.testing: the offline-AWS safety net (pytest plugin, ``offline_aws``).
"""

from importlib.metadata import PackageNotFoundError, version

from mlcicd.exceptions import MlcicdError

try:
    __version__ = version("mlcicd")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["MlcicdError", "__version__"]
