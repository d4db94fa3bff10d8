"""Starting the course in the cloud: Binder (postBuild) and a dev container (Codespaces)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from mlcicd.lab import DEFAULT_PORT

ROOT = Path(__file__).resolve().parents[2]
DEVCONTAINER = ROOT / ".devcontainer" / "devcontainer.json"
POSTBUILD = ROOT / "postBuild"
README = ROOT / "README.md"
BINDER_URL = re.compile(r"https://mybinder\.org/v2/gh/[^)\s]+")
MAKE = re.compile(r"\bmake\s+((?:[\w./-]+=\S*\s+)*)([\w./-]+)")


def devcontainer() -> dict:
    return json.loads(DEVCONTAINER.read_text(encoding="utf-8"))


def cloud_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("### Start in the cloud", 1)[1].split("\n#", 1)[0]


@pytest.fixture(scope="module")
def make_rules() -> dict[str, list[str]]:
    """Every target of the Makefile, variables expanded, with its prerequisites."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    printed = subprocess.run(
        ["make", "-pRrq", "-C", str(ROOT), "-f", "Makefile", ":"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    ).stdout
    rules = {}
    for line in printed.splitlines():
        if match := re.match(r"^([\w./-]+):(?!=)\s*(.*)$", line):
            rules[match.group(1)] = match.group(2).replace("|", " ").split()
    return rules


def test_the_devcontainer_is_plain_json_with_python_311_and_node_22() -> None:
    config = devcontainer()  # no comments: json.loads reads it
    assert config["image"] == "mcr.microsoft.com/devcontainers/python:3.11"
    assert config["features"]["ghcr.io/devcontainers/features/node:1"]["version"] == "22"


def test_the_devcontainer_forwards_the_port_make_lab_uses() -> None:
    config = devcontainer()
    assert config["forwardPorts"] == [DEFAULT_PORT]
    assert "make lab" in config["portsAttributes"][str(DEFAULT_PORT)]["label"]


def test_the_devcontainer_installs_what_make_lab_needs(make_rules: dict[str, list[str]]) -> None:
    config = devcontainer()
    (install,) = [m.group(2) for m in MAKE.finditer(config["postCreateCommand"])]
    assert install in make_rules["lab"], f"make lab depends on {make_rules['lab']}, not {install}"
    assert "make lab" in config["postAttachCommand"]


def test_postbuild_is_an_executable_script_that_stops_on_errors() -> None:
    text = POSTBUILD.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert os.access(POSTBUILD, os.X_OK)
    assert "set -euo pipefail" in text and "mlcicd --version" in text
    # A binder/ folder would make Binder ignore environment.yml and this postBuild.
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()


def test_every_make_command_of_the_cloud_start_is_a_target(
    make_rules: dict[str, list[str]],
) -> None:
    sources = [
        POSTBUILD.read_text(encoding="utf-8"),
        devcontainer()["postCreateCommand"],
        devcontainer()["postAttachCommand"],
        cloud_section(),
    ]
    targets = {m.group(2) for text in sources for m in MAKE.finditer(text)}
    assert {".venv/.mlcicd-installed", "lab"} <= targets
    assert targets - set(make_rules) == set()


def test_the_binder_link_opens_the_start_page() -> None:
    urls = BINDER_URL.findall(cloud_section())
    assert urls, "the README's cloud section has no Binder link"
    for url in urls:
        (urlpath,) = parse_qs(urlparse(url).query)["urlpath"]
        assert urlpath.startswith("lab/tree/"), url
        page = urlpath.removeprefix("lab/tree/")
        assert page == "notebooks/00_start_here.ipynb"
        assert (ROOT / page).is_file()


def test_the_readme_says_the_token_stays_on_off_loopback() -> None:
    section = cloud_section()
    assert "HOST=0.0.0.0" in section and "token" in section


def test_binders_start_script_gives_kernels_the_offline_aws_environment() -> None:
    start = ROOT / "start"
    assert os.access(start, os.X_OK)
    # As Binder runs it: the environment's python first on PATH, a user's AWS key exported.
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    }
    shown = subprocess.run(
        [str(start), "env"], env=env, capture_output=True, text=True, check=True
    ).stdout
    variables = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)
    assert variables["AWS_ACCESS_KEY_ID"] != "AKIAIOSFODNN7EXAMPLE"
    assert variables["AWS_EC2_METADATA_DISABLED"] == "true"
    assert "mlcicd" in variables["BOTOCORE_EXPERIMENTAL__PLUGINS"]
