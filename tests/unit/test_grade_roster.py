"""A class's results by learner: outcomes, safe and distinct file names, cleaned text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.roster import (
    by_learner,
    clean_text,
    file_stem,
    file_stems,
    outcome,
    what_happened,
)

SAFE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def result(
    learner: str = "alice",
    exercise: str = "02_unit_tests",
    statuses: tuple[str, ...] = ("passed",),
    errors: tuple[str, ...] = (),
) -> SubmissionResult:
    """Return a result whose checkpoints 02.1, 02.2, ... have ``statuses`` (2 points each)."""
    checkpoints = tuple(
        CheckpointResult(f"02.{i}", 2 if s == "passed" else 0, 2, s)
        for i, s in enumerate(statuses, start=1)
    )
    score = sum(c.points for c in checkpoints)
    path = f"class/{learner}/{exercise or 'x'}.ipynb"
    return SubmissionResult(path, learner, exercise, score, 2 * len(statuses), checkpoints, errors)


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (result(statuses=("passed", "failed")), "graded"),
        (result(statuses=("timeout", "deleted")), "graded"),
        (result(exercise="", statuses=(), errors=("not a readable notebook",)), "not graded"),
        (result(statuses=(), errors=("grading did not run: nbval stopped",)), "not graded"),
        (result(statuses=("passed", "not gradable"), errors=("not gradable: x",)), "not gradable"),
    ],
)
def test_outcome(built: SubmissionResult, expected: str) -> None:
    assert outcome(built) == expected


def test_by_learner_sorts_learners_and_their_exercises_unknown_last() -> None:
    results = [
        result("bob", "03_data_tests"),
        result("alice", ""),
        result("alice", "03_data_tests"),
        result("alice", "02_unit_tests"),
    ]
    grouped = by_learner(results)
    assert list(grouped) == ["alice", "bob"]
    assert [r.exercise for r in grouped["alice"]] == ["02_unit_tests", "03_data_tests", ""]


@pytest.mark.parametrize("name", ["alice", "Bob-Smith", "a.b", "x_1", "0"])
def test_a_safe_name_is_its_own_file_name(name: str) -> None:
    assert file_stem(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "a/b",
        "a\\b",
        "..",
        ".",
        "",
        ".hidden",
        "trailing.",
        "con",
        "NUL.txt",
        "名前",
        "x" * 300,
        "a\x00b",
    ],
)
def test_an_unsafe_name_becomes_a_safe_file_name(name: str) -> None:
    stem = file_stem(name)
    assert SAFE.fullmatch(stem), stem
    assert stem != name
    assert not stem.endswith(".") and ".." not in stem
    assert len(stem) <= 100
    assert Path(f"{stem}.html").name == f"{stem}.html"  # no separator: one path component


def test_names_that_would_clash_get_distinct_file_names() -> None:
    names = ["a/b", "a_b", "a\\b", "a:b", "Alice", "alice", "ALICE"]
    stems = file_stems(names)
    assert len({stem.casefold() for stem in stems.values()}) == len(names)
    assert stems["a_b"] == "a_b" and stems["alice"] == "alice"  # safe, lower case: unchanged
    assert stems["Alice"].startswith("Alice-") and stems["ALICE"].startswith("ALICE-")


def test_a_file_name_does_not_depend_on_the_other_learners() -> None:
    alone = file_stems(["a/b"])["a/b"]
    assert file_stems(["a/b", "zed", "a_b", "ob"])["a/b"] == alone == file_stem("a/b")


def test_clean_text_makes_control_characters_and_lone_surrogates_writable(
    tmp_path: Path,
) -> None:
    text = clean_text("a\x00b\x1b[31mc\udcff")
    assert "\x00" not in text and "\x1b" not in text and "\udcff" not in text
    assert text.startswith("a\N{REPLACEMENT CHARACTER}b")
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")  # would raise on a surrogate


@pytest.mark.parametrize(
    ("message", "hint", "expected"),
    [
        (
            "Checkpoint 02.1 failed (0/2 points): a constant column: got NaN. Hint: Use min.",
            "Use min.",
            "a constant column: got NaN.",
        ),
        (
            "Checkpoint 02.3 cannot be graded here (0/3 points): no hypothesis.",
            "",
            "no hypothesis.",
        ),
        ("NameError: name 'x' is not defined", "Use min.", "NameError: name 'x' is not defined"),
        ("Checkpoint 02.1 failed (0/2 points): x. Hint: Other.", "Use min.", "x. Hint: Other."),
    ],
)
def test_what_happened_drops_what_is_shown_beside_it(
    message: str, hint: str, expected: str
) -> None:
    assert what_happened(message, hint) == expected
