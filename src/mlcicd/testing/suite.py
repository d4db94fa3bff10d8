"""A snapshot of the course repository's own test suite, for copies that have none.

Two lessons show the figures of the repository's test suite: lesson 01 the test
cases and seconds per layer of the last ``make test`` (its JUnit report, read
with :func:`~mlcicd.testing.layers.layer_figures`), lesson 06 the test functions
per layer under ``tests/``. A learner release has neither (its ``make test``
grades the learner's exercises, and ``tests/`` holds hidden cases), so
``mlcicd course release`` records both in :data:`SNAPSHOT`, and the lessons read
it when the live source is missing::

    {"recorded_by": "mlcicd course release", "mlcicd": "0.1.0",
     "test_functions": {"unit": 801, "integration": 80, ...},
     "run": {"unit": {"tests": 1270, "failed": 0, "skipped": 3, "seconds": 41.2}, ...}}

``run`` is there only when the report covers the whole suite. The snapshot holds
no date, so releasing the same course twice writes the same file. Before a first
``make test`` in the course repository, lesson 01 shows :data:`SAMPLE`, a small
JUnit report of the course's own suite committed and labelled as a sample.
"""

from __future__ import annotations

import ast
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mlcicd import __version__
from mlcicd.exceptions import CourseError
from mlcicd.testing.layers import LAYERS, LayerFigures, layer_figures

#: Where a release holds the snapshot, relative to its root.
SNAPSHOT = "docs/test-layers.json"
#: The JUnit report ``make test`` writes in the course repository.
REPORT = "build/reports/junit.xml"
#: A small JUnit report of the course's own suite, committed and labelled as a
#: sample: lesson 01 shows its figures until ``make test`` has written :data:`REPORT`.
SAMPLE = "docs/sample-junit.xml"
_RECORDED_BY = "mlcicd course release"
_RECORDED = "recorded when this copy was released"
_FIGURES = "this repository's figures"


@dataclass(frozen=True)
class SuiteSnapshot:
    """The course repository's test suite, as recorded at release.

    Attributes:
        mlcicd: The toolkit's version that recorded it.
        functions: Test functions per layer, in pyramid order.
        figures: Test cases and seconds per layer of the instructor's last full
            ``make test``; empty when there was none.
    """

    mlcicd: str
    functions: dict[str, int]
    figures: tuple[LayerFigures, ...] = ()


def _folder(layer: str) -> str:
    return {"notebook": "notebooks"}.get(layer, layer)


def count_test_functions(tests: Path) -> dict[str, int]:
    """Count the test functions per layer under ``tests`` (``tests/<layer>/**/test_*.py``).

    A test function is what pytest collects by name: a module-level ``test*``
    function, or a ``test*`` method of a ``Test*`` class. Test code written
    inside strings (a test of a test runner) is not counted.

    Returns:
        ``{layer: count}`` for every layer of :data:`LAYERS`, in pyramid order.

    Raises:
        CourseError: Naming a test file that cannot be read or is not valid Python.
    """
    counts = {}
    for layer in LAYERS:
        files = sorted((tests / _folder(layer)).rglob("test_*.py"))
        counts[layer] = sum(_count(path) for path in files)
    return counts


def _count(path: Path) -> int:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, UnicodeDecodeError, SyntaxError) as error:
        raise CourseError(
            f"cannot count its test functions ({error}); fix the file or remove it",
            path=str(path),
        ) from None
    nodes = list(tree.body)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            nodes += node.body
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return sum(isinstance(n, functions) and n.name.startswith("test") for n in nodes)


def full_run(report: Path, functions: dict[str, int]) -> tuple[LayerFigures, ...]:
    """The figures of ``report`` if it is a run of the whole suite, else ``()``.

    A report from a partial run (one file, one layer) would misstate the suite:
    it counts as whole when every layer that has test functions has test cases
    in it. A missing or unreadable report gives ``()``.
    """
    try:
        figures = layer_figures(report)
    except CourseError:  # missing, unreadable or not JUnit XML
        return ()
    ran = {fig.layer for fig in figures}
    whole = all(layer in ran for layer, count in functions.items() if count)
    return tuple(figures) if whole and ran else ()


def take_snapshot(root: Path) -> SuiteSnapshot | None:
    """Record the suite of the course at ``root``; ``None`` when it has no ``tests/``.

    Raises:
        CourseError: Naming a test file that cannot be read or parsed.
    """
    if not (root / "tests").is_dir():
        return None
    functions = count_test_functions(root / "tests")
    return SuiteSnapshot(__version__, functions, full_run(root / REPORT, functions))


