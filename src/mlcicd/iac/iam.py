"""Read IAM policies out of a synthesized template: what may each role do?

Pure functions on the template's data (no CDK needed), so a test, a lesson
and a checkpoint can ask the questions a security review asks: which policy
allows every action (``"*"``)? What may this role do, on which resources?
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

POLICY_TYPE = "AWS::IAM::Policy"
ROLE_TYPE = "AWS::IAM::Role"


@dataclass(frozen=True)
class Statement:
    """One ``Allow`` or ``Deny`` statement of a policy.

    Attributes:
        policy: The logical id of the ``AWS::IAM::Policy`` (or ``Role``) holding it.
        effect: ``Allow`` or ``Deny``.
        actions: Its actions, a single action read as a one-item tuple.
        resources: Its resources, intrinsics (``{"Fn::GetAtt": ...}``) as they are.
    """

    policy: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[Any, ...]


def _items(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _statements(policy: str, document: Any) -> Iterator[Statement]:
    body = document.get("Statement") if isinstance(document, Mapping) else None
    for item in _items(body):
        if isinstance(item, Mapping):
            yield Statement(
                policy=policy,
                effect=str(item.get("Effect", "")),
                actions=tuple(str(action) for action in _items(item.get("Action"))),
                resources=_items(item.get("Resource")),
            )


def _refs(value: Any) -> set[str]:
    """The logical ids a list of roles refers to (``{"Ref": "UnitTestsRole1A2B"}``)."""
    return {item["Ref"] for item in _items(value) if isinstance(item, Mapping) and "Ref" in item}


def statements(template: Mapping[str, Any], role: str | None = None) -> list[Statement]:
    """Every identity-policy statement of the template, or of one role.

    Reads ``AWS::IAM::Policy`` resources (what the CDK writes for
    ``add_to_policy``) and the inline ``Policies`` of ``AWS::IAM::Role``.

    Args:
        template: The synthesized template.
        role: A role's logical id: only the statements that role gets.

    Returns:
        The statements, in template order.
    """
    found: list[Statement] = []
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource.get("Type") == POLICY_TYPE:
            if role is None or role in _refs(properties.get("Roles")):
                found.extend(_statements(logical_id, properties.get("PolicyDocument")))
        elif resource.get("Type") == ROLE_TYPE and (role is None or role == logical_id):
            for inline in _items(properties.get("Policies")):
                found.extend(_statements(logical_id, inline.get("PolicyDocument")))
    return found


def is_wildcard(action: str) -> bool:
    """Whether ``action`` allows every action (``*``) or every action of a service (``s3:*``)."""
    return action == "*" or action.endswith(":*")


def wildcard_actions(template: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(policy, action)`` for every ``Allow`` of all actions, or all of one service's.

    A least-privilege stack returns ``[]``. ``Deny`` statements are not
    counted: ``Deny s3:*`` without TLS is a guard rail, not a grant.
    """
    return [
        (statement.policy, action)
        for statement in statements(template)
        if statement.effect == "Allow"
        for action in statement.actions
        if is_wildcard(action)
    ]


def logical_ids(template: Mapping[str, Any], resource_type: str) -> list[str]:
    """The logical ids of every resource of ``resource_type``, in template order."""
    return [
        logical_id
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    ]
