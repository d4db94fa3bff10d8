"""The one place mlcicd reaches into the internals of moto, botocore, cfn-lint and pytest.

moto and botocore document neither of the hooks below, nor pytest its cache of
assertion-rewritten modules, so an upgrade may move them without notice. Every use
goes through this module, and tests/unit/test_internals.py checks each against the
installed releases: when an upgrade moves one, that test fails naming the library, the
internal and the function here to update, instead of the guard or a check misbehaving
in silence.

nbval's internals (how it starts a kernel, a cell's number and kernel) have their
one place in :mod:`mlcicd.grade.nbval_sandbox`, the grader's nbval process, with
tests/unit/test_grade_nbval_sandbox.py as their check. jsii's package cache (its
layout, the digest naming an entry, the marker it touches, how a package's module
names its tarball) has its one place in :mod:`mlcicd.grade.jsii_cache`, with
tests/integration/test_grade_jsii_sandbox.py as its check.

Public, documented interfaces (``mock_aws``, ``moto.server.ThreadedMotoServer``,
``moto.core.set_initial_no_auth_action_count``, a client's ``meta.events``) are
used directly where they are needed.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
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


def cfn_lint_decode(
    text: str,
) -> tuple[Any, list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """Decode a CloudFormation template with cfn-lint's decoder, into plain Python data.

    ``cfnlint.decode.decode_str`` is public; what is read here is not: it returns
    its own ``dict``/``list``/``str`` subclasses (``cfnlint.decode.node``) carrying
    ``start_mark``, and the key of a mapping made from a short-form tag (``!Ref``
    becomes ``{"Ref": ...}``) is a plain ``str``, while every key written in the
    text is one of its ``str`` subclasses. That is how the tags used are found.

    Args:
        text: The template (YAML, short forms allowed, or JSON).

    Returns:
        ``(data, errors, tags)``: the template as plain dicts, lists and scalars
        (None when it could not be read); cfn-lint's errors as 1-based
        ``(line, column, message)``; each short form used as ``(line, column, name)``,
        the name as its long form spells it (``Fn::Sub``, ``Ref``).
    """
    from cfnlint.decode import decode_str

    template, matches = decode_str(text)
    errors = [(m.linenumber, m.columnnumber, str(m.message)) for m in matches]
    if template is None or errors:
        return None, errors, []
    tags: list[tuple[int, int, str]] = []
    # An explicit stack: cfn-lint allows about 1,000 levels, past Python's recursion limit.
    root: list[Any] = [None]
    stack: list[tuple[Any, Any, Any]] = [(template, root, 0)]
    while stack:
        value, parent, slot = stack.pop()
        if isinstance(value, dict):
            out: Any = {}
            for key, item in value.items():
                if type(key) is str:  # made from a tag, not written in the text
                    mark = getattr(value, "start_mark", None)
                    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                    tags.append((line, column, key))
                plain = str(key) if isinstance(key, str) else key
                out[plain] = None
                stack.append((item, out, plain))
        elif isinstance(value, list):
            out = [None] * len(value)
            stack.extend((item, out, i) for i, item in enumerate(value))
        else:
            out = str(value) if isinstance(value, str) else value
        parent[slot] = out
    tags.sort()
    return root[0], errors, tags


def write_pytest_rewritten_pyc(source: Path) -> bool:
    """Write the bytecode pytest would cache for ``source`` after rewriting its asserts.

    pytest rewrites the ``assert`` statements of test modules and of every module of a
    distribution that ships a pytest plugin (hypothesis, anyio, mlcicd ...) when a pytest
    process imports them, and caches the result beside the module as
    ``__pycache__/NAME.cpython-311-pytest-X.Y.Z.pyc``, but only where it may write. It
    reads such a file wherever it finds one, checked against the source's hash. Uses
    ``_pytest.assertion.rewrite``: ``_rewrite_test``, ``_write_pyc``, ``get_cache_dir``
    and ``PYC_TAIL``. Written as pytest writes it without a config, as the first pytest
    process to import the module would (no ``enable_assertion_pass_hook``).

    Args:
        source: A ``.py`` file.

    Returns:
        False when the file does not parse (pytest then imports it from source, as
        always) or its folder is not writable.
    """
    from _pytest.assertion import rewrite

    pyc = pytest_rewritten_pyc(source)
    try:
        source_hash, code = rewrite._rewrite_test(source, None)  # type: ignore[arg-type]
        pyc.parent.mkdir(parents=True, exist_ok=True)  # parents: under sys.pycache_prefix
    except (SyntaxError, ValueError, OSError):  # ValueError: a null byte in the source
        return False
    # _write_pyc's state only traces a failed write; pytest's own trace is a no-op here.
    return bool(rewrite._write_pyc(_NO_TRACE, code, source_hash, pyc))  # type: ignore[arg-type]


def pytest_rewritten_pyc(source: Path) -> Path:
    """Where pytest looks for the cached, assert-rewritten form of ``source``.

    ``_pytest.assertion.rewrite``'s ``get_cache_dir`` (``__pycache__`` beside the module,
    or under ``sys.pycache_prefix``) and ``PYC_TAIL`` (``.cpython-311-pytest-X.Y.Z.pyc``).
    """
    from _pytest.assertion import rewrite

    return rewrite.get_cache_dir(source) / f"{source.stem}{rewrite.PYC_TAIL}"


class _NoTrace:
    """Stands in for pytest's ``AssertionState``, of which ``_write_pyc`` uses ``trace``."""

    @staticmethod
    def trace(message: str) -> None:
        """Drop the message: a module whose pyc cannot be written is rewritten at import."""


_NO_TRACE = _NoTrace()
