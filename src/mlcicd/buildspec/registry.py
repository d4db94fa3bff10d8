"""The buildspec linter's rule registry, and the CodeBuild pages its rules rest on.

Its own module so that both check modules, :mod:`mlcicd.buildspec.schema` and
:mod:`mlcicd.buildspec.rules`, register into it with ``@RULES.rule(...)`` next
to each check, and :mod:`mlcicd.buildspec.lint` (which imports both) runs it,
without an import cycle. Import :mod:`mlcicd.buildspec.lint` to get it filled.
"""

from __future__ import annotations

from mlcicd.lint import Registry

__all__ = ["BATCH_REF", "BUILDSPEC_REF", "RULES", "TEST_REPORTING_REF"]

#: The buildspec reference every rule rests on (a rule's default), its batch build
#: part, and the test reporting guide (BS039's advice).
BUILDSPEC_REF = "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html"
BATCH_REF = "https://docs.aws.amazon.com/codebuild/latest/userguide/batch-build-buildspec.html"
TEST_REPORTING_REF = "https://docs.aws.amazon.com/codebuild/latest/userguide/test-reporting.html"

#: Every buildspec lint rule, registered by the checks' decorators and by lint's declarations.
RULES = Registry("buildspec")
