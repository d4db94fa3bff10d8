"""The internals of moto, botocore, cfn-lint and pytest that mlcicd.internals relies on.

An upgrade moving one fails here. Each assertion says which library moved what, and
which function of mlcicd.internals to update; nbval's internals have their test in
test_grade_nbval_sandbox.py.
"""

from __future__ import annotations

import importlib
import inspect
import marshal
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import boto3
import botocore.loaders
import botocore.plugin
import botocore.session
import pytest
from moto import mock_aws

from mlcicd import internals
from mlcicd.testing import guard

MOTO = f"moto {version('moto')}"
BOTOCORE = f"botocore {version('botocore')}"


def test_moto_still_has_the_stubber_flag_mock_aws_sets() -> None:
    models = importlib.import_module("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    assert hasattr(stubber, "enabled"), (
        f"{MOTO} has no moto.core.models.botocore_stubber.enabled: update "
        "mlcicd.internals.moto_is_active (the real-AWS guard and the grader rely on it)"
    )
    with mock_aws():
        inside = internals.moto_is_active()
    assert (inside, internals.moto_is_active()) == (True, False), (
        f"{MOTO}: mock_aws no longer sets botocore_stubber.enabled while active: update "
        "mlcicd.internals.moto_is_active"
    )


def test_moto_is_not_imported_to_answer_that_no_mock_is_active(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "moto.core.models")
    assert internals.moto_is_active() is False
    assert "moto.core.models" not in sys.modules


def test_botocore_sessions_still_make_their_loader_through_a_module_name() -> None:
    source = inspect.getsource(botocore.session.Session)
    assert "create_loader(" in source and hasattr(botocore.session, "create_loader"), (
        f"{BOTOCORE}: Session no longer calls botocore.session.create_loader: update "
        "mlcicd.internals.share_botocore_loader"
    )


def test_sharing_the_loader_shares_it_and_undoing_it_restores_botocore(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore as shipped, not as this run's safety net shares it.
    monkeypatch.setattr(botocore.session, "create_loader", botocore.loaders.create_loader)
    original = botocore.session.create_loader
    restore = internals.share_botocore_loader()
    try:
        shared = [botocore.session.Session().get_component("data_loader") for _ in range(2)]
    finally:
        restore()
    own = [botocore.session.Session().get_component("data_loader") for _ in range(2)]
    assert shared[0] is shared[1], (
        f"{BOTOCORE}: sessions no longer share the patched loader: update "
        "mlcicd.internals.share_botocore_loader"
    )
    assert own[0] is not own[1]
    assert botocore.session.create_loader is original


def test_botocore_still_reads_client_plugins_from_the_environment_variable() -> None:
    source = inspect.getsource(botocore.plugin)
    assert internals.BOTOCORE_PLUGINS_ENV in source, (
        f"{BOTOCORE} no longer reads {internals.BOTOCORE_PLUGINS_ENV}: update "
        "mlcicd.internals.BOTOCORE_PLUGINS_ENV (the real-AWS guard is installed through it)"
    )
    assert f".{internals.BOTOCORE_PLUGIN_ENTRY}(" in source, (
        f"{BOTOCORE} no longer calls {internals.BOTOCORE_PLUGIN_ENTRY} on a plugin module: "
        "update mlcicd.internals.BOTOCORE_PLUGIN_ENTRY and mlcicd.testing.guard"
    )
    assert callable(getattr(guard, internals.BOTOCORE_PLUGIN_ENTRY, None))


@pytest.mark.parametrize("token", [None, "session-token"])
def test_a_clients_signing_credentials_are_read_back(token: str | None) -> None:
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        aws_session_token=token,
    )
    credentials = internals.client_credentials(client)
    assert credentials is not None, (
        f"{BOTOCORE}: a client has no _request_signer._credentials: update "
        "mlcicd.internals.client_credentials (the grader's clients in a learner's kernel)"
    )
    frozen = credentials.get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == ("AKIDEXAMPLE", "secret", token)


def test_an_object_that_is_no_client_has_no_credentials() -> None:
    assert internals.client_credentials(object()) is None


REPOSITORY = "arn:aws:ecr:us-east-1:123456789012:repository/churn"
TRAINING_ROLE = "arn:aws:iam::123456789012:role/churn-training"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["ecr:BatchGetImage"], "Resource": REPOSITORY},
        {"Effect": "Deny", "Action": "ecr:BatchGetImage", "Resource": "*/secret"},
        {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": TRAINING_ROLE,
            "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        },
    ],
}
SAGEMAKER = {"iam:PassedToService": "sagemaker.amazonaws.com"}


#: Requests without condition keys: (action, resource, moto's verdict).
ECR_REQUESTS = [
    ("ecr:GetAuthorizationToken", "*", "PERMITTED"),
    ("ecr:BatchGetImage", REPOSITORY, "PERMITTED"),
    ("ecr:BatchGetImage", REPOSITORY.replace("churn", "other"), "NEUTRAL"),
    ("ecr:PutImage", REPOSITORY, "NEUTRAL"),
    ("ecr:BatchGetImage", REPOSITORY.replace("churn", "secret"), "DENIED"),
]


