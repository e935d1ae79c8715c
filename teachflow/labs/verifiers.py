"""Verifiers: how an exercise decides whether an answer is right, and what to say if not.

A verifier is any callable ``answer -> Verdict``. The kinds the labs use:

- `Value`: a number or an array, compared with a tolerance (also says when a ``Tensor``
  was passed instead of its value, or the shape is off);
- `Choice`: one letter of a multiple-choice question;
- `Text`: a word or a name (an op type, a node name), compared after trimming;
- `DeviceName`: a device string, short forms accepted (``"/gpu:1"``);
- `SameSet`: a collection of names whose order does not matter;
- `Inspect`: a function that inspects whatever the student built — a graph, a session,
  a device function, a run's metadata — and returns ``None`` when it is right or a
  sentence saying what is wrong.

Each takes ``mistakes``: known wrong answers with feedback aimed at that misconception.

    >>> Value(3.0)(3.0000001).ok
    True
    >>> print(Value(3.0, mistakes={1.0: "That is `a` itself."})(1.0).feedback)
    That is `a` itself.
    >>> Choice("b", options="abc")("B").ok
    True
    >>> DeviceName("/job:localhost/replica:0/task:0/device:GPU:1")("/gpu:1").ok
    True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from teachflow.framework.device_spec import DeviceSpec

__all__ = [
    "Verdict",
    "Value",
    "Choice",
    "Text",
    "DeviceName",
    "SameSet",
    "Inspect",
]


@dataclass(frozen=True)
class Verdict:
    """``ok`` and, when not ok, ``feedback`` about this answer (never the right answer)."""

    ok: bool
    feedback: str = ""

    @classmethod
    def right(cls) -> Verdict:
        return cls(True)

    @classmethod
    def wrong(cls, feedback: str = "") -> Verdict:
        return cls(False, feedback)


def _is_graph_object(answer) -> bool:
    # A Tensor, Operation or Variable is a *symbol* in the graph, not a value: the most
    # common mistake of a first TF1 session is to print or return one instead of running it.
    return hasattr(answer, "graph") and (hasattr(answer, "op") or hasattr(answer, "node_def"))


_SYMBOL_FEEDBACK = (
    "That is a graph object (a `Tensor` or an `Operation`), not a value: it only describes a "
    "computation. Run it with `sess.run(...)` and check the value that comes back."
)


def _lookup_mistake(mistakes, answer, same) -> str:
    for wrong, feedback in mistakes:
        try:
            if same(wrong, answer):
                return feedback
        except (TypeError, ValueError):
            continue
    return ""


def _items(mistakes) -> list:
    if mistakes is None:
        return []
    return list(mistakes.items()) if isinstance(mistakes, dict) else list(mistakes)


class Value:
    """A numeric answer (a scalar or an array) equal to ``expected`` within a tolerance.

    Args:
      expected: the right value (anything ``np.asarray`` accepts).
      rtol, atol: tolerances as in ``np.allclose``.
      dtype: if given, the answer must also have this numpy dtype (for questions about
        dtypes, e.g. "what does ``x / y`` give for int32 tensors?").
      mistakes: ``{wrong_value: feedback}`` (or pairs) for known misconceptions.
    """

    def __init__(self, expected, *, rtol=1e-5, atol=1e-8, dtype=None, mistakes=None):
        self.expected = np.asarray(expected)
        self.rtol, self.atol = rtol, atol
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.mistakes = _items(mistakes)

    def _close(self, a, b) -> bool:
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=self.rtol, atol=self.atol))

    def __call__(self, answer) -> Verdict:
        if _is_graph_object(answer):
            return Verdict.wrong(_SYMBOL_FEEDBACK)
        try:
            value = np.asarray(answer)
            numeric = value.dtype.kind in "biufc"
        except (TypeError, ValueError):
            numeric = False
        if not numeric:
            return Verdict.wrong(f"Expected a number (or an array of numbers), got {answer!r}.")
        if value.shape != self.expected.shape:
            return Verdict.wrong(
                f"Your answer has shape {list(value.shape)}; the value asked for has another shape."
            )
        if not self._close(value, self.expected):
            return Verdict.wrong(_lookup_mistake(self.mistakes, value, self._close))
        if self.dtype is not None and value.dtype != self.dtype:
            return Verdict.wrong(
                f"The numbers are right, but a {value.dtype} value is not what TensorFlow gives here: "
                "check the dtype of the result."
            )
        return Verdict.right()


class Choice:
    """One option (a letter) of a multiple-choice question, case-insensitive.

    ``mistakes`` maps a wrong option to why it is wrong.
    """

    def __init__(self, correct: str, *, options: str = "abcd", mistakes=None):
        self.correct = correct.lower()
        self.options = options.lower()
        self.mistakes = {k.lower(): v for k, v in _items(mistakes)}

    def __call__(self, answer) -> Verdict:
        given = answer.strip().lower() if isinstance(answer, str) else None
        if given is None or len(given) != 1 or given not in self.options:
            letters = ", ".join(f'"{o}"' for o in self.options)
            return Verdict.wrong(f"Answer with one of {letters} (a string), got {answer!r}.")
        if given == self.correct:
            return Verdict.right()
        return Verdict.wrong(self.mistakes.get(given, ""))


class Text:
    """A short text answer (an op type, a node name, a job name), compared after trimming.

    ``case_sensitive=False`` also ignores case. ``accept`` lists other spellings that count.
    """

    def __init__(self, expected: str, *, case_sensitive=True, accept=(), mistakes=None):
        self.case_sensitive = case_sensitive
        self.accepted = {self._norm(e) for e in (expected, *accept)}
        self.mistakes = [(self._norm(k), v) for k, v in _items(mistakes)]

    def _norm(self, s: str) -> str:
        s = s.strip()
        return s if self.case_sensitive else s.lower()

    def __call__(self, answer) -> Verdict:
        if _is_graph_object(answer):
            return Verdict.wrong(
                "That is a graph object; the question asks for a name (a string), e.g. `op.name`."
            )
        if not isinstance(answer, str):
            return Verdict.wrong(f"Expected a string, got {type(answer).__name__}.")
        given = self._norm(answer)
        if given in self.accepted:
            return Verdict.right()
        return Verdict.wrong(_lookup_mistake(self.mistakes, given, str.__eq__))


_LOCAL_TASK = "/job:localhost/replica:0/task:0"


class DeviceName:
    """A device string naming the same device as ``expected``.

    The student may write a short form: parts left out are filled from ``defaults`` (the
    local task unless given), so ``"/gpu:1"`` names ``/job:localhost/replica:0/task:0/device:GPU:1``.
    Answers for devices of a cluster must then name the job and task.
    """

    def __init__(self, expected: str, *, defaults: str = _LOCAL_TASK, mistakes=None):
        self.defaults = defaults
        self.expected = self._full(expected)
        self.mistakes = [(self._full(k), v) for k, v in _items(mistakes)]

    def _full(self, name: str) -> DeviceSpec:
        spec = DeviceSpec.from_string(self.defaults)
        spec.merge_from(DeviceSpec.from_string(name))
        return spec

    def __call__(self, answer) -> Verdict:
        if not isinstance(answer, str):
            return Verdict.wrong(
                f'Expected a device name such as "/job:worker/task:0/device:CPU:0", got {answer!r}.'
            )
        try:
            given = self._full(answer)
        except ValueError as e:
            return Verdict.wrong(f"That is not a device name TensorFlow can read: {e}")
        if given.device_type is None or given.device_index is None:
            return Verdict.wrong('Name one device: its type and index, e.g. "/device:CPU:0".')
        if given == self.expected:
            return Verdict.right()
        feedback = _lookup_mistake(self.mistakes, given, DeviceSpec.__eq__)
        if not feedback and (given.job, given.task) != (self.expected.job, self.expected.task):
            feedback = "Check the job and the task as well as the device."
        return Verdict.wrong(feedback)


class SameSet:
    """A collection of names (or numbers) equal to ``expected`` as a set.

    Feedback says how many are missing or extra, never which.
    """

    def __init__(self, expected: Iterable, *, what: str = "names"):
        self.expected = set(expected)
        self.what = what

    def __call__(self, answer) -> Verdict:
        if isinstance(answer, str) or not isinstance(answer, Iterable):
            return Verdict.wrong(f"Expected a list of {self.what}, got {answer!r}.")
        given = {getattr(a, "name", a) for a in answer}
        missing, extra = len(self.expected - given), len(given - self.expected)
        if not missing and not extra:
            return Verdict.right()
        parts = []
        if missing:
            parts.append(f"{missing} {'is' if missing == 1 else 'are'} missing")
        if extra:
            parts.append(f"{extra} should not be there")
        return Verdict.wrong(f"Of the {self.what} asked for, {' and '.join(parts)}.")


class Inspect:
    """Verify by inspecting what the student built: ``fn(answer)`` returns ``None`` (or
    ``True``) when it is right, and a sentence saying what is wrong otherwise (``False``
    for no particular feedback). ``fn`` may also return a `Verdict`.

    If ``fn`` raises, the answer is wrong and the feedback names the error: a student who
    passes a session where a graph was expected learns that, and the notebook goes on.

        >>> is_even = Inspect(lambda n: None if n % 2 == 0 else "That number is odd.")
        >>> is_even(4).ok, is_even(3).feedback
        (True, 'That number is odd.')
    """

    def __init__(self, fn: Callable, *, expects: str = "your answer"):
        self.fn = fn
        self.expects = expects

    def __call__(self, answer) -> Verdict:
        try:
            outcome = self.fn(answer)
        except Exception as e:  # noqa: BLE001 - any failure of a student's object is feedback
            return Verdict.wrong(
                f"Checking {self.expects} failed with {type(e).__name__}: {e}".rstrip(": ")
            )
        if isinstance(outcome, Verdict):
            return outcome
        if outcome is None or outcome is True:
            return Verdict.right()
        return Verdict.wrong("" if outcome is False else str(outcome))
