"""``grade_me()`` says what it does when it cannot grade: while graded, and outside JupyterLab."""

from __future__ import annotations

import pytest

from mlcicd.grade import grade_me
from mlcicd.grade.run import GRADING_ENV


def test_while_being_graded_it_does_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(GRADING_ENV, "1")
    monkeypatch.setenv("JPY_SESSION_NAME", "exercises/02_unit_tests.ipynb")
    grade_me()
    assert (
        capsys.readouterr().out == "grade_me() does nothing while the notebook is being graded.\n"
    )


@pytest.mark.parametrize("session", [None, "", "notebook-that-does-not-exist.ipynb", "console-1"])
def test_outside_jupyterlab_it_says_how_to_grade_from_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
    session: str | None,
) -> None:
    monkeypatch.delenv(GRADING_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    if session is None:
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    else:
        monkeypatch.setenv("JPY_SESSION_NAME", session)
    grade_me()
    out = capsys.readouterr().out
    assert out.startswith("grade_me() grades the notebook you have open in JupyterLab")
    assert "mlcicd grade exercises/<exercise>.ipynb" in out
