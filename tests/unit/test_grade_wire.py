"""``mlcicd.grade.wire``: values out of a learner's kernel as plain data, arguments into it.

Every round trip goes through ``json.dumps(allow_nan=False)`` and ``json.loads``,
as the grader's channel does. Nothing starts a kernel: both sides run here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import pathlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from mlcicd.doctor import Status, Verdict
from mlcicd.grade import wire
from mlcicd.grade.wire import (
    RemoteError,
    WireError,
    args_from_checker,
    args_to_kernel,
    from_wire,
    raised_from_wire,
    raised_to_wire,
    to_wire,
)
from mlcicd.pipeline.model import Action, ActionTypeId

# ---- builders ----------------------------------------------------------------


class Kept:
    """The kernel's side of handles: keeps objects, numbers them from 0."""

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def __call__(self, value: Any) -> int:
        self.objects.append(value)
        return len(self.objects) - 1


def no_handle(number: int, type_name: str) -> Any:
    raise AssertionError(f"no handle expected, got {number} of {type_name}")


def over_json(value: Any, handle: Callable[[int, str], Any] = no_handle) -> Any:
    """``value`` to the wire, through JSON text, and back."""
    text = json.dumps(to_wire(value, Kept()), allow_nan=False)
    return from_wire(json.loads(text), handle)


def frame() -> pd.DataFrame:
    """A frame with every column kind a check compares, missing values in each that can hold one."""
    built = pd.DataFrame(
        {
            "plan": pd.Categorical(["basic", None, "pro"], categories=["basic", "pro"]),
            "size": pd.Categorical(["S", "L", "S"], categories=["S", "L"], ordered=True),
            "charges": [20.5, np.nan, 99.0],
            "tenure": np.array([1, 24, 72], dtype="int64"),
            "churned": [True, False, True],
            "signed": pd.to_datetime(["2024-01-31", None, "2024-03-01 12:00:00"], format="ISO8601"),
            "signed_ns": np.array(["2024-01-01", "NaT", "2024-01-02"], dtype="datetime64[ns]"),
            "region": ["north", None, "south"],
            "calls": pd.array([3, None, 1], dtype="Int64"),
            "flag": pd.array([True, None, False], dtype="boolean"),
            "text": pd.array(["x", None, "z"], dtype="string"),
            "wait": pd.to_timedelta([1, None, 3], unit="s"),
        },
        index=pd.Index(["c1", "c2", "c3"], name="customer"),
    )
    # Added as a Series of dtype object: pandas would make a list of strings a str column.
    built["note"] = pd.Series(["a", None, math.nan], index=built.index, dtype=object)
    return built


# ---- values that come back as themselves ---------------------------------------------

SAME = [
    None,
    True,
    0,
    -5,
    2**70,
    1.5,
    -0.0,
    "text",
    "",
    "$handle",
    [1, "a", [None]],
    (1, (2, [3])),
    (),
    {"a": 1, "b": {"c": [1.5]}},
    {},
    {1: "a", (2, 3): None, None: [1]},
    {"$x": 1, "y": 2},
    {1, 2, 3},
    frozenset({"a", "b"}),
    b"\x00\xffbytes",
    dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=dt.UTC),
    dt.datetime(2024, 5, 1, 12, 30),
    dt.date(2024, 5, 1),
    dt.timedelta(days=1, seconds=5, microseconds=7),
    pathlib.Path("/course/data.csv"),
    ActionTypeId("Build", "AWS", "CodeBuild"),
    Action("Train", ActionTypeId("Build", "AWS", "CodeBuild"), configuration={"P": "x"}),
    Status.WARN,
    Verdict(Status.FAIL, "node missing", "install node"),
    pd.Timestamp("2024-01-02 03:04:05.000000006"),
]


