"""Packaging: one list of dependencies, real moto extras, the entry points, settings."""

from __future__ import annotations

import json
import sys
import tomllib
from importlib.metadata import entry_points, metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pip_lines_of_environment_yml() -> list[str]:
    env = YAML(typ="safe").load(ROOT / "environment.yml")
    pip = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml must have exactly one pip: section"
    return pip[0]


def _normalized(requirement: str) -> tuple[str, frozenset[str], str]:
    parsed = Requirement(requirement)
    name = parsed.name.lower().replace("_", "-").replace(".", "-")
    return name, frozenset(parsed.extras), str(parsed.specifier)


def test_environment_yml_installs_the_same_packages_as_pyproject() -> None:
    lines = _pip_lines_of_environment_yml()
    assert "-e ." in lines, "environment.yml must install the project itself (-e .)"
    from_yml = {_normalized(line) for line in lines if line != "-e ."}
    # conda installs Node.js there, so the iac extra (lesson 09) is always included.
    wanted = (
        PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["iac"]
    )
    from_pyproject = {_normalized(line) for line in wanted}
    assert from_yml - from_pyproject == set(), "only in environment.yml"
    assert from_pyproject - from_yml == set(), "only in pyproject.toml"


def test_environment_yml_pins_the_course_python() -> None:
    env = YAML(typ="safe").load(ROOT / "environment.yml")
    assert "python=3.11" in env["dependencies"]
    assert "nodejs=22" in env["dependencies"]  # what the AWS CDK runs in
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"


def test_every_moto_extra_named_exists() -> None:
    # pip only warns about an unknown extra and moto then lacks that service's
    # dependencies, so check each name against moto's own metadata.
    moto = next(
        Requirement(r) for r in PYPROJECT["project"]["dependencies"] if r.startswith("moto")
    )
    known = set(metadata("moto").get_all("Provides-Extra") or [])
    assert moto.extras
    assert moto.extras - known == set()


def test_console_script_and_pytest_plugin_are_registered() -> None:
    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert scripts.get("mlcicd") == "mlcicd.cli:main"
    assert plugins.get("mlcicd") == "mlcicd.testing.plugin"


@pytest.mark.parametrize("path", sorted((ROOT / "jupyter" / "overrides.d").glob("*.json")))
def test_jupyterlab_overrides_name_real_settings(path: Path) -> None:
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin_id, values in json.loads(path.read_text()).items():
        package, plugin = plugin_id.split(":")
        schema = json.loads((schemas / package / f"{plugin}.json").read_text())
        assert set(values) <= set(schema["properties"]), f"{plugin_id}: unknown setting"


def test_the_installed_overrides_are_the_repositorys() -> None:
    installed = Path(sys.prefix) / "share/jupyter/lab/settings/overrides.d/mlcicd.json"
    assert installed.exists(), "reinstall the project: pip install -e ."
    assert json.loads(installed.read_text()) == json.loads(
        (ROOT / "jupyter/overrides.d/mlcicd.json").read_text()
    )
