"""Validate CodePipeline declarations: findings with a stable code, a JSON path and a fix.

Two layers. The declaration is first walked against botocore's own service
model of CodePipeline (:mod:`mlcicd.pipeline.shape`), which reports what the
API would reject by its shapes alone. Then the rules CodePipeline applies
beyond the shapes (:mod:`mlcicd.pipeline.rules`, :mod:`mlcicd.pipeline.toplevel`)
and the course's gates (:mod:`mlcicd.pipeline.gates`) run on the model
(:func:`~mlcicd.pipeline.model.from_dict`) of the shape-clean data. In a
template, the inline buildspecs of CodeBuild projects are linted as well
(:mod:`mlcicd.pipeline.inline`).

Every rule is in the one lint core's registry :data:`RULES`
(:mod:`mlcicd.pipeline.registry`), each with the AWS page it rests on; the
findings are :class:`mlcicd.lint.Finding` s placed at their JSON path
(``Where.location``) and, from a file, at the file (``Where.path``).
:func:`validate` never raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mlcicd.buildspec.model import Buildspec
from mlcicd.exceptions import PipelineError
from mlcicd.lint import Finding, Severity, Where
from mlcicd.pipeline import gates, rules, toplevel
from mlcicd.pipeline.model import Pipeline, from_dict, to_dict, unwrap
from mlcicd.pipeline.registry import DECLARATION, RULES
from mlcicd.pipeline.rules import Subject
from mlcicd.pipeline.shape import ROOT, Walk, declaration_shape, json_type

__all__ = [
    "INLINE_BUILDSPEC",
    "NOT_A_MAPPING",
    "ROOT",
    "RULES",
    "Finding",
    "declaration_shape",
    "validate",
    "validate_file",
]

#: The modules whose checks register themselves in RULES: importing this module
#: imports them all, so RULES is complete wherever validation runs or is listed.
CHECK_MODULES = (rules, toplevel, gates)

#: Code of the finding for data that is not a declaration (not a mapping), found
#: before any check runs.
NOT_A_MAPPING = RULES.declare(
    "PL001", "the declaration is not a JSON object", Severity.ERROR, url=DECLARATION
)
#: Code of the findings of an inline buildspec in a template, found by
#: :func:`validate_file`; each keeps the buildspec linter's own severity, and its
#: BS code in the message.
INLINE_BUILDSPEC = RULES.declare(
    "PL040",
    "an inline buildspec that `mlcicd buildspec lint` flags (its severity)",
    Severity.ERROR,
    url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
)


def _sort_key(finding: Finding) -> tuple[Any, ...]:
    # Natural order of paths: stages[2] before stages[10].
    parts = re.split(r"(\d+)", finding.location)
    return tuple((0, int(p)) if p.isdecimal() else (1, p) for p in parts)


def validate(
    data: Mapping[str, Any] | Pipeline | Any,
    projects: Mapping[str, Buildspec] | None = None,
    *,
    template: bool = False,
) -> list[Finding]:
    """Validate a declaration (bare, ``{"pipeline": ...}``, or a model); never raises.

    Args:
        data: The declaration.
        projects: CodeBuild project name to its buildspec, for the test-reports rule.
        template: The declaration comes from a CloudFormation template, so a string
            holding a ``${...}`` placeholder (an intrinsic function) is only known
            at deploy time: its length, enum and pattern are not checked.

    Returns:
        The findings, in declaration order; empty when the declaration is valid.
    """
    if isinstance(data, Pipeline):
        data = to_dict(data)
    if not isinstance(data, Mapping):
        return [
            Finding(
                NOT_A_MAPPING,
                Severity.ERROR,
                f"a pipeline declaration must be a JSON object, not {json_type(data)}",
                'write {"name": ..., "roleArn": ..., "stages": [...]}',
                Where(location=ROOT),
            )
        ]
    raw = unwrap(data)
    walk = Walk(template)
    clean = walk.value(declaration_shape(), raw, ROOT)
    subject = Subject(
        pipeline=from_dict(clean),
        projects=projects if projects is not None else {},
        shape_hits={kind: tuple(hits) for kind, hits in walk.hits.items()},
    )
    findings = [
        Finding(rule.id, rule.severity, hit.message, hit.fix, Where(location=hit.where))
        for rule, hit in RULES.hits(subject)
    ]
    return sorted(findings, key=_sort_key)


def _inline_findings(template: Any, path: str) -> list[Finding]:
    """The buildspec linter's findings on the template's inline buildspecs, as PL040."""
    # Imported here: only templates have inline buildspecs.
    from mlcicd.pipeline.inline import lint_inline

    return [
        Finding(
            INLINE_BUILDSPEC,
            found.severity,
            f"inline buildspec line {found.line}: {found.code} {found.message}",
            found.fix,
            Where(path=path, location=spec.location),
        )
        for spec, found in lint_inline(template)
    ]


def validate_file(
    path: str | Path, projects: Mapping[str, Buildspec] | None = None
) -> list[Finding]:
    """Validate a declaration file, or every pipeline of a CloudFormation template.

    A JSON or YAML document with a top-level ``Resources`` key is read as a
    template: each ``AWS::CodePipeline::Pipeline`` is converted to the API's JSON
    (:func:`~mlcicd.pipeline.cfn.declaration`) and validated with
    ``template=True``; the locations of its findings start with the resource's
    logical id (``Pipeline.stages[1]``). The inline buildspec of each CodeBuild
    project is linted too (:data:`INLINE_BUILDSPEC`), at its path in the template
    (``TestProject.Properties.Source.BuildSpec``). Every finding's ``path`` is
    the file, so that :meth:`~mlcicd.lint.Finding.format` starts with it.

    Raises:
        PipelineError: The file cannot be read, is neither JSON nor YAML, or is a
            template without a pipeline.
    """
    # Imported here: the template reader is only needed for files.
    from mlcicd.pipeline.cfn import PIPELINE_TYPE, declaration, load_template

    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise PipelineError(f"cannot read the file: {error.strerror}", path=str(path)) from None
    try:
        data = load_template(text, path=str(path))
    except PipelineError as error:
        # YAML errors span lines; the command line promises one line.
        raise PipelineError(" ".join(error.message.split()), path=str(path)) from None
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    if resources is None:
        return [finding.placed(path=str(path)) for finding in validate(data, projects)]
    pipelines = {
        str(logical_id): resource.get("Properties")
        for logical_id, resource in (resources.items() if isinstance(resources, Mapping) else ())
        if isinstance(resource, Mapping) and resource.get("Type") == PIPELINE_TYPE
    }
    if not pipelines:
        raise PipelineError(f"no {PIPELINE_TYPE} resource in the template", path=str(path))
    findings = [
        finding.placed(
            path=str(path),
            location=logical_id if finding.location == ROOT else f"{logical_id}.{finding.location}",
        )
        for logical_id, properties in pipelines.items()
        for finding in validate(
            declaration(logical_id, properties if isinstance(properties, Mapping) else {}),
            projects,
            template=True,
        )
    ]
    return findings + _inline_findings(data, str(path))
