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

from mlcicd.course.build import BuildReport, build_course
from mlcicd.course.checkpoint import checkpoint
from mlcicd.course.environment import environment_check
from mlcicd.course.lint import lint_notebooks
from mlcicd.course.nbval_run import CellResult, read_report, run_nbval
from mlcicd.course.pytest_run import PytestRun, run_pytest
from mlcicd.course.quiz import Choice, Question, Quiz

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
