"""The start page's environment check: is everything the course needs here?

:func:`environment_check` looks at the Python version, the packages the course
imports, the kernel's environment and the offline-AWS safety net, and prints
one line per item with what to do about anything missing.
"""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from mlcicd.testing.guard import PLUGIN_ENV

#: (import name, distribution name) of what the lessons import.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("boto3", "boto3"),
    ("moto", "moto"),
    ("pytest", "pytest"),
    ("nbval", "nbval"),
    ("papermill", "papermill"),
    ("pandas", "pandas"),
    ("sklearn", "scikit-learn"),
    ("matplotlib", "matplotlib"),
    ("ipywidgets", "ipywidgets"),
    ("churn", "mlcicd"),
)

_FIX = "run `make lab` from the course folder; it installs everything into .venv"


@dataclass(frozen=True)
class Item:
    """One line of the check.

    Attributes:
        name: What was checked.
        ok: Whether it is as the course needs it.
        detail: The version found, or what to do.
    """

    name: str
    ok: bool
    detail: str


def check_items() -> list[Item]:
    """Return the check's items (nothing is printed)."""
    items = [
        Item(
            "Python 3.11+",
            sys.version_info >= (3, 11),
            f"{sys.version_info.major}.{sys.version_info.minor}"
            if sys.version_info >= (3, 11)
            else f"found {sys.version_info.major}.{sys.version_info.minor}; {_FIX}",
        )
    ]
    for module, distribution in PACKAGES:
        try:
            importlib.import_module(module)
            items.append(Item(distribution, True, version(distribution)))
        except (ImportError, PackageNotFoundError) as error:
            items.append(Item(distribution, False, f"{type(error).__name__}; {_FIX}"))
    guarded = os.environ.get("AWS_ACCESS_KEY_ID") == "testing" and "mlcicd" in os.environ.get(
        PLUGIN_ENV, ""
    )
    items.append(
        Item(
            "offline AWS (fake credentials, real-AWS guard)",
            guarded,
            "on"
            if guarded
            else "off: start JupyterLab with `make lab`, or wrap AWS cells in "
            "`with mlcicd.testing.offline_aws():`",
        )
    )
    return items


def environment_check() -> None:
    """Print the check: one line per item, then whether everything is ready."""
    items = check_items()
    width = max(len(item.name) for item in items)
    for item in items:
        print(f"{'ok' if item.ok else 'MISSING':7}  {item.name:<{width}}  {item.detail}")
    print(
        "Everything the course needs is here."
        if all(item.ok for item in items)
        else "Something is missing: follow the advice on the MISSING lines, "
        "then restart the kernel."
    )
