"""Small builders for the tests of lesson 01's test-suite figures: files and JUnit reports."""

from __future__ import annotations

from pathlib import Path


def put(root: Path, path: str, text: str) -> Path:
    """Write ``text`` to ``root/path``, creating its folders; return the file."""
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def junit(*cases: tuple[str, float]) -> str:
    """A JUnit report: one test case per ``(classname, seconds)``."""
    body = "".join(f"<testcase classname='{c}' name='t' time='{s}'/>" for c, s in cases)
    return f"<testsuites><testsuite name='pytest'>{body}</testsuite></testsuites>"
