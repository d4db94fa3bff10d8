"""Arguments into a learner's kernel and exceptions out of it, for :mod:`mlcicd.grade.wire`.

Arguments go from the trusted checker into the kernel pickled; botocore clients,
CDK templates and the checker's stand-ins for kernel objects go by reference and
are rebuilt in the kernel. Exceptions come back as data and are rebuilt in the
checker as :class:`RemoteError` subclasses that ``except`` clauses in checks catch.
"""

from __future__ import annotations

import base64
import importlib
import io
import pickle
import sys
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from typing import Any

import cloudpickle

from mlcicd.grade.wire_frames import WireError, as_object, as_text
from mlcicd.internals import client_credentials

#: Builtin exceptions a remote error may also be, so that ``except`` clauses in checks
#: work. ImportError is left out on purpose: in the checker it means "a package is missing".
_CATCHABLE = (
    NotImplementedError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    RuntimeError,
    ZeroDivisionError,
    LookupError,
    ArithmeticError,
    OSError,
)


_BOTOCORE = "botocore.exceptions"


class RemoteError(Exception):
    """An exception raised in the learner's kernel, rebuilt in the checker.

    Attributes:
        remote_type: Its class in the kernel, e.g. ``builtins.ValueError``.
    """

    remote_type: str = "builtins.Exception"

    def __str__(self) -> str:
        # Not KeyError's repr of the key: the message is already str() of the original.
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


@lru_cache(maxsize=256)
def _remote_class(base: type[BaseException], kind: str = "") -> type[RemoteError]:
    # Named as in the kernel (MemoryError, ValueError, a learner's own class), because
    # a failed checkpoint's line names the class of what the learner's code raised.
    name = kind.rsplit(".", 1)[-1]
    if not (name.isidentifier() and len(name) <= 100):
        name = "RemoteError" if base is Exception else f"Remote{base.__name__}"
    if base is Exception and name == "RemoteError":
        return RemoteError
    return type(name, (RemoteError, base), {})


def raised_to_wire(error: BaseException) -> dict[str, Any]:
    """KERNEL side: what the checker needs to re-raise ``error``, as data.

    Args:
        error: The exception a learner's function raised.

    Returns:
        ``{"$raised": {...}}`` with its type, module, message (at most 2000
        characters) and the builtin exception classes in its MRO; for a botocore
        ``ClientError`` also its ``error`` code and message, ``operation`` and ``status``.
    """
    kind = type(error)
    try:
        message = str(error)[:2000]
    except Exception:  # a learner's __str__ may raise; the type still says what happened
        message = f"<{kind.__qualname__} with a message that cannot be printed>"
    data: dict[str, Any] = {
        "type": kind.__qualname__,
        "module": str(kind.__module__),
        "message": message,
        "bases": [
            c.__name__
            for c in kind.__mro__
            if c.__module__ == "builtins" and issubclass(c, BaseException)
        ],
    }
    if any(c.__qualname__ == "ClientError" and c.__module__ == _BOTOCORE for c in kind.__mro__):
        response = getattr(error, "response", None)
        response = response if isinstance(response, dict) else {}
        found, meta = response.get("Error", {}), response.get("ResponseMetadata", {})
        status = meta.get("HTTPStatusCode")
        data["error"] = {key: str(found.get(key, "")) for key in ("Code", "Message")}
        data["operation"] = str(getattr(error, "operation_name", ""))
        data["status"] = status if type(status) is int else None
    return {"$raised": data}


def raised_from_wire(data: Mapping[str, Any]) -> BaseException:
    """CHECKER side: the exception :func:`raised_to_wire` described, ready to raise.

    Args:
        data: ``{"$raised": {...}}`` from the kernel.

    Returns:
        A :class:`RemoteError` that is also the nearest allowed builtin class in its
        MRO (so ``except ValueError`` works), or a real botocore ``ClientError``
        subclass for a ``ClientError``. ``str()`` of it is the kernel's message.

    Raises:
        WireError: ``data`` is not in that shape.
    """
    if not isinstance(data, Mapping) or set(data) != {"$raised"}:
        raise WireError("an exception from the kernel must be {'$raised': {...}}")
    raised = as_object(data["$raised"])
    names = {"type", "module", "message", "bases"}
    client = {"error", "operation", "status"}
    if set(raised) not in (names, names | client):
        raise WireError(f"$raised needs the keys {sorted(names)} (and {sorted(client)})")
    kind, module, message = (as_text(raised[key]) for key in ("type", "module", "message"))
    bases = raised["bases"]
    if type(bases) is not list or not all(type(base) is str for base in bases):
        raise WireError("$raised bases must be a list of class names")
    if "error" in raised:
        error = _client_error(raised, message)
    else:
        allowed = {base.__name__: base for base in _CATCHABLE}
        base = next((allowed[name] for name in bases if name in allowed), Exception)
        error = _remote_class(base, kind)(message)
    error.remote_type = f"{module}.{kind}"
    return error


