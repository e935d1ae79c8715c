"""Exercises and labs: what a lab asks, and what a student has tried so far.

A `Lab` is a numbered list of `Exercise`\\ s. Each exercise has an id, a one-line prompt, a
verifier (see `teachflow.labs.verifiers`), progressive hints and an explanation shown once
the answer is right. A lab remembers, for this kernel, how many hints each exercise has
given, so every wrong attempt (or ``hint()`` call) unlocks the next one.

    >>> from teachflow.labs.verifiers import Value
    >>> lab = Lab("99", "Arithmetic", [
    ...     Exercise("double", "What is 2 * 21?", Value(42), hints=("Multiply.", "2 * 20 + 2.")),
    ... ])
    >>> print(lab.check("double", None))
    [lab 99 · double] not answered yet. Replace `None` with your answer (a number).
    >>> print(lab.check("double", 41))
    [lab 99 · double] not yet. Hint 1 of 2: Multiply. Try again, or ask for the next hint: `labs.hint("99", "double")`.
    >>> lab.check("double", 42).passed
    True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from teachflow.labs.feedback import CORRECT, UNANSWERED, WRONG, CheckResult, HintCard
from teachflow.labs.verifiers import Verdict

__all__ = ["Exercise", "Lab"]


@dataclass(frozen=True)
class Exercise:
    """One question of a lab.

    Args:
      id: a short snake_case name used in ``check`` (``"placement_of_c"``).
      prompt: the question in one line (the notebook states it in full).
      verify: ``answer -> Verdict``.
      hints: progressive hints, vaguest first; the last says how to *find* the answer,
        never what it is.
      explanation: why the right answer is right; shown only once it has been found.
      expects: what kind of answer is wanted, in words ("a number", "a device name").
    """

    id: str
    prompt: str
    verify: Callable[[object], Verdict]
    hints: Sequence[str] = ()
    explanation: str = ""
    expects: str = "a number"


class Lab:
    """A numbered lab: its exercises and this kernel's attempts at them.

    ``check(exercise_id, answer)`` returns a `CheckResult`; ``hint(exercise_id)`` the next
    hint. Unknown exercise ids raise ``KeyError`` listing the valid ones, so a typo in a
    notebook fails loudly instead of checking nothing.
    """

    def __init__(self, number: str, title: str, exercises: Sequence[Exercise]):
        self.number = number
        self.title = title
        self.exercises = {e.id: e for e in exercises}
        if len(self.exercises) != len(exercises):
            raise ValueError(f"lab {number}: two exercises share an id")
        self._hints_shown: dict[str, int] = {}
        self._solved: set[str] = set()
        self._attempts: dict[str, int] = {}

    def exercise(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            known = ", ".join(repr(k) for k in self.exercises)
            raise KeyError(
                f"lab {self.number} has no exercise {exercise_id!r}; its exercises are {known}"
            ) from None

    def check(self, exercise_id: str, answer) -> CheckResult:
        """Check ``answer``; ``None`` means "not answered yet" and is never an attempt."""
        ex = self.exercise(exercise_id)
        if answer is None:
            return CheckResult(
                self.number,
                ex.id,
                UNANSWERED,
                feedback=f"Replace `None` with your answer ({ex.expects}).",
            )
        self._attempts[ex.id] = self._attempts.get(ex.id, 0) + 1
        try:
            verdict = ex.verify(answer)
        except Exception as e:  # noqa: BLE001 - a strange answer is feedback, not a crash
            verdict = Verdict.wrong(f"This answer could not be checked ({type(e).__name__}: {e}).")
        if verdict.ok:
            self._solved.add(ex.id)
            return CheckResult(self.number, ex.id, CORRECT, explanation=ex.explanation)
        text, number = self._next_hint(ex)
        return CheckResult(
            self.number,
            ex.id,
            WRONG,
            feedback=verdict.feedback,
            hint=text,
            hint_number=number,
            hint_count=len(ex.hints),
        )

    def hint(self, exercise_id: str) -> HintCard:
        """The next hint of an exercise (the last one again once all have been given)."""
        ex = self.exercise(exercise_id)
        if not ex.hints:
            return HintCard(self.number, ex.id, "This exercise has no hints.", 0, 0)
        text, number = self._next_hint(ex)
        return HintCard(self.number, ex.id, text, number, len(ex.hints))

    def _next_hint(self, ex: Exercise) -> tuple[str, int]:
        if not ex.hints:
            return "", 0
        shown = min(self._hints_shown.get(ex.id, 0) + 1, len(ex.hints))
        self._hints_shown[ex.id] = shown
        return ex.hints[shown - 1], shown

    def reset(self) -> None:
        """Forget this kernel's attempts and hints (start the lab over)."""
        self._hints_shown.clear()
        self._solved.clear()
        self._attempts.clear()

    def progress(self) -> dict[str, str]:
        """``{exercise_id: "solved" | "tried" | "open"}`` for this kernel."""
        return {
            k: "solved" if k in self._solved else "tried" if k in self._attempts else "open"
            for k in self.exercises
        }

    def __repr__(self) -> str:
        rows = [f"Lab {self.number}: {self.title}"]
        for k, state in self.progress().items():
            rows.append(f"  [{state:^6}] {k}: {self.exercises[k].prompt}")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        colour = {"solved": "#2e7d32", "tried": "#c62828", "open": "#757575"}
        rows = "".join(
            f'<tr><td style="color:{colour[state]};text-align:left"><b>{state}</b></td>'
            f'<td style="text-align:left"><code>{html.escape(k)}</code></td>'
            f'<td style="text-align:left">{html.escape(self.exercises[k].prompt)}</td></tr>'
            for k, state in self.progress().items()
        )
        return (
            f"<div><b>Lab {html.escape(self.number)}: {html.escape(self.title)}</b>"
            f"<table>{rows}</table></div>"
        )
