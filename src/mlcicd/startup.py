"""Start-up costs the toolkit avoids in its own processes."""

from __future__ import annotations

import sys


def skip_unused_grammar() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process.

    nbformat imports jsonschema, which imports ``rfc3987_syntax`` when it is
    installed (JupyterLab's dependencies install it); that module builds a parsing
    grammar for about 2 s at import, for IRI string formats nbformat never checks.
    Without it jsonschema leaves those formats unchecked. Call this before nbformat
    is imported, in processes started once per notebook (grading starts several).
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
