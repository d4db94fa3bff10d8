"""The toolkit's processes skip an import nbformat never needs, and still validate notebooks."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from mlcicd.startup import skip_unused_grammar
skip_unused_grammar()
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nbformat.validate(nb)
try:
    nbformat.validate({"nbformat": 4, "cells": "not a list"})
except nbformat.ValidationError:
    print("invalid refused")
print("rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None)
"""


def test_nbformat_still_validates_without_the_grammar() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.splitlines() == ["invalid refused", "True"]