def _stable_id(value: Any) -> str:
    """repr, but sets in a fixed order: pytest-xdist needs the same ids in every worker."""
    if isinstance(value, set | frozenset):
        return f"{type(value).__name__}{sorted(map(repr, value))}"
    return repr(value)


@pytest.mark.parametrize("value", SAME, ids=_stable_id)
def test_values_come_back_equal_and_of_the_same_type(value: Any) -> None:
    got = over_json(value)
    assert got == value
    # repr tells a tuple from a list and a frozenset from a set, at every level; a set's
    # repr follows its hash table, which rebuilding may order differently (a flake in CI).
    assert _stable_id(got) == _stable_id(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=repr)
def test_non_finite_floats_come_back(value: float) -> None:
    got = over_json(value)
    assert type(got) is float
    assert math.isnan(got) if math.isnan(value) else got == value


@pytest.mark.parametrize("value", [pd.NaT, pd.NA], ids=repr)
def test_pandas_missing_values_come_back_as_themselves(value: Any) -> None:
    assert over_json(value) is value


@pytest.mark.parametrize(
    ("value", "wire_form"),
    [
        ({"a": 1}, {"$map": {"a": 1}}),
        ({"$a": 1}, {"$dict": [["$a", 1]]}),
        ({1: 2}, {"$dict": [[1, 2]]}),
        ((1,), {"$tuple": [1]}),
        (math.nan, {"$float": "nan"}),
        (-math.inf, {"$float": "-inf"}),
        (b"hi", {"$bytes": "aGk="}),
        (pathlib.PurePosixPath("a/b"), {"$path": "a/b"}),
        (np.int64(3), 3),
        (np.float32(0.5), 0.5),
        (np.bool_(True), True),
        (np.str_("s"), "s"),
        (Status.OK, {"$enum": "mlcicd.doctor:Status", "name": "OK"}),
    ],
    ids=repr,
)
def test_wire_forms(value: Any, wire_form: Any) -> None:
    got = to_wire(value, Kept())
    assert got == wire_form
    assert type(got) is type(wire_form)


def test_a_dict_with_a_handle_key_from_the_kernel_is_data_not_a_handle() -> None:
    value = {"$handle": 0, "type": "builtins.function"}
    assert over_json(value) == value


def test_numpy_scalars_become_python_scalars() -> None:
    got = over_json([np.int32(7), np.float64(2.5), np.bool_(False), np.uint8(255)])
    assert got == [7, 2.5, False, 255]
    assert [type(x) for x in got] == [int, float, bool, int]


# ---- numpy arrays and pandas values ------------------------------------------------------


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype="int64").reshape(2, 3),
        np.array([1.5, np.nan, np.inf]),
        np.array([True, False]),
        np.array([0, 255], dtype="uint8"),
        np.array(["ab", "c"]),
        np.array([1, "a", None, 2.5], dtype=object),
        np.zeros((0, 3)),
        np.array(4.0),
    ],
    ids=lambda a: f"{a.dtype}{a.shape}",
)
def test_arrays_come_back_with_dtype_and_shape(array: np.ndarray) -> None:
    got = over_json(array)
    assert type(got) is np.ndarray
    assert (got.dtype, got.shape) == (array.dtype, array.shape)
    np.testing.assert_array_equal(got, array)


def test_a_frame_comes_back_equal_column_by_column() -> None:
    original = frame()
    got = over_json(original)
    pd.testing.assert_frame_equal(got, original, check_exact=True)
    assert got.index.name == "customer"
    assert got["plan"].isna().tolist() == [False, True, False]
    assert got.loc["c2", "signed"] is pd.NaT and got.loc["c2", "signed_ns"] is pd.NaT
    assert got.loc["c2", "note"] is None and math.isnan(got.loc["c3", "note"])


