"""The one place mlcicd reaches into moto's and botocore's internals.

moto and botocore document neither of the hooks below, so an upgrade may move
them without notice. Every use goes through this module, and
tests/unit/test_internals.py checks each against the installed releases: when an
upgrade moves one, that test fails naming the library, the internal and the
function here to update, instead of the guard or a check misbehaving in silence.

nbval's internals (how it starts a kernel, a cell's number and kernel) have their
one place in :mod:`mlcicd.grade.nbval_sandbox`, the grader's nbval process, with
tests/unit/test_grade_nbval_sandbox.py as their check.

Public, documented interfaces (``mock_aws``, ``moto.server.ThreadedMotoServer``,
``moto.core.set_initial_no_auth_action_count``, a client's ``meta.events``) are
used directly where they are needed.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

#: botocore's experimental client plugins: every client created while this variable
#: names ``name=module`` pairs calls ``module.initialize_client_plugin(client)``
#: (botocore/plugin.py). The real-AWS guard (:mod:`mlcicd.testing.guard`) is one.
BOTOCORE_PLUGINS_ENV = "BOTOCORE_EXPERIMENTAL__PLUGINS"

#: The function botocore calls in each module named by :data:`BOTOCORE_PLUGINS_ENV`.
BOTOCORE_PLUGIN_ENTRY = "initialize_client_plugin"


def moto_is_active() -> bool:
    """Tell whether a moto mock (``mock_aws``) is answering botocore calls now.

    Reads ``moto.core.models.botocore_stubber.enabled``, which ``mock_aws`` sets on
    start and clears on stop. moto is not imported here: when no one has imported
    it, no mock can be active.
    """
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    return bool(getattr(stubber, "enabled", False))


def share_botocore_loader() -> Callable[[], None]:
    """Make every botocore session created from now on share one loader per data path.

    A loader only reads and caches botocore's read-only JSON service descriptions,
    keyed by its search path, so one per path can serve every session: each file
    (endpoints.json is over 1 MB) is then parsed once per process instead of once
    per session. Replaces ``botocore.session.create_loader``, the module name that
    ``Session`` calls for its ``data_loader`` component.

    Returns:
        A function that puts the original back.
    """
    import botocore.loaders
    import botocore.session

    original = botocore.session.create_loader
    botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)

    def restore() -> None:
        botocore.session.create_loader = original

    return restore


def client_credentials(client: Any) -> Any | None:
    """The credentials a botocore client signs its requests with, or None when unsigned.

    Reads ``client._request_signer._credentials`` (botocore has no public accessor):
    the checker hands a learner's kernel a copy of its client acting as the same
    principal (:mod:`mlcicd.grade.wire_calls`).

    Returns:
        botocore ``Credentials`` (with ``get_frozen_credentials()``), or None.
    """
    return getattr(getattr(client, "_request_signer", None), "_credentials", None)


def iam_policy_verdict(
    policy: Mapping[str, Any],
    action: str,
    resource: str,
    conditions: Mapping[str, str] | None = None,
) -> str:
    """Judge an IAM identity policy on one request, as moto's policy engine does.

    Uses ``moto.iam.access_control.IAMPolicy`` and ``PermissionResult``, the policy
    evaluation moto runs when IAM authentication is enabled, so a check (and lesson
    05) agrees with what the mocked account itself would allow.

    Args:
        policy: The policy document.
        action: E.g. ``"ecr:BatchGetImage"``.
        resource: The resource ARN, or ``"*"``.
        conditions: The request's condition keys, e.g.
            ``{"iam:PassedToService": "sagemaker.amazonaws.com"}``.

    Returns:
        ``"PERMITTED"`` (a statement allows it), ``"DENIED"`` (one denies it) or
        ``"NEUTRAL"`` (none is about it: denied unless another policy allows it).
    """
    from moto.iam.access_control import IAMPolicy

    engine = IAMPolicy(json.dumps(policy))
    result = engine.is_action_permitted(
        action, resource, incoming_condition_values=dict(conditions) if conditions else None
    )
    return str(result.name)


def iam_policy_permits(policy: Mapping[str, Any], action: str, resource: str) -> bool:
    """Tell whether an IAM identity policy allows ``action`` on ``resource`` (moto's verdict)."""
    return iam_policy_verdict(policy, action, resource) == "PERMITTED"
