"""The one lint core (mlcicd.lint): severities, places, findings, the registry and the printer."""

from __future__ import annotations

import json

import pytest

from mlcicd.lint import Finding, Hit, Registry, Rule, Severity, Where, exit_code, render, suggest


def finding(severity: str = "error", **where: object) -> Finding:
    """A finding of rule ``XX001`` at ``where``."""
    return Finding("XX001", Severity(severity), "it is wrong", "do this", Where(**where))


@pytest.mark.parametrize(
    ("where", "text"),
    [
        (Where("buildspec.yml", 3, 5), "buildspec.yml:3:5"),
        (Where("buildspec.yml", 3), "buildspec.yml:3:1"),
        (Where("notebooks/02.ipynb", cell=4), "notebooks/02.ipynb:cell 4"),
        (Where("notebooks/02.ipynb"), "notebooks/02.ipynb"),
        (Where("p.json", location="stages[1]"), "p.json: stages[1]"),
        (Where(location="stages[1].actions[0]"), "stages[1].actions[0]"),
        (Where(), "<input>"),
    ],
)
def test_where_reads_as_the_linters_place(where: Where, text: str) -> None:
    assert str(where) == text


def test_a_finding_formats_on_one_line_with_its_fix() -> None:
    assert finding(path="b.yml", line=2, column=7).format() == (
        "b.yml:2:7: XX001 it is wrong (do this)"
    )
    without_fix = Finding("XX002", Severity.WARNING, "odd", where=Where(location="$"))
    assert str(without_fix) == "$: XX002 odd"


def test_a_finding_takes_the_plain_string_severity() -> None:
    made = Finding("XX001", "warning", "m")  # type: ignore[arg-type]
    assert made.severity is Severity.WARNING
    assert made.severity == "warning"
    with pytest.raises(ValueError, match="fatal"):
        Finding("XX001", "fatal", "m")  # type: ignore[arg-type]


def test_to_dict_keeps_only_the_known_parts_of_where() -> None:
    data = finding(path="p.json", location="stages[0]").to_dict()
    assert data == {
        "code": "XX001",
        "severity": "error",
        "message": "it is wrong",
        "fix": "do this",
        "path": "p.json",
        "location": "stages[0]",
    }
    assert json.loads(json.dumps(data)) == data


def test_placed_moves_a_finding_and_keeps_the_rest() -> None:
    first = finding(location="stages[1]")
    moved = first.placed(path="t.yml", location="Pipeline.stages[1]")
    assert (moved.path, moved.location, moved.code, moved.fix) == (
        "t.yml",
        "Pipeline.stages[1]",
        "XX001",
        "do this",
    )
    assert first.location == "stages[1]"


def _registry() -> Registry:
    rules = Registry("demo")

    @rules.rule("XX002", "a value is odd", Severity.WARNING, url="https://example.org/b")
    def check_odd(numbers: list[int]) -> list[Hit]:
        return [Hit(i, f"{n} is odd", "use an even number") for i, n in enumerate(numbers) if n % 2]

    @rules.rule("XX001", "a value is negative", url="https://example.org/a", example="[-1]")
    def check_negative(numbers: list[int]) -> list[Hit]:
        return [Hit(i, f"{n} is negative") for i, n in enumerate(numbers) if n < 0]

    rules.declare("XX000", "the input cannot be read", url="https://example.org/0")
    return rules


def test_the_registry_runs_checks_in_id_order() -> None:
    rules = _registry()
    assert [rule.id for rule in rules] == ["XX000", "XX001", "XX002"]
    found = [(rule.id, hit.where, hit.message) for rule, hit in rules.hits([3, -2, -1])]
    assert found == [
        ("XX001", 1, "-2 is negative"),
        ("XX001", 2, "-1 is negative"),
        ("XX002", 0, "3 is odd"),
        ("XX002", 2, "-1 is odd"),
    ]
    assert rules["XX000"].check is None
    assert "XX002" in rules
    assert len(rules) == 3


def test_the_decorator_returns_the_check_unchanged() -> None:
    rules = Registry("demo")

    def check(subject: object) -> list[Hit]:
        return []

    assert rules.rule("XX001", "s", url="u")(check) is check


def test_a_rule_id_registered_twice_is_refused() -> None:
    rules = _registry()
    with pytest.raises(ValueError, match="demo lint: rule XX001 is registered twice"):
        rules.declare("XX001", "again", url="https://example.org")


def test_describe_lists_each_rule_with_its_source() -> None:
    lines = _registry().describe().splitlines()
    assert lines[2] == "XX001  error    a value is negative  e.g. [-1]"
    assert lines[3].strip() == "https://example.org/a"
    unsourced = Rule("XX009", "house style", Severity.WARNING, "")
    assert unsourced.describe().endswith("(the course's own advice)")


@pytest.mark.parametrize(
    ("word", "choices", "fix"),
    [
        ("comands", ["commands", "finally"], "did you mean 'commands'?"),
        ("zzz", ["commands", "finally"], ""),
        (3, ["commands"], ""),
    ],
)
def test_suggest(word: object, choices: list[str], fix: str) -> None:
    assert suggest(word, choices) == fix


def test_render_text_ends_with_the_summary() -> None:
    findings = [finding(path="a.yml", line=1), finding("warning", path="a.yml", line=2)]
    assert render(findings, subject="1 file(s)").splitlines() == [
        "a.yml:1:1: XX001 it is wrong (do this)",
        "a.yml:2:1: XX001 it is wrong (do this)",
        "1 file(s): 1 error(s), 1 warning(s)",
    ]
    infos = render([finding("info")], subject="t.json")
    assert infos == "<input>: XX001 it is wrong (do this)\nt.json: 0 error(s), 0 warning(s), 1 info"


def test_render_json_is_a_list_of_findings() -> None:
    findings = [finding(path="a.yml", line=4, column=2)]
    assert json.loads(render(findings, output="json", subject="ignored")) == [findings[0].to_dict()]


@pytest.mark.parametrize(
    ("severities", "code"),
    [((), 0), (("warning", "info"), 0), (("warning", "error"), 1)],
)
def test_exit_code_is_one_only_for_an_error(severities: tuple[str, ...], code: int) -> None:
    assert exit_code([finding(s) for s in severities]) == code
