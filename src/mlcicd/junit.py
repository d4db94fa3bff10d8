"""Read JUnit XML reports: the one reader behind every report the toolkit reads.

pytest (``--junitxml``, xunit1 or xunit2), nbval (pytest's report, one test case
per code cell) and the test tools whose reports CodeBuild summarises write the
same shape: a ``<testsuites>`` root holding ``<testsuite>`` elements, or one bare
``<testsuite>``; each ``<testcase>`` passed, or holds a ``<failure>``, ``<error>``
or ``<skipped>`` child that says why. :func:`read_file` and :func:`read_text`
turn such a report into plain data (:class:`Report`, :class:`Suite`,
:class:`Case`) through junitparser.

Reports can come from untrusted runs (a learner's tests or notebook, graded
here). junitparser parses with lxml when it is installed, else with
``xml.etree``; neither is used here. The XML goes through defusedxml with DTDs
forbidden, so no entity is ever declared or expanded (no "billion laughs"), and
no external file or URL is read, whichever parser junitparser would pick.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ElementTree, ParseError

import junitparser
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as defused_parse

from mlcicd.exceptions import CourseError

#: A test case's outcomes, in the order counts are given.
OUTCOMES: tuple[str, ...] = ("passed", "failed", "error", "skipped")

#: Which result element gives which outcome, first match wins: pytest writes both a
#: ``<failure>`` and an ``<error>`` when a test fails and its teardown errors.
_RESULTS: tuple[tuple[type[junitparser.FinalResult], str], ...] = (
    (junitparser.Failure, "failed"),
    (junitparser.Error, "error"),
    (junitparser.Skipped, "skipped"),
)

_FIX = "write it again with pytest --junitxml=FILE, or remove it"


class _TestCase(junitparser.TestCase):
    # pytest's xunit1 reports name each case's file; junitparser reads extra
    # attributes declared on a subclass (its documented way to extend a shape).
    file = junitparser.Attr()


class _Written(junitparser.Attr):
    """An XML attribute read as written, under another Python name."""

    def __init__(self, xml_name: str) -> None:
        self._xml_name = xml_name

    @property
    def name(self) -> str:  # type: ignore[override]
        return self._xml_name

    @name.setter
    def name(self, key: str) -> None:
        # junitparser names each declared attribute after its Python name: keep the XML one.
        pass


class _TestSuite(junitparser.TestSuite):
    testcase = _TestCase
    # The suite's time as written: junitparser's own ``time`` sums the cases when it is absent.
    written_time = _Written("time")


class _JUnitXml(junitparser.JUnitXml):
    testsuite = _TestSuite


@dataclass(frozen=True)
class Case:
    """One test case.

    Attributes:
        name: The ``name`` attribute (pytest: the test function; nbval: ``Cell N``).
        classname: The ``classname`` attribute (pytest: the dotted module path).
        time: Seconds; 0 when the report gives none.
        outcome: ``passed``, ``failed``, ``error`` or ``skipped``.
        message: The ``message`` attribute of the element that says why (empty when passed).
        text: The text of that element, e.g. a traceback or nbval's diff (empty when passed).
        file: The ``file`` attribute (pytest's xunit1 reports), else empty.
        properties: The case's ``<property>`` name/value pairs, in file order.
    """

    name: str
    classname: str = ""
    time: float = 0.0
    outcome: str = "passed"
    message: str = ""
    text: str = ""
    file: str = ""
    properties: tuple[tuple[str, str], ...] = ()

    def prop(self, name: str) -> str | None:
        """The value of the first property called ``name``, or None."""
        return next((value for key, value in self.properties if key == name), None)


@dataclass(frozen=True)
class Suite:
    """One ``<testsuite>`` and the cases directly in it (nested suites come after it).

    ``time`` is the suite's own ``time`` attribute in seconds (pytest: the wall time
    of the session); 0 when the report gives none, or none that is a number.
    """

    name: str
    cases: tuple[Case, ...]
    time: float = 0.0


@dataclass(frozen=True)
class Report:
    """A whole report.

    Attributes:
        source: The file read, or the ``source`` given to :func:`read_text`.
        suites: Every test suite, nested ones after their parent, in file order.
    """

    source: str
    suites: tuple[Suite, ...]

    @property
    def cases(self) -> tuple[Case, ...]:
        """Every test case, suite by suite."""
        return tuple(case for suite in self.suites for case in suite.cases)

    def count(self, outcome: str) -> int:
        """How many test cases had ``outcome`` (one of :data:`OUTCOMES`)."""
        return sum(case.outcome == outcome for suite in self.suites for case in suite.cases)

    @property
    def counts(self) -> dict[str, int]:
        """``{outcome: number of cases}`` for every outcome in :data:`OUTCOMES`."""
        return {outcome: self.count(outcome) for outcome in OUTCOMES}

    @property
    def time(self) -> float:
        """Seconds, summed over the test cases."""
        return sum(case.time for suite in self.suites for case in suite.cases)


def read_file(path: Path | str, *, limit: int | None = None) -> Report:
    """Read the JUnit XML report at ``path``.

    Args:
        path: The report.
        limit: Largest size in bytes read; a larger file is an error (None: any size).

    Raises:
        CourseError: Naming the file, when it is missing, unreadable, over ``limit``,
            not XML, holds a DTD, or is XML whose root is not ``<testsuites>`` or
            ``<testsuite>``.
    """
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if limit is not None and size > limit:
            raise CourseError(
                f"the JUnit report is {size} bytes, over the {limit} bytes read", path=source
            )
        return _read(source, source)
    except OSError as error:
        reason = error.strerror or str(error)
        raise CourseError(f"cannot read the JUnit report ({reason})", path=source) from None


def read_text(text: str | bytes, *, source: str = "<text>") -> Report:
    """Read a JUnit XML report from ``text``; ``source`` names it in errors.

    Raises:
        CourseError: As :func:`read_file` does.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    return _read(io.BytesIO(data), source)


