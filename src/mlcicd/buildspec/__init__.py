"""Build, load, lint and run AWS CodeBuild buildspecs locally, with CodeBuild's semantics.

* :class:`BuildspecBuilder` and :mod:`~mlcicd.buildspec.recipes` build a
  :class:`Buildspec`; :func:`dumps` / :func:`dump` write YAML CodeBuild accepts.
* :func:`load` / :func:`loads` read a buildspec (refusing lint errors);
  :func:`lint_file` / :func:`lint_text` report every problem with its rule
  code, line and column (``mlcicd buildspec lint``, ``mlcicd buildspec rules``).
* :func:`~mlcicd.buildspec.editor_schema.json_schema` is the buildspec's shape as a
  JSON Schema, for editors (``mlcicd buildspec schema``).
* :func:`run_buildspec` runs it on this machine with CodeBuild's phase
  semantics (``mlcicd buildspec run``).
"""

from mlcicd.buildspec.build import BuildspecBuilder
from mlcicd.buildspec.dump import dump, dumps
from mlcicd.buildspec.lint import RULES, Finding, lint_file, lint_text
from mlcicd.buildspec.load import load, loads
from mlcicd.buildspec.model import Buildspec, from_dict, to_dict
from mlcicd.buildspec.run import BuildResult, run_buildspec

__all__ = [
    "RULES",
    "BuildResult",
    "Buildspec",
    "BuildspecBuilder",
    "Finding",
    "dump",
    "dumps",
    "from_dict",
    "lint_file",
    "lint_text",
    "load",
    "loads",
    "run_buildspec",
    "to_dict",
]
