"""The training loop of an example with one client: one graph, one session, one batch a step.

In-graph replication and model parallelism differ in *where* the graph puts its ops, not
in how the client drives it: initialize, feed ``steps`` batches to the train op, then
measure accuracy on the held-out test set. `train_one_client` is that loop.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

import teachflow as tf
from teachflow.examples.datasets import one_batch
from teachflow.examples.results import TrainingResult

__all__ = ["ClientGraph", "train_one_client"]


class ClientGraph(NamedTuple):
    """The tensors and ops of the client's graph that the loop runs and feeds."""

    graph: object
    x: object
    y: object
    init: object
    train_op: object
    loss: object
    global_step: object
    accuracy: object


def train_one_client(
    name, g: ClientGraph, target, config, container, data, *, batch_size, steps, seed, details
) -> TrainingResult:
    """Run ``g.init``, then ``steps`` steps of ``g.train_op`` on batches of ``batch_size``
    drawn from ``data``; return a `TrainingResult` with the test accuracy and ``details``.

    ``seconds`` times the training steps only. The resource container is reset at the end,
    so the variables the run left on the servers are freed even when a step fails."""
    rng = np.random.default_rng(seed)
    history = []
    try:
        with tf.Session(target, graph=g.graph, config=config) as sess:
            sess.run(g.init)
            start = time.perf_counter()
            for _ in range(steps):
                xb, yb = one_batch(data, batch_size, rng)
                _, loss_value, step = sess.run(
                    [g.train_op, g.loss, g.global_step], {g.x: xb, g.y: yb}
                )
                history.append((int(step), float(loss_value)))
            seconds = time.perf_counter() - start
            acc = sess.run(g.accuracy, {g.x: data.x_test, g.y: data.y_test})
            step = int(sess.run(g.global_step))
    finally:
        tf.Session.reset(target, [container])
    return TrainingResult(name, float(acc), history, step, seconds, details)