def snapshot_json(snapshot: SuiteSnapshot) -> str:
    """The snapshot as the JSON text of :data:`SNAPSHOT` (``run`` only with figures)."""
    data: dict[str, Any] = {
        "recorded_by": _RECORDED_BY,
        "mlcicd": snapshot.mlcicd,
        "test_functions": snapshot.functions,
    }
    if snapshot.figures:
        data["run"] = {
            fig.layer: {k: v for k, v in asdict(fig).items() if k != "layer"}
            | {"seconds": round(fig.seconds, 2)}
            for fig in snapshot.figures
        }
    return json.dumps(data, indent=2) + "\n"


def read_snapshot(path: Path) -> SuiteSnapshot:
    """Read a snapshot written by :func:`snapshot_json`.

    Raises:
        CourseError: Naming the file, when it is missing or not such a snapshot.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        figures = tuple(_figures(layer, fig) for layer, fig in data.get("run", {}).items())
        functions = {str(k): int(v) for k, v in data["test_functions"].items()}
        return SuiteSnapshot(str(data["mlcicd"]), functions, figures)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CourseError(
            f"not a snapshot of the course's test suite ({type(error).__name__}: {error}); "
            "release the course again to rewrite it",
            path=str(path),
        ) from None


def _figures(layer: str, fig: dict[str, Any]) -> LayerFigures:
    counts = (int(fig["tests"]), int(fig["failed"]), int(fig["skipped"]))
    return LayerFigures(layer, *counts, seconds=float(fig["seconds"]))


def figures_or_snapshot(
    report: Path, snapshot: Path, sample: Path | None = None
) -> tuple[list[LayerFigures], str]:
    """Lesson 01: the figures of the JUnit ``report``, else the ``snapshot``, else the ``sample``.

    The order is the most real first: the learner's own run; the course's whole
    run recorded in a release; the small sample report committed with the course
    (:data:`SAMPLE`), so the lesson has figures before ``make test`` has run.

    Returns:
        The figures per layer (empty when none of them has any), and one sentence
        saying where they come from.
    """
    if report.exists():
        figures = layer_figures(report)
        return figures, f"Read {sum(f.tests for f in figures)} test cases from {report.name}."
    recorded, unreadable = _recorded(snapshot)
    if recorded is not None and recorded.figures:
        cases = sum(f.tests for f in recorded.figures)
        return list(recorded.figures), (
            f"This copy has no test suite: these are the figures of the course repository's "
            f"own suite ({cases} test cases), {_RECORDED} (mlcicd {recorded.mlcicd})."
        )
    figures = _sample_figures(sample)
    if figures:
        cases = sum(f.tests for f in figures)
        return figures, (
            f"No JUnit report at {report} yet (make test writes it). These are the figures "
            f"of a SAMPLE of this course's own suite ({cases} test cases, {sample}), "
            "not of a full run."
        )
    if recorded is not None:
        counts = ", ".join(f"{n} {layer}" for layer, n in recorded.functions.items() if n)
        return [], (
            f"This copy has no test suite. The course repository's own suite has {counts} "
            f"test functions, {_RECORDED} (mlcicd {recorded.mlcicd}), but no timed run."
        )
    if unreadable is not None:
        return [], f"No JUnit report at {report}, and {unreadable}."
    return [], f"No JUnit report at {report}: run make test first to see {_FIGURES}."


def _recorded(snapshot: Path) -> tuple[SuiteSnapshot | None, CourseError | None]:
    """The snapshot (``None`` when there is none), or the error that makes it unreadable."""
    if not snapshot.exists():
        return None, None
    try:
        return read_snapshot(snapshot), None
    except CourseError as error:
        return None, error


def _sample_figures(sample: Path | None) -> list[LayerFigures]:
    """The figures of the committed sample report; none when it is missing or unreadable."""
    if sample is None:
        return []
    try:
        return layer_figures(sample)
    except CourseError:  # missing, unreadable or not JUnit XML
        return []


def functions_or_snapshot(tests: Path, snapshot: Path) -> tuple[dict[str, int], str]:
    """Lesson 06: the test functions per layer under ``tests``, else in the ``snapshot``.

    Returns:
        ``{layer: count}`` for every layer, and ``""`` when counted in ``tests``,
        else one sentence saying where the counts come from.
    """
    try:
        if tests.is_dir():
            return count_test_functions(tests), ""
        if not snapshot.exists():
            return dict.fromkeys(LAYERS, 0), f"No {tests} folder and no {snapshot} to count from."
        counts = read_snapshot(snapshot).functions
    except CourseError as error:
        return dict.fromkeys(LAYERS, 0), f"{error}."
    return {layer: counts.get(layer, 0) for layer in LAYERS}, (
        "This copy has no tests/ folder: these are the test functions of the course "
        f"repository's own suite, {_RECORDED}."
    )
