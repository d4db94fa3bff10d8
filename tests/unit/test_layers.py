"""Per-layer figures from a JUnit XML report."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.testing.layers import LayerFigures, format_figures, layer_figures, main, summarize


def junit(cases: list[str], suite_time: str | None = None) -> str:
    time = f" time='{suite_time}'" if suite_time is not None else ""
    return (
        f"<testsuites><testsuite name='pytest'{time}>"
        + "".join(cases)
        + "</testsuite></testsuites>"
    )


def case(
    classname: str,
    time: float,
    layer: str | None = None,
    outcome: str = "",
    name: str = "t",
    file: str = "",
) -> str:
    props = f"<properties><property name='layer' value='{layer}'/></properties>" if layer else ""
    where = f" file='{file}'" if file else ""
    return (
        f"<testcase classname='{classname}' name='{name}'{where} time='{time}'>"
        f"{props}{outcome}</testcase>"
    )


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "junit.xml"
    path.write_text(
        junit(
            [
                case("tests.e2e.test_flow", 3.0, "e2e"),
                case("tests.unit.test_a", 0.25, "unit"),
                case("tests.unit.test_a", 0.5, "unit", "<failure message='x'/>"),
                case("tests.unit.test_b", 0.25, "unit", "<skipped message='y'/>"),
                case("tests.integration.test_s3", 1.5),  # no property: from classname
                case("tests.notebooks.test_lessons", 2.0),
                case("elsewhere.test_x", 0.1),
            ]
        )
    )
    return path


def test_figures_are_summed_per_layer_in_pyramid_order(report: Path) -> None:
    assert layer_figures(report) == [
        LayerFigures("unit", tests=3, failed=1, skipped=1, seconds=1.0),
        LayerFigures("integration", tests=1, failed=0, skipped=0, seconds=1.5),
        LayerFigures("e2e", tests=1, failed=0, skipped=0, seconds=3.0),
        LayerFigures("notebook", tests=1, failed=0, skipped=0, seconds=2.0),
        LayerFigures("other", tests=1, failed=0, skipped=0, seconds=0.1),
    ]


def test_one_line_per_layer() -> None:
    text = format_figures(
        [LayerFigures("unit", 41, 0, 2, 2.345), LayerFigures("e2e", 1, 1, 0, 12.0)]
    )
    assert text.splitlines() == [
        "unit           41 tests     2.35 s, 2 skipped",
        "e2e             1 test     12.00 s, 1 failed",
    ]


def test_main_prints_the_figures_then_the_slowest_tests_and_the_wall_time(
    tmp_path: Path, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    timed = tmp_path / "timed.xml"
    timed.write_text(report.read_text().replace("name='pytest'", "name='pytest' time='4.25'"))
    assert main([str(timed)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Tests per layer (from {timed}):"
    # One line per layer, as before: lesson 01 and a reader of make test's output rely on it.
    assert lines[1:6] == format_figures(layer_figures(report)).splitlines()
    assert [line.split()[0] for line in lines[1:6]] == [
        "unit",
        "integration",
        "e2e",
        "notebook",
        "other",
    ]
    assert lines[6:] == [
        "Slowest 5 tests (setup, call and teardown):",
        "      3.00 s  tests.e2e.test_flow::t",
        "      2.00 s  tests.notebooks.test_lessons::t",
        "      1.50 s  tests.integration.test_s3::t",
        "      0.50 s  tests.unit.test_a::t",
        "      0.25 s  tests.unit.test_a::t",
        "Wall time of the run: 4.2 s (pytest's session, from the report)",
    ]


def test_the_slowest_are_named_by_file_and_ties_keep_report_order(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    times = [0.1, 9.0, 0.3, 7.0, 7.0, 0.2, 5.0]
    cases = [
        case("tests.unit.test_m", t, name=f"test_{i}", file="tests/unit/test_m.py")
        for i, t in enumerate(times)
    ]
    path.write_text(junit(cases, suite_time="12.5"))
    summary = summarize(path)
    assert [(c.name, c.time) for c in summary.slowest] == [
        ("test_1", 9.0),
        ("test_3", 7.0),
        ("test_4", 7.0),
        ("test_6", 5.0),
        ("test_2", 0.3),
    ]
    assert summary.wall == 12.5
    assert summary.figures == layer_figures(path)
    assert [c.name for c in summarize(path, slowest=2).slowest] == ["test_1", "test_3"]


@pytest.mark.parametrize("suite_time", [None, "0", "soon"])
def test_without_a_suite_time_no_wall_time_is_given(tmp_path: Path, suite_time: str | None) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(junit([case("tests.unit.test_a", 0.5)], suite_time=suite_time))
    summary = summarize(path)
    assert summary.wall is None
    assert [c.time for c in summary.slowest] == [0.5]  # the cases are read all the same


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such report"), ("<testsuites><oops>", "not a JUnit XML report")],
)
def test_main_on_a_bad_report_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    path = tmp_path / "junit.xml"
    if content is not None:
        path.write_text(content)
    assert main([str(path)]) == 2
    assert message in capsys.readouterr().err
