"""Read the pipelines declared in a CloudFormation template (YAML, JSON, CDK synth output).

An ``AWS::CodePipeline::Pipeline`` resource holds the same declaration as the
CodePipeline API, with PascalCase names (``RoleArn``, ``ActionTypeId``,
``InputArtifacts``) and with CloudFormation intrinsic functions wherever a value
is only known at deploy time. :func:`pipelines_from_template` converts each such
resource to the API's shape and reads it with
:func:`~mlcicd.pipeline.model.from_dict`, so a template can be validated, simulated
and drawn like a ``get-pipeline`` declaration.

The text is read by :func:`mlcicd.pipeline.template.load_template` (short forms
in long form, reading bounded). An intrinsic that cannot be resolved without
deploying becomes a readable placeholder (:func:`placeholder`), such as
``${Ref:ArtifactBucket}`` or ``${GetAtt:PipelineRole.Arn}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.model import Pipeline, from_dict, to_dict

# The loader moved to its own module; its names stay importable from here, as before.
from mlcicd.pipeline.template import FN_TAGS as FN_TAGS
from mlcicd.pipeline.template import MAX_BYTES as MAX_BYTES
from mlcicd.pipeline.template import MAX_NODES as MAX_NODES
from mlcicd.pipeline.template import load_template

#: The resource type read.
PIPELINE_TYPE = "AWS::CodePipeline::Pipeline"

_NO_VALUE = {"Ref": "AWS::NoValue"}


def is_intrinsic(value: Any) -> bool:
    """Whether ``value`` is a long-form intrinsic function such as ``{"Fn::Sub": ...}``."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    (key,) = value
    return key in ("Ref", "Condition") or (isinstance(key, str) and key.startswith("Fn::"))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        # CloudFormation passes YAML/JSON booleans to CodePipeline as lower case.
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def _joined(values: Any) -> str:
    if isinstance(values, list):
        return ",".join(placeholder(item) for item in values)
    return placeholder(values)


def _intrinsic_placeholder(key: str, arg: Any) -> str:
    name = key.removeprefix("Fn::")
    if key == "Fn::GetAtt" and isinstance(arg, list):
        return "${GetAtt:" + ".".join(placeholder(part) for part in arg) + "}"
    if key == "Fn::Sub":
        # The template string reads best as it is: "${AWS::StackName}-artifacts".
        template = arg[0] if isinstance(arg, list) and arg else arg
        return placeholder(template)
    if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
        return placeholder(arg[0]).join(placeholder(item) for item in arg[1])
    if key == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
        index, items = arg
        if isinstance(items, list) and str(index).isdecimal() and int(index) < len(items):
            return placeholder(items[int(index)])
    if key == "Fn::FindInMap" and isinstance(arg, list):
        return "${FindInMap:" + ".".join(placeholder(part) for part in arg) + "}"
    if key == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
        condition, then, otherwise = (placeholder(part) for part in arg)
        return "${If:" + f"{condition}?{then}|{otherwise}" + "}"
    return "${" + f"{name}:{_joined(arg)}" + "}"


def _resolved(value: Any) -> Any:
    """``value`` with every intrinsic inside replaced by its placeholder."""
    if is_intrinsic(value):
        return placeholder(value)
    if isinstance(value, Mapping):
        return {str(key): _resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_resolved(item) for item in value]
    return value


def placeholder(value: Any) -> str:
    """Render a template value as a string, intrinsics as readable placeholders.

    ``{"Ref": "Bucket"}`` is ``${Ref:Bucket}``, ``{"Fn::GetAtt": ["Role", "Arn"]}``
    is ``${GetAtt:Role.Arn}``, ``{"Fn::Sub": "${Env}-x"}`` is its template string
    ``${Env}-x``, ``Fn::Join`` joins its parts, ``Fn::Select`` of a literal list
    picks the item, and any other function ``Fn::X`` is ``${X:args}``. Booleans
    are ``true``/``false``, as CloudFormation passes them; other mappings and
    lists become JSON.

    Args:
        value: A scalar, an intrinsic, or a structure containing intrinsics.

    Returns:
        The string.
    """
    if is_intrinsic(value):
        ((key, arg),) = value.items()
        if key in ("Ref", "Condition"):
            return "${" + f"{key}:{placeholder(arg)}" + "}"
        return _intrinsic_placeholder(key, arg)
    if isinstance(value, Mapping | list):
        return json.dumps(_resolved(value), separators=(",", ":"), default=str)
    return _scalar(value)


