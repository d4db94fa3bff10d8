"""Benchmark: drawing a 12-stage pipeline and rendering it to PNG, against an empty figure.

Draws a pipeline of ``--stages`` stages (three actions each, long names,
artifact arrows within and across stages) with
:func:`mlcicd.pipeline.draw.draw_pipeline` and writes it as PNG into memory;
the baseline, in the same run, writes an empty :class:`matplotlib.figure.Figure`
of the same size as PNG, so the ratio is what the drawing adds over
matplotlib's fixed cost. The machines are shared and noisy: compare the
ratio, not seconds across runs; each figure is the best of ``--repeat`` runs.
The aim is under 1 s for 12 stages.

Run: ``.venv/bin/python benchmarks/pipeline_draw.py [--stages 12] [--repeat 5]``
"""

from __future__ import annotations

import argparse
import io
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from timing import best_seconds

from mlcicd.pipeline.draw import draw_pipeline
from mlcicd.pipeline.model import Pipeline, from_dict


def _action(name: str, category: str, run_order: int, inputs: list, outputs: list) -> dict:
    return {
        "name": name,
        "actionTypeId": {"category": category, "owner": "AWS", "provider": "X", "version": "1"},
        "runOrder": run_order,
        "inputArtifacts": [{"name": n} for n in inputs],
        "outputArtifacts": [{"name": n} for n in outputs],
    }


def pipeline(stages: int) -> Pipeline:
    """A pipeline of ``stages`` stages with long names and arrows in and across stages."""
    categories = ["Build", "Test", "Deploy", "Invoke", "Approval"]
    declared: list[dict[str, Any]] = [
        {
            "name": "Source",
            "actions": [_action("CheckoutFromCodeCommit", "Source", 1, [], ["Out0"])],
        }
    ]
    for s in range(1, stages):
        category = categories[s % len(categories)]
        declared.append(
            {
                "name": f"Stage {s}: {category} the churn model and check it",
                "actions": [
                    _action(
                        f"{category}ChurnModelArtifactNumber{s}",
                        category,
                        1,
                        [f"Out{s - 1}"],
                        [f"Out{s}"],
                    ),
                    _action(f"check the data of stage {s}", "Test", 1, [f"Out{s - 1}"], []),
                    _action(f"Report{s}", "Invoke", 2, [f"Out{s}"], []),
                ],
            }
        )
    return from_dict({"name": "churn-benchmark", "roleArn": "r", "stages": declared})


def _png(fig: Figure) -> int:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.tell()


def main() -> None:
    """Parse the options, time the drawing and the baseline and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stages", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    declared = pipeline(options.stages)
    size = draw_pipeline(declared).get_size_inches()

    def empty() -> int:
        fig = Figure(figsize=size, dpi=100)
        FigureCanvasAgg(fig)
        return _png(fig)

    draw_s = best_seconds(lambda: draw_pipeline(declared), options.repeat)
    total_s = best_seconds(lambda: _png(draw_pipeline(declared)), options.repeat)
    empty_s = best_seconds(empty, options.repeat)
    print(f"{options.stages} stages, {size[0]:.1f} x {size[1]:.1f} in, best of {options.repeat}")
    print(f"draw_pipeline:              {draw_s:7.3f} s")
    print(f"draw_pipeline + PNG:        {total_s:7.3f} s  (aim: under 1 s)")
    print(f"empty figure + PNG:         {empty_s:7.3f} s")
    print(f"ratio drawn/empty:          {total_s / empty_s:7.2f}x")


if __name__ == "__main__":
    main()
