"""``mlcicd.course.contain``: learner-written code runs under the grader's sandbox, only then."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from mlcicd.buildspec import loads
from mlcicd.buildspec.run import run_buildspec
from mlcicd.course import contain


def test_outside_grading_nothing_is_put_in_front(tmp_path: Path) -> None:
    assert contain.sandboxed is None
    assert contain.prefix(tmp_path) == []


def test_while_grading_the_sandbox_gets_the_folder_to_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contain, "sandboxed", lambda folder: ["sandbox", str(folder), "--"])
    assert contain.prefix(tmp_path) == ["sandbox", str(tmp_path), "--"]


@pytest.mark.skipif(shutil.which("env") is None, reason="no env(1) on this machine")
def test_a_buildspec_s_shell_runs_under_the_prefix(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    spec = loads("version: 0.2\nphases:\n  build:\n    commands:\n      - echo $MARK\n")
    out = io.StringIO()
    result = run_buildspec(
        spec,
        source_dir=source,
        workdir=tmp_path / "work",
        output=out,
        shell_prefix=["env", "MARK=under-the-prefix"],
    )
    assert result.status == "SUCCEEDED"
    assert "under-the-prefix" in out.getvalue()
