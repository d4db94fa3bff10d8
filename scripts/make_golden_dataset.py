"""Build the golden dataset, src/churn/data/golden.csv, deterministically.

The golden dataset is a small committed CSV with known properties that the
data tests check (tests/unit/test_golden.py). It is synthetic, but it is built
the way a sample of production data would be: customer identifiers are
replaced by a salted hash, so the committed file cannot be joined back to
customers, while rows stay distinct and in the same order.

Run it from the repository root; the same code gives byte-identical output:

    .venv/bin/python scripts/make_golden_dataset.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

from churn.data import generate, to_csv_bytes
from churn.schema import ID_COLUMN

ROWS = 400
SEED = 2024
# In real life the salt is a secret kept out of the repository (a CI secret or
# a secrets manager): anyone holding it can hash known identifiers and find
# them in the file. This one is public because the data is synthetic.
SALT = "mlcicd-course-golden-v1"
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "src" / "churn" / "data" / "golden.csv"


def obfuscate(customer_id: str, salt: str = SALT) -> str:
    """Replace an identifier by ``cust_`` and 16 hex digits of its salted SHA-256."""
    digest = hashlib.sha256((salt + customer_id).encode("utf-8")).hexdigest()
    return f"cust_{digest[:16]}"


def golden_frame() -> pd.DataFrame:
    """The golden dataset: generated rows, in generated order, identifiers obfuscated."""
    frame = generate(ROWS, seed=SEED)
    frame[ID_COLUMN] = frame[ID_COLUMN].map(obfuscate)
    return frame


def build(path: Path = DEFAULT_PATH) -> bytes:
    """Write the golden dataset's CSV to ``path`` and return its bytes."""
    data = to_csv_bytes(golden_frame())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def main(argv: list[str]) -> int:
    """Build the golden dataset at the path given, or at its place in the package."""
    path = Path(argv[0]) if argv else DEFAULT_PATH
    data = build(path)
    print(f"wrote {path} ({len(data):,} bytes, {ROWS} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
