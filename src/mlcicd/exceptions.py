"""Errors raised by the mlcicd toolkit.

Every error derives from :class:`MlcicdError`, carries the structured fields a
caller needs (service, operation, port, ...) and the exit code the command line
uses for it, so the CLI can print one clear sentence instead of a traceback.
"""

from __future__ import annotations


class MlcicdError(Exception):
    """Base class of every error the toolkit raises on purpose.

    Attributes:
        exit_code: Process exit code the CLI uses when this error ends a command.
    """

    exit_code: int = 1


class RealAWSCallError(MlcicdError):
    """An AWS API call was about to leave this machine, and was stopped.

    Raised before any connection is opened (from botocore's ``before-send``
    event), so no request, credential or DNS lookup reaches AWS.

    Attributes:
        service: The botocore service id, e.g. ``s3``.
        operation: The API operation name, e.g. ``ListBuckets``.
        url: The endpoint the request would have been sent to.
    """

    exit_code = 3

    def __init__(self, service: str, operation: str, url: str) -> None:
        self.service = service
        self.operation = operation
        self.url = url
        super().__init__(
            f"Stopped a real AWS call: {service} {operation} to {url}. "
            "This course never calls real AWS. Run the code inside moto: "
            "`with mock_aws():` (from moto import mock_aws), the `aws` pytest "
            "fixture, or `with mlcicd.testing.offline_aws():` in a notebook. "
            "Create boto3 clients inside that block."
        )


class LabError(MlcicdError):
    """JupyterLab could not be started for the course."""

    exit_code = 2


class PortInUseError(LabError):
    """The port asked for with ``--port`` is taken.

    Attributes:
        host: The address the server was to listen on.
        port: The port that is in use.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        super().__init__(
            f"Port {port} on {host} is in use. Stop the program using it "
            f"(`lsof -i :{port}` shows which), or pick another with --port, "
            "or leave --port out to use the first free port from 8888."
        )


class BuildspecError(MlcicdError):
    """A buildspec cannot be read, or cannot be turned into a model.

    Attributes:
        path: The file, when known.
        line: 1-based line, when known.
        column: 1-based column, when known.
        code: The lint rule code, when the error comes from a rule.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        code: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.code = code
        self.message = message
        where = ":".join(str(part) for part in (path, line, column) if part is not None)
        super().__init__(f"{where}: {message}" if where else message)


class PipelineError(MlcicdError):
    """A pipeline declaration or template cannot be read, or cannot be turned into a model.

    Attributes:
        path: The file, when known.
        location: Where in the declaration, e.g. ``stages[2].actions[0]``, when known.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, location: str | None = None):
        self.path = path
        self.location = location
        self.message = message
        where = ": ".join(part for part in (path, location) if part)
        super().__init__(f"{where}: {message}" if where else message)


class CourseError(MlcicdError):
    """A course notebook, solution or exercise cannot be built or checked.

    Attributes:
        path: The notebook, when known.
        cell: 1-based cell number in that notebook, when known.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, cell: int | None = None):
        self.path = path
        self.cell = cell
        self.message = message
        where = ": ".join(
            part for part in (path, f"cell {cell}" if cell is not None else None) if part
        )
        super().__init__(f"{where}: {message}" if where else message)


class ReleaseLeakError(CourseError):
    """The learner release would hold what learners must not get; nothing was written.

    Attributes:
        leaks: One line per finding: the file, the line or cell, and what is there.
    """

    def __init__(self, message: str, *, leaks: tuple[str, ...]) -> None:
        self.leaks = leaks
        super().__init__(message)


class NbvalTimeout(CourseError):
    """nbval ran past the time the whole run was given, and was stopped.

    Attributes:
        seconds: The time it was given.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"nbval ran longer than {seconds:g} s and was stopped")


class GradeError(MlcicdError):
    """Grading could not run at all (no manifest, no submissions, a bad option).

    A broken *submission* is not an error of this kind: it becomes an error row
    in the gradebook and the other submissions are graded.

    Attributes:
        path: The file or folder concerned, when known.
    """

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)


class IacError(MlcicdError):
    """The CDK app cannot run here, or its stack does not synthesize.

    Attributes:
        construct: The construct path the error is about (``MlCiCd/Pipeline``), when known.
    """

    exit_code = 2

    def __init__(self, message: str, *, construct: str | None = None) -> None:
        self.construct = construct
        self.message = message
        super().__init__(f"{construct}: {message}" if construct else message)


class NodeMissingError(IacError):
    """Node.js, or the ``iac`` extra, is not installed, so the CDK cannot run.

    The message is one sentence saying what to install; tests and the lesson
    skip with it.
    """
