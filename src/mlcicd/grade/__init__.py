"""Grade learners' exercise notebooks with nbval: points per checkpoint, tamper-evident.

* :func:`grade_paths` grades notebooks or folders of submissions (``mlcicd grade``);
  :func:`grade_submission` grades one.
* :func:`prepare` shows what is graded: the learner's notebook with the course's own
  checkpoint cells, and what was found edited, deleted, duplicated or moved.
* :mod:`mlcicd.grade.report` writes the table, JSON, JUnit XML and CSV gradebook.
* :func:`grade_me` grades the open exercise from its last cell.
"""

from mlcicd.grade.api import grade_paths
from mlcicd.grade.learner import grade_me
from mlcicd.grade.manifest import ExerciseSpec, load_manifest
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.prepare import Prepared, prepare
from mlcicd.grade.run import Submission, find_submissions, grade_submission

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
