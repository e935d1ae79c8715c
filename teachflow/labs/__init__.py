"""The labs' checker: students call it at the end of each lab notebook.

    >>> from teachflow import labs
    >>> lab = labs.lab("01")
    >>> lab.check("value_of_f", None).status
    'unanswered'
    >>> labs.check("01", "value_of_f", 41).status       # a wrong answer earns a hint
    'wrong'

``lab(number)`` gives a `Lab` (``check``, ``hint``, ``progress``; it renders as a table of its
exercises); ``check`` and ``hint`` here are shortcuts taking the lab number first. A result is
a `CheckResult`: a green, red or grey box in Jupyter, plain text elsewhere, truthy when right.

There is deliberately no ``solution()``: hints go from vague to "here is how to find it",
and the explanation of an answer appears once it is found. Reference answers live in the
tests (``tests/labs/``), where they also prove every exercise can be solved.

Lab ``NN`` is defined in the module ``teachflow.labs.labNN`` as ``LAB = Lab("NN", ...)``;
adding a lab is adding that module (no registry to edit).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.feedback import CheckResult, HintCard
from teachflow.labs.verifiers import (
    Choice,
    DeviceName,
    Inspect,
    SameSet,
    Text,
    Value,
    Verdict,
)

__all__ = [
    "lab",
    "check",
    "hint",
    "available",
    "Lab",
    "Exercise",
    "CheckResult",
    "HintCard",
    "Verdict",
    "Value",
    "Choice",
    "Text",
    "DeviceName",
    "SameSet",
    "Inspect",
]

_LOADED: dict[str, Lab] = {}
_MODULE = re.compile(r"lab(\d\d)$")


def _number(number) -> str:
    return f"{number:02d}" if isinstance(number, int) else str(number).zfill(2)


def available() -> list[str]:
    """The numbers of the labs that have exercises, in teaching order."""
    found = (_MODULE.match(m.name) for m in pkgutil.iter_modules(__path__))
    return sorted(m.group(1) for m in found if m)


def lab(number) -> Lab:
    """Lab ``number`` ("02" or 2), the same object for the whole kernel (it keeps attempts)."""
    key = _number(number)
    if key not in _LOADED:
        if key not in available():
            raise KeyError(f"there is no lab {key}; the labs are {', '.join(available())}")
        _LOADED[key] = importlib.import_module(f"{__name__}.lab{key}").LAB
    return _LOADED[key]


def check(number, exercise_id: str, answer) -> CheckResult:
    """Check ``answer`` to exercise ``exercise_id`` of lab ``number``; never raises for an
    answer (wrong ones get feedback and a hint), only for an unknown lab or exercise."""
    return lab(number).check(exercise_id, answer)


def hint(number, exercise_id: str) -> HintCard:
    """The next hint for exercise ``exercise_id`` of lab ``number``."""
    return lab(number).hint(exercise_id)
