"""One converter set-up for the toolkit's wire models (dataclasses <-> plain data).

A model is declared once, as frozen dataclasses. Each field's name on the wire
comes from a naming function (``role_arn`` -> ``roleArn``, ``run_as`` ->
``run-as``) or from :func:`wire` metadata; :class:`Wire` turns the declaration
into cattrs hooks, so that reading (:meth:`Wire.structure`) and writing
(:meth:`Wire.unstructure`) are the same code for every model, and no
``from_dict``/``to_dict`` table is written by hand.

What cattrs does not do by itself, and :class:`Wire` adds:

* keys are written in the order the fields are declared (cattrs writes fields
  that may be omitted last); declare a field ``kw_only=True`` to place it on the
  wire without moving it in the constructor's positional arguments;
* a field whose value equals an empty default (None, ``()``, ``{}``) is left out,
  or only a None default with ``omit_empty=False``; :func:`wire` overrides both;
* free-form data (a field typed with ``Any``) is deep-copied both ways, so a
  model never shares mutable data with its input or output;
* a key given as ``null`` counts as absent, and a section (a dataclass) given
  as ``null`` is an empty one;
* one field may keep the members no other field names (``wire(rest=True)``);
* a shape no model can hold raises the family's error naming the key path
  (``phases.build must be a mapping, not list``), and a strict family names
  unknown and missing members too.
"""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import cattrs
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import (
    make_dict_structure_fn,
    make_dict_unstructure_fn,
    make_mapping_structure_fn,
    override,
)

from mlcicd.exceptions import MlcicdError

T = TypeVar("T")

_META = "mlcicd.wire"
_EMPTY: tuple[Any, ...] = (None, (), {})


class ShapeError(ValueError):
    """A value's shape no model field can hold; :meth:`Wire.structure` names its path."""


def wire(
    key: str | None = None,
    *,
    omit: bool | None = None,
    rest: bool = False,
    structure: Callable[[Any, Any], Any] | None = None,
    unstructure: Callable[[Any], Any] | None = None,
) -> dict[str, Any]:
    """Return field metadata for :class:`Wire` (``field(metadata=wire(...))``).

    Args:
        key: The field's name on the wire, when the naming function gets it wrong.
        omit: Leave the field out when it equals its default (True) or never (False);
            None follows the family's rule.
        rest: This field (a ``dict[str, Any]``) keeps the members no other field names,
            and they are written back at the same level.
        structure: Reads the wire value: ``(value, field_type) -> field value``.
        unstructure: Writes the field value: ``(value) -> wire value``.
    """
    return {
        _META: {
            "key": key,
            "omit": omit,
            "rest": rest,
            "structure": structure,
            "unstructure": unstructure,
        }
    }


def camel(name: str) -> str:
    """``role_arn`` -> ``roleArn`` (the AWS JSON APIs' member names)."""
    head, *tail = name.split("_")
    return head + "".join(part.title() for part in tail)


def hyphen(name: str) -> str:
    """``run_as`` -> ``run-as``, ``finally_`` -> ``finally`` (buildspec keys)."""
    return name.rstrip("_").replace("_", "-")


def _free_form(tp: Any) -> bool:
    # Any anywhere in the type (dict[str, Any], tuple[dict[str, Any], ...]).
    return tp is Any or any(_free_form(arg) for arg in typing.get_args(tp))


def _dataclass_in(tp: Any) -> type | None:
    # The dataclass of a field typed ``Section`` or ``Section | None``.
    if dataclasses.is_dataclass(tp):
        return tp  # type: ignore[return-value]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        found = [arg for arg in typing.get_args(tp) if dataclasses.is_dataclass(arg)]
        return found[0] if found else None
    return None


def _copy_in(value: Any, tp: Any) -> Any:
    if typing.get_origin(tp) is tuple:
        return tuple(copy.deepcopy(list(value)))
    return copy.deepcopy(value)


def _copy_out(value: Any) -> Any:
    if isinstance(value, tuple):
        return [copy.deepcopy(item) for item in value]
    return copy.deepcopy(value)


