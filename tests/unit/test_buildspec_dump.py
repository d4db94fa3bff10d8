"""Writing buildspec YAML: the exact text, quoting of YAML-hostile strings, atomic files.

The round-trip property, ``from_dict(safe_load(dumps(spec))) == spec``, is
checked with hypothesis over generated buildspecs full of strings YAML would
misread, so a quoting rule that is missing shows up as a minimal failing spec.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mlcicd.buildspec.build import BuildspecBuilder
from mlcicd.buildspec.dump import dump, dumps
from mlcicd.buildspec.model import (
    COVERAGE_REPORT_FORMATS,
    PHASES,
    TEST_REPORT_FORMATS,
    VERSIONS,
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
from mlcicd.buildspec.schema import SHELLS


def safe_load(text: str, version: tuple[int, int] | None = None) -> Any:
    yaml = YAML(typ="safe", pure=True)
    if version is not None:
        yaml.version = version  # read as YAML 1.1: yes/on are booleans, 012 is octal
    return yaml.load(text)


# ---- the exact text ---------------------------------------------------------

SMALL = (
    BuildspecBuilder()
    .variables(STAGE="test")
    .runtime(python="3.10")
    .install("pip install -r requirements.txt")
    .build("pytest --junitxml=reports/unit.xml", finally_=["echo: done"])
    .report("unit", files="unit.xml", base_directory="reports", file_format="JUNITXML")
    .artifacts(files="**/*", discard_paths=True)
    .build_spec()
)

SMALL_YAML = """\
version: 0.2
env:
  variables:
    STAGE: test
phases:
  install:
    runtime-versions:
      python: "3.10"
    commands:
      - pip install -r requirements.txt
  build:
    commands:
      - pytest --junitxml=reports/unit.xml
    finally:
      - "echo: done"
reports:
  unit:
    files:
      - unit.xml
    file-format: JUNITXML
    base-directory: reports
artifacts:
  files:
    - "**/*"
  discard-paths: true
