"""What a check tells a student: a `CheckResult` (or a `HintCard`), shown as a coloured box.

In Jupyter a result renders as a small box — green when the answer is right, red with a
hint when it is not, grey while the exercise is still unanswered — and as plain text
everywhere else (a terminal, a doctest, a log). ``bool(result)`` says whether it passed.

    >>> r = CheckResult("02", "placement_of_c", CORRECT, explanation="It ran on GPU:1.")
    >>> bool(r)
    True
    >>> print(r)
    [lab 02 · placement_of_c] correct! It ran on GPU:1.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

__all__ = ["CORRECT", "WRONG", "UNANSWERED", "CheckResult", "HintCard"]

CORRECT = "correct"
WRONG = "wrong"
UNANSWERED = "unanswered"

# (border, background, heading) per status: green, red and a neutral grey, as the issue asks.
_STYLE = {
    CORRECT: ("#2e7d32", "#e8f5e9", "Correct!"),
    WRONG: ("#c62828", "#ffebee", "Not yet."),
    UNANSWERED: ("#757575", "#f5f5f5", "Not answered yet."),
    "hint": ("#1565c0", "#e3f2fd", "Hint"),
}
_PLAIN_HEADING = {CORRECT: "correct!", WRONG: "not yet.", UNANSWERED: "not answered yet."}


def _html_text(text: str) -> str:
    """Escape ``text`` and turn `backticks` into <code>, so feedback can name code."""
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


def _box(status: str, title: str, lines: list[str]) -> str:
    border, background, heading = _STYLE[status]
    body = "".join(
        f'<div style="margin-top:4px">{_html_text(line)}</div>' for line in lines if line
    )
    return (
        f'<div class="teachflow-lab-{status}" style="border:1px solid {border};'
        f"border-left:6px solid {border};background:{background};color:#212121;"
        'padding:6px 10px;margin:4px 0;border-radius:4px;font-family:sans-serif;font-size:14px">'
        f'<b style="color:{border}">{heading}</b> '
        f'<span style="color:#616161">{html.escape(title)}</span>{body}</div>'
    )


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one ``check``: status, feedback on this answer, and the hint it earned.

    Attributes:
      lab, exercise: which exercise was checked ("02", "placement_of_c").
      status: ``"correct"``, ``"wrong"`` or ``"unanswered"``.
      feedback: what is wrong with this particular answer (never the answer itself).
      hint: the hint this wrong attempt unlocked, ``hint_number`` of ``hint_count``.
      explanation: why the right answer is right, shown once it is found.
    """

    lab: str
    exercise: str
    status: str
    feedback: str = ""
    hint: str = ""
    hint_number: int = 0
    hint_count: int = 0
    explanation: str = ""

    @property
    def passed(self) -> bool:
        return self.status == CORRECT

    def __bool__(self) -> bool:
        return self.passed

    @property
    def title(self) -> str:
        return f"lab {self.lab} · {self.exercise}"

    def _lines(self) -> list[str]:
        lines = [self.feedback]
        if self.hint:
            lines.append(f"Hint {self.hint_number} of {self.hint_count}: {self.hint}")
        if self.status == WRONG and self.hint_count:
            more = self.hint_number < self.hint_count
            ask = f'labs.hint("{self.lab}", "{self.exercise}")'
            lines.append(f"Try again, or ask for the next hint: `{ask}`." if more else "Try again.")
        lines.append(self.explanation)
        return [line for line in lines if line]

    def __str__(self) -> str:
        return " ".join([f"[{self.title}] {_PLAIN_HEADING[self.status]}", *self._lines()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return _box(self.status, self.title, self._lines())


@dataclass(frozen=True)
class HintCard:
    """A hint asked for with ``labs.hint(...)``: hint ``number`` of ``count``.

    >>> print(HintCard("01", "value_of_f", "Run the graph.", 1, 2))
    [lab 01 · value_of_f] hint 1 of 2: Run the graph.
    """

    lab: str
    exercise: str
    text: str
    number: int
    count: int

    @property
    def title(self) -> str:
        return f"lab {self.lab} · {self.exercise}"

    def _lines(self) -> list[str]:
        last = self.number >= self.count
        suffix = " (that was the last hint)" if last and self.count > 1 else ""
        return [f"{self.number} of {self.count}{suffix}: {self.text}"]

    def __str__(self) -> str:
        return f"[{self.title}] hint {self._lines()[0]}"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        return _box("hint", self.title, self._lines())
