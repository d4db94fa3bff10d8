"""The class view: where the class stands and which checkpoint it struggles with, in one HTML file.

``mlcicd grade CLASS --report class.html`` writes:

* the score distribution: a histogram of each learner's share of the points
  available in their graded submissions (bins of 10 %);
* the pass rate per checkpoint, as horizontal bars (red below 50 %, amber below
  80 %, green above): the short red bars are what to go over again;
* a table per checkpoint: pass rate, the most common failure and how many
  submissions it stopped, how many could not be graded here, and the lesson
  section to review.

Both charts are drawn with matplotlib (Agg) and embedded as base64 PNG, so the
file is self-contained. The same results give the same bytes: fixed style, size
and dpi, and no "Software" or date in the PNG. Not gradable checkpoints (the
machine's problem) are left out of pass rates and counted apart. No learner
is named: the page can be shown to the class.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mlcicd.grade.feedback import esc, page
from mlcicd.grade.model import NOT_GRADABLE, SubmissionResult
from mlcicd.grade.review import Review, review_for
from mlcicd.grade.roster import GRADED, NOT_GRADED, by_learner, outcome, what_happened

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 100
BINS = tuple(range(0, 100, 10))  # lower bounds; the last bin holds 90 to 100 %


@dataclass(frozen=True)
class CheckpointStats:
    """How the class did on one checkpoint.

    Attributes:
        id: E.g. ``"02.1"``.
        exercise: Its exercise's name.
        passed: Submissions that passed it.
        attempted: Submissions graded on it (not gradable ones left out).
        not_gradable: Submissions this machine could not grade on it.
        failure: The most common failure (what happened), or "".
        failures: How many submissions it stopped.
    """

    id: str
    exercise: str
    passed: int
    attempted: int
    not_gradable: int
    failure: str = ""
    failures: int = 0

    @property
    def rate(self) -> float | None:
        """The share that passed, from 0 to 1; None when none was graded."""
        return self.passed / self.attempted if self.attempted else None


def _order(checkpoint_id: str) -> tuple[int, ...]:
    return tuple(int(p) if p.isdigit() else 0 for p in checkpoint_id.split("."))


def checkpoint_stats(
    results: Sequence[SubmissionResult], hints: Mapping[str, str]
) -> list[CheckpointStats]:
    """Return the class's statistics per checkpoint, in id order.

    Args:
        results: The class's results.
        hints: Checkpoint hints, dropped from failure messages so equal failures count as one.
    """
    seen: dict[str, list[tuple[str, str, str]]] = {}
    for result in results:
        for c in result.checkpoints:
            text = what_happened(c.message, hints.get(c.id, "")) or c.status
            seen.setdefault(c.id, []).append((result.exercise, c.status, text))
    stats = []
    for checkpoint_id in sorted(seen, key=_order):
        rows = seen[checkpoint_id]
        failures = Counter(t for _, s, t in rows if s not in ("passed", NOT_GRADABLE))
        # Most common first; equal counts by text, so every run picks the same one.
        top = min(failures.items(), key=lambda item: (-item[1], item[0]), default=("", 0))
        not_gradable = sum(s == NOT_GRADABLE for _, s, _ in rows)
        stats.append(
            CheckpointStats(
                checkpoint_id,
                rows[0][0],
                sum(s == "passed" for _, s, _ in rows),
                len(rows) - not_gradable,
                not_gradable,
                *top,
            )
        )
    return stats


def learner_shares(results: Sequence[SubmissionResult]) -> list[float]:
    """Return each learner's percentage of the points of their graded submissions.

    Learners with no graded submission are left out (the summary counts them).
    """
    shares = []
    for mine in by_learner(results).values():
        graded = [r for r in mine if outcome(r) == GRADED]
        available = sum(r.max_score for r in graded)
        if available:
            shares.append(100 * sum(r.score for r in graded) / available)
    return shares


def histogram(shares: Sequence[float]) -> list[int]:
    """Return how many shares fall in each 10 % bin (100 % goes in the last)."""
    counts = [0] * len(BINS)
    for share in shares:
        counts[min(int(share // 10), len(BINS) - 1)] += 1
    return counts


def _bin_label(low: int) -> str:
    return f"{low}-{low + 10 if low == 90 else low + 9}%"


def distribution_figure(counts: Sequence[int]) -> Figure:
    """Return the histogram of learners' shares as a figure (one bar per 10 % bin)."""
    from matplotlib.figure import Figure  # imported only when a report is asked for: 0.5 s

    figure = Figure(figsize=(7, 3.2))
    axes = figure.add_subplot()
    axes.bar([_bin_label(low) for low in BINS], counts, color="#3a5bc7")
    axes.set_xlabel("share of the points of graded submissions")
    axes.set_ylabel("learners")
    axes.set_title("Score distribution")
    axes.tick_params(axis="x", labelsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    return figure


def _colour(rate: float | None) -> str:
    if rate is None:
        return "#9aa5b8"
    return "#c0392b" if rate < 0.5 else "#d49a00" if rate < 0.8 else "#1e8449"


def pass_rate_figure(stats: Sequence[CheckpointStats]) -> Figure:
    """Return the pass rate per checkpoint as horizontal bars, the first checkpoint on top."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 1.2 + 0.32 * max(len(stats), 1)))
    axes = figure.add_subplot()
    rates = [100 * s.rate if s.rate is not None else 0 for s in stats]
    bars = axes.barh(
        [s.id for s in stats], rates, color=[_colour(s.rate) for s in stats], height=0.6
    )
    for bar, s in zip(bars, stats, strict=True):
        label = f"{s.passed}/{s.attempted}" if s.attempted else "not gradable here"
        axes.annotate(
            label, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            xytext=(4, 0), textcoords="offset points", va="center", fontsize=8,
        )  # fmt: skip
    axes.set_xlim(0, 115)
    axes.set_xticks(range(0, 101, 20))
    axes.invert_yaxis()
    axes.set_xlabel("submissions that passed (%)")
    axes.set_title("Pass rate per checkpoint")
    figure.tight_layout()
    return figure


def png(figure: Figure) -> bytes:
    """Return the figure as PNG bytes, the same for the same figure (no software, no date)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _chart(draw: Callable[[], Figure], alt: str) -> str:
    """Return ``draw()``'s figure as an embedded PNG image."""
    import matplotlib
    import matplotlib.style

    # Drawn and saved in the default style, whatever a matplotlibrc says: the
    # same picture on every machine set up alike, and the same bytes every run.
    with matplotlib.style.context("default"), matplotlib.rc_context({"svg.hashsalt": "mlcicd"}):
        data = base64.b64encode(png(draw())).decode("ascii")
    return f'<p><img alt="{esc(alt)}" src="data:image/png;base64,{data}"></p>'


def _summary(results: Sequence[SubmissionResult], shares: Sequence[float]) -> str:
    kinds = Counter(outcome(r) for r in results)
    middle = sorted(shares)[len(shares) // 2] if shares else None
    median = f"; median share {middle:.0f}%" if middle is not None else ""
    return (
        f"<p>{len(by_learner(results))} learner(s), {len(results)} submission(s): "
        f"{kinds[GRADED]} graded, {kinds[NOT_GRADABLE]} not gradable on this machine "
        f"(not the learners' fault), {kinds[NOT_GRADED]} not graded{median}.</p>"
    )


def _distribution(counts: Sequence[int]) -> str:
    cells = "".join(
        f'<tr><td>{_bin_label(low)}</td><td class="num">{n}</td></tr>'
        for low, n in zip(BINS, counts, strict=True)
    )
    alt = "Score distribution: " + ", ".join(
        f"{_bin_label(low)}: {n}" for low, n in zip(BINS, counts, strict=True)
    )
    return (
        "<section><h2>Score distribution</h2>"
        + _chart(lambda: distribution_figure(counts), alt)
        + f"<table><tr><th>Share</th><th>Learners</th></tr>{cells}</table></section>"
    )


def _checkpoint_table(stats: Sequence[CheckpointStats], guide: Mapping[str, Review]) -> str:
    rows = []
    for s in stats:
        rate = f"{100 * s.rate:.0f}%" if s.rate is not None else "n/a"
        review = review_for(guide, s.exercise, s.id)
        where = esc(review.section or review.title) if review else ""
        rows.append(
            f'<tr><td>{esc(s.id)}</td><td class="num">{rate} ({s.passed}/{s.attempted})</td>'
            f'<td>{esc(s.failure)}</td><td class="num">{s.failures or ""}</td>'
            f'<td class="num">{s.not_gradable or ""}</td><td>{where}</td></tr>'
        )
    return (
        "<table><tr><th>Checkpoint</th><th>Passed</th><th>Most common failure</th>"
        "<th>How many</th><th>Not gradable</th><th>Lesson section</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def class_page(
    results: Sequence[SubmissionResult],
    *,
    guide: Mapping[str, Review],
    hints: Mapping[str, str],
) -> str:
    """Return the class view as one self-contained HTML page.

    Args:
        results: The class's results.
        guide: What to review, by exercise and checkpoint
            (:func:`~mlcicd.grade.review.lesson_guide`).
        hints: The checkpoints' hints, by id.
    """
    shares = learner_shares(results)
    stats = checkpoint_stats(results, hints)
    parts = ["<h1>Class report</h1>", _summary(results, shares), _distribution(histogram(shares))]
    parts.append("<section><h2>Pass rate per checkpoint</h2>")
    if stats:
        alt = "Pass rate per checkpoint: " + ", ".join(
            f"{s.id}: {s.passed}/{s.attempted}" for s in stats
        )
        parts += [_chart(lambda: pass_rate_figure(stats), alt), _checkpoint_table(stats, guide)]
    else:
        parts.append("<p>No checkpoint was graded.</p>")
    parts.append("</section>")
    return page("Class report", "\n".join(parts))
