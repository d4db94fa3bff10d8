"""The shared converter set-up: one dataclass declaration read and written by the same code."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from mlcicd.convert import Wire, camel, hyphen, wire
from mlcicd.exceptions import MlcicdError


@dataclass(frozen=True)
class Inner:
    size: int = 0
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outer:
    # Written before `max_count` on the wire; keyword-only, so `max_count` stays the
    # constructor's first positional argument.
    kind: str | None = field(default=None, kw_only=True)
    max_count: int = 1
    inner: Inner | None = None
    inners: tuple[Inner, ...] = ()
    named: dict[str, Inner] = field(default_factory=dict)
    free: dict[str, Any] = field(default_factory=dict)
    label: str = field(default="", metadata=wire("LABEL", omit=True))
    rest: dict[str, Any] = field(default_factory=dict, metadata=wire(rest=True))


def _wire(**options: Any) -> Wire:
    defaults: dict[str, Any] = {"omit_empty": False}
    return Wire(camel, MlcicdError, **{**defaults, **options})


@pytest.mark.parametrize(
    ("naming", "name", "key"),
    [
        (camel, "role_arn", "roleArn"),
        (camel, "action_type_id", "actionTypeId"),
        (camel, "name", "name"),
        (hyphen, "run_as", "run-as"),
        (hyphen, "finally_", "finally"),
        (hyphen, "s3_prefix", "s3-prefix"),
    ],
)
def test_naming_functions(naming: Any, name: str, key: str) -> None:
    assert naming(name) == key


def test_keys_are_written_in_declaration_order_with_kw_only_fields_in_place() -> None:
    written = _wire().unstructure(Outer(3, kind="k", inner=Inner(2)))
    assert list(written) == ["kind", "maxCount", "inner", "inners", "named", "free"]


@pytest.mark.parametrize(
    ("omit_empty", "keys"),
    [
        (False, ["maxCount", "inners", "named", "free"]),
        (True, ["maxCount"]),
    ],
    ids=["none-only", "empty"],
)
def test_defaults_left_out(omit_empty: bool, keys: list[str]) -> None:
    # kind and inner default to None: always left out while None; LABEL says omit=True.
    assert list(_wire(omit_empty=omit_empty).unstructure(Outer())) == keys


def test_renamed_field_and_rest_members_round_trip() -> None:
    data = {"maxCount": 2, "LABEL": "x", "triggers": [{"on": "push"}], "other": 1}
    model = _wire().structure(data, Outer)
    assert model.label == "x"
    assert model.rest == {"triggers": [{"on": "push"}], "other": 1}
    written = _wire().unstructure(model)
    assert written["LABEL"] == "x" and written["triggers"] == [{"on": "push"}]
    assert _wire().structure(json.loads(json.dumps(written)), Outer) == model


def test_null_is_absent_and_a_null_section_is_an_empty_one() -> None:
    model = _wire().structure({"maxCount": None, "kind": None, "inner": None}, Outer)
    assert model == Outer(inner=Inner())


def test_free_form_data_is_copied_both_ways() -> None:
    data = {"free": {"list": [1, 2]}}
    model = _wire().structure(data, Outer)
    data["free"]["list"].append(3)
    assert model.free == {"list": [1, 2]}
    written = _wire().unstructure(model)
    written["free"]["list"].append(4)
    assert model.free == {"list": [1, 2]}


def test_tuples_are_written_as_lists() -> None:
    written = _wire().unstructure(Outer(inners=(Inner(tags=("a",)),)))
    assert written["inners"] == [{"size": 0, "tags": ["a"]}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"inner": [1]}, "inner must be a mapping, not list"),
        ({"named": {"one": "x"}}, "named.one must be a mapping, not str"),
        ({"named": ["x"]}, "named must be a mapping, not list"),
        ({"inners": [{"size": 1}, "x"]}, r"inners.1 must be a mapping, not str"),
        ({"maxCount": "many"}, "maxCount cannot be read"),
    ],
)
def test_shapes_no_model_can_hold_name_the_key_path(data: dict[str, Any], message: str) -> None:
    with pytest.raises(MlcicdError, match=message):
        _wire().structure(data, Outer)


def test_skip_bad_items_drops_non_mappings_from_lists_of_sections() -> None:
    data = {"inners": [None, "x", {"size": 4}]}
    assert _wire(skip_bad_items=True).structure(data, Outer).inners == (Inner(4),)


def test_scalar_hooks_widen_leaf_values() -> None:
    lenient = _wire(scalars={int: lambda value, _: len(str(value))})
    assert lenient.structure({"maxCount": "many"}, Outer).max_count == 4
