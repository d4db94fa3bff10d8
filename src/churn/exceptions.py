"""Errors of the churn system, all under :class:`ChurnError`.

Each carries the structured fields a caller needs to say what went wrong and
where (file, line, column, key, path), so a CI step, the Lambda handler or the
model server can answer with one clear sentence instead of a traceback.
"""

from __future__ import annotations


class ChurnError(Exception):
    """Base class of every error the churn system raises on purpose.

    Attributes:
        exit_code: Process exit code a command line uses for this error.
    """

    exit_code: int = 1


class DataError(ChurnError):
    """An input data file cannot be used: unreadable, empty, too large, or off-schema.

    Attributes:
        source: The file, S3 URI or key the data came from.
        line: 1-based line in the file, when known.
        column: The column concerned, when known.
        reason: What is wrong and what to do, in one sentence.
    """

    exit_code = 2

    def __init__(
        self, source: str, reason: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.source = source
        self.reason = reason
        self.line = line
        self.column = column
        where = source + (f", line {line}" if line is not None else "")
        where += f", column {column!r}" if column is not None else ""
        super().__init__(f"{where}: {reason}")


class ModelError(ChurnError):
    """A model artifact cannot be written, read or used.

    Attributes:
        path: The artifact concerned.
        reason: What is wrong and what to do.
    """

    exit_code = 2

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class RegistryError(ChurnError):
    """The model registry (S3 and the SageMaker Model Registry) refused an operation.

    Attributes:
        group: The model package group concerned.
        reason: What is wrong and what to do.
    """

    def __init__(self, group: str, reason: str) -> None:
        self.group = group
        self.reason = reason
        super().__init__(f"model package group {group!r}: {reason}")


class ConfigurationError(ChurnError):
    """A required setting is missing or invalid (e.g. an environment variable of the handler).

    Attributes:
        setting: The setting's name.
        reason: What is wrong and what to do.
    """

    exit_code = 2

    def __init__(self, setting: str, reason: str) -> None:
        self.setting = setting
        self.reason = reason
        super().__init__(f"{setting}: {reason}")
