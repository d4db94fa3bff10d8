"""Per-layer figures from a JUnit XML report."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.testing.layers import LayerFigures, format_figures, layer_figures, main


def junit(cases: list[str]) -> str:
    return "<testsuites><testsuite name='pytest'>" + "".join(cases) + "</testsuite></testsuites>"


def case(classname: str, time: float, layer: str | None = None, outcome: str = "") -> str:
    props = f"<properties><property name='layer' value='{layer}'/></properties>" if layer else ""
    return f"<testcase classname='{classname}' name='t' time='{time}'>{props}{outcome}</testcase>"


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


def test_main_prints_the_figures(report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(report)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Tests per layer (from {report}):"
    assert [line.split()[0] for line in lines[1:]] == [
        "unit",
        "integration",
        "e2e",
        "notebook",
        "other",
    ]


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
