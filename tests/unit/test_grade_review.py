"""What to review: the lesson of an exercise, and the section whose words match a checkpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcicd.course.notebook import checkpoint_cell, code, markdown, new_notebook, write
from mlcicd.grade.review import Review, best_section, lesson_guide, review_for

ROOT = Path(__file__).resolve().parents[2]


def course(tmp_path: Path) -> Path:
    """Return a course of one exercise (98_doubling, checkpoints 98.1 and 98.2) and its lesson."""
    write(
        new_notebook(
            [
                markdown("# 98 · Doubling\n\n## Objectives\n\nDouble things; `double`."),
                markdown("## Doubling numbers\n\nThe function `double` multiplies by two."),
                code("def double(x):\n    return 2 * x"),
                markdown("## Reversing text\n\nThe function `reverse` turns strings around."),
                markdown("## Muddy points\n\nNone: `double` `reverse`."),
            ]
        ),
        tmp_path / "notebooks" / "98_doubling.ipynb",
    )
    write(
        new_notebook(
            [
                markdown("# Exercise 98 · Doubling and reversing `reverse` `reverse`"),
                markdown("## Exercise 1\n\nWrite `double(x)`."),
                code("raise NotImplementedError"),
                checkpoint_cell("98.1", 2),
                markdown("## Exercise 2\n\nWrite `reverse(text)`."),
                code("raise NotImplementedError"),
                checkpoint_cell("98.2", 1),
            ]
        ),
        tmp_path / "exercises" / "98_doubling.ipynb",
    )
    return tmp_path


def test_each_checkpoint_gets_the_section_its_instructions_name(tmp_path: Path) -> None:
    guide = lesson_guide(course(tmp_path), ["98_doubling"], {})
    lesson, title = "notebooks/98_doubling.ipynb", "98 · Doubling"
    assert guide["98.1"] == Review(lesson, title, "Doubling numbers")
    # Not "Doubling numbers", though the exercise's title cell names `reverse`: only the
    # instructions since the previous checkpoint count. Not "Muddy points": boilerplate.
    assert guide["98.2"] == Review(lesson, title, "Reversing text")
    assert guide["98_doubling"] == Review(lesson, title)


def test_the_hint_counts_with_the_instructions(tmp_path: Path) -> None:
    folder = course(tmp_path)
    exercise = folder / "exercises" / "98_doubling.ipynb"
    exercise.write_text(
        exercise.read_text(encoding="utf-8").replace("Write `double(x)`.", "Write it."),
        encoding="utf-8",
    )
    assert lesson_guide(folder, ["98_doubling"], {})["98.1"].section is None
    hinted = lesson_guide(folder, ["98_doubling"], {"98.1": "Multiply by two, as `double` does."})
    assert hinted["98.1"].section == "Doubling numbers"


def test_without_the_course_files_there_is_nothing_to_link(tmp_path: Path) -> None:
    assert lesson_guide(None, ["98_doubling"], {}) == {}
    assert lesson_guide(tmp_path, ["98_doubling", "not_numbered"], {}) == {}
    folder = course(tmp_path)
    (folder / "exercises" / "98_doubling.ipynb").write_text("{broken", encoding="utf-8")
    assert lesson_guide(folder, ["98_doubling"], {}) == {}


def test_review_for_falls_back_on_the_exercise_lesson() -> None:
    lesson = Review("notebooks/98_doubling.ipynb", "98 · Doubling")
    section = Review(lesson.lesson, lesson.title, "Doubling numbers")
    guide = {"98_doubling": lesson, "98.1": section}
    assert review_for(guide, "98_doubling", "98.1") == section
    assert review_for(guide, "98_doubling", "98.7") == lesson
    assert review_for(guide, "97_other", "97.1") is None


def test_best_section_prefers_rare_words_and_returns_none_without_a_match() -> None:
    from mlcicd.grade.review import _Section, _terms

    sections = [
        _Section("Intro", _terms("the pipeline runs the tests; the pipeline is code")),
        _Section("Drift", _terms("drift compares `category_psi` of two batches; the pipeline")),
    ]
    assert best_section("compute `category_psi` for the pipeline", sections) == "Drift"
    assert best_section("nothing in common here", sections) is None


@pytest.mark.parametrize(
    ("checkpoint_id", "section"),
    [
        ("02.4", "Property-based tests: let the computer pick the examples"),
        ("05.4", "IAM: allowed *and* denied"),
        ("05.5", "The SageMaker Model Registry"),
    ],
)
def test_the_real_course_maps_checkpoints_to_the_sections_that_teach_them(
    checkpoint_id: str, section: str
) -> None:
    # Judged by reading the exercises: 02.4 asks for hypothesis properties, 05.4 an ECR
    # pull policy checked allowed and denied, 05.5 a Model Registry step.
    guide = lesson_guide(ROOT, ["02_unit_tests", "05_integration_tests"], {})
    assert guide[checkpoint_id].section == section
    assert guide[checkpoint_id].lesson == f"notebooks/{checkpoint_id[:2]}_" + (
        "unit_tests.ipynb" if checkpoint_id.startswith("02") else "integration_tests.ipynb"
    )
