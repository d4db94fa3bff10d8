"""Grade learners' exercise notebooks with nbval: points per checkpoint, tamper-evident.

* :func:`grade_paths` grades notebooks or folders of submissions (``mlcicd grade``);
  :func:`grade_submission` grades one.
* :func:`prepare` shows what is graded: the learner's notebook with the course's own
  checkpoint cells, and what was found edited, deleted, duplicated or moved.
* :mod:`mlcicd.grade.report` writes the table, JSON, JUnit XML and CSV gradebook.
* :func:`grade_me` grades the open exercise from its last cell.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module defining it. Imported on first use (PEP 562): a learner's
#: kernel answering the grader imports mlcicd.grade.agent, which must not pay for
#: nbformat and the rest of grading.
_WHERE = {
    "grade_paths": "mlcicd.grade.api",
    "grade_me": "mlcicd.grade.learner",
    "ExerciseSpec": "mlcicd.grade.manifest",
    "load_manifest": "mlcicd.grade.manifest",
    "CheckpointResult": "mlcicd.grade.model",
    "SubmissionResult": "mlcicd.grade.model",
    "Prepared": "mlcicd.grade.prepare",
    "prepare": "mlcicd.grade.prepare",
    "Submission": "mlcicd.grade.run",
    "find_submissions": "mlcicd.grade.run",
    "grade_submission": "mlcicd.grade.run",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'mlcicd.grade' has no attribute {name!r}")
    return getattr(importlib.import_module(_WHERE[name]), name)


__all__ = [
    "CheckpointResult",
    "ExerciseSpec",
    "Prepared",
    "Submission",
    "SubmissionResult",
    "find_submissions",
    "grade_me",
    "grade_paths",
    "grade_submission",
    "load_manifest",
    "prepare",
]
