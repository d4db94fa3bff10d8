"""Grading results as a terminal table, JSON, JUnit XML and a CSV gradebook.

* :func:`table`: per submission, one line per checkpoint (id, points, status,
  the check's message), then the total;
* :func:`to_json`: ``{"submissions": [...]}``, each as
  :meth:`~mlcicd.grade.model.SubmissionResult.to_dict`;
* :func:`to_junit`: one test suite per submission, one test case per
  checkpoint (what CodeBuild's reports and GitHub show);
* :func:`to_csv`: one row per submission, one column per checkpoint, the total.

Every writer is deterministic: the same results give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from mlcicd.course.notebook import write_text
from mlcicd.grade.model import SubmissionResult


def _shown(text: object) -> str:
    """Return ``text`` on one line, each unprintable character escaped as ``repr`` does.

    Names, messages and warnings come from learners' folders, files and notebooks: a
    newline, a carriage return or an ANSI escape sequence in them must not forge a
    line of the table or drive the terminal. They show as ``\\n``, ``\\r``, ``\\x1b``
    (no quotes; a backslash is left as it is).
    """
    text = str(text)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def table(results: Sequence[SubmissionResult]) -> str:
    """Return the results as text: a block per submission and a class total.

    Every field is shown through :func:`_shown`, so each line of the table is one
    the grader wrote.
    """
    blocks = []
    for result in results:
        lines = [f"{_shown(result.path)} ({_shown(result.exercise or 'unknown exercise')})"]
        if result.errors:
            lines += [f"  not graded: {_shown(error)}" for error in result.errors]
        else:
            lines.append(f"  {'checkpoint':<11} {'points':<7} {'status':<8} message")
            for c in result.checkpoints:
                points = f"{c.points}/{c.max_points}"
                row = f"  {_shown(c.id):<11} {points:<7} {_shown(c.status):<8} {_shown(c.message)}"
                lines.append(row.rstrip())
        lines += [f"  warning: {_shown(warning)}" for warning in result.warnings]
        lines.append(f"  total {result.score}/{result.max_score}")
        blocks.append("\n".join(lines))
    graded = sum(r.graded for r in results)
    summary = [
        f"{len(results)} submission(s): {graded} graded, {len(results) - graded} not gradable."
    ]
    # Which isolation the kernels ran under: once for the class, unless it changed.
    summary += [_shown(s) for s in dict.fromkeys(r.sandbox for r in results if r.sandbox)]
    blocks.append("\n".join(summary))
    return "\n\n".join(blocks)


def to_json(results: Sequence[SubmissionResult]) -> str:
    """Return the results as JSON text."""
    data = {"generated_by": "mlcicd grade", "submissions": [r.to_dict() for r in results]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA = ("=", "+", "-", "@")


def _xml_safe(results: Sequence[SubmissionResult]) -> list[SubmissionResult]:
    # Names and messages come from learners' files; XML 1.0 forbids some characters.
    def clean(text: str) -> str:
        return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)

    return [
        replace(
            r,
            path=clean(r.path),
            learner=clean(r.learner),
            exercise=clean(r.exercise),
            checkpoints=tuple(replace(c, message=clean(c.message)) for c in r.checkpoints),
            errors=tuple(clean(e) for e in r.errors),
            warnings=tuple(clean(w) for w in r.warnings),
        )
        for r in results
    ]


def _cell(value: object) -> object:
    # A file name like "=HYPERLINK(...)" must not become a spreadsheet formula.
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA) else value


def to_junit(results: Sequence[SubmissionResult]) -> str:
    """Return JUnit XML: a test suite per submission, a test case per checkpoint."""
    results = _xml_safe(results)
    suites = ET.Element("testsuites", name="mlcicd grade")
    for result in results:
        cases = list(result.checkpoints) if not result.errors else []
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"{result.learner}/{result.exercise or 'unknown'}",
            tests=str(len(cases) or 1),
            failures=str(sum(c.status != "passed" for c in cases)),
            errors=str(1 if result.errors else 0),
        )
        ET.SubElement(suite, "properties").extend(
            [
                ET.Element("property", name="path", value=result.path),
                ET.Element("property", name="score", value=f"{result.score}/{result.max_score}"),
            ]
        )
        classname = f"{result.learner}.{result.exercise or 'unknown'}"
        if result.errors:
            case = ET.SubElement(suite, "testcase", classname=classname, name="grading")
            ET.SubElement(case, "error", message=result.errors[0]).text = "\n".join(result.errors)
        for c in cases:
            case = ET.SubElement(suite, "testcase", classname=classname, name=f"checkpoint {c.id}")
            if c.status != "passed":
                detail = f"{c.status} ({c.points}/{c.max_points} points): {c.message}"
                ET.SubElement(case, "failure", message=detail).text = detail
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def to_csv(results: Sequence[SubmissionResult]) -> str:
    """Return the gradebook: a row per submission, a column per checkpoint, then the total."""
    ids = sorted(
        {c.id for r in results for c in r.checkpoints},
        key=lambda i: tuple(int(p) for p in i.split(".")),
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["learner", "exercise", "path", *ids, "score", "max_score", "errors"])
    for r in results:
        earned = {c.id: c.points for c in r.checkpoints}
        writer.writerow(
            [
                _cell(r.learner),
                _cell(r.exercise),
                _cell(r.path),
                *(earned.get(i, "") for i in ids),
                r.score,
                r.max_score,
                "; ".join(r.errors),
            ]
        )
    return out.getvalue()


def write_reports(
    results: Sequence[SubmissionResult],
    *,
    json_path: Path | None = None,
    junit_path: Path | None = None,
    csv_path: Path | None = None,
) -> None:
    """Write the asked-for reports, each through a temporary file (none is left half-written)."""
    for path, render in ((json_path, to_json), (junit_path, to_junit), (csv_path, to_csv)):
        if path is not None:
            write_text(Path(path), render(results))