@pytest.mark.parametrize(
    "build",
    [
        lambda: pd.DataFrame({"a": [1, 2]}),
        lambda: pd.DataFrame({"a": [1.0, 2.0]}, index=pd.date_range("2024-01-01", periods=2)),
        lambda: pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("x", 1), ("x", 2)])),
        lambda: pd.DataFrame({"a": [1, 2, 3]}, index=pd.Index([5, 5, 6], name="k")),
        lambda: pd.DataFrame([[1, "a"]], columns=["same", "same"]),
        lambda: pd.DataFrame(index=pd.RangeIndex(2, 8, 3, name="r")),
        lambda: pd.DataFrame({"a": []}, dtype=float),
        lambda: pd.DataFrame({"a": [1]}, index=pd.CategoricalIndex(["x"], name="cat")),
        lambda: pd.DataFrame({0: [1], 1: [2]}),
    ],
    ids=[
        "range",
        "dates",
        "multi-columns",
        "duplicates",
        "same-names",
        "no-columns",
        "empty",
        "category-index",
        "int-names",
    ],
)
def test_frames_of_other_shapes_come_back_equal(build: Callable[[], pd.DataFrame]) -> None:
    original = build()
    got = over_json(original)
    pd.testing.assert_frame_equal(got, original, check_exact=True)


@pytest.mark.parametrize(
    "series",
    [
        frame()["plan"],
        pd.Series([1, 2], name=("a", 1)),
        pd.Series({"x": 1.0, "y": math.nan}),
        frame()["text"],
    ],
    ids=["category", "tuple-name", "string-index", "nullable-string"],
)
def test_series_come_back_equal(series: pd.Series) -> None:
    pd.testing.assert_series_equal(over_json(series), series, check_exact=True)


@pytest.mark.parametrize(
    "index",
    [
        pd.Index(["a", "b"], name="n"),
        pd.RangeIndex(3),
        pd.MultiIndex.from_tuples([(1, "a"), (2, "b")], names=["n", "m"]),
        pd.date_range("2024-01-01", periods=3, freq="D", name="day"),
    ],
    ids=["str", "range", "multi", "dates-with-freq"],
)
def test_indexes_come_back_equal(index: pd.Index) -> None:
    pd.testing.assert_index_equal(over_json(index), index, exact=True)


# ---- what stays in the kernel as a handle ------------------------------------------------


class Agreeable(str):
    """A learner's str that equals anything."""

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class LyingDict(dict):  # type: ignore[type-arg]
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = None  # type: ignore[assignment]


@dataclasses.dataclass
class LookAlike:
    """A learner's dataclass claiming to be a course class."""

    category: str


LookAlike.__module__ = "mlcicd.pipeline.model"
LookAlike.__qualname__ = "ActionTypeId"


def numbers() -> Iterator[int]:
    yield 1


HANDLES = [
    Agreeable("right"),
    LyingDict(a=1),
    type("MyList", (list,), {})([1]),
    type("MyFloat", (float,), {})(1.0),
    type("MyInt", (int,), {})(1),
    len,
    lambda x: x,
    Kept,
    numbers(),
    object(),
    LookAlike("Build"),
    np.array([[1], 2], dtype=object),
    np.array(["2024-01-01"], dtype="datetime64[D]"),
    type("MyFrame", (pd.DataFrame,), {})({"a": [1]}),
    pd.Series(pd.period_range("2024-01", periods=2, freq="M")),
    pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("UTC")}),
]


@pytest.mark.parametrize("value", HANDLES, ids=lambda v: type(v).__name__)
def test_objects_the_checker_cannot_trust_stay_in_the_kernel(value: Any) -> None:
    kept = Kept()
    got = to_wire(value, kept)
    assert got == {"$handle": 0, "type": f"{type(value).__module__}.{type(value).__qualname__}"}
    assert len(kept.objects) == 1 and kept.objects[0] is value
    rebuilt = from_wire(json.loads(json.dumps(got)), lambda n, t: ("stand-in", n, t))
    assert rebuilt == ("stand-in", 0, got["type"])


