"""The data contract: read a CSV file safely, then check it against the schema.

:func:`read_csv` turns bytes into a data frame or raises :class:`DataError`
naming the file and line (empty, too large, not UTF-8, malformed).
:func:`validate_frame` runs the contract's checks, an ordered list of small
pure functions, and returns a :class:`ValidationReport` of findings, each with
a stable code, the column, and a hint. A CI step prints the report; a pipeline
gates on ``report.passed``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from churn.exceptions import DataError
from churn.schema import SCHEMA, Column

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Finding:
    """One broken rule of the data contract.

    Attributes:
        code: Stable identifier, e.g. ``missing-column``.
        column: The column concerned, or None for the whole table.
        message: What is wrong, with the numbers.
        hint: What to do about it.
    """

    code: str
    column: str | None
    message: str
    hint: str


@dataclass(frozen=True)
class ValidationReport:
    """The result of checking one table against the contract.

    Attributes:
        source: Where the table came from (file name, S3 URI).
        rows: Number of rows checked.
        findings: Broken rules, in check order; empty when the data passed.
    """

    source: str
    rows: int
    findings: tuple[Finding, ...]

    @property
    def passed(self) -> bool:
        """True when no rule is broken."""
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for CI logs, Lambda responses and notifications."""
        return {
            "source": self.source,
            "rows": self.rows,
            "passed": self.passed,
            "findings": [asdict(finding) for finding in self.findings],
        }

    def format(self) -> str:
        """Human-readable lines: a verdict, then one line per finding."""
        verdict = "PASSED" if self.passed else f"FAILED ({len(self.findings)} findings)"
        lines = [f"{self.source}: {self.rows} rows, data contract {verdict}"]
        lines += [
            f"  [{f.code}] {f.column or '(table)'}: {f.message}. {f.hint}" for f in self.findings
        ]
        return "\n".join(lines)


