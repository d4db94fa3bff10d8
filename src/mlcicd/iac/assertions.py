"""CDK assertions that fail like pytest assertions.

``aws_cdk.assertions.Template`` runs in Node.js; when an expectation does not
hold, jsii raises a ``RuntimeError`` whose text starts ``AssertionError:``.
pytest then reports an *error in the test code*, not a failed assertion.
:func:`cdk_assertion` and :class:`TemplateAssertions` turn those into
:class:`AssertionError` with the same message, so a red test reads
"AssertionError: Expected 5 resources of type AWS::CodeBuild::Project but found 4".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_PREFIX = re.compile(r"^(?:Error: )?AssertionError: ?")


@contextmanager
def cdk_assertion() -> Iterator[None]:
    """Raise jsii's failed CDK assertion as an :class:`AssertionError`.

    Example:
        >>> with cdk_assertion():  # doctest: +SKIP
        ...     template.resource_count_is("AWS::S3::Bucket", 1)
    """
    try:
        yield
    except RuntimeError as error:
        text = str(error)
        if not _PREFIX.match(text):
            raise
        raise AssertionError(_PREFIX.sub("", text, count=1)) from None


class TemplateAssertions:
    """An ``aws_cdk.assertions.Template`` whose failed expectations raise ``AssertionError``.

    Every method of the template is available (``has_resource_properties``,
    ``resource_count_is``, ``find_resources``, ``to_json``, ...) with the same
    arguments.

    Args:
        template: The template to wrap.
    """

    def __init__(self, template: Any) -> None:
        self.template = template

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self.template, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            with cdk_assertion():
                return method(*args, **kwargs)

        return call