@pytest.mark.parametrize(
    ("action", "resource", "conditions", "verdict"),
    [
        *[(action, resource, None, verdict) for action, resource, verdict in ECR_REQUESTS],
        ("iam:PassRole", TRAINING_ROLE, SAGEMAKER, "PERMITTED"),
        # moto denies outright when a statement's condition fails (lesson 05 prints
        # anything but PERMITTED as "not allowed").
        ("iam:PassRole", TRAINING_ROLE, {"iam:PassedToService": "ec2.amazonaws.com"}, "DENIED"),
        ("iam:PassRole", TRAINING_ROLE.replace("churn-training", "admin"), SAGEMAKER, "NEUTRAL"),
    ],
)
def test_moto_still_judges_an_identity_policy(
    action: str, resource: str, conditions: dict[str, str] | None, verdict: str
) -> None:
    try:
        found = internals.iam_policy_verdict(POLICY, action, resource, conditions)
    except (ImportError, AttributeError, TypeError) as error:
        pytest.fail(
            f"{MOTO} moved moto.iam.access_control.IAMPolicy or PermissionResult ({error}): "
            "update mlcicd.internals.iam_policy_verdict (check 05.4 and lesson 05 use it)"
        )
    assert found == verdict


@pytest.mark.parametrize(("action", "resource", "verdict"), ECR_REQUESTS)
def test_a_policy_permits_only_what_moto_calls_permitted(
    action: str, resource: str, verdict: str
) -> None:
    assert internals.iam_policy_permits(POLICY, action, resource) is (verdict == "PERMITTED")


def test_cfn_lint_still_tells_short_form_keys_from_written_ones() -> None:
    pytest.importorskip("cfnlint")
    cfn_lint = f"cfn-lint {version('cfn-lint')}"
    data, errors, tags = internals.cfn_lint_decode("a: !Ref B\nc: {Ref: D}\ne: !GetAtt F.G\n")
    assert (data, errors) == (
        {"a": {"Ref": "B"}, "c": {"Ref": "D"}, "e": {"Fn::GetAtt": ["F", "G"]}},
        [],
    ), f"{cfn_lint}: decode_str reads short forms differently: update mlcicd.internals"
    assert tags == [(1, 4, "Ref"), (3, 4, "Fn::GetAtt")], (
        f"{cfn_lint}: keys made from a short-form tag are no longer plain str (or lost "
        "start_mark): update mlcicd.internals.cfn_lint_decode (pipeline templates use it)"
    )


PYTEST = f"pytest {version('pytest')}"
PROBE = 'WHERE = "{}"\n\ndef test_where():\n    assert WHERE == "cache"\n'


def run_pytest_unable_to_write(folder: Path) -> subprocess.CompletedProcess[str]:
    """pytest on ``folder``'s test_probe.py, as in a read-only venv or a sandbox.

    Without the installed plugins (a test module is rewritten all the same): a second
    sooner, every run.
    """
    environ = {"PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
         f"--rootdir={folder}", str(folder / "test_probe.py")],
        env={**os.environ, **environ},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_pytest_loads_the_rewritten_module_written_for_it(tmp_path: Path) -> None:
    """A pytest that finds the file runs its code, never reading the source again.

    The file is written for the real source, then its code (after the 16-byte header of
    PEP 552: magic, flags, source hash) is swapped for other code: the test passes only
    when pytest ran the code from the file.
    """
    source = tmp_path / "test_probe.py"
    source.write_text(PROBE.format("source"), encoding="utf-8")
    assert run_pytest_unable_to_write(tmp_path).returncode == 1  # from source: it fails
    try:
        written = internals.write_pytest_rewritten_pyc(source)
        pyc = internals.pytest_rewritten_pyc(source)
    except (ImportError, AttributeError, TypeError) as error:
        pytest.fail(
            f"{PYTEST} moved _pytest.assertion.rewrite's _rewrite_test, _write_pyc, "
            f"get_cache_dir or PYC_TAIL ({error}): update "
            "mlcicd.internals.write_pytest_rewritten_pyc and pytest_rewritten_pyc "
            "(mlcicd.bytecode uses them)"
        )
    assert written and pyc.is_file()
    other = compile(PROBE.format("cache"), str(source), "exec")
    pyc.write_bytes(pyc.read_bytes()[:16] + marshal.dumps(other))
    result = run_pytest_unable_to_write(tmp_path)
    assert result.returncode == 0, (
        f"{PYTEST} no longer reads the file mlcicd.internals.write_pytest_rewritten_pyc "
        "writes (its name, place or header changed): update it and pytest_rewritten_pyc"
        f"\n{result.stdout}"
    )


@pytest.mark.parametrize("source", ["def (:\n", "x = 1\0\n"], ids=["syntax", "null byte"])
def test_a_module_that_does_not_parse_is_left_to_pytest(tmp_path: Path, source: str) -> None:
    path = tmp_path / "broken.py"
    path.write_text(source, encoding="utf-8")
    assert internals.write_pytest_rewritten_pyc(path) is False
    assert not list(tmp_path.rglob("*.pyc"))
