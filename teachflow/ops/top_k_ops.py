"""Ranking ops: the k largest entries (``tf.nn.top_k``) and whether a target is among
them (``tf.nn.in_top_k``, the "top-k accuracy" of a classifier).

    >>> import teachflow as tf
    >>> values, indices = tf.nn.top_k([[1.0, 3.0, 2.0]], k=2)
    >>> with tf.Session() as sess:
    ...     print(sess.run(indices))
    [[1 2]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import to_host
from teachflow.ops.nn_ops import REALS, apply_op
from teachflow.ops.op_results import result
from teachflow.ops.random_ops import check_dtype

__all__: list = []


# -- top_k --------------------------------------------------------------------------------------------
def _infer_top_k(op):
    x, k = op.inputs
    check_dtype(x.dtype, REALS, "input")
    check_dtype(k.dtype, (dtypes.int32,), "k")
    if x.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    k_value = int(k.op._attrs["value"]) if k.op.type == "Const" else None
    if x.shape.ndims is None:
        shape = TensorShape(None)
    else:
        last = dimension_value(x.shape[-1])
        if k_value is not None and last is not None and last < k_value:
            raise ValueError(f"input must have last dimension >= k = {k_value} but is {last}")
        shape = x.shape[:-1].concatenate([k_value])
    return [(x.dtype.base_dtype, shape), (dtypes.int32, shape)]


def _top_k_kernel(op, device):
    xp = device.xp

    def top_k_values(x, k):
        k = int(to_host(k))
        if k < 0:
            raise errors.InvalidArgumentError(None, None, f"Need k >= 0, got {k}")
        if x.shape[-1] < k:
            raise errors.InvalidArgumentError(
                None, None, f"input must have at least k columns. Had {x.shape[-1]}, needed {k}"
            )
        # Sort -x stably: equal values keep their order, lower index first (as TF).
        # Unsigned values are widened first, since their negation would wrap around.
        key = -(x.astype(np.int64) if x.dtype.kind == "u" else x)
        indices = xp.argsort(key, axis=-1, kind="stable")[..., :k].astype(np.int32)
        return xp.take_along_axis(x, indices, axis=-1), indices

    return top_k_values


def _top_k_grad(op, grad_values, grad_indices):
    """Each value's gradient goes back to the position it was taken from."""
    from teachflow.ops import array_ops, math_ops

    x = op.inputs[0]
    depth = (
        dimension_value(x.shape[-1])
        if x.shape.ndims is not None and dimension_value(x.shape[-1]) is not None
        else None
    )
    if depth is None:
        depth = array_ops.shape(x)[-1]
    picks = array_ops.one_hot(op.outputs[1], depth, dtype=grad_values.dtype.base_dtype)
    spread = math_ops.reduce_sum(array_ops.expand_dims(grad_values, -1) * picks, axis=-2)
    return [spread, None]


registry.register("TopKV2", _infer_top_k, _top_k_kernel, grad=_top_k_grad)


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's argument names
    """The ``k`` largest entries along the last axis and their indices (int32), largest
    first; among equal values the lower index comes first.

        >>> import teachflow as tf
        >>> tf.nn.top_k([3.0, 1.0, 2.0], k=2).values.op.type
        'TopKV2'
    """
    op = apply_op(
        "TopKV2", name, [("input", input, None), ("k", k, dtypes.int32)], {"sorted": bool(sorted)}
    )
    return result(op)  # TopKV2(values, indices), as TF's


# -- in_top_k -----------------------------------------------------------------------------------------
def _infer_in_top_k(op):
    predictions, targets, k = op.inputs
    check_dtype(predictions.dtype, (dtypes.float32,), "predictions")
    check_dtype(targets.dtype, (dtypes.int32, dtypes.int64), "targets")
    if predictions.shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {predictions.shape.ndims}")
    if targets.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {targets.shape.ndims}")
    batch = dimension_value(predictions.shape[0]) if predictions.shape.ndims == 2 else None
    return [(dtypes.bool_, targets.shape.merge_with([batch]))]


def _in_top_k_kernel(op, device):
    xp = device.xp

    def in_top_k_values(predictions, targets, k):
        batch, classes = predictions.shape
        if targets.shape[0] != batch:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"First dimension of predictions {batch} must match length of targets "
                f"{targets.shape[0]}",
            )
        valid = (targets >= 0) & (targets < classes)
        target_pred = predictions[xp.arange(batch), xp.where(valid, targets, 0)]
        # Ties at the boundary count as inside: only strictly larger predictions push out.
        larger = (predictions > target_pred[:, None]).sum(axis=1)
        return valid & xp.isfinite(target_pred) & (larger < to_host(k))

    return in_top_k_values


registry.register("InTopKV2", _infer_in_top_k, _in_top_k_kernel, not_differentiable=True)


def in_top_k(predictions, targets, k, name=None):
    """Whether each ``targets[i]`` is among the ``k`` largest ``predictions[i]`` (a bool
    vector). Ties count in the target's favour; out-of-range targets give False.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.in_top_k([[0.1, 0.9], [0.8, 0.2]], [1, 1], 1)))
        [ True False]
    """
    with name_scope(name, "in_top_k", [predictions, targets, k]):
        predictions = convert_to_tensor(predictions, name="predictions")
        targets = convert_to_tensor(targets, name="targets")
        return apply_op(
            "InTopKV2",
            None,
            [
                ("predictions", predictions, None),
                ("targets", targets, None),
                ("k", k, targets.dtype.base_dtype),
            ],
            # T is the targets' dtype (predictions are always float32): a graph written
            # with T=float would not import, in TensorFlow or here.
            attrs={"T": targets.dtype.base_dtype},
        ).outputs[0]