def test_a_handle_inside_data_is_rebuilt_where_it_was() -> None:
    got = over_json({"fit": [len, 1]}, handle=lambda n, t: f"<{n} {t}>")
    assert got == {"fit": ["<0 builtins.builtin_function_or_method>", 1]}


# ---- limits ---------------------------------------------------------------------------------


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def cycle() -> list[Any]:
    value: list[Any] = []
    value.append(value)
    return value


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: nested(150), "nested more than 100"),
        (cycle, "nested more than 100"),
        (lambda: list(range(2000)), "too large"),
        (lambda: "x" * 5000, "too large"),
        (lambda: np.zeros(5000), "too large"),
        (lambda: pd.DataFrame({"a": range(5000)}), "too large"),
        (lambda: 10**5000, "too large"),
    ],
    ids=["deep", "cycle", "items", "text", "array", "frame", "integer"],
)
def test_values_over_the_limits_are_refused(
    build: Callable[[], Any], fragment: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wire, "MAX_ITEMS", 1000)
    monkeypatch.setattr(wire, "MAX_TEXT", 1000)
    with pytest.raises(WireError, match=fragment):
        to_wire(build(), Kept())


# ---- what the checker refuses -------------------------------------------------------------

ARRAY = {"dtype": "int64", "shape": [2], "data": [1, 2]}
MALFORMED = [
    ({"$nope": 1}, "unknown tag '\\$nope'"),
    ({"plain": 1}, "exactly one \\$ tag"),
    ({"$tuple": [1], "$set": [1]}, "exactly one \\$ tag"),
    ({"$tuple": [1], "extra": 2}, "needs exactly the keys"),
    ({"$dataclass": "os:PathLike", "fields": {}}, "not a public class of mlcicd or churn"),
    ({"$dataclass": "builtins:eval", "fields": {}}, "not a public class"),
    ({"$dataclass": "mlcicd.__main__:main", "fields": {}}, "not a public class"),
    ({"$dataclass": "mlcicd.doctor:Status", "fields": {}}, "is not a dataclass"),
    ({"$dataclass": "mlcicd.doctor:enum", "fields": {}}, "is not a class"),
    ({"$dataclass": "churn.nothing:X", "fields": {}}, "cannot be found"),
    ({"$dataclass": "mlcicd.doctor:Verdict", "fields": {"bad": 1}}, "no init fields \\['bad'\\]"),
    ({"$dataclass": "mlcicd.doctor:Verdict", "fields": {}}, "Verdict refused its fields"),
    ({"$dataclass": "mlcicd.doctor:Verdict", "fields": []}, "expected an object"),
    ({"$enum": "mlcicd.doctor:Status", "name": "NOPE"}, "bad \\$enum"),
    ({"$enum": "mlcicd.doctor:Verdict", "name": "OK"}, "is not an enum"),
    ({"$float": "1e309"}, "\\$float must be"),
    ({"$handle": "1", "type": "x"}, "expected an integer, got '1'"),
    ({"$handle": True, "type": "x"}, "expected an integer, got True"),
    ({"$handle": 1}, "needs exactly the keys"),
    ({"$bytes": "not base64!"}, "bad \\$bytes"),
    ({"$datetime": "yesterday"}, "bad \\$datetime"),
    ({"$timedelta": [1, 2]}, "expected a list of 3 integers"),
    ({"$path": 5}, "expected a string"),
    ({"$dict": [[1]]}, "list of \\[key, value\\] pairs"),
    ({"$dict": [[[1], 2]]}, "bad \\$dict"),
    ({"$set": [[1]]}, "bad \\$set"),
    ({"$map": {"a": {"$set": "x"}}}, "expected a list.*at value.a"),
    ([1, {"$tuple": [1, ("x",)]}], "tuple .* is not JSON data.*at value\\[1\\]\\[1\\]"),
    (math.nan, "float nan is not JSON data"),
    (nested(150), "nested more than 100"),
    ({"$ndarray": {**ARRAY, "shape": [3]}}, "does not have the shape"),
    ({"$ndarray": {**ARRAY, "data": [1, "2"]}}, "str '2' in an array"),
    ({"$ndarray": {**ARRAY, "data": [1, True]}}, "bool True in an array"),
    ({"$ndarray": {**ARRAY, "dtype": "datetime64[ns]"}}, "not one the checker accepts"),
    ({"$ndarray": {**ARRAY, "dtype": "[('a', 'i4')]"}}, "not a dtype name"),
    ({"$ndarray": {**ARRAY, "shape": [-2]}}, "shape must be a list of sizes"),
    ({"$ndarray": {**ARRAY, "data": [1, 2**70]}}, "bad \\$ndarray"),
    ({"$ndarray": ARRAY, "x": 1}, "takes no other keys"),
    ({"$series": {"index": {"name": None, "range": [0, 1, 1]}}}, "expected the keys"),
    ({"$index": {"name": None, "range": [0, 1]}}, "needs \\[start, stop, step\\]"),
    ({"$index": {"name": None, "values": {"dtype": "string", "values": []}}}, "expected the keys"),
    (
        {"$index": {"name": None, "values": {"dtype": "category", "ordered": False, "codes": [5]}}},
        "expected the keys",
    ),
    ({"$frame": {"columns": {"name": None, "range": [0, 2, 1]}}}, "expected the keys"),
    (
        {
            "$frame": {
                "columns": {"name": None, "range": [0, 2, 1]},
                "index": {"name": None, "range": [0, 1, 1]},
                "data": [],
            }
        },
        "2 column names but not as many columns",
    ),
    ({"$nat": 0}, "\\$nat must be null"),
    ({"$timestamp": "not a time"}, "bad \\$timestamp"),
]


