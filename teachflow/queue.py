"""``tf.queue``: the queue classes under their ``tf.queue.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.queue.FIFOQueue is tf.FIFOQueue
True
"""

from teachflow.ops.data_flow_ops import (
    FIFOQueue,
    PaddingFIFOQueue,
    PriorityQueue,
    QueueBase,
    RandomShuffleQueue,
)

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "QueueBase", "RandomShuffleQueue"]
