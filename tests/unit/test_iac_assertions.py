"""Failed CDK assertions become AssertionError; other jsii errors stay what they are."""

from __future__ import annotations

import pytest

from mlcicd.iac.assertions import TemplateAssertions, cdk_assertion


class _FakeTemplate:
    """Raises as jsii does: a RuntimeError carrying JavaScript's error."""

    def resource_count_is(self, kind: str, count: int) -> None:
        raise RuntimeError(f"AssertionError: Expected {count} resources of type {kind} but found 1")

    def broken(self) -> None:
        raise RuntimeError("TypeError: Cannot read properties of undefined")

    def to_json(self) -> dict[str, object]:
        return {"Resources": {}}


def test_a_failed_assertion_is_an_assertion_error_with_javascripts_message() -> None:
    template = TemplateAssertions(_FakeTemplate())
    with pytest.raises(AssertionError) as caught:
        template.resource_count_is("AWS::S3::Bucket", 2)
    assert str(caught.value) == "Expected 2 resources of type AWS::S3::Bucket but found 1"


def test_other_runtime_errors_are_not_disguised_as_failed_assertions() -> None:
    with pytest.raises(RuntimeError, match="TypeError: Cannot read"):
        TemplateAssertions(_FakeTemplate()).broken()


def test_values_pass_through() -> None:
    assert TemplateAssertions(_FakeTemplate()).to_json() == {"Resources": {}}


def test_the_context_manager_form() -> None:
    with pytest.raises(AssertionError, match=r"^Expected 3"), cdk_assertion():
        _FakeTemplate().resource_count_is("AWS::SNS::Topic", 3)
