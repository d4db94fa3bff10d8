"""Quizzes: ipywidgets questions with explained feedback, and a plain-text fallback.

A :class:`Quiz` shown as a cell's last expression renders, in JupyterLab, one
block per question: the choices (radio buttons, or check boxes when several
answers are right), a **Check** button and feedback that explains each chosen
answer. Where widgets are not rendered (nbconvert HTML, GitHub's viewer) the
same output carries HTML and plain text with the answers folded away, so a
reader still sees the questions::

    Quiz(
        Question(
            "Which service runs the commands in a buildspec?",
            Choice("AWS CodeBuild", correct=True, why="CodeBuild reads buildspec.yml ..."),
            Choice("AWS CodePipeline", why="CodePipeline orchestrates stages ..."),
        ),
    )
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mlcicd.exceptions import CourseError

_LETTERS = "ABCDEFGHIJ"


@dataclass(frozen=True)
class Choice:
    """One answer to a question.

    Attributes:
        text: The answer as shown.
        correct: Whether choosing it is right.
        why: Why it is right or wrong; shown when it is chosen.
    """

    text: str
    correct: bool = False
    why: str = ""


@dataclass(frozen=True)
class Feedback:
    """The outcome of checking one question's selection.

    Attributes:
        correct: True when the selection is exactly the right answers.
        text: What the learner reads: a verdict, then one explanation per chosen answer.
    """

    correct: bool
    text: str


class Question:
    """A multiple-choice (one right answer) or multiple-answer question.

    Args:
        prompt: The question.
        *choices: Its answers, in the order shown.
        multiple: True when several answers may be right (check boxes).

    Raises:
        CourseError: With fewer than two choices, no right answer, a choice
            without an explanation, or several right answers on a
            multiple-choice question.
    """

    def __init__(self, prompt: str, *choices: Choice, multiple: bool = False) -> None:
        right = sum(choice.correct for choice in choices)
        problem = None
        if len(choices) < 2 or len(choices) > len(_LETTERS):
            problem = f"needs 2 to {len(_LETTERS)} choices, has {len(choices)}"
        elif right == 0:
            problem = "has no right answer; mark one with correct=True"
        elif right > 1 and not multiple:
            problem = (
                f"has {right} right answers; pass multiple=True for a multiple-answer question"
            )
        elif any(not choice.why for choice in choices):
            problem = "has a choice without an explanation (why=...); every choice explains itself"
        if problem:
            raise CourseError(f"question {prompt!r} {problem}")
        self.prompt = prompt
        self.choices: tuple[Choice, ...] = choices
        self.multiple = multiple

    @property
    def answer(self) -> tuple[int, ...]:
        """Indexes of the right choices."""
        return tuple(i for i, choice in enumerate(self.choices) if choice.correct)

    def check(self, selected: Iterable[int]) -> Feedback:
        """Return the feedback for choosing the choices at ``selected`` (0-based).

        Raises:
            CourseError: When an index is out of range.
        """
        chosen = sorted(set(selected))
        if any(not 0 <= i < len(self.choices) for i in chosen):
            raise CourseError(f"choices are 0 to {len(self.choices) - 1}; got {chosen}")
        if not chosen:
            return Feedback(False, "Choose an answer first, then press Check.")
        correct = tuple(chosen) == self.answer
        if correct:
            verdict = "Correct."
        elif self.multiple:
            hits = len(set(chosen) & set(self.answer))
            verdict = (
                f"Not quite: {hits} of your {len(chosen)} choices are right, and "
                f"{len(self.answer)} answers are right in all. Try again."
            )
        else:
            verdict = "Not quite. Try again."
        lines = [verdict]
        lines += [f"{_LETTERS[i]}. {self.choices[i].why}" for i in chosen]
        return Feedback(correct, "\n".join(lines))

    def text(self, number: int) -> str:
        """Return the question as plain text, its answer last."""
        kind = "choose all that apply" if self.multiple else "choose one"
        lines = [f"{number}. {self.prompt} ({kind})"]
        lines += [f"   {_LETTERS[i]}. {choice.text}" for i, choice in enumerate(self.choices)]
        right = ", ".join(_LETTERS[i] for i in self.answer)
        lines.append(f"   Answer: {right}.")
        lines += [f"   {_LETTERS[i]}: {choice.why}" for i, choice in enumerate(self.choices)]
        return "\n".join(lines)

    def html(self, number: int) -> str:
        """Return the question as HTML, the answer folded in a ``<details>`` block."""
        kind = "choose all that apply" if self.multiple else "choose one"
        items = "".join(f"<li>{html.escape(choice.text)}</li>" for choice in self.choices)
        right = ", ".join(_LETTERS[i] for i in self.answer)
        reasons = "".join(
            f"<li><b>{_LETTERS[i]}</b>: {html.escape(choice.why)}</li>"
            for i, choice in enumerate(self.choices)
        )
        return (
            f"<p><b>{number}. {html.escape(self.prompt)}</b> <i>({kind})</i></p>"
            f'<ol type="A">{items}</ol>'
            f"<details><summary>Show the answer</summary><p>Answer: {right}.</p>"
            f"<ul>{reasons}</ul></details>"
        )


class Quiz:
    """Questions shown together, with a Check button each.

    Args:
        *questions: The questions, in order.
        title: The heading shown above them.
    """

    def __init__(self, *questions: Question, title: str = "Check your understanding") -> None:
        if not questions:
            raise CourseError("a quiz needs at least one question")
        self.questions: tuple[Question, ...] = questions
        self.title = title
        self._widget: Any = None

    def text(self) -> str:
        """Return the quiz as plain text (the fallback where widgets do not render)."""
        parts = [self.title] + [q.text(n) for n, q in enumerate(self.questions, start=1)]
        return "\n\n".join(parts)

    def html(self) -> str:
        """Return the quiz as static HTML (the fallback in nbconvert HTML and on GitHub)."""
        body = "".join(q.html(n) for n, q in enumerate(self.questions, start=1))
        return f"<div class='mlcicd-quiz'><h4>{html.escape(self.title)}</h4>{body}</div>"

    @property
    def widget(self) -> Any:
        """The ipywidgets view (built on first use)."""
        if self._widget is None:
            self._widget = _build_widget(self)
        return self._widget

    def answer(self, number: int, selected: Sequence[int]) -> str:
        """Select answers in the widget of question ``number`` (1-based), press Check.

        What a learner does with the mouse; returns the feedback text shown.
        """
        block = self.widget.children[number]
        choices, button, feedback = block.children[1], block.children[2], block.children[3]
        if self.questions[number - 1].multiple:
            for i, box in enumerate(choices.children):
                box.value = i in selected
        else:
            choices.index = selected[0] if selected else None
        button.click()
        return str(feedback.value_text)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = {"text/plain": self.text(), "text/html": self.html()}
        try:
            bundle.update(self.widget._repr_mimebundle_(**kwargs))
        except Exception:  # no widget support here: the static fallback stands alone
            return bundle
        bundle["text/plain"] = self.text()
        return bundle


def _build_widget(quiz: Quiz) -> Any:
    try:
        import ipywidgets as widgets
    except ImportError:  # pragma: no cover - ipywidgets is a course dependency
        raise CourseError(
            "quizzes need ipywidgets: install the course with `make lab` "
            "(or `pip install ipywidgets`)"
        ) from None

    blocks = [widgets.HTML(f"<h4>{html.escape(quiz.title)}</h4>")]
    for number, question in enumerate(quiz.questions, start=1):
        blocks.append(_question_widget(widgets, number, question))
    return widgets.VBox(blocks)


def _question_widget(widgets: Any, number: int, question: Question) -> Any:
    labels = [f"{_LETTERS[i]}. {c.text}" for i, c in enumerate(question.choices)]
    layout = widgets.Layout(width="auto")
    if question.multiple:
        choices = widgets.VBox(
            [widgets.Checkbox(value=False, description=label, indent=False) for label in labels]
        )
    else:
        choices = widgets.RadioButtons(options=labels, value=None, layout=layout)
    kind = "choose all that apply" if question.multiple else "choose one"
    prompt = widgets.HTML(f"<b>{number}. {html.escape(question.prompt)}</b> <i>({kind})</i>")
    button = widgets.Button(description="Check", button_style="primary")
    feedback = widgets.HTML("")
    feedback.value_text = ""

    def selected() -> list[int]:
        if question.multiple:
            return [i for i, box in enumerate(choices.children) if box.value]
        return [] if choices.index is None else [choices.index]

    def on_click(_: Any) -> None:
        result = question.check(selected())
        feedback.value_text = result.text
        colour = "#1b7f3b" if result.correct else "#b3261e"
        lines = result.text.splitlines()
        rest = "".join(f"<br>{html.escape(line)}" for line in lines[1:])
        feedback.value = (
            f"<div class='mlcicd-feedback' style='color:{colour}'>"
            f"<b>{html.escape(lines[0])}</b>{rest}</div>"
        )

    button.on_click(on_click)
    return widgets.VBox([prompt, choices, button, feedback])
