"""Rules on a declaration's top-level members: artifact stores, pipeline type, triggers.

botocore's service model gives each of these members a shape, but not the
rules between them, which CodePipeline enforces when it creates the pipeline:

* ``artifactStore`` or ``artifactStores``, never both; a pipeline with
  cross-region actions uses ``artifactStores``, with a store for every region
  an action runs in (API ``PipelineDeclaration``).
* ``triggers`` belong to V2 pipelines, and each names a source action of the
  ``CodeStarSourceConnection`` type, one trigger per source action (API
  ``PipelineTriggerDeclaration`` and ``GitConfiguration``).

Values read from a CloudFormation template may be placeholders (``${...}``)
known only at deploy time; they are never judged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from mlcicd.lint import Hit, Severity, suggest
from mlcicd.pipeline.registry import API, DECLARATION, GUIDE, RULES
from mlcicd.pipeline.rules import Subject, action_path

#: The only source provider a trigger can watch.
TRIGGER_PROVIDER = "CodeStarSourceConnection"


def _known(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "${" not in value


@RULES.rule(
    "PL024", "artifactStore and artifactStores given together", Severity.ERROR, url=DECLARATION
)
def check_one_artifact_store(subject: Subject) -> Iterator[Hit]:
    """``artifactStore`` and ``artifactStores`` are never given together."""
    pipeline = subject.pipeline
    if pipeline.artifact_store is not None and pipeline.artifact_stores is not None:
        yield Hit(
            "artifactStores",
            "artifactStore and artifactStores are both given: a pipeline has one or the other",
            "keep artifactStores (a store per region) for cross-region actions, "
            "else keep artifactStore only",
        )


def _regions(subject: Subject) -> Iterator[tuple[str, str, str]]:
    """(path, action name, region) of every action that names a known region."""
    for s, a, _, action in subject.pipeline.actions():
        if _known(action.region):
            yield f"{action_path(s, a)}.region", action.name, str(action.region)


@RULES.rule("PL025", "an action region with no artifact store", Severity.ERROR, url=DECLARATION)
def check_region_stores(subject: Subject) -> Iterator[Hit]:
    """Every region an action runs in has an artifact store."""
    stores = subject.pipeline.artifact_stores
    if isinstance(stores, Mapping):
        if not all(_known(key) for key in stores):
            return
        for where, name, region in _regions(subject):
            if region not in stores:
                yield Hit(
                    where,
                    f"{name!r} runs in {region}, which has no entry in artifactStores "
                    f"(regions: {', '.join(sorted(stores)) or 'none'})",
                    f"add an artifact store for {region} to artifactStores",
                )
        return
    if subject.pipeline.artifact_store is None:
        return
    # get-pipeline writes the pipeline's own region on every action, so one region
    # with a single store is fine; a second region is a cross-region action.
    first: str | None = None
    for where, name, region in _regions(subject):
        first = first or region
        if region != first:
            yield Hit(
                where,
                f"{name!r} runs in {region}, other actions in {first}: a cross-region "
                "pipeline needs artifactStores, one store per region, not artifactStore",
                "replace artifactStore with artifactStores naming a bucket in each region",
            )


def _triggers(subject: Subject) -> list[tuple[int, Mapping[str, Any]]]:
    triggers = subject.pipeline.extra.get("triggers")
    if not isinstance(triggers, list):
        return []
    return [(i, t) for i, t in enumerate(triggers) if isinstance(t, Mapping)]


@RULES.rule(
    "PL026", "triggers on a V1 pipeline", Severity.ERROR, url=f"{GUIDE}/pipeline-types.html"
)
def check_triggers_need_v2(subject: Subject) -> Iterator[Hit]:
    """Triggers are a V2 pipeline's feature."""
    if subject.pipeline.pipeline_type == "V1" and _triggers(subject):
        yield Hit(
            "triggers",
            "triggers are declared on a V1 pipeline: trigger configuration is a V2 feature",
            "set pipelineType to V2 (V2 pricing applies), or remove triggers",
        )


@RULES.rule(
    "PL027",
    "a trigger on no CodeStarSourceConnection source action, or a second one",
    Severity.ERROR,
    url=f"{API}/API_PipelineTriggerDeclaration.html",
)
def check_trigger_sources(subject: Subject) -> Iterator[Hit]:
    """Each trigger names its own CodeStarSourceConnection source action."""
    sources = {
        action.name: action
        for *_, action in subject.pipeline.actions()
        if action.action_type_id.category == "Source"
    }
    seen: set[str] = set()
    for index, trigger in _triggers(subject):
        git = trigger.get("gitConfiguration")
        name = git.get("sourceActionName") if isinstance(git, Mapping) else None
        if not _known(name):
            continue  # missing: the walk reports it (PL004); a placeholder: unknown
        where = f"triggers[{index}].gitConfiguration.sourceActionName"
        action = sources.get(name)
        if action is None:
            yield Hit(
                where,
                f"trigger names source action {name!r}, which the pipeline does not have",
                suggest(name, sources) or f"name one of: {', '.join(sources) or 'none'}",
            )
        elif action.action_type_id.provider != TRIGGER_PROVIDER:
            yield Hit(
                where,
                f"trigger on {name!r}, a {action.action_type_id.provider} source: triggers "
                f"work only on {TRIGGER_PROVIDER} sources",
                f"use a {TRIGGER_PROVIDER} source (GitHub, GitLab, Bitbucket), or remove "
                "the trigger (CodeCommit and S3 sources start pipelines through EventBridge)",
            )
        elif name in seen:
            yield Hit(
                where,
                f"a second trigger on source action {name!r}: one trigger per source action",
                "merge the filters into the first trigger",
            )
        seen.add(str(name))