def _read(file: str | IO[bytes], source: str) -> Report:
    # junitparser parses with whatever parse_func it is given: defusedxml's, always.
    parse: Callable[[str | IO[bytes]], ElementTree] = partial(defused_parse, forbid_dtd=True)
    try:
        xml = _JUnitXml.fromfile(file, parse_func=parse)
    except ParseError as error:
        raise CourseError(f"not a JUnit XML report ({error}); {_FIX}", path=source) from None
    except DefusedXmlException:
        raise CourseError(
            "not a JUnit XML report: it has a <!DOCTYPE> (DTD or entities), which JUnit "
            f"reports never have and which is not read, for safety; {_FIX}",
            path=source,
        ) from None
    except junitparser.JUnitXmlError:
        raise CourseError(
            f"not a JUnit XML report: the root element is not <testsuites> or <testsuite>; {_FIX}",
            path=source,
        ) from None
    return Report(source, tuple(s for suite in xml for s in _suites(suite, source)))


def _suites(suite: _TestSuite, source: str) -> list[Suite]:
    cases = tuple(_case(case, source) for case in suite.iterchildren(_TestCase))
    try:  # informative only: a suite time that is not a number is not worth refusing a report
        seconds = float(suite.written_time or 0.0)
    except ValueError:
        seconds = 0.0
    found = [Suite(suite.name or "", cases, seconds if math.isfinite(seconds) else 0.0)]
    for nested in suite.testsuites():
        found += _suites(nested, source)
    return found


def _case(case: _TestCase, source: str) -> Case:
    results = case.result  # each read of .result walks the element: read it once
    outcome, why = "passed", None
    for kind, name in _RESULTS:
        why = next((r for r in results if isinstance(r, kind)), None)
        if why is not None:
            outcome = name
            break
    properties = case.child(junitparser.Properties)
    return Case(
        name=case.name or "",
        classname=case.classname or "",
        time=_seconds(case, source),
        outcome=outcome,
        message=(why.message or "") if why is not None else "",
        text=(why.text or "") if why is not None else "",
        file=case.file or "",
        properties=tuple((p.name or "", p.value or "") for p in properties or ()),
    )


def _seconds(case: _TestCase, source: str) -> float:
    try:
        seconds = case.time or 0.0
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise CourseError(
            f"test case {case.classname or ''}::{case.name or ''} has a time that is not a "
            f"number of seconds; {_FIX}",
            path=source,
        )
    return seconds
