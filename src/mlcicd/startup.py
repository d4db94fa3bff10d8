"""Start-up costs the toolkit avoids in its own processes."""

from __future__ import annotations

import sys


def skip_unused_grammar() -> None:
    """Make ``import rfc3987_syntax`` fail fast in this process.

    nbformat imports jsonschema, which imports ``rfc3987_syntax`` when it is
    installed (JupyterLab's dependencies install it); that module builds a parsing
    grammar for about 2 s at import, for IRI string formats nbformat never checks.
    Without it jsonschema leaves those formats unchecked. Called before nbformat is
    imported by every ``mlcicd`` command, by the processes started once per notebook
    (grading starts several), and by this project's pytest (:mod:`mlcicd.testing.lean`).
    Never in a learner's kernel: their code may validate those formats.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
