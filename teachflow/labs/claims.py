"""What a lab claims, as numbers: a `Claim` is one sentence of a lesson with the figure that
proves it, computed in the notebook from the run the student just made.

A lab that says "two GPUs work at the same time" must be right on every laptop, busy or not.
So each such sentence is stated with a measured value and a bound ("step <= 0.6x one GPU"),
and the lab's tests assert every claim while the machine is kept busy. Claims about hardware
are measured in virtual time (`teachflow.sim.virtual_timeline`), which no load can change;
claims about training are means over several seeds.

    >>> c = Claim("two GPUs: step / one GPU's step (virtual time)", 0.52, "<=", 0.6)
    >>> c.holds
    True
    >>> print(c)
    ✓ two GPUs: step / one GPU's step (virtual time): 0.52 (<= 0.6)
    >>> claims = Claims([c])
    >>> claims.all_hold
    True
"""

from __future__ import annotations

import html
import operator
from dataclasses import dataclass

__all__ = ["Claim", "Claims"]

_RELATIONS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


def _figure(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


@dataclass(frozen=True, slots=True)
class Claim:
    """One sentence of a lesson and its evidence: ``measured`` ``relation`` ``bound``.

    ``relation`` is ``"<="``, ``">="`` or ``"=="``; ``unit`` is shown after the figures.
    """

    statement: str
    measured: float | int | bool
    relation: str
    bound: float | int | bool
    unit: str = ""

    def __post_init__(self):
        if self.relation not in _RELATIONS:
            raise ValueError(f"relation must be one of {sorted(_RELATIONS)}, not {self.relation!r}")

    @property
    def holds(self) -> bool:
        """Whether the measured figure is within the bound."""
        return bool(_RELATIONS[self.relation](self.measured, self.bound))

    def __str__(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        mark = "✓" if self.holds else "✗"
        return (
            f"{mark} {self.statement}: {_figure(self.measured)}{unit} "
            f"({self.relation} {_figure(self.bound)}{unit})"
        )


class Claims(list):
    """A lab's claims: a list of `Claim` that prints as one line each (a table in Jupyter).

    ``all_hold`` says whether every claim held; ``failing()`` lists those that did not.
    """

    @property
    def all_hold(self) -> bool:
        return all(c.holds for c in self)

    def failing(self) -> list[Claim]:
        return [c for c in self if not c.holds]

    def __str__(self) -> str:
        return "\n".join(str(c) for c in self)

    def __repr__(self) -> str:
        return (
            f"Claims({len(self)} claim{'' if len(self) == 1 else 's'}, all hold: {self.all_hold})"
        )

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr>"
            f'<td style="color:{"#2e7d32" if c.holds else "#c62828"}">'
            f"{'✓' if c.holds else '✗'}</td>"
            f"<td style='text-align:left'>{html.escape(c.statement)}</td>"
            f"<td>{html.escape(_figure(c.measured))} {html.escape(c.unit)}</td>"
            f"<td>{html.escape(c.relation)} {html.escape(_figure(c.bound))} "
            f"{html.escape(c.unit)}</td></tr>"
            for c in self
        )
        return (
            "<table><thead><tr><th></th><th style='text-align:left'>claim</th>"
            f"<th>measured</th><th>bound</th></tr></thead><tbody>{rows}</tbody></table>"
        )
