"""Synthesize the course's stack into a CloudFormation template, offline.

:func:`synthesize` is what tests and lesson 09 call: one app, one stack, the
template as plain data. The app turns off what would make a template differ
between machines or need an AWS account: version reporting (``CDKMetadata``),
the bootstrap-version check, and environment lookups (the stack is
environment-agnostic: ``${AWS::Region}`` and ``${AWS::AccountId}`` stay
placeholders until CloudFormation deploys it).

A construct error (an invalid name, a missing property) arrives from jsii as a
``RuntimeError`` carrying JavaScript's message; :func:`synthesize` raises it as
an :class:`~mlcicd.exceptions.IacError` with that message and the construct path.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlcicd.exceptions import IacError
from mlcicd.iac.environment import require_cdk

#: The stack's id in the app, and its CloudFormation stack name.
STACK_ID = "MlCiCd"

#: At most this many lines of JavaScript's message are kept.
MESSAGE_LINES = 5
_CONSTRUCT_PATH = re.compile(r"(?<![\w/.:-])((?:[A-Za-z0-9_-]+/)+[A-Za-z0-9_-]+)")


def new_app(outdir: str | None = None) -> Any:
    """An app whose templates are the same on every machine and need no AWS account.

    Args:
        outdir: Where ``app.synth()`` writes the cloud assembly (the CDK command
            line passes ``CDK_OUTDIR``); a temporary folder when None.
    """
    require_cdk()
    import aws_cdk as cdk

    return cdk.App(analytics_reporting=False, outdir=outdir)


def new_stack(app: Any, make: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Add the course's stack (or what ``make`` builds) to ``app``, without a bootstrap check.

    Args:
        app: From :func:`new_app`.
        make: A stack class or factory taking ``(scope, id, synthesizer=..., **options)``;
            :class:`~mlcicd.iac.stack.MlCiCdStack` when None.
        **options: Passed to ``make``.

    Returns:
        The stack.

    Raises:
        IacError: A construct refused its properties.
    """
    import aws_cdk as cdk

    if make is None:
        from mlcicd.iac.stack import MlCiCdStack

        make = MlCiCdStack
    # No BootstrapVersion parameter and rule: the template is what the course reads and lints.
    synthesizer = cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False)
    with construct_errors():
        return make(app, STACK_ID, synthesizer=synthesizer, **options)


def template_of(stack: Any) -> Any:
    """The stack's ``aws_cdk.assertions.Template`` (synthesizes the app).

    Raises:
        IacError: The stack does not synthesize (a validation error).
    """
    from aws_cdk.assertions import Template

    with construct_errors():
        return Template.from_stack(stack)


def synthesize(make: Callable[..., Any] | None = None, **options: Any) -> dict[str, Any]:
    """The course's stack (or what ``make`` builds) as a CloudFormation template.

    Args:
        make: See :func:`new_stack`.
        **options: Passed to the stack, e.g. ``project_prefix="churn"``.

    Returns:
        The template: ``{"Resources": ..., ...}``, plain JSON data.

    Raises:
        NodeMissingError: Node.js or the ``iac`` extra is missing.
        IacError: The stack does not synthesize.
    """
    return template_of(new_stack(new_app(), make, **options)).to_json()


def write_template(template: dict[str, Any], path: Path) -> Path:
    """Write ``template`` as indented JSON to ``path``, whole or not at all.

    The text goes to a temporary file beside ``path`` first, then replaces it:
    an interrupted write leaves the old template, never half a new one.

    Raises:
        IacError: The folder cannot be created or written.
    """
    text = json.dumps(template, indent=1) + "\n"
    partial: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as handle:
            partial = Path(handle.name)
            handle.write(text)
        os.replace(partial, path)
    except OSError as error:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise IacError(f"cannot write {path}: {error.strerror or error}") from None
    return path


@contextmanager
def construct_errors() -> Iterator[None]:
    """Turn jsii's ``RuntimeError`` from a construct into an :class:`IacError`.

    jsii's message is JavaScript's, sometimes followed by its stack trace; the
    error keeps the message, on one line, and the construct path it names.
    """
    try:
        yield
    except RuntimeError as error:
        raise _iac_error(str(error)) from None


def _iac_error(text: str) -> IacError:
    # JavaScript's message may span lines ("Validation failed with the following
    # errors:" then one line per construct); its stack trace ("at new Bucket
    # (...)") starts where the message ends.
    lines = []
    for line in (line.strip() for line in text.strip().splitlines()):
        if line.startswith("at "):
            break
        if line:
            lines.append(line)
    # jsii prefixes JavaScript's error type ("Error: ...", "ValidationError: ...").
    message = re.sub(r"^(?:\w*Error: )+", "", " ".join(lines[:MESSAGE_LINES]))
    path = _CONSTRUCT_PATH.search(message)
    return IacError(
        f"the stack does not synthesize: {message or 'no message from the CDK'}",
        construct=path.group(1) if path else None,
    )
