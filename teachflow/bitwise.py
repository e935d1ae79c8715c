"""``tf.bitwise``: bit operations on integer tensors (re-exports).

>>> import teachflow as tf
>>> tf.bitwise.invert(tf.constant(0, tf.uint8)).op.type
'Invert'
"""

from teachflow.ops.bitwise_ops import (
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    invert,
    left_shift,
    right_shift,
)

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]
