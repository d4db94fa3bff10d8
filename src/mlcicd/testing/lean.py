"""``pytest -p mlcicd.testing.lean``: pytest started without an unused 2 s import.

nbval's pytest plugin imports nbformat as pytest starts, and nbformat imports
jsonschema, which builds an IRI grammar for about 2 s (see
:func:`mlcicd.startup.skip_unused_grammar`). A plugin named with ``-p`` is imported
before the plugins pytest finds installed, so this one skips that grammar in time.
It does nothing else, and nothing unless named: this project names it in its
``addopts`` (pyproject.toml), so every pytest it starts (``make test``'s and
``make check``'s workers, the builds' test runs) starts 2 s sooner.
"""

from __future__ import annotations

from mlcicd.startup import skip_unused_grammar

skip_unused_grammar()
