"""The kernel's side of an outside verdict: run what the checker asks, answer with plain data.

At grading time a checkpoint's check runs outside the learner's kernel
(:mod:`mlcicd.grade.remote`). Whenever it needs a learner object it sends a
request, which the kernel evaluates as ``mlcicd.grade.agent.answer(REQUEST)``
(a Jupyter *user expression*, so it leaves no cell, no output and no history).
The answer is JSON text: the value as :func:`mlcicd.grade.wire.to_wire`
encodes it, or the exception the learner's code raised.

Nothing here is trusted: learner code in the same kernel can replace this
module. Whatever it answers is treated as what the learner's code returned,
decoded strictly and judged outside.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from mlcicd.grade.wire import args_from_checker, raised_to_wire, to_wire

#: Learner objects the checker holds a handle on, by id.
_HANDLES: dict[int, Any] = {}


def _keep(value: Any) -> int:
    """Remember ``value`` for later requests and return its handle id."""
    for number, kept in _HANDLES.items():
        if kept is value:
            return number
    number = len(_HANDLES) + 1
    _HANDLES[number] = value
    return number


def _namespace() -> Mapping[str, Any]:
    from IPython import get_ipython

    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _target(request: Mapping[str, Any]) -> Any:
    return _HANDLES[int(request["handle"])]


def _arguments(request: Mapping[str, Any]) -> tuple[tuple, dict]:
    return args_from_checker(request["args"], handles=_HANDLES, endpoint=request.get("endpoint"))


def _call(request: Mapping[str, Any]) -> Any:
    args, kwargs = _arguments(request)
    # What the check set in its environment (a Lambda's settings), and, inside moto,
    # the checker's moto server for clients the learner's code makes itself.
    changes = {str(k): v for k, v in dict(request.get("environ") or {}).items()}
    if request.get("endpoint"):
        changes["AWS_ENDPOINT_URL"] = str(request["endpoint"])
    saved = {name: os.environ.get(name) for name in changes}
    _apply(changes)
    try:
        return _target(request)(*args, **kwargs)
    finally:
        _apply(saved)


def _apply(values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = str(value)


def _item(request: Mapping[str, Any]) -> Any:
    (key,), _ = _arguments(request)
    return _target(request)[key]


_OPERATIONS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "call": _call,
    "getattr": lambda r: getattr(_target(r), str(r["name"])),
    "getitem": _item,
    "iter": lambda r: list(_target(r)),
    "len": lambda r: len(_target(r)),
    "ping": lambda r: None,
}


def answer(request: str) -> str:
    """Carry out one request of the checker and return the JSON answer.

    Args:
        request: JSON: ``{"op": "get", "name": ...}`` for a notebook variable, or
            ``{"op": "call" | "getattr" | "getitem" | "iter" | "len", "handle": id, ...}``.

    Returns:
        ``{"value": ...}``, ``{"raised": ...}`` or ``{"missing": name}``, as JSON text.
    """
    try:
        data = json.loads(request)
        if data["op"] == "get":
            namespace = _namespace()
            if data["name"] not in namespace:
                return json.dumps({"missing": data["name"]})
            value = namespace[data["name"]]
        else:
            value = _OPERATIONS[data["op"]](data)
        return json.dumps({"value": to_wire(value, _keep)}, allow_nan=False)
    except KeyboardInterrupt:
        raise  # the checker interrupted a call that ran too long
    except BaseException as error:  # any failure of learner code is an answer
        return json.dumps({"raised": raised_to_wire(error)}, allow_nan=False)
