"""Values between the grader's checker and a learner's kernel: plain data back, trusted data in.

At grading time a checkpoint's check runs in the grader's own process and calls
the learner's functions through proxies. Arguments travel into the kernel
pickled (:func:`args_to_kernel`, :func:`args_from_checker`): the checker is
trusted, the kernel may unpickle. Results travel back as JSON-safe data only
(:func:`to_wire` in the kernel, :func:`from_wire` in the checker), because the
kernel is not trusted: the checker never unpickles or evaluates what it sends.
:func:`from_wire` rebuilds builtins, numpy and pandas values, and dataclasses
and enums of the course's own packages; anything else stays in the kernel and
comes back as a handle the checker can call through. Exceptions come back as
data too (:func:`raised_to_wire`, :func:`raised_from_wire`).

This module holds the value format; numpy and pandas values are in
:mod:`mlcicd.grade.wire_frames`, arguments and exceptions in
:mod:`mlcicd.grade.wire_calls`. All of the API is importable from here.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import enum
import importlib
import math
import pathlib
import re
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from mlcicd.grade import wire_frames
from mlcicd.grade.wire_calls import (
    RemoteError,
    args_from_checker,
    args_to_kernel,
    raised_from_wire,
    raised_to_wire,
)
from mlcicd.grade.wire_frames import WireError, as_object, as_text

__all__ = [
    "RemoteError",
    "WireError",
    "args_from_checker",
    "args_to_kernel",
    "from_wire",
    "raised_from_wire",
    "raised_to_wire",
    "to_wire",
]

#: Deepest nesting :func:`to_wire` sends and :func:`from_wire` accepts (cycles end here too).
MAX_DEPTH = 100
#: Most values (containers and scalars, frame cells included) one result may hold.
MAX_ITEMS = 1_000_000
#: Most characters of text (strings and base64 bytes) one result may hold.
MAX_TEXT = 50_000_000
#: Largest integer sent: ``json.dumps`` refuses integers of more than 4300 digits.
_INT_BITS = 14_000
#: Packages whose dataclasses and enums are rebuilt in the checker; the course's own.
_TRUSTED = ("mlcicd", "churn")
_PATHS = (pathlib.PurePosixPath, pathlib.PureWindowsPath, pathlib.PosixPath, pathlib.WindowsPath)
_SIMPLE: dict[type, Callable[[Any], dict[str, Any]]] = {
    dt.datetime: lambda v: {"$datetime": v.isoformat()},
    dt.date: lambda v: {"$date": v.isoformat()},
    dt.timedelta: lambda v: {"$timedelta": [v.days, v.seconds, v.microseconds]},
    **{kind: (lambda v: {"$path": str(v)}) for kind in _PATHS},
}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def to_wire(value: Any, keep: Callable[[Any], int]) -> Any:
    """KERNEL side: ``value`` as JSON-safe data, objects it cannot send as handles.

    Args:
        value: What a learner's function returned (or any value to send to the checker).
        keep: Keeps an object in the kernel and returns its handle number.

    Returns:
        Data made of dicts with str keys, lists, str, int, finite float, bool and
        None only; every dict is tagged with one ``$`` key.

    Raises:
        WireError: ``value`` is nested deeper than :data:`MAX_DEPTH` or larger than
            :data:`MAX_ITEMS` values or :data:`MAX_TEXT` characters.
    """
    return _Encoder(keep).encode(value)


class _Encoder:
    """One :func:`to_wire` call: the depth and the size spent so far."""

    def __init__(self, keep: Callable[[Any], int]) -> None:
        self.keep = keep
        self.depth = 0
        self.items = 0
        self.text = 0

    def spend(self, items: int, text: int = 0) -> None:
        self.items += items
        self.text += text
        if self.items > MAX_ITEMS or self.text > MAX_TEXT:
            raise WireError(
                f"the value is too large to send (over {MAX_ITEMS} values or "
                f"{MAX_TEXT} characters); return something smaller"
            )

    def room(self, items: int) -> None:
        """Fail before converting a large array that would not fit."""
        if self.items + items > MAX_ITEMS:
            self.spend(items)

    def encode(self, value: Any) -> Any:
        if self.depth >= MAX_DEPTH:
            raise WireError(f"the value is nested more than {MAX_DEPTH} levels deep (or a cycle)")
        self.depth += 1
        try:
            self.spend(1)
            return self._encode(value)
        finally:
            self.depth -= 1

    def _encode(self, value: Any) -> Any:
        # Exact types only: a subclass of a builtin may lie in __eq__ or __iter__, so it
        # stays in the kernel as a handle rather than passing for the builtin.
        kind = type(value)
        if value is None or kind is bool:
            return value
        if kind is int:
            if value.bit_length() > _INT_BITS:
                raise WireError(f"an integer of {value.bit_length()} bits is too large to send")
            return value
        if kind is str:
            self.spend(0, len(value))
            return value
        if kind is float:
            return value if math.isfinite(value) else {"$float": str(value)}
        if kind is list:
            return [self.encode(item) for item in value]
        if kind is tuple:
            return {"$tuple": [self.encode(item) for item in value]}
        if kind is dict:
            return self._dict(value)
        if kind is set or kind is frozenset:
            return {f"${kind.__name__}": [self.encode(item) for item in value]}
        if kind is bytes:
            text = base64.b64encode(value).decode("ascii")
            self.spend(0, len(text))
            return {"$bytes": text}
        if kind in _SIMPLE:
            return _SIMPLE[kind](value)
        module = kind.__module__ if isinstance(kind.__module__, str) else ""
        root = module.partition(".")[0]
        if root == "numpy":
            return self._numpy(value)
        if root == "pandas":
            return wire_frames.encode_pandas(value, self)
        if root in _TRUSTED and _resolves(kind):
            return self._trusted(value)
        return self.handle(value)

    def handle(self, value: Any) -> dict[str, Any]:
        kind = type(value)
        return {"$handle": self.keep(value), "type": f"{kind.__module__}.{kind.__qualname__}"}

    def _dict(self, value: dict[Any, Any]) -> dict[str, Any]:
        if all(type(key) is str and not key.startswith("$") for key in value):
            return {"$map": {key: self.encode(item) for key, item in value.items()}}
        return {"$dict": [[self.encode(key), self.encode(item)] for key, item in value.items()]}

    def _numpy(self, value: Any) -> Any:
        np = sys.modules["numpy"]
        for kinds, convert in ((np.bool_, bool), (np.integer, int), (np.floating, float)):
            if isinstance(value, kinds):
                return self._encode(convert(value))
        if isinstance(value, np.str_ | np.bytes_):
            return self._encode(value.item())
        if type(value) is np.ndarray:
            return wire_frames.encode_ndarray(value, self)
        return self.handle(value)

    def _trusted(self, value: Any) -> dict[str, Any]:
        kind = type(value)
        name = f"{kind.__module__}:{kind.__qualname__}"
        if isinstance(value, enum.Enum):
            return {"$enum": name, "name": value.name}
        if dataclasses.is_dataclass(kind):
            fields = {f.name: self.encode(getattr(value, f.name)) for f in _init_fields(kind)}
            return {"$dataclass": name, "fields": fields}
        return self.handle(value)


def _resolves(kind: type) -> bool:
    """Whether ``kind`` is the class its module and qualified name name (not a look-alike)."""
    try:
        found: Any = sys.modules[kind.__module__]
        for part in kind.__qualname__.split("."):
            found = getattr(found, part)
    except (KeyError, AttributeError):
        return False
    return found is kind


def _init_fields(kind: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(kind) if f.init]


def from_wire(data: Any, handle: Callable[[int, str], Any]) -> Any:
    """CHECKER side: rebuild a value from the data :func:`to_wire` made, strictly.

    Args:
        data: Parsed JSON from the kernel (never trusted).
        handle: Makes the checker's stand-in for kernel object ``n`` of type ``t``.

    Returns:
        The value, made only of builtins, numpy and pandas values, dataclasses and
        enums of the course's packages, and what ``handle`` returns.

    Raises:
        WireError: ``data`` holds an unknown tag, a wrong shape, a non-JSON type or a
            class the checker does not rebuild; the message says what and where.
    """
    return _Decoder(handle).decode(data)


class _Decoder:
    """One :func:`from_wire` call: the handle factory and the current depth."""

    def __init__(self, handle: Callable[[int, str], Any]) -> None:
        self.handle = handle
        self.depth = 0
        self.tags: dict[str, tuple[tuple[str, ...], Callable[[Any, dict[str, Any]], Any]]] = {
            "$float": ((), _float),
            "$tuple": ((), lambda v, _: tuple(self.items(v))),
            "$map": (
                (),
                lambda v, _: {k: self.decode(i, f".{k}") for k, i in as_object(v).items()},
            ),
            "$dict": ((), lambda v, _: dict(self.pairs(v))),
            "$set": ((), lambda v, _: set(self.items(v))),
            "$frozenset": ((), lambda v, _: frozenset(self.items(v))),
            "$bytes": ((), lambda v, _: base64.b64decode(as_text(v), validate=True)),
            "$datetime": ((), lambda v, _: dt.datetime.fromisoformat(as_text(v))),
            "$date": ((), lambda v, _: dt.date.fromisoformat(as_text(v))),
            "$timedelta": ((), lambda v, _: dt.timedelta(*_ints(v, 3))),
            "$path": ((), lambda v, _: pathlib.Path(as_text(v))),
            "$handle": (("type",), lambda v, o: self.handle(_ints(v, 0), as_text(o["type"]))),
            "$dataclass": (("fields",), self.dataclass),
            "$enum": (("name",), lambda v, o: _trusted_enum(v).__members__[as_text(o["name"])]),
        }

    def decode(self, data: Any, where: str = "") -> Any:
        if self.depth >= MAX_DEPTH + 10:
            raise WireError(f"data nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return self._decode(data)
        except WireError as error:
            error.where.insert(0, where)
            raise
        finally:
            self.depth -= 1

    def _decode(self, data: Any) -> Any:
        kind = type(data)
        if data is None or kind in (bool, int, str):
            return data
        if kind is float and math.isfinite(data):
            return data
        if kind is list:
            return self.items(data)
        if kind is not dict:
            raise WireError(f"{kind.__name__} {data!r:.80} is not JSON data from to_wire")
        tag = _tag(data)
        if tag in wire_frames.TAGS:
            return wire_frames.decode_pandas(tag, data, self)
        if tag not in self.tags:
            raise WireError(f"unknown tag {tag!r}")
        extra, build = self.tags[tag]
        if set(data) != {tag, *extra}:
            raise WireError(f"{tag} needs exactly the keys {sorted({tag, *extra})}")
        try:
            return build(data[tag], data)
        except (ValueError, TypeError, OverflowError, LookupError) as error:
            raise WireError(f"bad {tag}: {error}") from None

    def items(self, data: Any) -> list[Any]:
        if type(data) is not list:
            raise WireError(f"expected a list, got {type(data).__name__}")
        return [self.decode(item, f"[{n}]") for n, item in enumerate(data)]

    def pairs(self, data: Any) -> list[tuple[Any, Any]]:
        pairs = self.items(data)
        if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
            raise WireError("$dict needs a list of [key, value] pairs")
        return [(key, value) for key, value in pairs]

    def dataclass(self, name: Any, data: dict[str, Any]) -> Any:
        kind = _trusted_class(name)
        if not dataclasses.is_dataclass(kind):
            raise WireError(f"{name} is not a dataclass")
        fields = {k: self.decode(v, f".{k}") for k, v in as_object(data["fields"]).items()}
        allowed = {f.name for f in _init_fields(kind)}
        if not set(fields) <= allowed:
            raise WireError(f"{name} has no init fields {sorted(set(fields) - allowed)}")
        try:
            return kind(**fields)
        except Exception as error:  # its own checks (__post_init__) may raise anything
            raise WireError(f"{name} refused its fields: {error}") from None


def _tag(data: dict[str, Any]) -> str:
    tags = [key for key in data if key.startswith("$")]
    if len(tags) != 1:
        raise WireError(f"an object needs exactly one $ tag, found {sorted(tags)}")
    return tags[0]


def _ints(data: Any, count: int) -> Any:
    """``data`` checked to be an int (``count`` 0) or a list of ``count`` ints."""
    what = "an integer" if count == 0 else f"a list of {count} integers"
    values = [data] if count == 0 else data
    if type(values) is not list or len(values) != max(count, 1):
        raise WireError(f"expected {what}, got {data!r:.80}")
    if not all(type(value) is int for value in values):
        raise WireError(f"expected {what}, got {data!r:.80}")
    return data


def _float(data: Any, _: Any) -> float:
    if data not in ("nan", "inf", "-inf"):
        raise WireError(f"$float must be 'nan', 'inf' or '-inf', not {data!r:.80}")
    return float(data)


@cache
def _trusted_class(name: Any) -> type:
    """The class ``module:QualName`` of the course's packages, imported by name."""
    module, _, qualname = as_text(name).partition(":")
    # Private and dunder parts are refused: importing mlcicd.__main__ would run the CLI.
    parts = module.split(".")
    names = qualname.split(".")
    if parts[0] not in _TRUSTED or not all(_NAME.fullmatch(p) for p in parts + names):
        raise WireError(f"{name!r} is not a public class of {' or '.join(_TRUSTED)}")
    try:
        found: Any = importlib.import_module(module)
        for part in names:
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise WireError(f"{name!r} cannot be found: {error}") from None
    if not isinstance(found, type) or found.__module__.partition(".")[0] not in _TRUSTED:
        raise WireError(f"{name!r} is not a class of {' or '.join(_TRUSTED)}")
    return found


def _trusted_enum(name: Any) -> type[enum.Enum]:
    kind = _trusted_class(name)
    if not issubclass(kind, enum.Enum):
        raise WireError(f"{name} is not an enum")
    return kind
