"""Quizzes: ipywidgets questions with explained feedback, shuffled choices, saved results.

A :class:`Quiz` shown as a cell's last expression renders, in JupyterLab, one
block per question: the choices (radio buttons, or check boxes when several
answers are right), a **Check** button and feedback that explains each chosen
answer. Where widgets are not rendered (nbconvert HTML, GitHub's viewer) the
same output carries HTML, with the answers folded in ``<details>``, and plain
text with no answers at all, so a reader still sees the questions::

    Quiz(
        Question(
            "Which service runs the commands in a buildspec?",
            Choice("AWS CodePipeline", why="CodePipeline orchestrates stages ..."),
            Choice("AWS CodeBuild", correct=True, why="CodeBuild reads buildspec.yml ..."),
            kind="recall",
        ),
    )

**Shuffled, deterministically.** Each question's choices are shown in an order
drawn from a seed and the question's text (:func:`shown_order`), so the same
seed always shows the same order (a rendered site is stable) and the letters of
the feedback are those shown. The seed is ``Quiz(seed=...)``, else the
``MLCICD_QUIZ_SEED`` environment variable (a hub sets it to each learner's name
to shuffle per learner), else :data:`DEFAULT_SEED`.

**Results are saved in the notebook.** A kernel cannot write the notebook's
metadata, but it can update an output it displayed. Below the questions the
quiz displays one line (answered so far) under a ``display_id``; every Check
press updates that output, whose *output metadata* carries
``{"mlcicd": {"quiz": ...}}`` (:meth:`Quiz.metadata`). JupyterLab stores the
update in the notebook model, so saving the notebook saves the results, and
``mlcicd grade`` reports them, ungraded (:mod:`mlcicd.grade.quizzes`).
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mlcicd.exceptions import CourseError

_LETTERS = "ABCDEFGHIJ"
#: What a question asks: to recall a fact taught, or to apply a concept to a new scenario.
KINDS = ("recall", "apply")
#: The environment variable holding the shuffle seed (e.g. the learner's name on a hub).
SEED_ENV = "MLCICD_QUIZ_SEED"
#: The seed when none is given: the rendered site always shows this order.
DEFAULT_SEED = "mlcicd"
#: The key of a quiz's results in its output metadata (``{"mlcicd": {"quiz": ...}}``).
RECORD_KEY = "quiz"


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


def shown_order(seed: str, prompt: str, count: int) -> tuple[int, ...]:
    """Return the order in which to show ``count`` choices of the question ``prompt``.

    A pure function of its arguments (SHA-256, not :mod:`random`, whose output
    may change between Python versions): the same seed shows the same order on
    every machine, and each question gets its own order.
    """

    def key(index: int) -> bytes:
        return hashlib.sha256(f"{seed}\x1f{prompt}\x1f{index}".encode()).digest()

    return tuple(sorted(range(count), key=key))


def quiz_seed(seed: str | int | None = None) -> str:
    """Return the shuffle seed: ``seed``, else ``$MLCICD_QUIZ_SEED``, else :data:`DEFAULT_SEED`."""
    if seed is not None:
        return str(seed)
    return os.environ.get(SEED_ENV, "").strip() or DEFAULT_SEED


class Question:
    """A multiple-choice (one right answer) or multiple-answer question.

    Args:
        prompt: The question.
        *choices: Its answers, in the authored order (shown shuffled, see :class:`Quiz`).
        multiple: True when several answers may be right (check boxes).
        kind: ``"recall"`` (a fact the lesson states) or ``"apply"`` (a concept
            applied to a scenario the lesson does not show).

    Raises:
        CourseError: With fewer than two choices, no right answer, a choice
            without an explanation, several right answers on a multiple-choice
            question, or an unknown kind.
    """

    def __init__(
        self, prompt: str, *choices: Choice, multiple: bool = False, kind: str = "recall"
    ) -> None:
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
        elif kind not in KINDS:
            problem = f"has kind={kind!r}; use one of {', '.join(KINDS)}"
        if problem:
            raise CourseError(f"question {prompt!r} {problem}")
        self.prompt = prompt
        self.choices: tuple[Choice, ...] = choices
        self.multiple = multiple
        self.kind = kind

    @property
    def id(self) -> str:
        """A stable identifier: a hash of the prompt (the same in every lesson and order)."""
        return "q-" + hashlib.sha256(self.prompt.encode()).hexdigest()[:10]

    @property
    def answer(self) -> tuple[int, ...]:
        """Indexes of the right choices."""
        return tuple(i for i, choice in enumerate(self.choices) if choice.correct)

    def shuffled(self, seed: str) -> Question:
        """Return this question with its choices in the order :func:`shown_order` gives."""
        order = shown_order(seed, self.prompt, len(self.choices))
        choices = (self.choices[i] for i in order)
        return Question(self.prompt, *choices, multiple=self.multiple, kind=self.kind)

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
        """Return the question as plain text, without its answer.

        Plain text has no way to fold the answer away, so it never holds it (nor
        the explanations, which name it): a reader answers in JupyterLab, or
        unfolds it in the HTML view.
        """
        kind = "choose all that apply" if self.multiple else "choose one"
        lines = [f"{number}. {self.prompt} ({kind})"]
        lines += [f"   {_LETTERS[i]}. {choice.text}" for i, choice in enumerate(self.choices)]
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
        *questions: The questions, in order (each one's choices as authored).
        title: The heading shown above them.
        seed: The shuffle seed (see :func:`quiz_seed`).

    Attributes:
        authored: The questions as written.
        questions: The questions as shown: the same, each one's choices shuffled.
        seed: The seed used.
    """

    def __init__(
        self,
        *questions: Question,
        title: str = "Check your understanding",
        seed: str | int | None = None,
    ) -> None:
        if not questions:
            raise CourseError("a quiz needs at least one question")
        self.seed = quiz_seed(seed)
        self.authored: tuple[Question, ...] = questions
        self.questions: tuple[Question, ...] = tuple(q.shuffled(self.seed) for q in questions)
        self.title = title
        self._widget: Any = None
        self._results: dict[int, dict[str, Any]] = {}
        self._handle: Any = None

    def text(self) -> str:
        """Return the quiz as plain text (the fallback where widgets do not render)."""
        parts = [self.title] + [q.text(n) for n, q in enumerate(self.questions, start=1)]
        parts.append("(Check your choices in JupyterLab; the HTML view folds the answers away.)")
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

        What a learner does with the mouse; ``selected`` are positions as shown.
        Returns the feedback text shown.
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

    def checked(self, number: int, selected: Sequence[int], feedback: Feedback) -> None:
        """Record a Check press on question ``number`` and update the saved results.

        A press with nothing chosen is no answer and is not recorded.
        """
        if not selected:
            return
        question = self.questions[number - 1]
        earlier = self._results.get(number, {})
        self._results[number] = {
            "id": question.id,
            "number": number,
            "prompt": question.prompt,
            "kind": question.kind,
            "chosen": "".join(_LETTERS[i] for i in sorted(set(selected))),
            "correct": feedback.correct,
            "checks": int(earlier.get("checks", 0)) + 1,
        }
        if self._handle is not None:
            self._handle.update(self._summary(), raw=True, metadata=self.metadata())

    def metadata(self) -> dict[str, Any]:
        """Return the output metadata that saves the results: ``{"mlcicd": {"quiz": ...}}``.

        ``answers`` holds, per question checked, its last Check: the letters
        chosen (as shown), whether that was right, and how many times Check was pressed.
        """
        record = {
            "version": 1,
            "title": self.title,
            "seed": self.seed,
            "questions": len(self.questions),
            "answers": [self._results[n] for n in sorted(self._results)],
        }
        return {"mlcicd": {RECORD_KEY: record}}

    def _summary(self) -> dict[str, str]:
        right = sum(r["correct"] for r in self._results.values())
        line = (
            f"Quiz: {len(self._results)} of {len(self.questions)} question(s) checked, "
            f"{right} right at the last check. Saving the notebook saves these results."
        )
        return {
            "text/plain": line,
            "text/html": f"<p class='mlcicd-quiz-results'><i>{html.escape(line)}</i></p>",
        }

    def _ipython_display_(self) -> None:
        # The questions, then the results line under a display_id: each Check updates
        # that output's metadata, which the saved notebook keeps (see the module doc).
        from IPython.display import display

        display(self._repr_mimebundle_(), raw=True)
        self._handle = display(self._summary(), raw=True, metadata=self.metadata(), display_id=True)

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
        blocks.append(_question_widget(widgets, quiz, number, question))
    return widgets.VBox(blocks)


def _question_widget(widgets: Any, quiz: Quiz, number: int, question: Question) -> Any:
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
        chosen = selected()
        result = question.check(chosen)
        feedback.value_text = result.text
        colour = "#1b7f3b" if result.correct else "#b3261e"
        lines = result.text.splitlines()
        rest = "".join(f"<br>{html.escape(line)}" for line in lines[1:])
        feedback.value = (
            f"<div class='mlcicd-feedback' style='color:{colour}'>"
            f"<b>{html.escape(lines[0])}</b>{rest}</div>"
        )
        quiz.checked(number, chosen, result)

    button.on_click(on_click)
    return widgets.VBox([prompt, choices, button, feedback])
