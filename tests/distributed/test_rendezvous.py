"""The rendezvous' records of ended and aborted steps stay bounded."""

from __future__ import annotations

import pytest

import teachflow as tf
from teachflow.distributed import rendezvous
from teachflow.distributed.rendezvous import Rendezvous


def test_aborted_steps_that_never_run_here_are_bounded():
    # A RunGraph with an unknown graph handle aborts a step that never runs on this task.
    r = Rendezvous()
    for step in range(rendezvous._FINISHED_KEPT + 100):
        r.abort(step)
    assert len(r._aborted) == rendezvous._FINISHED_KEPT
    with pytest.raises(tf.errors.AbortedError):  # the newest are still known
        r.recv(rendezvous._FINISHED_KEPT + 99, "k", timeout=0.1)


def test_a_cleaned_up_step_has_ended():
    r = Rendezvous()
    assert not r.ended(7)
    r.cleanup(7)
    assert r.ended(7)