"""


def test_a_small_buildspec_is_written_as_codebuilds_documentation_writes_it() -> None:
    assert dumps(SMALL) == SMALL_YAML


def test_the_expected_text_itself_reads_back_as_the_buildspec() -> None:
    # Guards the expected text above against a typo that both sides share.
    assert from_dict(safe_load(SMALL_YAML, version=(1, 1))) == SMALL


def test_the_runtime_version_3_10_is_quoted_and_stays_3_10() -> None:
    assert '      python: "3.10"\n' in dumps(SMALL)
    assert safe_load(dumps(SMALL))["phases"]["install"]["runtime-versions"]["python"] == "3.10"


def test_the_same_buildspec_always_gives_the_same_text() -> None:
    again = BuildspecBuilder(SMALL).build_spec()
    assert dumps(SMALL) == dumps(again) == dumps(SMALL)


# ---- quoting ---------------------------------------------------------------

# Strings a YAML 1.1 or 1.2 reader would retype, or could not read, if written plainly.
HOSTILE = [
    "3.10", "0.2", "1e3", "012", "0x1F", "0b101", "0o17", "1_000", "1:20", "-1", "+1", ".5",
    ".inf", ".NaN", "yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~",
    "", "2024-01-31", "2024-01-31 10:00:00", "<<", "=",
    "*alias", "&anchor", "!tag", "|", ">", "%TAG", "@at", "`tick", "'single", '"double',
    "{a: 1}", "[a]", "#comment", "- item", "-x", "?", ":", ",", "]", "}",
    "key: value", "a #comment", "ends with colon:", " leading", "trailing ", "\ttab",
    "bell\x07", "bom\ufeff", "nul\x00",
]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
def test_a_hostile_string_is_quoted_and_read_back_unchanged_by_yaml_1_1_and_1_2(
    text: str,
) -> None:
    written = dumps(Buildspec(env=Env(variables={"V": text})))
    (line,) = [line for line in written.splitlines() if line.startswith("    V: ")]
    assert line[len("    V: ")] in "\"'", f"not quoted: {line!r}"
    for version in ((1, 1), (1, 2)):
        assert safe_load(written, version)["env"]["variables"]["V"] == text


@pytest.mark.parametrize("text", ["yes", "3.10", "key: value", ""])
def test_a_hostile_mapping_key_is_quoted_too(text: str) -> None:
    written = dumps(Buildspec(reports={text: ReportGroup(files=("a",))}))
    assert list(safe_load(written, (1, 1))["reports"]) == [text]


@pytest.mark.parametrize(
    "text", ["pytest -q", "echo done", "python -m pip install .", "a-b", "3.10-slim", "café"]
)
def test_an_ordinary_string_stays_plain(text: str) -> None:
    assert f"    V: {text}\n" in dumps(Buildspec(env=Env(variables={"V": text})))


def test_a_shell_test_full_of_double_quotes_is_single_quoted_without_escapes() -> None:
    command = 'echo "x: $A"'
    assert f"      - '{command}'\n" in dumps(BuildspecBuilder().build(command).build_spec())


def test_a_multi_line_command_is_a_literal_block() -> None:
    script = "for f in *.xml; do\n  echo $f\ndone\n"
    written = dumps(BuildspecBuilder().build(script).build_spec())
    assert "      - |\n        for f in *.xml; do\n          echo $f\n        done\n" in written
    assert safe_load(written)["phases"]["build"]["commands"] == [script]


def test_booleans_are_written_true_and_false() -> None:
    written = dumps(Buildspec(proxy=Proxy(upload_artifacts=True, logs=False)))
    assert "proxy:\n  upload-artifacts: true\n  logs: false\n" in written


# ---- writing the file -------------------------------------------------------


def test_dump_writes_the_whole_text_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "buildspec.yml"
    target.write_text("version: 0.1\n")  # an older file, replaced in one step
    assert dump(SMALL, target) == target
    assert target.read_text(encoding="utf-8") == SMALL_YAML
    assert [p.name for p in tmp_path.iterdir()] == ["buildspec.yml"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "buildspec.yml"
    target.write_text("version: 0.1\n")

    def crash(source: Any, destination: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        dump(SMALL, target)
    assert target.read_text() == "version: 0.1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["buildspec.yml"]


def test_the_file_gets_ordinary_permissions_not_private_ones(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        target = dump(SMALL, tmp_path / "buildspec.yml")
    finally:
        os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o644


# ---- the round-trip property --------------------------------------------------

# Text that is hostile to YAML more often than st.text() alone would find it.
texts = st.one_of(
    st.sampled_from(HOSTILE), st.text(max_size=10), st.text("ab:#- \n'\"", max_size=6)
)
names = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=8))
flags = st.none() | st.booleans()
optional_texts = st.none() | texts
text_lists = st.lists(texts, max_size=2).map(tuple)
text_maps = st.dictionaries(names, texts, max_size=2)


def _non_empty(section: Any) -> bool:
    # An empty section (env: {}) is left out by model.to_dict and read back as
    # None: see test_an_empty_section_survives_the_round_trip (xfail).
    return bool(to_dict(Buildspec(**{_SECTION_OF[type(section)]: section})).keys() - {"version"})


_SECTION_OF = {Env: "env", Proxy: "proxy", Batch: "batch", Artifacts: "artifacts", Cache: "cache"}

phases = st.builds(
    Phase,
    commands=text_lists,
    finally_=text_lists,
    run_as=optional_texts,
    on_failure=optional_texts,
    runtime_versions=st.dictionaries(
        names, st.sampled_from(["3.10", "3.12", "latest", *HOSTILE]), max_size=2
    ),
)
artifact_fields: dict[str, Any] = {
    "files": text_lists,
    "name": optional_texts,
    "discard_paths": flags,
    "base_directory": optional_texts,
    "exclude_paths": text_lists,
    "enable_symlinks": flags,
    "s3_prefix": optional_texts,
}
build_list_entries = st.fixed_dictionaries(
    {"identifier": st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)},
    optional={"buildspec": texts, "ignore-failure": st.booleans()},
)
buildspecs = st.builds(
    Buildspec,
    version=st.sampled_from(VERSIONS),
    run_as=optional_texts,
    env=st.none()
    | st.builds(
        Env,
        shell=optional_texts,
        variables=text_maps,
        parameter_store=text_maps,
        secrets_manager=text_maps,
        exported_variables=text_lists,
        git_credential_helper=flags,
    ).filter(_non_empty),
    proxy=st.none() | st.builds(Proxy, flags, flags).filter(_non_empty),
    batch=st.none()
    | st.builds(
        Batch, fast_fail=flags, build_list=st.lists(build_list_entries, max_size=2).map(tuple)
    ).filter(_non_empty),
    phases=st.dictionaries(st.sampled_from(PHASES), phases, max_size=3),
    reports=st.dictionaries(
        names,
        st.builds(
            ReportGroup,
            files=text_lists,
            file_format=optional_texts,
            base_directory=optional_texts,
            discard_paths=flags,
        ),
        max_size=2,
    ),
    artifacts=st.none()
    | st.builds(
        Artifacts,
        **artifact_fields,
        secondary_artifacts=st.dictionaries(
            names, st.builds(ArtifactSet, **artifact_fields), max_size=2
        ),
    ).filter(_non_empty),
    cache=st.none()
    | st.builds(
        Cache, paths=text_lists, key=optional_texts, fallback_keys=text_lists, action=optional_texts
    ).filter(_non_empty),
)


@settings(max_examples=100, deadline=None)
@given(buildspecs)
def test_any_buildspec_reads_back_unchanged_by_yaml_1_1_and_1_2(spec: Buildspec) -> None:
    written = dumps(spec)
    assert from_dict(safe_load(written, (1, 1))) == spec
    assert from_dict(safe_load(written, (1, 2))) == spec


# ---- the same property through the linting loader ---------------------------

# The loader (mlcicd.buildspec.load.loads) also lints, so these buildspecs keep
# every rule with severity "error": shell variable names, files in every report
# group and artifact set, runtime versions in install only, real on-failure values,
# a supported env.shell.
variable_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
secret_references = st.from_regex(r"[A-Za-z0-9/_+=.@-]{1,10}(:[A-Za-z0-9_]{1,6})?", fullmatch=True)
some_texts = st.lists(texts, min_size=1, max_size=2).map(tuple)
on_failures = st.none() | st.sampled_from(["ABORT", "CONTINUE", "RETRY", "RETRY-2", "RETRY-2-err"])


def _clean_phase(runtime: bool) -> st.SearchStrategy[Phase]:
    return st.builds(
        Phase,
        commands=some_texts,
        finally_=text_lists,
        run_as=optional_texts,
        on_failure=on_failures,
        runtime_versions=st.dictionaries(names, texts, max_size=2) if runtime else st.just({}),
    )


clean_artifact_fields = {**artifact_fields, "files": some_texts}
lint_clean_buildspecs = st.builds(
    Buildspec,
    version=st.sampled_from(VERSIONS),
    run_as=optional_texts,
    env=st.none()
    | st.builds(
        Env,
        shell=st.none() | st.sampled_from(SHELLS),
        variables=st.dictionaries(variable_names, texts, max_size=2),
        parameter_store=st.dictionaries(variable_names, texts, max_size=2),
        secrets_manager=st.dictionaries(variable_names, secret_references, max_size=2),
        # CodeBuild cannot export AWS_ variables (BS043).
        exported_variables=st.lists(
            variable_names.filter(lambda n: not n.upper().startswith("AWS_")), max_size=2
        ).map(tuple),
        git_credential_helper=flags,
    ).filter(_non_empty),
    phases=st.fixed_dictionaries(
        {},
        optional={"install": _clean_phase(True)}
        | {name: _clean_phase(False) for name in PHASES[1:]},
    ),
    reports=st.dictionaries(
        names,
        st.builds(
            ReportGroup,
            files=some_texts,
            file_format=st.none() | st.sampled_from(TEST_REPORT_FORMATS + COVERAGE_REPORT_FORMATS),
            base_directory=optional_texts,
            discard_paths=flags,
        ),
        max_size=2,
    ),
    artifacts=st.none()
    | st.builds(
        Artifacts,
        **clean_artifact_fields,
        secondary_artifacts=st.dictionaries(
            names, st.builds(ArtifactSet, **clean_artifact_fields), max_size=2
        ),
    ),
    cache=st.none()
    | st.builds(
        Cache,
        paths=some_texts,
        key=texts.filter(bool),
        fallback_keys=text_lists,
        action=optional_texts,
    ),
)


@settings(max_examples=100, deadline=None)
@given(lint_clean_buildspecs)
def test_any_lint_clean_buildspec_reads_back_unchanged_through_the_loader(spec: Buildspec) -> None:
    load = pytest.importorskip("mlcicd.buildspec.load")
    assert load.loads(dumps(spec), path="generated.yml") == spec
