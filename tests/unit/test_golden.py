"""The golden dataset and the schema document: committed files that must match the code.

The golden dataset is the small, fixed input that data and model tests can
rely on; it stands in for a sample of production data, so it is held to the
same rules: it passes the contract, its customer identifiers are obfuscated,
and identifiers never become model features. Both committed files are
generated: a test proves they are exactly what their generator gives today.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from churn.data import golden_csv_bytes, load_golden
from churn.schema import (
    ID_COLUMN,
    TARGET,
    categorical_features,
    column,
    feature_columns,
    numeric_features,
    schema_markdown,
)
from churn.validate import validate_frame

ROOT = Path(__file__).resolve().parents[2]
RAW_ID = re.compile(r"^C\d{4}-\d{7}$")  # what churn.data.generate writes
OBFUSCATED_ID = re.compile(r"^cust_[0-9a-f]{16}$")


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    return load_golden()


@pytest.fixture(scope="module")
def maker() -> ModuleType:
    # scripts/ is not a package: load the script from its file, as a module.
    path = ROOT / "scripts" / "make_golden_dataset.py"
    spec = importlib.util.spec_from_file_location("make_golden_dataset", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_golden_dataset_honours_the_contract(golden: pd.DataFrame) -> None:
    # Tests built on it would otherwise start from broken data.
    report = validate_frame(golden, source="golden.csv")
    assert report.passed, report.format()
    assert len(golden) == 400


def test_golden_dataset_is_realistic(golden: pd.DataFrame) -> None:
    # Missing values and a minority of churners, as in production: a pipeline
    # that only ever sees complete, balanced data is not tested.
    assert golden.isna().any().any()
    assert 0.1 < golden[TARGET].mean() < 0.4


def test_no_raw_customer_identifier_is_committed(golden: pd.DataFrame) -> None:
    ids = golden[ID_COLUMN]
    assert not ids.str.match(RAW_ID).any()
    assert ids.str.match(OBFUSCATED_ID).all()
    # Distinct customers stay distinct: 16 hex digits make a collision in 400
    # rows very unlikely, and a collision would merge two customers' rows.
    assert ids.is_unique


def test_identifiers_are_salted_hashes(golden: pd.DataFrame, maker: ModuleType) -> None:
    # An unsalted hash of a known identifier format can be reversed by hashing
    # every possible identifier; the salt (secret in real life) prevents that.
    # The first row is the generator's customer 0 of seed 2024.
    digest = hashlib.sha256(f"{maker.SALT}C2024-0000000".encode()).hexdigest()
    assert golden[ID_COLUMN].iloc[0] == f"cust_{digest[:16]}"
    unsalted = hashlib.sha256(b"C2024-0000000").hexdigest()
    assert golden[ID_COLUMN].iloc[0] != f"cust_{unsalted[:16]}"


def test_identifier_is_not_a_model_feature() -> None:
    # No leakage of identifiers: a model that sees customer IDs can memorise
    # the training rows and fails on every new customer.
    assert column(ID_COLUMN).role == "id"
    assert ID_COLUMN not in {col.name for col in feature_columns()}
    assert ID_COLUMN not in numeric_features() + categorical_features()


def test_committed_golden_file_is_what_the_script_builds(maker: ModuleType, tmp_path: Path) -> None:
    # Byte for byte: a change to the generator (or a hand edit of the file)
    # must come with a rebuilt file, or tests run on data nobody can reproduce.
    built = maker.build(tmp_path / "golden.csv")
    assert built == (tmp_path / "golden.csv").read_bytes()
    assert built == golden_csv_bytes(), (
        "src/churn/data/golden.csv is stale: run .venv/bin/python scripts/make_golden_dataset.py"
    )


def test_schema_document_is_what_the_code_renders() -> None:
    # Documentation that drifts from the code misleads the people who write data.
    committed = (ROOT / "docs" / "data-schema.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(), (
        "docs/data-schema.md is stale: write churn.schema.schema_markdown() to it"
    )
