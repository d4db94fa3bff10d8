"""What every figure of mlcicd shares: colours, an inch-based canvas, wrapping, saving.

Figures are built as :class:`matplotlib.figure.Figure` objects with an Agg
canvas of their own, never with pyplot: no global state, no GUI, and the
backend of the caller is left alone. Layouts are in inches (one data unit is
one inch, y growing downwards), so font sizes in points and box sizes agree
whatever the size of the figure. :func:`text_overlaps` lets tests check that
no label covers another.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Fill colour per action category (unknown categories use ``"Other"``).
CATEGORY_COLOURS: dict[str, str] = {
    "Source": "#ffe082",
    "Build": "#90caf9",
    "Test": "#ce93d8",
    "Approval": "#ffab91",
    "Deploy": "#a5d6a7",
    "Invoke": "#80cbc4",
    "Compute": "#b0bec5",
    "Other": "#eeeeee",
}
#: Colour per test layer, shared by the pyramid and the CI/CD figure.
LAYER_COLOURS: dict[str, str] = {"unit": "#a5d6a7", "integration": "#90caf9", "e2e": "#ffcc80"}
#: File suffixes :func:`save` writes.
SAVE_FORMATS: tuple[str, ...] = (".png", ".svg")


def require_matplotlib() -> None:
    """Raise an :class:`ImportError` that says how to install matplotlib, if it is missing."""
    # matplotlib is a dependency of mlcicd, but a trimmed environment may lack
    # it: say how to get it rather than fail deep inside a drawing.
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "drawing needs matplotlib: pip install 'matplotlib>=3.8' (or pip install mlcicd)"
        ) from error


def inch_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A new ``width`` x ``height`` inch figure and its axes, one data unit per inch."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    # An Agg canvas of its own: text extents are measured while laying out,
    # and a bare Figure would build a throwaway renderer for every one.
    FigureCanvasAgg(fig)
    return fig, inch_axes(fig.add_axes((0, 0, 1, 1)), width, height)


def inch_axes(ax: Axes, width: float, height: float) -> Axes:
    """Set ``ax`` to show ``width`` x ``height`` units, y growing downwards, no frame.

    One unit is one inch when ``ax`` fills a figure of that size.
    """
    # y grows downwards, the way the page is read.
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    return ax


# Where a long word may break: before a capital that follows a lower-case
# letter or digit (CamelCase), and after "-", "_", "." or ":".
_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[-_.:])")


def wrap(text: str, width: int, lines: int) -> str:
    """Wrap ``text`` into at most ``lines`` lines of ``width`` characters, cut with "…".

    Unlike :func:`textwrap.wrap` alone, identifiers such as
    ``BuildModelArtifact`` break between their words, not mid-word.
    """
    pieces: list[tuple[str, str]] = []  # (glue before, piece)
    for word in text.split():
        parts = [p for p in _BREAK.split(word) if p] if len(word) > width else [word]
        for index, part in enumerate(parts):
            chunks = textwrap.wrap(part, width) or [part]
            pieces += [(" " if index == 0 and not n else "", c) for n, c in enumerate(chunks)]
    out: list[str] = []
    for glue, piece in pieces:
        if out and len(out[-1]) + len(glue) + len(piece) <= width:
            out[-1] += glue + piece
        else:
            out.append(piece)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1] + "…"
    return "\n".join(out) or "(unnamed)"


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG or SVG, chosen by the suffix of ``path``.

    Raises:
        ValueError: The suffix is not one of :data:`SAVE_FORMATS`.
    """
    path = Path(path)
    if path.suffix.lower() not in SAVE_FORMATS:
        raise ValueError(
            f"cannot save a figure as {path.name!r}: use a {' or '.join(SAVE_FORMATS)} file"
        )
    fig.savefig(path, format=path.suffix.lower()[1:], facecolor="white")
    return path


def text_overlaps(fig: Figure) -> list[tuple[str, str]]:
    """Return the pairs of visible texts of ``fig`` whose rendered boxes overlap.

    The figure is laid out with matplotlib's Agg renderer (legends included)
    and every pair of non-empty visible texts is compared by window extent.
    """
    from matplotlib.text import Text

    fig.draw_without_rendering()
    texts = [text for text in fig.findobj(Text) if text.get_visible() and text.get_text().strip()]
    extents = [text.get_window_extent() for text in texts]
    return [
        (texts[i].get_text(), texts[j].get_text())
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
        if extents[i].overlaps(extents[j])
    ]
