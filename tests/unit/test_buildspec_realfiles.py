"""The linter and the runner on real-file cases (issue 17), recorded in tests/data/SOURCES.md.

``accepted/`` files are ones AWS runs: no error, only the listed warnings, and
``buildspec run`` starts them without ``--force``. ``rejected/`` files each hold
one seeded mistake the CodeBuild reference rejects: exactly that one error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mlcicd.buildspec.lint import RULES, lint_file
from mlcicd.buildspec.load import load
from mlcicd.cli import main

REALFILES = Path(__file__).resolve().parents[1] / "data" / "realfiles" / "buildspecs"

#: Accepted file -> the warnings it must give (and why), nothing else.
ACCEPTED = {
    "control-tower-tab-in-command.yml": [],  # tabs between words are YAML 1.2 blanks
    "docs-example-true-variable.yml": [],  # python: 3.12 loses no digit: no BS019
    "sam-quick-start-artifacts-type.yml": ["BS040"],  # legacy key, ignored by CodeBuild
    "slack-notify-finally-only.yml": ["BS021"],  # the reference calls commands required
    "runtime-python-3.10.yml": ["BS019"],  # 3.10 is read as 3.1
}
#: Rejected file -> the one error it must give.
REJECTED = {
    "discard-paths-flatten.yml": "BS041",
    "git-credential-helper-enabled.yml": "BS041",
    "batch-fast-fail-always.yml": "BS041",
    "env-shell-zsh.yml": "BS042",
    "cache-paths-string.yml": "BS015",
    "export-aws-region.yml": "BS043",
    "batch-graph-hyphenated-id.yml": "BS027",
}


def test_every_real_file_is_in_a_table_and_in_sources() -> None:
    files = {p.relative_to(REALFILES).as_posix() for p in REALFILES.glob("*/*.yml")}
    listed = {f"accepted/{n}" for n in ACCEPTED} | {f"rejected/{n}" for n in REJECTED}
    assert files == listed
    sources = (REALFILES.parents[1] / "SOURCES.md").read_text(encoding="utf-8")
    assert [name for name in sorted(files) if f"| {name} |" not in sources] == []


@pytest.mark.parametrize(("name", "warnings"), ACCEPTED.items(), ids=list(ACCEPTED))
def test_accepted_real_file_has_only_its_warnings_and_loads(name: str, warnings: list[str]) -> None:
    path = REALFILES / "accepted" / name
    findings = lint_file(path)
    assert [(f.code, f.severity) for f in findings] == [(code, "warning") for code in warnings]
    assert load(path).phases  # load() refuses any error: these need no --force


@pytest.mark.parametrize(("name", "code"), REJECTED.items(), ids=list(REJECTED))
def test_rejected_real_file_has_exactly_its_one_error(name: str, code: str) -> None:
    findings = lint_file(REALFILES / "rejected" / name)
    assert [(f.code, f.severity) for f in findings] == [(code, "error")], [
        f.format() for f in findings
    ]


def test_a_hyphenated_identifier_is_reported_once_with_the_fix() -> None:
    [finding] = lint_file(REALFILES / "rejected" / "batch-graph-hyphenated-id.yml")
    assert "linux_small" in finding.fix and (finding.line, finding.column) == (6, 19)


def test_ignored_key_warning_says_codebuild_ignores_it() -> None:
    [finding] = lint_file(REALFILES / "accepted" / "sam-quick-start-artifacts-type.yml")
    assert "ignored by CodeBuild" in finding.message and finding.line == 24


@pytest.mark.parametrize("code", ["BS040", "BS041", "BS042", "BS043", "BS019", "BS021"])
def test_new_and_changed_rules_cite_the_codebuild_reference(code: str) -> None:
    rule = RULES[code]
    assert rule.url.startswith("https://docs.aws.amazon.com/codebuild/latest/userguide/")
    assert "#" in rule.url  # the section of the reference, not just the page


def test_run_sets_an_unquoted_true_variable_as_written(tmp_path: Path) -> None:
    # The file runs without --force, and SKIP_INTEGRATION is "true", not YAML-respelt "yes".
    source = tmp_path / "src"
    source.mkdir()
    result = CliRunner().invoke(
        main,
        [
            "buildspec",
            "run",
            str(REALFILES / "accepted" / "docs-example-true-variable.yml"),
            "--source",
            str(source),
            "--workdir",
            str(tmp_path / "work"),
        ],
    )
    assert "skip=true" in result.output, result.output
    assert "lint error" not in result.output