class _Spec:
    """What :class:`Wire` needs to know about one dataclass, read from its declaration."""

    def __init__(self, cls: type, naming: Callable[[str], str], omit_empty: bool) -> None:
        hints = typing.get_type_hints(cls)
        self.fields = dataclasses.fields(cls)
        self.keys: dict[str, str] = {}
        self.omit: dict[str, bool] = {}
        self.sections: dict[str, type] = {}
        self.rest: str | None = None
        self.types = {f.name: hints[f.name] for f in self.fields}
        for f in self.fields:
            meta = f.metadata.get(_META, {})
            self.keys[f.name] = meta.get("key") or naming(f.name)
            default = f.default_factory() if callable(f.default_factory) else f.default
            emptyish = default is None or (omit_empty and any(default == e for e in _EMPTY))
            omit = meta.get("omit")
            self.omit[f.name] = emptyish if omit is None else omit
            if meta.get("rest"):
                self.rest = f.name
            section = _dataclass_in(self.types[f.name])
            if section is not None:
                self.sections[f.name] = section
        self.order = [self.keys[f.name] for f in self.fields if f.name != self.rest]
        self.known = frozenset(self.order)
        self.nullable = frozenset(self.keys[name] for name in self.sections)


class Wire:
    """A cattrs converter for one family of models, and its error type.

    Args:
        naming: Field name to wire key (:func:`camel`, :func:`hyphen`).
        error: The :class:`~mlcicd.exceptions.MlcicdError` subclass raised for shapes
            no model can hold.
        omit_empty: Leave out fields equal to an empty default (None, ``()``, ``{}``);
            False leaves out only fields equal to a None default.
        skip_bad_items: In a list of sections, skip items that are not mappings
            (a lenient reader that lets a validator report on them) instead of failing.
        forbid_extra: A member no field names is an error (a file a person writes,
            where an unknown member is a typo), not ignored.
        located: Give the key path to ``error`` as ``location=`` instead of in the message.
        scalars: Structure hooks for leaf types (``str``, ``bool``, ``int``, ...), the
            family's own widening rules.
    """

    def __init__(
        self,
        naming: Callable[[str], str],
        error: type[MlcicdError],
        *,
        omit_empty: bool,
        skip_bad_items: bool = False,
        forbid_extra: bool = False,
        located: bool = False,
        scalars: Mapping[Any, Callable[[Any, Any], Any]] | None = None,
    ) -> None:
        self.naming = naming
        self.error = error
        self.omit_empty = omit_empty
        self.forbid_extra = forbid_extra
        self.located = located
        self.specs: dict[type, _Spec] = {}
        self._scalars = frozenset(scalars or ())
        self.converter = cattrs.Converter(unstruct_collection_overrides={tuple: list})
        for tp, hook in (scalars or {}).items():
            if isinstance(tp, type):
                self.converter.register_structure_hook(tp, hook)
            else:  # a generic alias (tuple[str, ...]) is not a class: match it by equality
                self.converter.register_structure_hook_func(lambda t, tp=tp: t == tp, hook)
        # Hook factories: cattrs asks the one registered last first.
        self.converter.register_structure_hook_factory(dataclasses.is_dataclass, self._reader)
        self.converter.register_unstructure_hook_factory(dataclasses.is_dataclass, self._writer)
        self.converter.register_structure_hook_factory(self._is_mapping, self._mapping)
        self.converter.register_structure_hook_factory(self._is_list, self._list)
        if skip_bad_items:
            self.converter.register_structure_hook_factory(self._is_sections, self._sections)

    def spec(self, cls: type) -> _Spec:
        """Return the (cached) field facts of ``cls``."""
        if cls not in self.specs:
            self.specs[cls] = _Spec(cls, self.naming, self.omit_empty)
        return self.specs[cls]

    def structure(self, data: Any, cls: type[T]) -> T:
        """Read ``data`` into a ``cls``.

        Raises:
            MlcicdError: The family's error, naming the key path, when ``data`` has a
                shape no ``cls`` can hold.
        """
        try:
            return self.converter.structure(data, cls)
        except (ClassValidationError, IterableValidationError, ShapeError) as exc:
            path, leaf = _first(exc, (), self)
            where = ".".join(str(part) for part in path)
            if self.located:
                raise self.error(leaf, location=where or None) from None  # type: ignore[call-arg]
            raise self.error(f"{where + ' ' if where else ''}{leaf}") from None

    def unstructure(self, obj: Any) -> Any:
        """Write ``obj`` as plain data (dicts, lists, strings, numbers, booleans)."""
        return self.converter.unstructure(obj)

    # ---- hook factories ----------------------------------------------------

    def _reader(self, cls: type) -> Callable[[Any, Any], Any]:
        spec = self.spec(cls)
        overrides = {f.name: self._field_reader(spec, f) for f in spec.fields}
        generated = make_dict_structure_fn(
            cls, self.converter, _cattrs_forbid_extra_keys=self.forbid_extra, **overrides
        )

        def read(data: Any, _: Any) -> Any:
            if data is None:
                data = {}
            if not isinstance(data, Mapping):
                raise ShapeError(f"must be a mapping, not {type(data).__name__}")
            if None in data.values():  # rare: copy only then (validate reads >1000/s)
                data = {k: v for k, v in data.items() if v is not None or k in spec.nullable}
            obj = generated(data, cls)
            if spec.rest is not None:
                rest = {str(k): copy.deepcopy(v) for k, v in data.items() if k not in spec.known}
                if rest:
                    obj = dataclasses.replace(obj, **{spec.rest: rest})
            return obj

        return read

    def _field_reader(self, spec: _Spec, f: dataclasses.Field[Any]) -> Any:
        meta = f.metadata.get(_META, {})
        tp = spec.types[f.name]
        hook = meta.get("structure")
        if hook is None and f.name in spec.sections:
            section = spec.sections[f.name]
            hook = lambda value, _: self.converter.structure(value, section)  # noqa: E731
        elif hook is None and _free_form(tp):
            hook = _copy_in
        return override(rename=spec.keys[f.name], omit=f.name == spec.rest, struct_hook=hook)

    def _writer(self, cls: type) -> Callable[[Any], Any]:
        spec = self.spec(cls)
        overrides = {}
        for f in spec.fields:
            hook = f.metadata.get(_META, {}).get("unstructure")
            if hook is None and _free_form(spec.types[f.name]):
                hook = _copy_out
            overrides[f.name] = override(
                rename=spec.keys[f.name],
                omit_if_default=spec.omit[f.name],
                omit=f.name == spec.rest,
                unstruct_hook=hook,
            )
        generated = make_dict_unstructure_fn(cls, self.converter, **overrides)

        def write(obj: Any) -> dict[str, Any]:
            out = generated(obj)
            # cattrs writes omittable fields last: put every key back in declaration order.
            ordered = {key: out[key] for key in spec.order if key in out}
            if spec.rest is not None:
                ordered.update(copy.deepcopy(getattr(obj, spec.rest)))
            return ordered

        return write

    @staticmethod
    def _is_mapping(tp: Any) -> bool:
        origin = typing.get_origin(tp)
        return origin in (dict, collections.abc.Mapping) and not _free_form(tp)

    def _mapping(self, tp: Any) -> Callable[[Any, Any], Any]:
        generated = make_mapping_structure_fn(tp, self.converter)

        def read(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise ShapeError(f"must be a mapping, not {type(value).__name__}")
            return generated(value, tp)

        return read

    def _is_list(self, tp: Any) -> bool:
        args = typing.get_args(tp)
        return (
            typing.get_origin(tp) is tuple
            and len(args) == 2
            and args[1] is Ellipsis
            and tp not in self._scalars
            and not _free_form(tp)
        )

    def _list(self, tp: Any) -> Callable[[Any, Any], Any]:
        generated = homogenous_tuple_structure_factory(tp, self.converter)

        def read(value: Any, _: Any) -> Any:
            # A string is iterable too, but never a list of anything here.
            if not isinstance(value, list | tuple):
                raise ShapeError(f"must be a list, not {type(value).__name__}")
            return generated(value, tp)

        return read

    @staticmethod
    def _is_sections(tp: Any) -> bool:
        args = typing.get_args(tp)
        return (
            typing.get_origin(tp) is tuple
            and len(args) == 2
            and args[1] is Ellipsis
            and dataclasses.is_dataclass(args[0])
        )

    def _sections(self, tp: Any) -> Callable[[Any, Any], Any]:
        item = typing.get_args(tp)[0]

        def read(value: Any, _: Any) -> tuple[Any, ...]:
            if not isinstance(value, list | tuple):
                return ()
            return tuple(
                self.converter.structure(one, item) for one in value if isinstance(one, Mapping)
            )

        return read


def _first(exc: BaseException, path: tuple[Any, ...], wire_: Wire) -> tuple[tuple[Any, ...], str]:
    # The first leaf error of cattrs' exception tree, with its path in wire keys.
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        if with_notes:
            inner, note = with_notes[0]
            key = wire_.spec(exc.cl).keys.get(note.name, note.name)
            return _first(inner, (*path, key), wire_)
        return _first(without[0], path, wire_)
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        if with_notes:
            inner, note = with_notes[0]
            return _first(inner, (*path, note.index), wire_)
        return _first(without[0], path, wire_)
    if isinstance(exc, ForbiddenExtraKeysError):
        expected = ", ".join(wire_.spec(exc.cl).order)
        return path, f"has unknown member(s) {sorted(exc.extra_fields)}; expected {expected}"
    if isinstance(exc, KeyError):
        return path, "is required but missing"
    if isinstance(exc, ShapeError):
        return path, str(exc)
    if isinstance(exc, MlcicdError):
        return path, getattr(exc, "message", None) or str(exc)
    return path, f"cannot be read: {exc}"
