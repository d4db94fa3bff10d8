"""Test counts and seconds per layer of the test pyramid, read from a JUnit XML report.

``make test`` prints these lines at the end of every run, and the lessons quote
them next to the study guide's "speed / cost / complexity" table. The layer of
a test case is its ``layer`` property (written by the test suite's conftest),
else the folder under ``tests/`` its class name starts with.

After the layers, the summary names the slowest tests and gives the wall time
of the run: the ``time`` pytest writes on its ``<testsuite>``, the wall-clock
time of the pytest session from its start to its end (with pytest-xdist, the
controller's session, so the workers' time overlaps in the layer sums but not
there). It leaves out only the interpreter's start-up and what ``make test``
does before pytest (the install, when one is due).

Run as ``python -m mlcicd.testing.layers build/reports/junit.xml``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from mlcicd import junit
from mlcicd.exceptions import CourseError

#: The layers in pyramid order, base first.
LAYERS: tuple[str, ...] = ("unit", "integration", "e2e", "notebook", "ui")


@dataclass(frozen=True)
class LayerFigures:
    """What one layer of the suite cost in one run.

    Attributes:
        layer: ``unit``, ``integration``, ``e2e``, ``notebook``, ``ui`` or ``other``.
        tests: Number of test cases.
        failed: Test cases that failed or errored.
        skipped: Test cases that were skipped.
        seconds: Total time of the test cases (setup, call and teardown).
    """

    layer: str
    tests: int
    failed: int
    skipped: int
    seconds: float


def _layer_of(case: junit.Case) -> str:
    layer = case.prop("layer")
    if layer is not None:
        return layer or "other"
    parts = case.classname.split(".")
    if len(parts) > 1 and parts[0] == "tests":
        return {"notebooks": "notebook"}.get(parts[1], parts[1])
    return "other"


@dataclass(frozen=True)
class RunSummary:
    """What ``make test`` prints at its end, read from the run's JUnit report.

    Attributes:
        figures: One entry per layer, as :func:`layer_figures` gives them.
        slowest: The slowest test cases, slowest first.
        wall: Wall-clock seconds of the pytest session (its ``<testsuite>`` time);
            None when the report gives none.
    """

    figures: list[LayerFigures]
    slowest: list[junit.Case]
    wall: float | None


def layer_figures(junit_xml: Path) -> list[LayerFigures]:
    """Sum a JUnit XML report per layer, in pyramid order.

    Args:
        junit_xml: A report written by ``pytest --junitxml``.

    Returns:
        One entry per layer that has at least one test case; layers outside
        :data:`LAYERS` come last, sorted by name.

    Raises:
        CourseError: Naming ``junit_xml``, when it is missing, unreadable or not JUnit XML.
    """
    return _figures(junit.read_file(junit_xml).cases)


def summarize(junit_xml: Path, *, slowest: int = 5) -> RunSummary:
    """The layers, the ``slowest`` test cases and the wall time of one run.

    Raises:
        CourseError: As :func:`layer_figures` does.
    """
    report = junit.read_file(junit_xml)
    cases = sorted(report.cases, key=lambda case: case.time, reverse=True)[:slowest]
    # pytest writes one suite; a report of several is several runs, one after another.
    wall = sum(suite.time for suite in report.suites)
    return RunSummary(_figures(report.cases), cases, wall or None)


def _figures(cases: tuple[junit.Case, ...]) -> list[LayerFigures]:
    totals: dict[str, LayerFigures] = {}
    for case in cases:
        layer = _layer_of(case)
        seen = totals.get(layer, LayerFigures(layer, 0, 0, 0, 0.0))
        totals[layer] = LayerFigures(
            layer,
            tests=seen.tests + 1,
            failed=seen.failed + (case.outcome in ("failed", "error")),
            skipped=seen.skipped + (case.outcome == "skipped"),
            seconds=seen.seconds + case.time,
        )
    order = {name: index for index, name in enumerate(LAYERS)}
    return sorted(totals.values(), key=lambda fig: (order.get(fig.layer, len(LAYERS)), fig.layer))


def format_figures(figures: list[LayerFigures]) -> str:
    """One line per layer, e.g. ``unit         41 tests    2.35 s``."""
    lines = []
    for fig in figures:
        extra = "".join(
            f", {n} {word}" for n, word in ((fig.failed, "failed"), (fig.skipped, "skipped")) if n
        )
        noun = "test " if fig.tests == 1 else "tests"
        lines.append(f"{fig.layer:<12} {fig.tests:>4} {noun} {fig.seconds:>8.2f} s{extra}")
    return "\n".join(lines)


def case_id(case: junit.Case) -> str:
    """pytest's id of a test case: ``tests/unit/test_a.py::test_b`` (``file`` from xunit1)."""
    return f"{case.file or case.classname}::{case.name}"


def format_summary(summary: RunSummary) -> str:
    """The per-layer lines, then the slowest tests and the wall time of the run."""
    lines = [
        format_figures(summary.figures) if summary.figures else "  no test cases in the report"
    ]
    if summary.slowest:
        lines.append(f"Slowest {len(summary.slowest)} tests (setup, call and teardown):")
        lines += [f"  {case.time:>8.2f} s  {case_id(case)}" for case in summary.slowest]
    if summary.wall is not None:
        lines.append(
            f"Wall time of the run: {summary.wall:.1f} s (pytest's session, from the report)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the layers, slowest tests and wall time of a report; exit 2 if it is unreadable."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m mlcicd.testing.layers JUNIT_XML", file=sys.stderr)
        return 2
    path = Path(args[0])
    if not path.exists():
        print(f"{path}: no such report; run the tests first (make test).", file=sys.stderr)
        return 2
    try:
        summary = summarize(path)
    except CourseError as error:
        print(error, file=sys.stderr)
        return 2
    print("Tests per layer (from " + str(path) + "):")
    print(format_summary(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
