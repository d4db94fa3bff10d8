"""The buildspec linter's rules live in the one lint core's registry, one decorator per check."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from collections import Counter
from types import ModuleType

from mlcicd.buildspec import batch_rules, rules, schema
from mlcicd.buildspec.document import ALIAS_BOMB, ENCODING, SYNTAX, TAB, TOO_DEEP, TOO_LARGE
from mlcicd.buildspec.lint import RULES, UNREADABLE
from mlcicd.lint import Severity

CHECK_MODULES: tuple[ModuleType, ...] = (schema, rules, batch_rules)


def _checks_defined_in(module: ModuleType) -> list[str]:
    return [
        f"{module.__name__}.{name}"
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if name.startswith("check_") and function.__module__ == module.__name__
    ]


def test_every_rule_has_an_id_summary_severity_and_aws_docs_url() -> None:
    bad = [
        rule.id
        for rule in RULES
        if not re.fullmatch(r"BS\d{3}", rule.id)
        or not rule.summary.strip()
        or "\n" in rule.summary
        or not isinstance(rule.severity, Severity)
        or not rule.url.startswith("https://docs.aws.amazon.com/")
    ]
    assert bad == []
    assert len(RULES) >= 40  # BS000-BS007 and BS010-BS043


def test_every_check_function_is_registered_exactly_once() -> None:
    defined = [name for module in CHECK_MODULES for name in _checks_defined_in(module)]
    registered = Counter(
        f"{rule.check.__module__}.{rule.check.__name__}" for rule in RULES if rule.check
    )
    assert sorted(registered) == sorted(defined)
    assert [name for name, count in registered.items() if count != 1] == []


def test_only_the_problems_that_stop_the_reader_have_no_check() -> None:
    declared = {rule.id for rule in RULES if rule.check is None}
    stops = {UNREADABLE, SYNTAX, TAB, ENCODING, TOO_LARGE, TOO_DEEP, ALIAS_BOMB}
    assert declared == stops


def test_importing_the_linter_alone_fills_the_registry() -> None:
    # A fresh interpreter: nothing but mlcicd.buildspec.lint has been imported by hand.
    code = "import mlcicd.buildspec.lint as lint; print(' '.join(r.id for r in lint.RULES))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == [rule.id for rule in RULES]
