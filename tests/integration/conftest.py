"""Fixtures shared by the buildspec runner's tests."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlcicd.buildspec.model import from_dict
from mlcicd.buildspec.run import BuildResult, run_buildspec


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """An empty source tree for a build; tests add the files they need."""
    folder = tmp_path / "source"
    folder.mkdir()
    return folder


@pytest.fixture
def run(tmp_path: Path, source: Path) -> Callable[..., tuple[BuildResult, str]]:
    """Run a buildspec given as plain data on ``source``; return the result and the log."""

    def run_(data: dict[str, Any], **kwargs: Any) -> tuple[BuildResult, str]:
        out = io.StringIO()
        result = run_buildspec(
            from_dict(data),
            source_dir=source,
            workdir=tmp_path / "work",
            output=out,
            build_id="course:0001",
            **kwargs,
        )
        return result, out.getvalue()

    return run_
