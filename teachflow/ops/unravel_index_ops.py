"""``tf.unravel_index``: flat indices into an array of shape ``dims`` as coordinates, one row
per dimension (numpy's ``unravel_index`` stacked), in the ``UnravelIndex`` op.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.unravel_index([22, 41, 37], [7, 6])).tolist())
    [[3, 6, 6], [4, 5, 1]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.op_builder import (
    INDEX,
    apply_op,
    check_index_dtype,
    check_rank,
    invalid,
    to_host,
)

__all__ = ["unravel_index"]


def _infer_unravel_index(op):
    indices, dims = op.inputs
    dtype = check_index_dtype(op, 0, "Tidx")
    if dims.dtype.base_dtype is not dtype:
        raise TypeError(
            f"Input 'dims' of 'UnravelIndex' Op has type {dims.dtype.base_dtype.name} that "
            f"does not match type {dtype.name} of argument 'indices'."
        )
    check_rank(dims.shape, 1)
    n = dimension_value(dims.shape[0]) if dims.shape.ndims == 1 else None
    if indices.shape.ndims is None:
        return [(dtype, TensorShape(None))]
    if indices.shape.ndims == 0:
        return [(dtype, TensorShape([n]))]
    return [(dtype, TensorShape([n, indices.shape.num_elements()]))]


def _unravel_index_kernel(op, device):
    xp = device.xp

    def unravel(indices, dims):
        idx = np.asarray(to_host(indices))
        if idx.ndim > 1:
            raise invalid(
                'The indices can only be scalar or vector, got "'
                + "["
                + ",".join(str(d) for d in idx.shape)
                + ']"'
            )
        shape = [int(d) for d in np.asarray(to_host(dims))]
        if 0 in shape:
            raise invalid(
                "Input dims cannot contain a dim of zero, but dims contains zero at index "
                f"{shape.index(0)}"
            )
        if np.any((idx < 0) | (idx >= int(np.prod(shape)))):
            raise invalid("index is out of bound as with dims")
        coords = np.stack(np.unravel_index(idx.reshape(-1), shape)).astype(idx.dtype)
        result = coords[:, 0] if idx.ndim == 0 else coords
        return xp.asarray(result)

    return unravel


registry.register("UnravelIndex", _infer_unravel_index, _unravel_index_kernel)


def unravel_index(indices, dims, name=None):
    """The coordinates of the flat ``indices`` in an array of shape ``dims``: shape
    ``[len(dims)]`` for a scalar index, ``[len(dims), n]`` for ``n`` of them."""
    args = [(indices, "indices", INDEX), (dims, "dims", INDEX)]
    return apply_op("UnravelIndex", name, args).outputs[0]
