"""The typed buildspec model: what from_dict widens, what to_dict writes, and in which order."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mlcicd.buildspec.model import (
    Artifacts,
    ArtifactSet,
    Batch,
    Buildspec,
    Cache,
    Env,
    Phase,
    Proxy,
    ReportGroup,
    from_dict,
    to_dict,
)
from mlcicd.exceptions import BuildspecError

# One buildspec with every section set, as a hand-written model.
FULL = Buildspec(
    version="0.2",
    run_as="root",
    env=Env(
        shell="bash",
        variables={"STAGE": "test", "PYTHON": "3.10"},
        parameter_store={"TOKEN": "/ci/token"},
        secrets_manager={"KEY": "prod/key:api-key"},
        exported_variables=("STAGE",),
        git_credential_helper=True,
    ),
    proxy=Proxy(upload_artifacts=False, logs=True),
    batch=Batch(fast_fail=True, build_list=({"identifier": "py311"}, {"identifier": "py312"})),
    phases={
        "install": Phase(runtime_versions={"python": "3.12"}, commands=("pip install .",)),
        "build": Phase(commands=("pytest",), finally_=("echo done",), on_failure="ABORT"),
        "post_build": Phase(commands=("echo bye",), run_as="builder"),
    },
    reports={"unit": ReportGroup(files=("*.xml",), file_format="JUNITXML", base_directory="r")},
    artifacts=Artifacts(
        files=("dist/*",),
        name="wheel",
        discard_paths=True,
        secondary_artifacts={"docs": ArtifactSet(files=("site/**/*",), base_directory="site")},
    ),
    cache=Cache(paths=("/root/.cache/pip/**/*",), key="pip", fallback_keys=("pip-",)),
)


# ---- from_dict widens what CodeBuild widens --------------------------------


def test_a_single_string_where_a_list_belongs_becomes_a_one_item_list() -> None:
    spec = from_dict({"version": 0.2, "phases": {"build": {"commands": "pytest"}}})
    assert spec.phases["build"].commands == ("pytest",)


@pytest.mark.parametrize(
    ("written", "flag"),
    [("yes", True), ("no", False), ("true", True), ("off", False), (True, True), (False, False)],
)
def test_yes_no_words_and_booleans_become_booleans(written: Any, flag: bool) -> None:
    spec = from_dict({"artifacts": {"files": ["a"], "discard-paths": written}})
    assert spec.artifacts is not None
    assert spec.artifacts.discard_paths is flag


def test_numbers_where_text_belongs_become_text() -> None:
    data = {"env": {"variables": {"RETRIES": 3}}, "phases": {"install": {"commands": [1]}}}
    spec = from_dict(data)
    assert spec.env is not None
    assert spec.env.variables == {"RETRIES": "3"}
    assert spec.phases["install"].commands == ("1",)


def test_version_read_as_the_float_0_2_is_the_text_0_2() -> None:
    assert from_dict({"version": 0.2}).version == "0.2"


def test_a_float_runtime_version_has_already_lost_its_digits() -> None:
    # Why the dumper quotes versions: YAML read 3.10 as 3.1 before the model saw it.
    spec = from_dict({"phases": {"install": {"runtime-versions": {"python": 3.10}}}})
    assert spec.phases["install"].runtime_versions == {"python": "3.1"}


# ---- to_dict writes CodeBuild's keys, in CodeBuild's order ------------------


def test_to_dict_leaves_out_what_is_unset() -> None:
    spec = Buildspec(phases={"build": Phase(commands=("pytest",))})
    assert to_dict(spec) == {"version": "0.2", "phases": {"build": {"commands": ["pytest"]}}}


def test_top_level_keys_follow_codebuilds_order() -> None:
    keys = ["version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts"]
    assert list(to_dict(FULL)) == [*keys, "cache"]


def test_phases_are_written_in_the_order_codebuild_runs_them() -> None:
    spec = Buildspec(phases={"post_build": Phase(commands=("b",)), "install": Phase()})
    assert list(to_dict(spec)["phases"]) == ["install", "post_build"]


def test_phase_keys_follow_codebuilds_order() -> None:
    phase = Phase(("c",), ("f",), run_as="u", on_failure="ABORT", runtime_versions={"p": "1"})
    written = to_dict(Buildspec(phases={"install": phase}))["phases"]["install"]
    assert list(written) == ["run-as", "on-failure", "runtime-versions", "commands", "finally"]


def test_keys_use_dashes_and_finally_loses_its_underscore() -> None:
    written = to_dict(FULL)
    assert written["env"]["git-credential-helper"] is True
    assert written["phases"]["build"]["finally"] == ["echo done"]
    assert "secondary-artifacts" in written["artifacts"]


# ---- from_dict(to_dict(x)) == x --------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        Buildspec(),
        Buildspec(version="0.1", run_as="root"),
        Buildspec(phases={"install": Phase()}),
        Buildspec(reports={"empty": ReportGroup()}),
        Buildspec(artifacts=Artifacts(secondary_artifacts={"a": ArtifactSet(files=("x",))})),
        FULL,
    ],
    ids=["empty", "version-0.1", "empty-phase", "empty-group", "secondary-only", "full"],
)
def test_from_dict_of_to_dict_gives_the_model_back(spec: Buildspec) -> None:
    assert from_dict(to_dict(spec)) == spec


@pytest.mark.parametrize(
    "spec",
    [Buildspec(env=Env()), Buildspec(proxy=Proxy()), Buildspec(cache=Cache())],
    ids=["env", "proxy", "cache"],
)
def test_an_empty_section_survives_the_round_trip(spec: Buildspec) -> None:
    assert from_dict(to_dict(spec)) == spec


def test_a_variable_with_no_value_is_an_empty_string() -> None:
    # "FOO:" with nothing after it is YAML null; the shell gets FOO="", never "None".
    assert from_dict({"env": {"variables": {"FOO": None}}}).env == Env(variables={"FOO": ""})


def test_batch_entries_are_copies_of_the_input() -> None:
    data = {"batch": {"build-list": [{"identifier": "linux"}]}}
    spec = from_dict(data)
    spec.batch.build_list[0]["identifier"] = "changed"
    assert data["batch"]["build-list"][0]["identifier"] == "linux"


# ---- impossible shapes ------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (["version", "0.2"], "must be a mapping of sections"),
        ({"env": "bash"}, "env must be a mapping"),
        ({"phases": {"build": ["pytest"]}}, "phases.build must be a mapping"),
        ({"reports": {"unit": "*.xml"}}, "reports.unit must be a mapping"),
        ({"artifacts": {"secondary-artifacts": ["a"]}}, "secondary-artifacts must be a mapping"),
        ({"phases": ["build"]}, "^phases must be a mapping, not list"),
        ({"env": {"variables": "FOO=1"}}, "^env.variables must be a mapping, not str"),
        ({"artifacts": {"secondary-artifacts": {"b": 3}}}, "^artifacts.secondary-artifacts.b must"),
    ],
    ids=[
        "document",
        "env",
        "phase",
        "report-group",
        "secondary-artifacts",
        "phases",
        "vars",
        "files",
    ],
)
def test_shapes_no_model_can_hold_raise_buildspec_error(data: Any, message: str) -> None:
    with pytest.raises(BuildspecError, match=message):
        from_dict(data)


# ---- inputs are never changed ----------------------------------------------


def test_from_dict_does_not_change_its_input() -> None:
    data = to_dict(FULL)
    before = copy.deepcopy(data)
    from_dict(data)
    assert data == before


def test_to_dict_does_not_change_the_model_and_shares_no_lists() -> None:
    before = copy.deepcopy(FULL)
    written = to_dict(FULL)
    written["env"]["variables"]["STAGE"] = "changed"
    written["phases"]["build"]["commands"].append("changed")
    assert before == FULL
