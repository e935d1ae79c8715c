"""Reductions over segments: rows of ``data`` that share a segment id are summed (or
averaged, multiplied, maxed, minned) into one output row.

``segment_*`` take sorted ids (one per row); ``unsorted_segment_*`` take ids in any order,
a ``num_segments``, and drop negative ids. An empty segment gives 0 (sum, mean, sorted
max/min), 1 (prod), or the dtype's lowest/highest value (unsorted max/min), as TensorFlow's
kernels do.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.segment_sum([[1, 2], [3, 4], [5, 6]], [0, 0, 1])).tolist())
    [[4, 6], [5, 6]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import INDEX_DTYPES, invalid, to_host
from teachflow.ops.elementwise import NUMERIC, check_allowed
from teachflow.ops.static_value import constant_value

__all__ = [
    "segment_sum",
    "segment_mean",
    "segment_max",
    "segment_min",
    "segment_prod",
    "unsorted_segment_sum",
    "unsorted_segment_max",
    "unsorted_segment_min",
    "unsorted_segment_prod",
    "unsorted_segment_mean",
    "unsorted_segment_sqrt_n",
]

# op type -> (numpy ufunc reducing rows into their segment, what an empty segment holds)
_SORTED = {
    "SegmentSum": (np.add, "zero"),
    "SegmentMean": (np.add, "zero"),
    "SegmentMax": (np.maximum, "zero"),
    "SegmentMin": (np.minimum, "zero"),
    "SegmentProd": (np.multiply, "one"),
}
_UNSORTED = {
    "UnsortedSegmentSum": (np.add, "zero"),
    "UnsortedSegmentMax": (np.maximum, "lowest"),
    "UnsortedSegmentMin": (np.minimum, "highest"),
    "UnsortedSegmentProd": (np.multiply, "one"),
}


def _initial(kind, dtype):
    if kind == "zero":
        return np.zeros((), dtype)
    if kind == "one":
        return np.ones((), dtype)
    # numeric_limits<T>::lowest() / max(), as TF's kernels start: finite even for floats.
    info = np.finfo(dtype) if np.issubdtype(dtype, np.floating) else np.iinfo(dtype)
    return np.array(info.min if kind == "lowest" else info.max, dtype)


def _reduce_into(data, ids, n, ufunc, kind):
    out = np.empty((n,) + data.shape[ids.ndim :], data.dtype)
    out[...] = _initial(kind, data.dtype)
    keep = ids >= 0
    rows = data.reshape((-1,) + data.shape[ids.ndim :])[keep.reshape(-1)]
    first = np.zeros(n, bool)
    at = ids.reshape(-1)[keep.reshape(-1)]
    if kind == "zero" and ufunc is not np.add:
        # Sorted max/min of an empty segment is 0: start the reduction at each segment's
        # first row instead of at 0.
        first[np.unique(at)] = True
        out[first] = _initial("lowest" if ufunc is np.maximum else "highest", data.dtype)
    ufunc.at(out, at, rows)
    return out


# -- inference and kernels ---------------------------------------------------------------------
def _infer_sorted(op):
    data, ids = op.inputs
    dt = check_allowed(data, NUMERIC, "data")
    check_allowed(ids, INDEX_DTYPES, "segment_ids")
    if ids.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {ids.shape.ndims}")
    rest = data.shape[1:] if data.shape.ndims is not None else TensorShape(None)
    return [(dt, TensorShape([None]).concatenate(rest) if rest.ndims is not None else rest)]


def _sorted_kernel(op, device):
    ufunc, kind = _SORTED[op.type]
    mean = op.type == "SegmentMean"

    def segment(data, ids):
        data, ids = np.asarray(to_host(data)), np.asarray(to_host(ids)).astype(np.int64)
        if ids.ndim != 1 or data.ndim == 0 or ids.shape[0] != data.shape[0]:
            raise invalid("segment_ids should be the same size as dimension 0 of input.")
        if ids.size and (np.any(np.diff(ids) < 0) or ids[0] < 0):
            raise invalid("segment ids are not increasing")
        n = int(ids[-1]) + 1 if ids.size else 0
        out = _reduce_into(data, ids, n, ufunc, kind)
        if mean:
            counts = np.bincount(ids, minlength=n).reshape((n,) + (1,) * (data.ndim - 1))
            out = (out / np.maximum(counts, 1)).astype(data.dtype)
        return device.xp.asarray(out)

    return segment


def _infer_unsorted(op):
    data, ids, num = op.inputs
    dt = check_allowed(data, NUMERIC, "data")
    check_allowed(ids, INDEX_DTYPES, "segment_ids")
    n = constant_value(num)
    n = None if n is None else int(n)
    if data.shape.ndims is None or ids.shape.ndims is None:
        return [(dt, TensorShape(None))]
    return [(dt, TensorShape([n]).concatenate(data.shape[ids.shape.ndims :]))]


def _unsorted_kernel(op, device):
    ufunc, kind = _UNSORTED[op.type]

    def segment(data, ids, num_segments):
        data, ids = np.asarray(to_host(data)), np.asarray(to_host(ids)).astype(np.int64)
        n = int(to_host(num_segments))
        if data.shape[: ids.ndim] != ids.shape:
            raise invalid(
                f"data.shape = {list(data.shape)} does not start with segment_ids.shape = "
                f"{list(ids.shape)}"
            )
        bad = ids >= n
        if bad.any():
            i = int(np.flatnonzero(bad.reshape(-1))[0])
            raise invalid(f"segment_ids[{i}] = {int(ids.reshape(-1)[i])} is out of range [0, {n})")
        return device.xp.asarray(_reduce_into(data, ids, n, ufunc, kind))

    return segment


# -- gradients (TensorFlow's math_grad.py) -----------------------------------------------------
def _gather_dropping_negative(grad, ids):
    """``grad[ids]`` with zeros where an id is negative (rows an unsorted op dropped):
    TensorFlow's _GatherDropNegatives, built as TF 2.21 builds it."""
    from teachflow.framework import dtypes
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.comparison_ops import greater_equal, where_v2
    from teachflow.ops.gathering import gather
    from teachflow.ops.joining import concat

    gathered = gather(grad, maximum(ids, array_ops.zeros_like(ids)))
    is_positive = greater_equal(ids, 0)
    is_positive_shape = array_ops.shape(is_positive)
    extra = array_ops.ones(
        [array_ops.rank(gathered) - array_ops.rank(is_positive)], dtype=is_positive_shape.dtype
    )
    is_positive = array_ops.reshape(is_positive, concat([is_positive_shape, extra], axis=0))
    is_positive = is_positive & array_ops.ones_like(gathered, dtype=dtypes.bool_)
    return where_v2(is_positive, gathered, array_ops.zeros_like(gathered))


