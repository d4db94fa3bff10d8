"""Where a check runs code the learner wrote: test modules, buildspec commands.

In a learner's own notebook a check runs such code as is. When ``mlcicd grade``
judges a checkpoint outside the learner's kernel (:mod:`mlcicd.grade.nbval_sandbox`),
the check runs in the grader's process, so code the learner wrote must not run
with the grader's rights: the grader sets :data:`sandboxed`, and every check that
starts such code puts :func:`prefix` in front of its command.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

#: Set by the grader: the command prefix that runs a command in a sandbox whose one
#: writable folder is the given one (the command's working folder stays as it is).
#: None: run as is.
sandboxed: Callable[[Path], list[str]] | None = None


def prefix(folder: Path) -> list[str]:
    """The prefix for a command writing only into ``folder``; [] outside grading."""
    return sandboxed(folder) if sandboxed is not None else []
