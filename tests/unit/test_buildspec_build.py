"""The fluent buildspec builder and the course's ready-made buildspecs (recipes)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from mlcicd.buildspec.build import BuildspecBuilder
from mlcicd.buildspec.model import (
    Artifacts,
    ArtifactSet,
    Buildspec,
    Cache,
    Env,
    Phase,
    ReportGroup,
)
from mlcicd.buildspec.recipes import (
    grading_buildspec,
    layered_buildspec,
    pytest_buildspec,
    sns_notify_buildspec,
)
from mlcicd.exceptions import BuildspecError

# ---- the builder ------------------------------------------------------------


def test_a_chain_builds_the_buildspec_it_reads_like() -> None:
    spec = (
        BuildspecBuilder()
        .shell("bash")
        .variables(STAGE="test")
        .parameter_store(TOKEN="/ci/token")
        .secrets_manager(KEY="prod/key:api-key")
        .exported_variables("STAGE")
        .runtime(python="3.12")
        .install("pip install -r requirements.txt")
        .build("pytest tests/unit --junitxml=reports/unit.xml", finally_="echo cleanup")
        .post_build('echo "done"', on_failure="CONTINUE")
        .report("pytest-reports", files=["*.xml"], base_directory="reports", file_format="junitxml")
        .artifacts(files=["**/*"])
        .secondary_artifacts("docs", files="site/**/*", base_directory="site")
        .cache("/root/.cache/pip/**/*", key="pip", fallback_keys=["pip-"])
        .build_spec()
    )
    assert spec == Buildspec(
        env=Env(
            shell="bash",
            variables={"STAGE": "test"},
            parameter_store={"TOKEN": "/ci/token"},
            secrets_manager={"KEY": "prod/key:api-key"},
            exported_variables=("STAGE",),
        ),
        phases={
            "install": Phase(
                commands=("pip install -r requirements.txt",), runtime_versions={"python": "3.12"}
            ),
            "build": Phase(
                commands=("pytest tests/unit --junitxml=reports/unit.xml",),
                finally_=("echo cleanup",),
            ),
            "post_build": Phase(commands=('echo "done"',), on_failure="CONTINUE"),
        },
        reports={
            "pytest-reports": ReportGroup(
                files=("*.xml",), file_format="JUNITXML", base_directory="reports"
            )
        },
        artifacts=Artifacts(
            files=("**/*",),
            secondary_artifacts={"docs": ArtifactSet(files=("site/**/*",), base_directory="site")},
        ),
        cache=Cache(paths=("/root/.cache/pip/**/*",), key="pip", fallback_keys=("pip-",)),
    )


def test_each_step_returns_a_new_builder_and_leaves_the_old_one_unchanged() -> None:
    first = BuildspecBuilder().build("pytest").variables(A="1")
    second = first.build("flake8").variables(B="2")
    assert first.build_spec().phases["build"].commands == ("pytest",)
    assert first.build_spec().env == Env(variables={"A": "1"})
    assert second.build_spec().phases["build"].commands == ("pytest", "flake8")
    assert second.build_spec().env == Env(variables={"A": "1", "B": "2"})


def test_changing_the_finished_buildspec_does_not_change_the_builder() -> None:
    builder = BuildspecBuilder().runtime(python="3.12")
    spec = builder.build_spec()
    spec.phases["install"].runtime_versions["python"] = "2.7"
    assert builder.build_spec().phases["install"].runtime_versions == {"python": "3.12"}


def test_phases_are_kept_in_codebuilds_order_whatever_order_they_are_added_in() -> None:
    spec = BuildspecBuilder().post_build("c").build("b").runtime(python="3.12").build_spec()
    assert list(spec.phases) == ["install", "build", "post_build"]


def test_calls_add_up_and_later_values_replace_earlier_ones() -> None:
    spec = (
        BuildspecBuilder()
        .build("a", on_failure="ABORT")
        .build("b", on_failure="CONTINUE")
        .exported_variables("A", "B")
        .exported_variables("A", "C")
        .report("unit", files="u.xml")
        .report("unit", files="v.xml")
        .build_spec()
    )
    assert spec.phases["build"] == Phase(commands=("a", "b"), on_failure="CONTINUE")
    assert spec.env is not None
    assert spec.env.exported_variables == ("A", "B", "C")
    assert spec.reports == {"unit": ReportGroup(files=("v.xml",))}


def test_artifacts_keep_secondary_sets_added_before_them() -> None:
    spec = (
        BuildspecBuilder()
        .secondary_artifacts("docs", files="site/*")
        .artifacts(files="dist/*")
        .build_spec()
    )
    assert spec.artifacts is not None
    assert spec.artifacts.files == ("dist/*",)
    assert set(spec.artifacts.secondary_artifacts) == {"docs"}


def _six_report_groups(builder: BuildspecBuilder) -> BuildspecBuilder:
    for index in range(6):
        builder = builder.report(f"group{index}", files="*.xml")
    return builder


Step = Callable[[BuildspecBuilder], BuildspecBuilder]

# Each mistake, and a piece of the message that tells the learner what to do.
MISTAKES: list[tuple[str, Step, str]] = [
    ("unknown-phase", lambda b: b.phase("biuld", "pytest"), "unknown phase 'biuld'"),
    ("on-failure-case", lambda b: b.build("x", on_failure="abort"), "bad on_failure 'abort'"),
    ("on-failure-regex", lambda b: b.build("x", on_failure="RETRY-("), "bad on_failure"),
    ("commands-as-list", lambda b: b.build(["a", "b"]), "one per argument"),  # type: ignore[arg-type]
    ("empty-command", lambda b: b.build(""), "must not be empty"),
    ("float-runtime", lambda b: b.runtime(python=3.10), "must be a string, not float"),  # type: ignore[arg-type]
    ("int-variable", lambda b: b.variables(RETRIES=3), "write it in quotes"),  # type: ignore[arg-type]
    ("variable-name", lambda b: b.variables(**{"MY-VAR": "x"}), "not a shell variable name"),
    ("exported-name", lambda b: b.exported_variables("1ST"), "not a shell variable name"),
    ("report-format", lambda b: b.report("g", files="*.xml", file_format="XUNIT"), "XUNIT"),
    ("report-no-files", lambda b: b.report("g", files=[]), "needs files"),
    ("six-report-groups", _six_report_groups, "at most 5 report groups"),
    ("artifacts-no-files", lambda b: b.artifacts(files=()), "at least one file pattern"),
    ("discard-paths-text", lambda b: b.artifacts(files="*", discard_paths="yes"), "True, False"),  # type: ignore[arg-type]
    ("secondary-no-files", lambda b: b.secondary_artifacts("docs", files=[]), "file pattern"),
    ("cache-no-paths", lambda b: b.cache([]), "at least one path"),
    ("fallback-without-key", lambda b: b.cache("x", fallback_keys="k"), "give key="),
]


@pytest.mark.parametrize(
    ("step", "message"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_each_mistake_raises_buildspec_error_saying_what_is_wrong(step: Step, message: str) -> None:
    with pytest.raises(BuildspecError, match=re.escape(message)):
        step(BuildspecBuilder())


def test_every_on_failure_form_codebuild_documents_is_accepted() -> None:
    for value in ("ABORT", "CONTINUE", "RETRY", "RETRY-3", "RETRY-timed out", "RETRY-2-^Err.*"):
        assert BuildspecBuilder().build("x", on_failure=value).spec.phases["build"].on_failure


# ---- the recipes --------------------------------------------------------------


def _junitxml_paths(commands: tuple[str, ...]) -> list[str]:
    return [m for c in commands for m in re.findall(r"--junitxml=(\S+)", c)]


def test_pytest_recipe_declares_the_report_its_command_writes() -> None:
    spec = pytest_buildspec(test_path="tests/unit", python="3.11", report_dir="out")
    (written,) = _junitxml_paths(spec.phases["build"].commands)
    (group,) = spec.reports.values()
    assert group.file_format == "JUNITXML"
    assert group.base_directory is not None
    assert written == f"{group.base_directory}/{group.files[0]}" == "out/junit.xml"
    assert spec.phases["install"].runtime_versions == {"python": "3.11"}
    assert spec.phases["install"].commands == ("pip install -r requirements.txt",)
    assert spec.phases["build"].commands[0].startswith("pytest tests/unit ")


def test_layered_recipe_has_one_command_and_one_report_group_per_layer() -> None:
    spec = layered_buildspec(layers=("unit", "integration"))
    assert spec.phases["build"].commands == (
        "pytest tests/unit --junitxml=reports/unit.xml",
        "pytest tests/integration --junitxml=reports/integration.xml",
    )
    assert {
        name: f"{group.base_directory}/{group.files[0]}" for name, group in spec.reports.items()
    } == {"unit": "reports/unit.xml", "integration": "reports/integration.xml"}


@pytest.mark.parametrize(
    "layers", [(), "unit", ("unit", "../x"), tuple("abcdef")], ids=["none", "str", "path", "six"]
)
def test_layered_recipe_refuses_layers_it_cannot_report(layers: tuple[str, ...]) -> None:
    with pytest.raises(BuildspecError):
        layered_buildspec(layers=layers)


def test_sns_recipe_publishes_only_when_the_build_is_failing() -> None:
    spec = sns_notify_buildspec(topic_arn_variable="ALERTS_ARN")
    (command,) = spec.phases["post_build"].commands
    assert command.startswith('if [ "$CODEBUILD_BUILD_SUCCEEDING" = "0" ]; then ')
    assert 'aws sns publish --topic-arn "$ALERTS_ARN"' in command
    assert command.endswith("; fi")
    assert spec.reports  # still the pytest recipe underneath


def test_sns_recipe_escapes_quotes_in_the_message_for_the_shell() -> None:
    spec = sns_notify_buildspec(message='say "hi"')
    assert '--message "say \\"hi\\""' in spec.phases["post_build"].commands[0]


def test_sns_recipe_refuses_a_topic_variable_the_shell_cannot_expand() -> None:
    with pytest.raises(BuildspecError, match="shell variable name"):
        sns_notify_buildspec(topic_arn_variable="arn:aws:sns:eu-west-1:1:t")


def test_grading_recipe_runs_mlcicd_grade_and_reports_its_junit_file() -> None:
    spec = grading_buildspec(targets="hw1")
    (command,) = spec.phases["build"].commands
    assert command == "mlcicd grade hw1 --junit reports/grades.xml --json reports/grades.json"
    assert spec.reports == {
        "grades": ReportGroup(
            files=("grades.xml",), file_format="JUNITXML", base_directory="reports"
        )
    }
    assert spec.artifacts is not None
    assert spec.artifacts.files == ("reports/grades.json",)
