"""What a local build gives back: variables, masked secrets, reports, artifacts, warnings.

The phase semantics are in ``test_buildspec_run.py``; these tests check the
build's environment (``CODEBUILD_*``, precedence, no host AWS credentials,
parameter-store and secrets-manager values masked everywhere), that the
user's tree is never touched, the report summary of a real pytest run, the
artifact zips and their S3 upload (moto), ``runtime-versions`` warnings, and
the ``mlcicd buildspec run`` command.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner

from mlcicd import cli
from mlcicd.buildspec.run import BuildResult
from mlcicd.buildspec.variables import SecretResolutionError

Run = Callable[..., tuple[BuildResult, str]]
VENV_PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def printed(log: str, name: str) -> str:
    """The value of ``name`` in a log of ``env`` output."""
    return next(line.split("=", 1)[1] for line in log.splitlines() if line.startswith(f"{name}="))


# ---- the build's environment -----------------------------------------------


def test_codebuild_variables_are_set(run: Run, source: Path) -> None:
    git = ["git", "-c", "user.name=c", "-c", "user.email=c@example.com", "-C", str(source)]
    (source / "train.py").write_text("print('train')\n")
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "one"]):
        subprocess.run([*git, *args], check=True, capture_output=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    result, log = run({"phases": {"build": {"commands": ["env | sort"]}}})
    assert printed(log, "CODEBUILD_SRC_DIR") == str(result.source_dir)
    assert printed(log, "CODEBUILD_BUILD_ID") == "course:0001"
    assert printed(log, "CODEBUILD_BUILD_NUMBER") == "1"
    assert printed(log, "CODEBUILD_BUILD_ARN").endswith(":build/course:0001")
    assert printed(log, "CODEBUILD_BUILD_SUCCEEDING") == "1"
    assert printed(log, "CODEBUILD_RESOLVED_SOURCE_VERSION") == head.stdout.strip()
    assert printed(log, "CODEBUILD_START_TIME").isdigit()
    assert printed(log, "CODEBUILD_INITIATOR")
    second, _ = run({"phases": {"build": {"commands": ["true"]}}})
    assert second.build_number == 2  # a new build-<n> folder in the same work directory


def test_run_env_overrides_buildspec_variables(run: Run) -> None:
    data = {
        "env": {"variables": {"STAGE": "dev", "REGION": "eu-west-1"}},
        "phases": {"build": {"commands": ["echo STAGE=$STAGE REGION=$REGION"]}},
    }
    _, log = run(data, env={"STAGE": "prod"})
    assert "STAGE=prod REGION=eu-west-1" in log


def test_host_aws_credentials_never_reach_the_build(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret-key-do-not-leak")
    monkeypatch.setenv("AWS_PROFILE", "production-admin")
    monkeypatch.setenv("SOME_HOST_TOKEN", "host-token")
    result, log = run({"phases": {"build": {"commands": ["env"]}}})
    assert result.succeeded
    assert "PATH=" in log  # env did print the environment
    assert "host-secret-key-do-not-leak" not in log
    assert "production-admin" not in log
    assert "AWS_" not in log
    assert "host-token" not in log


def test_explicit_env_can_pass_aws_variables_on_purpose(run: Run) -> None:
    _, log = run({"phases": {"build": {"commands": ["env"]}}}, env={"AWS_REGION": "eu-west-1"})
    assert "AWS_REGION=eu-west-1" in log


def test_parameter_store_and_secrets_manager_values_are_masked_everywhere(
    run: Run, aws: boto3.Session
) -> None:
    aws.client("ssm").put_parameter(
        Name="/course/db-password", Value="hunter2-ssm", Type="SecureString"
    )
    aws.client("secretsmanager").create_secret(
        Name="course/api", SecretString=json.dumps({"token": "tok-s3cr3t-42", "user": "ml"})
    )
    aws.client("secretsmanager").create_secret(
        Name="course/pem", SecretString="-----BEGIN KEY-----\nMIIsecretBody\n-----END KEY-----"
    )
    data = {
        "env": {
            "parameter-store": {"DB_PASSWORD": "/course/db-password"},
            "secrets-manager": {"API_TOKEN": "course/api:token", "PEM": "course/pem"},
            "exported-variables": ["API_TOKEN", "DSN"],
        },
        "phases": {
            "build": {
                "commands": [
                    "echo password is $DB_PASSWORD",
                    "echo token is $API_TOKEN >&2",
                    'test "${#API_TOKEN}" -eq 13 && echo token-has-13-chars',
                    'export DSN="postgres://ml:$DB_PASSWORD@db"',
                    'echo "$PEM"',  # a multi-line secret: each line is masked
                ]
            }
        },
    }
    result, log = run(data, session=aws)
    dumped = json.dumps(result.to_dict())
    for secret in ("hunter2-ssm", "tok-s3cr3t-42", "MIIsecretBody"):
        assert secret not in log
        assert secret not in dumped
    assert "password is ***" in log and "token is ***" in log
    assert "token-has-13-chars" in log  # the command did get the real value
    assert result.exported == {"API_TOKEN": "***", "DSN": "postgres://ml:***@db"}


def test_a_missing_parameter_is_an_error_before_anything_runs(
    run: Run, aws: boto3.Session, tmp_path: Path
) -> None:
    data = {"env": {"parameter-store": {"X": "/nope"}}, "phases": {"build": {"commands": ["t"]}}}
    with pytest.raises(SecretResolutionError, match="X"):
        run(data, session=aws)
    assert not (tmp_path / "work").exists()


def test_exported_variables_have_their_final_values(run: Run) -> None:
    data = {
        "env": {"variables": {"MODEL": "v0"}, "exported-variables": ["MODEL", "SCORE", "UNSET"]},
        "phases": {
            "build": {"commands": ["export MODEL=v1 SCORE=0.5"]},
            "post_build": {"commands": ["MODEL=v2"]},
        },
    }
    result, _ = run(data)
    assert result.to_dict()["exportedEnvironmentVariables"] == [
        {"name": "MODEL", "value": "v2"},
        {"name": "SCORE", "value": "0.5"},
    ]


def test_the_users_source_tree_is_never_modified(run: Run, source: Path) -> None:
    (source / "data").mkdir()
    (source / "data" / "train.csv").write_text("a,b\n1,2\n")
    before = {p: p.read_bytes() for p in source.rglob("*") if p.is_file()}
    data = {
        "phases": {
            "build": {"commands": ["rm data/train.csv", "echo new > model.pkl", "mkdir out"]}
        }
    }
    result, _ = run(data)
    assert result.succeeded
    assert {p: p.read_bytes() for p in source.rglob("*") if p.is_file()} == before
    assert (result.source_dir / "model.pkl").exists()
    assert not (result.source_dir / "data" / "train.csv").exists()


# ---- reports ---------------------------------------------------------------

TESTS = """
import pytest

