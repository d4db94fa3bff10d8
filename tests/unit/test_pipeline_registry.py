"""``mlcicd.pipeline.registry``: every pipeline rule, registered once, each with its AWS page.

The checks register themselves by a decorator next to their definition; these
tests catch a check written without one (it would never run), a check
registered twice, and a rule without an id, summary, severity or documentation.
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

from mlcicd.lint import Registry, Rule, Severity
from mlcicd.pipeline import gates, rules, toplevel
from mlcicd.pipeline.validate import RULES

CHECK_MODULES = (rules, toplevel, gates)
#: The rules whose findings come from the walk against the service model.
SHAPE_IDS = {f"PL00{n}" for n in range(2, 9)}
#: The rules without a check: data that is no mapping, an inline buildspec's findings.
DECLARED_IDS = {"PL001", "PL040"}


def _check_functions(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if name.startswith("check_")
        and inspect.isfunction(value)
        and value.__module__ == module.__name__
    ]


def test_the_validator_uses_one_registry() -> None:
    assert isinstance(RULES, Registry)
    assert RULES is rules.RULES is toplevel.RULES is gates.RULES


@pytest.mark.parametrize("rule", list(RULES), ids=lambda rule: rule.id)
def test_every_rule_is_fully_declared(rule: Rule) -> None:
    assert re.fullmatch(r"PL\d{3}", rule.id)
    assert rule.summary.strip()
    assert isinstance(rule.severity, Severity)
    assert re.fullmatch(r"https://docs\.aws\.amazon\.com/\S+", rule.url)


@pytest.mark.parametrize("module", CHECK_MODULES, ids=lambda module: module.__name__)
def test_every_check_function_is_registered_once(module: ModuleType) -> None:
    registered = [rule.check for rule in RULES if rule.check is not None]
    names = _check_functions(module)
    assert names, f"{module.__name__} defines no check_* function"
    assert {name: registered.count(getattr(module, name)) for name in names} == dict.fromkeys(
        names, 1
    )


def test_every_registered_check_is_a_check_function_or_a_shape_rule() -> None:
    functions = {getattr(m, name) for m in CHECK_MODULES for name in _check_functions(m)}
    others = {rule.id for rule in RULES if rule.check is not None and rule.check not in functions}
    assert others == SHAPE_IDS


def test_only_the_declared_rules_have_no_check() -> None:
    assert {rule.id for rule in RULES if rule.check is None} == DECLARED_IDS


def test_the_gates_are_warnings_and_the_service_rules_errors() -> None:
    # The course's gates are advice (they never stop `pipeline run`); the rest is
    # what CodePipeline rejects. PL040 keeps each buildspec finding's own severity.
    warnings = {rule.id for rule in RULES if rule.severity == Severity.WARNING}
    assert warnings == {"PL030", "PL031", "PL032"}
    assert {rule.id for rule in RULES if rule.check in vars(gates).values()} == warnings
