"""The stack's buildspecs as data (no Node.js needed): paths that exist, training in build."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest

from mlcicd.buildspec import dumps
from mlcicd.buildspec.lint import lint_text
from mlcicd.buildspec.model import from_dict
from mlcicd.iac.buildspecs import (
    BUILD_FILES,
    BUILD_PROJECT,
    INSTALL,
    LAYERS,
    OFFLINE_SWITCH,
    layer_buildspec,
)

ROOT = Path(__file__).resolve().parents[2]


def _commands(spec: dict, phase: str) -> list[str]:
    return spec["phases"].get(phase, {}).get("commands", [])


@pytest.mark.parametrize("suffix", sorted(LAYERS))
def test_each_project_runs_a_test_folder_that_exists_and_reports_it(suffix: str) -> None:
    layer = LAYERS[suffix]
    spec = layer_buildspec(suffix)
    pytest_runs = [c for c in _commands(spec, "build") if c.startswith("pytest ")]
    assert len(pytest_runs) == 1
    words = shlex.split(pytest_runs[0])
    assert words[1] == f"tests/{layer}"
    assert (ROOT / words[1]).is_dir(), f"{words[1]} does not exist in the repository"
    assert list((ROOT / words[1]).glob("test_*.py")), f"{words[1]} holds no test module"
    assert words[-1] == f"--junitxml=reports/{layer}.xml"
    assert spec["reports"] == {
        layer: {"files": [f"{layer}.xml"], "base-directory": "reports", "file-format": "JUNITXML"}
    }


@pytest.mark.parametrize("suffix", sorted(LAYERS))
def test_each_buildspec_lints_clean_and_pins_the_python_runtime(suffix: str) -> None:
    spec = layer_buildspec(suffix)
    assert spec["phases"]["install"]["runtime-versions"] == {"python": "3.12"}
    findings = lint_text(dumps(from_dict(spec)), path=f"{suffix}.yml")
    assert [f.format() for f in findings] == []


def test_the_build_project_trains_in_build_after_its_tests_and_never_in_post_build() -> None:
    spec = layer_buildspec(BUILD_PROJECT)
    build = _commands(spec, "build")
    assert [c.split()[0:3] for c in build] == [
        ["pytest", "tests/unit", "--junitxml=reports/unit.xml"],
        ["python", "-m", "churn.train"],
        ["python", "-m", "mlcicd.iac.endpoint"],
    ]
    assert "post_build" not in spec["phases"]
    assert spec["artifacts"] == {"files": list(BUILD_FILES)}


@pytest.mark.parametrize("suffix", sorted(set(LAYERS) - {BUILD_PROJECT}))
def test_only_the_build_project_trains_or_keeps_artifacts(suffix: str) -> None:
    spec = layer_buildspec(suffix)
    assert "artifacts" not in spec
    assert not [c for c in _commands(spec, "build") if "churn.train" in c]


def test_the_modules_the_build_runs_and_the_template_it_fills_exist() -> None:
    for module in ("churn/train.py", "mlcicd/iac/endpoint.py"):
        assert (ROOT / "src" / module).is_file(), module
    assert (ROOT / "infra" / "endpoint.yaml").is_file()


def test_the_install_is_the_projects_own_dev_extra_unless_the_offline_switch_is_on() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    installed = re.search(r"pip install --no-compile '\.\[(\w+)\]'", INSTALL)
    assert installed and installed.group(1) in extras
    assert f'"${{{OFFLINE_SWITCH}:-0}}" = "1"' in INSTALL
    for suffix in LAYERS:
        assert _commands(layer_buildspec(suffix), "install") == [INSTALL]


def test_only_the_staging_tests_run_without_the_plugin_that_refuses_real_aws() -> None:
    refusing = {s: "-p no:mlcicd" not in _commands(layer_buildspec(s), "build")[0] for s in LAYERS}
    assert refusing == {s: s != "e2e-tests" for s in LAYERS}


def test_an_unknown_project_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        layer_buildspec("smoke-tests")
