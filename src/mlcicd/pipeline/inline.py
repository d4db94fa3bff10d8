"""Find the buildspecs a CloudFormation template writes inline, and lint them.

A pipeline's CodeBuild actions run projects whose buildspec often lives in the
same template, as the ``Source.BuildSpec`` property of an
``AWS::CodeBuild::Project`` (the CDK's ``BuildSpec.fromObject`` writes one
too). That property is either the buildspec itself or the path of a buildspec
file (in the source, or in S3); only the first can be linted here, and it is
linted by the buildspec linter's public function,
:func:`mlcicd.buildspec.lint.lint_text`, so ``mlcicd pipeline validate``
reports exactly what ``mlcicd buildspec lint`` would.

https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec-ref-name-storage
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlcicd.buildspec.lint import lint_text
from mlcicd.lint import Finding
from mlcicd.pipeline.cfn import is_intrinsic, placeholder

#: The resource type whose buildspecs are linted.
PROJECT_TYPE = "AWS::CodeBuild::Project"


@dataclass(frozen=True)
class InlineBuildspec:
    """One buildspec written inline in a template.

    Attributes:
        location: Its path in the template, e.g. ``TestProject.Properties.Source.BuildSpec``.
        text: The buildspec (of an ``Fn::Sub``, its template string, ``${...}`` kept).
    """

    location: str
    text: str


def _text(value: Any) -> str | None:
    """The buildspec text of a ``BuildSpec`` value, or None when it cannot be known."""
    if isinstance(value, str):
        return value
    # Fn::Sub and Fn::Join only fill names into text that is already there;
    # anything else (Ref, ImportValue, ...) is not known before deploying.
    if is_intrinsic(value) and ("Fn::Sub" in value or "Fn::Join" in value):
        return placeholder(value)
    return None


def is_inline(text: str) -> bool:
    """Whether a ``BuildSpec`` value is a buildspec rather than a file path or S3 ARN.

    A path (``ci/buildspec.yml``) or an ARN (``arn:aws:s3:::bucket/spec.yml``)
    has no line break and no ``key: value`` pair; a buildspec, even on one line
    or as JSON, has one.
    """
    stripped = text.strip()
    return "\n" in stripped or ": " in stripped or stripped.startswith("{")


def inline_buildspecs(template: Any) -> Iterator[InlineBuildspec]:
    """Every inline buildspec of a template's CodeBuild projects, in the template's order."""
    resources = template.get("Resources") if isinstance(template, Mapping) else None
    if not isinstance(resources, Mapping):
        return
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping) or resource.get("Type") != PROJECT_TYPE:
            continue
        properties = resource.get("Properties")
        source = properties.get("Source") if isinstance(properties, Mapping) else None
        if not isinstance(source, Mapping):
            continue
        text = _text(source.get("BuildSpec"))
        if text is not None and is_inline(text):
            yield InlineBuildspec(f"{logical_id}.Properties.Source.BuildSpec", text)


def lint_inline(template: Any) -> list[tuple[InlineBuildspec, Finding]]:
    """Lint every inline buildspec of a template.

    Returns:
        (buildspec, finding) pairs, buildspecs in the template's order and
        each one's findings as the buildspec linter sorts them (core
        :class:`~mlcicd.lint.Finding` s, at the buildspec's line in ``line``
        and its path in the template in ``path``).
    """
    return [
        (spec, finding)
        for spec in inline_buildspecs(template)
        for finding in lint_text(spec.text, path=spec.location)
    ]
