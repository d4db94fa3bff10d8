"""Whether the CDK can run: Node.js found or not, its version, jsii's settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mlcicd.exceptions import NodeMissingError
from mlcicd.iac.environment import (
    CACHE_FOLDER,
    cdk_problem,
    configure_jsii,
    node_version,
    project_root,
    require_cdk,
)


def _fake_node(tmp_path: Path, answer: str, code: int = 0) -> str:
    """An executable that answers ``--version`` like node would."""
    script = tmp_path / "node"
    script.write_text(f"#!/bin/sh\necho '{answer}'\nexit {code}\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


@pytest.mark.parametrize(
    ("answer", "code", "expected"),
    [
        ("v22.11.0", 0, (22, 11, 0)),
        ("v20.20.2", 0, (20, 20, 2)),
        ("v24.0.0-nightly2026", 0, (24, 0, 0)),
        ("not a version", 0, None),
        ("v22.11.0", 1, None),
    ],
)
def test_node_version_reads_what_node_answers(
    tmp_path: Path, answer: str, code: int, expected: tuple[int, int, int] | None
) -> None:
    assert node_version(_fake_node(tmp_path, answer, code)) == expected


def test_a_missing_node_is_one_sentence_saying_what_to_install(tmp_path: Path) -> None:
    problem = cdk_problem(str(tmp_path / "no-such-node"))
    assert problem is not None
    assert problem.startswith("The AWS CDK needs Node.js, which is not installed here")
    assert "Node.js 22 or 24" in problem
    assert problem.count(". ") == 0 and problem.endswith(".")
    with pytest.raises(NodeMissingError, match="which is not installed here"):
        require_cdk(str(tmp_path / "no-such-node"))


def test_a_too_old_node_is_named_with_its_version(tmp_path: Path) -> None:
    problem = cdk_problem(_fake_node(tmp_path, "v16.20.1"))
    assert problem is not None
    assert "Node.js 18 or newer, and this is 16.20.1" in problem


def test_missing_python_packages_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("aws_cdk", "cfnlint") else real(name, *a),
    )
    problem = cdk_problem(_fake_node(tmp_path, "v22.1.0"))
    assert problem is not None
    assert "(aws_cdk, cfnlint)" in problem
    assert "pip install -e '.[iac]'" in problem


def test_configure_jsii_silences_the_banner_and_caches_under_build(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    environ: dict[str, str] = {}
    cwd = Path.cwd()
    os.chdir(tmp_path / "notebooks")
    try:
        changed = configure_jsii(environ)
    finally:
        os.chdir(cwd)
    assert changed == environ
    assert environ["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] == "1"
    assert "20" in environ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"].split(",")
    # A lesson runs in notebooks/: the cache is still the project's build/.
    assert environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"] == str(tmp_path.resolve() / CACHE_FOLDER)


def test_configure_jsii_keeps_what_is_already_set() -> None:
    environ = {"JSII_RUNTIME_PACKAGE_CACHE_ROOT": "/elsewhere"}
    changed = configure_jsii(environ)
    assert environ["JSII_RUNTIME_PACKAGE_CACHE_ROOT"] == "/elsewhere"
    assert "JSII_RUNTIME_PACKAGE_CACHE_ROOT" not in changed


def test_project_root_outside_a_project_is_the_start(tmp_path: Path) -> None:
    assert project_root(tmp_path) == tmp_path.resolve()
