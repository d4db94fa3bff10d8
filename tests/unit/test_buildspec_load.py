"""Reading buildspec YAML: positions, what YAML hides, and hostile input in bounded time."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mlcicd.buildspec.document import MAX_NODES, parse
from mlcicd.buildspec.load import load, loads, model_of
from mlcicd.exceptions import BuildspecError

SPEC = """\
version: 0.2
env:
  variables:
    DEBUG: yes
    PY: 3.10
phases:
  build:
    commands:
      - make
"""


@pytest.mark.parametrize(
    ("where", "key", "expected"),
    [
        (("version",), True, (1, 1)),
        (("version",), False, (1, 10)),
        (("env", "variables", "PY"), True, (5, 5)),
        (("env", "variables", "PY"), False, (5, 9)),
        (("phases", "build", "commands", 0), False, (9, 9)),
        (("phases", "build", "nosuch"), False, (8, 5)),  # the parent mapping starts at line 8
    ],
)
def test_positions_are_one_based(where: tuple, key: bool, expected: tuple[int, int]) -> None:
    assert parse(SPEC).where(where, key=key) == expected


def test_data_is_read_as_yaml_1_1() -> None:
    document = parse(SPEC)
    assert document.data["env"]["variables"] == {"DEBUG": True, "PY": 3.1}
    assert document.data["version"] == 0.2
    assert document.raws[("env", "variables", "PY")] == "3.10"


def test_duplicate_key_reports_both_lines() -> None:
    [duplicate] = parse("a: 1\nb: 2\na: 3\n").duplicates
    assert (duplicate.path, duplicate.first, duplicate.second) == (("a",), (1, 1), (3, 1))


BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        pytest.param("a:\n\t- b\n", "BS003", 2, 1, id="tab"),
        pytest.param("a: caf\xe9\n".encode("latin-1"), "BS004", 1, 7, id="latin-1"),
        pytest.param("a: " + "x" * 5_000_000, "BS005", 1, 1, id="5MB"),
        pytest.param("[" * 10_000 + "]" * 10_000, "BS006", 1, 101, id="10000-deep"),
        pytest.param(BILLION_LAUGHS, "BS007", 6, 8, id="billion-laughs"),
        pytest.param("a: &x [*x]\n", "BS001", 1, 8, id="self-alias"),
    ],
)
def test_hostile_or_broken_yaml_stops_fast_with_a_location(
    text: str | bytes, code: str, line: int, column: int
) -> None:
    started = time.perf_counter()
    with pytest.raises(BuildspecError) as caught:
        parse(text, path="bs.yml")
    # Generous bound for shared machines; unbounded expansion would take hours.
    assert time.perf_counter() - started < 5
    error = caught.value
    assert (error.code, error.line, error.column) == (code, line, column)
    assert str(error).startswith(f"bs.yml:{line}:{column}: ")


def test_aliases_within_the_bound_expand() -> None:
    document = parse("d: &d [make, test]\nphases:\n  build:\n    commands: *d\n")
    assert document.data["phases"]["build"]["commands"] == ["make", "test"]
    assert MAX_NODES >= 10_000


def test_merge_key_keeps_keys_written_here() -> None:
    document = parse("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n")
    assert document.data["x"] == {"a": 1, "b": 3}


def test_loads_returns_the_model_of_the_data() -> None:
    assert loads(SPEC) == model_of(parse(SPEC))


def test_load_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "buildspec.yml"
    path.write_text(SPEC, encoding="utf-8")
    assert load(path) == model_of(parse(SPEC))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("true", "true"),
        ("False", "False"),
        ("yes", "yes"),
        ("3.10", "3.10"),
        ("010", "010"),
        ("'quoted'", "quoted"),
        ("", ""),
    ],
)
def test_variables_are_set_as_written_not_as_yaml_retyped_them(written: str, expected: str) -> None:
    # YAML 1.1 reads `true` as a boolean; the old model re-spelt it "yes" (issue 17).
    spec = loads(
        f"version: 0.2\nenv:\n  variables:\n    V: {written}\n" + SPEC[SPEC.index("phases") :]
    )
    assert spec.env is not None and spec.env.variables == {"V": expected}


def test_a_switch_stays_a_boolean() -> None:
    # Only variables are text by nature.
    spec = loads("version: 0.2\nenv:\n  git-credential-helper: yes\n" + BUILD_ONLY)
    assert spec.env is not None and spec.env.git_credential_helper is True


BUILD_ONLY = "phases:\n  build:\n    commands:\n      - make\n"


@pytest.mark.parametrize(
    ("line", "commands"),
    [
        # The official AWS Solution's if/else with tabs between words (issue 17).
        (
            "      - if [ -f a ];then x=1;\telse exit 1;\tfi;\n",
            ["if [ -f a ];then x=1;\telse exit 1;\tfi;"],
        ),
        ("      - echo a\t# a comment\n", ["echo a"]),
        ("      - echo a \t\n", ["echo a"]),
        ("      -\tmake\n", ["make"]),
        ("      - echo a\tb\n        c\td\n", ["echo a\tb c\td"]),
        ('      - "echo\\tb"\n', ["echo\tb"]),
    ],
    ids=["mid-line", "before-comment", "trailing", "after-dash", "folded", "quoted-escape"],
)
def test_tabs_between_words_are_read_as_yaml_1_2_reads_them(line: str, commands: list[str]) -> None:
    # Pins TabScanner's overrides of ruamel.yaml's scanner hooks: if an upgrade of
    # ruamel.yaml changes scan_plain_spaces/scan_to_next_token, this fails first.
    document = parse("version: 0.2\nphases:\n  build:\n    commands:\n" + line)
    assert document.data["phases"]["build"]["commands"] == commands


def test_a_tab_after_a_key_is_a_blank() -> None:
    assert parse("version:\t0.2\nphases: {}\n").data == {"version": 0.2, "phases": {}}


@pytest.mark.parametrize(
    "text",
    ["phases:\n\tbuild: {}\n", "phases:\n  build:\n    commands:\n\t- make\n", "a:\n \tb: 1\n"],
)
def test_a_tab_in_indentation_is_still_bs003(text: str) -> None:
    with pytest.raises(BuildspecError) as caught:
        parse(text)
    assert (
        caught.value.code == "BS003"
        and caught.value.line == text.count("\n", 0, text.index("\t")) + 1
    )


def test_loads_raises_the_first_error_and_counts_them() -> None:
    text = "version: 0.0\nphases:\n  biuld:\n    commands: [a]\n"
    with pytest.raises(BuildspecError) as caught:
        loads(text, path="b.yml")
    assert (caught.value.code, caught.value.line) == ("BS011", 1)
    assert "1 of 2 errors" in str(caught.value)


def test_load_of_a_missing_file_is_a_buildspec_error(tmp_path: Path) -> None:
    with pytest.raises(BuildspecError, match="cannot read"):
        load(tmp_path / "nope.yml")
