"""The model artifact: a deterministic, atomically written model.tar.gz that loads back identically.

The artifact is what moves from training to the registry to the endpoint; if
saving or loading changes a single prediction, every test of the model before
it proved nothing about what runs in production.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churn.data import generate
from churn.exceptions import DataError, ModelError
from churn.model import ChurnModel, load_model
from churn.schema import SCHEMA
from churn.train import evaluate, train


@pytest.fixture(scope="module")
def holdout() -> pd.DataFrame:
    return generate(2000, seed=2)


@pytest.fixture(scope="module")
def model(holdout: pd.DataFrame) -> ChurnModel:
    trained = train(generate(5000, seed=1))
    # As the pipeline does: record held-out metrics before saving.
    return dataclasses.replace(trained, metrics=evaluate(trained, holdout).to_dict())


@pytest.fixture(scope="module")
def artifact(model: ChurnModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return model.save(tmp_path_factory.mktemp("artifact") / "model.tar.gz")


def tar_gz(members: dict[str, bytes], compression: str = "gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def members_of(archive: bytes) -> dict[str, bytes]:
    members = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for info in tar:
            file = tar.extractfile(info)
            assert file is not None, f"{info.name} is not a regular file"
            members[info.name] = file.read()
    return members


def test_loaded_model_predicts_exactly_as_the_saved_one(
    model: ChurnModel, artifact: Path, holdout: pd.DataFrame
) -> None:
    loaded = load_model(artifact)
    # Exact equality, not approx: the same numbers must reach the endpoint.
    np.testing.assert_array_equal(loaded.predict_proba(holdout), model.predict_proba(holdout))
    assert loaded.version == model.version
    assert loaded.metrics == model.metrics
    assert loaded.hyperparameters == model.hyperparameters


def test_artifact_is_a_tar_gz_with_the_model_and_its_metadata(
    model: ChurnModel, artifact: Path
) -> None:
    # SageMaker unpacks model.tar.gz into the container; the serving code and
    # the registry look for these two names.
    with tarfile.open(artifact, "r:gz") as tar:
        assert sorted(tar.getnames()) == ["metadata.json", "model.joblib"]
    metadata = json.loads(members_of(artifact.read_bytes())["metadata.json"])
    assert metadata["version"] == model.version
    assert metadata["metrics"]["roc_auc"] == model.metrics["roc_auc"]
    assert metadata["hyperparameters"] == {"C": 1.0, "max_iter": 1000, "class_weight": None}
    assert metadata["feature_names"] == list(model.preprocessor.feature_names)
    assert metadata["schema_columns"] == [col.name for col in SCHEMA]


def test_saving_is_deterministic(model: ChurnModel, artifact: Path, tmp_path: Path) -> None:
    # No timestamps or owners in the archive: the same model gives the same
    # bytes, so a checksum identifies a model and a rebuild is verifiable.
    again = model.save(tmp_path / "again.tar.gz")
    assert again.read_bytes() == artifact.read_bytes()
    # Two saves within the same second would match even with timestamps, so
    # check the times themselves: gzip's header (bytes 4-7) and each member's.
    assert artifact.read_bytes()[4:8] == bytes(4)
    with tarfile.open(artifact, "r:gz") as tar:
        assert {info.mtime for info in tar} == {0}
    # Retraining on the same data with the same seed reproduces it too.
    retrained = dataclasses.replace(train(generate(5000, seed=1)), metrics=model.metrics)
    assert retrained.save(tmp_path / "retrained.tar.gz").read_bytes() == artifact.read_bytes()


def test_a_failed_save_keeps_the_previous_artifact_and_leaves_no_debris(
    model: ChurnModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_bytes(b"the previous artifact")

    def crash(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    # The rename is the last step: failing there simulates a crash mid-save.
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(ModelError, match="No space left on device") as caught:
        model.save(path)
    assert caught.value.path == str(path)
    assert path.read_bytes() == b"the previous artifact"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.tar.gz"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda folder: folder / "nothing.tar.gz", "does not exist"),
        (lambda folder: folder, "is a directory"),
    ],
    ids=["missing-file", "a-directory"],
)
def test_a_path_without_an_artifact_raises_model_error(
    make: Callable[[Path], Path], reason: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason


# Each case turns the good artifact's bytes into a broken file's bytes.
BROKEN: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("arbitrary-bytes", lambda good: bytes(range(256)), "not a readable"),
    ("truncated-download", lambda good: good[: len(good) // 2], "not a readable"),
    ("uncompressed-tar", lambda good: tar_gz(members_of(good), compression=""), "not a readable"),
    ("no-model-member", lambda good: tar_gz({"metadata.json": b"{}"}), "no model.joblib"),
    (
        "no-metadata-member",
        lambda good: tar_gz({"model.joblib": members_of(good)["model.joblib"]}),
        "no metadata.json",
    ),
    (
        "model-not-a-pickle",
        lambda good: tar_gz({**members_of(good), "model.joblib": b"not a pickle"}),
        "cannot read",
    ),
    (
        "metadata-of-another-model",
        lambda good: tar_gz({**members_of(good), "metadata.json": b'{"version": "other"}'}),
        "does not describe",
    ),
]


@pytest.mark.parametrize(
    ("corrupt", "reason"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN]
)
def test_a_broken_artifact_raises_model_error_with_path_and_reason(
    corrupt: Callable[[bytes], bytes], reason: str, artifact: Path, tmp_path: Path
) -> None:
    # A serving container that cannot load its model must say which file and
    # why, not die in the middle of unpickling with a traceback.
    path = tmp_path / "model.tar.gz"
    path.write_bytes(corrupt(artifact.read_bytes()))
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason


@pytest.mark.parametrize(
    "dropped",
    [["monthly_charges"], ["contract", "tenure_months"]],
    ids=["one-feature", "two-features"],
)
def test_scoring_data_without_a_feature_is_refused_by_name(
    model: ChurnModel, holdout: pd.DataFrame, dropped: list[str]
) -> None:
    # Upstream renames are common; the error must say which column to restore.
    with pytest.raises(DataError) as caught:
        model.predict_proba(holdout.drop(columns=dropped))
    for name in dropped:
        assert name in str(caught.value)


def test_an_empty_batch_gets_an_empty_answer(model: ChurnModel, holdout: pd.DataFrame) -> None:
    # A batch job may receive a file with a header only; that is not an error.
    assert model.predict_proba(holdout.iloc[:0]).shape == (0,)
