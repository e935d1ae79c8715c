"""``tf.manip``: TF 1.x's home for tensor rearranging ops (re-exports of the top-level ones).

>>> import teachflow as tf
>>> tf.manip.roll is tf.roll, tf.manip.reshape is tf.reshape
(True, True)
"""

from teachflow.ops.gathering import gather_nd, scatter_nd
from teachflow.ops.padding import reverse
from teachflow.ops.reshaping import reshape
from teachflow.ops.roll_ops import roll
from teachflow.ops.space_depth_ops import batch_to_space_nd, space_to_batch_nd
from teachflow.ops.tiling import tile

__all__ = [
    "batch_to_space_nd",
    "gather_nd",
    "reshape",
    "reverse",
    "roll",
    "scatter_nd",
    "space_to_batch_nd",
    "tile",
]
