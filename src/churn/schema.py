"""The churn dataset's schema: the one place code, tests and docs read it from.

Every column has a role (an identifier, a model feature, or the target), a
type, and the limits the data contract enforces: a numeric range, the allowed
categories, the highest share of missing values. :mod:`churn.data` generates
data that honours it, :mod:`churn.validate` checks data against it, and
``docs/data-schema.md`` is rendered from it by :func:`schema_markdown`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["id", "feature", "target"]
Kind = Literal["string", "int", "float", "category"]


@dataclass(frozen=True)
class Column:
    """One column of the dataset and its contract.

    Attributes:
        name: Column name in CSV files and data frames.
        kind: ``string`` (free text), ``int``, ``float`` or ``category``.
        role: ``id``, ``feature`` or ``target``.
        description: What the column means, for people.
        minimum: Lowest allowed value (numeric columns).
        maximum: Highest allowed value (numeric columns).
        categories: Allowed values (category columns).
        max_null_rate: Highest allowed share of missing values, 0 to 1.
    """

    name: str
    kind: Kind
    role: Role
    description: str
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    max_null_rate: float = 0.0

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (``int`` or ``float``)."""
        return self.kind in ("int", "float")


SCHEMA: tuple[Column, ...] = (
    Column(
        "customer_id",
        "string",
        "id",
        "Customer identifier. Obfuscated (a salted hash) in every committed file; "
        "never a model feature.",
    ),
    Column("tenure_months", "int", "feature", "Months as a customer.", minimum=0, maximum=72),
    Column(
        "monthly_charges",
        "float",
        "feature",
        "Current monthly bill, in dollars.",
        minimum=0,
        maximum=200,
        max_null_rate=0.05,
    ),
    Column(
        "total_charges",
        "float",
        "feature",
        "Billed to date, in dollars; missing for some new customers.",
        minimum=0,
        maximum=15_000,
        max_null_rate=0.05,
    ),
    Column(
        "support_calls",
        "int",
        "feature",
        "Calls to support in the last 12 months.",
        minimum=0,
        maximum=30,
    ),
    Column(
        "contract",
        "category",
        "feature",
        "Contract length.",
        categories=("month-to-month", "one-year", "two-year"),
    ),
    Column(
        "payment_method",
        "category",
        "feature",
        "How the customer pays.",
        categories=("electronic-check", "mailed-check", "bank-transfer", "credit-card"),
        max_null_rate=0.05,
    ),
    Column(
        "internet_service",
        "category",
        "feature",
        "Internet service type.",
        categories=("dsl", "fiber", "none"),
    ),
    Column(
        "region",
        "category",
        "feature",
        "Sales region. Carries no churn signal: the behavioural tests use it "
        "to check that an irrelevant field does not move predictions.",
        categories=("north", "south", "east", "west"),
    ),
    Column("churned", "int", "target", "1 if the customer left, else 0.", minimum=0, maximum=1),
)

ID_COLUMN = "customer_id"
TARGET = "churned"


def column(name: str) -> Column:
    """Return the column called ``name``.

    Raises:
        KeyError: No such column in :data:`SCHEMA`.
    """
    for col in SCHEMA:
        if col.name == name:
            return col
    raise KeyError(name)


def feature_columns() -> tuple[Column, ...]:
    """The model's inputs, in schema order."""
    return tuple(col for col in SCHEMA if col.role == "feature")


def numeric_features() -> tuple[str, ...]:
    """Names of the numeric features."""
    return tuple(col.name for col in feature_columns() if col.numeric)


def categorical_features() -> tuple[str, ...]:
    """Names of the categorical features."""
    return tuple(col.name for col in feature_columns() if col.kind == "category")


def schema_markdown() -> str:
    """Render the schema as the Markdown table of ``docs/data-schema.md``."""
    lines = [
        "# The churn dataset",
        "",
        "Generated from `src/churn/schema.py` by `churn.schema.schema_markdown()`;"
        " a test fails when this file and the code differ.",
        "",
        "| column | role | type | allowed values | max. missing | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for col in SCHEMA:
        if col.categories:
            allowed = ", ".join(f"`{c}`" for c in col.categories)
        elif col.numeric:
            allowed = f"{col.minimum:g} to {col.maximum:g}"
        else:
            allowed = "any text"
        lines.append(
            f"| `{col.name}` | {col.role} | {col.kind} | {allowed} "
            f"| {col.max_null_rate:.0%} | {col.description} |"
        )
    return "\n".join(lines) + "\n"
