"""Builders for the CodePipeline actions an ML pipeline uses, with the API's configuration keys.

Each function returns an :class:`~mlcicd.pipeline.model.Action` whose
``actionTypeId`` and ``configuration`` are exactly what ``create-pipeline``
expects: the provider names (``S3``, ``CodeCommit``, ``CodeStarSourceConnection``,
``CodeBuild``, ``Manual``, ``Lambda``, ``CloudFormation``) and configuration keys
(``S3Bucket``, ``ProjectName``, ``EnvironmentVariables``, ...) of the CodePipeline
action reference. Every configuration value is a string, as the API requires:
booleans become ``"true"``/``"false"``, and structured values
(``EnvironmentVariables``, ``ParameterOverrides``) become the JSON strings the
providers parse.

The builders check their arguments against the API's own limits (name
patterns, artifact counts, value lengths) and raise
:class:`~mlcicd.exceptions.PipelineError` naming the action and the argument, so a
mistake shows up when the pipeline is declared rather than when AWS refuses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.model import Action, ActionTypeId

#: Action names: the API's pattern ``[A-Za-z0-9.@\-_]+``, 1 to 100 characters.
ACTION_NAME = re.compile(r"[A-Za-z0-9.@\-_]{1,100}")
#: Artifact names: the API's pattern ``[a-zA-Z0-9_\-]+``, 1 to 100 characters.
ARTIFACT_NAME = re.compile(r"[a-zA-Z0-9_\-]{1,100}")
#: Longest configuration value the API accepts.
MAX_CONFIGURATION_VALUE = 1000
#: ``ActionMode`` values of the CloudFormation action that deploy a template.
CLOUDFORMATION_MODES: tuple[str, ...] = ("CREATE_UPDATE", "REPLACE_ON_FAILURE")
#: Values of the CloudFormation action's ``Capabilities``.
CAPABILITIES: tuple[str, ...] = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
#: ``OutputArtifactFormat`` values of the CodeCommit and connection sources.
OUTPUT_FORMATS: tuple[str, ...] = ("CODE_ZIP", "CODEBUILD_CLONE_REF")

_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+")
# A CDK token: a value CloudFormation only knows at deploy time, such as a role's
# ARN (`role.role_arn` renders as "${Token[TOKEN.123]}" until synthesis).
_CDK_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")
_FULL_REPOSITORY_ID = re.compile(r"[^/\s]+/[^/\s]+")


def _fail(action: str, message: str) -> PipelineError:
    return PipelineError(f"action {action!r}: {message}")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not ACTION_NAME.fullmatch(name):
        raise PipelineError(
            f"action name {name!r} is not valid: use 1-100 letters, digits or . @ - _"
        )


def _check_text(action: str, argument: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(action, f"{argument} must be a non-empty string, got {value!r}")
    if len(value) > MAX_CONFIGURATION_VALUE:
        raise _fail(
            action,
            f"{argument} is {len(value)} characters; CodePipeline accepts at most "
            f"{MAX_CONFIGURATION_VALUE} in a configuration value",
        )
    return value


def _check_arn(action: str, argument: str, value: object, service: str) -> str:
    text = _check_text(action, argument, value)
    if _CDK_TOKEN.fullmatch(text):
        return text
    if not _ARN.fullmatch(text) or text.split(":")[2] != service:
        raise _fail(action, f"{argument} must be an ARN of {service}, got {text!r}")
    return text


def _check_artifacts(
    action: str, argument: str, names: Iterable[str], *, least: int, most: int
) -> tuple[str, ...]:
    # A bare string is iterable too: "SourceOutput" would become 12 one-letter artifacts.
    if isinstance(names, str):
        raise _fail(action, f"{argument} must be a sequence of names, e.g. ({names!r},)")
    result = tuple(names)
    for artifact in result:
        if not isinstance(artifact, str) or not ARTIFACT_NAME.fullmatch(artifact):
            raise _fail(
                action,
                f"artifact name {artifact!r} in {argument} is not valid: "
                "use 1-100 letters, digits, - or _",
            )
    if len(set(result)) != len(result):
        raise _fail(action, f"{argument} names an artifact twice: {list(result)}")
    if not least <= len(result) <= most:
        wanted = f"exactly {least}" if least == most else f"{least} to {most}"
        raise _fail(action, f"{argument} must name {wanted} artifacts, got {len(result)}")
    return result


def _check_run_order(action: str, run_order: int) -> int:
    # bool is an int subclass; True as a run order is always a mistake.
    if isinstance(run_order, bool) or not isinstance(run_order, int) or not 1 <= run_order <= 999:
        raise _fail(action, f"run_order must be an integer from 1 to 999, got {run_order!r}")
    return run_order


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _json_value(action: str, argument: str, value: object) -> str:
    return _check_text(action, argument, json.dumps(value, separators=(",", ":")))


def _string_mapping(action: str, argument: str, mapping: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(mapping, Mapping):
        raise _fail(action, f"{argument} must be a mapping of names to strings")
    for key, value in mapping.items():
        if not isinstance(key, str) or not key:
            raise _fail(action, f"{argument} has a name that is not a non-empty string: {key!r}")
        if not isinstance(value, str):
            # Converting silently would turn True into "True", which no tool reads as true.
            raise _fail(action, f"{argument}[{key!r}] must be a string, got {value!r}")
    return dict(mapping)


def _source(name: str, provider: str, configuration: dict[str, str], output: str) -> Action:
    _check_name(name)
    outputs = _check_artifacts(name, "output", (output,), least=1, most=1)
    return Action(
        name=name,
        action_type_id=ActionTypeId(category="Source", owner="AWS", provider=provider),
        configuration=configuration,
        output_artifacts=outputs,
    )


def _output_format(name: str, output_format: str | None, configuration: dict[str, str]) -> None:
    if output_format is None:
        return
    if output_format not in OUTPUT_FORMATS:
        raise _fail(name, f"output_format must be one of {OUTPUT_FORMATS}, got {output_format!r}")
    configuration["OutputArtifactFormat"] = output_format


def s3_source(
    name: str, *, bucket: str, key: str, output: str = "SourceOutput", poll: bool = False
) -> Action:
    """An S3 source action: a zip object in a versioned bucket.

    Args:
        name: The action's name.
        bucket: ``S3Bucket``: the versioned bucket holding the source zip.
        key: ``S3ObjectKey``: the object, e.g. ``source/churn.zip``.
        output: The output artifact's name.
        poll: ``PollForSourceChanges``; False (the recommended setting) expects
            an EventBridge rule to start the pipeline instead.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    configuration = {
        "S3Bucket": _check_text(name, "bucket", bucket),
        "S3ObjectKey": _check_text(name, "key", key),
        "PollForSourceChanges": _flag(poll),
    }
    return _source(name, "S3", configuration, output)


