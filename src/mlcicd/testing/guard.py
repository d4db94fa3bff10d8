"""Refuse any AWS API call that would leave the machine.

botocore emits ``before-send.<service>.<Operation>`` just before it opens a
connection; moto answers mocked calls from the same event. The handler here
runs on that event for every client and raises :class:`RealAWSCallError`
unless moto is about to answer or the endpoint is on this machine (a moto
server on loopback), so a call that moto does not intercept fails at once,
before DNS, sockets or credentials are touched.

Clients get the handler through botocore's client plugins: every client
created while ``BOTOCORE_EXPERIMENTAL__PLUGINS`` names this module calls
:func:`initialize_client_plugin`. Because it is an environment variable, child
processes (Jupyter kernels started by nbval or papermill, subprocesses of a
test) inherit the guard too.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from mlcicd import internals
from mlcicd.exceptions import RealAWSCallError

PLUGIN_ENV = internals.BOTOCORE_PLUGINS_ENV
PLUGIN_SPEC = f"mlcicd_guard={__name__}"
_HANDLER_ID = "mlcicd-refuse-real-aws"
# moto answers every URL under this domain while a mock is active (unknown
# operations get its 404 "Not yet implemented"); other AWS domains (.api.aws,
# .amazonaws.com.cn in older moto releases) could pass through, so they are refused.
_MOTO_CATCH_ALL_DOMAIN = ".amazonaws.com"


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` names this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def moto_is_active() -> bool:
    """Tell whether a moto mock (``mock_aws``) is answering botocore calls now.

    moto has no public way to ask; :func:`mlcicd.internals.moto_is_active` reads it.
    """
    return internals.moto_is_active()


def must_refuse(url: str, moto_active: bool) -> bool:
    """Decide whether a request to ``url`` would reach a real AWS account.

    Args:
        url: The request's endpoint URL.
        moto_active: Whether a moto mock is active; moto then answers every
            ``*.amazonaws.com`` URL itself (with 404 for what it lacks). A moto
            configured to pass calls through to AWS ("passthrough") is not
            supported: the course never configures one.

    Returns:
        True when the request must be stopped.
    """
    host = urlsplit(url).hostname or ""
    if is_loopback(host):
        return False
    return not (moto_active and host.lower().endswith(_MOTO_CATCH_ALL_DOMAIN))


def refuse_real_aws(request: Any, event_name: str, **_: Any) -> None:
    """botocore ``before-send`` handler: raise unless the call stays on this machine.

    Raises:
        RealAWSCallError: The request would be sent to AWS.
    """
    if must_refuse(request.url, moto_is_active()):
        _, service, operation = event_name.split(".", 2)  # before-send.<service>.<Operation>
        raise RealAWSCallError(service=service, operation=operation, url=request.url)


def initialize_client_plugin(client: Any) -> None:
    """Entry point botocore calls for each new client (see module docstring).

    Its name is :data:`mlcicd.internals.BOTOCORE_PLUGIN_ENTRY`, botocore's convention.
    """
    client.meta.events.register_last("before-send", refuse_real_aws, unique_id=_HANDLER_ID)


def plugin_setting(current: str | None) -> str:
    """Return the ``BOTOCORE_EXPERIMENTAL__PLUGINS`` value that adds the guard to ``current``."""
    kept = [
        part
        for part in (current or "").split(",")
        if part.strip() and part.strip() != "DISABLED" and part.strip() != PLUGIN_SPEC
    ]
    return ",".join([*kept, PLUGIN_SPEC])
