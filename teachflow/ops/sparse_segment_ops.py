"""Segment reductions of chosen rows: ``tf.sparse.segment_sum`` / ``segment_mean`` /
``segment_sqrt_n`` (TF1: ``tf.sparse_segment_*``), the ops behind
``tf.nn.embedding_lookup_sparse``.

``SparseSegmentSum(data, indices, segment_ids)`` adds row ``data[indices[i]]`` into output row
``segment_ids[i]`` (ids sorted; missing ids give zero rows). ``Mean`` divides each segment by
how many rows it has, ``SqrtN`` by the square root of that. The gradient is dense (a row per
row of ``data``) unless the op was built with ``sparse_gradient=True``: then it is an
``IndexedSlices`` of the rows looked up, from TensorFlow's ``SparseSegment*GradV2`` ops
(values for each distinct index, in sorted order).

    >>> import teachflow as tf
    >>> data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.segment_mean(data, [0, 2, 1], [0, 0, 1])).tolist())
    [[3.0, 4.0], [3.0, 4.0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host

__all__ = ["sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"]

# op type -> how a segment's sum is scaled by its row count
_SCALES = {
    "SparseSegmentSum": lambda counts: np.ones_like(counts),
    "SparseSegmentMean": lambda counts: 1.0 / np.maximum(counts, 1),
    "SparseSegmentSqrtN": lambda counts: 1.0 / np.sqrt(np.maximum(counts, 1)),
}


def _check(data_rows, indices, segment_ids):
    if indices.size != segment_ids.size:
        raise invalid("segment_ids and indices should have same size.")
    if segment_ids.size and segment_ids[0] < 0:
        raise invalid("segment ids must be >= 0")
    if np.any(np.diff(segment_ids) < 0):
        raise invalid("segment ids are not increasing")
    bad = np.flatnonzero((indices < 0) | (indices >= data_rows))
    if bad.size:
        i = bad[0]
        raise invalid(f"Bad: indices[{i}] == {indices[i]} out of range [0, {data_rows})")


def _infer_reduce(op):
    data = op.inputs[0]
    dims = data.shape.as_list() if data.shape.ndims is not None else None
    return [(data.dtype.base_dtype, TensorShape(None if dims is None else [None, *dims[1:]]))]


def _reduce_kernel(op, device):
    scale = _SCALES[op.type]

    def reduce(data, indices, segment_ids):
        data = np.asarray(to_host(data))
        indices = np.asarray(to_host(indices)).reshape(-1)
        segment_ids = np.asarray(to_host(segment_ids)).reshape(-1)
        _check(data.shape[0], indices, segment_ids)
        rows = int(segment_ids[-1]) + 1 if segment_ids.size else 0
        compute = np.float32 if data.dtype == np.float16 else data.dtype
        out = np.zeros((rows, *data.shape[1:]), dtype=compute)
        np.add.at(out, segment_ids, data[indices].astype(compute, copy=False))
        counts = np.bincount(segment_ids, minlength=rows).astype(compute)
        out *= scale(counts).reshape(-1, *[1] * (data.ndim - 1)).astype(compute)
        return device.xp.asarray(out.astype(data.dtype, copy=False))

    return reduce


def _scaled_rows(op_type, grad, indices, segment_ids):
    """Each looked-up row's share of its segment's gradient: ``[len(indices), ...]``."""
    counts = np.bincount(segment_ids, minlength=grad.shape[0]).astype(grad.dtype)
    scales = _SCALES[op_type.replace("GradV2", "").replace("Grad", "")](counts)
    return grad[segment_ids] * scales[segment_ids].reshape(-1, *[1] * (grad.ndim - 1))


def _grad_kernel(op, device):
    """SparseSegment{Mean,SqrtN}Grad: the dense gradient, ``output_dim0`` rows."""

    def dense_grad(grad, indices, segment_ids, output_dim0):
        grad = np.asarray(to_host(grad))
        indices = np.asarray(to_host(indices)).reshape(-1)
        segment_ids = np.asarray(to_host(segment_ids)).reshape(-1)
        out = np.zeros((int(to_host(output_dim0)), *grad.shape[1:]), dtype=grad.dtype)
        np.add.at(out, indices, _scaled_rows(op.type, grad, indices, segment_ids))
        return device.xp.asarray(out)

    return dense_grad


def _grad_v2_kernel(op, device):
    """SparseSegment*GradV2: the rows of the gradient for each distinct index, sorted."""

    def sparse_grad(grad, indices, segment_ids, dense_output_dim0):
        grad = np.asarray(to_host(grad))
        indices = np.asarray(to_host(indices)).reshape(-1)
        segment_ids = np.asarray(to_host(segment_ids)).reshape(-1)
        unique, position = np.unique(indices, return_inverse=True)
        out = np.zeros((unique.size, *grad.shape[1:]), dtype=grad.dtype)
        np.add.at(out, position, _scaled_rows(op.type, grad, indices, segment_ids))
        return device.xp.asarray(out), device.xp.asarray(unique.astype(indices.dtype))

    return sparse_grad


def _infer_dense_grad(op):
    grad = op.inputs[0]
    dims = grad.shape.as_list() if grad.shape.ndims is not None else None
    return [(grad.dtype.base_dtype, TensorShape(None if dims is None else [None, *dims[1:]]))]


def _infer_grad_v2(op):
    grad, indices = op.inputs[0], op.inputs[1]
    dims = grad.shape.as_list() if grad.shape.ndims is not None else None
    values = TensorShape(None if dims is None else [None, *dims[1:]])
    return [(grad.dtype.base_dtype, values), (indices.dtype.base_dtype, TensorShape([None]))]


def _grad_attrs(op):
    return {k: op._attrs[k] for k in ("T", "Tidx", "Tsegmentids")}


def _reduce_grad(op, grad):
    from teachflow.ops import array_ops
    from teachflow.ops.gathering import gather
    from teachflow.ops.indexed_slices import IndexedSlices
    from teachflow.ops.segment_ops import unsorted_segment_sum

    data, indices, segment_ids = op.inputs
    graph = data.graph
    if op._attrs.get("sparse_gradient", False):
        data_shape = array_ops.shape(data)
        dim0 = data_shape[0]
        values, unique = graph.create_op(
            f"{op.type}GradV2",
            [grad, indices, segment_ids, dim0],
            _grad_attrs(op),
            name=f"{op.type}GradV2",
        ).outputs
        return [IndexedSlices(values, unique, data_shape), None, None]
    dim0 = array_ops.shape(data)[0]
    if op.type == "SparseSegmentSum":
        return [unsorted_segment_sum(gather(grad, segment_ids), indices, dim0), None, None]
    dense = graph.create_op(
        f"{op.type}Grad", [grad, indices, segment_ids, dim0], _grad_attrs(op), name=f"{op.type}Grad"
    ).outputs[0]
    return [dense, None, None]


for _type in _SCALES:
    registry.register(_type, _infer_reduce, _reduce_kernel, grad=_reduce_grad)
    registry.register(f"{_type}GradV2", _infer_grad_v2, _grad_v2_kernel, not_differentiable=True)
for _type in ("SparseSegmentMean", "SparseSegmentSqrtN"):
    registry.register(f"{_type}Grad", _infer_dense_grad, _grad_kernel, not_differentiable=True)


def _sparse_segment(op_type, default_name, data, indices, segment_ids, name, sparse_gradient):
    with name_scope(name, default_name, [data, indices, segment_ids]) as scope:
        data = convert_to_tensor(data, name="data")
        indices = convert_to_tensor(indices, name="indices")
        segment_ids = convert_to_tensor(segment_ids, name="segment_ids")
        attrs = {
            "T": data.dtype.base_dtype,
            "Tidx": indices.dtype.base_dtype,
            "Tsegmentids": segment_ids.dtype.base_dtype,
            "sparse_gradient": bool(sparse_gradient),
        }
        return data.graph.create_op(
            op_type, [data, indices, segment_ids], attrs, name=scope
        ).outputs[0]


def sparse_segment_sum(data, indices, segment_ids, name=None, sparse_gradient=False):
    """Row ``data[indices[i]]`` summed into output row ``segment_ids[i]`` (sorted ids)."""
    return _sparse_segment(
        "SparseSegmentSum", "SparseSegmentSum", data, indices, segment_ids, name, sparse_gradient
    )


def sparse_segment_mean(data, indices, segment_ids, name=None, sparse_gradient=False):
    """The mean of the rows ``data[indices[i]]`` of each segment."""
    return _sparse_segment(
        "SparseSegmentMean", "SparseSegmentMean", data, indices, segment_ids, name, sparse_gradient
    )


def sparse_segment_sqrt_n(data, indices, segment_ids, name=None, sparse_gradient=False):
    """The sum of the rows ``data[indices[i]]`` of each segment over sqrt(its row count)."""
    return _sparse_segment(
        "SparseSegmentSqrtN",
        "SparseSegmentSqrtN",
        data,
        indices,
        segment_ids,
        name,
        sparse_gradient,
    )
