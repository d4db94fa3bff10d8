"""Declare, validate, simulate and draw AWS CodePipelines that gate deployment on tests.

* :mod:`~mlcicd.pipeline.actions` and :func:`ml_pipeline` build declarations in
  the API's shape (:class:`Pipeline`); :func:`read_pipelines` reads API JSON or
  CloudFormation templates; :func:`write_pipeline` writes ``create-pipeline`` JSON.
* :func:`validate` reports what the service would reject and what is merely
  dangerous (``mlcicd pipeline validate``), as the lint core's :class:`Finding` s.
* :func:`simulate` executes a pipeline with scripted outcomes, approvals and
  blue/green deployments (``mlcicd pipeline run``).
* :func:`draw_pipeline`, :func:`draw_test_pyramid` and :func:`draw_cicd_pipeline`
  draw pipelines, their executions and the course's figures (``mlcicd pipeline draw``).
"""

from mlcicd.lint import Finding
from mlcicd.pipeline.draw import draw_cicd_pipeline, draw_pipeline, draw_test_pyramid, save
from mlcicd.pipeline.io import read_pipeline, read_pipelines, write_pipeline
from mlcicd.pipeline.ml import ml_pipeline
from mlcicd.pipeline.model import Action, ActionTypeId, Pipeline, Stage, from_dict, to_dict
from mlcicd.pipeline.simulate import BlueGreen, Execution, simulate
from mlcicd.pipeline.validate import validate

__all__ = [
    "Action",
    "ActionTypeId",
    "BlueGreen",
    "Execution",
    "Finding",
    "Pipeline",
    "Stage",
    "draw_cicd_pipeline",
    "draw_pipeline",
    "draw_test_pyramid",
    "from_dict",
    "ml_pipeline",
    "read_pipeline",
    "read_pipelines",
    "save",
    "simulate",
    "to_dict",
    "validate",
    "write_pipeline",
]
