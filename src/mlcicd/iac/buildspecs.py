"""The buildspecs of the course stack's CodeBuild projects, one per pipeline gate.

Each project runs one folder of this repository's tests and reports it as a
JUnit report group of the same name (:data:`LAYERS`):

* ``unit-tests`` runs ``tests/unit``, then **trains** the model and packages it
  (the Build stage; artifact ``BuildOutput``);
* ``integration-tests`` runs ``tests/integration`` (components together, on moto);
* ``data-tests`` runs ``tests/data`` (the training data: contract, drift);
* ``quality-gate`` runs ``tests/model`` on the model Build trained (``BuildOutput``);
* ``e2e-tests`` runs ``tests/staging`` against the endpoint DeployStaging created.

Training happens in the ``build`` phase, after the unit tests and never in
``post_build``: ``post_build`` runs even when ``build`` failed (lesson 07), so
a model would be trained, and packaged, from code whose tests had just failed.

Every install phase runs :data:`INSTALL`: ``pip install '.[dev]'``, the
project's own dependencies from ``pyproject.toml``. With
``MLCICD_OFFLINE_INSTALL=1`` it installs nothing and puts the source's
``src/`` first on ``PYTHONPATH`` instead, so ``mlcicd buildspec run`` can run
the same buildspec on a machine with no network, with the Python on ``PATH``
(the course's own test does, see ``tests/integration/test_iac_buildspecs_run.py``).

Nothing here imports the CDK: the buildspecs are plain data, tested without Node.js.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from mlcicd.buildspec import to_dict
from mlcicd.buildspec.build import BuildspecBuilder
from mlcicd.exceptions import IacError

#: CodeBuild project (``<prefix>-<suffix>``, as ``ml_pipeline`` names them) to the
#: folder under ``tests/`` it runs, which is also its report group's name.
LAYERS: Mapping[str, str] = MappingProxyType(
    {
        "unit-tests": "unit",
        "integration-tests": "integration",
        "data-tests": "data",
        "quality-gate": "model",
        "e2e-tests": "staging",
    }
)
#: The project whose build trains the model and writes ``BuildOutput``.
BUILD_PROJECT = "unit-tests"
#: What the Build stage packages (``ml_pipeline`` deploys ``BuildOutput::template.yaml``).
BUILD_FILES: tuple[str, ...] = ("model.tar.gz", "template.yaml")
#: The Python version CodeBuild installs (``runtime-versions``).
PYTHON = "3.12"
#: The switch that skips the network-dependent install (documented in lesson 09).
OFFLINE_SWITCH = "MLCICD_OFFLINE_INSTALL"
#: The install command of every project.
INSTALL = (
    f'if [ "${{{OFFLINE_SWITCH}:-0}}" = "1" ]; then '
    f'echo "{OFFLINE_SWITCH}=1: no pip install; src/ of this source comes first"; '
    'export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"; '
    "else pip install --no-compile '.[dev]'; fi"
)
#: The Build stage trains after its unit tests passed, then uploads the model and
#: writes the endpoint template (:mod:`mlcicd.iac.endpoint`).
TRAIN = "python -m churn.train --out model.tar.gz"
PACKAGE = "python -m mlcicd.iac.endpoint --model model.tar.gz --out template.yaml"
#: The staging tests call AWS: without the course's pytest plugin, which makes
#: every other test run refuse real AWS calls.
REAL_AWS_OPTIONS: tuple[str, ...] = ("-p", "no:mlcicd")


def pytest_command(layer: str, *options: str) -> str:
    """``pytest tests/<layer> [options] --junitxml=reports/<layer>.xml``."""
    return " ".join(("pytest", f"tests/{layer}", *options, f"--junitxml=reports/{layer}.xml"))


def layer_buildspec(suffix: str) -> dict[str, object]:
    """The buildspec of the project ``<prefix>-<suffix>``, as the data CodeBuild reads.

    Args:
        suffix: A key of :data:`LAYERS`.

    Returns:
        The buildspec: install, the layer's tests in ``build`` with its report
        group, and for :data:`BUILD_PROJECT` the training and packaging too.

    Raises:
        KeyError: ``suffix`` is not a project of the stack.
    """
    layer = LAYERS[suffix]
    options = REAL_AWS_OPTIONS if layer == "staging" else ()
    builder = (
        BuildspecBuilder()
        .runtime(python=PYTHON)
        .install(INSTALL)
        .build(pytest_command(layer, *options))
        .report(layer, files=[f"{layer}.xml"], base_directory="reports", file_format="JUNITXML")
    )
    if suffix == BUILD_PROJECT:
        builder = builder.build(TRAIN, PACKAGE).artifacts(files=list(BUILD_FILES))
    return to_dict(builder.build_spec())


def write_buildspecs(folder: Path, prefix: str = "churn") -> list[Path]:
    """Write each project's buildspec to ``<folder>/<prefix>-<suffix>.yml`` (``mlcicd buildspec``).

    Raises:
        IacError: The folder cannot be written.
    """
    from mlcicd.buildspec import dumps
    from mlcicd.buildspec.model import from_dict

    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for suffix in LAYERS:
            path = folder / f"{prefix}-{suffix}.yml"
            path.write_text(dumps(from_dict(layer_buildspec(suffix))), encoding="utf-8")
            written.append(path)
    except OSError as error:
        raise IacError(
            f"cannot write the buildspecs to {folder}: {error.strerror or error}"
        ) from None
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m mlcicd.iac.buildspecs FOLDER``: write the stack's buildspecs there."""
    parser = argparse.ArgumentParser(
        prog="python -m mlcicd.iac.buildspecs",
        description="Write the course stack's buildspecs, one YAML file per CodeBuild project.",
    )
    parser.add_argument("folder", type=Path, nargs="?", default=Path("build/iac/buildspecs"))
    args = parser.parse_args(argv)
    try:
        for path in write_buildspecs(args.folder):
            print(path)
    except IacError as error:
        print(f"mlcicd.iac.buildspecs: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
