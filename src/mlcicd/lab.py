"""Start JupyterLab on the course, the way ``make lab`` and the tests do.

:func:`plan_lab` works out everything (port, URL, start page, command line)
without side effects, so tests can check it and start the very same command;
:func:`run_lab` then replaces the current process with JupyterLab.
"""

from __future__ import annotations

import errno
import os
import shutil
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from mlcicd.exceptions import LabError, PortInUseError
from mlcicd.testing.environment import DEFAULT_REGION, offline_environment
from mlcicd.testing.guard import is_loopback

DEFAULT_PORT = 8888
_PORT_SEARCH = 50  # as many as Jupyter's own port_retries default


@dataclass(frozen=True)
class LabLaunch:
    """A planned JupyterLab start.

    Attributes:
        argv: The command line to run.
        url: Where the course opens, as printed for the learner.
        host: Address the server listens on.
        port: Port the server listens on.
        root: The course folder JupyterLab serves.
        env: The environment JupyterLab runs in: the user's, with AWS masked
            and guarded (:func:`mlcicd.testing.environment.offline_environment`),
            so every kernel is offline whatever the shell exports.
        notice: A sentence to print before starting (e.g. another port was picked).
    """

    argv: tuple[str, ...]
    url: str
    host: str
    port: int
    root: Path
    env: Mapping[str, str]
    notice: str | None = None


def start_page(root: Path) -> str:
    """Return the path JupyterLab opens: the first lesson notebook, else ``notebooks/``."""
    lessons = sorted((root / "notebooks").glob("*.ipynb"))
    return lessons[0].relative_to(root).as_posix() if lessons else "notebooks"


def port_is_free(host: str, port: int) -> bool:
    """Tell whether a server could listen on ``host:port`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def choose_port(host: str, wanted: int | None) -> tuple[int, str | None]:
    """Pick the port to use and say why when it is not the usual one.

    Args:
        host: Address to listen on.
        wanted: A port the user asked for, or None for the first free one
            from :data:`DEFAULT_PORT`.

    Returns:
        The port and a notice for the learner (None when nothing to say).

    Raises:
        PortInUseError: ``wanted`` was given and is taken.
        LabError: No free port in the search range.
    """
    if wanted is not None:
        if not port_is_free(host, wanted):
            raise PortInUseError(host, wanted)
        return wanted, None
    for port in range(DEFAULT_PORT, DEFAULT_PORT + _PORT_SEARCH):
        if port_is_free(host, port):
            notice = (
                None
                if port == DEFAULT_PORT
                else (f"Port {DEFAULT_PORT} is in use; JupyterLab will use port {port}.")
            )
            return port, notice
    raise LabError(
        f"Ports {DEFAULT_PORT} to {DEFAULT_PORT + _PORT_SEARCH - 1} on {host} are all in use: "
        "stop an old JupyterLab (`jupyter server list` shows them) or pass --port."
    )


def plan_lab(
    root: Path,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    open_browser: bool = False,
    is_root: bool | None = None,
) -> LabLaunch:
    """Plan a JupyterLab start serving the course at ``root``.

    On loopback the server needs no token: only this machine can reach it.
    On any other address Jupyter's own token stays on, and its start-up log
    prints the URL with the token.

    Args:
        root: The course folder (holds ``notebooks/``).
        host: Address to listen on.
        port: Port to use; None picks the first free one from 8888.
        open_browser: Ask JupyterLab to open a browser tab.
        is_root: Whether we run as root (adds ``--allow-root``); None looks it up.

    Returns:
        The plan; nothing is started.

    Raises:
        LabError: ``root`` has no ``notebooks/`` folder, JupyterLab is not
            installed, or no port is free.
    """
    root = root.resolve()
    if not (root / "notebooks").is_dir():
        raise LabError(
            f"{root} has no notebooks/ folder: run `make lab` (or `mlcicd lab`) "
            "from the course's folder, or pass --root."
        )
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    jupyter = shutil.which("jupyter-lab", path=search)
    if jupyter is None:
        raise LabError("JupyterLab is not installed here: run `make lab`, which installs it.")
    chosen, notice = choose_port(host, port)
    page = start_page(root)
    argv = [
        jupyter,
        f"--ServerApp.root_dir={root}",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={chosen}",
        "--ServerApp.port_retries=0",  # the printed URL must be the real one
        f"--LabApp.default_url=/lab/tree/{page}",
        "--ServerApp.open_browser=" + ("True" if open_browser else "False"),
    ]
    if is_loopback(host):
        argv.append("--IdentityProvider.token=")
    if os.geteuid() == 0 if is_root is None else is_root:
        argv.append("--allow-root")
    shown = f"[{host}]" if ":" in host else host
    return LabLaunch(
        argv=tuple(argv),
        url=f"http://{shown}:{chosen}/lab/tree/{page}",
        host=host,
        port=chosen,
        root=root,
        env=offline_environment(os.environ, DEFAULT_REGION),
        notice=notice,
    )


def run_lab(launch: LabLaunch) -> NoReturn:
    """Replace this process with JupyterLab, so Ctrl-C and signals reach it directly."""
    os.execve(launch.argv[0], list(launch.argv), dict(launch.env))