@pytest.mark.parametrize(("data", "fragment"), MALFORMED, ids=lambda v: repr(v)[:60])
def test_malformed_data_is_refused_with_what_was_wrong(data: Any, fragment: str) -> None:
    with pytest.raises(WireError, match=fragment):
        from_wire(data, no_handle)


def column(spec: dict[str, Any]) -> dict[str, Any]:
    return {"$index": {"name": None, "values": spec}}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        (
            {
                "dtype": "category",
                "ordered": False,
                "categories": {"values": []},
                "codes": [],
            },
            "expected the keys",
        ),
        (
            {
                "dtype": "category",
                "ordered": False,
                "categories": {"dtype": "object", "values": ["a"]},
                "codes": [3],
            },
            "bad \\$index",
        ),
        ({"dtype": "string", "storage": "rust", "nan": True, "values": []}, "storage 'python'"),
        ({"dtype": "string", "storage": "python", "nan": True, "values": [1]}, "int 1"),
        ({"dtype": "Int64", "values": ["1"]}, "str '1'"),
        ({"dtype": "datetime64[ns]", "values": [1.5]}, "float 1.5"),
        ({"dtype": "period[M]", "values": []}, "not a dtype name"),
        ({"dtype": "float64", "values": {"$set": []}}, "expected a list"),
    ],
    ids=["no-categories", "codes", "storage", "string", "nullable", "dates", "period", "values"],
)
def test_malformed_columns_are_refused(spec: dict[str, Any], fragment: str) -> None:
    with pytest.raises(WireError, match=fragment):
        from_wire(column(spec), no_handle)


# ---- exceptions -------------------------------------------------------------------------


