"""Per-learner feedback pages: content, escaping, safe file names, accumulation, refusals."""

from __future__ import annotations

import base64
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mlcicd.exceptions import GradeError
from mlcicd.grade.feedback import learner_page, previous_results, write_feedback
from mlcicd.grade.model import CheckpointResult, SubmissionResult
from mlcicd.grade.review import Review

EVIL = "<script>alert(1)</script>"
EVIL_MESSAGE = (
    'Checkpoint 02.2 failed (0/3 points): got <img src=x onerror="alert(2)">. Hint: Fill.'
)
HINTS = {"02.1": "Scale with min and max.", "02.2": "Fill.", "03.1": "Check the schema."}
LESSON = Review("notebooks/02_unit_tests.ipynb", "02 · Unit tests", "The edge cases")
GUIDE = {"02.1": LESSON, "02_unit_tests": Review(LESSON.lesson, LESSON.title)}


def ex02(learner: str = "alice", *, path: str = "", second: str = "failed") -> SubmissionResult:
    """Return ``learner``'s 02 submission: 02.1 passed (2), 02.2 ``second`` (0/3)."""
    return SubmissionResult(
        path or f"class/{learner}/02_unit_tests.ipynb",
        learner,
        "02_unit_tests",
        2,
        5,
        (
            CheckpointResult("02.1", 2, 2, "passed"),
            CheckpointResult("02.2", 0, 3, second, EVIL_MESSAGE),
        ),
        warnings=("checkpoint 02.2 was edited (cell 5): graded from the course's own cell",),
    )


def ex03(learner: str = "alice", points: int = 4) -> SubmissionResult:
    """Return ``learner``'s 03 submission worth 4, scoring ``points``."""
    status = "passed" if points == 4 else "failed"
    return SubmissionResult(
        f"class/{learner}/03_data_tests.ipynb",
        learner,
        "03_data_tests",
        points,
        4,
        (CheckpointResult("03.1", points, 4, status, "" if points else "wrong schema"),),
    )


def not_gradable(learner: str = "alice") -> SubmissionResult:
    """Return a 03 submission this machine could not grade (hypothesis missing)."""
    line = "Checkpoint 03.1 cannot be graded here (0/4 points): install hypothesis."
    return SubmissionResult(
        f"class/{learner}/03_data_tests.ipynb",
        learner,
        "03_data_tests",
        0,
        4,
        (CheckpointResult("03.1", 0, 4, "not gradable", line),),
        errors=(f"not gradable on this machine: {line}",),
    )


class Tags(HTMLParser):
    """Collect the tags and attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    """Return the page's start tags with their attributes."""
    parser = Tags()
    parser.feed(page)
    return parser.tags


