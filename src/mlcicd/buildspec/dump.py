"""Write a :class:`~mlcicd.buildspec.model.Buildspec` as YAML that CodeBuild reads back unchanged.

YAML guesses types. Written plainly, the runtime version ``3.10`` is read back as
the number 3.1, ``yes`` and ``on`` as true (YAML 1.1, which CodeBuild follows),
``012`` as the octal number 10 and ``2024-01-31`` as a date. :func:`dumps`
therefore quotes every string that a YAML 1.1 *or* 1.2 reader would retype, and
every string that cannot be written plainly at all (empty, leading or trailing
spaces, a YAML indicator first, ``": "`` or ``" #"`` inside). Quotes are double
(``"3.10"``), or single for a string with ``"`` in it and no ``'``, such as a
shell test ``'[ "$A" = "0" ]'``, which then needs no escapes. Multi-line
strings become literal blocks (``|``), so a multi-line shell command reads as
the shell sees it. Everything else is plain.

Example:
    >>> from mlcicd.buildspec.model import Buildspec, Phase
    >>> spec = Buildspec(phases={"install": Phase(runtime_versions={"python": "3.10"})})
    >>> print(dumps(spec), end="")
    version: 0.2
    phases:
      install:
        runtime-versions:
          python: "3.10"

:func:`dump` writes the same text to a file atomically: it is either the old
file or the whole new one, never half a buildspec.
"""

from __future__ import annotations

import io
import os
import secrets
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.resolver import implicit_resolvers
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from mlcicd.buildspec.model import Buildspec, to_dict

#: Characters that cannot start a plain scalar (YAML's "c-indicator" set).
INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")
_STRING_TAG = "tag:yaml.org,2002:str"


def _retyped(text: str) -> bool:
    """Whether a YAML 1.1 or 1.2 reader would read ``text``, written plainly, as a non-string."""
    # ruamel.yaml's own tables of implicit types (bool, int, float, null,
    # timestamp, merge, ...) for both versions; a rule applies only to a value
    # starting with one of its first characters, exactly as the reader does.
    return any(
        tag != _STRING_TAG and text[:1] in first and regexp.match(text)
        for _versions, tag, regexp, first in implicit_resolvers
    )


def needs_quotes(text: str) -> bool:
    """Whether a one-line string must be double-quoted to be read back as this same string.

    Args:
        text: The string.

    Returns:
        True for strings a YAML reader would retype or could not read plainly.
    """
    return (
        text == ""
        or text != text.strip()
        or not text.isprintable()
        or text[0] in INDICATORS
        or ": " in text
        or " #" in text
        or text.endswith(":")
        or _retyped(text)
    )


def _scalar(text: str) -> str:
    if "\n" in text and all(line.isprintable() for line in text.split("\n")):
        # ruamel.yaml falls back to double quotes itself for the few strings a
        # literal block cannot hold exactly (e.g. trailing spaces before a break).
        return LiteralScalarString(text)
    if "\n" not in text and not needs_quotes(text):
        return text
    if '"' in text and "'" not in text and text.isprintable():
        # A shell command full of "..." reads better in single quotes than
        # with every " escaped; single quotes have no escapes, hence the checks.
        return SingleQuotedScalarString(text)
    return DoubleQuotedScalarString(text)


def _styled(value: Any) -> Any:
    """Return a copy of plain data with every string in the style that reads back unchanged."""
    if isinstance(value, str):
        return _scalar(value)
    if isinstance(value, dict):
        return {_styled(key): _styled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_styled(item) for item in value]
    # Booleans, numbers and None (inside batch entries) are written as YAML writes them.
    return value


def _version(version: str) -> Any:
    # CodeBuild's documentation writes `version: 0.2`, unquoted. A reader sees
    # the float 0.2, which the model turns back into "0.2"; any version that a
    # float would not give back exactly is quoted instead.
    try:
        number = float(version)
    except ValueError:
        return _scalar(version)
    return number if repr(number) == version else _scalar(version)


def _writer() -> YAML:
    yaml = YAML()  # round-trip dumper: keeps key order and scalar styles
    yaml.default_flow_style = False
    # Two spaces per level, with list dashes indented under their key as in
    # CodeBuild's documentation.
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Never fold a long command over several lines.
    yaml.width = 1_000_000
    return yaml


def dumps(spec: Buildspec) -> str:
    """Return ``spec`` as buildspec YAML.

    The same model always gives the same text, and
    ``from_dict(YAML(typ="safe").load(dumps(spec))) == spec``.

    Args:
        spec: The model; not modified.

    Returns:
        The YAML document, ending with a newline.
    """
    data = _styled(to_dict(spec))
    data["version"] = _version(spec.version)
    out = io.StringIO()
    _writer().dump(data, out)
    return out.getvalue()


def dump(spec: Buildspec, path: Path) -> Path:
    """Write ``spec`` as buildspec YAML to ``path``, atomically.

    The text goes to a temporary file beside ``path``, which then replaces
    ``path`` in one step (:func:`os.replace`): a crash leaves the old file, or
    none, but never a partial buildspec. The folder must exist.

    Args:
        spec: The model; not modified.
        path: The file to write, e.g. ``Path("buildspec.yml")``.

    Returns:
        ``path``.
    """
    text = dumps(spec)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    # os.open with mode 0o666 lets the umask set the permissions, as for any
    # new file; tempfile's files are private (0o600), which CI tools may not read.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
