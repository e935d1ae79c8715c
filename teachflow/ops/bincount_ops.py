"""``tf.bincount``: how many times each non-negative integer occurs (or the sum of its
``weights``), built as TensorFlow builds it: a ``DenseBincount`` op whose size is one more
than the largest value, clipped to ``[minlength, maxlength]``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.bincount([1, 1, 3, 0])).tolist())
    [1, 2, 0, 1]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.elementwise import make_op

__all__ = ["bincount"]


def _infer_dense_bincount(op):
    weights = op.inputs[2]
    return [(weights.dtype.base_dtype, TensorShape([None]))]


def _dense_bincount_kernel(op, device):
    binary = op._attrs.get("binary_output", False)

    def dense_bincount(values, size, weights):
        values = np.asarray(to_host(values)).reshape(-1)
        size = int(to_host(size))
        weights = np.asarray(to_host(weights))
        if size < 0:
            raise invalid(f"size ({size}) must be non-negative")
        if values.size and values.min() < 0:
            raise invalid("Input arr must be non-negative!")
        keep = values < size
        w = weights.reshape(-1)[keep] if weights.size else None
        counts = np.bincount(values[keep], weights=w, minlength=size)[:size]
        if binary:
            counts = (counts > 0).astype(counts.dtype)
        return device.xp.asarray(counts.astype(weights.dtype))

    return dense_bincount


registry.register(
    "DenseBincount", _infer_dense_bincount, _dense_bincount_kernel, not_differentiable=True
)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32):
    """Counts of each value of the int32 tensor ``arr``: entry ``i`` is how often ``i``
    occurs (or the sum of ``weights`` where it does; the result then has their dtype)."""
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import add, maximum, minimum, multiply
    from teachflow.ops.comparison_ops import greater
    from teachflow.ops.math_ops import cast
    from teachflow.ops.reduction_ops import reduce_max, reduce_prod

    with name_scope(None, "bincount", [arr, weights, minlength, maxlength]):
        arr = convert_to_tensor(arr, name="arr", dtype=dtypes.int32)
        nonempty = greater(reduce_prod(array_ops.shape(arr)), 0)
        size = multiply(cast(nonempty, dtypes.int32), add(reduce_max(arr), 1))
        if minlength is not None:
            size = maximum(convert_to_tensor(minlength, dtype=dtypes.int32), size)
        if maxlength is not None:
            size = minimum(convert_to_tensor(maxlength, dtype=dtypes.int32), size)
        if weights is None:
            weights = convert_to_tensor(np.zeros([0], dtypes.as_dtype(dtype).as_numpy_dtype))
        else:
            weights = convert_to_tensor(weights, name="weights")
        attrs = {
            "Tidx": dtypes.int32,
            "T": weights.dtype.base_dtype,
            "binary_output": False,
        }
        return make_op("DenseBincount", [arr, size, weights], "DenseBincount", attrs)