def _segment_sum_grad(op, grad):
    from teachflow.ops.gathering import gather

    return [gather(grad, op.inputs[1]), None]


def _segment_mean_grad(op, grad):
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import realdiv
    from teachflow.ops.gathering import gather
    from teachflow.ops.joining import concat
    from teachflow.ops.math_ops import cast

    data, ids = op.inputs
    ones = array_ops.ones_like(ids, dtype=data.dtype.base_dtype)
    counts = segment_sum(ones, ids)
    shape = concat(
        [array_ops.shape(counts), array_ops.ones([array_ops.rank(data) - 1], "int32")], 0
    )
    scaled = realdiv(grad, array_ops.reshape(cast(counts, data.dtype.base_dtype), shape))
    return [gather(scaled, ids), None]


def _min_or_max_grad(op, grad):
    """The gradient goes to the rows equal to their segment's extreme, shared among ties
    (TensorFlow's _SegmentMinOrMaxGrad / _UnsortedSegmentMinOrMaxGrad)."""
    from teachflow.ops.arithmetic_ops import realdiv
    from teachflow.ops.comparison_ops import equal, where
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.gathering import gather
    from teachflow.ops.math_ops import cast

    data, ids = op.inputs[0], op.inputs[1]
    if op.type.startswith("Unsorted"):
        num = op.inputs[2]
        gathered = _gather_dropping_negative(op.outputs[0], ids)
        selected = equal(data, gathered)
        count = unsorted_segment_sum(cast(selected, grad.dtype.base_dtype), ids, num)
        share = _gather_dropping_negative(realdiv(grad, count), ids)
        return [where(selected, share, zeros_like(data)), None, None]
    selected = equal(data, gather(op.outputs[0], ids))
    count = segment_sum(cast(selected, grad.dtype.base_dtype), ids)
    share = gather(realdiv(grad, count), ids)
    return [where(selected, share, zeros_like(data)), None]


def _unsorted_sum_grad(op, grad):
    return [_gather_dropping_negative(grad, op.inputs[1]), None, None]


for _type in _SORTED:
    _grad = {
        "SegmentSum": _segment_sum_grad,
        "SegmentMean": _segment_mean_grad,
        "SegmentMax": _min_or_max_grad,
        "SegmentMin": _min_or_max_grad,
    }.get(_type)
    registry.register(
        _type, _infer_sorted, _sorted_kernel, grad=_grad, not_differentiable=_grad is None
    )