class Boom(ValueError):
    """A learner's own exception."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    ("error", "catchable", "not_catchable"),
    [
        (NotImplementedError("solve me"), NotImplementedError, ImportError),
        (ValueError("bad"), ValueError, TypeError),
        (KeyError("k"), LookupError, ValueError),
        (FileNotFoundError(2, "gone"), OSError, ImportError),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad byte"), ValueError, UnicodeError),
        (Boom("learner"), ValueError, Boom),
        (ImportError("no churn"), RemoteError, ImportError),
        (ModuleNotFoundError("no module named x"), RemoteError, ImportError),
        (SystemExit(3), RemoteError, SystemExit),
        (StopIteration(), RemoteError, StopIteration),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else type(v).__name__,
)
def test_raised_errors_are_caught_as_their_builtin_class_only(
    error: BaseException, catchable: type, not_catchable: type
) -> None:
    got = raised_from_wire(json.loads(json.dumps(raised_to_wire(error))))
    assert isinstance(got, RemoteError)
    assert isinstance(got, catchable)
    assert not isinstance(got, not_catchable)
    assert str(got) == str(error)
    assert got.remote_type == f"{type(error).__module__}.{type(error).__qualname__}"
    with pytest.raises(catchable):
        raise got


@pytest.mark.parametrize(
    ("kind", "bases", "name"),
    [
        ("MemoryError", ["MemoryError", "Exception"], "MemoryError"),
        ("ValueError", ["ValueError", "Exception"], "ValueError"),
        ("Outer.Boom", ["ValueError", "Exception"], "Boom"),
        ("not a name", ["ValueError", "Exception"], "RemoteValueError"),
        ("x" * 101, ["Exception"], "RemoteError"),
    ],
    ids=["memory", "builtin", "nested", "not-an-identifier", "too-long"],
)
def test_a_rebuilt_error_is_named_as_in_the_kernel(kind: str, bases: list, name: str) -> None:
    # A failed checkpoint's line names the class of what the learner's code raised.
    raised = {"type": kind, "module": "builtins", "message": "", "bases": bases}
    got = raised_from_wire({"$raised": raised})
    assert type(got).__name__ == name
    assert isinstance(got, RemoteError) and not isinstance(got, MemoryError)


def test_a_real_memory_error_keeps_its_name_and_is_not_one() -> None:
    got = raised_from_wire(json.loads(json.dumps(raised_to_wire(MemoryError()))))
    assert type(got).__name__ == "MemoryError"
    assert isinstance(got, RemoteError) and not isinstance(got, MemoryError)


def test_a_message_that_cannot_be_printed_is_replaced() -> None:
    got = raised_from_wire(raised_to_wire(Unprintable()))
    assert str(got) == "<Unprintable with a message that cannot be printed>"


def test_long_messages_are_cut_to_2000_characters() -> None:
    assert str(raised_from_wire(raised_to_wire(ValueError("x" * 5000)))) == "x" * 2000


def test_a_client_error_comes_back_as_a_client_error_with_its_code() -> None:
    response = {
        "Error": {"Code": "NoSuchBucket", "Message": "The bucket does not exist"},
        "ResponseMetadata": {"HTTPStatusCode": 404},
    }
    error = ClientError(response, "GetObject")  # type: ignore[arg-type]
    got = raised_from_wire(json.loads(json.dumps(raised_to_wire(error))))
    assert isinstance(got, ClientError) and isinstance(got, RemoteError)
    assert got.response["Error"] == {"Code": "NoSuchBucket", "Message": "The bucket does not exist"}
    assert got.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert got.operation_name == "GetObject"
    assert str(got) == str(error)
    assert got.remote_type == "botocore.exceptions.ClientError"


def test_a_service_specific_client_error_is_still_a_client_error() -> None:
    s3 = boto3.client(
        "s3", region_name="eu-west-1", aws_access_key_id="a", aws_secret_access_key="b"
    )
    response = {"Error": {"Code": "NoSuchKey", "Message": "no key"}}
    error = s3.exceptions.NoSuchKey(response, "GetObject")
    got = raised_from_wire(json.loads(json.dumps(raised_to_wire(error))))
    assert isinstance(got, ClientError)
    assert got.response["Error"]["Code"] == "NoSuchKey"
    assert got.remote_type == "botocore.errorfactory.NoSuchKey"


RAISED = {"type": "ValueError", "module": "builtins", "message": "m", "bases": ["ValueError"]}


@pytest.mark.parametrize(
    "data",
    [
        {"raised": RAISED},
        [RAISED],
        {"$raised": RAISED, "x": 1},
        {"$raised": {**RAISED, "extra": 1}},
        {"$raised": {**RAISED, "message": 5}},
        {"$raised": {**RAISED, "bases": "ValueError"}},
        {"$raised": {**RAISED, "error": {"Code": 1}, "operation": "Op", "status": None}},
        {
            "$raised": {
                **RAISED,
                "error": {"Code": "C", "Message": "M"},
                "operation": "Op",
                "status": "404",
            }
        },
    ],
    ids=["untagged", "list", "extra-key", "extra-field", "message", "bases", "code", "status"],
)
def test_malformed_raised_data_is_refused(data: Any) -> None:
    with pytest.raises(WireError):
        raised_from_wire(data)


# ---- arguments into the kernel ------------------------------------------------------------


class StandIn:
    """The checker's stand-in for kernel object 7."""


