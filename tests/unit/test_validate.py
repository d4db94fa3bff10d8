"""The data contract: reading CSV bytes safely, and checking a table against the schema.

Bad data is the most common way an ML pipeline fails, and the worst failures
are silent ones: a renamed column filled with NaN, a bill in cents instead of
dollars. These tests feed the contract one known defect at a time and check it
names the defect precisely enough for a person to fix it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from churn.data import generate
from churn.exceptions import DataError
from churn.validate import read_csv, validate_frame

SOURCE = "uploads/batch.csv"


@pytest.mark.parametrize(
    ("data", "max_bytes", "line", "message"),
    [
        (b"a,b\n1,2\n3,4,5\n", 1_000, 3, "3 fields where the header has 2"),
        (b"a,b\n1,2\n\n3\n", 1_000, 4, "1 fields where the header has 2"),  # blank lines count
        (b"", 1_000, None, "empty"),
        (b" \n\t\r\n", 1_000, None, "empty"),
        (b"a,b\n1,2\n", 4, None, "over the limit of 4"),
        ("a,b\ncafé,1\n".encode("latin-1"), 1_000, None, "not UTF-8 text (byte 7)"),
        pytest.param(
            b'a,b\n"two\nlines",2\n3,4,5\n',  # a quoted field may span lines
            1_000,
            4,
            "3 fields",
        ),
        pytest.param(
            b"\xef\xbb\xbf",  # a byte-order mark and nothing else: an empty Excel export
            1_000,
            None,
            "empty",
        ),
    ],
)
def test_read_csv_refuses_bad_files(
    data: bytes, max_bytes: int, line: int | None, message: str
) -> None:
    # The error must say which file and which line, so that the person who
    # receives the CI failure can fix the data without reading a traceback.
    with pytest.raises(DataError) as caught:
        read_csv(data, source=SOURCE, max_bytes=max_bytes)
    assert caught.value.source == SOURCE
    assert caught.value.line == line
    assert message in caught.value.reason
    assert str(caught.value).startswith(SOURCE)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a,b\n1,2\n", {"a": [1], "b": [2]}),
        (b'a,b\n"x,y",2\n', {"a": ["x,y"], "b": [2]}),  # a quoted comma is not a field separator
        (b"\xef\xbb\xbfa,b\n1,2\n", {"a": [1], "b": [2]}),  # Excel's byte-order mark is dropped
        (b"a,b\r\n1,2\r\n", {"a": [1], "b": [2]}),  # Windows line endings
        pytest.param(
            b"a,b\r1,2\r",  # old Mac line endings, still written by some exports
            {"a": [1], "b": [2]},
        ),
    ],
)
def test_read_csv_accepts_valid_files(data: bytes, expected: dict[str, list[object]]) -> None:
    # The refusals above are only useful if ordinary files still get through.
    assert read_csv(data, source=SOURCE).to_dict("list") == expected


@pytest.fixture
def valid() -> pd.DataFrame:
    frame = generate(200, seed=11)
    # Start from data that passes, so each finding below is the mutation's doing.
    assert validate_frame(frame).passed
    return frame


# Each mutation returns a new frame with one defect, the kind upstream systems produce.
Mutation = Callable[[pd.DataFrame], pd.DataFrame]


def _set(name: str, row: int, value: object) -> Mutation:
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame[name].tolist()
        values[row] = value
        return frame.assign(**{name: values})  # the column's type follows the new value

    return mutate


def _drop_monthly_charges(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns="monthly_charges")


def _add_promo_code(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(promo_code="SPRING")


def _calls_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(support_calls=frame["support_calls"].map(lambda n: f"{n} calls"))


def _ids_as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    # What a shifted column order looks like: numbers where text belongs.
    return frame.assign(customer_id=np.arange(len(frame)))


def _lose_bills(frame: pd.DataFrame) -> pd.DataFrame:
    # At least 20 of 200 rows, 10%, missing: the limit is 5%.
    bills = frame["monthly_charges"]
    return frame.assign(monthly_charges=bills.mask(np.arange(len(bills)) < 20))


def _remove_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0]


@pytest.mark.parametrize(
    ("mutate", "code", "column"),
    [
        (_drop_monthly_charges, "missing-column", "monthly_charges"),
        (_add_promo_code, "extra-column", "promo_code"),
        (_calls_as_text, "dtype", "support_calls"),
        (_ids_as_numbers, "dtype", "customer_id"),
        (_set("tenure_months", 0, 1.5), "dtype", "tenure_months"),  # a fraction in an int
        (_set("monthly_charges", 0, 250.0), "range", "monthly_charges"),  # cents, not dollars?
        (_set("tenure_months", 0, -1), "range", "tenure_months"),
        (_set("contract", 0, "three-year"), "category", "contract"),
        (_set("contract", 0, None), "null-rate", "contract"),  # no missing value allowed
        (_lose_bills, "null-rate", "monthly_charges"),
        (_remove_rows, "empty", None),
    ],
)
def test_each_defect_gives_exactly_its_finding(
    valid: pd.DataFrame, mutate: Mutation, code: str, column: str | None
) -> None:
    # Exactly one finding: a defect must not hide behind, or set off, others.
    report = validate_frame(mutate(valid), source=SOURCE)
    assert [(f.code, f.column) for f in report.findings] == [(code, column)]
    assert not report.passed
    assert all(f.message and f.hint for f in report.findings)


def test_validation_does_not_modify_the_frame(valid: pd.DataFrame) -> None:
    # A check that "cleans" the data as it goes would hide the defects it reports.
    broken = _set("contract", 0, None)(_calls_as_text(valid))
    before = broken.copy(deep=True)
    assert not validate_frame(broken).passed
    pd.testing.assert_frame_equal(broken, before)


def test_report_is_json_ready(valid: pd.DataFrame) -> None:
    # CI logs, the Lambda response and notifications all carry it as JSON.
    report = validate_frame(_lose_bills(valid), source=SOURCE)
    as_dict = report.to_dict()
    assert json.loads(json.dumps(as_dict)) == as_dict
    assert as_dict["passed"] is False
    assert as_dict["findings"][0]["code"] == "null-rate"


@pytest.mark.parametrize(("broken", "verdict"), [(False, "PASSED"), (True, "FAILED")])
def test_report_format_starts_with_the_verdict(
    valid: pd.DataFrame, broken: bool, verdict: str
) -> None:
    # The first line is what a person sees in a CI log: it must carry the verdict.
    frame = _add_promo_code(valid) if broken else valid
    lines = validate_frame(frame, source=SOURCE).format().splitlines()
    assert lines[0].startswith(SOURCE)
    assert verdict in lines[0]
    assert len(lines) == 1 + broken  # then one line per finding