def codecommit_source(
    name: str,
    *,
    repository: str,
    branch: str = "main",
    output: str = "SourceOutput",
    poll: bool | None = None,
    output_format: str | None = None,
) -> Action:
    """A CodeCommit source action.

    Args:
        name: The action's name.
        repository: ``RepositoryName``.
        branch: ``BranchName``.
        output: The output artifact's name.
        poll: ``PollForSourceChanges``, written only when given (the API's
            default is true).
        output_format: ``OutputArtifactFormat``: ``CODE_ZIP`` or
            ``CODEBUILD_CLONE_REF`` (a git clone, for builds that need history).

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    configuration = {
        "RepositoryName": _check_text(name, "repository", repository),
        "BranchName": _check_text(name, "branch", branch),
    }
    if poll is not None:
        configuration["PollForSourceChanges"] = _flag(poll)
    _output_format(name, output_format, configuration)
    return _source(name, "CodeCommit", configuration, output)


def connection_source(
    name: str,
    *,
    connection_arn: str,
    repository_id: str,
    branch: str = "main",
    output: str = "SourceOutput",
    output_format: str | None = None,
) -> Action:
    """A source action through a CodeConnections connection (GitHub, GitLab, Bitbucket).

    Args:
        name: The action's name.
        connection_arn: ``ConnectionArn`` of the connection.
        repository_id: ``FullRepositoryId``: ``owner/repository``.
        branch: ``BranchName``.
        output: The output artifact's name.
        output_format: ``OutputArtifactFormat``: ``CODE_ZIP`` or ``CODEBUILD_CLONE_REF``.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    arn = _check_text(name, "connection_arn", connection_arn)
    # Connections created before the rename still have codestar-connections ARNs.
    if arn.split(":")[2:3] not in (["codestar-connections"], ["codeconnections"]):
        raise _fail(name, f"connection_arn must be a connection ARN, got {arn!r}")
    if not _FULL_REPOSITORY_ID.fullmatch(_check_text(name, "repository_id", repository_id)):
        raise _fail(name, f"repository_id must be 'owner/repository', got {repository_id!r}")
    configuration = {
        "ConnectionArn": arn,
        "FullRepositoryId": repository_id,
        "BranchName": _check_text(name, "branch", branch),
    }
    _output_format(name, output_format, configuration)
    return _source(name, "CodeStarSourceConnection", configuration, output)