def _present(items: Any) -> list[Any]:
    """The items of a template list, with ``!If`` branches and ``AWS::NoValue`` settled.

    A conditional item shows its "true" branch: the pipeline as declared when
    the condition holds, which is the one a reader expects to see drawn.
    """
    out = []
    for item in items if isinstance(items, list) else ():
        if is_intrinsic(item) and "Fn::If" in item:
            branches = item["Fn::If"]
            item = branches[1] if isinstance(branches, list) and len(branches) == 3 else None
        if isinstance(item, Mapping) and item != _NO_VALUE:
            out.append(item)
    return out


def _artifacts(items: Any) -> list[dict[str, str]]:
    return [{"name": placeholder(item.get("Name"))} for item in _present(items)]


def _integer(value: Any) -> Any:
    """A template's integer property: CloudFormation converts a string of digits ("2").

    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/continuous-delivery-codepipeline-basic-walkthrough.html
    writes ``RunOrder: '1'``; anything else is left for the validator to judge.
    """
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdecimal():
        return int(value)
    return value


def _action(data: Mapping[str, Any]) -> dict[str, Any]:
    type_id = data.get("ActionTypeId") if isinstance(data.get("ActionTypeId"), Mapping) else {}
    configuration = data.get("Configuration")
    out: dict[str, Any] = {
        "name": placeholder(data.get("Name")),
        "actionTypeId": {
            key.lower(): placeholder(type_id.get(key))
            for key in ("Category", "Owner", "Provider", "Version")
            if key in type_id
        },
        "configuration": {
            str(key): placeholder(value)
            for key, value in (configuration.items() if isinstance(configuration, Mapping) else ())
            if value != _NO_VALUE
        },
        "inputArtifacts": _artifacts(data.get("InputArtifacts")),
        "outputArtifacts": _artifacts(data.get("OutputArtifacts")),
    }
    if "RunOrder" in data:
        out["runOrder"] = _integer(data["RunOrder"])
    for source, target in (
        ("Namespace", "namespace"),
        ("Region", "region"),
        ("RoleArn", "roleArn"),
    ):
        if source in data and data[source] != _NO_VALUE:
            out[target] = placeholder(data[source])
    return out


def _store(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, Mapping):
        return None
    out = {
        "type": placeholder(data.get("Type", "S3")),
        "location": placeholder(data.get("Location")),
    }
    key = data.get("EncryptionKey")
    if isinstance(key, Mapping):
        out["encryptionKey"] = {
            "id": placeholder(key.get("Id")),
            "type": placeholder(key.get("Type")),
        }
    return out


