"""Can the AWS CDK run here? Node.js, the ``iac`` extra, and jsii's settings.

The CDK's Python library is a thin client: every construct lives in a Node.js
process that jsii starts on the first ``import aws_cdk``. So the CDK needs two
things Python cannot install by itself: Node.js on ``PATH`` and the optional
extra ``mlcicd[iac]``. :func:`cdk_problem` says in one sentence what is
missing (tests and lesson 09 skip with that sentence), and :func:`require_cdk`
raises it as :class:`~mlcicd.exceptions.NodeMissingError` instead of the
traceback jsii would print.

:func:`configure_jsii` sets jsii's environment before the first import: no
banner about the Node.js version, and the package cache (about 200 MB of
unpacked ``aws-cdk-lib``) under the project's ``build/`` instead of the
user's home.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import MutableMapping
from pathlib import Path

from mlcicd.exceptions import NodeMissingError

#: Node.js major versions the course's CDK tests ran on. jsii supports 22 and
#: 24; it calls 20 end-of-life but runs on it (the course's machines have 20).
NODE_VERSIONS: tuple[int, ...] = (20, 22, 24)
#: The oldest Node.js major version that can run aws-cdk-lib 2 at all.
OLDEST_NODE = 18
#: The distributions the ``iac`` extra installs.
IAC_MODULES: tuple[str, ...] = ("aws_cdk", "constructs", "cfnlint")
#: Where the package cache goes, under the project's ``build/``.
CACHE_FOLDER = Path("build") / "jsii-cache"

_INSTALL_NODE = (
    "install Node.js 22 or 24 (https://nodejs.org, or your system's package manager) "
    "and run `make test` or `make lab` again"
)


def node_version(node: str | None = None) -> tuple[int, int, int] | None:
    """The version of Node.js on ``PATH`` (or at ``node``), or None when there is none.

    Args:
        node: The executable to ask; ``node`` on ``PATH`` when None.

    Returns:
        ``(major, minor, patch)``, or None when it is missing or does not answer.
    """
    executable = node or shutil.which("node")
    if executable is None:
        return None
    try:
        answer = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except OSError:
        return None
    found = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)\S*", answer.stdout.strip())
    if answer.returncode != 0 or found is None:
        return None
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def cdk_problem(node: str | None = None) -> str | None:
    """Why the CDK cannot run here, in one sentence, or None when it can.

    Args:
        node: The Node.js executable to check; ``node`` on ``PATH`` when None.

    Returns:
        The sentence tests skip with and lesson 09 prints, or None.
    """
    version = node_version(node)
    if version is None:
        return f"The AWS CDK needs Node.js, which is not installed here: {_INSTALL_NODE}."
    if version[0] < OLDEST_NODE:
        shown = ".".join(map(str, version))
        return f"The AWS CDK needs Node.js {OLDEST_NODE} or newer, and this is {shown}: " + (
            _INSTALL_NODE + "."
        )
    missing = [name for name in IAC_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"The AWS CDK's Python packages are not installed ({', '.join(missing)}): "
            "run `make test` or `make lab` with Node.js on PATH, or "
            "`pip install -e '.[iac]'`."
        )
    return None


def require_cdk(node: str | None = None) -> None:
    """Raise :class:`NodeMissingError` unless the CDK can run; set up jsii when it can.

    Raises:
        NodeMissingError: With the sentence of :func:`cdk_problem`.
    """
    problem = cdk_problem(node)
    if problem is not None:
        raise NodeMissingError(problem)
    configure_jsii()


def project_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (the working folder) holding ``pyproject.toml``.

    Lessons run in ``notebooks/``, tests at the top: both find the same project.
    Outside any project, ``start`` itself.
    """
    here = (start or Path.cwd()).resolve()
    return next(
        (folder for folder in (here, *here.parents) if (folder / "pyproject.toml").is_file()),
        here,
    )


def configure_jsii(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Set jsii's environment variables that are not set yet, before ``import aws_cdk``.

    Values already set (``make`` exports them) win, so a learner can move the cache.

    Args:
        environ: The environment to change; ``os.environ`` when None.

    Returns:
        The variables this call set.
    """
    env = os.environ if environ is None else environ
    wanted = {
        # jsii prints a banner on stderr about the Node.js release (20 is past
        # its end of life for jsii); the course's outputs must stay clean.
        "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": ",".join(map(str, NODE_VERSIONS)),
        "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        "JSII_RUNTIME_PACKAGE_CACHE_ROOT": str(project_root() / CACHE_FOLDER),
    }
    changed = {key: value for key, value in wanted.items() if key not in env}
    env.update(changed)
    return changed
