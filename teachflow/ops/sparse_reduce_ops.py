"""Reductions over a SparseTensor's entries: ``tf.sparse.reduce_sum`` / ``reduce_max``
(dense or ``*_sparse`` results), ``tf.sparse.softmax``, and the sparse-dense elementwise ops
(``SparseDenseCwiseAdd/Mul/Div``) the softmax gradient uses.

A reduction groups the entries by their indices in the dimensions kept; a group with no entry
gives 0 in the dense result, even for ``max`` (TensorFlow's kernel zero-fills its output), and
no entry in the sparse one. The softmax is over the last dimension, among the entries present.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 0], [0, 2], [1, 1]], [1.0, 2.0, 3.0], [3, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.reduce_sum(sp, 1)).tolist())
    [3.0, 3.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.sparse_layout_ops import host_sparse, row_major_order
from teachflow.ops.static_value import constant_value

__all__ = [
    "sparse_reduce_sum",
    "sparse_reduce_sum_sparse",
    "sparse_reduce_max",
    "sparse_reduce_max_sparse",
    "sparse_softmax",
]

# op type -> (numpy ufunc that folds a group, whether the result is sparse)
_REDUCTIONS = {
    "SparseReduceSum": (np.add, False),
    "SparseReduceSumSparse": (np.add, True),
    "SparseReduceMax": (np.maximum, False),
    "SparseReduceMaxSparse": (np.maximum, True),
}


def _axes(reduction_axes, rank):
    axes = np.asarray(to_host(reduction_axes), np.int64).reshape(-1)
    for a in axes:
        if a < -rank or a >= rank:
            raise invalid(f"Invalid reduction dimension {a}, for input with {rank} dimensions.")
    return sorted(set(int(a) % rank for a in axes))


def _groups(indices, values, shape, axes, keep_dims):
    """The kept dimensions' indices of each group (row-major), their folded values' group
    ids, and the output's dense shape."""
    kept = [d for d in range(shape.size) if d not in axes]
    out_shape = (
        np.where(np.isin(np.arange(shape.size), axes), 1, shape) if keep_dims else shape[kept]
    )
    order = row_major_order(indices[:, kept])
    keys = indices[order][:, kept]
    starts = np.ones(len(order), bool)
    if len(order):
        starts[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    group_of = np.cumsum(starts) - 1
    out_indices = keys[starts]
    if keep_dims:
        full = np.zeros((out_indices.shape[0], shape.size), np.int64)
        full[:, kept] = out_indices
        out_indices = full
    return order, group_of, out_indices, out_shape.astype(np.int64)


def _reduce_kernel(op, device):
    fold, sparse = _REDUCTIONS[op.type]
    keep_dims = op._attrs.get("keep_dims", False)

    def reduce(indices, values, shape, reduction_axes):
        indices, values, shape = host_sparse(indices, values, shape)
        axes = _axes(reduction_axes, shape.size)
        order, group_of, out_indices, out_shape = _groups(indices, values, shape, axes, keep_dims)
        n = out_indices.shape[0]
        if fold is np.add:
            folded = np.zeros(n, values.dtype)
        else:
            folded = np.full(n, -np.inf if values.dtype.kind == "f" else np.iinfo(values.dtype).min)
            folded = folded.astype(values.dtype)
        fold.at(folded, group_of, values[order])
        if sparse:
            xp = device.xp
            return xp.asarray(out_indices), xp.asarray(folded), xp.asarray(out_shape)
        dense = np.zeros(tuple(out_shape), values.dtype)
        if n and dense.ndim == 0:
            dense = folded.reshape(())
        elif n:
            dense[tuple(out_indices.T)] = folded
        return device.xp.asarray(dense)

    return reduce


def _reduced_static_shape(op):
    shape = constant_value(op.inputs[2])
    axes = constant_value(op.inputs[3])
    if shape is None or axes is None:
        return TensorShape(None)
    shape = np.asarray(shape, np.int64).reshape(-1)
    axes = sorted(set(int(a) % shape.size for a in np.reshape(axes, -1)))
    if op._attrs.get("keep_dims", False):
        return TensorShape([1 if d in axes else int(s) for d, s in enumerate(shape)])
    return TensorShape([int(s) for d, s in enumerate(shape) if d not in axes])


def _reduce_infer(op):
    dtype = op.inputs[1].dtype.base_dtype
    if _REDUCTIONS[op.type][1]:
        return [
            (dtypes.int64, TensorShape([None, None])),
            (dtype, TensorShape([None])),
            (dtypes.int64, TensorShape([None])),
        ]
    return [(dtype, _reduced_static_shape(op))]


def _reduce_sum_grad(op, out_grad):
    # TF's _SparseReduceSumGrad: each entry's gradient is the output gradient at the entry's
    # index with the reduced dimensions collapsed.
    from teachflow.ops import array_ops, math_ops

    indices, shape = op.inputs[0], op.inputs[2]
    kept_dims_shape = math_ops.reduced_shape(shape, op.inputs[3])
    reshaped = array_ops.reshape(out_grad, kept_dims_shape)
    scale = shape // math_ops.cast(kept_dims_shape, dtypes.int64)
    return [None, array_ops.gather_nd(reshaped, indices // scale), None, None]


for _type in _REDUCTIONS:
    registry.register(
        _type,
        _reduce_infer,
        _reduce_kernel,
        grad=_reduce_sum_grad if _type == "SparseReduceSum" else None,
        not_differentiable=_type != "SparseReduceSum",
    )


def _reduction_axes(sp_input, axis):
    if axis is None:
        rank = sp_input.dense_shape.shape.as_list()[0]
        if rank is None:  # a sparse_placeholder's rank is known when it is fed: TF's Rank
            from teachflow.ops.filling import range as range_
            from teachflow.ops.shape_ops import size

            return range_(0, size(sp_input.dense_shape, name="Rank"), 1)
        return convert_to_tensor(np.arange(rank, dtype=np.int32))
    return axis


def _reduce(op_type, sp_input, axis, keepdims, keep_dims, name):
    if keep_dims is not None:
        keepdims = keep_dims
    axes = _reduction_axes(sp_input, axis)
    graph = sp_input.graph
    with name_scope(name, op_type) as scope:
        axes = convert_to_tensor(axes, dtype=dtypes.int32, name="reduction_axes")
        attrs = {"keep_dims": bool(keepdims), "T": sp_input.dtype.base_dtype}
        inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape, axes]
        outputs = graph.create_op(op_type, inputs, attrs, name=scope).outputs
    if len(outputs) == 3:
        return SparseTensor(*outputs)
    return outputs[0]


def sparse_reduce_sum(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None,
                      name=None):  # fmt: skip
    """The sum of the entries of ``sp_input`` over ``axis`` (all by default), dense."""
    axis = reduction_axes if axis is None else axis
    return _reduce("SparseReduceSum", sp_input, axis, keepdims, keep_dims, name)


def sparse_reduce_sum_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None,
                             keep_dims=None, name=None):  # fmt: skip
    """The sums over ``axis`` as a SparseTensor: an entry for each group that has one."""
    axis = reduction_axes if axis is None else axis
    return _reduce("SparseReduceSumSparse", sp_input, axis, keepdims, keep_dims, name)


def sparse_reduce_max(sp_input, axis=None, keepdims=None, reduction_axes=None, keep_dims=None,
                      name=None):  # fmt: skip
    """The largest entry of ``sp_input`` over ``axis``; 0 where a group has no entry."""
    axis = reduction_axes if axis is None else axis
    return _reduce("SparseReduceMax", sp_input, axis, keepdims, keep_dims, name)


def sparse_reduce_max_sparse(sp_input, axis=None, keepdims=None, reduction_axes=None,
                             keep_dims=None, name=None):  # fmt: skip
    """The largest entries over ``axis`` as a SparseTensor."""
    axis = reduction_axes if axis is None else axis
    return _reduce("SparseReduceMaxSparse", sp_input, axis, keepdims, keep_dims, name)


# -- SparseDenseCwise{Add,Mul,Div} --------------------------------------------------------------
_CWISE = {"SparseDenseCwiseAdd": np.add, "SparseDenseCwiseMul": np.multiply,
          "SparseDenseCwiseDiv": np.divide}  # fmt: skip


def _cwise_kernel(op, device):
    combine = _CWISE[op.type]

    def cwise(indices, values, shape, dense):
        indices, values, shape = host_sparse(indices, values, shape)
        dense = np.asarray(to_host(dense))
        if dense.ndim > shape.size:
            raise invalid(
                "SparseDenseBinaryOpShared broadcasts dense to sparse only; got incompatible "
                f"shapes: [{','.join(map(str, shape))}] vs. [{','.join(map(str, dense.shape))}]"
            )
        full = np.broadcast_to(dense, tuple(shape))
        at = full[tuple(indices.T)] if indices.shape[0] else np.zeros(0, dense.dtype)
        return device.xp.asarray(combine(values, at).astype(values.dtype))

    return cwise


def _cwise_infer(op):
    return [(op.inputs[1].dtype.base_dtype, TensorShape([None]))]


for _type in _CWISE:
    registry.register(_type, _cwise_infer, _cwise_kernel, not_differentiable=True)


def sparse_dense_cwise(op_type, sp_t, dense_t, name=None):
    """``op_type`` of each entry of ``sp_t`` and ``dense_t`` broadcast to its shape, as a
    SparseTensor with the same indices."""
    dense_t = convert_to_tensor(dense_t, dtype=sp_t.dtype.base_dtype)
    inputs = [sp_t.indices, sp_t.values, sp_t.dense_shape, dense_t]
    values = sp_t.graph.create_op(
        op_type, inputs, {"T": sp_t.dtype.base_dtype}, name=name or op_type
    ).outputs[0]
    return SparseTensor(sp_t.indices, values, sp_t.dense_shape)


# -- SparseSoftmax ------------------------------------------------------------------------------
def _softmax_kernel(op, device):
    def softmax(indices, values, shape):
        indices, values, shape = host_sparse(indices, values, shape)
        if shape.size < 2:
            raise invalid(
                f"Input should have rank >= 2, but received shape: {' '.join(map(str, shape))}"
            )
        order = row_major_order(indices[:, :-1])
        keys = indices[order][:, :-1]
        starts = np.ones(len(order), bool)
        if len(order):
            starts[1:] = np.any(keys[1:] != keys[:-1], axis=1)
        group = np.cumsum(starts) - 1
        ordered = values[order]
        peak = np.full(int(starts.sum()), -np.inf, values.dtype)
        np.maximum.at(peak, group, ordered)
        exp = np.exp(ordered - peak[group])
        total = np.zeros_like(peak)
        np.add.at(total, group, exp)
        out = np.empty_like(values)
        out[order] = exp / total[group]
        return device.xp.asarray(out)

    return softmax


def _softmax_grad(op, grad):
    # TF's _SparseSoftmaxGrad: (grad - sum(grad * softmax, last axis)) * softmax.
    from teachflow.ops import math_ops

    indices, shape = op.inputs[0], op.inputs[2]
    out = op.outputs[0]
    product = SparseTensor(indices, out * grad, shape)
    reduced = -sparse_reduce_sum(product, [-1], keepdims=True)
    summed = sparse_dense_cwise("SparseDenseCwiseAdd", SparseTensor(indices, grad, shape), reduced)
    return [None, math_ops.multiply(summed.values, out), None]


registry.register(
    "SparseSoftmax",
    lambda op: [(op.inputs[1].dtype.base_dtype, TensorShape([None]))],
    _softmax_kernel,
    grad=_softmax_grad,
)


def sparse_softmax(sp_input, name=None):
    """The softmax of ``sp_input``'s entries over its last dimension, same indices.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 0], [0, 2]], [0.0, 0.0], [1, 3])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.softmax(sp)).values.tolist())
    [0.5, 0.5]
    """
    with name_scope(name, "SparseSoftmax", [sp_input]):
        inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape]
        values = sp_input.graph.create_op(
            "SparseSoftmax", inputs, {"T": sp_input.dtype.base_dtype}, name="SparseSoftmax"
        ).outputs[0]
        return _shaped(SparseTensor(sp_input.indices, values, sp_input.dense_shape), sp_input)


def _shaped(sp, like):
    sp._shape = sp._shape.merge_with(like.shape)
    return sp
