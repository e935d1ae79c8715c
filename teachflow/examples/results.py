"""What a training example returns: `TrainingResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TrainingResult"]


@dataclass
class TrainingResult:
    """How a run went.

    ``accuracy``: on the held-out test set, after training. ``history``: the training loss
    after each step of the client that ran it (``[(global_step, loss), ...]``; with several
    workers, all of them, merged in step order). ``global_step``: updates made to the
    parameters. ``seconds``: wall time of the training loop. ``details``: what else the
    example measured (worker steps, placement of layers, ...).
    """

    name: str
    accuracy: float
    history: list = field(default_factory=list)
    global_step: int = 0
    seconds: float = 0.0
    details: dict = field(default_factory=dict)

    @property
    def final_loss(self) -> float:
        return float(self.history[-1][1]) if self.history else float("nan")

    def __str__(self):
        return (
            f"{self.name}: test accuracy {self.accuracy:.1%} after {self.global_step} updates "
            f"in {self.seconds:.2f} s (final loss {self.final_loss:.3f})"
        )
