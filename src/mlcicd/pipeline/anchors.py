"""The course's two visual anchors: the testing pyramid for ML, and where its layers run.

:func:`draw_test_pyramid` draws the unit / integration / end-to-end layers
with their scope, speed and cost, optionally with the test counts and seconds
of a run; :func:`draw_cicd_pipeline` draws Source → Build → Test → Deploy with
each layer in the stage where it runs. Both use the layer colours of
:data:`mlcicd.pipeline.figures.LAYER_COLOURS`, so the two figures read together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from mlcicd.pipeline.figures import (
    CATEGORY_COLOURS,
    LAYER_COLOURS,
    inch_figure,
    require_matplotlib,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


# The pyramid's layers, base first: name, title, scope, speed, cost.
_PYRAMID: tuple[tuple[str, str, str, str, str], ...] = (
    ("unit", "Unit tests", "one function or class", "milliseconds", "cheap: every commit"),
    ("integration", "Integration tests", "components + moto / data", "seconds", "moderate"),
    ("e2e", "End-to-end tests", "whole workflow, endpoint", "minutes", "expensive"),
)


def draw_test_pyramid(figures: Mapping[str, tuple[int, float]] | None = None) -> Figure:
    """Draw the testing pyramid for ML: unit, integration and end-to-end layers.

    Args:
        figures: Layer (``unit``, ``integration``, ``e2e``) to ``(tests, seconds)``
            measured in a run, written beside each layer; e.g.
            ``{f.layer: (f.tests, f.seconds) for f in layer_figures(report)}``
            (:func:`mlcicd.testing.layers.layer_figures`). Other layers are
            listed under the pyramid.

    Returns:
        The figure; each layer's polygon has the ``gid`` ``layer:<layer>``.
    """
    require_matplotlib()
    from matplotlib.patches import Polygon

    width, height, base, top_w, layer_h = 10.0, 6.6, 7.6, 1.6, 1.8
    fig, ax = inch_figure(width, height)
    ax.text(width / 2, 0.35, "The testing pyramid for ML", ha="center", fontsize=14, weight="bold")
    centre, bottom = 0.4 + base / 2, 0.7 + 3 * layer_h

    def half(y: float) -> float:
        # Half the pyramid's width at height y above its base.
        return base / 2 - (base - top_w) / 2 * y / (3 * layer_h)

    for index, (layer, title, scope, speed, cost) in enumerate(_PYRAMID):
        low, high = index * layer_h, (index + 1) * layer_h
        corners = [
            (centre - half(low), bottom - low),
            (centre + half(low), bottom - low),
            (centre + half(high), bottom - high),
            (centre - half(high), bottom - high),
        ]
        ax.add_patch(
            Polygon(
                corners,
                closed=True,
                fc=LAYER_COLOURS[layer],
                ec="#37474f",
                lw=1.2,
                gid=f"layer:{layer}",
            )
        )
        middle = bottom - (low + high) / 2
        ax.text(
            centre,
            middle - 0.42,
            title,
            ha="center",
            va="center",
            fontsize=11,
            weight="bold",
            gid=f"title:{layer}",
        )
        ax.text(
            centre,
            middle + 0.22,
            f"scope: {scope}\nspeed: {speed}\ncost: {cost}",
            ha="center",
            va="center",
            fontsize=8,
            linespacing=1.3,
            gid=f"detail:{layer}",
        )
        if figures is not None and layer in figures:
            tests, seconds = figures[layer]
            ax.annotate(
                f"{layer}: {tests} tests\n{seconds:.2f} s",
                (centre + half(low + 0.9), middle),
                xytext=(width - 1.05, middle),
                ha="center",
                va="center",
                fontsize=9,
                arrowprops={"arrowstyle": "-", "color": "#78909c"},
                gid=f"figures:{layer}",
            )
    ax.annotate(
        "",
        (0.25, bottom - 3 * layer_h),
        xytext=(0.25, bottom),
        arrowprops={"arrowstyle": "-|>", "color": "#546e7a"},
    )
    ax.text(
        0.12,
        bottom - 1.5 * layer_h,
        "slower, costlier, fewer",
        rotation=90,
        ha="center",
        va="center",
        fontsize=8,
        color="#546e7a",
    )
    others = [f"{k} ({t} tests, {s:.2f} s)" for k, (t, s) in (figures or {}).items()]
    others = [text for text in others if text.split(" ")[0] not in LAYER_COLOURS]
    if others:
        ax.text(
            centre,
            bottom + 0.3,
            "Not in the pyramid: " + ", ".join(others),
            ha="center",
            fontsize=8,
            color="#546e7a",
        )
    return fig


# Where each layer runs: stage, then (layer, what) chips inside it.
_CICD: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("Source", "commit / pull request\ntriggers the pipeline", ()),
    ("Build", "lint, package the code\nand the training image", (("unit", "unit tests"),)),
    (
        "Test",
        "train on a sample\nin moto",
        (
            ("integration", "integration tests"),
            ("integration", "data validation tests"),
            ("integration", "model evaluation tests"),
        ),
    ),
    (
        "Deploy",
        "deploy to staging,\nthen approve to prod",
        (("e2e", "e2e tests on the\nstaging endpoint"),),
    ),
)


def draw_cicd_pipeline() -> Figure:
    """Draw Source → Build → Test → Deploy with each test layer where it runs.

    Unit tests run in Build; integration, data and model tests in Test; the
    end-to-end tests against the staging endpoint in Deploy.

    Returns:
        The figure; stage boxes have the ``gid`` ``stage:<name>``, the test
        chips ``layer:<layer>:<stage>``.
    """
    require_matplotlib()
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    box_w, gap, top, box_h = 2.2, 0.6, 0.8, 3.3
    width, height = 0.3 * 2 + 4 * box_w + 3 * gap, 4.8
    fig, ax = inch_figure(width, height)
    ax.text(
        width / 2, 0.35, "Where the tests run in CI/CD", ha="center", fontsize=14, weight="bold"
    )
    for index, (stage, note, chips) in enumerate(_CICD):
        left = 0.3 + index * (box_w + gap)
        ax.add_patch(
            FancyBboxPatch(
                (left, top),
                box_w,
                box_h,
                boxstyle="round,pad=0,rounding_size=0.1",
                # Stage colours only on the edge: the fills are the test layers'.
                fc="#f5f7f8",
                ec=CATEGORY_COLOURS[stage],
                lw=3,
                gid=f"stage:{stage}",
            )
        )
        ax.text(
            left + box_w / 2, top + 0.3, stage, ha="center", va="center", fontsize=12, weight="bold"
        )
        ax.text(left + box_w / 2, top + 0.8, note, ha="center", va="center", fontsize=8)
        for row, (layer, text) in enumerate(chips):
            chip_top = top + 1.25 + row * 0.65
            ax.add_patch(
                FancyBboxPatch(
                    (left + 0.15, chip_top),
                    box_w - 0.3,
                    0.52,
                    boxstyle="round,pad=0,rounding_size=0.06",
                    fc=LAYER_COLOURS[layer],
                    ec="#37474f",
                    lw=0.8,
                    gid=f"layer:{layer}:{stage}",
                )
            )
            ax.text(left + box_w / 2, chip_top + 0.26, text, ha="center", va="center", fontsize=8)
        if index:
            ax.add_patch(
                FancyArrowPatch(
                    (left - gap + 0.05, top + box_h / 2),
                    (left - 0.05, top + box_h / 2),
                    arrowstyle="-|>",
                    mutation_scale=16,
                    lw=1.5,
                    color="#37474f",
                )
            )
    handles = [Patch(fc=LAYER_COLOURS[key], ec="#37474f", label=key) for key in LAYER_COLOURS]
    ax.legend(
        handles=handles,
        loc="lower center",
        ncol=3,
        frameon=False,
        fontsize=9,
        title="test layer",
        title_fontsize=9,
    )
    return fig
