"""The model server's contract, without HTTP: parsing requests, answers, and errors.

A stand-in model keeps these tests about the *server*: the canary end-to-end
test (tests/e2e/test_canary.py) runs the real server with a real model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import jsonschema
import numpy as np
import pandas as pd
import pytest

from churn.data import generate, to_csv_bytes
from churn.exceptions import DataError
from churn.serve import ERROR_SCHEMA, RESPONSE_SCHEMA, ModelService, parse_records


@dataclass
class StandInModel:
    """Answers 0.9 for month-to-month customers and 0.1 otherwise; records what it saw."""

    version: str = "test-1"
    seen: list[pd.DataFrame] = field(default_factory=list)

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        self.seen.append(frame)
        if "contract" not in frame:
            raise DataError("request body", "missing feature columns ['contract']")
        return np.where(frame["contract"] == "month-to-month", 0.9, 0.1)


class BrokenModel(StandInModel):
    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        raise ValueError("X has 3 features, but LogisticRegression is expecting 19")


RECORDS = generate(3, seed=5).drop(columns=["churned"]).to_dict(orient="records")


@pytest.fixture
def service() -> ModelService:
    return ModelService(StandInModel(), max_body_bytes=10_000)


def test_ping_reports_the_model_version(service: ModelService) -> None:
    reply = service.ping()
    assert (reply.status, reply.body["modelVersion"]) == (200, "test-1")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", json.dumps({"instances": RECORDS}).encode()),
        ("application/json", json.dumps(RECORDS).encode()),  # a bare list is accepted too
        ("application/json; charset=utf-8", json.dumps(RECORDS).encode()),
        ("text/csv", to_csv_bytes(pd.DataFrame.from_records(RECORDS))),
    ],
)
def test_json_and_csv_give_the_same_documented_answer(
    service: ModelService, content_type: str, body: bytes
) -> None:
    reply = service.invoke(content_type, body)

    assert reply.status == 200
    jsonschema.validate(reply.body, RESPONSE_SCHEMA)
    expected = [0.9 if r["contract"] == "month-to-month" else 0.1 for r in RECORDS]
    assert [p["churnProbability"] for p in reply.body["predictions"]] == expected
    assert [p["churn"] for p in reply.body["predictions"]] == [p >= 0.5 for p in expected]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "says"),
    [
        ("application/json", b"{not json", 400, "not valid JSON"),
        ("application/json", b'{"instances": []}', 400, "at least one"),
        ("application/json", b'{"rows": [1]}', 400, "instances"),
        ("application/json", b"[1, 2]", 400, "JSON object"),
        ("application/json", json.dumps([{"tenure_months": 3}]).encode(), 400, "contract"),
        ("text/csv", b"", 400, "empty"),
        ("text/csv", b"a,b\n1,2,3\n", 400, "line 2"),
        ("application/xml", b"<x/>", 415, "application/xml"),
        ("", b"{}", 415, "(none)"),
    ],
)
def test_bad_requests_get_a_clear_json_error(
    service: ModelService, content_type: str, body: bytes, status: int, says: str
) -> None:
    reply = service.invoke(content_type, body)
    assert reply.status == status
    jsonschema.validate(reply.body, ERROR_SCHEMA)
    assert says in reply.body["error"]["message"]


def test_a_failing_model_is_a_500_json_error_not_a_crash() -> None:
    reply = ModelService(BrokenModel()).invoke("application/json", json.dumps(RECORDS).encode())
    assert reply.status == 500
    jsonschema.validate(reply.body, ERROR_SCHEMA)
    assert "ValueError" in reply.body["error"]["message"]


def test_parse_records_builds_one_row_per_record() -> None:
    frame = parse_records("application/json", json.dumps({"instances": RECORDS}).encode())
    assert len(frame) == len(RECORDS)
    assert frame["customer_id"].tolist() == [r["customer_id"] for r in RECORDS]
