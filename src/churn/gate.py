"""The quality gate: may a candidate model replace the approved one?

Two kinds of checks, each a small pure function:

* ``minimum``: every gated metric reaches an absolute floor, so a broken model
  (guessing, predicting one class) never ships, even as the first model.
* ``regression``: when a model is already approved, no metric falls more than
  ``tolerance`` below the approved model's, so quality never silently erodes
  from one release to the next.

:meth:`QualityGate.evaluate` runs the rules in order and returns a
:class:`GateVerdict`; a pipeline prints ``verdict.format()``, stores
``verdict.to_dict()`` and registers the model only when ``verdict.passed``.

The default minimums were measured on the synthetic data (train on
``generate(5000)``, evaluate on ``generate(2000)``, several seeds): the model
scores ROC AUC 0.85-0.87, F1 0.54-0.58, precision 0.63-0.72 and recall
0.44-0.51 (recall is bounded by the data: even the true risk function only
reaches 0.49 at threshold 0.5). Guessing, or predicting one class, scores ROC
AUC 0.5, F1 at most 0.37, precision at most 0.23, or recall 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from churn.train import METRIC_NAMES, Metrics

CheckKind = Literal["minimum", "regression"]

#: Default floors; see the module docstring for the measurements behind them.
DEFAULT_MINIMUMS: Mapping[str, float] = MappingProxyType(
    {"roc_auc": 0.75, "f1": 0.45, "precision": 0.5, "recall": 0.35}
)

# A drop of exactly ``tolerance`` passes: 0.52 - 0.05 is 0.47000000000000003 in
# floating point, which a candidate at 0.47 would otherwise miss.
_ROUNDING = 1e-9


@dataclass(frozen=True)
class GateCheck:
    """One comparison of the gate.

    Attributes:
        metric: The metric compared, e.g. ``roc_auc``.
        kind: ``minimum`` (absolute floor) or ``regression`` (against the approved model).
        value: The candidate's value.
        threshold: The lowest value that passes.
        passed: Whether ``value`` reaches ``threshold``.
        message: The comparison in words, with the numbers.
    """

    metric: str
    kind: CheckKind
    value: float
    threshold: float
    passed: bool
    message: str


@dataclass(frozen=True)
class GateVerdict:
    """The gate's decision and the checks behind it.

    Attributes:
        checks: Every check, in rule order (minimums, then regressions).
    """

    checks: tuple[GateCheck, ...]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[GateCheck, ...]:
        """The checks that failed, in order."""
        return tuple(check for check in self.checks if not check.passed)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for CI logs, the registry's approval notes and notifications."""
        return {
            "passed": self.passed,
            "failures": [f"{check.kind}:{check.metric}" for check in self.failures],
            "checks": [asdict(check) for check in self.checks],
        }

    def format(self) -> str:
        """Human-readable lines: the verdict, then one line per check."""
        if self.passed:
            verdict = f"PASSED ({len(self.checks)} checks)"
        else:
            names = ", ".join(sorted({check.metric for check in self.failures}))
            verdict = f"FAILED on {names} ({len(self.failures)} of {len(self.checks)} checks)"
        lines = [f"Quality gate {verdict}"]
        lines += [
            f"  {'pass' if check.passed else 'FAIL'} [{check.kind}] {check.message}"
            for check in self.checks
        ]
        return "\n".join(lines)


def _reaches(value: float, threshold: float) -> bool:
    # NaN never passes: a metric that could not be computed fails closed.
    return not math.isnan(value) and value >= threshold - _ROUNDING


def check_minimum(metric: str, value: float, minimum: float) -> GateCheck:
    """The candidate's ``metric`` reaches the absolute ``minimum``."""
    passed = _reaches(value, minimum)
    relation = "reaches" if passed else "is below"
    return GateCheck(
        metric,
        "minimum",
        value,
        minimum,
        passed,
        f"{metric} {value:.3f} {relation} the minimum {minimum:.3f}",
    )


def check_regression(metric: str, value: float, approved: float, tolerance: float) -> GateCheck:
    """The candidate's ``metric`` is at most ``tolerance`` below the approved model's."""
    threshold = approved - tolerance
    passed = _reaches(value, threshold)
    change = value - approved
    verdict = "within" if passed else "more than"
    return GateCheck(
        metric,
        "regression",
        value,
        threshold,
        passed,
        f"{metric} {value:.3f} vs approved {approved:.3f} ({change:+.3f}): "
        f"{verdict} the tolerance {tolerance:.3f}",
    )


Rule = Callable[["QualityGate", Metrics, Metrics | None], Iterator[GateCheck]]


def minimum_rule(
    gate: QualityGate, candidate: Metrics, approved: Metrics | None
) -> Iterator[GateCheck]:
    """One ``minimum`` check per metric the gate has a floor for."""
    for metric, minimum in gate.minimums.items():
        yield check_minimum(metric, getattr(candidate, metric), minimum)


def regression_rule(
    gate: QualityGate, candidate: Metrics, approved: Metrics | None
) -> Iterator[GateCheck]:
    """One ``regression`` check per metric, when a model is already approved."""
    if approved is None:
        return
    for metric in METRIC_NAMES:
        yield check_regression(
            metric, getattr(candidate, metric), getattr(approved, metric), gate.tolerance
        )


@dataclass(frozen=True)
class QualityGate:
    """Absolute floors and a regression tolerance for candidate models.

    Attributes:
        minimums: Lowest acceptable value per metric (names from
            ``churn.train.METRIC_NAMES``).
        tolerance: Largest acceptable drop of any metric below the approved model's.
    """

    minimums: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_MINIMUMS))
    tolerance: float = 0.02

    def __post_init__(self) -> None:
        """Refuse a gate that would let anything through or name unknown metrics.

        Raises:
            ValueError: No minimums, an unknown metric name, or a negative tolerance.
        """
        if not self.minimums:
            raise ValueError("a quality gate needs at least one minimum; it would pass any model")
        unknown = sorted(set(self.minimums) - set(METRIC_NAMES))
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; gate on {list(METRIC_NAMES)}")
        if not self.tolerance >= 0:
            raise ValueError(f"tolerance must be 0 or more, not {self.tolerance}")

    def evaluate(self, candidate: Metrics, approved: Metrics | None) -> GateVerdict:
        """Decide whether ``candidate`` may be released.

        Args:
            candidate: Held-out metrics of the new model.
            approved: The approved model's metrics on the same data, or None
                when there is no approved model yet (only minimums apply).

        Returns:
            The verdict with every check.
        """
        return GateVerdict(
            tuple(check for rule in RULES for check in rule(self, candidate, approved))
        )


#: The gate's rules, in the order their checks are reported.
RULES: tuple[Rule, ...] = (minimum_rule, regression_rule)
