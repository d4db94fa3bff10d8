"""The rules CodePipeline applies to stages and actions beyond the API's shapes.

Each check is a small pure function: it takes a :class:`Subject` (the
declaration as a :class:`~mlcicd.pipeline.model.Pipeline`, and what the walk of
the raw declaration against the service model found) and yields
:class:`~mlcicd.lint.Hit` s (a JSON path, what, how to fix). Each is registered
in :data:`~mlcicd.pipeline.registry.RULES` by the decorator above it, with its
stable code, severity and the AWS page it rests on; the shape rules (PL002 to
PL008), which report the walk's findings, are registered from :data:`SHAPE_RULES`.
The per-provider tables (artifact counts, configuration keys) follow the
CodePipeline action structure reference.
The rules on the declaration's top-level members are in
:mod:`mlcicd.pipeline.toplevel`, the course's gates in :mod:`mlcicd.pipeline.gates`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from mlcicd.buildspec.model import Buildspec
from mlcicd.lint import Hit, Rule, Severity, suggest
from mlcicd.pipeline.model import Action, Pipeline
from mlcicd.pipeline.registry import (
    ACTION_REFERENCE,
    CLOUDFORMATION,
    DECLARATION,
    GUIDE,
    INPUT_ARTIFACT,
    QUOTAS,
    RULES,
    STRUCTURE,
)

#: CodePipeline's quota of stages per pipeline.
MAX_STAGES = 50


@dataclass(frozen=True)
class Subject:
    """What the checks look at.

    Attributes:
        pipeline: The declaration as a model (read from the shape-checked data, so
            every list index in it matches the raw declaration's).
        projects: CodeBuild project name to its buildspec, when known.
        shape_hits: Findings of the walk against the service model, by kind; each
            hit's ``where`` is its JSON path.
    """

    pipeline: Pipeline
    projects: Mapping[str, Buildspec] = field(default_factory=dict)
    shape_hits: Mapping[str, tuple[Hit, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderSpec:
    """What one kind of action takes: artifact counts and configuration keys.

    Attributes:
        inputs: Least and most input artifacts.
        outputs: Least and most output artifacts.
        required: Configuration keys the action cannot run without.
        optional: Other configuration keys it accepts.
    """

    inputs: tuple[int, int]
    outputs: tuple[int, int]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


_SOURCE_OUT = ((0, 0), (1, 1))

#: (category, provider) to what the action takes; unlisted providers are not checked.
PROVIDERS: dict[tuple[str, str], ProviderSpec] = {
    ("Source", "S3"): ProviderSpec(
        *_SOURCE_OUT,
        ("S3Bucket", "S3ObjectKey"),
        ("PollForSourceChanges", "AllowOverrideForS3ObjectKey"),
    ),
    ("Source", "CodeCommit"): ProviderSpec(
        *_SOURCE_OUT,
        ("RepositoryName", "BranchName"),
        ("PollForSourceChanges", "OutputArtifactFormat"),
    ),
    ("Source", "CodeStarSourceConnection"): ProviderSpec(
        *_SOURCE_OUT,
        ("ConnectionArn", "FullRepositoryId", "BranchName"),
        ("OutputArtifactFormat", "DetectChanges"),
    ),
    ("Source", "GitHub"): ProviderSpec(
        *_SOURCE_OUT, ("Owner", "Repo", "Branch", "OAuthToken"), ("PollForSourceChanges",)
    ),
    ("Source", "ECR"): ProviderSpec(*_SOURCE_OUT, ("RepositoryName",), ("ImageTag",)),
    ("Build", "CodeBuild"): ProviderSpec(
        (1, 5),
        (0, 5),
        ("ProjectName",),
        ("PrimarySource", "EnvironmentVariables", "BatchEnabled", "CombineArtifacts"),
    ),
    ("Approval", "Manual"): ProviderSpec(
        (0, 0), (0, 0), (), ("NotificationArn", "CustomData", "ExternalEntityLink")
    ),
    ("Invoke", "Lambda"): ProviderSpec((0, 5), (0, 5), ("FunctionName",), ("UserParameters",)),
    ("Deploy", "CloudFormation"): ProviderSpec(
        (0, 10),
        (0, 1),
        ("ActionMode", "StackName"),
        (
            "TemplatePath",
            "Capabilities",
            "ChangeSetName",
            "ParameterOverrides",
            "TemplateConfiguration",
            "RoleArn",
            "OutputFileName",
        ),
    ),
    ("Deploy", "CodeDeploy"): ProviderSpec(
        (1, 1), (0, 0), ("ApplicationName", "DeploymentGroupName")
    ),
    ("Deploy", "ECS"): ProviderSpec(
        (1, 1), (0, 0), ("ClusterName", "ServiceName"), ("FileName", "DeploymentTimeout")
    ),
    ("Deploy", "S3"): ProviderSpec(
        (1, 1),
        (0, 0),
        ("BucketName", "Extract"),
        ("ObjectKey", "KMSEncryptionKeyARN", "CannedACL", "CacheControl"),
    ),
    ("Invoke", "StepFunctions"): ProviderSpec(
        (0, 1), (0, 1), ("StateMachineArn",), ("ExecutionNamePrefix", "InputType", "Input")
    ),
}
# CodeBuild runs as a Test action with the same artifacts and configuration.
PROVIDERS["Test", "CodeBuild"] = PROVIDERS["Build", "CodeBuild"]

#: CloudFormation configuration keys that name a file as ``ArtifactName::path``.
TEMPLATE_FILE_KEYS: tuple[str, ...] = ("TemplatePath", "TemplateConfiguration")

#: CloudFormation action modes that create a stack or change set from a template.
TEMPLATE_MODES = frozenset({"CREATE_UPDATE", "REPLACE_ON_FAILURE", "CHANGE_SET_REPLACE"})


def action_path(stage: int, action: int) -> str:
    """Return the JSON path of an action, e.g. ``stages[2].actions[0]``."""
    return f"stages[{stage}].actions[{action}]"


def _is_source(action: Action) -> bool:
    return action.action_type_id.category == "Source"


def _spec(action: Action) -> ProviderSpec | None:
    type_id = action.action_type_id
    return PROVIDERS.get((type_id.category, type_id.provider))


# ---- structure ---------------------------------------------------------------


@RULES.rule("PL010", "fewer than 2 stages", Severity.ERROR, url=QUOTAS)
def check_min_stages(subject: Subject) -> Iterator[Hit]:
    """A pipeline has at least two stages."""
    if len(subject.pipeline.stages) < 2:
        yield Hit(
            "stages",
            "There should be a minimum of 2 stages in a pipeline",
            "add a stage after the source stage, e.g. Build",
        )


@RULES.rule("PL011", f"more than {MAX_STAGES} stages", Severity.ERROR, url=QUOTAS)
def check_max_stages(subject: Subject) -> Iterator[Hit]:
    """A pipeline has at most :data:`MAX_STAGES` stages (the service quota)."""
    count = len(subject.pipeline.stages)
    if count > MAX_STAGES:
        yield Hit(
            f"stages[{MAX_STAGES}]",
            f"{count} stages: a pipeline has at most {MAX_STAGES}",
            "merge stages, or split the work into several pipelines",
        )


@RULES.rule("PL012", "first stage not all source actions, or none", Severity.ERROR, url=STRUCTURE)
def check_first_stage_sources(subject: Subject) -> Iterator[Hit]:
    """The first stage holds source actions only, and at least one."""
    if not subject.pipeline.stages:
        return
    first = subject.pipeline.stages[0]
    if not any(_is_source(action) for action in first.actions):
        yield Hit(
            "stages[0]",
            f"the first stage {first.name!r} has no source action",
            "start the pipeline with a stage of Source actions (CodeStarSourceConnection, S3, ...)",
        )
    for index, action in enumerate(first.actions):
        # An action with no category is reported by the shape walk already.
        if action.action_type_id.category and not _is_source(action):
            yield Hit(
                f"{action_path(0, index)}.actionTypeId.category",
                f"{action.name!r} is a {action.action_type_id.category} action in the first "
                "stage, which holds source actions only",
                "move it to a later stage",
            )


def _shape_reported(subject: Subject, location: str) -> bool:
    """Whether the walk against the service model already reported ``location``."""
    return any(hit.where == location for hits in subject.shape_hits.values() for hit in hits)


@RULES.rule("PL023", "a stage with no actions", Severity.ERROR, url=QUOTAS)
def check_empty_stages(subject: Subject) -> Iterator[Hit]:
    """Every stage holds at least one action (the quota: 1 to 50 actions per stage)."""
    for index, stage in enumerate(subject.pipeline.stages):
        where = f"stages[{index}].actions"
        # A missing or mistyped list is the walk's finding already (PL003, PL004).
        if not stage.actions and not _shape_reported(subject, where):
            yield Hit(
                where,
                f"stage {stage.name!r} has no actions: a stage holds 1 to 50",
                "add an action to the stage, or remove the stage",
            )


@RULES.rule("PL013", "a source action after the first stage", Severity.ERROR, url=STRUCTURE)
def check_source_outside_first(subject: Subject) -> Iterator[Hit]:
    """Source actions sit in the first stage only."""
    for s, a, stage, action in subject.pipeline.actions():
        if s > 0 and _is_source(action):
            yield Hit(
                f"{action_path(s, a)}.actionTypeId.category",
                f"source action {action.name!r} in stage {stage.name!r}: source actions "
                "belong to the first stage only",
                "move it to the first stage",
            )


@RULES.rule("PL014", "only source actions", Severity.ERROR, url=STRUCTURE)
def check_non_source_action(subject: Subject) -> Iterator[Hit]:
    """A pipeline does something besides fetching sources."""
    actions = [action for *_, action in subject.pipeline.actions()]
    if actions and all(_is_source(action) for action in actions):
        yield Hit(
            "stages",
            "every action is a source action: the pipeline builds, tests and deploys nothing",
            "add a stage with a Build, Test or Deploy action",
        )


@RULES.rule(
    "PL015", "two stages with one name", Severity.ERROR, url=f"{GUIDE}/stage-requirements.html"
)
def check_unique_stage_names(subject: Subject) -> Iterator[Hit]:
    """Stage names are unique in a pipeline."""
    seen: dict[str, int] = {}
    for index, stage in enumerate(subject.pipeline.stages):
        if stage.name and stage.name in seen:
            yield Hit(
                f"stages[{index}].name",
                f"stage name {stage.name!r} is already used by stages[{seen[stage.name]}]",
                "give every stage its own name",
            )
        seen.setdefault(stage.name, index)


@RULES.rule(
    "PL016",
    "two actions with one name in a stage",
    Severity.ERROR,
    url=f"{GUIDE}/action-requirements.html",
)
def check_unique_action_names(subject: Subject) -> Iterator[Hit]:
    """Action names are unique within their stage."""
    for s, stage in enumerate(subject.pipeline.stages):
        seen: dict[str, int] = {}
        for a, action in enumerate(stage.actions):
            if action.name and action.name in seen:
                yield Hit(
                    f"{action_path(s, a)}.name",
                    f"action name {action.name!r} is already used by "
                    f"{action_path(s, seen[action.name])} in stage {stage.name!r}",
                    "give every action of a stage its own name",
                )
            seen.setdefault(action.name, a)


# ---- artifacts -----------------------------------------------------------------


def _producers(pipeline: Pipeline) -> dict[str, tuple[int, int, Action]]:
    """Output artifact name to the (stage, action index, action) that first produces it."""
    producers: dict[str, tuple[int, int, Action]] = {}
    for s, a, _, action in pipeline.actions():
        for name in action.output_artifacts:
            producers.setdefault(name, (s, a, action))
    return producers


def _reaches(pipeline: Pipeline, start: Action, goal: Action) -> bool:
    """Whether ``goal``'s outputs feed ``start``, directly or through other actions."""
    producers = _producers(pipeline)
    todo, seen = [start], set()
    while todo:
        action = todo.pop()
        for name in action.input_artifacts:
            producer = producers.get(name)
            if producer is None or id(producer[2]) in seen:
                continue
            if producer[2] is goal:
                return True
            seen.add(id(producer[2]))
            todo.append(producer[2])
    return False


@RULES.rule("PL017", "an input artifact no action produces", Severity.ERROR, url=INPUT_ARTIFACT)
def check_inputs_produced(subject: Subject) -> Iterator[Hit]:
    """Every input artifact is the output of some action."""
    producers = _producers(subject.pipeline)
    for s, a, _, action in subject.pipeline.actions():
        for i, name in enumerate(action.input_artifacts):
            if name and name not in producers:
                known = ", ".join(sorted(producers)) or "none"
                yield Hit(
                    f"{action_path(s, a)}.inputArtifacts[{i}].name",
                    f"{action.name!r} reads artifact {name!r}, which no action produces",
                    suggest(name, producers) or f"name an output artifact (declared: {known})",
                )


@RULES.rule(
    "PL018",
    "an input artifact produced later, or by a cycle",
    Severity.ERROR,
    url=INPUT_ARTIFACT,
)
def check_inputs_ordered(subject: Subject) -> Iterator[Hit]:
    """Every input artifact is produced before the action runs, never by a cycle."""
    pipeline = subject.pipeline
    producers = _producers(pipeline)
    for s, a, _, action in pipeline.actions():
        for i, name in enumerate(action.input_artifacts):
            if name not in producers:
                continue
            ps, _, producer = producers[name]
            if ps < s or (ps == s and producer.run_order < action.run_order):
                continue
            where = f"{action_path(s, a)}.inputArtifacts[{i}].name"
            if producer is action or _reaches(pipeline, producer, action):
                yield Hit(
                    where,
                    f"artifact cycle: {action.name!r} reads {name!r}, which is made from "
                    f"{action.name!r}'s own output",
                    "break the cycle: an action cannot depend on its own output",
                )
            elif ps == s:
                yield Hit(
                    where,
                    f"{action.name!r} (runOrder {action.run_order}) reads {name!r}, made by "
                    f"{producer.name!r} (runOrder {producer.run_order}) in the same stage, "
                    "which does not run before it",
                    f"give {action.name!r} a runOrder above {producer.run_order}",
                )
            else:
                yield Hit(
                    where,
                    f"{action.name!r} in stages[{s}] reads {name!r}, made later by "
                    f"{producer.name!r} in stages[{ps}]",
                    "move the producing action to an earlier stage",
                )


@RULES.rule(
    "PL019",
    "two output artifacts with one name",
    Severity.ERROR,
    url="https://docs.aws.amazon.com/goto/WebAPI/codepipeline-2015-07-09/OutputArtifact",
)
def check_unique_outputs(subject: Subject) -> Iterator[Hit]:
    """Output artifact names are unique across the pipeline."""
    producers = _producers(subject.pipeline)
    for s, a, _, action in subject.pipeline.actions():
        for i, name in enumerate(action.output_artifacts):
            ps, pa, first = producers.get(name, (s, a, action))
            if name and first is not action:
                yield Hit(
                    f"{action_path(s, a)}.outputArtifacts[{i}].name",
                    f"output artifact {name!r} is already produced by {first.name!r} "
                    f"({action_path(ps, pa)})",
                    "give every output artifact its own name",
                )


def _count_hit(kind: str, count: int, limits: tuple[int, int], where: str, action: Action) -> Hit:
    low, high = limits
    wanted = str(low) if low == high else f"{low} to {high}"
    provider = action.action_type_id.provider
    return Hit(
        where,
        f"{action.name!r} ({action.action_type_id.category}/{provider}) has {count} {kind} "
        f"artifact(s); {provider} takes {wanted}",
        f"declare {wanted} {kind} artifact(s)",
    )


@RULES.rule(
    "PL020",
    "too few or too many artifacts for the provider",
    Severity.ERROR,
    url=ACTION_REFERENCE,
)
def check_artifact_counts(subject: Subject) -> Iterator[Hit]:
    """Each known provider takes a fixed range of input and output artifacts."""
    for s, a, _, action in subject.pipeline.actions():
        spec = _spec(action)
        if spec is None:
            continue
        for kind, names, limits in (
            ("input", action.input_artifacts, spec.inputs),
            ("output", action.output_artifacts, spec.outputs),
        ):
            if not limits[0] <= len(names) <= limits[1]:
                where = f"{action_path(s, a)}.{kind}Artifacts"
                yield _count_hit(kind, len(names), limits, where, action)


# ---- configuration -------------------------------------------------------------


@RULES.rule(
    "PL021", "a required configuration key is missing", Severity.ERROR, url=ACTION_REFERENCE
)
def check_required_configuration(subject: Subject) -> Iterator[Hit]:
    """Each known provider's required configuration keys are set."""
    for s, a, _, action in subject.pipeline.actions():
        spec = _spec(action)
        if spec is None:
            continue
        required = list(spec.required)
        mode = action.configuration.get("ActionMode")
        if action.action_type_id.provider == "CloudFormation" and mode in TEMPLATE_MODES:
            required.append("TemplatePath")
        for key in required:
            if key not in action.configuration:
                yield Hit(
                    f"{action_path(s, a)}.configuration.{key}",
                    f"{action.name!r} ({action.action_type_id.provider}) needs "
                    f"configuration key {key}",
                    f"add {key} to the configuration",
                )


@RULES.rule(
    "PL022",
    "a configuration key the provider does not take",
    Severity.ERROR,
    url=ACTION_REFERENCE,
)
def check_unknown_configuration(subject: Subject) -> Iterator[Hit]:
    """Configuration keys a known provider does not take (a typo, mostly)."""
    for s, a, _, action in subject.pipeline.actions():
        spec = _spec(action)
        if spec is None:
            continue
        known = spec.required + spec.optional
        for key in action.configuration:
            if key not in known:
                yield Hit(
                    f"{action_path(s, a)}.configuration.{key}",
                    f"{action.action_type_id.provider} has no configuration key {key!r}",
                    suggest(str(key), known) or f"known keys: {', '.join(known)}",
                )


def _artifact_paths(action: Action) -> Iterator[tuple[str, str]]:
    # Only CloudFormation reads files as "Artifact::path"; a placeholder is deploy-time.
    if action.action_type_id.provider != "CloudFormation":
        return
    for key in TEMPLATE_FILE_KEYS:
        value = action.configuration.get(key)
        if isinstance(value, str) and value and "${" not in value:
            yield key, value


@RULES.rule(
    "PL028",
    "a CloudFormation TemplatePath outside the action's input artifacts",
    Severity.ERROR,
    url=CLOUDFORMATION,
)
def check_template_artifacts(subject: Subject) -> Iterator[Hit]:
    """A CloudFormation action's TemplatePath names one of its input artifacts."""
    for s, a, _, action in subject.pipeline.actions():
        for key, value in _artifact_paths(action):
            artifact, separator, file = value.partition("::")
            where = f"{action_path(s, a)}.configuration.{key}"
            if not separator or not file:
                yield Hit(
                    where,
                    f"{key} {value!r} is not 'ArtifactName::path/in/artifact'",
                    f"write {key} as InputArtifactName::file.yaml",
                )
            elif artifact not in action.input_artifacts:
                inputs = ", ".join(action.input_artifacts) or "none"
                yield Hit(
                    where,
                    f"{key} reads artifact {artifact!r}, which is not an input artifact of "
                    f"{action.name!r} (inputs: {inputs})",
                    suggest(artifact, action.input_artifacts)
                    or f"add {artifact!r} to the action's inputArtifacts",
                )


def shape_check(kind: str) -> Callable[[Subject], Iterator[Hit]]:
    """Return the check that reports the shape walk's findings of one ``kind``."""

    def check(subject: Subject) -> Iterator[Hit]:
        yield from subject.shape_hits.get(kind, ())

    check.__doc__ = f"The declaration's {kind} problems against the service model."
    return check


#: The shape rules: code, summary and the kind of the walk's findings each reports.
SHAPE_RULES: tuple[tuple[str, str, str], ...] = (
    ("PL002", "a member the API does not know", "unknown"),
    ("PL003", "a value of the wrong JSON type", "type"),
    ("PL004", "a required member is missing", "required"),
    ("PL005", "a string, list or map too short or too long", "length"),
    ("PL006", "a number out of range (runOrder 1-999, ...)", "range"),
    ("PL007", "not one of the allowed values (category, owner, ...)", "enum"),
    ("PL008", "a name that does not match the API's pattern", "pattern"),
)
for _code, _summary, _kind in SHAPE_RULES:
    RULES.add(Rule(_code, _summary, Severity.ERROR, DECLARATION, shape_check(_kind)))