def environment_variables_json(action: str, variables: Mapping[str, str]) -> str:
    """Serialise variables the way CodeBuild's ``EnvironmentVariables`` wants them.

    Args:
        action: The action's name, for error messages.
        variables: Name to value; all plain text.

    Returns:
        A JSON list of ``{"name", "value", "type": "PLAINTEXT"}`` objects.

    Raises:
        PipelineError: A name or value is not a string, or the JSON is too long.
    """
    checked = _string_mapping(action, "environment_variables", variables)
    return _json_value(
        action,
        "environment_variables",
        [{"name": key, "value": value, "type": "PLAINTEXT"} for key, value in checked.items()],
    )


def codebuild_action(
    name: str,
    *,
    project: str,
    inputs: Iterable[str],
    outputs: Iterable[str] = (),
    category: str = "Build",
    environment_variables: Mapping[str, str] | None = None,
    primary_source: str | None = None,
    batch: bool = False,
    run_order: int = 1,
) -> Action:
    """A CodeBuild action, in the Build or the Test category.

    Args:
        name: The action's name.
        project: ``ProjectName`` of the CodeBuild project.
        inputs: Input artifacts (1 to 5).
        outputs: Output artifacts (0 to 5).
        category: ``Build`` or ``Test``; a Test action reads as a gate in the console.
        environment_variables: Plain-text variables for the build, serialised to
            the ``EnvironmentVariables`` JSON string.
        primary_source: ``PrimarySource``: the input whose directory the build
            starts in; required by CodeBuild when there are several inputs.
        batch: ``BatchEnabled``: run the buildspec's batch (matrix, list, graph).
        run_order: Actions of a stage with the same run order run in parallel.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    _check_name(name)
    if category not in ("Build", "Test"):
        raise _fail(name, f"category must be 'Build' or 'Test', got {category!r}")
    in_names = _check_artifacts(name, "inputs", inputs, least=1, most=5)
    out_names = _check_artifacts(name, "outputs", outputs, least=0, most=5)
    configuration = {"ProjectName": _check_text(name, "project", project)}
    if environment_variables:
        configuration["EnvironmentVariables"] = environment_variables_json(
            name, environment_variables
        )
    if primary_source is not None:
        if primary_source not in in_names:
            raise _fail(name, f"primary_source {primary_source!r} is not one of inputs {in_names}")
        configuration["PrimarySource"] = primary_source
    elif len(in_names) > 1:
        raise _fail(name, f"several inputs {in_names}: say which is primary_source")
    if batch:
        configuration["BatchEnabled"] = "true"
    return Action(
        name=name,
        action_type_id=ActionTypeId(category=category, owner="AWS", provider="CodeBuild"),
        run_order=_check_run_order(name, run_order),
        configuration=configuration,
        input_artifacts=in_names,
        output_artifacts=out_names,
    )


def manual_approval(
    name: str,
    *,
    notification_arn: str | None = None,
    custom_data: str | None = None,
    external_entity_link: str | None = None,
    run_order: int = 1,
) -> Action:
    """A manual approval: the pipeline waits until someone approves or rejects.

    Args:
        name: The action's name.
        notification_arn: ``NotificationArn``: SNS topic told that approval is awaited.
        custom_data: ``CustomData``: a note shown to the approver.
        external_entity_link: ``ExternalEntityLink``: a URL to review, e.g. a report.
        run_order: Position within the stage.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    _check_name(name)
    configuration: dict[str, str] = {}
    if notification_arn is not None:
        configuration["NotificationArn"] = _check_arn(
            name, "notification_arn", notification_arn, "sns"
        )
    if custom_data is not None:
        configuration["CustomData"] = _check_text(name, "custom_data", custom_data)
    if external_entity_link is not None:
        link = _check_text(name, "external_entity_link", external_entity_link)
        if not link.startswith(("https://", "http://")):
            raise _fail(name, f"external_entity_link must be an http(s) URL, got {link!r}")
        configuration["ExternalEntityLink"] = link
    return Action(
        name=name,
        action_type_id=ActionTypeId(category="Approval", owner="AWS", provider="Manual"),
        run_order=_check_run_order(name, run_order),
        configuration=configuration,
    )


