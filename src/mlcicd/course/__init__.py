"""The course: checkpoints, quizzes, notebook conventions, and building exercises.

* :func:`checkpoint` runs an exercise checkpoint's hidden cases in a notebook
  and prints one line; the cases live in :mod:`mlcicd.course.checks`.
* :class:`Quiz`, :class:`Question`, :class:`Choice` make ipywidgets quizzes
  with a plain-text fallback; :mod:`mlcicd.course.questions` holds the study
  guide's four questions.
* :func:`run_pytest` runs test code written in a notebook in a fresh pytest.
* :func:`environment_check` is the start page's "is everything here?".
* :func:`build_course` generates ``exercises/`` from ``solutions/``
  (``mlcicd course build``); :func:`lint_notebooks` checks the course's
  notebooks (``mlcicd course lint``); :func:`run_nbval` runs nbval from the
  outside and :func:`read_report` reads its verdict per cell.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from mlcicd.course.checkpoint import checkpoint

if TYPE_CHECKING:  # what type checkers and editors see; at run time _LAZY imports on use
    from mlcicd.course.build import BuildReport, build_course
    from mlcicd.course.environment import environment_check
    from mlcicd.course.lint import lint_notebooks
    from mlcicd.course.nbval_run import CellResult, read_report, run_nbval
    from mlcicd.course.pytest_run import PytestRun, run_pytest
    from mlcicd.course.quiz import Choice, Question, Quiz

# Where each public name lives. Only `checkpoint` is imported eagerly: every
# checkpoint cell imports this package, and the rest pulls in nbformat,
# ipywidgets or papermill, which cost seconds a learner would wait for.
_LAZY = {
    "BuildReport": "mlcicd.course.build",
    "build_course": "mlcicd.course.build",
    "environment_check": "mlcicd.course.environment",
    "lint_notebooks": "mlcicd.course.lint",
    "CellResult": "mlcicd.course.nbval_run",
    "read_report": "mlcicd.course.nbval_run",
    "run_nbval": "mlcicd.course.nbval_run",
    "PytestRun": "mlcicd.course.pytest_run",
    "run_pytest": "mlcicd.course.pytest_run",
    "Choice": "mlcicd.course.quiz",
    "Question": "mlcicd.course.quiz",
    "Quiz": "mlcicd.course.quiz",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'mlcicd.course' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BuildReport",
    "CellResult",
    "Choice",
    "PytestRun",
    "Question",
    "Quiz",
    "build_course",
    "checkpoint",
    "environment_check",
    "lint_notebooks",
    "read_report",
    "run_nbval",
    "run_pytest",
]
