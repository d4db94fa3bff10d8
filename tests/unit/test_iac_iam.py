"""Reading IAM policies out of a template: statements per role, and wildcard grants."""

from __future__ import annotations

from typing import Any

import pytest

from mlcicd.iac.iam import is_wildcard, logical_ids, statements, wildcard_actions


def _policy(*roles: str, statement: list[dict[str, Any]] | dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::IAM::Policy",
        "Properties": {
            "PolicyDocument": {"Statement": statement, "Version": "2012-10-17"},
            "PolicyName": "p",
            "Roles": [{"Ref": role} for role in roles],
        },
    }


def _template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


READ = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}


def test_statements_of_one_role_follow_the_policies_roles() -> None:
    template = _template(
        Shared=_policy("A", "B", statement=[READ]),
        OnlyB=_policy("B", statement={"Effect": "Allow", "Action": "sns:Publish", "Resource": "t"}),
        A={"Type": "AWS::IAM::Role", "Properties": {}},
    )
    assert [s.actions for s in statements(template, role="A")] == [("s3:GetObject",)]
    only_b = statements(template, role="B")
    # A single statement and a single action (not lists) are read as one-item tuples.
    assert [(s.policy, s.actions, s.resources) for s in only_b] == [
        ("Shared", ("s3:GetObject",), ("arn:aws:s3:::b/*",)),
        ("OnlyB", ("sns:Publish",), ("t",)),
    ]
    assert len(statements(template)) == 2


def test_inline_role_policies_count_too() -> None:
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {"Policies": [{"PolicyDocument": {"Statement": [READ]}}]},
    }
    assert [s.policy for s in statements(_template(R=role), role="R")] == ["R"]


@pytest.mark.parametrize(
    ("action", "expected"),
    [("*", True), ("s3:*", True), ("s3:Get*", False), ("s3:GetObject", False)],
)
def test_is_wildcard(action: str, expected: bool) -> None:
    assert is_wildcard(action) is expected


def test_wildcard_actions_finds_allows_of_everything_and_ignores_denies() -> None:
    template = _template(
        Admin=_policy("A", statement=[{"Effect": "Allow", "Action": "*", "Resource": "*"}]),
        S3All=_policy("B", statement=[{"Effect": "Allow", "Action": ["s3:*", "sns:Publish"]}]),
        Guard=_policy("C", statement=[{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]),
        Fine=_policy("D", statement=[READ]),
    )
    assert wildcard_actions(template) == [("Admin", "*"), ("S3All", "s3:*")]


def test_logical_ids_by_type_in_template_order() -> None:
    template = _template(
        B={"Type": "AWS::S3::Bucket"}, R={"Type": "AWS::IAM::Role"}, A={"Type": "AWS::S3::Bucket"}
    )
    assert logical_ids(template, "AWS::S3::Bucket") == ["B", "A"]
