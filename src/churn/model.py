"""The trained churn model and its artifact: a SageMaker-style ``model.tar.gz``.

A :class:`ChurnModel` bundles the fitted :class:`~churn.preprocess.Preprocessor`
and scikit-learn estimator, so inference applies exactly the training
transformation. :meth:`ChurnModel.save` writes one archive with two members:

* ``model.joblib``: the whole :class:`ChurnModel`, for :func:`load_model`;
* ``metadata.json``: version, metrics, hyperparameters, feature names and the
  schema's column names, for people, the registry and the quality gate.

The archive is deterministic (no timestamps, fixed member order and owners),
so the same model always gives the same bytes, and it is written atomically.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from churn.exceptions import ModelError
from churn.preprocess import Preprocessor
from churn.schema import SCHEMA

MODEL_MEMBER = "model.joblib"
METADATA_MEMBER = "metadata.json"


@dataclass
class ChurnModel:
    """A fitted churn classifier with everything needed to use and describe it.

    Attributes:
        preprocessor: The fitted input pipeline.
        estimator: The fitted scikit-learn classifier (``predict_proba``, classes 0 and 1).
        version: Identifies the model, e.g. a content hash of data and hyperparameters.
        metrics: Held-out evaluation figures (``churn.train.Metrics.to_dict()``).
        hyperparameters: The settings it was trained with.
    """

    preprocessor: Preprocessor
    estimator: Any
    version: str
    metrics: dict[str, float]
    hyperparameters: dict[str, Any]

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        """The probability of churn of each row.

        Args:
            frame: Customers with the schema's feature columns (other columns,
                such as the identifier, are ignored); it is not modified.

        Returns:
            Floats in [0, 1], shape ``(len(frame),)``.

        Raises:
            DataError: A feature column is missing (named) or off-type.
        """
        features = self.preprocessor.transform(frame)
        if not len(features):
            # scikit-learn refuses zero rows; an empty batch has no scores.
            return np.zeros(0)
        churn_class = list(self.estimator.classes_).index(1)
        return self.estimator.predict_proba(features)[:, churn_class]

    def predict(self, frame: pd.DataFrame, threshold: float = 0.5) -> np.ndarray:
        """Churn (1) or not (0) for each row: whether its probability reaches ``threshold``.

        Raises:
            ValueError: ``threshold`` is outside [0, 1].
            DataError: As :meth:`predict_proba`.
        """
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
        return (self.predict_proba(frame) >= threshold).astype(int)

    def metadata(self) -> dict[str, Any]:
        """What ``metadata.json`` holds: JSON-ready, without timestamps."""
        import sklearn  # here, not at the top: see churn.train.train

        return {
            "version": self.version,
            "metrics": {name: float(value) for name, value in self.metrics.items()},
            "hyperparameters": self.hyperparameters,
            "feature_names": list(self.preprocessor.feature_names),
            "schema_columns": [col.name for col in SCHEMA],
            "sklearn_version": sklearn.__version__,
        }

    def save(self, path: Path) -> Path:
        """Write the model as a ``model.tar.gz`` archive, atomically.

        The archive is built in a temporary file in the target's directory and
        then renamed over ``path``: a crash leaves the previous artifact (or
        none), never a half-written one.

        Args:
            path: The archive to write, e.g. ``build/model.tar.gz``; missing
                parent directories are created.

        Returns:
            ``path``.

        Raises:
            ModelError: The archive cannot be written or the metadata is not JSON-ready.
        """
        try:
            metadata = json.dumps(self.metadata(), indent=2, sort_keys=True) + "\n"
        except TypeError as error:
            raise ModelError(
                str(path), f"the metadata is not JSON-ready ({error}); use plain hyperparameters"
            ) from None
        model_bytes = io.BytesIO()
        joblib.dump(self, model_bytes)
        members = {METADATA_MEMBER: metadata.encode("utf-8"), MODEL_MEMBER: model_bytes.getvalue()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, _deterministic_tar_gz(members))
        except OSError as error:
            raise ModelError(
                str(path), f"cannot write the artifact ({error.strerror or error})"
            ) from None
        return path


def _deterministic_tar_gz(members: dict[str, bytes]) -> bytes:
    # Fixed order, owner, mode and times: the same model gives the same bytes,
    # so an artifact's checksum identifies its content.
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(members[name]))
    return buffer.getvalue()


def _write_atomically(path: Path, data: bytes) -> None:
    # The temporary file sits in the same directory: os.replace is atomic
    # only within one file system.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_members(path: Path) -> dict[str, bytes]:
    try:
        with tarfile.open(path, mode="r:gz") as tar:
            members = {}
            for name in (MODEL_MEMBER, METADATA_MEMBER):
                try:
                    file = tar.extractfile(name)
                except KeyError:
                    file = None
                if file is None:
                    raise ModelError(
                        str(path),
                        f"the archive has no {name} file; it was not written by "
                        "ChurnModel.save: save the model again",
                    )
                members[name] = file.read()
            return members
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        raise ModelError(
            str(path),
            f"not a readable model.tar.gz ({error}); the file is damaged or of another "
            "format: download it again, or save the model again",
        ) from None


def load_model(path: Path) -> ChurnModel:
    """Load a model saved by :meth:`ChurnModel.save`.

    Security: ``model.joblib`` is a pickle, and unpickling runs code chosen by
    whoever wrote the file. Load only artifacts from your own model registry
    or build, never a file from an untrusted source.

    Args:
        path: The ``model.tar.gz`` archive.

    Returns:
        The model, ready to predict.

    Raises:
        ModelError: The file is missing, not a tar.gz archive, lacks
            ``model.joblib`` or ``metadata.json``, cannot be unpickled, or its
            two members disagree; the reason says what to do.
    """
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ModelError(
            str(path), f"the file {what}; expected a model.tar.gz written by ChurnModel.save"
        )
    members = _read_members(path)
    try:
        model = joblib.load(io.BytesIO(members[MODEL_MEMBER]))
        metadata = json.loads(members[METADATA_MEMBER])
    except Exception as error:  # unpickling can fail in many ways, all meaning "unusable"
        raise ModelError(
            str(path),
            f"cannot read the archive's content ({type(error).__name__}: {error}); it is "
            "damaged or from an incompatible version: retrain and save the model again",
        ) from None
    if not isinstance(model, ChurnModel):
        raise ModelError(
            str(path), f"{MODEL_MEMBER} holds a {type(model).__name__}, not a ChurnModel"
        )
    if not isinstance(metadata, dict) or metadata.get("version") != model.version:
        raise ModelError(
            str(path),
            f"{METADATA_MEMBER} does not describe {MODEL_MEMBER} (version "
            f"{model.version!r}); the archive was altered: save the model again",
        )
    return model
