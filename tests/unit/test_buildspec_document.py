"""Reading buildspec YAML: positions, what YAML hides, and hostile input in bounded time.

:func:`mlcicd.buildspec.document.parse` sits on ruamel.yaml's composer and YAML 1.1
constructor; the data it gives is checked against ruamel's own safe loader.
"""

from __future__ import annotations

import math
import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import MantissaNoDotYAML1_1Warning
from ruamel.yaml.nodes import MappingNode

from mlcicd.buildspec.document import MAX_DEPTH, MAX_NODES, AliasNode, parse
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


# ---- agreement with ruamel.yaml's own YAML 1.1 safe loader ----

# Plain scalars YAML 1.1 types in every way CodeBuild meets them (timestamps aside:
# they stay text here, tested below).
SCALARS = [
    "make", "two words", "yes", "No", "on", "OFF", "y", "n", "true", "False", "~", "null", "",
    "010", "0x1F", "0b101", "1_000", "-7", "+12", "0", "1:30", "1:30.5", "3.10", "0.2",
    "-.inf", "6.02e+23", "1e5", "0o17", "'yes'", '"3.10"', "'010'",
]  # fmt: skip
# Keys that stay distinct once typed (True == 1 would collide).
KEYS = ["a", "b", "version", "3.10", "yes", "010", "x y"]


def _safe_1_1(text: str) -> object:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MantissaNoDotYAML1_1Warning)  # "1e5"
        return yaml.load(text)


def _block(value: object, indent: int = 0) -> list[str]:
    """Block-style YAML lines for a tree of dicts, lists and plain-scalar tokens."""
    pad = " " * indent
    lines: list[str] = []
    items = value.items() if isinstance(value, dict) else (("-", item) for item in value)
    for key, item in items:
        head = f"{pad}{key}" + ("" if key == "-" else ":")
        if isinstance(item, dict | list) and item:
            lines += [head, *_block(item, indent + 2)]
        else:
            empty = "{}" if isinstance(item, dict) else "[]" if isinstance(item, list) else item
            lines.append(f"{head} {empty}".rstrip())
    return lines


TREES = st.recursive(
    st.sampled_from(SCALARS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), TREES, min_size=1))
def test_data_is_what_ruamels_yaml_1_1_safe_loader_gives(tree: dict[str, object]) -> None:
    text = "\n".join(_block(tree)) + "\n"
    assert parse(text).data == _safe_1_1(text)


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n",
        "x:\n  b: 3\n  <<: {a: 1, b: 2}\n",
        # Of several merged mappings the first that has a key wins.
        "a: &a {k: 1, m: 1}\nb: &b {k: 2, o: 2}\nx:\n  <<: [*a, *b]\n  m: 3\n",
        "a: &a [make, test]\nb: {c: *a, d: *a}\n",
    ],
    ids=["merge-after", "merge-before", "merge-list", "shared-alias"],
)
def test_merges_and_aliases_agree_with_ruamel(text: str) -> None:
    assert parse(text).data == _safe_1_1(text)


def test_scalars_type_as_yaml_1_1() -> None:
    data = parse("a: 010\nb: 1:30\nc: 1:30.5\nd: 0x1F\ne: -.inf\nf: ~\ng: Off\n").data
    assert data == {"a": 8, "b": 90, "c": 90.5, "d": 31, "e": -math.inf, "f": None, "g": False}


def test_a_yaml_1_2_directive_does_not_change_codebuilds_reading() -> None:
    assert parse("%YAML 1.2\n---\na: yes\nb: 010\n").data == {"a": True, "b": 8}


def test_timestamps_stay_text_and_typed_keys_leave_no_raw() -> None:
    document = parse("d: 2001-12-14\n010: 3.10\n")
    assert document.data == {"d": "2001-12-14", 8: 3.1}
    assert document.raws == {("d",): "2001-12-14", (8,): "3.10"}


# ---- positions and the composed tree ----


def test_the_root_is_the_composed_tree_with_aliases_kept() -> None:
    root = parse("a: &x [1]\nb: *x\n").root
    assert isinstance(root, MappingNode)
    (_, anchored), (_, alias) = root.value
    assert isinstance(alias, AliasNode) and alias.value is anchored
    assert (alias.start_mark.line, alias.start_mark.column) == (1, 3)


def test_a_merge_keeps_the_mappings_own_position() -> None:
    document = parse("base: &b {a: 1}\nx:\n  <<: *b\n  c: 2\n")
    assert document.data["x"] == {"a": 1, "c": 2}
    assert document.where(("x",)) == (3, 3)
    # "base: &b {" is ten characters: the merged key is written in column 11.
    assert document.where(("x", "a"), key=True) == (1, 11)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: &x 1\nb: *x\nc: &x 2\nd: *x\n", {"a": 1, "b": 1, "c": 2, "d": 2}),
        ("a: 1e5\n", {"a": 100000.0}),
    ],
    ids=["redefined-anchor", "float-without-dot"],
)
def test_valid_yaml_reads_without_a_warning(text: str, expected: dict[str, object]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse(text).data == expected


# ---- what stops parsing ----


def _stop(text: str) -> BuildspecError:
    started = time.perf_counter()
    with pytest.raises(BuildspecError) as caught:
        parse(text, path="bs.yml")
    assert time.perf_counter() - started < 5  # generous for shared machines
    return caught.value


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "message"),
    [
        ("a: 1\n---\nb: 2\n", "BS001", 2, 1, "more than one YAML document"),
        ("a: *x\n", "BS001", 1, 4, "unknown alias *x"),
        ("a: !!int abc\n", "BS001", 1, 4, "'abc' is not a valid int"),
        ("a: !Ref b\n", "BS001", 1, 4, "unknown YAML tag !Ref"),
        ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "BS006", 1, MAX_DEPTH + 1, "nesting"),
        # a_i nests a_(i-1) one level deeper: a99's alias expands past 100 levels.
        (
            "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 400)),
            "BS006",
            100,
            len("a99: &a99 [") + 1,
            "nesting deeper than 100",
        ),
    ],
    ids=["two-documents", "unknown-alias", "bad-int", "cfn-tag", "101-deep", "alias-chain"],
)
def test_what_stops_parsing_is_located_and_explained(
    text: str, code: str, line: int, column: int, message: str
) -> None:
    error = _stop(text)
    assert (error.code, error.line, error.column) == (code, line, column)
    assert message in str(error)


def test_nesting_up_to_the_limit_is_read() -> None:
    data = parse("[" * MAX_DEPTH + "x" + "]" * MAX_DEPTH).data
    for _ in range(MAX_DEPTH):
        assert isinstance(data, list)
        (data,) = data
    assert data == "x"
