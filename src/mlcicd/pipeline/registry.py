"""The pipeline validator's rule registry, and the AWS pages its rules rest on.

The checks register themselves here, each with a decorator next to its
definition (:mod:`mlcicd.pipeline.rules`, :mod:`mlcicd.pipeline.toplevel`,
:mod:`mlcicd.pipeline.gates`); this module imports none of them, so each can
import it without a cycle. Importing :mod:`mlcicd.pipeline.validate` imports
every check, so :data:`RULES` is complete wherever it is used.
"""

from __future__ import annotations

from mlcicd.lint import Registry

__all__ = [
    "ACTION_REFERENCE",
    "API",
    "CLOUDFORMATION",
    "DECLARATION",
    "GUIDE",
    "INPUT_ARTIFACT",
    "QUOTAS",
    "RULES",
    "STRUCTURE",
]

#: Every rule of ``mlcicd pipeline validate``, in id order.
RULES = Registry("pipeline")

API = "https://docs.aws.amazon.com/codepipeline/latest/APIReference"
GUIDE = "https://docs.aws.amazon.com/codepipeline/latest/userguide"
#: The ``PipelineDeclaration`` API shape: members, types, lengths, patterns, stores.
DECLARATION = f"{API}/API_PipelineDeclaration.html"
#: CodePipeline's quotas: stages per pipeline, actions per stage.
QUOTAS = f"{GUIDE}/limits.html"
#: The pipeline structure reference: where source actions go.
STRUCTURE = f"{GUIDE}/reference-pipeline-structure.html"
#: The action structure reference: artifact counts and configuration keys per provider.
ACTION_REFERENCE = f"{GUIDE}/action-reference.html"
#: The CloudFormation deploy action: action modes and TemplatePath.
CLOUDFORMATION = f"{GUIDE}/action-reference-CloudFormation.html"
#: An action's input artifacts must be outputs of earlier actions.
INPUT_ARTIFACT = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/"
    "aws-properties-codepipeline-pipeline-inputartifact.html"
)
