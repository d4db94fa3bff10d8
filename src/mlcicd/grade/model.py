"""What grading finds: one result per checkpoint, one per submission.

The field names are those of the ``--json`` output (``path``, ``exercise``,
``score``, ``max_score``, ``checkpoints``, ``errors``, ``warnings``), so a
result converts to JSON with :meth:`SubmissionResult.to_dict` and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: Checkpoint statuses, worst to best is not implied; ``passed`` is the only one that scores.
#: ``not gradable``: the grading machine lacks what the check needs (a package, Node.js);
#: never the learner's fault, and the submission is reported as not graded.
STATUSES = ("passed", "failed", "error", "timeout", "not run", "deleted", "not gradable")
NOT_GRADABLE = "not gradable"


@dataclass(frozen=True)
class CheckpointResult:
    """One checkpoint of one submission.

    Attributes:
        id: E.g. ``"02.1"``.
        points: Points earned (all or nothing).
        max_points: Points it is worth.
        status: One of :data:`STATUSES`.
        message: The check's line, or what stopped it from running.
    """

    id: str
    points: int
    max_points: int
    status: str
    message: str = ""


@dataclass(frozen=True)
class SubmissionResult:
    """One graded (or ungradable) submission.

    Attributes:
        path: The submission as found (relative to where grading started).
        learner: Who submitted it: the learner's folder, else the file's stem.
        exercise: The exercise's name (``02_unit_tests``), or "" when unknown.
        score: Points earned.
        max_score: Points available in that exercise (0 when unknown).
        checkpoints: One result per checkpoint of the exercise, in order.
        errors: Why the submission could not be graded (then ``score`` is 0).
        warnings: What was found and handled (an edited checkpoint, ...).
        sandbox: One sentence: the isolation and limits the learner's kernel ran under
            ("" when no kernel ran).
    """

    path: str
    learner: str
    exercise: str
    score: int
    max_score: int
    checkpoints: tuple[CheckpointResult, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    sandbox: str = ""

    @property
    def graded(self) -> bool:
        """True when the submission ran (whatever it scored)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON shape: lists instead of tuples, nothing else changed."""
        data = asdict(self)
        data["checkpoints"] = [asdict(c) for c in self.checkpoints]
        data["errors"] = list(self.errors)
        data["warnings"] = list(self.warnings)
        return data
