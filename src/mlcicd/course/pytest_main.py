"""``python -m mlcicd.course.pytest_main ARGS``: pytest, started without an unused 2 s import.

:func:`mlcicd.course.nbval_run.run_nbval` starts pytest through this module;
see :func:`mlcicd.startup.skip_unused_grammar` for what is skipped and why.
"""

import sys

from mlcicd.startup import skip_unused_grammar

if __name__ == "__main__":
    skip_unused_grammar()
    import pytest

    sys.exit(pytest.main())