def test_accuracy_above_baseline():
    assert 0.9 > 0.8

def test_no_data_leak():
    assert "target" not in ["age", "target"]

@pytest.mark.skip(reason="needs a GPU")
def test_gpu_training():
    pass
"""


def test_a_pytest_run_in_the_build_is_summarised_like_codebuild_reports(
    run: Run, source: Path
) -> None:
    (source / "test_model.py").write_text(TESTS)
    pytest_cmd = f"{sys.executable} -m pytest -p no:cacheprovider -p no:mlcicd -q"
    data = {
        "phases": {"build": {"commands": [f"{pytest_cmd} --junitxml=reports/junit.xml"]}},
        "reports": {"unit-tests": {"files": ["*.xml"], "base-directory": "reports"}},
    }
    result, log = run(data)
    assert result.status == "FAILED"  # pytest exits 1: one test failed
    (report,) = result.reports
    assert (report.total, report.passed, report.failed, report.skipped) == (3, 1, 1, 1)
    assert report.failing_tests == ("test_model.test_no_data_leak",)
    summary = result.to_dict()["reports"][0]
    assert summary["status"] == "FAILED"
    assert summary["testSummary"]["statusCounts"]["FAILED"] == 1
    assert "unit-tests: 3 tests, 1 passed, 1 failed, 1 skipped" in log


def test_cobertura_coverage_gives_the_line_rate(run: Run, source: Path) -> None:
    (source / "coverage.xml").write_text(
        '<coverage line-rate="0.75" branch-rate="0.5" lines-covered="30" lines-valid="40"/>'
    )
    data = {
        "phases": {"build": {"commands": ["true"]}},
        "reports": {"cov": {"files": ["coverage.xml"], "file-format": "COBERTURAXML"}},
    }
    result, _ = run(data)
    summary = result.to_dict()["reports"][0]["codeCoverageSummary"]
    assert summary == {
        "lineCoveragePercentage": 75.0,
        "linesCovered": 30,
        "linesMissed": 10,
        "branchCoveragePercentage": 50.0,
    }


def test_a_report_group_without_files_is_a_warning(run: Run) -> None:
    data = {"phases": {"build": {"commands": ["true"]}}, "reports": {"ut": {"files": ["*.xml"]}}}
    result, _ = run(data)
    assert result.reports == ()
    assert any("report group ut: no file" in w for w in result.warnings)


# ---- artifacts -------------------------------------------------------------

BUILD_OUTPUT = [
    "mkdir -p dist/metrics dist/tmp",
    "echo model > dist/model.pkl",
    "echo '{}' > dist/metrics/score.json",
    "echo scratch > dist/tmp/scratch.log",
]


def zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return sorted(archive.namelist())


@pytest.mark.parametrize(
    ("discard", "expected"),
    [(False, ["metrics/score.json", "model.pkl"]), (True, ["model.pkl", "score.json"])],
)
def test_artifacts_are_zipped_with_base_directory_discard_and_exclude_paths(
    run: Run, discard: bool, expected: list[str]
) -> None:
    data = {
        "phases": {"build": {"commands": BUILD_OUTPUT}},
        "artifacts": {
            "files": ["**/*"],
            "base-directory": "dist",
            "exclude-paths": ["tmp/**"],
            "discard-paths": discard,
        },
    }
    result, _ = run(data)
    (artifact,) = result.artifacts
    assert zip_names(artifact.path) == expected
    assert result.to_dict()["artifacts"][0]["files"] == expected


def test_primary_and_secondary_artifacts_are_uploaded_to_s3(
    run: Run, aws: boto3.Session, s3_bucket: str
) -> None:
    data = {
        "phases": {"build": {"commands": [*BUILD_OUTPUT, "echo notes > NOTES.md"]}},
        "artifacts": {
            "files": ["model.pkl"],
            "base-directory": "dist",
            "name": "model-bundle",
            "s3-prefix": "builds",
            "secondary-artifacts": {"docs": {"files": ["NOTES.md"]}},
        },
    }
    result, _ = run(data, session=aws, artifact_bucket=s3_bucket)
    assert [a.location for a in result.artifacts] == [
        f"s3://{s3_bucket}/builds/model-bundle.zip",
        f"s3://{s3_bucket}/docs.zip",
    ]
    s3 = aws.client("s3")
    body = s3.get_object(Bucket=s3_bucket, Key="builds/model-bundle.zip")["Body"].read()
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == ["model.pkl"]


def test_artifacts_that_match_nothing_fail_upload_artifacts(run: Run) -> None:
    data = {"phases": {"build": {"commands": ["true"]}}, "artifacts": {"files": ["dist/*"]}}
    result, _ = run(data)
    upload = result.phase("UPLOAD_ARTIFACTS")
    assert upload.status == "FAILED"
    assert "no matching artifact paths" in upload.contexts[0][1]
    assert result.status == "FAILED"


# ---- runtime-versions ------------------------------------------------------


def test_runtime_versions_are_checked_but_never_fail_the_build(run: Run) -> None:
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    other = "3.9" if here != "3.9" else "3.10"
    runtimes = {"python": other, "nodejs": "8", "golang": "1.22"}
    data = {"phases": {"install": {"runtime-versions": runtimes, "commands": ["true"]}}}
    result, log = run(data, env={"PATH": VENV_PATH})
    assert result.succeeded
    assert any(
        f"python {other} requested, but this build runs python3 {here}" in w
        for w in result.warnings
    )
    assert any("offers nodejs" in w and "not 8" in w for w in result.warnings)
    assert not any("golang" in w for w in result.warnings)
    assert "Warning: python" in log
    matching, _ = run(
        {"phases": {"install": {"runtime-versions": {"python": here}}}}, env={"PATH": VENV_PATH}
    )
    assert matching.warnings == ()


# ---- the command line ------------------------------------------------------


@pytest.fixture
def project(source: Path) -> Path:
    (source / "buildspec.yml").write_text(
        "version: 0.2\n"
        "phases:\n"
        "  build:\n"
        "    commands:\n"
        "      - echo stage=$STAGE\n"
        '      - test "$STAGE" = prod\n'
    )
    return source


def test_cli_run_exits_0_when_the_build_succeeds_and_writes_the_json(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "result.json"
    args = ["buildspec", "run", str(project / "buildspec.yml"), "--source", str(project)]
    args += ["--workdir", str(tmp_path / "w"), "--env", "STAGE=prod", "--json", str(out)]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    assert "stage=prod" in result.output
    data = json.loads(out.read_text())
    assert data["buildStatus"] == "SUCCEEDED"
    assert [p["phaseType"] for p in data["phases"]][:4] == [
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
    ]
    assert set(data) >= {"phases", "exportedEnvironmentVariables", "reports", "artifacts"}


def test_cli_run_exits_1_when_the_build_fails(project: Path, tmp_path: Path) -> None:
    args = ["buildspec", "run", str(project / "buildspec.yml"), "--source", str(project)]
    result = CliRunner().invoke(cli.main, [*args, "--workdir", str(tmp_path / "w")])
    assert result.exit_code == 1
    assert "Build status: FAILED" in result.output


def test_cli_run_refuses_a_buildspec_with_lint_errors_unless_forced(
    source: Path, tmp_path: Path
) -> None:
    spec = source / "buildspec.yml"
    spec.write_text(
        "version: 0.2\nphases:\n  build:\n    on-failure: SOMETIMES\n    commands: [echo hi]\n"
    )
    args = ["buildspec", "run", str(spec), "--source", str(source)]
    args += ["--workdir", str(tmp_path / "w")]
    refused = CliRunner().invoke(cli.main, args)
    assert refused.exit_code == 2
    assert "not run" in refused.output
    assert not (tmp_path / "w").exists()
    forced = CliRunner().invoke(cli.main, [*args, "--force"])
    assert forced.exit_code == 0
    assert "Build status: SUCCEEDED" in forced.output
