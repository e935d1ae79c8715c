"""Two SparseTensors (or one and a dense tensor) combined entry by entry: ``tf.sparse.add``
(``SparseAdd``, ``SparseTensorDenseAdd``) and ``tf.sparse.maximum`` / ``minimum``.

The two operands are matched through their indices (`row_ids` gives equal rows equal ids);
the results come out in row-major order, as TensorFlow's merge of two sorted operands does.
An index only one operand has keeps its value in a sum, and meets an implicit 0 in a
maximum or minimum.

    >>> import teachflow as tf
    >>> a = tf.SparseTensor([[0, 0], [1, 1]], [1.0, 2.0], [2, 2])
    >>> b = tf.SparseTensor([[0, 0], [1, 0]], [3.0, 4.0], [2, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.add(a, b)).values.tolist())
    [4.0, 4.0, 2.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.sparse_layout_ops import host_sparse, row_ids, sparse_outputs

__all__ = ["sparse_add", "sparse_maximum", "sparse_minimum"]


def _text(dims):
    return "[" + ",".join(str(int(d)) for d in dims) + "]"


# -- SparseAdd, SparseTensorDenseAdd ------------------------------------------------------------
def _check_same_shape(a_indices, b_indices, a_shape, b_shape):
    if a_indices.shape[1] != b_indices.shape[1]:
        raise invalid(
            "Input indices must have the same dimension, got "
            f"{a_indices.shape[1]} and {b_indices.shape[1]}"
        )
    if a_shape.size != b_shape.size:
        raise invalid(
            f"Operands do not have the same ranks; got shapes: {_text(a_shape)} and "
            f"{_text(b_shape)}"
        )
    for d in np.flatnonzero(a_shape != b_shape):
        raise invalid(
            f"Operands' shapes do not match: got {a_shape[d]} and {b_shape[d]} for dimension {d}"
        )


def _add_kernel(op, device):
    def add(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh):
        a_indices, a_values, a_shape = host_sparse(a_indices, a_values, a_shape)
        b_indices, b_values, b_shape = host_sparse(b_indices, b_values, b_shape)
        _check_same_shape(a_indices, b_indices, a_shape, b_shape)
        (a_ids, b_ids), unique = row_ids(a_indices, b_indices)
        sums = np.zeros(unique.shape[0], a_values.dtype)
        np.add.at(sums, a_ids, a_values)
        np.add.at(sums, b_ids, b_values)
        # Only an index present in both is dropped for a small sum (TF's merge).
        in_both = np.isin(np.arange(unique.shape[0]), a_ids) & np.isin(
            np.arange(unique.shape[0]), b_ids
        )
        keep = ~in_both | (np.abs(sums) >= np.asarray(to_host(thresh)))
        xp = device.xp
        return (
            xp.asarray(unique[keep].astype(np.int64).reshape(-1, a_indices.shape[1])),
            xp.asarray(sums[keep]),
            xp.asarray(a_shape),
        )

    return add


def _add_grad(op, unused_indices_grad, values_grad, unused_shape_grad):
    # TF's _SparseAddGrad: SparseAddGrad routes the sum's gradient back to each operand.
    a_grad, b_grad = op.graph.create_op(
        "SparseAddGrad",
        [values_grad, op.inputs[0], op.inputs[3], op.outputs[0]],
        {"T": op._attrs["T"]},
        name="SparseAddGrad",
    ).outputs
    a_grad.set_shape(op.inputs[1].shape)
    b_grad.set_shape(op.inputs[4].shape)
    return [None, a_grad, None, None, b_grad, None, None]


def _add_grad_kernel(op, device):
    def add_grad(values_grad, a_indices, b_indices, sum_indices):
        values_grad = np.asarray(to_host(values_grad))
        parts = [np.asarray(to_host(i), np.int64) for i in (a_indices, b_indices, sum_indices)]
        (a_ids, b_ids, sum_ids), unique = row_ids(*parts)
        at_sum = np.zeros(unique.shape[0] + 1, values_grad.dtype)
        at_sum[sum_ids] = values_grad
        # An index thresholded out of the sum has no entry: its operands' gradient is 0.
        present = np.zeros(unique.shape[0] + 1, bool)
        present[sum_ids] = True
        xp = device.xp
        return (
            xp.asarray(np.where(present[a_ids], at_sum[a_ids], 0).astype(values_grad.dtype)),
            xp.asarray(np.where(present[b_ids], at_sum[b_ids], 0).astype(values_grad.dtype)),
        )

    return add_grad


registry.register(
    "SparseAdd",
    lambda op: sparse_outputs(op.inputs[1].dtype.base_dtype),
    _add_kernel,
    grad=_add_grad,
)
registry.register(
    "SparseAddGrad",
    lambda op: [(op.inputs[0].dtype.base_dtype, TensorShape([None]))] * 2,
    _add_grad_kernel,
    not_differentiable=True,
)


def _dense_add_kernel(op, device):
    def dense_add(indices, values, shape, dense):
        indices, values, shape = host_sparse(indices, values, shape)
        dense = np.array(to_host(dense))
        if tuple(dense.shape) != tuple(shape):
            raise invalid(
                "Dimension mismatch: expected the SparseTensor's shape "
                f"{_text(shape)} and b's shape {_text(dense.shape)} to be equal"
            )
        if indices.shape[0]:
            np.add.at(dense, tuple(indices.T), values)
        return device.xp.asarray(dense)

    return dense_add


def _dense_add_grad(op, out_grad):
    from teachflow.ops.array_ops import gather_nd

    return [None, gather_nd(out_grad, op.inputs[0]), None, out_grad]


registry.register(
    "SparseTensorDenseAdd",
    lambda op: [(op.inputs[3].dtype.base_dtype, op.inputs[3].shape)],
    _dense_add_kernel,
    grad=_dense_add_grad,
)


def sparse_add(a, b, threshold=None, thresh=None):
    """``a + b`` where one or both are SparseTensors: a SparseTensor when both are (an index
    in both is dropped when its sum's magnitude is below ``threshold``), else dense.

        >>> import teachflow as tf
        >>> sp = tf.SparseTensor([[0, 1]], [5.0], [1, 2])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse.add(tf.ones([1, 2]), sp)).tolist())
        [[1.0, 6.0]]
    """
    if threshold is None:
        threshold = 0 if thresh is None else thresh
    a_sparse, b_sparse = isinstance(a, SparseTensor), isinstance(b, SparseTensor)
    if not (a_sparse or b_sparse):
        raise TypeError("At least one input should be SparseTensor; do you mean to use tf.add()?")
    if a_sparse and b_sparse:
        real = a.dtype.base_dtype.real_dtype if hasattr(a.dtype, "real_dtype") else a.dtype
        thresh_t = convert_to_tensor(threshold, dtype=real.base_dtype, name="threshold")
        inputs = [a.indices, a.values, a.dense_shape, b.indices, b.values, b.dense_shape, thresh_t]
        attrs = {"T": a.dtype.base_dtype, "Treal": thresh_t.dtype.base_dtype}
        indices, values, shape = a.graph.create_op(
            "SparseAdd", inputs, attrs, name="SparseAdd"
        ).outputs
        static = a.shape.merge_with(b.shape)
        if static.is_fully_defined():
            shape = static.as_list()
        return SparseTensor(indices, values, shape)
    sp, dense = (a, b) if a_sparse else (b, a)
    dense = convert_to_tensor(dense, dtype=sp.dtype.base_dtype)
    attrs = {"T": sp.dtype.base_dtype, "Tindices": dtypes.int64}
    inputs = [sp.indices, sp.values, sp.dense_shape, dense]
    return sp.graph.create_op(
        "SparseTensorDenseAdd", inputs, attrs, name="SparseTensorDenseAdd"
    ).outputs[0]


# -- SparseSparseMaximum / Minimum -------------------------------------------------------------
_PICKS = {"SparseSparseMaximum": np.maximum, "SparseSparseMinimum": np.minimum}


def _pick_kernel(op, device):
    pick = _PICKS[op.type]

    def elementwise(a_indices, a_values, a_shape, b_indices, b_values, b_shape):
        a_indices, a_values, a_shape = host_sparse(a_indices, a_values, a_shape)
        b_indices, b_values, b_shape = host_sparse(b_indices, b_values, b_shape)
        _check_same_shape(a_indices, b_indices, a_shape, b_shape)
        (a_ids, b_ids), unique = row_ids(a_indices, b_indices)
        # An index missing from one operand is an implicit zero there.
        a_full = np.zeros(unique.shape[0], a_values.dtype)
        b_full = np.zeros(unique.shape[0], a_values.dtype)
        a_full[a_ids], b_full[b_ids] = a_values, b_values
        xp = device.xp
        out = unique.astype(np.int64).reshape(-1, a_indices.shape[1])
        return xp.asarray(out), xp.asarray(pick(a_full, b_full))

    return elementwise


for _type in _PICKS:
    registry.register(
        _type,
        lambda op: [
            (dtypes.int64, TensorShape([None, None])),
            (op.inputs[1].dtype.base_dtype, TensorShape([None])),
        ],
        _pick_kernel,
        not_differentiable=True,
    )


def _pick(op_type, sp_a, sp_b, name):
    with name_scope(name, op_type, [sp_a.indices, sp_a.values, sp_b.indices, sp_b.values]) as scope:
        inputs = [
            sp_a.indices,
            sp_a.values,
            sp_a.dense_shape,
            sp_b.indices,
            sp_b.values,
            sp_b.dense_shape,
        ]
        indices, values = sp_a.graph.create_op(
            op_type, inputs, {"T": sp_a.dtype.base_dtype}, name=scope
        ).outputs
    out = SparseTensor(indices, values, sp_a.dense_shape)
    out._shape = out._shape.merge_with(sp_a.shape)
    return out


def sparse_maximum(sp_a, sp_b, name=None):
    """The elementwise maximum of two SparseTensors of one shape; a missing entry is 0.

    >>> import teachflow as tf
    >>> a = tf.SparseTensor([[0]], [-1.0], [2])
    >>> b = tf.SparseTensor([[1]], [2.0], [2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.maximum(a, b)).values.tolist())
    [0.0, 2.0]
    """
    return _pick("SparseSparseMaximum", sp_a, sp_b, name)


def sparse_minimum(sp_a, sp_b, name=None):
    """The elementwise minimum of two SparseTensors of one shape; a missing entry is 0."""
    return _pick("SparseSparseMinimum", sp_a, sp_b, name)
