"""make course's runner: a notebook needing what is missing is skipped, and the summary says so."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from mlcicd.course import execute
from mlcicd.course.execute import NotebookRun, missing_requirement, run_notebooks, summary
from mlcicd.course.notebook import code, new_notebook, write

NO_NODE = "The AWS CDK needs Node.js, which is not installed here: install Node.js 22 or 24."


def _notebook(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / "notebooks" / name
    path.parent.mkdir(exist_ok=True)
    write(new_notebook([code(source)]), path)
    return path


@pytest.fixture
def no_node(monkeypatch: pytest.MonkeyPatch) -> None:
    import mlcicd.iac.environment

    monkeypatch.setattr(mlcicd.iac.environment, "cdk_problem", lambda: NO_NODE)


def test_a_notebook_that_requires_the_cdk_needs_node(tmp_path: Path, no_node: None) -> None:
    cdk = _notebook(tmp_path, "09.ipynb", "from mlcicd.iac import require_cdk\nrequire_cdk()")
    plain = _notebook(tmp_path, "02.ipynb", "print(1)")
    assert missing_requirement(cdk) == NO_NODE
    assert missing_requirement(plain) is None


def test_such_a_notebook_is_skipped_with_the_sentence_and_writes_nothing(
    tmp_path: Path, no_node: None
) -> None:
    cdk = _notebook(tmp_path, "09.ipynb", "require_cdk()")
    (run,) = run_notebooks([cdk], tmp_path / "out", jobs=1)
    assert (run.ok, run.skipped, run.seconds) == (True, NO_NODE, 0.0)
    assert not (tmp_path / "out").exists()


def test_the_summary_counts_skipped_notebooks_apart() -> None:
    runs = [
        NotebookRun(Path("notebooks/02.ipynb"), Path("o/02.ipynb"), 2.0),
        NotebookRun(Path("notebooks/03.ipynb"), Path("o/03.ipynb"), 1.5, error="cell 4: boom"),
        NotebookRun(Path("notebooks/09.ipynb"), Path("o/09.ipynb"), 0.0, skipped=NO_NODE),
    ]
    lines = summary(runs, 4.0).splitlines()
    assert lines == [
        "   2.0 s  ok      notebooks/02.ipynb",
        "   1.5 s  FAILED  notebooks/03.ipynb  (cell 4: boom)",
        f"   0.0 s  skip    notebooks/09.ipynb  ({NO_NODE})",
        "1 of 3 notebooks ran without error, 1 skipped (3.5 s of notebook time, 4.0 s in all).",
        "failed: notebooks/03.ipynb",
    ]


def test_the_marker_is_what_the_cdk_lessons_call() -> None:
    root = Path(__file__).resolve().parents[2]
    # Lessons whose code imports the CDK toolkit (a shell command in prose does not count).
    lessons = [
        p
        for p in (root / "notebooks").glob("*.ipynb")
        if any(
            cell.cell_type == "code" and "mlcicd.iac import" in cell.source
            for cell in nbformat.read(p, as_version=4).cells
        )
    ]
    assert len(lessons) >= 2, "lessons 09 and 10 use mlcicd.iac"
    assert all(execute.CDK_MARKER in p.read_text() for p in lessons)


DIED = RuntimeError(execute.NEVER_STARTED)
SLOW = RuntimeError("Kernel didn't respond in 60 seconds")


@pytest.mark.parametrize(
    ("failures", "calls", "error"),
    [
        ([DIED], 2, None),  # the second start runs it
        ([DIED, DIED], 2, f"RuntimeError: {execute.NEVER_STARTED}"),
        ([SLOW], 1, "RuntimeError: Kernel didn't respond in 60 seconds"),  # not retried
    ],
)
def test_a_kernel_that_died_before_answering_is_started_once_more(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failures: list[Exception],
    calls: int,
    error: str | None,
) -> None:
    import papermill

    made: list[str] = []

    def execute_notebook(source: str, target: str, **_: object) -> None:
        made.append(source)
        if len(made) <= len(failures):
            raise failures[len(made) - 1]

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    notebook = _notebook(tmp_path, "00_ok.ipynb", "print(1)")
    (run,) = run_notebooks([notebook], tmp_path / "out", jobs=1)
    assert run.error == error
    assert len(made) == calls


WHERE = """\
import os, ipykernel
info = ipykernel.get_connection_info(unpack=True)
folder = os.path.dirname(info["ip"])
print(info["transport"], info["ip"], oct(os.stat(folder).st_mode & 0o777) if folder else "-")
"""


def test_a_kernel_talks_over_unix_sockets_in_a_private_folder_removed_afterwards(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    notebook = _notebook(tmp_path, "00_where.ipynb", WHERE)
    (run,) = run_notebooks([notebook], tmp_path / "out", jobs=1)
    assert run.ok, run.error
    (cell,) = nbformat.read(run.output, as_version=4).cells
    transport, ip, mode = "".join(o.get("text", "") for o in cell.outputs).split()
    # The kernel writes to this process's stderr: ipykernel warns there about plain TCP.
    assert "TCP without encryption" not in capfd.readouterr().err
    assert (transport, mode) == ("ipc", "0o700")
    assert Path(ip).parent.name.startswith("mlcicd-kernel-")
    assert not Path(ip).parent.exists()


def test_where_python_has_no_unix_sockets_the_kernel_keeps_tcp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(execute.os, "name", "nt")
    with execute.kernel_sockets() as settings:
        assert settings == {}
