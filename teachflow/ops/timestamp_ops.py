"""``tf.timestamp``: the time when the op runs, in seconds since the epoch (a float64
scalar), for timing parts of a step from inside the graph.

    >>> import teachflow as tf
    >>> start = tf.timestamp()
    >>> with tf.Session() as sess:
    ...     bool(sess.run(start) > 1.6e9)
    True
"""

from __future__ import annotations

import time

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import fixed

__all__ = ["timestamp"]

# Stateful (never folded or cached): each run reads the clock again. No gradient, as TF's.
registry.register(
    "Timestamp",
    fixed((dtypes.float64, [])),
    kernels={"CPU": lambda op, device: lambda: np.float64(time.time())},
    stateful=True,
    not_differentiable=True,
)


def timestamp(name=None):
    return get_default_graph().create_op("Timestamp", [], {}, name=name or "Timestamp").outputs[0]
