"""Read a buildspec into its typed model, refusing one the linter finds errors in.

:func:`~mlcicd.buildspec.document.parse` reads the YAML with positions,
:func:`~mlcicd.buildspec.lint.lint_document` checks it, and :func:`model_of`
gives the :class:`~mlcicd.buildspec.model.Buildspec`. This module sits above
both, so neither imports the other's caller.
"""

from __future__ import annotations

from pathlib import Path

from mlcicd.buildspec.document import Document, parse
from mlcicd.buildspec.lint import lint_document
from mlcicd.buildspec.model import Buildspec, from_dict
from mlcicd.exceptions import BuildspecError

__all__ = ["load", "loads", "model_of", "parse"]


def loads(text: str | bytes, *, path: str = "<string>") -> Buildspec:
    """Parse, lint and model a buildspec.

    Args:
        text: The buildspec's text or bytes.
        path: Name used in messages.

    Returns:
        The typed model.

    Raises:
        BuildspecError: The first error-severity finding, saying how many errors there are.
    """
    document = parse(text, path=path)
    errors = [f for f in lint_document(document) if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (1 of {len(errors)} errors; `mlcicd buildspec lint` lists all)"
        raise BuildspecError(
            f"{first.code} {first.message}{more if len(errors) > 1 else ''}",
            path=first.path,
            line=first.line,
            column=first.column,
            code=first.code,
        )
    return model_of(document)


def model_of(document: Document) -> Buildspec:
    """The model of a parsed document, with ``env.variables`` set as written in the file.

    YAML 1.1 reads ``DEBUG: true`` as a boolean and ``V: 1.10`` as the number 1.1;
    an environment variable is text, and CodeBuild's reference describes the
    value as "that variable's value". The runner sets the text written in the
    file (``true``, ``1.10``), not a re-spelling of the typed value (BS037 and
    BS018 warn where YAML 1.1 reads a variable differently, so quote to be sure).

    Args:
        document: From :func:`parse`; not modified.

    Returns:
        The model (:func:`~mlcicd.buildspec.model.from_dict` of the data).
    """
    data = document.data
    env = data.get("env") if isinstance(data, dict) else None
    variables = env.get("variables") if isinstance(env, dict) else None
    if isinstance(variables, dict):
        written = {
            name: document.raws.get(("env", "variables", name), value)
            if isinstance(value, bool | int | float)
            else value
            for name, value in variables.items()
        }
        data = {**data, "env": {**env, "variables": written}}
    return from_dict(data)


def load(path: Path) -> Buildspec:
    """Read, lint and model the buildspec file at ``path``.

    Raises:
        BuildspecError: The file cannot be read, or has an error finding.
    """
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise BuildspecError(
            f"cannot read the buildspec: {error.strerror or error}", path=str(path)
        ) from None
    return loads(content, path=str(path))
