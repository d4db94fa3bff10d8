"""Draw a pipeline: stages as columns, actions by run order, artifacts as arrows.

:func:`draw_pipeline` draws a :class:`~mlcicd.pipeline.model.Pipeline`:
stages as columns left to right, actions stacked by ``runOrder`` inside them,
artifacts as labelled arrows from the action that writes them to each action
that reads them, coloured by action category, or by status when an execution
record (``get-pipeline-state`` shape, see :func:`read_execution`) is given.

The course's other figures and the shared helpers are re-exported here, so
one import gives them all: :func:`draw_test_pyramid`,
:func:`draw_cicd_pipeline` (from :mod:`mlcicd.pipeline.anchors`),
:func:`save` and :func:`text_overlaps` (from :mod:`mlcicd.pipeline.figures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcicd.exceptions import PipelineError
from mlcicd.pipeline.anchors import draw_cicd_pipeline, draw_test_pyramid
from mlcicd.pipeline.figures import (
    CATEGORY_COLOURS,
    LAYER_COLOURS,
    SAVE_FORMATS,
    inch_axes,
    inch_figure,
    require_matplotlib,
    save,
    text_overlaps,
    wrap,
)
from mlcicd.pipeline.model import Action, Pipeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = [
    "CATEGORY_COLOURS",
    "LAYER_COLOURS",
    "SAVE_FORMATS",
    "STATUS_COLOURS",
    "draw_cicd_pipeline",
    "draw_pipeline",
    "draw_test_pyramid",
    "execution_statuses",
    "read_execution",
    "save",
    "text_overlaps",
]

#: Colour per execution status; a stage or action without ``latestExecution`` is ``NotRun``.
STATUS_COLOURS: dict[str, str] = {
    "Succeeded": "#66bb6a",
    "Failed": "#ef5350",
    "InProgress": "#42a5f5",
    "Stopped": "#ffa726",
    "NotRun": "#bdbdbd",
    "Other": "#8d6e63",
}

# Layout of pipeline figures, in inches. The wrap widths are characters that
# fit the boxes at the font sizes below even for capitals (DejaVu Sans).
_COL_W, _GAP, _MARGIN, _HEADER, _TITLE = 2.3, 1.2, 0.3, 0.55, 0.5
_ACTION_W, _ACTION_PAD, _LINE, _CAT_H = 2.0, 0.15, 0.15, 0.24
_NAME_CHARS, _STAGE_CHARS, _ARTIFACT_CHARS, _NAME_LINES = 22, 20, 18, 3

_Point = tuple[float, float]


def _unwrap_execution(execution: Mapping[str, Any] | Any) -> Mapping[str, Any]:
    state = execution.to_dict() if hasattr(execution, "to_dict") else execution
    if not isinstance(state, Mapping):
        raise TypeError("execution must be a get-pipeline-state mapping or have to_dict()")
    # `mlcicd pipeline run --json` writes {"state": {...}} around the record.
    inner = state.get("state")
    return inner if "stageStates" not in state and isinstance(inner, Mapping) else state


def _status(entry: Mapping[str, Any]) -> str:
    latest = entry.get("latestExecution")
    if not isinstance(latest, Mapping) or not latest.get("status"):
        return "NotRun"
    status = str(latest["status"])
    return status if status in STATUS_COLOURS else "Other"


def execution_statuses(execution: Mapping[str, Any] | Any) -> dict[tuple[str, str | None], str]:
    """Read the status of every stage and action of an execution record.

    Args:
        execution: A ``get-pipeline-state`` mapping, ``{"state": ...}`` around
            one, or an object whose ``to_dict()`` returns one.

    Returns:
        ``(stage, None)`` and ``(stage, action)`` to a key of
        :data:`STATUS_COLOURS`; a status outside it is ``"Other"``.
    """
    statuses: dict[tuple[str, str | None], str] = {}
    # Entries that are not mappings are skipped: a hand-edited record should
    # still draw, with what it does say.
    for stage in _unwrap_execution(execution).get("stageStates") or ():
        if not isinstance(stage, Mapping):
            continue
        name = str(stage.get("stageName", ""))
        statuses[(name, None)] = _status(stage)
        for action in stage.get("actionStates") or ():
            if isinstance(action, Mapping):
                statuses[(name, str(action.get("actionName", "")))] = _status(action)
    return statuses


@dataclass(frozen=True)
class _Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def middle(self) -> float:
        return self.top + self.height / 2


def _edges(pipeline: Pipeline) -> list[tuple[str, tuple[int, int], tuple[int, int]]]:
    # An input comes from the last action writing it that runs earlier; an
    # input nothing earlier writes gets no arrow (the validator reports it).
    edges = []
    order = {(s, a): (s, action.run_order) for s, a, _, action in pipeline.actions()}
    for s, a, _, action in pipeline.actions():
        for name in action.input_artifacts:
            producers = [
                key
                for s2, a2, _, other in pipeline.actions()
                if name in other.output_artifacts and order[(key := (s2, a2))] < order[(s, a)]
            ]
            if producers:
                edges.append((name, max(producers, key=order.__getitem__), (s, a)))
    return edges


def _colour(action: Action, stage: str, statuses: dict[tuple[str, str | None], str] | None) -> str:
    if statuses is None:
        return CATEGORY_COLOURS[_category(action)]
    return STATUS_COLOURS[statuses.get((stage, action.name), "NotRun")]


def _place_label(ax: Axes, text: str, candidates: list[_Point], taken: list[Bbox]) -> Text:
    # Try each position until the label covers no text or box already drawn;
    # the first candidate stays if none is free.
    label = ax.text(0, 0, text, ha="center", va="center", fontsize=7, zorder=5, color="#263238")
    label.set_bbox({"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#90a4ae", "lw": 0.5})
    for x, y in [*candidates, candidates[0]]:
        label.set_position((x, y))
        extent = label.get_window_extent().expanded(1.05, 1.1)
        if not any(extent.overlaps(other) for other in taken):
            break
    taken.append(label.get_window_extent())
    return label


def draw_pipeline(
    pipeline: Pipeline, *, execution: Mapping[str, Any] | Any | None = None, ax: Axes | None = None
) -> Figure:
    """Draw a pipeline: stages as columns, actions by run order, artifacts as arrows.

    Args:
        pipeline: The declaration to draw.
        execution: A ``get-pipeline-state`` record (see :func:`execution_statuses`);
            when given, boxes are coloured by status, else by action category.
        ax: Draw into this axes instead of a new figure sized to the pipeline;
            it is rescaled to inches but not resized, so it must be large enough.

    Returns:
        The figure drawn on. Boxes and arrows carry a ``gid``:
        ``stage:<stage>``, ``action:<stage>/<action>``, ``artifact:<name>``.
    """
    require_matplotlib()
    from matplotlib.patches import FancyBboxPatch, Patch
    from matplotlib.transforms import Bbox

    statuses = None if execution is None else execution_statuses(execution)
    stages = pipeline.stages or ()
    lines = max(
        (
            wrap(a.name, _NAME_CHARS, _NAME_LINES).count("\n") + 1
            for _, _, _, a in pipeline.actions()
        ),
        default=1,
    )
    row_h = _CAT_H + lines * _LINE + 0.12
    rows = max((len(stage.actions) for stage in stages), default=0)
    stage_h = _HEADER + rows * (row_h + _ACTION_PAD) + _ACTION_PAD
    width = 2 * _MARGIN + max(len(stages), 1) * (_COL_W + _GAP) - _GAP
    legend_keys = (
        list(STATUS_COLOURS)[:-1] + ["Other"] * ("Other" in statuses.values())
        if statuses is not None
        else sorted({_category(a) for _, _, _, a in pipeline.actions()}, key=_category_order)
    )
    per_row = max(1, int((width - 2 * _MARGIN) / 1.35))
    legend_h = 0.3 * -(-len(legend_keys) // per_row) + 0.15
    height = _MARGIN + _TITLE + stage_h + legend_h + _MARGIN
    if ax is None:
        fig, ax = inch_figure(width, height)
    else:
        fig = ax.figure
        inch_axes(ax, width, height)

    title = pipeline.name or "(unnamed pipeline)"
    title += "  (execution status)" if statuses is not None else ""
    chars = max(20, int((width - 2 * _MARGIN) / 0.11))
    ax.text(_MARGIN, _MARGIN, wrap(title, chars, 1), fontsize=12, weight="bold", va="top")
    boxes: dict[tuple[int, int], _Box] = {}
    taken: list[Bbox] = []
    top = _MARGIN + _TITLE
    for s, stage in enumerate(stages):
        left = _MARGIN + s * (_COL_W + _GAP)
        status = statuses.get((stage.name, None), "NotRun") if statuses is not None else None
        edge = STATUS_COLOURS[status] if status else "#78909c"
        ax.add_patch(
            FancyBboxPatch(
                (left, top),
                _COL_W,
                stage_h,
                boxstyle="round,pad=0,rounding_size=0.08",
                fc="#f5f7f8",
                ec=edge,
                lw=2.5 if status else 1.2,
                zorder=1,
                gid=f"stage:{stage.name}",
            )
        )
        name = wrap(stage.name, _STAGE_CHARS, 2)
        taken.append(
            ax.text(
                left + _COL_W / 2,
                top + _HEADER / 2,
                name,
                ha="center",
                va="center",
                fontsize=10,
                weight="bold",
                zorder=3,
            ).get_window_extent()
        )
        ordered = sorted(enumerate(stage.actions), key=lambda item: item[1].run_order)
        for row, (a, action) in enumerate(ordered):
            box = _Box(
                left + (_COL_W - _ACTION_W) / 2,
                top + _HEADER + _ACTION_PAD + row * (row_h + _ACTION_PAD),
                _ACTION_W,
                row_h,
            )
            boxes[(s, a)] = box
            _draw_action(ax, action, stage.name, box, _colour(action, stage.name, statuses))
            corners = ax.transData.transform([(box.left, box.top), (box.right, box.top + row_h)])
            taken.append(Bbox.from_extents(*corners.min(0), *corners.max(0)))

    _draw_artifacts(ax, pipeline, boxes, taken)

    colours = STATUS_COLOURS if statuses is not None else CATEGORY_COLOURS
    handles = [Patch(fc=colours[key], ec="#455a64", label=key) for key in legend_keys]
    if handles:
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, _MARGIN / 2 / height),
            ncol=min(per_row, len(handles)),
            frameon=False,
            fontsize=8,
            title="status" if statuses is not None else "action category",
            title_fontsize=8,
        )
    return fig


def _on_arc(start: _Point, end: _Point, rad: float, t: float) -> _Point:
    # The point at t of matplotlib's "arc3" curve: a quadratic Bezier whose
    # control point is rad chord lengths off the chord's middle (y downwards).
    (x1, y1), (x2, y2) = start, end
    cx, cy = (x1 + x2) / 2 - rad * (y2 - y1), (y1 + y2) / 2 + rad * (x2 - x1)
    u = 1 - t
    return (u * u * x1 + 2 * u * t * cx + t * t * x2, u * u * y1 + 2 * u * t * cy + t * t * y2)


def _draw_artifacts(
    ax: Axes, pipeline: Pipeline, boxes: dict[tuple[int, int], _Box], taken: list[Bbox]
) -> None:
    from matplotlib.patches import FancyArrowPatch

    edges = _edges(pipeline)
    # Arrows into (and out of) one box get their own points along its side,
    # so that two arrows never end on the same spot.
    ins = {key: [e for e in edges if e[2] == key] for key in boxes}
    outs = {key: [e for e in edges if e[1] == key and e[2][0] != key[0]] for key in boxes}
    # Short arrows have the fewest places for a label: they choose first.
    for edge in sorted(edges, key=lambda edge: edge[2][0] - edge[1][0]):
        name, source, target = edge
        a, b = boxes[source], boxes[target]
        end_y = b.top + b.height * (ins[target].index(edge) + 1) / (len(ins[target]) + 1)
        if source[0] == target[0]:
            # Same stage, later run order: bow out into the gap on the left (on
            # the right for the first stage, which has only a margin on its left).
            # The curve's apex is rad / 2 of the chord away from it: aim for the gap's middle.
            reach = (_COL_W - _ACTION_W) / 2 + _GAP / 2
            rad = min(2.0, 2 * reach / (end_y - a.middle))
            side, x = (-1, a.right) if source[0] == 0 else (1, a.left)
            start, end, rad = (x, a.top + 0.8 * a.height), (x, end_y), side * rad
            points = [_on_arc(start, end, rad, 0.5)]
        else:
            start_y = a.top + a.height * (outs[source].index(edge) + 1) / (len(outs[source]) + 1)
            start, end = (a.right, start_y), (b.left, end_y)
            # Arrows that skip stages curve, so they are not read as ending in between.
            rad = 0.0 if target[0] - source[0] == 1 else 0.12
            # Label in the gap next to the producer, else next to the consumer,
            # else in between; sliding along the arrow before leaving it.
            centres = [
                _MARGIN + k * (_COL_W + _GAP) + _COL_W + _GAP / 2
                for k in range(source[0], target[0])
            ]
            curve = [_on_arc(start, end, rad, i / 80) for i in range(81)]
            points = [
                min(curve, key=lambda point, x=centre + shift: abs(point[0] - x))
                for centre in [centres[0], centres[-1], *centres[1:-1]]
                for shift in (0.0, -0.3, 0.3)
            ]
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=12,
                lw=1.1,
                color="#455a64",
                connectionstyle=f"arc3,rad={rad}",
                zorder=2,
                gid=f"artifact:{name}",
            )
        )
        candidates = [(x, y + dy) for dy in (0.0, -0.22, 0.22, -0.44, 0.44) for x, y in points]
        _place_label(ax, wrap(name, _ARTIFACT_CHARS, 2), candidates, taken)


def _category(action: Action) -> str:
    category = action.action_type_id.category
    return category if category in CATEGORY_COLOURS else "Other"


def _category_order(category: str) -> int:
    return list(CATEGORY_COLOURS).index(category)


def _draw_action(ax: Axes, action: Action, stage: str, box: _Box, colour: str) -> None:
    from matplotlib.patches import FancyBboxPatch, Rectangle

    ax.add_patch(
        FancyBboxPatch(
            (box.left, box.top),
            box.width,
            box.height,
            boxstyle="round,pad=0,rounding_size=0.06",
            fc=colour,
            ec="#37474f",
            lw=0.9,
            zorder=2,
            gid=f"action:{stage}/{action.name}",
        )
    )
    # The category "icon": a swatch of its colour, so it reads in status colouring too.
    category = _category(action)
    ax.add_patch(
        Rectangle(
            (box.left + 0.08, box.top + 0.07),
            0.12,
            0.12,
            fc=CATEGORY_COLOURS[category],
            ec="#37474f",
            lw=0.6,
            zorder=3,
        )
    )
    label = action.action_type_id.category or "Other"
    ax.text(
        box.left + 0.27,
        box.top + 0.13,
        f"{label.upper()[:12]} · run {action.run_order}",
        fontsize=7,
        va="center",
        color="#37474f",
        zorder=3,
    )
    ax.text(
        box.left + box.width / 2,
        box.top + _CAT_H + (box.height - _CAT_H) / 2,
        wrap(action.name, _NAME_CHARS, _NAME_LINES),
        fontsize=8,
        ha="center",
        va="center",
        zorder=3,
    )


def read_execution(path: str | Path) -> dict[str, Any]:
    """Read an execution record for :func:`draw_pipeline` from a JSON file.

    Args:
        path: ``get-pipeline-state`` JSON, or ``{"state": {...}}`` around it
            as ``mlcicd pipeline run --json`` writes.

    Raises:
        PipelineError: The file cannot be read, is not JSON, or has no ``stageStates`` list.
    """
    import json

    source = Path(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except OSError as error:
        raise PipelineError(f"cannot read the file: {error.strerror}", path=str(source)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PipelineError(f"not JSON: {error}", path=str(source)) from None
    state = _unwrap_execution(data) if isinstance(data, Mapping) else None
    if state is None or not isinstance(state.get("stageStates"), list):
        raise PipelineError(
            "not an execution record: expected get-pipeline-state JSON with a 'stageStates' "
            'list, or {"state": {...}} as `mlcicd pipeline run --json` writes',
            path=str(source),
        )
    return dict(state)
