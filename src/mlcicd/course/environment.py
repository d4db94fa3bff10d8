"""The start page's environment check: is everything the course needs here?

:func:`environment_check` runs the checks of ``mlcicd doctor``
(:mod:`mlcicd.doctor`) that make sense inside a kernel: the Python version, the
packages the course imports, Node.js for lesson 09, free disk, and whether this
kernel is offline (fake credentials, and a guard that is proven to stop a real
AWS call). It leaves out what a running JupyterLab has already shown: a free
port and that a kernel starts. It prints one line per item with what to do
about anything missing.
"""

from __future__ import annotations

from mlcicd.doctor import PACKAGES, Context, Result, report_lines, run_checks, select
from mlcicd.iac.environment import project_root

__all__ = ["PACKAGES", "check_items", "environment_check"]


def check_items() -> list[Result]:
    """Return the check's items (nothing is printed); ``item.ok`` is False only on a problem."""
    return run_checks(select(kernel=True), Context(project_root()))


def environment_check() -> None:
    """Print the check: one line per item, then whether everything is ready."""
    for line in report_lines(check_items(), then="restart the kernel and run this cell again"):
        print(line)
