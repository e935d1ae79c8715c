"""The elements of a 1-D tensor as a set: ``tf.unique`` (first occurrences, in order, and
where each element went) and ``tf.setdiff1d`` (what ``x`` has that ``y`` has not).

    >>> import teachflow as tf
    >>> y, idx = tf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).tolist(), sess.run(idx).tolist())
    [1, 2, 4, 7, 8] [0, 0, 1, 2, 2, 2, 3, 4, 4]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import apply_op, invalid, to_host
from teachflow.ops.op_results import result

__all__ = ["unique", "unique_with_counts", "setdiff1d"]


def _check_vector(op, t, what="x"):
    if t.shape.ndims is not None and t.shape.ndims != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {t.shape.ndims}")
    return t.dtype.base_dtype


def _infer_unique(op):
    x = op.inputs[0]
    dt = _check_vector(op, x)
    idx = op._attrs["out_idx"]
    outputs = [(dt, TensorShape([None])), (idx, x.shape)]
    if op.type == "UniqueWithCounts":
        outputs.append((idx, TensorShape([None])))
    return outputs


def _unique_values(x):
    """Distinct values in order of first appearance, each element's position among them,
    and how often each appears."""
    if x.ndim != 1:
        raise invalid(f"unique expects a 1D vector. x.shape = {list(x.shape)}")
    if x.size == 0:
        empty = np.zeros([0], np.int64)
        return x, empty, empty
    _, first, inverse, counts = np.unique(
        x, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")  # sorted ids -> order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return x[first[order]], rank[inverse.reshape(-1)], counts[order]


def _unique_kernel(op, device):
    xp = device.xp
    idx = op._attrs["out_idx"].as_numpy_dtype
    with_counts = op.type == "UniqueWithCounts"

    def unique_value(x):
        y, where, counts = _unique_values(np.asarray(to_host(x)))
        out = (xp.asarray(y), xp.asarray(where.astype(idx)))
        return out + (xp.asarray(counts.astype(idx)),) if with_counts else out

    return unique_value


def _infer_list_diff(op):
    x, y = op.inputs
    dt = _check_vector(op, x)
    _check_vector(op, y)
    if y.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'y' of 'ListDiff' Op has type {y.dtype.base_dtype.name} that does not "
            f"match type {dt.name} of argument 'x'."
        )
    return [(dt, TensorShape([None])), (op._attrs["out_idx"], TensorShape([None]))]


def _list_diff_kernel(op, device):
    xp = device.xp
    idx = op._attrs["out_idx"].as_numpy_dtype

    def list_diff(x, y):
        x, y = np.asarray(to_host(x)), np.asarray(to_host(y))
        if x.ndim != 1 or y.ndim != 1:
            raise invalid("x should be a 1D vector.  y should be a 1D vector.")
        keep = ~np.isin(x, y)
        return xp.asarray(x[keep]), xp.asarray(np.flatnonzero(keep).astype(idx))

    return list_diff


registry.register("Unique", _infer_unique, _unique_kernel, not_differentiable=True)
registry.register("UniqueWithCounts", _infer_unique, _unique_kernel, not_differentiable=True)
registry.register("ListDiff", _infer_list_diff, _list_diff_kernel, not_differentiable=True)


def _idx_dtype(out_idx):
    dt = dtypes.as_dtype(out_idx)
    if dt not in (dtypes.int32, dtypes.int64):
        raise TypeError(
            f"Value passed to parameter 'out_idx' has DataType {dt.name} not in list of "
            "allowed values: int32, int64"
        )
    return dt


def unique(x, out_idx=dtypes.int32, name=None):
    """``(y, idx)``: the distinct values of the vector ``x`` in order of first appearance,
    and for each element of ``x`` its index in ``y``."""
    x = convert_to_tensor(x, name="x")
    attrs = {"T": x.dtype.base_dtype, "out_idx": _idx_dtype(out_idx)}
    return result(apply_op("Unique", name, [(x, "x", None)], attrs))


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """``(y, idx, count)``: as `unique`, with how many times each value appears."""
    x = convert_to_tensor(x, name="x")
    attrs = {"T": x.dtype.base_dtype, "out_idx": _idx_dtype(out_idx)}
    return result(apply_op("UniqueWithCounts", name, [(x, "x", None)], attrs))


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None):
    """``(out, idx)``: the elements of ``x`` not in ``y`` (in ``x``'s order, repeats kept)
    and their positions in ``x`` (TensorFlow's ``ListDiff`` op)."""
    x = convert_to_tensor(x, name="x")
    attrs = {"T": x.dtype.base_dtype, "out_idx": _idx_dtype(index_dtype)}
    args = [(x, "x", None), (y, "y", x.dtype.base_dtype)]
    return result(apply_op("ListDiff", name, args, attrs))
