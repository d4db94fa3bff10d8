"""Grade what a user points at: find the manifest and the submissions, then grade them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlcicd.exceptions import GradeError
from mlcicd.grade.manifest import find_manifest, load_manifest
from mlcicd.grade.model import SubmissionResult
from mlcicd.grade.run import (
    DEFAULT_BUDGET,
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT,
    find_submissions,
    grade,
    shard,
)


def grade_paths(
    targets: Sequence[Path],
    *,
    manifest: Path | None = None,
    workers: int = 1,
    timeout: int = DEFAULT_TIMEOUT,
    memory_mb: int = DEFAULT_MEMORY_MB,
    budget: int = DEFAULT_BUDGET,
    require_sandbox: bool = False,
    exercise: str | None = None,
    shard_spec: str | None = None,
) -> list[SubmissionResult]:
    """Grade every submission in ``targets`` (``mlcicd grade``).

    Args:
        targets: Notebooks, or folders of submissions.
        manifest: The exercise manifest; by default the nearest ``exercises/manifest.json``
            above the first target, else in the current folder.
        workers: Submissions graded at the same time.
        timeout: Seconds one cell may run.
        memory_mb: Memory cap of each kernel, in MiB.
        budget: Seconds one submission may take in all.
        require_sandbox: Refuse to grade where no sandbox can be made.
        exercise: The exercise every submission must be.
        shard_spec: ``K/N``: grade only that shard of the submissions.

    Returns:
        One result per submission, sorted by path.

    Raises:
        GradeError: When grading cannot run: no manifest, no submission, a bad option,
            or no sandbox when one is required.
    """
    if not targets:
        raise GradeError("give a notebook or a folder of submissions to grade")
    path = manifest or find_manifest(targets[0]) or find_manifest(Path.cwd())
    if path is None:
        raise GradeError(
            "found no exercises/manifest.json above it or here; pass --manifest FILE",
            path=str(targets[0]),
        )
    exercises = load_manifest(path)
    if exercise is not None and exercise not in exercises:
        raise GradeError(f"--exercise {exercise}: the manifest has {', '.join(exercises)}")
    submissions = find_submissions(targets)
    if shard_spec:
        submissions = shard(submissions, shard_spec)
    return grade(
        submissions,
        exercises,
        workers=workers,
        expected=exercise,
        timeout=timeout,
        memory_mb=memory_mb,
        budget=budget,
        require_sandbox=require_sandbox,
    )
