"""``tf.searchsorted``: where each value would go in a sorted sequence, built as TensorFlow
builds it: both flattened to matrices (one row per sequence), a ``LowerBound`` op
(``side="left"``, the first index whose entry is ``>=`` the value) or ``UpperBound``
(``side="right"``, the first ``>``), and the answer reshaped to the values' shape.

    >>> import teachflow as tf
    >>> seq = tf.constant([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.searchsorted(seq, [[2.0, 5.0], [1.0, 7.0]])).tolist())
    [[1, 3], [0, 3]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host

__all__ = ["searchsorted"]


def _infer_bound(op):
    sequence, values = op.inputs
    if sequence.shape.ndims not in (None, 2) or values.shape.ndims not in (None, 2):
        raise ValueError("Shape must be rank 2")
    return [(op._attrs["out_type"], TensorShape(values.shape))]


def _bound_kernel(side):
    def factory(op, device):
        out_type = op._attrs["out_type"].as_numpy_dtype

        def bound(sorted_inputs, values):
            sorted_inputs, values = np.asarray(to_host(sorted_inputs)), np.asarray(to_host(values))
            if sorted_inputs.shape[0] != values.shape[0]:
                raise invalid("Leading dim_size of both tensors must match.")
            rows = [np.searchsorted(s, v, side=side) for s, v in zip(sorted_inputs, values)]
            out = np.asarray(rows, out_type).reshape(values.shape)
            return device.xp.asarray(out)

        return bound

    return factory


registry.register("LowerBound", _infer_bound, _bound_kernel("left"), not_differentiable=True)
registry.register("UpperBound", _infer_bound, _bound_kernel("right"), not_differentiable=True)


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """For each entry of ``values``, its insertion index in the matching innermost row of
    ``sorted_sequence`` (the leading dimensions of both must agree)."""
    from teachflow.ops.reshaping import reshape
    from teachflow.ops.shape_ops import shape

    # Python lists are converted where each use converts them, as in TensorFlow (so a list
    # becomes several constants: Reshape/tensor, Shape/Const, ...).
    sequence_2d = reshape(sorted_sequence, [-1, shape(sorted_sequence)[-1]])
    values_2d = reshape(values, [-1, shape(values)[-1]])
    if side == "right":
        op_type = "UpperBound"
    elif side == "left":
        op_type = "LowerBound"
    else:
        raise ValueError(
            f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}."
        )
    attrs = {"T": values_2d.dtype.base_dtype, "out_type": dtypes.as_dtype(out_type).base_dtype}
    output = sequence_2d.graph.create_op(
        op_type, [sequence_2d, values_2d], attrs, name=name or op_type
    ).outputs[0]
    return reshape(output, shape(values))
