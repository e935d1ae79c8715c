"""``tf.sort`` and ``tf.argsort``, built as TensorFlow builds them: ``top_k`` of all the
entries along the last axis (the axis swapped last first when it is another), negated
before and after for ascending order.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sort([3, 1, 2])).tolist(), sess.run(tf.argsort([3, 1, 2])).tolist())
    [1, 2, 3] [1, 2, 0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.static_value import constant_value

__all__ = ["sort", "argsort"]


def _descending(values, axis, return_argsort):
    from teachflow.ops import array_ops
    from teachflow.ops.constant_op import constant
    from teachflow.ops.reshaping import transpose
    from teachflow.ops.top_k_ops import top_k

    k = array_ops.shape(values)[axis]
    static_rank = values.shape.ndims
    transposition = None
    if axis == -1 or axis + 1 == static_rank:
        top_k_input = values
    else:
        if static_rank is None:
            raise ValueError("tf.sort along an axis other than the last needs a known rank")
        if axis < 0:
            axis += static_rank
        # Swap `axis` with the last one: the permutation is its own inverse.
        transposition = constant(
            np.r_[
                np.arange(axis), [static_rank - 1], np.arange(axis + 1, static_rank - 1), [axis]
            ].astype(np.int32),
            name="transposition",
        )
        top_k_input = transpose(values, transposition)
    sorted_values, indices = top_k(top_k_input, k)
    result = indices if return_argsort else sorted_values
    return result if transposition is None else transpose(result, transposition)


def _sort_or_argsort(values, axis, direction, return_argsort):
    from teachflow.ops.arithmetic_ops import negative

    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"{direction} should be one of ASCENDING, DESCENDING")
    axis = convert_to_tensor(axis, name="axis")
    axis_static = constant_value(axis)
    if axis.shape.ndims not in (None, 0) or axis_static is None:
        raise ValueError("axis must be a constant scalar")
    axis_static = int(axis_static)
    values = convert_to_tensor(values, name="values")
    if direction == "DESCENDING":
        return _descending(values, axis_static, return_argsort)
    result = _descending(negative(values), axis_static, return_argsort)
    return result if return_argsort else negative(result)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (a constant), ascending or descending."""
    with name_scope(name, "sort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort ``values`` along ``axis``; equal values keep their order
    (``top_k`` is stable, so ``stable`` changes nothing)."""
    del stable
    with name_scope(name, "argsort"):
        return _sort_or_argsort(values, axis, direction, return_argsort=True)
