"""What a learner sees: the start page runs, a quiz answers, an exercise's checkpoint passes.

nbval proves that cells run; these tests prove that a learner who opens the
course in JupyterLab gets there: the start page's kernel starts, every cell runs
without an error, a quiz widget renders and answers, and a solution typed into
an exercise makes its checkpoint print "passed". Screenshots go to
``build/screenshots/``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mlcicd.course.notebook import read

expect = pytest.importorskip("playwright.sync_api").expect

ROOT = Path(__file__).resolve().parents[2]
#: Seconds a cell may take in the browser (the start page's slowest is about 5 s).
CELL_TIMEOUT_MS = 90_000
EXERCISE = "exercises/02_unit_tests.ipynb"
#: The answer typed into exercise 02's first solution cell (as a learner would).
SCALE_TO_UNIT = """def scale_to_unit(values: pd.Series) -> pd.Series:
    values = values.astype(float)
    low, high = values.min(), values.max()
    if high > low:
        return (values - low) / (high - low)
    return values.where(values.isna(), 0.0)
"""
ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
ALL_RAN = """() => {
    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


def cells(page: Any) -> Any:
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")


def wait_for_idle_kernel(page: Any) -> None:
    """Wait until the status bar says the kernel is idle: started, connected, not busy.

    (The toolbar's indicator already reads idle while the kernel is still starting.)
    """
    status_bar = page.locator("#jp-main-statusbar")
    expect(status_bar).to_contain_text(re.compile(r"\) \| Idle"), timeout=CELL_TIMEOUT_MS)


def open_notebook(page: Any, url: str) -> None:
    page.goto(url)
    cells(page).first.wait_for(timeout=CELL_TIMEOUT_MS)
    wait_for_idle_kernel(page)


def run_menu(page: Any, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


@pytest.fixture(scope="module")
def start_page(lab: Any, browser: Any) -> Iterator[tuple[Any, float]]:
    """The start page as ``make lab`` opens it, every cell run; and the seconds it took.

    The time runs from starting ``mlcicd lab`` to the notebook showing with an
    idle kernel: the moment a learner can run the first cell.
    """
    page = browser.new_page()
    open_notebook(page, lab.url)
    interactive = time.monotonic() - lab.started
    yield page, interactive
    page.close()


def test_make_lab_lands_on_the_start_page_with_no_prompt(
    start_page: tuple[Any, float], screenshots: Path, record_property: Any
) -> None:
    page, interactive = start_page
    record_property("seconds_to_interactive_start_page", f"{interactive:.1f}")
    print(f"make lab to an interactive start page: {interactive:.1f} s")
    page.screenshot(path=str(screenshots / "start_page.png"))
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")
    assert tab.inner_text() == "00_start_here.ipynb"
    # No dialog (kernel choice, news, build prompts) stands between the learner and the page.
    assert page.locator(".jp-Dialog").count() == 0
    assert page.locator(".jp-toast-message", has_text="news").count() == 0


def test_every_cell_of_the_start_page_runs_without_an_error(
    start_page: tuple[Any, float], screenshots: Path
) -> None:
    page, _ = start_page
    run_menu(page, "Run All Cells")
    page.wait_for_function(ALL_RAN, timeout=CELL_TIMEOUT_MS)
    wait_for_idle_kernel(page)
    code_cells = [c for c in read(ROOT / "notebooks" / "00_start_here.ipynb").cells]
    expected = sum(cell.cell_type == "code" for cell in code_cells)
    assert page.locator(".jp-CodeCell").count() == expected
    errors = page.locator(ERROR_OUTPUT)
    assert errors.count() == 0, errors.first.inner_text()
    assert "passed (2/2 points)" in page.locator(".jp-Notebook").inner_text()
    page.screenshot(path=str(screenshots / "start_page_run.png"), full_page=True)


def test_a_quiz_answers_wrong_then_right(start_page: tuple[Any, float], screenshots: Path) -> None:
    page, _ = start_page
    wrong = "The hidden test cases and their inputs"
    # The quiz is a box of question boxes: the innermost box holding the choice is its question.
    question = page.locator(".widget-vbox", has=page.locator("label", has_text=wrong)).last
    question.scroll_into_view_if_needed()
    feedback = question.locator(".mlcicd-feedback")

    question.locator("label", has_text=wrong).click()
    question.locator("button", has_text="Check").click()
    feedback.wait_for()
    assert feedback.inner_text().startswith("Not quite. Try again.")
    assert "The cases stay hidden" in feedback.inner_text()

    question.locator("label", has_text="One line: Checkpoint NN.K passed").click()
    question.locator("button", has_text="Check").click()
    # The feedback is re-rendered on every answer: wait on the locator, not an element.
    expect(feedback).to_contain_text("Correct.")
    assert feedback.inner_text().startswith("Correct.")
    assert "nbval (lax mode) compares exactly that line" in feedback.inner_text()
    question.screenshot(path=str(screenshots / "quiz.png"))


def test_a_solved_exercise_passes_its_checkpoint(lab: Any, browser: Any, screenshots: Path) -> None:
    page = browser.new_page()
    try:
        # A workspace of its own: the default one would also reopen the start page.
        open_notebook(page, f"{lab.base}/lab/workspaces/exercise/tree/{EXERCISE}")
        all_cells = cells(page)
        # Cells: 0 title, 1 imports, 2 "Exercise 1", 3 solution stub, 4 checkpoint 02.1.
        stub = all_cells.nth(3)
        assert "raise NotImplementedError" in stub.inner_text()
        editor = stub.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.insert_text(SCALE_TO_UNIT)
        all_cells.nth(1).locator(".jp-InputPrompt").click()  # command mode, on the imports
        for _ in range(4):  # imports, heading, solution, checkpoint
            page.keyboard.press("Shift+Enter")
        checkpoint = all_cells.nth(4).locator(".jp-OutputArea-output")
        expect(checkpoint).to_contain_text("Checkpoint 02.1", timeout=CELL_TIMEOUT_MS)
        assert checkpoint.inner_text().strip() == "Checkpoint 02.1 passed (2/2 points)"
        all_cells.nth(3).scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "exercise_passed.png"))
    finally:
        page.close()
    # The course's own exercise is untouched: the browser worked on a copy.
    assert "raise NotImplementedError" in (ROOT / EXERCISE).read_text(encoding="utf-8")
