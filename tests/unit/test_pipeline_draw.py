"""Pipeline figures, the test pyramid and the CI/CD figure: their structure, not their pixels."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Polygon
from matplotlib.path import Path as MplPath

from mlcicd import cli
from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.draw import (
    CATEGORY_COLOURS,
    STATUS_COLOURS,
    draw_cicd_pipeline,
    draw_pipeline,
    draw_test_pyramid,
    execution_statuses,
    read_execution,
    save,
    text_overlaps,
)
from mlcicd.pipeline.model import Pipeline, from_dict


def action(
    name: str, category: str, *, run_order: int = 1, inputs: tuple = (), outputs: tuple = ()
) -> dict[str, Any]:
    return {
        "name": name,
        "actionTypeId": {"category": category, "owner": "AWS", "provider": "X", "version": "1"},
        "runOrder": run_order,
        "inputArtifacts": [{"name": n} for n in inputs],
        "outputArtifacts": [{"name": n} for n in outputs],
    }


def three_stages() -> Pipeline:
    # Four artifact edges: Source -> Build, Source -> Lint, Source -> Integration
    # (two stages on), BuildOutput -> Integration.
    return from_dict(
        {
            "name": "churn",
            "roleArn": "arn:aws:iam::123456789012:role/pipeline",
            "stages": [
                {"name": "Source", "actions": [action("Checkout", "Source", outputs=("Src",))]},
                {
                    "name": "Build",
                    "actions": [
                        action("Package", "Build", inputs=("Src",), outputs=("BuildOutput",)),
                        action("Lint", "Test", inputs=("Src",)),
                    ],
                },
                {
                    "name": "Test",
                    "actions": [
                        action("Integration", "Test", inputs=("Src", "BuildOutput")),
                        action("Approve", "Approval", run_order=2),
                    ],
                },
            ],
        }
    )


def long_pipeline(stages: int) -> Pipeline:
    categories = ["Build", "Test", "Deploy", "Invoke", "Approval"]
    declared = [
        {
            "name": "SourceStageWithAnUnusuallyLongNameForAStage",
            "actions": [
                action("CheckoutTheRepositoryFromMainBranch", "Source", outputs=("A0",)),
                action("ScanTheSources", "Test", run_order=2, inputs=("A0",)),
            ],
        }
    ]
    for s in range(1, stages):
        category = categories[s % len(categories)]
        declared.append(
            {
                "name": f"Stage number {s} that does {category} work for the churn model",
                "actions": [
                    action(
                        f"Run{category}ActionWithAVeryLongCamelCaseNameNumber{s}",
                        category,
                        inputs=(f"A{s - 1}",),
                        outputs=(f"ArtifactWithALongName{s}",),
                    ),
                    action(f"a second action with spaces in its long name {s}", "Test"),
                    action(
                        f"Third{s}", "Build", run_order=2, inputs=(f"ArtifactWithALongName{s}",)
                    ),
                ],
            }
        )
        declared[-1]["actions"][0]["outputArtifacts"].append({"name": f"A{s}"})
    return from_dict({"name": "long-names-" * 4, "roleArn": "r", "stages": declared})


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]


def patch(fig, gid: str):
    found = [p for p in fig.axes[0].patches if p.get_gid() == gid]
    assert len(found) == 1, gid
    return found[0]


def failed_state() -> dict[str, Any]:
    return {
        "pipelineName": "churn",
        "stageStates": [
            {
                "stageName": "Source",
                "latestExecution": {"status": "Succeeded"},
                "actionStates": [
                    {"actionName": "Checkout", "latestExecution": {"status": "Succeeded"}}
                ],
            },
            {
                "stageName": "Build",
                "latestExecution": {"status": "Failed"},
                "actionStates": [
                    {
                        "actionName": "Package",
                        "latestExecution": {"status": "Failed", "summary": "exit 2"},
                    },
                    {"actionName": "Lint", "latestExecution": {"status": "Succeeded"}},
                ],
            },
            {"stageName": "Test", "actionStates": [{"actionName": "Integration"}]},
        ],
    }


def test_one_label_per_stage_and_action_and_one_arrow_per_artifact_edge() -> None:
    fig = draw_pipeline(three_stages())
    shown = [t.get_text() for t in fig.axes[0].texts]  # the legend's texts are not in here
    for name in ("Source", "Build", "Test"):
        assert shown.count(name) == 1
    for name in ("Checkout", "Package", "Lint", "Integration", "Approve"):
        assert shown.count(name) == 1
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert sorted(p.get_gid() for p in arrows) == [
        "artifact:BuildOutput",
        "artifact:Src",
        "artifact:Src",
        "artifact:Src",
    ]
    assert shown.count("Src") == 3 and shown.count("BuildOutput") == 1
    assert "TEST · run 2" not in shown and "APPROVAL · run 2" in shown


def test_category_colours_and_legend_without_an_execution() -> None:
    fig = draw_pipeline(three_stages())
    assert patch(fig, "action:Build/Package").get_facecolor() == to_rgba(CATEGORY_COLOURS["Build"])
    legend = fig.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["Source", "Build", "Test", "Approval"]
    assert legend.get_title().get_text() == "action category"


def test_execution_colours_failed_and_not_run() -> None:
    fig = draw_pipeline(three_stages(), execution=failed_state())
    failed, not_run = to_rgba(STATUS_COLOURS["Failed"]), to_rgba(STATUS_COLOURS["NotRun"])
    assert patch(fig, "action:Build/Package").get_facecolor() == failed
    assert patch(fig, "action:Build/Lint").get_facecolor() == to_rgba(STATUS_COLOURS["Succeeded"])
    assert patch(fig, "stage:Build").get_edgecolor() == failed
    assert patch(fig, "stage:Test").get_edgecolor() == not_run
    assert patch(fig, "action:Test/Integration").get_facecolor() == not_run
    assert patch(fig, "action:Test/Approve").get_facecolor() == not_run
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["Succeeded", "Failed", "InProgress", "Stopped", "NotRun"]


def test_execution_accepts_to_dict_objects_the_state_wrapper_and_unknown_statuses() -> None:
    class Record:
        def to_dict(self) -> dict[str, Any]:
            return failed_state()

    assert execution_statuses(Record()) == execution_statuses({"state": failed_state()})
    assert execution_statuses(Record())[("Test", "Integration")] == "NotRun"
    odd = {"stageStates": [{"stageName": "S", "latestExecution": {"status": "Abandoned"}}]}
    assert execution_statuses(odd) == {("S", None): "Other"}
    with pytest.raises(TypeError, match="get-pipeline-state"):
        execution_statuses(["not", "a", "record"])
    broken = {"stageStates": ["Source", {"stageName": "B", "actionStates": [None]}]}
    assert execution_statuses(broken) == {("B", None): "NotRun"}


def test_draws_into_a_given_axes() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 6))
    ax = fig.add_subplot()
    assert draw_pipeline(three_stages(), ax=ax) is fig
    assert not ax.axison and ax.get_ylim()[0] > ax.get_ylim()[1]
    assert len([p for p in ax.patches if isinstance(p, FancyArrowPatch)]) == 4


@pytest.mark.parametrize("stages", [2, 12])
def test_long_names_do_not_overlap(stages: int) -> None:
    pipeline = long_pipeline(stages)
    fig = draw_pipeline(pipeline)
    assert text_overlaps(fig) == []
    fig.draw_without_rendering()
    for text in fig.axes[0].texts:  # nothing drawn off the canvas
        assert fig.bbox.contains(*text.get_window_extent().p0), text.get_text()
        assert fig.bbox.contains(*text.get_window_extent().p1), text.get_text()
    width, height = fig.get_size_inches()
    assert width >= stages * 2 and height < 10
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 1 + 2 * (stages - 1)  # one in the first stage, two in each other
    shown = "\n".join(texts(fig))
    assert "…" in shown  # names too long for three lines are cut, not spilled


def test_text_overlaps_finds_overlapping_texts() -> None:
    fig = draw_pipeline(three_stages())
    fig.axes[0].text(0.3, 0.3, "on top of the title", fontsize=12)
    assert ("churn", "on top of the title") in text_overlaps(fig)


def contained(fig, text: str, polygon: Polygon) -> bool:
    fig.draw_without_rendering()
    [label] = [t for t in fig.axes[0].texts if t.get_text().startswith(text)]
    box = label.get_window_extent()
    outline = MplPath(polygon.get_transform().transform(polygon.get_xy()))
    return bool(outline.contains_points(box.corners()).all())


def test_pyramid_labels_inside_their_layers() -> None:
    fig = draw_test_pyramid()
    layers = {p.get_gid(): p for p in fig.axes[0].patches if isinstance(p, Polygon)}
    assert sorted(layers) == ["layer:e2e", "layer:integration", "layer:unit"]
    for layer, title in (
        ("unit", "Unit tests"),
        ("integration", "Integration tests"),
        ("e2e", "End-to-end tests"),
    ):
        assert contained(fig, title, layers[f"layer:{layer}"])
    details = [t for t in fig.axes[0].texts if t.get_text().startswith("scope:")]
    for detail, layer in zip(details, ("unit", "integration", "e2e"), strict=True):
        assert "speed:" in detail.get_text() and "cost:" in detail.get_text()
        assert contained(fig, detail.get_text(), layers[f"layer:{layer}"])
    assert not any("tests\n" in t for t in texts(fig))
    assert text_overlaps(fig) == []


def test_pyramid_shows_measured_figures() -> None:
    fig = draw_test_pyramid({"unit": (41, 2.345), "e2e": (3, 30.0), "notebook": (4, 20.0)})
    shown = texts(fig)
    assert "unit: 41 tests\n2.35 s" in shown and "e2e: 3 tests\n30.00 s" in shown
    assert not any(t.startswith("integration:") for t in shown)
    assert "Not in the pyramid: notebook (4 tests, 20.00 s)" in shown
    assert text_overlaps(fig) == []


def test_cicd_figure_places_each_layer_in_its_stage() -> None:
    fig = draw_cicd_pipeline()
    shown = texts(fig)
    for stage in ("Source", "Build", "Test", "Deploy"):
        assert shown.count(stage) == 1
    boxes = [p for p in fig.axes[0].patches if isinstance(p, FancyBboxPatch)]
    stages = {p.get_gid(): p for p in boxes if p.get_gid().startswith("stage:")}
    chips = [p for p in boxes if p.get_gid().startswith("layer:")]
    assert sorted(p.get_gid() for p in chips) == [
        "layer:e2e:Deploy",
        "layer:integration:Test",
        "layer:integration:Test",
        "layer:integration:Test",
        "layer:unit:Build",
    ]
    for chip in chips:
        stage = stages[f"stage:{chip.get_gid().rsplit(':', 1)[1]}"]
        (x0, y0), (x1, y1) = chip.get_extents().get_points()
        (sx0, sy0), (sx1, sy1) = stage.get_extents().get_points()
        assert sx0 <= x0 and x1 <= sx1 and sy0 <= y0 and y1 <= sy1
    for label in (
        "unit tests",
        "integration tests",
        "data validation tests",
        "model evaluation tests",
        "e2e tests on the\nstaging endpoint",
    ):
        assert label in shown
    assert text_overlaps(fig) == []


@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".SVG", b"<?xml")])
def test_save_png_and_svg(tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = save(draw_pipeline(three_stages()), tmp_path / f"churn{suffix}")
    assert path.read_bytes().startswith(magic)
    if suffix == ".SVG":
        assert b"<svg" in path.read_bytes()[:1000]


def test_save_refuses_other_suffixes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"'churn\.pdf'.*\.png or \.svg"):
        save(draw_pipeline(three_stages()), tmp_path / "churn.pdf")
    assert not (tmp_path / "churn.pdf").exists()


def test_read_execution(tmp_path: Path) -> None:
    record = tmp_path / "run.json"
    record.write_text(json.dumps({"state": failed_state(), "execution": {}}))
    assert read_execution(record) == failed_state()
    record.write_text('{"stages": []}')
    with pytest.raises(PipelineError, match="not an execution record"):
        read_execution(record)
    record.write_text("{")
    with pytest.raises(PipelineError, match="not JSON"):
        read_execution(record)


@pytest.fixture
def declaration(tmp_path: Path) -> Path:
    from mlcicd.pipeline.model import to_dict

    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps({"pipeline": to_dict(three_stages())}))
    return path


def test_cli_draws_png_with_execution(tmp_path: Path, declaration: Path) -> None:
    record = tmp_path / "run.json"
    record.write_text(json.dumps({"state": failed_state()}))
    out = tmp_path / "churn.png"
    result = CliRunner().invoke(
        cli.main, ["pipeline", "draw", str(declaration), "-o", str(out), "--execution", str(record)]
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}\n"
    assert out.read_bytes().startswith(b"\x89PNG")


def test_cli_draws_the_first_pipeline_of_a_template(tmp_path: Path) -> None:
    def resource(name: str) -> dict[str, Any]:
        stage = {
            "Name": "Source",
            "Actions": [
                {
                    "Name": "Checkout",
                    "ActionTypeId": {"Category": "Source", "Owner": "AWS", "Provider": "S3"},
                    "OutputArtifacts": [{"Name": "Src"}],
                }
            ],
        }
        return {
            "Type": "AWS::CodePipeline::Pipeline",
            "Properties": {"Name": name, "RoleArn": "r", "Stages": [stage]},
        }

    template = tmp_path / "template.yaml"
    template.write_text(
        json.dumps({"Resources": {"First": resource("a"), "Second": resource("b")}})
    )
    out = tmp_path / "t.svg"
    result = CliRunner().invoke(cli.main, ["pipeline", "draw", str(template), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "declares 2 pipelines (First, Second): drawing First" in result.output
    assert result.output.endswith(f"{out}\n")
    assert out.read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/out.pdf"], "use a .png or .svg file"),
        (["-o", "{tmp}/out.png", "--execution", "{tmp}/missing.json"], "cannot read the file"),
        (["-o", "{tmp}/no/such/dir/out.png"], "cannot write the image"),
    ],
)
def test_cli_bad_input_is_one_line_exit_2(
    tmp_path: Path, declaration: Path, args: list[str], message: str
) -> None:
    argv = ["pipeline", "draw", str(declaration), *(a.format(tmp=tmp_path) for a in args)]
    result = CliRunner().invoke(cli.main, argv)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_cli_not_a_pipeline(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    result = CliRunner().invoke(cli.main, ["pipeline", "draw", str(bad), "-o", "x.png"])
    assert result.exit_code == 2
    assert result.output.startswith("Error:") and len(result.output.splitlines()) == 1