def lambda_invoke(
    name: str,
    *,
    function_name: str,
    user_parameters: str | Mapping[str, object] | None = None,
    inputs: Iterable[str] = (),
    outputs: Iterable[str] = (),
    run_order: int = 1,
) -> Action:
    """An Invoke action calling a Lambda function (which must report back to CodePipeline).

    Args:
        name: The action's name.
        function_name: ``FunctionName``.
        user_parameters: ``UserParameters``: a string, or a mapping sent as JSON.
        inputs: Input artifacts (0 to 5).
        outputs: Output artifacts (0 to 5).
        run_order: Position within the stage.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    _check_name(name)
    configuration = {"FunctionName": _check_text(name, "function_name", function_name)}
    if isinstance(user_parameters, Mapping):
        configuration["UserParameters"] = _json_value(name, "user_parameters", user_parameters)
    elif user_parameters is not None:
        configuration["UserParameters"] = _check_text(name, "user_parameters", user_parameters)
    return Action(
        name=name,
        action_type_id=ActionTypeId(category="Invoke", owner="AWS", provider="Lambda"),
        run_order=_check_run_order(name, run_order),
        configuration=configuration,
        input_artifacts=_check_artifacts(name, "inputs", inputs, least=0, most=5),
        output_artifacts=_check_artifacts(name, "outputs", outputs, least=0, most=5),
    )


def cloudformation_deploy(
    name: str,
    *,
    stack_name: str,
    template_path: str,
    action_mode: str = "CREATE_UPDATE",
    role_arn: str | None = None,
    capabilities: Iterable[str] = ("CAPABILITY_IAM",),
    parameter_overrides: Mapping[str, str] | None = None,
    inputs: Iterable[str],
    outputs: Iterable[str] = (),
    run_order: int = 1,
) -> Action:
    """A CloudFormation action that creates or updates a stack from a template artifact.

    Args:
        name: The action's name.
        stack_name: ``StackName``.
        template_path: ``TemplatePath``: ``ArtifactName::path/in/artifact.yaml``;
            the artifact must be one of ``inputs``.
        action_mode: ``ActionMode``: ``CREATE_UPDATE`` or ``REPLACE_ON_FAILURE``.
        role_arn: ``RoleArn``: the IAM role CloudFormation uses to change the
            stack. CodePipeline requires it in these modes; None is refused
            with an explanation rather than left for AWS to refuse.
        capabilities: ``Capabilities``, written comma-separated; empty to omit.
        parameter_overrides: ``ParameterOverrides``: template parameters, as JSON.
        inputs: Input artifacts (1 to 10).
        outputs: Output artifacts (0 or 1).
        run_order: Position within the stage.

    Raises:
        PipelineError: An argument is empty or not valid.
    """
    _check_name(name)
    if action_mode not in CLOUDFORMATION_MODES:
        raise _fail(name, f"action_mode must be one of {CLOUDFORMATION_MODES}, got {action_mode!r}")
    if role_arn is None:
        raise _fail(
            name,
            f"role_arn is required: in {action_mode} mode CloudFormation needs a role "
            "(RoleArn) to create the stack's resources",
        )
    in_names = _check_artifacts(name, "inputs", inputs, least=1, most=10)
    artifact, separator, file = _check_text(name, "template_path", template_path).partition("::")
    if not separator or not file:
        raise _fail(name, f"template_path must be 'Artifact::path', got {template_path!r}")
    if artifact not in in_names:
        raise _fail(
            name, f"template_path reads artifact {artifact!r}, not one of inputs {in_names}"
        )
    configuration = {
        "ActionMode": action_mode,
        "StackName": _check_text(name, "stack_name", stack_name),
        "TemplatePath": template_path,
        "RoleArn": _check_arn(name, "role_arn", role_arn, "iam"),
    }
    if isinstance(capabilities, str):
        raise _fail(name, f"capabilities must be a sequence, e.g. ({capabilities!r},)")
    wanted = tuple(capabilities)
    unknown = [cap for cap in wanted if cap not in CAPABILITIES]
    if unknown:
        raise _fail(name, f"unknown capabilities {unknown}; known: {CAPABILITIES}")
    if wanted:
        configuration["Capabilities"] = ",".join(wanted)
    if parameter_overrides:
        configuration["ParameterOverrides"] = _json_value(
            name,
            "parameter_overrides",
            _string_mapping(name, "parameter_overrides", parameter_overrides),
        )
    return Action(
        name=name,
        action_type_id=ActionTypeId(category="Deploy", owner="AWS", provider="CloudFormation"),
        run_order=_check_run_order(name, run_order),
        configuration=configuration,
        input_artifacts=in_names,
        output_artifacts=_check_artifacts(name, "outputs", outputs, least=0, most=1),
    )
