"""Declare, validate, simulate and draw AWS CodePipelines that gate deployment on tests."""

from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage, from_dict, to_dict

__all__ = ["Action", "ActionTypeId", "Pipeline", "Stage", "from_dict", "to_dict"]
