"""The course's gates: warnings about how a pipeline reaches production, not AWS rules.

CodePipeline accepts a pipeline that deploys untested code; the course does
not. These checks say where a deployment runs without a gate before it
(PL030), where a test action publishes no reports (PL031) and where production
is reached with neither a staging deployment nor tests and an approval before
it (PL032). They are warnings, so they never stop ``mlcicd pipeline run``.

"Before" follows CodePipeline's order of execution: every action of an earlier
stage, and the actions of the same stage with a lower ``runOrder`` (which run,
and must succeed, before a higher one starts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from mlcicd.lint import Hit, Severity
from mlcicd.pipeline.model import Action, Pipeline
from mlcicd.pipeline.registry import CLOUDFORMATION, GUIDE, RULES
from mlcicd.pipeline.rules import Subject, action_path

#: CloudFormation action modes that change no stack: a change set is only a
#: preview, and a deletion deploys nothing, so neither needs a gate before it.
#: https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-CloudFormation.html
NON_DEPLOYING_MODES = frozenset({"CHANGE_SET_REPLACE", "DELETE_ONLY"})

#: Words of a stage, action or stack name that mean production.
PRODUCTION_WORDS = frozenset({"prod", "production", "prd"})
#: Words that mean an environment before production. "pre-prod" and "non-prod"
#: are among them, although they contain "prod".
PRE_PRODUCTION_WORDS = frozenset(
    {
        "staging",
        "stage",
        "stg",
        "preprod",
        "preproduction",
        "nonprod",
        "nonproduction",
        "qa",
        "uat",
        "test",
        "beta",
        "dev",
        "development",
        "green",
    }
)
#: Prefixes that make "prod" mean its opposite: pre-prod, non-prod.
_NEGATING = ("pre", "non")

# camelCase, PascalCase, ALLCAPS and digits split into words: "DeployPreProd" is
# deploy, pre, prod; "model-prod" is model, prod.
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def words(text: str) -> list[str]:
    """The lower-case words of a name, "pre prod" and "non prod" joined into one word."""
    out: list[str] = []
    for word in (match.lower() for match in _WORD.findall(text)):
        if out and out[-1] in _NEGATING and word in ("prod", "production"):
            out[-1] += word
        else:
            out.append(word)
    return out


def deploys(action: Action) -> bool:
    """Whether the action changes a running environment (a Deploy that is not a preview)."""
    if action.action_type_id.category != "Deploy":
        return False
    mode = action.configuration.get("ActionMode")
    return not (action.action_type_id.provider == "CloudFormation" and mode in NON_DEPLOYING_MODES)


def _gates(action: Action) -> bool:
    return action.action_type_id.category in ("Test", "Approval")


def before(pipeline: Pipeline, stage: int, action: Action) -> list[Action]:
    """The actions that have finished when ``action`` of ``stages[stage]`` starts."""
    earlier = [a for s in pipeline.stages[:stage] for a in s.actions]
    same = [a for a in pipeline.stages[stage].actions if a.run_order < action.run_order]
    return earlier + same


@RULES.rule(
    "PL030",
    "ungated deployment: no test or approval before it",
    Severity.WARNING,
    url=CLOUDFORMATION,
)
def check_ungated_deploy(subject: Subject) -> Iterator[Hit]:
    """A deployment runs only after a Test action or a manual approval."""
    pipeline = subject.pipeline
    for s, a, stage, action in pipeline.actions():
        if deploys(action) and not any(_gates(done) for done in before(pipeline, s, action)):
            yield Hit(
                action_path(s, a),
                f"ungated deployment: {action.name!r} in stage {stage.name!r} deploys "
                "with no Test action or manual approval before it",
                "add a stage with a Test action or a Manual approval before it, or an "
                "approval with a lower runOrder in the same stage",
            )


@RULES.rule(
    "PL031",
    "a test action whose buildspec has no reports",
    Severity.WARNING,
    url="https://docs.aws.amazon.com/codebuild/latest/userguide/report-create.html",
)
def check_test_reports(subject: Subject) -> Iterator[Hit]:
    """A CodeBuild Test action's buildspec publishes test reports."""
    for s, a, _, action in subject.pipeline.actions():
        type_id = action.action_type_id
        project = action.configuration.get("ProjectName")
        if type_id.category != "Test" or type_id.provider != "CodeBuild":
            continue
        spec = subject.projects.get(project) if isinstance(project, str) else None
        if spec is not None and not spec.reports:
            yield Hit(
                f"{action_path(s, a)}.configuration.ProjectName",
                f"test action {action.name!r} runs project {project!r}, whose buildspec "
                "publishes no test reports",
                "add a reports group (e.g. JUNITXML) to the project's buildspec",
            )


def _environment_words(stage_name: str, action: Action) -> set[str]:
    stack = action.configuration.get("StackName")
    names = (stage_name, action.name, stack if isinstance(stack, str) else "")
    return {word for name in names for word in words(name)}


def _is_production(stage_name: str, action: Action) -> bool:
    return bool(_environment_words(stage_name, action) & PRODUCTION_WORDS)


def _is_pre_production(stage_name: str, action: Action) -> bool:
    found = _environment_words(stage_name, action)
    return bool(found & PRE_PRODUCTION_WORDS) and not found & PRODUCTION_WORDS


@RULES.rule(
    "PL032",
    "production with neither staging nor tests and an approval before it",
    Severity.WARNING,
    url=f"{GUIDE}/concepts-devops-example.html",
)
def check_prod_after_staging(subject: Subject) -> Iterator[Hit]:
    """Production follows a staging deployment, or tests and a manual approval."""
    pipeline = subject.pipeline
    stage_of = {id(a): stage.name for stage in pipeline.stages for a in stage.actions}
    for s, a, stage, action in pipeline.actions():
        if not (deploys(action) and _is_production(stage.name, action)):
            continue
        done = before(pipeline, s, action)
        staged = any(deploys(d) and _is_pre_production(stage_of[id(d)], d) for d in done)
        categories = {d.action_type_id.category for d in done}
        if staged or {"Test", "Approval"} <= categories:
            continue
        yield Hit(
            action_path(s, a),
            f"production deployment {action.name!r} with neither a staging deployment nor "
            "a Test action and a manual approval before it",
            "deploy to a staging environment first, or test and approve before production",
        )
