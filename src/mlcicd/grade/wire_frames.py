"""numpy arrays and pandas values as JSON-safe data, and back, for :mod:`mlcicd.grade.wire`.

A frame is sent column by column with each column's dtype, so the checker can
rebuild it exactly (``pandas.testing.assert_frame_equal`` passes): numpy bool,
int, uint, float, object, ``datetime64`` and ``timedelta64`` columns; pandas
``category``, ``str``/``string`` and nullable (``Int64``, ``boolean``, ...)
columns; indexes with their names (ranges, multi-level, dates with their
frequency). Missing values (NaN, None, NaT, NA) stay what they were. A value of
a dtype this module does not carry (time zones, periods, intervals, sparse)
stays in the kernel as a handle.

The encoder and decoder are :mod:`mlcicd.grade.wire`'s; this module checks the
shape of everything it reads, as that one does.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

#: The tags this module reads; :mod:`mlcicd.grade.wire` reads the others.
TAGS = frozenset({"$ndarray", "$frame", "$series", "$index", "$timestamp", "$nat", "$na"})
_SCALARS = (type(None), bool, int, float, str)
#: Simple dtype names only, e.g. ``int64``, ``<U5``, ``datetime64[ns]``: nothing else is parsed.
_DTYPE = re.compile(r"[<>|=]?[A-Za-z]+[0-9]*(\[[a-z]+\])?")
_MASKED = frozenset(
    ["boolean", "Float32", "Float64"]
    + [f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)]
)
#: What each element of an array of a dtype kind may be, as decoded.
_ELEMENTS: dict[str, Callable[[Any], bool]] = {
    "b": lambda x: type(x) is bool,
    "i": lambda x: type(x) is int,
    "u": lambda x: type(x) is int,
    "f": lambda x: type(x) in (int, float),
    "U": lambda x: type(x) is str,
    "O": lambda x: type(x) in _SCALARS,
}


class WireError(Exception):
    """Data from the kernel that is malformed or of a kind the checker does not accept.

    Attributes:
        message: What was wrong.
        where: Path to the bad part, outermost first (e.g. ``[2]``, ``.fields``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.where: list[str] = []

    def __str__(self) -> str:
        where = "".join(self.where)
        return f"{self.message} (at value{where})" if where else self.message


class _Unsupported(Exception):
    """A dtype the wire does not carry: the whole value goes as a handle instead."""


def encode_ndarray(array: Any, encoder: Any) -> Any:
    """``{"$ndarray": ...}`` for an array of scalars, else a handle."""
    dtype = array.dtype
    if dtype.kind not in "biufUO" or dtype.names is not None or dtype.shape:
        return encoder.handle(array)
    if dtype.kind == "O" and not all(type(x) in _SCALARS for x in array.flat):
        return encoder.handle(array)
    encoder.room(array.size)
    data = encoder.encode(array.tolist())
    return {"$ndarray": {"dtype": str(dtype), "shape": list(array.shape), "data": data}}


def encode_pandas(value: Any, encoder: Any) -> Any:
    """A pandas value as tagged data, or a handle for one this module cannot carry."""
    pd = sys.modules["pandas"]
    kind = type(value)
    try:
        if kind is pd.DataFrame:
            columns = [_column(value.iloc[:, n], encoder) for n in range(value.shape[1])]
            index, names = _index(value.index, encoder), _index(value.columns, encoder)
            return {"$frame": {"columns": names, "index": index, "data": columns}}
        if kind is pd.Series:
            index, values = _index(value.index, encoder), _column(value, encoder)
            return {
                "$series": {"name": encoder.encode(value.name), "index": index, "values": values}
            }
        if isinstance(value, pd.Index):
            return {"$index": _index(value, encoder)}
    except _Unsupported:
        return encoder.handle(value)
    if kind is pd.Timestamp:
        return {"$timestamp": value.isoformat()}
    if value is pd.NaT or value is pd.NA:
        return {"$nat" if value is pd.NaT else "$na": None}
    return encoder.handle(value)


def _index(index: Any, encoder: Any) -> dict[str, Any]:
    pd = sys.modules["pandas"]
    if type(index) is pd.MultiIndex:
        levels = [_column(index.get_level_values(n), encoder) for n in range(index.nlevels)]
        return {"names": encoder.encode(list(index.names)), "levels": levels}
    name = encoder.encode(index.name)
    if type(index) is pd.RangeIndex:
        return {"name": name, "range": [index.start, index.stop, index.step]}
    spec = {"name": name, "values": _column(index, encoder)}
    if getattr(index, "freq", None) is not None:
        spec["freq"] = index.freqstr
    return spec


def _column(values: Any, encoder: Any) -> dict[str, Any]:
    """One column (a Series or an Index) with its dtype."""
    pd, np = sys.modules["pandas"], sys.modules["numpy"]
    encoder.room(len(values))
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = encoder.encode(values.array.codes.tolist())
        categories = _column(dtype.categories, encoder)
        ordered = bool(dtype.ordered)
        return {"dtype": "category", "ordered": ordered, "categories": categories, "codes": codes}
    if isinstance(dtype, pd.StringDtype) and dtype.storage in ("python", "pyarrow"):
        strings = [x if type(x) is str else None for x in values.to_numpy(dtype=object)]
        nan = dtype.na_value is not pd.NA
        spec = {"dtype": "string", "storage": dtype.storage, "nan": nan}
        return {**spec, "values": encoder.encode(strings)}
    if str(dtype) in _MASKED:
        plain = values.to_numpy(dtype=object, na_value=None).tolist()
        return {"dtype": str(dtype), "values": encoder.encode(plain)}
    if not isinstance(dtype, np.dtype) or dtype.kind not in "biufOmM":
        raise _Unsupported(str(dtype))
    raw = values.to_numpy()
    if dtype.kind in "mM":
        encoder.spend(len(raw))
        ints = [
            None if nat else n
            for n, nat in zip(raw.view("i8").tolist(), np.isnat(raw), strict=True)
        ]
        return {"dtype": str(dtype), "values": ints}
    return {
        "dtype": "object" if dtype.kind == "O" else str(dtype),
        "values": encoder.encode(raw.tolist()),
    }


def decode_pandas(tag: str, data: dict[str, Any], decoder: Any) -> Any:
    """CHECKER side: the numpy or pandas value of one tagged object, checked strictly."""
    pd = sys.modules.get("pandas") or __import__("pandas")
    if set(data) != {tag}:
        raise WireError(f"{tag} takes no other keys, got {sorted(data)}")
    payload = data[tag]
    try:
        if tag in ("$nat", "$na"):
            if payload is not None:
                raise WireError(f"{tag} must be null")
            return pd.NaT if tag == "$nat" else pd.NA
        if tag == "$timestamp":
            return pd.Timestamp(as_text(payload))
        if tag == "$ndarray":
            return _ndarray(payload, decoder)
        if tag == "$index":
            return _decode_index(payload, decoder)
        if tag == "$series":
            spec = with_keys(payload, {"name", "index", "values"})
            values = _decode_column(spec["values"], decoder, ".values")
            index, name = _decode_index(spec["index"], decoder), decoder.decode(spec["name"])
            return pd.Series(values, index=index, name=name, dtype=values.dtype, copy=False)
        return _frame(payload, decoder)
    # ImportError too: in the checker it would read as "this machine lacks a package".
    except (ValueError, TypeError, OverflowError, LookupError, ImportError) as error:
        raise WireError(f"bad {tag}: {error}") from None


def _frame(payload: Any, decoder: Any) -> Any:
    pd = sys.modules["pandas"]
    spec = with_keys(payload, {"columns", "index", "data"})
    columns, index = _decode_index(spec["columns"], decoder), _decode_index(spec["index"], decoder)
    data = spec["data"]
    if type(data) is not list or len(data) != len(columns):
        raise WireError(f"$frame has {len(columns)} column names but not as many columns")
    arrays = [_decode_column(column, decoder, f".data[{n}]") for n, column in enumerate(data)]
    # Series with their dtypes: pandas would read an object array of strings as str.
    series = {n: pd.Series(a, index=index, dtype=a.dtype, copy=False) for n, a in enumerate(arrays)}
    frame = pd.DataFrame(series) if series else pd.DataFrame(index=index)
    frame.columns = columns
    return frame


def _ndarray(payload: Any, decoder: Any) -> Any:
    spec = with_keys(payload, {"dtype", "shape", "data"})
    dtype = _dtype(spec["dtype"], "biufUO")
    shape = spec["shape"]
    if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
        raise WireError(f"$ndarray shape must be a list of sizes, got {shape!r:.80}")
    flat = _flatten(decoder.decode(spec["data"], ".data"), shape)
    _check_elements(flat, dtype.kind)
    return _array(flat, dtype).reshape(shape)


def _flatten(data: Any, shape: list[int]) -> list[Any]:
    if not shape:
        return [data]
    if type(data) is not list or len(data) != shape[0]:
        raise WireError(f"$ndarray data does not have the shape {shape}")
    if len(shape) == 1:
        return data
    return [item for row in data for item in _flatten(row, shape[1:])]


def _decode_index(payload: Any, decoder: Any) -> Any:
    pd = sys.modules["pandas"]
    spec = as_object(payload)
    if "levels" in spec:
        spec = with_keys(spec, {"names", "levels"})
        levels = as_list(spec["levels"])
        arrays = [_decode_column(level, decoder, f".levels[{n}]") for n, level in enumerate(levels)]
        names = decoder.decode(spec["names"], ".names")
        indexes = [pd.Index(array, dtype=array.dtype) for array in arrays]
        return pd.MultiIndex.from_arrays(indexes, names=names)
    if "range" in spec:
        spec = with_keys(spec, {"name", "range"})
        bounds = as_list(spec["range"])
        if len(bounds) != 3 or not all(type(n) is int for n in bounds):
            raise WireError("an index range needs [start, stop, step] as integers")
        return pd.RangeIndex(*bounds, name=decoder.decode(spec["name"]))
    spec = with_keys(spec, {"name", "values", "freq"} if "freq" in spec else {"name", "values"})
    array = _decode_column(spec["values"], decoder, ".values")
    index = pd.Index(array, dtype=array.dtype, name=decoder.decode(spec["name"]))
    if "freq" in spec:
        index = type(index)(index, freq=as_text(spec["freq"]))
    return index


def _decode_column(payload: Any, decoder: Any, where: str) -> Any:
    """A numpy array or pandas extension array from :func:`_column`'s data."""
    try:
        return _decode_column_at(as_object(payload), decoder)
    except WireError as error:
        error.where.insert(0, where)
        raise


def _decode_column_at(spec: dict[str, Any], decoder: Any) -> Any:
    pd, np = sys.modules["pandas"], sys.modules["numpy"]
    dtype = spec.get("dtype")
    if dtype == "category":
        spec = with_keys(spec, {"dtype", "ordered", "categories", "codes"})
        categories = _decode_column(spec["categories"], decoder, ".categories")
        codes = decoder.decode(spec["codes"], ".codes")
        if type(spec["ordered"]) is not bool or isinstance(categories.dtype, pd.CategoricalDtype):
            raise WireError("a category column needs a bool 'ordered' and plain categories")
        _check_elements(as_list(codes), "i")
        index = pd.Index(categories, dtype=categories.dtype)
        return pd.Categorical.from_codes(codes, categories=index, ordered=spec["ordered"])
    if dtype == "string":
        spec = with_keys(spec, {"dtype", "storage", "nan", "values"})
        values = as_list(decoder.decode(spec["values"], ".values"))
        if spec["storage"] not in ("python", "pyarrow") or type(spec["nan"]) is not bool:
            raise WireError("a string column needs storage 'python' or 'pyarrow' and a bool 'nan'")
        _check_elements(values, "U", missing=True)
        missing = np.nan if spec["nan"] else pd.NA
        return pd.array(values, dtype=pd.StringDtype(spec["storage"], na_value=missing))
    spec = with_keys(spec, {"dtype", "values"})
    values = as_list(decoder.decode(spec["values"], ".values"))
    if dtype in _MASKED:
        _check_elements(values, "b" if dtype == "boolean" else dtype[0].lower(), missing=True)
        return pd.array(values, dtype=dtype)
    kind = _dtype(dtype, "biufOmM")
    if kind.kind in "mM":
        _check_elements(values, "i", missing=True)
        array = np.array([0 if v is None else v for v in values], dtype="i8").view(kind)
        array[[v is None for v in values]] = np.datetime64("NaT") if kind.kind == "M" else None
        return array
    if kind.kind != "O":  # object columns may hold any decoded value
        _check_elements(values, kind.kind)
    return _array(values, kind)


def _array(values: list[Any], dtype: Any) -> Any:
    np = sys.modules["numpy"]
    if dtype.kind != "O":
        return np.array(values, dtype=dtype)
    array = np.empty(len(values), dtype=object)
    for n, value in enumerate(values):  # one by one: a list element must stay one element
        array[n] = value
    return array


def _dtype(name: Any, kinds: str) -> Any:
    np = sys.modules.get("numpy") or __import__("numpy")
    if type(name) is not str or not _DTYPE.fullmatch(name):
        raise WireError(f"{name!r:.80} is not a dtype name")
    dtype = np.dtype(name)
    if dtype.kind not in kinds:
        raise WireError(f"dtype {name} is not one the checker accepts")
    return dtype


def _check_elements(values: list[Any], kind: str, *, missing: bool = False) -> None:
    accepts = _ELEMENTS[kind]
    for value in values:
        if not (accepts(value) or (missing and value is None)):
            raise WireError(f"{type(value).__name__} {value!r:.80} in an array of kind {kind!r}")


def with_keys(data: Any, keys: set[str]) -> dict[str, Any]:
    if type(data) is not dict or set(data) != keys:
        got = sorted(data) if type(data) is dict else type(data).__name__
        raise WireError(f"expected the keys {sorted(keys)}, got {got}")
    return data


def as_object(data: Any) -> dict[str, Any]:
    if type(data) is not dict:
        raise WireError(f"expected an object, got {type(data).__name__}")
    return data


def as_list(data: Any) -> list[Any]:
    if type(data) is not list:
        raise WireError(f"expected a list, got {type(data).__name__}")
    return data


def as_text(data: Any) -> str:
    if type(data) is not str:
        raise WireError(f"expected a string, got {type(data).__name__}")
    return data