def read_csv(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> pd.DataFrame:
    """Parse CSV bytes into a data frame, refusing what cannot be a dataset.

    Args:
        data: The file's content.
        source: Its name, used in errors.
        max_bytes: Largest accepted size.

    Returns:
        The table, columns as read (validate it with :func:`validate_frame`).

    Raises:
        DataError: The file is empty, over ``max_bytes``, not UTF-8 text, has
            no header, or a row's field count differs from the header's.
    """
    if len(data) > max_bytes:
        raise DataError(
            source,
            f"the file is {len(data):,} bytes, over the limit of {max_bytes:,}; "
            "split it or raise the limit",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(
            source, f"not UTF-8 text (byte {error.start}); save it as UTF-8 CSV"
        ) from None
    if not text.strip():
        raise DataError(source, "the file is empty; expected a CSV header and rows")
    # newline="": csv handles \n, \r\n and \r itself, and line_num counts physical
    # lines, so a quoted field spanning lines does not shift the line numbers.
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows)
        line = rows.line_num + 1
        for row in rows:
            if row and len(row) != len(header):
                raise DataError(
                    source,
                    f"{len(row)} fields where the header has {len(header)}; fix or remove this row",
                    line=line,
                )
            line = rows.line_num + 1
    except csv.Error as error:
        raise DataError(source, f"not a valid CSV file ({error})", line=rows.line_num) from None
    try:
        return pd.read_csv(io.StringIO(text), keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(source, f"not a valid CSV file ({error})") from None


Check = Callable[[pd.DataFrame, tuple[Column, ...]], Iterator[Finding]]


def check_not_empty(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """A table must have rows."""
    if frame.empty:
        yield Finding("empty", None, "the table has no rows", "Send a file with data rows.")


def check_columns(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """Every schema column must be present, and no other."""
    expected = [col.name for col in schema]
    for name in expected:
        if name not in frame.columns:
            yield Finding(
                "missing-column", name, "the column is missing", "Add it, or fix its name."
            )
    for name in frame.columns:
        if name not in expected:
            yield Finding(
                "extra-column",
                str(name),
                "the column is not in the schema",
                "Remove it, or add it to churn.schema first.",
            )


def _present(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Column]:
    return (col for col in schema if col.name in frame.columns)


def check_types(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """Numeric columns hold numbers (whole numbers for ``int``); the others hold text."""
    for col in _present(frame, schema):
        values = frame[col.name].dropna()
        if col.numeric:
            if not pd.api.types.is_numeric_dtype(values):
                sample = values[pd.to_numeric(values, errors="coerce").isna()].iloc[:1].tolist()
                yield Finding(
                    "dtype",
                    col.name,
                    f"expected {col.kind} values, found text such as {sample}",
                    "Write plain numbers in this column.",
                )
            elif col.kind == "int" and not (values == values.round()).all():
                yield Finding(
                    "dtype",
                    col.name,
                    "expected whole numbers, found fractions",
                    "Round or fix the values.",
                )
        elif pd.api.types.is_numeric_dtype(values) and len(values):
            yield Finding(
                "dtype",
                col.name,
                f"expected {col.kind} values, found numbers",
                "Check the column order.",
            )


def _typed(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[tuple[Column, pd.Series]]:
    # Range and category checks only make sense where the type check passed.
    for col in _present(frame, schema):
        values = frame[col.name].dropna()
        if col.numeric == pd.api.types.is_numeric_dtype(values) or values.empty:
            yield col, values


def check_ranges(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """Numeric values lie within the column's minimum and maximum."""
    for col, values in _typed(frame, schema):
        if not col.numeric or values.empty:
            continue
        low, high = values.min(), values.max()
        if (col.minimum is not None and low < col.minimum) or (
            col.maximum is not None and high > col.maximum
        ):
            outside = int(((values < col.minimum) | (values > col.maximum)).sum())
            yield Finding(
                "range",
                col.name,
                f"{outside} values outside {col.minimum:g} to {col.maximum:g} "
                f"(seen {low:g} to {high:g})",
                "Fix the values, or the upstream unit or scale.",
            )


def check_categories(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """Category columns hold only their allowed values."""
    for col, values in _typed(frame, schema):
        if col.kind != "category":
            continue
        # Distinct values first: a million rows hold only a handful of them.
        unknown = sorted({str(value) for value in pd.unique(values)} - set(col.categories))
        if unknown:
            yield Finding(
                "category",
                col.name,
                f"unknown values {unknown[:5]}" + (" ..." if len(unknown) > 5 else ""),
                f"Allowed: {', '.join(col.categories)}.",
            )


def check_null_rates(frame: pd.DataFrame, schema: tuple[Column, ...]) -> Iterator[Finding]:
    """No column has more missing values than its contract allows."""
    if frame.empty:
        return
    for col in _present(frame, schema):
        rate = float(frame[col.name].isna().mean())
        if rate > col.max_null_rate:
            yield Finding(
                "null-rate",
                col.name,
                f"{rate:.1%} missing, the limit is {col.max_null_rate:.1%}",
                "Find where the values are lost upstream.",
            )


#: The contract's checks, in the order their findings are reported.
CHECKS: tuple[Check, ...] = (
    check_not_empty,
    check_columns,
    check_types,
    check_ranges,
    check_categories,
    check_null_rates,
)


def validate_frame(
    frame: pd.DataFrame, *, source: str = "<data frame>", schema: tuple[Column, ...] = SCHEMA
) -> ValidationReport:
    """Check a table against the data contract.

    Args:
        frame: The table; it is not modified.
        source: Where it came from, for the report.
        schema: The contract; the churn schema unless given.

    Returns:
        The report; ``report.passed`` tells whether the data may be used.
    """
    findings = tuple(finding for check in CHECKS for finding in check(frame, schema))
    return ValidationReport(source=source, rows=len(frame), findings=findings)
