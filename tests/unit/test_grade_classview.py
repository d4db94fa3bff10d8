"""The class view: score distribution, pass rate per checkpoint, embedded charts, same bytes."""

from __future__ import annotations

import base64
import io
import re
import struct

import pytest

from mlcicd.grade.classview import (
    DPI,
    CheckpointStats,
    checkpoint_stats,
    class_page,
    histogram,
    learner_shares,
    pass_rate_figure,
)
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.review import Review

HINTS = {"02.2": "Fill with the median."}
GUIDE = {"02.2": Review("notebooks/02_unit_tests.ipynb", "02 · Unit tests", "Missing values")}


def submission(learner: str, *statuses: str, message: str = "") -> SubmissionResult:
    """Return ``learner``'s 02 submission, checkpoints 02.1, 02.2, ... worth 1 point each."""
    checkpoints = tuple(
        CheckpointResult(
            f"02.{i}",
            int(s == "passed"),
            1,
            s,
            "" if s == "passed" else message or f"Checkpoint 02.{i} failed (0/1 points): {s}",
        )
        for i, s in enumerate(statuses, start=1)
    )
    score = sum(c.points for c in checkpoints)
    errors = ("not gradable on this machine",) if "not gradable" in statuses else ()
    path = f"class/{learner}/02_unit_tests.ipynb"
    return SubmissionResult(
        path, learner, "02_unit_tests", score, len(statuses), checkpoints, errors
    )


def failing(learner: str, case: str) -> SubmissionResult:
    """Return a submission passing 02.1 and 02.3, failing 02.2 on ``case``."""
    line = f"Checkpoint 02.2 failed (0/1 points): {case}. Hint: Fill with the median."
    return SubmissionResult(
        f"class/{learner}/02_unit_tests.ipynb",
        learner,
        "02_unit_tests",
        2,
        3,
        (
            CheckpointResult("02.1", 1, 1, "passed"),
            CheckpointResult("02.2", 0, 1, "failed", line),
            CheckpointResult("02.3", 1, 1, "passed"),
        ),
    )


CLASS = [
    failing("alice", "a column of <b>NaN</b>"),
    failing("bob", "a column of <b>NaN</b>"),
    failing("carol", "an empty frame"),
    submission("dora", "passed", "passed", "passed"),
    submission("eve", "passed", "passed", "not gradable"),
    submission("<script>alert(1)</script>", "error", "timeout", "failed"),
    SubmissionResult("class/finn/x.ipynb", "finn", "", 0, 0, errors=("not a notebook",)),
]


def test_checkpoint_stats_count_passes_leave_out_not_gradable_and_find_the_top_failure() -> None:
    stats = checkpoint_stats(CLASS, HINTS)
    assert [s.id for s in stats] == ["02.1", "02.2", "02.3"]
    assert (stats[0].passed, stats[0].attempted, stats[0].not_gradable) == (5, 6, 0)
    assert stats[1] == CheckpointStats(
        "02.2", "02_unit_tests", 2, 6, 0, "a column of <b>NaN</b>.", 2
    )
    assert (stats[2].passed, stats[2].attempted, stats[2].not_gradable) == (4, 5, 1)
    assert stats[2].rate == pytest.approx(0.8)


def test_equal_failure_counts_pick_the_same_failure_every_time() -> None:
    one, two = failing("a", "zebra"), failing("b", "apple")
    assert checkpoint_stats([one, two], HINTS)[1].failure == "apple."
    assert checkpoint_stats([two, one], HINTS)[1].failure == "apple."


def test_a_checkpoint_nobody_could_be_graded_on_has_no_rate() -> None:
    (stats,) = checkpoint_stats([submission("eve", "not gradable")], {})
    assert (stats.attempted, stats.not_gradable, stats.rate) == (0, 1, None)


def test_learner_shares_count_graded_submissions_only() -> None:
    # alice, bob, carol 2/3, dora 3/3, the script learner 0/3; eve not gradable, finn not graded.
    shares = learner_shares(CLASS)
    assert sorted(shares) == pytest.approx([0, 200 / 3, 200 / 3, 200 / 3, 100])


@pytest.mark.parametrize(
    ("shares", "counts"),
    [
        ([0, 9.99, 10, 100, 99.5, 55], [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]),
        ([], [0] * 10),
    ],
)
def test_histogram_bins_of_ten_percent_with_100_in_the_last(
    shares: list[float], counts: list[int]
) -> None:
    assert histogram(shares) == counts


def test_the_pass_rate_chart_has_one_bar_per_checkpoint_of_its_rate() -> None:
    stats = checkpoint_stats(CLASS, HINTS)
    axes = pass_rate_figure(stats).axes[0]
    widths = [bar.get_width() for bar in axes.patches]
    assert widths == pytest.approx([500 / 6, 200 / 6, 80])
    assert [t.get_text() for t in axes.get_yticklabels()] == ["02.1", "02.2", "02.3"]


def png_size(data: bytes) -> tuple[int, int]:
    """Return a PNG's width and height, checking its signature and header chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def page() -> str:
    """The class view of CLASS (drawn once: matplotlib takes a moment)."""
    return class_page(CLASS, guide=GUIDE, hints=HINTS)


def test_the_page_embeds_two_charts_that_decode(page: str) -> None:
    import matplotlib.image

    images = re.findall(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">', page)
    assert [alt.split(":")[0] for alt, _ in images] == [
        "Score distribution",
        "Pass rate per checkpoint",
    ]
    for _, encoded in images:
        data = base64.b64decode(encoded, validate=True)
        assert b"Software" not in data and b"tIME" not in data  # nothing that changes per run
        width, height = png_size(data)
        assert width == 7 * DPI and height > 200
        assert matplotlib.image.imread(io.BytesIO(data), format="png").shape[:2] == (
            height,
            width,
        )


def test_the_page_is_the_same_bytes_for_the_same_results(page: str) -> None:
    assert class_page(CLASS, guide=GUIDE, hints=HINTS) == page


def test_the_page_names_no_learner_and_escapes_failures(page: str) -> None:
    assert "alice" not in page and "script" not in page.lower()
    assert "a column of &lt;b&gt;NaN&lt;/b&gt;." in page
    assert "<b>" not in page
    assert "http://" not in page and "https://" not in page


def test_the_page_summarises_the_class_and_tables_each_checkpoint(page: str) -> None:
    body = " ".join(re.sub(r"<[^>]+>", " ", page.split("<body>")[1]).split())
    assert (
        "7 learner(s), 7 submission(s): 5 graded, 1 not gradable on this machine "
        "(not the learners' fault), 1 not graded; median share 67%."
    ) in body
    assert "02.2 33% (2/6) a column of &lt;b&gt;NaN&lt;/b&gt;. 2 Missing values" in body
    assert "02.3 80% (4/5)" in body and "60-69% 3" in body and "90-100% 1" in body


def test_a_class_with_no_checkpoint_says_so_and_draws_one_chart() -> None:
    broken = SubmissionResult("x.ipynb", "finn", "", 0, 0, errors=("not a notebook",))
    page = class_page([broken], guide={}, hints={})
    assert "No checkpoint was graded." in page
    assert page.count("data:image/png;base64,") == 1