def test_arguments_reach_the_kernel_with_handles_and_clients_rebuilt() -> None:
    stand_in, kernel_object = StandIn(), object()
    client = boto3.client(
        "s3",
        region_name="eu-west-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="fake-secret",
        aws_session_token="fake-token",
    )
    text = args_to_kernel(
        (frame(), stand_in, client),
        {"again": client, "n": 3},
        handle_id=lambda obj: 7 if obj is stand_in else None,
    )
    endpoint = "http://127.0.0.1:5999"
    args, kwargs = args_from_checker(text, handles={7: kernel_object}, endpoint=endpoint)
    got_frame, got_object, got_client = args
    pd.testing.assert_frame_equal(got_frame, frame())
    assert got_object is kernel_object
    assert got_client is kwargs["again"] and kwargs["n"] == 3
    assert got_client is not client
    assert got_client.meta.service_model.service_name == "s3"
    assert got_client.meta.region_name == "eu-west-1"
    assert got_client.meta.endpoint_url == endpoint
    keys = got_client._request_signer._credentials.get_frozen_credentials()
    assert (keys.access_key, keys.secret_key, keys.token) == (
        "AKIDEXAMPLE",
        "fake-secret",
        "fake-token",
    )


def test_a_client_without_endpoint_uses_the_default_one() -> None:
    client = boto3.client(
        "sqs", region_name="us-west-2", aws_access_key_id="a", aws_secret_access_key="b"
    )
    text = args_to_kernel((client,), {}, handle_id=lambda obj: None)
    (got,), _ = args_from_checker(text, handles={}, endpoint=None)
    assert got.meta.service_model.service_name == "sqs"
    assert got.meta.endpoint_url == "https://sqs.us-west-2.amazonaws.com"


def test_a_cdk_template_travels_as_its_json(monkeypatch: pytest.MonkeyPatch) -> None:
    # Stand-ins for aws_cdk.assertions, whose real Template starts a Node.js runtime.
    class Template:
        def __init__(self, data: dict[str, Any]) -> None:
            self.data = data

        def to_json(self) -> dict[str, Any]:
            return self.data

        @classmethod
        def from_json(cls, data: dict[str, Any]) -> Template:
            return cls({"rebuilt": data})

    Template.__module__ = "aws_cdk.assertions"
    assertions = types.ModuleType("aws_cdk.assertions")
    assertions.Template = Template  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aws_cdk", types.ModuleType("aws_cdk"))
    monkeypatch.setitem(sys.modules, "aws_cdk.assertions", assertions)
    text = args_to_kernel((Template({"Resources": {}}),), {}, handle_id=lambda obj: None)
    (got,), _ = args_from_checker(text, handles={}, endpoint=None)
    assert got.data == {"rebuilt": {"Resources": {}}}
