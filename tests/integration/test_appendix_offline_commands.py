"""The appendix's offline commands run as shown; its AWS commands are never run.

``notebooks/11_real_account.ipynb`` shows shell commands in markdown cells, each
cell tagged ``offline-command`` (needs no account: synth, lint, a buildspec on a
clean copy) or ``aws-command`` (needs an account). This module reads the
``offline-command`` cells' ``bash`` blocks from the notebook itself, so the
commands a learner copies are the commands tested, and runs them with
``bash -euo pipefail`` in a clean copy of the repository made a git repository of
its own (the commands call ``git ls-files``), with this environment's ``bin/``
first on ``PATH``. The ``aws-command`` cells are only checked to be tagged.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _repository import clean_copy

from mlcicd.course.notebook import read, tags
from mlcicd.iac import cdk_problem

ROOT = Path(__file__).resolve().parents[2]
APPENDIX = ROOT / "notebooks" / "11_real_account.ipynb"
BASH = re.compile(r"```bash\n(.*?)```", re.DOTALL)
#: What only an account can run: never in an offline cell.
NEEDS_AWS = re.compile(r"^\s*(aws |npx aws-cdk |cdk )", re.MULTILINE)


def blocks(tag: str) -> list[str]:
    """The ``bash`` blocks of the appendix's markdown cells tagged ``tag``."""
    return [
        block
        for cell in read(APPENDIX).cells
        if cell.cell_type == "markdown" and tag in tags(cell)
        for block in BASH.findall(cell.source)
    ]


def test_every_shell_block_is_tagged_offline_or_aws() -> None:
    untagged = [
        cell.source[:80]
        for cell in read(APPENDIX).cells
        if BASH.search(cell.source) and not {"offline-command", "aws-command"} & set(tags(cell))
    ]
    assert untagged == []
    assert blocks("offline-command") and blocks("aws-command")


def test_no_offline_block_calls_aws() -> None:
    assert [NEEDS_AWS.findall(block) for block in blocks("offline-command")] == [[]]


def test_every_aws_block_needs_an_account() -> None:
    assert all(NEEDS_AWS.search(block) for block in blocks("aws-command"))


@pytest.mark.skipif(cdk_problem() is not None, reason=cdk_problem() or "")
def test_the_offline_commands_run_as_shown_on_a_clean_copy(tmp_path: Path) -> None:
    copy = clean_copy(ROOT, tmp_path / "repository")
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    script = "\n".join(blocks("offline-command"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    assert (copy / "build" / "iac" / "MlCiCd.template.json").is_file()
    assert len(list((copy / "build" / "iac" / "buildspecs").glob("*.yml"))) == 5
    assert "SUCCEEDED" in done.stdout
