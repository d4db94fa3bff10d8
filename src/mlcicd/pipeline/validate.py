"""Validate CodePipeline declarations: findings with a stable code, a JSON path and a fix hint.

Two layers. The declaration is first walked against botocore's own service
model of CodePipeline (:mod:`mlcicd.pipeline.shape`), which reports what the
API would reject by its shapes alone. Then the rules CodePipeline applies
beyond the shapes (:mod:`mlcicd.pipeline.rules`, :mod:`mlcicd.pipeline.toplevel`)
and the course's gates (:mod:`mlcicd.pipeline.gates`) run on the model
(:func:`~mlcicd.pipeline.model.from_dict`) of the shape-clean data. In a
template, the inline buildspecs of CodeBuild projects are linted as well
(:mod:`mlcicd.pipeline.inline`).

:data:`RULES` is the ordered registry, each rule with the AWS page it rests
on; :func:`validate` never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlcicd.buildspec.model import Buildspec
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline import gates, rules, toplevel
from mlcicd.pipeline.model import Pipeline, from_dict, to_dict, unwrap
from mlcicd.pipeline.rules import Hit, Subject
from mlcicd.pipeline.shape import ROOT, Walk, declaration_shape, json_type

__all__ = ["NOT_A_MAPPING", "ROOT", "RULES", "Finding", "Rule", "validate", "validate_file"]


@dataclass(frozen=True)
class Finding:
    """One problem in one pipeline declaration.

    Attributes:
        code: The rule's code, e.g. ``PL010``.
        severity: ``"error"`` (CodePipeline rejects it) or ``"warning"`` (the course's advice).
        location: JSON path in the declaration, e.g. ``stages[2].actions[0]``; ``$`` is the whole.
        message: What is wrong.
        hint: How to fix it.
    """

    code: str
    severity: str
    location: str
    message: str
    hint: str

    def format(self) -> str:
        """Return ``location: CODE message (hint)`` on one line."""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.location}: {self.code} {self.message}{hint}"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as plain data (for JSON)."""
        return asdict(self)


Check = Callable[[Subject], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """A validation rule.

    Attributes:
        code: Stable code, ``PL001`` ...
        severity: ``"error"`` or ``"warning"``.
        summary: One line saying what the rule catches.
        check: The check; None for :data:`NOT_A_MAPPING`, found before any check runs,
            and for :data:`INLINE_BUILDSPEC`, found by :func:`validate_file`.
        url: The AWS documentation the rule rests on; "" for the course's own advice
            that no AWS page states.
    """

    code: str
    severity: str
    summary: str
    check: Check | None = None
    url: str = ""


# ---- the registry ------------------------------------------------------------------

#: Code of the finding for data that is not a declaration (not a mapping).
NOT_A_MAPPING = "PL001"
#: Code of the findings of an inline buildspec in a template; each keeps the
#: buildspec linter's own severity, and its BS code in the message.
INLINE_BUILDSPEC = "PL040"

_API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference"
_GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide"
_DECLARATION = f"{_API}/API_PipelineDeclaration.html"
_QUOTAS = f"{_GUIDE}/limits.html"
_STRUCTURE = f"{_GUIDE}/reference-pipeline-structure.html"
_CLOUDFORMATION = f"{_GUIDE}/action-reference-CloudFormation.html"
_INPUT_ARTIFACT = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-properties-codepipeline-pipeline-inputartifact.html"
)


def _shape(code: str, summary: str, kind: str) -> Rule:
    return Rule(code, "error", summary, rules.shape_check(kind), _DECLARATION)


#: Every rule, in the order their findings are listed for one location.
RULES: tuple[Rule, ...] = (
    Rule(NOT_A_MAPPING, "error", "the declaration is not a JSON object", url=_DECLARATION),
    _shape("PL002", "a member the API does not know", "unknown"),
    _shape("PL003", "a value of the wrong JSON type", "type"),
    _shape("PL004", "a required member is missing", "required"),
    _shape("PL005", "a string, list or map too short or too long", "length"),
    _shape("PL006", "a number out of range (runOrder 1-999, ...)", "range"),
    _shape("PL007", "not one of the allowed values (category, owner, ...)", "enum"),
    _shape("PL008", "a name that does not match the API's pattern", "pattern"),
    Rule("PL010", "error", "fewer than 2 stages", rules.check_min_stages, _QUOTAS),
    Rule("PL011", "error", f"more than {rules.MAX_STAGES} stages", rules.check_max_stages, _QUOTAS),
    Rule(
        "PL012",
        "error",
        "first stage not all source actions, or none",
        rules.check_first_stage_sources,
        _STRUCTURE,
    ),
    Rule(
        "PL013",
        "error",
        "a source action after the first stage",
        rules.check_source_outside_first,
        _STRUCTURE,
    ),
    Rule("PL014", "error", "only source actions", rules.check_non_source_action, _STRUCTURE),
    Rule(
        "PL015",
        "error",
        "two stages with one name",
        rules.check_unique_stage_names,
        f"{_GUIDE}/stage-requirements.html",
    ),
    Rule(
        "PL016",
        "error",
        "two actions with one name in a stage",
        rules.check_unique_action_names,
        f"{_GUIDE}/action-requirements.html",
    ),
    Rule(
        "PL017",
        "error",
        "an input artifact no action produces",
        rules.check_inputs_produced,
        _INPUT_ARTIFACT,
    ),
    Rule(
        "PL018",
        "error",
        "an input artifact produced later, or by a cycle",
        rules.check_inputs_ordered,
        _INPUT_ARTIFACT,
    ),
    Rule(
        "PL019",
        "error",
        "two output artifacts with one name",
        rules.check_unique_outputs,
        "https://docs.aws.amazon.com/goto/WebAPI/codepipeline-2015-07-09/OutputArtifact",
    ),
    Rule(
        "PL020",
        "error",
        "too few or too many artifacts for the provider",
        rules.check_artifact_counts,
        f"{_GUIDE}/action-reference.html",
    ),
    Rule(
        "PL021",
        "error",
        "a required configuration key is missing",
        rules.check_required_configuration,
        f"{_GUIDE}/action-reference.html",
    ),
    Rule(
        "PL022",
        "error",
        "a configuration key the provider does not take",
        rules.check_unknown_configuration,
        f"{_GUIDE}/action-reference.html",
    ),
    Rule("PL023", "error", "a stage with no actions", rules.check_empty_stages, _QUOTAS),
    Rule(
        "PL024",
        "error",
        "artifactStore and artifactStores given together",
        toplevel.check_one_artifact_store,
        _DECLARATION,
    ),
    Rule(
        "PL025",
        "error",
        "an action region with no artifact store",
        toplevel.check_region_stores,
        _DECLARATION,
    ),
    Rule(
        "PL026",
        "error",
        "triggers on a V1 pipeline",
        toplevel.check_triggers_need_v2,
        f"{_GUIDE}/pipeline-types.html",
    ),
    Rule(
        "PL027",
        "error",
        "a trigger on no CodeStarSourceConnection source action, or a second one",
        toplevel.check_trigger_sources,
        f"{_API}/API_PipelineTriggerDeclaration.html",
    ),
    Rule(
        "PL028",
        "error",
        "a CloudFormation TemplatePath outside the action's input artifacts",
        rules.check_template_artifacts,
        _CLOUDFORMATION,
    ),
    Rule(
        "PL030",
        "warning",
        "ungated deployment: no test or approval before it",
        gates.check_ungated_deploy,
        _CLOUDFORMATION,
    ),
    Rule(
        "PL031",
        "warning",
        "a test action whose buildspec has no reports",
        gates.check_test_reports,
        "https://docs.aws.amazon.com/codebuild/latest/userguide/report-create.html",
    ),
    Rule(
        "PL032",
        "warning",
        "production with neither staging nor tests and an approval before it",
        gates.check_prod_after_staging,
        f"{_GUIDE}/concepts-devops-example.html",
    ),
    Rule(
        INLINE_BUILDSPEC,
        "error",
        "an inline buildspec that `mlcicd buildspec lint` flags (its severity)",
        url="https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html",
    ),
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
                "error",
                ROOT,
                f"a pipeline declaration must be a JSON object, not {json_type(data)}",
                'write {"name": ..., "roleArn": ..., "stages": [...]}',
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
        Finding(rule.code, rule.severity, hit.location, hit.message, hit.hint)
        for rule in RULES
        if rule.check is not None
        for hit in rule.check(subject)
    ]
    return sorted(findings, key=_sort_key)


def _inline_findings(template: Any) -> list[Finding]:
    """The buildspec linter's findings on the template's inline buildspecs, as PL040."""
    # Imported here: only templates have inline buildspecs.
    from mlcicd.pipeline.inline import lint_inline

    return [
        Finding(
            INLINE_BUILDSPEC,
            found.severity,
            spec.location,
            f"inline buildspec line {found.line}: {found.code} {found.message}",
            found.hint,
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
    (``TestProject.Properties.Source.BuildSpec``).

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
        return validate(data, projects)
    pipelines = {
        str(logical_id): resource.get("Properties")
        for logical_id, resource in (resources.items() if isinstance(resources, Mapping) else ())
        if isinstance(resource, Mapping) and resource.get("Type") == PIPELINE_TYPE
    }
    if not pipelines:
        raise PipelineError(f"no {PIPELINE_TYPE} resource in the template", path=str(path))
    findings = [
        Finding(
            finding.code,
            finding.severity,
            logical_id if finding.location == ROOT else f"{logical_id}.{finding.location}",
            finding.message,
            finding.hint,
        )
        for logical_id, properties in pipelines.items()
        for finding in validate(
            declaration(logical_id, properties if isinstance(properties, Mapping) else {}),
            projects,
            template=True,
        )
    ]
    return findings + _inline_findings(data)
