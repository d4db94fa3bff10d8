"""The CodePipeline declaration model: what from_dict reads, what to_dict writes, in which order."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage, from_dict, to_dict

ROLE = "arn:aws:iam::123456789012:role/pipeline"


def _action(**changes: Any) -> dict[str, Any]:
    action = {
        "name": "Build",
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild"},
        "runOrder": 1,
        "configuration": {"ProjectName": "build"},
        "inputArtifacts": [{"name": "src"}],
    }
    return {**action, **changes}


def _declaration(**changes: Any) -> dict[str, Any]:
    decl = {
        "name": "p",
        "roleArn": ROLE,
        "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": [{"name": "Build", "actions": [_action()]}],
    }
    return {**decl, **changes}


# The API's member order, written out by hand from a `get-pipeline` output.
FULL_JSON = """{
  "name": "p",
  "roleArn": "arn:aws:iam::123456789012:role/pipeline",
  "artifactStore": {
    "type": "S3",
    "location": "bucket"
  },
  "stages": [
    {
      "name": "Build",
      "actions": [
        {
          "name": "Build",
          "actionTypeId": {
            "category": "Build",
            "owner": "AWS",
            "provider": "CodeBuild",
            "version": "1"
          },
          "runOrder": 2,
          "configuration": {},
          "outputArtifacts": [
            {
              "name": "out"
            }
          ],
          "inputArtifacts": [],
          "namespace": "BuildVariables",
          "region": "eu-west-1"
        }
      ]
    }
  ],
  "version": 3,
  "pipelineType": "V2",
  "variables": [
    {
      "name": "Stage"
    }
  ],
  "triggers": []
}"""

FULL = Pipeline(
    "p",
    ROLE,
    (
        Stage(
            "Build",
            (
                Action(
                    "Build",
                    ActionTypeId("Build", "AWS", "CodeBuild"),
                    run_order=2,
                    output_artifacts=("out",),
                    namespace="BuildVariables",
                    region="eu-west-1",
                ),
            ),
        ),
    ),
    artifact_store={"type": "S3", "location": "bucket"},
    version=3,
    pipeline_type="V2",
    variables=({"name": "Stage"},),
    extra={"triggers": []},
)


def test_to_dict_writes_the_api_members_in_the_api_order() -> None:
    assert json.dumps(to_dict(FULL), indent=2) == FULL_JSON


def test_from_dict_reads_what_to_dict_writes() -> None:
    assert from_dict(json.loads(FULL_JSON)) == FULL
    assert from_dict({"pipeline": json.loads(FULL_JSON)}) == FULL


def test_unset_optional_members_are_left_out_and_required_ones_kept() -> None:
    written = to_dict(
        Pipeline("p", ROLE, (Stage("S", (Action("A", ActionTypeId("B", "AWS", "X")),)),))
    )
    assert list(written) == ["name", "roleArn", "stages"]
    action = written["stages"][0]["actions"][0]
    assert list(action) == [
        "name",
        "actionTypeId",
        "runOrder",
        "configuration",
        "outputArtifacts",
        "inputArtifacts",
    ]


def test_an_empty_declaration_is_a_model_of_empty_members() -> None:
    assert from_dict({}) == Pipeline("", "", ())


@pytest.mark.parametrize(
    ("stages", "names"),
    [
        ([1, None, {"name": "S"}, "x"], ["S"]),
        ("not a list", []),
        (None, []),
    ],
    ids=["non-mapping-stages", "stages-not-a-list", "stages-null"],
)
def test_stages_that_are_not_mappings_are_skipped(stages: Any, names: list[str]) -> None:
    assert [stage.name for stage in from_dict(_declaration(stages=stages)).stages] == names


@pytest.mark.parametrize(
    ("changes", "attribute", "value"),
    [
        ({"runOrder": "soon"}, "run_order", 1),
        ({"runOrder": "2"}, "run_order", 2),
        ({"inputArtifacts": ["bare", {"name": "wrapped"}]}, "input_artifacts", ("bare", "wrapped")),
        ({"actionTypeId": None}, "action_type_id", ActionTypeId("", "", "")),
        ({"configuration": None}, "configuration", {}),
        ({"name": 7}, "name", "7"),
    ],
    ids=["run-order-mistyped", "run-order-text", "artifacts", "no-type", "no-config", "name"],
)
def test_mistyped_action_members_get_neutral_values(
    changes: dict[str, Any], attribute: str, value: Any
) -> None:
    decl = _declaration(stages=[{"name": "Build", "actions": [_action(**changes)]}])
    assert getattr(from_dict(decl).stages[0].actions[0], attribute) == value


def test_actions_that_are_not_mappings_are_skipped() -> None:
    decl = _declaration(stages=[{"name": "Build", "actions": ["x", _action(), None]}])
    assert [a.name for a in from_dict(decl).stages[0].actions] == ["Build"]


def test_unknown_top_level_members_are_kept_and_written_back() -> None:
    decl = _declaration(triggers=[{"providerType": "CodeStarSourceConnection"}])
    pipeline = from_dict(decl)
    assert pipeline.extra == {"triggers": [{"providerType": "CodeStarSourceConnection"}]}
    assert to_dict(pipeline)["triggers"] == decl["triggers"]


@pytest.mark.parametrize("data", [[], "pipeline", None, 3])
def test_a_declaration_that_is_not_a_mapping_is_refused(data: Any) -> None:
    with pytest.raises(PipelineError, match="must be a JSON object"):
        from_dict(data)


def test_neither_side_shares_mutable_data() -> None:
    decl = _declaration()
    before = copy.deepcopy(decl)
    pipeline = from_dict(decl)
    decl["stages"][0]["actions"][0]["configuration"]["ProjectName"] = "changed"
    assert pipeline.stages[0].actions[0].configuration == {"ProjectName": "build"}
    written = to_dict(pipeline)
    written["artifactStore"]["location"] = "changed"
    assert pipeline.artifact_store == before["artifactStore"]


def test_constructor_keeps_its_positional_order() -> None:
    # artifact_store moved on the wire (before stages), not in the constructor.
    pipeline = Pipeline("p", ROLE, (Stage("S"),))
    assert (pipeline.name, pipeline.role_arn, pipeline.stages) == ("p", ROLE, (Stage("S"),))
    action = Action("A", ActionTypeId("B", "AWS", "X"), 2, {}, ("in",))
    assert (action.input_artifacts, action.output_artifacts) == (("in",), ())
