"""The buildspec linter: each rule on a small broken buildspec, at the exact line and column.

Every row of :data:`BROKEN` is one mistake people make in real buildspecs; the
test asserts the rule's code and where it points. Clean buildspecs (and the
study guide's) give no finding but the advice the course teaches.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlcicd.buildspec.lint import RULES, UNREADABLE, lint_file, lint_text

STUDY_GUIDE = """\
version: 0.2
phases:
  install:
    commands:
      - pip install -r requirements.txt
  build:
    commands:
      - pytest tests/unit_tests/
  post_build:
    commands:
      - echo "Tests completed"
artifacts:
  files:
    - '**/*'
"""

V = "version: 0.2\n"
BUILD = "phases:\n  build:\n    commands:\n      - make\n"

#: (id, text, code, line, column): the one finding of ``code`` expected, and where.
BROKEN: list[tuple[str, str | bytes, str, int, int]] = [
    ("syntax", V + "phases: [build\n", "BS001", 3, 1),
    ("unknown-tag", V + "run-as: !Ref User\n" + BUILD, "BS001", 2, 9),
    ("two-documents", V + BUILD + "---\nversion: 0.2\n", "BS001", 6, 1),
    ("duplicate-key", V + BUILD + "    commands:\n      - test\n", "BS002", 6, 5),
    ("tab-indent", V + "phases:\n\tbuild:\n    commands: [make]\n", "BS003", 3, 1),
    ("tab-before-item", V + "phases:\n  build:\n    commands:\n\t- make\n", "BS003", 5, 1),
    ("latin-1", (V + "env:\n  variables:\n    CITY: Malm\xf6\n").encode("latin-1"), "BS004", 4, 15),
    ("too-large", V + "run-as: " + "x" * (2 << 20) + "\n", "BS005", 1, 1),
    ("too-deep", V + "env: " + "[" * 200 + "]" * 200 + "\n", "BS006", 2, 105),
    ("not-mapping", "- version: 0.2\n", "BS010", 1, 1),
    ("empty", "# nothing here\n", "BS010", 1, 1),
    ("version-missing", BUILD, "BS011", 1, 1),
    ("version-0.0", "version: 0.0\n" + BUILD, "BS011", 1, 10),
    ("version-string", "version: '1.0'\n" + BUILD, "BS011", 1, 10),
    ("version-0.20", "version: 0.20\n" + BUILD, "BS012", 1, 10),
    ("top-level-typo", V + BUILD + "artifact:\n  files: [a]\n", "BS013", 6, 1),
    ("phase-typo", V + "phases:\n  prebuild:\n    commands: [make]\n", "BS014", 3, 3),
    ("commands-typo", V + "phases:\n  build:\n    command:\n      - make\n", "BS014", 4, 5),
    (
        "report-key-typo",
        V + BUILD + "reports:\n  r:\n    files: [a]\n    format: X\n",
        "BS014",
        9,
        5,
    ),
    ("phases-list", V + "phases:\n  - build\n", "BS015", 3, 3),
    ("commands-mapping", V + "phases:\n  build:\n    commands:\n      make: all\n", "BS015", 5, 7),
    ("env-scalar", V + "env: FOO=1\n" + BUILD, "BS015", 2, 6),
    (
        "command-colon",
        V + "phases:\n  build:\n    commands:\n      - echo key: value\n",
        "BS016",
        5,
        9,
    ),
    (
        "runtime-in-build",
        V
        + "phases:\n  build:\n    runtime-versions:\n      python: '3.12'\n    commands: [make]\n",
        "BS017",
        4,
        5,
    ),
    ("env-1.20", V + "env:\n  variables:\n    TF_VERSION: 1.20\n" + BUILD, "BS018", 4, 17),
    (
        "python-3.10",
        V + "phases:\n  install:\n    runtime-versions:\n      python: 3.10\n" + BUILD[8:],
        "BS019",
        5,
        15,
    ),
    ("empty-commands", V + BUILD + "  post_build:\n    commands:\n", "BS020", 7, 5),
    ("empty-commands-list", V + "phases:\n  build:\n    commands: []\n", "BS020", 4, 5),
    ("finally-alone", V + "phases:\n  build:\n    finally:\n      - echo done\n", "BS021", 4, 5),
    (
        "on-failure-lower",
        V + "phases:\n  build:\n    on-failure: abort\n    commands: [make]\n",
        "BS022",
        4,
        17,
    ),
    (
        "on-failure-retry-",
        V + "phases:\n  build:\n    on-failure: RETRY-\n    commands: [make]\n",
        "BS022",
        4,
        17,
    ),
    (
        "report-format",
        V + BUILD + "reports:\n  r:\n    files: [a.xml]\n    file-format: JUNIT\n",
        "BS023",
        9,
        18,
    ),
    (
        "six-report-groups",
        V + BUILD + "reports:\n" + "".join(f"  g{i}:\n    files: [a]\n" for i in range(6)),
        "BS024",
        6,
        1,
    ),
    (
        "report-no-files",
        V + BUILD + "reports:\n  pytest:\n    file-format: JUNITXML\n",
        "BS025",
        7,
        3,
    ),
    ("build-no-id", V + "batch:\n  build-graph:\n    - buildspec: a.yml\n", "BS026", 4, 7),
    ("build-id-dash", V + "batch:\n  build-list:\n    - identifier: unit-tests\n", "BS027", 4, 19),
    (
        "build-id-twice",
        V + "batch:\n  build-list:\n    - identifier: a\n    - identifier: a\n",
        "BS028",
        5,
        19,
    ),
    (
        "depend-on-unknown",
        V + "batch:\n  build-graph:\n    - identifier: a\n"
        "    - identifier: b\n      depend-on:\n        - c\n",
        "BS029",
        7,
        11,
    ),
    (
        "two-batch-kinds",
        V + "batch:\n  build-list:\n    - identifier: a\n  build-graph:\n    - identifier: b\n",
        "BS030",
        5,
        3,
    ),
    ("artifacts-no-files", V + BUILD + "artifacts:\n  name: out\n", "BS031", 6, 1),
    (
        "secondary-no-files",
        V + BUILD + "artifacts:\n  files: [a]\n  secondary-artifacts:\n    logs:\n      name: l\n",
        "BS032",
        9,
        5,
    ),
    ("fallback-no-key", V + BUILD + "cache:\n  fallback-keys:\n    - main\n", "BS033", 7, 3),
    (
        "secret-no-id",
        V + "env:\n  secrets-manager:\n    TOKEN: ':password'\n" + BUILD,
        "BS034",
        4,
        12,
    ),
    ("secret-too-many", V + "env:\n  secrets-manager:\n    T: a:b:c:d:e\n" + BUILD, "BS034", 4, 8),
    ("exported-mapping", V + "env:\n  exported-variables:\n    A: 1\n" + BUILD, "BS035", 4, 5),
    ("exported-bad-name", V + "env:\n  exported-variables:\n    - 1ABC\n" + BUILD, "BS035", 4, 7),
    ("variable-list", V + "env:\n  variables:\n    PATHS: [a, b]\n" + BUILD, "BS036", 4, 12),
    ("variable-yes", V + "env:\n  variables:\n    DEBUG: yes\n" + BUILD, "BS037", 4, 12),
    ("variable-reserved", V + "env:\n  variables:\n    CODEBUILD_X: '1'\n" + BUILD, "BS038", 4, 5),
    ("artifacts-type", V + BUILD + "artifacts:\n  type: zip\n  files: [a]\n", "BS040", 7, 3),
    (
        "discard-paths-word",
        V + BUILD + "artifacts:\n  files: [a]\n  discard-paths: flat\n",
        "BS041",
        8,
        18,
    ),
    ("fast-fail-number", V + "batch:\n  fast-fail: 2\n" + BUILD, "BS041", 3, 14),
    ("git-helper-word", V + "env:\n  git-credential-helper: always\n" + BUILD, "BS041", 3, 26),
    ("shell-zsh", V + "env:\n  shell: zsh\n" + BUILD, "BS042", 3, 10),
    ("export-aws", V + "env:\n  exported-variables:\n    - AWS_REGION\n" + BUILD, "BS043", 4, 7),
    ("cache-paths-string", V + BUILD + "cache:\n  paths: node_modules/**/*\n", "BS015", 7, 10),
    (
        "pytest-no-reports",
        V + "phases:\n  build:\n    commands:\n      - python -m pytest\n",
        "BS039",
        5,
        9,
    ),
]

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
BROKEN.append(("billion-laughs", BILLION_LAUGHS, "BS007", 6, 8))


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [row[1:] for row in BROKEN],
    ids=[row[0] for row in BROKEN],
)
def test_broken_buildspec_is_found_at_its_line(
    text: str | bytes, code: str, line: int, column: int
) -> None:
    findings = lint_text(text, path="buildspec.yml")
    matching = [(f.line, f.column) for f in findings if f.code == code]
    assert matching == [(line, column)], [f.format() for f in findings]


def test_every_rule_has_a_broken_example() -> None:
    tested = {row[2] for row in BROKEN} | {UNREADABLE}  # BS000: test_missing_file_is_a_finding
    assert [rule.id for rule in RULES if rule.id not in tested] == []


def test_every_rule_has_an_example_for_the_rules_listing() -> None:
    assert [rule.id for rule in RULES if not rule.example or "\n" in rule.example] == []


CLEAN = [
    V + BUILD,
    "version: '0.2'\n" + BUILD,
    "---\n# header\nversion: 0.2\n" + BUILD,
    V + "phases:\n  install:\n    runtime-versions:\n      python: '3.12'\n      java: \"$JAVA\"\n"
    "    commands: pip install .\n  build:\n    run-as: root\n    on-failure: RETRY-2-.*timeout.*\n"
    "    commands:\n      - |\n        make\n        make test\n    finally:\n      - echo done\n",
    V + "env:\n  git-credential-helper: yes\n  variables:\n    ON: 'true'\n    N: 3\n"
    "  secrets-manager:\n    T: arn:aws:secretsmanager:eu-west-1:123:secret:s-AbC:password\n"
    "  exported-variables: [A, B_2]\n" + BUILD,
    V + BUILD + "reports:\n  pytest:\n    files: reports/junit.xml\n    file-format: JunitXml\n"
    "  cov:\n    files: [coverage.xml]\n    file-format: COBERTURAXML\n",
    V + "batch:\n  fast-fail: false\n  build-graph:\n    - identifier: a\n    - identifier: b_2\n"
    "      depend-on: [a]\n      buildspec: b.yml\n      env:\n        privileged-mode: true\n",
    V + BUILD + "artifacts:\n  files: [a]\n  discard-paths: yes\n  secondary-artifacts:\n"
    "    logs:\n      files: logs/*\n"
    + "cache:\n  key: k\n  fallback-keys: [main]\n  paths: [x]\n",
    "version: 0.1\nenvironment_variables:\n  plaintext:\n    A: b\n" + BUILD,
    V + "defaults: &d\n  - make\nphases:\n  build:\n    commands: *d\n",
]


@pytest.mark.parametrize("text", CLEAN, ids=[f"clean-{i}" for i in range(len(CLEAN))])
def test_clean_buildspec_has_no_finding(text: str) -> None:
    findings = lint_text(text)
    assert [f.format() for f in findings if f.code != "BS013"] == []


def test_anchor_only_key_is_the_only_finding_of_the_alias_example() -> None:
    # The last CLEAN example keeps its anchor in a top-level key, which CodeBuild ignores.
    assert [f.code for f in lint_text(CLEAN[-1])] == ["BS013"]


@pytest.fixture
def study_guide(tmp_path: Path) -> Path:
    path = tmp_path / "buildspec.yml"
    path.write_text(STUDY_GUIDE, encoding="utf-8")
    return path


def test_study_guide_lints_clean_but_for_the_reports_advice(study_guide: Path) -> None:
    findings = lint_file(study_guide)
    assert [(f.code, f.severity, f.line) for f in findings] == [("BS039", "warning", 8)]
    assert "no reports: section" in findings[0].message


def test_missing_file_is_a_finding(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yml"
    [finding] = lint_file(missing)
    assert (finding.code, finding.severity, finding.path) == (UNREADABLE, "error", str(missing))


def test_findings_are_sorted_by_line() -> None:
    text = "version: 0.0\nphases:\n  build:\n    commands:\n  biuld:\n    commands: [a]\nx: 1\n"
    lines = [f.line for f in lint_text(text)]
    assert lines == sorted(lines) and len(lines) >= 3


def test_findings_on_one_line_are_sorted_by_column_not_by_code() -> None:
    # BS036 (the list value, column 18) runs before BS038 (the key, column 5).
    text = V + "env:\n  variables:\n    CODEBUILD_X: [1]\n" + BUILD
    assert [(f.line, f.column, f.code) for f in lint_text(text)] == [
        (4, 5, "BS038"),
        (4, 18, "BS036"),
    ]


def test_did_you_mean_names_the_closest_key() -> None:
    [finding] = [f for f in lint_text(V + "phases:\n  pre-build:\n    commands: [a]\n")]
    assert "pre_build" in finding.fix


def test_finding_formats_on_one_line_and_as_json_with_its_fix() -> None:
    [finding] = lint_text(V + "phases:\n  build:\n    commands: [a]\n    x: 1\n", path="b.yml")
    assert finding.format() == "b.yml:5:5: BS014 unknown key 'x' in phases.build (remove it)"
    assert json.loads(json.dumps(finding.to_dict())) == {
        "code": "BS014",
        "severity": "error",
        "message": "unknown key 'x' in phases.build",
        "fix": "remove it",
        "path": "b.yml",
        "line": 5,
        "column": 5,
    }


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        # Nothing close to the word: the core's suggest gives "", the rule its own advice.
        (V + "phases:\n  build:\n    commands: [a]\n    7: x\n", "remove it"),
        (V + "zzz: 1\n" + BUILD, "remove it"),
        (V + "env:\n  shell: qqq\n" + BUILD, "use bash"),
        (
            V + "batch:\n  build-graph:\n    - identifier: a\n      depend-on: [3]\n",
            "remove it",
        ),
        (
            V + BUILD + "reports:\n  r:\n    files: [a]\n    file-format: QQQ\n",
            "use one of JUNITXML, CUCUMBERJSON, NUNITXML, NUNIT3XML, TESTNGXML, "
            "VISUALSTUDIOTRX, CLOVERXML, COBERTURAXML, JACOCOXML, SIMPLECOV",
        ),
    ],
    ids=["unknown-key", "unknown-top-level", "shell", "depend-on-number", "report-format"],
)
def test_a_word_with_no_close_match_gets_the_rules_own_fix(text: str, fix: str) -> None:
    [finding] = lint_text(text)
    assert finding.fix == fix