for _type in _UNSORTED:
    _grad = {
        "UnsortedSegmentSum": _unsorted_sum_grad,
        "UnsortedSegmentMax": _min_or_max_grad,
        "UnsortedSegmentMin": _min_or_max_grad,
    }.get(_type)
    registry.register(
        _type, _infer_unsorted, _unsorted_kernel, grad=_grad, not_differentiable=_grad is None
    )


# -- the public functions ----------------------------------------------------------------------
def _sorted(op_type, data, segment_ids, name):
    # As TF's generated wrappers: Python inputs become constants inside the op's scope.
    with name_scope(name, op_type, [data, segment_ids]) as scope:
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        attrs = {"T": data.dtype.base_dtype, "Tindices": ids.dtype.base_dtype}
        return data.graph.create_op(op_type, [data, ids], attrs, name=scope).outputs[0]


def _unsorted(op_type, data, segment_ids, num_segments, name):
    with name_scope(name, op_type, [data, segment_ids, num_segments]) as scope:
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        num = convert_to_tensor(num_segments, name="num_segments")
        attrs = {
            "T": data.dtype.base_dtype,
            "Tindices": ids.dtype.base_dtype,
            "Tnumsegments": num.dtype.base_dtype,
        }
        return data.graph.create_op(op_type, [data, ids, num], attrs, name=scope).outputs[0]


def segment_sum(data, segment_ids, name=None):
    """The sum of the rows of each segment (sorted ids)."""
    return _sorted("SegmentSum", data, segment_ids, name)


def segment_mean(data, segment_ids, name=None):
    """The mean of the rows of each segment (sorted ids)."""
    return _sorted("SegmentMean", data, segment_ids, name)


def segment_max(data, segment_ids, name=None):
    """The largest row entries of each segment (sorted ids)."""
    return _sorted("SegmentMax", data, segment_ids, name)


def segment_min(data, segment_ids, name=None):
    """The smallest row entries of each segment (sorted ids)."""
    return _sorted("SegmentMin", data, segment_ids, name)


def segment_prod(data, segment_ids, name=None):
    """The product of the rows of each segment (sorted ids)."""
    return _sorted("SegmentProd", data, segment_ids, name)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None):
    """The sum of the rows of each of ``num_segments`` segments (ids in any order)."""
    return _unsorted("UnsortedSegmentSum", data, segment_ids, num_segments, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None):
    return _unsorted("UnsortedSegmentMax", data, segment_ids, num_segments, name)


def unsorted_segment_min(data, segment_ids, num_segments, name=None):
    return _unsorted("UnsortedSegmentMin", data, segment_ids, num_segments, name)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None):
    return _unsorted("UnsortedSegmentProd", data, segment_ids, num_segments, name)


def _unsorted_segment_count(data, segment_ids, num_segments):
    """How many rows each segment has (at least 1, so a mean of none is 0), shaped to
    broadcast against the segment sums: TensorFlow's _unsorted_segment_N."""
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.joining import concat

    num_segments = convert_to_tensor(num_segments)
    ones = array_ops.ones(array_ops.shape(segment_ids), dtype=data.dtype)
    n = unsorted_segment_sum(ones, segment_ids, num_segments)
    broadcastable_shape = concat(
        [
            num_segments[None],
            array_ops.ones(
                [array_ops.rank(data) - array_ops.rank(segment_ids)], dtype=num_segments.dtype
            ),
        ],
        axis=0,
    )
    return maximum(array_ops.reshape(n, broadcastable_shape), 1)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None):
    """The mean of the rows of each segment (ids in any order; an empty segment gives 0).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.unsorted_segment_mean([1.0, 2.0, 6.0], [1, 0, 1], 3)).tolist())
    [2.0, 3.5, 0.0]
    """
    with name_scope(name, "UnsortedSegmentMean"):
        data = convert_to_tensor(data)
        segment_ids = convert_to_tensor(segment_ids)
        n = _unsorted_segment_count(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return summed / n


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of the rows of each segment divided by the square root of their count."""
    from teachflow.ops.unary_ops import sqrt

    with name_scope(name, "UnsortedSegmentSqrtN"):
        data = convert_to_tensor(data)
        segment_ids = convert_to_tensor(segment_ids)
        n = _unsorted_segment_count(data, segment_ids, num_segments)
        summed = unsorted_segment_sum(data, segment_ids, num_segments)
        return summed / sqrt(n)