def _camel(value: Any) -> Any:
    """PascalCase keys to the API's camelCase, all the way down (``Triggers``)."""
    if is_intrinsic(value):
        return placeholder(value)
    if isinstance(value, Mapping):
        return {str(key)[:1].lower() + str(key)[1:]: _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


def declaration(logical_id: str, properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """Convert one resource's ``Properties`` to the API's declaration JSON.

    CloudFormation-only properties (``RestartExecutionOnUpdate``,
    ``DisableInboundStageTransitions``, ``Tags``) are dropped: they are not
    part of ``create-pipeline``'s declaration, which must stay valid.

    Args:
        logical_id: The resource's logical id, the name when ``Name`` is missing.
        properties: The resource's ``Properties``; anything but a mapping
            (missing, or a broken template) is read as no properties.

    Returns:
        The declaration, as :func:`~mlcicd.pipeline.model.to_dict` writes it.
    """
    if not isinstance(properties, Mapping):
        properties = {}
    name = properties.get("Name")
    decl: dict[str, Any] = {
        "name": logical_id if name is None else placeholder(name),
        "roleArn": placeholder(properties.get("RoleArn")),
        "stages": [
            {
                "name": placeholder(stage.get("Name")),
                "actions": [_action(action) for action in _present(stage.get("Actions"))],
            }
            for stage in _present(properties.get("Stages"))
        ],
    }
    store = _store(properties.get("ArtifactStore"))
    if store is not None:
        decl["artifactStore"] = store
    stores = {
        placeholder(item.get("Region")): _store(item.get("ArtifactStore"))
        for item in _present(properties.get("ArtifactStores"))
    }
    if stores:
        decl["artifactStores"] = stores
    for source, target in (("PipelineType", "pipelineType"), ("ExecutionMode", "executionMode")):
        if source in properties:
            decl[target] = placeholder(properties[source])
    variables = _present(properties.get("Variables"))
    if variables:
        decl["variables"] = _camel(variables)
    triggers = _present(properties.get("Triggers"))
    if triggers:
        decl["triggers"] = _camel(triggers)
    return decl


def _pascal(value: Any) -> Any:
    """The API's camelCase keys to PascalCase, all the way down (the inverse of ``_camel``)."""
    if isinstance(value, Mapping):
        return {str(key)[:1].upper() + str(key)[1:]: _pascal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_pascal(item) for item in value]
    return value


def _action_properties(action: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Name": action["name"],
        "ActionTypeId": _pascal(action["actionTypeId"]),
        "RunOrder": action["runOrder"],
    }
    if action["configuration"]:
        # Configuration keys are the provider's own (ProjectName, ActionMode): kept as they are.
        out["Configuration"] = dict(action["configuration"])
    for source, target in (
        ("inputArtifacts", "InputArtifacts"),
        ("outputArtifacts", "OutputArtifacts"),
    ):
        if action[source]:
            out[target] = [{"Name": item["name"]} for item in action[source]]
    for source, target in (
        ("namespace", "Namespace"),
        ("region", "Region"),
        ("roleArn", "RoleArn"),
    ):
        if source in action:
            out[target] = action[source]
    return out


def pipeline_properties(pipeline: Pipeline) -> dict[str, Any]:
    """The ``Properties`` of an ``AWS::CodePipeline::Pipeline`` declaring ``pipeline``.

    The inverse of :func:`declaration`: reading the result back gives the same
    declaration, so a pipeline designed and validated with this package can be
    deployed by CloudFormation or the CDK (``mlcicd.iac``) unchanged. Values may
    be CDK tokens; they are copied, not interpreted.

    Args:
        pipeline: The declaration; not modified.

    Returns:
        PascalCase properties, in the order CloudFormation documents them.
    """
    decl = to_dict(pipeline)
    out: dict[str, Any] = {"Name": decl["name"], "RoleArn": decl["roleArn"]}
    if "artifactStore" in decl:
        out["ArtifactStore"] = _pascal(decl["artifactStore"])
    if "artifactStores" in decl:
        out["ArtifactStores"] = [
            {"Region": region, "ArtifactStore": _pascal(store)}
            for region, store in decl["artifactStores"].items()
        ]
    out["Stages"] = [
        {"Name": stage["name"], "Actions": [_action_properties(a) for a in stage["actions"]]}
        for stage in decl["stages"]
    ]
    for source, target in (
        ("pipelineType", "PipelineType"),
        ("executionMode", "ExecutionMode"),
        ("variables", "Variables"),
        ("triggers", "Triggers"),
    ):
        if source in decl:
            out[target] = _pascal(decl[source])
    return out


def pipelines_from_data(data: Any, *, path: str = "<template>") -> dict[str, Pipeline]:
    """The pipelines of an already parsed template, by logical id.

    Raises:
        PipelineError: The data is not a template, or has no pipeline resource.
    """
    resources = data.get("Resources") if isinstance(data, Mapping) else None
    if not isinstance(resources, Mapping):
        raise PipelineError("not a CloudFormation template: no Resources mapping", path=path)
    pipelines = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, Mapping) and resource.get("Type") == PIPELINE_TYPE:
            decl = declaration(str(logical_id), resource.get("Properties"))
            pipelines[str(logical_id)] = from_dict(decl)
    if not pipelines:
        raise PipelineError(f"no {PIPELINE_TYPE} resource in the template", path=path)
    return pipelines


def pipelines_from_template(text: str | bytes, *, path: str = "<template>") -> dict[str, Pipeline]:
    """Read every ``AWS::CodePipeline::Pipeline`` of a template.

    Args:
        text: The template, YAML (short-form tags allowed) or JSON.
        path: Shown in error messages.

    Returns:
        Logical id to pipeline, in the template's order.

    Raises:
        PipelineError: The text is not YAML or JSON, is too large, is not a
            template, or declares no pipeline.
    """
    return pipelines_from_data(load_template(text, path=path), path=path)