def _client_error(raised: dict[str, Any], message: str) -> RemoteError:
    from botocore.exceptions import ClientError

    found = as_object(raised["error"])
    if set(found) != {"Code", "Message"}:
        raise WireError("$raised error needs the keys Code and Message")
    status = raised["status"]
    if status is not None and type(status) is not int:
        raise WireError("$raised status must be an integer or null")
    response = {
        "Error": {"Code": as_text(found["Code"]), "Message": as_text(found["Message"])},
        "ResponseMetadata": {"HTTPStatusCode": status} if status is not None else {},
    }
    error = _remote_class(ClientError, "ClientError")(response, as_text(raised["operation"]))
    error.args = (message,)
    return error


class _CheckerPickler(cloudpickle.Pickler):
    """Pickles arguments, sending kernel objects, clients and templates by reference.

    cloudpickle, because checks hand learner functions stand-ins they define on the
    spot (a model whose ``predict`` is a lambda); those travel by value. Only ever
    the checker's objects are pickled, and only into the kernel.
    """

    def __init__(self, file: io.BytesIO, handle_id: Callable[[Any], int | None]) -> None:
        super().__init__(file, protocol=5)
        self.handle_id = handle_id

    def persistent_id(self, obj: Any) -> Any:
        found = self.handle_id(obj)
        if found is not None:
            return ("handle", found)
        clients = sys.modules.get("botocore.client")
        if clients is not None and isinstance(obj, clients.BaseClient):
            meta = obj.meta
            return ("client", meta.service_model.service_name, meta.region_name, _keys(obj))
        kind = type(obj)
        # By name: importing aws_cdk only to compare types would start its runtime.
        if kind.__name__ == "Template" and kind.__module__.startswith("aws_cdk.assertions"):
            return ("template", obj.to_json())
        return None


def _keys(client: Any) -> dict[str, str | None] | None:
    """The credentials a client signs with, so the kernel's copy acts as the same principal."""
    credentials = client_credentials(client)
    if credentials is None:
        return None
    frozen = credentials.get_frozen_credentials()
    return {
        "aws_access_key_id": frozen.access_key,
        "aws_secret_access_key": frozen.secret_key,
        "aws_session_token": frozen.token,
    }


def args_to_kernel(
    args: tuple[Any, ...], kwargs: Mapping[str, Any], *, handle_id: Callable[[Any], int | None]
) -> str:
    """CHECKER side: ``args`` and ``kwargs`` as text for :func:`args_from_checker`.

    Args:
        args: Positional arguments of the learner's function.
        kwargs: Keyword arguments of it.
        handle_id: The handle number of a stand-in for a kernel object, else None.

    Returns:
        A protocol 5 pickle in base64. botocore clients travel as service, region
        and credentials; CDK ``Template`` objects as their JSON; stand-ins as handles.
    """
    buffer = io.BytesIO()
    _CheckerPickler(buffer, handle_id).dump((tuple(args), dict(kwargs)))
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class _KernelUnpickler(pickle.Unpickler):
    """Unpickles the checker's arguments, rebuilding what was sent by reference."""

    def __init__(self, file: io.BytesIO, handles: Mapping[int, Any], endpoint: str | None) -> None:
        super().__init__(file)
        self.handles = handles
        self.endpoint = endpoint

    def persistent_load(self, pid: Any) -> Any:
        kind, *rest = pid
        if kind == "handle":
            return self.handles[rest[0]]
        if kind == "client":
            service, region, keys = rest
            return _client(service, region, self.endpoint, tuple(sorted((keys or {}).items())))
        if kind == "template":
            assertions = importlib.import_module("aws_cdk.assertions")
            return assertions.Template.from_json(rest[0])
        raise pickle.UnpicklingError(f"unknown persistent id {kind!r}")


@cache
def _client(service: str, region: str, endpoint: str | None, keys: tuple[Any, ...]) -> Any:
    # Cached: a boto3 client takes tens of milliseconds to make, and a check may pass
    # the same one many times; the same checker client stays the same kernel client.
    import boto3

    return boto3.client(service, region_name=region, endpoint_url=endpoint, **dict(keys))


def args_from_checker(
    text: str, *, handles: Mapping[int, Any], endpoint: str | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """KERNEL side: the arguments :func:`args_to_kernel` sent.

    Args:
        text: What :func:`args_to_kernel` returned.
        handles: The kernel's objects by handle number.
        endpoint: Where rebuilt boto3 clients send requests (the checker's moto
            server); None for boto3's default.

    Returns:
        ``(args, kwargs)``.
    """
    buffer = io.BytesIO(base64.b64decode(text))
    args, kwargs = _KernelUnpickler(buffer, handles, endpoint).load()
    return args, kwargs
