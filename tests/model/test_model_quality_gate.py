"""The pipeline's model gate (project ``churn-quality-gate``): may the model Build trained ship?

The model is the Build stage's artifact. In the pipeline this project gets it
as a second input artifact, which CodeBuild unpacks in the folder named by
``CODEBUILD_SRC_DIR_BuildOutput``; elsewhere, point ``MODEL_ARTIFACT`` at a
``model.tar.gz``. No model is a failure, never a skip: a gate that skips
lets everything through.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from churn.data import generate, load_golden
from churn.gate import QualityGate
from churn.model import ChurnModel, load_model
from churn.train import evaluate

#: Fresh held-out data: a seed the Build stage did not train on.
HOLDOUT_ROWS, HOLDOUT_SEED = 2000, 1


def model_path() -> Path | None:
    """``$MODEL_ARTIFACT``, else ``$CODEBUILD_SRC_DIR_BuildOutput/model.tar.gz``, if it exists."""
    explicit = os.environ.get("MODEL_ARTIFACT")
    if explicit:
        return Path(explicit)
    # CodeBuild names the variable after the artifact, case kept.
    folder = os.environ.get("CODEBUILD_SRC_DIR_BuildOutput")  # noqa: SIM112
    return Path(folder) / "model.tar.gz" if folder else None


@pytest.fixture(scope="module")
def model() -> ChurnModel:
    path = model_path()
    if path is None or not path.is_file():
        pytest.fail(
            f"no model to gate ({path or 'no path'}): the pipeline passes BuildOutput "
            "(CODEBUILD_SRC_DIR_BuildOutput); locally, set MODEL_ARTIFACT=path/to/model.tar.gz"
        )
    return load_model(path)


def test_the_model_passes_the_quality_gate_on_fresh_held_out_data(model: ChurnModel) -> None:
    metrics = evaluate(model, generate(HOLDOUT_ROWS, seed=HOLDOUT_SEED))
    verdict = QualityGate().evaluate(metrics, approved=None)
    assert verdict.passed, verdict.format()


def test_the_metrics_recorded_at_training_pass_the_gate_too(model: ChurnModel) -> None:
    from churn.train import Metrics

    verdict = QualityGate().evaluate(Metrics(**model.metrics), approved=None)
    assert verdict.passed, verdict.format()


def test_the_model_scores_every_golden_customer_with_a_probability(model: ChurnModel) -> None:
    golden = load_golden()
    scores = model.predict_proba(golden)
    assert scores.shape == (len(golden),)
    assert np.all((scores >= 0) & (scores <= 1))


def test_the_version_can_name_the_endpoint_resources(model: ChurnModel) -> None:
    # infra/endpoint.yaml names the SageMaker model and config <prefix>-<stage>-<version>.
    assert re.fullmatch(r"[a-zA-Z0-9-]{1,20}", model.version), model.version