def text(page: str) -> str:
    """Return the page's visible text: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.split("<body>")[1])).split())


def stored_learner(path: Path) -> str:
    """Return the learner whose results a feedback file stores."""
    data = re.search(r"mlcicd-feedback-data (\S+) -->", path.read_text(encoding="utf-8"))
    assert data is not None
    return json.loads(base64.b64decode(data.group(1)))["learner"]


def test_learner_text_is_escaped_and_the_page_runs_nothing() -> None:
    result = ex02(EVIL, path=f'class/{EVIL}/"quoted"&.ipynb')
    page = learner_page(EVIL, [result], guide=GUIDE, hints=HINTS)

    assert EVIL not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "got &lt;img src=x onerror=&quot;alert(2)&quot;&gt;." in page
    assert "&quot;quoted&quot;&amp;.ipynb" in page
    found = tags(page)
    assert {tag for tag, _ in found} <= {
        "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "table",
        "tr", "th", "td", "span", "code", "strong", "section", "br",
    }  # fmt: skip
    assert not [a for _, attrs in found for a in attrs if a.startswith("on")]
    assert not [a for _, attrs in found for a in attrs if a in ("src", "href")]
    assert "http://" not in page and "https://" not in page
    policy = [a["content"] for t, a in found if a.get("http-equiv") == "Content-Security-Policy"]
    assert policy and "default-src 'none'" in str(policy[0])


def test_a_page_shows_points_status_message_hint_review_warnings_and_totals() -> None:
    page = text(learner_page("alice", [ex02(), ex03(points=0)], guide=GUIDE, hints=HINTS))

    assert "Total: 2/9 points (22%) over 2 graded exercise(s)." in page
    assert "02_unit_tests · 2/5" in page and "03_data_tests · 0/4" in page
    row = page[page.index("02.2 0/3") :]
    assert row.startswith('02.2 0/3 failed got <img src=x onerror="alert(2)">.')
    assert "Fill." in row[:200]  # the hint, shown once in its own column
    assert "Hint: Fill." not in page
    assert "Lesson 02 · Unit tests ( notebooks/02_unit_tests.ipynb ), section “The edge cases”" in (
        page
    )
    assert "Warning: checkpoint 02.2 was edited (cell 5)" in page
    assert "03.1 0/4 failed wrong schema" in page and "Check the schema." in page


def test_a_passed_checkpoint_shows_no_hint() -> None:
    page = text(learner_page("alice", [ex02()], guide=GUIDE, hints=HINTS))
    assert "Scale with min and max." not in page


def test_not_gradable_says_it_is_not_the_learners_fault_and_is_not_a_zero() -> None:
    page = text(learner_page("alice", [ex02(), not_gradable()], guide={}, hints=HINTS))

    assert "03_data_tests · not gradable" in page and "03_data_tests · 0/4" not in page
    assert "This is not your fault and does not count against you" in page
    assert "Grading machine: not gradable on this machine" in page
    assert "Not graded:" not in page
    assert "Total: 2/5 points (40%) over 1 graded exercise(s)." in page
    assert "Check the schema." not in page  # no hint: there is nothing for the learner to fix


def test_an_unknown_status_is_shown_as_it_is_escaped() -> None:
    result = ex02(second="<b>flaky</b>")
    page = learner_page("alice", [result], guide={}, hints={})
    assert '<span class="badge ">&lt;b&gt;flaky&lt;/b&gt;</span>' in page


def test_a_submission_that_could_not_be_graded_says_why() -> None:
    broken = SubmissionResult(
        "class/alice/notes.ipynb", "alice", "", 0, 0, errors=("not a readable notebook",)
    )
    page = text(learner_page("alice", [broken], guide={}, hints={}))
    assert "unknown exercise · not graded" in page
    assert "Not graded: not a readable notebook" in page
    assert "Total: 0/0 points over 0 graded exercise(s)." in page


def test_each_learner_gets_a_file_with_a_safe_distinct_name(tmp_path: Path) -> None:
    names = ["alice", EVIL, "a/b", "a_b", "../../up"]
    written = write_feedback([ex02(n) for n in names], tmp_path / "fb", guide={}, hints={})

    assert len(written) == len(names) == len(set(written))
    assert sorted(p.parent for p in written) == [tmp_path / "fb"] * len(names)
    assert sorted(p.name for p in (tmp_path / "fb").iterdir()) == sorted(p.name for p in written)
    assert (tmp_path / "fb" / "alice.html").is_file() and (tmp_path / "fb" / "a_b.html").is_file()
    assert not (tmp_path / "up.html").exists()
    assert sorted(stored_learner(path) for path in written) == sorted(names)


def test_feedback_accumulates_over_runs_and_a_regrade_replaces(tmp_path: Path) -> None:
    folder = tmp_path / "fb"
    write_feedback([ex02()], folder, guide={}, hints={})
    write_feedback([ex03(points=0)], folder, guide={}, hints={})
    page = text((folder / "alice.html").read_text(encoding="utf-8"))
    assert "02_unit_tests · 2/5" in page and "03_data_tests · 0/4" in page

    write_feedback([ex03(points=4)], folder, guide={}, hints={})
    stored = previous_results(folder / "alice.html", "alice")
    assert [(r.exercise, r.score) for r in stored] == [("02_unit_tests", 2), ("03_data_tests", 4)]
    assert stored[0] == ex02()  # read back exactly as written


@pytest.mark.parametrize(
    "content",
    [
        "<html>the instructor's own notes</html>",
        "<!-- mlcicd-feedback-data bm90IGpzb24= -->",  # "not json"
        "<!-- mlcicd-feedback-data eyJsZWFybmVyIjogImFsaWNlIn0= -->",  # no submissions
    ],
)
def test_a_file_that_is_not_feedback_is_refused_and_nothing_is_written(
    tmp_path: Path, content: str
) -> None:
    folder = tmp_path / "fb"
    folder.mkdir()
    (folder / "alice.html").write_text(content, encoding="utf-8")

    with pytest.raises(GradeError, match="is not feedback written by mlcicd grade") as raised:
        write_feedback([ex02("bob"), ex02("alice")], folder, guide={}, hints={})

    assert raised.value.path == str(folder / "alice.html")
    assert (folder / "alice.html").read_text(encoding="utf-8") == content
    assert sorted(p.name for p in folder.iterdir()) == ["alice.html"]  # bob's not written


def test_another_learners_file_is_refused(tmp_path: Path) -> None:
    write_feedback([ex02("alice")], tmp_path, guide={}, hints={})
    with pytest.raises(GradeError, match="another learner than 'Alice'"):
        previous_results(tmp_path / "alice.html", "Alice")


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "fb").write_text("x", encoding="utf-8")
    with pytest.raises(GradeError, match="needs a folder"):
        write_feedback([ex02()], tmp_path / "fb", guide={}, hints={})


def test_the_same_results_give_the_same_bytes() -> None:
    results = [ex02(), ex03(), not_gradable("bob")]
    first = learner_page("alice", results, guide=GUIDE, hints=HINTS)
    assert learner_page("alice", results, guide=GUIDE, hints=HINTS) == first


def test_a_page_with_no_exercise_says_so_stores_none_and_a_later_grade_fills_it(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "fb"
    (folder / "alice.html").parent.mkdir()
    (folder / "alice.html").write_text(
        learner_page("alice", [], guide={}, hints={}), encoding="utf-8"
    )
    assert "No exercise submitted yet" in (folder / "alice.html").read_text(encoding="utf-8")
    assert previous_results(folder / "alice.html", "alice") == []
    write_feedback([ex02()], folder, guide={}, hints={})
    page = (folder / "alice.html").read_text(encoding="utf-8")
    assert "No exercise submitted yet" not in page and "02_unit_tests · 2/5" in text(page)
