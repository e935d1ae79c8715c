"""Products with sparse operands: ``tf.sparse.sparse_dense_matmul``
(``SparseTensorDenseMatMul``: a SparseTensor times a dense matrix) and ``tf.sparse_matmul``
(``SparseMatMul``: two dense matrices, with hints that one has mostly zeros).

``SparseTensorDenseMatMul`` adds ``value * b[k, :]`` into output row ``i`` for each entry
``(i, k)``: the work follows the entries, not the dense shape. ``SparseMatMul``'s hints only
choose TensorFlow's kernel; the product is the ordinary one, in float32.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor([[0, 1], [1, 0]], [2.0, 3.0], [2, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sparse.sparse_dense_matmul(sp, [[1.0, 0.0], [0.0, 1.0]])).tolist())
    [[0.0, 2.0], [3.0, 0.0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import invalid, to_host
from teachflow.ops.sparse_layout_ops import host_sparse
from teachflow.ops.static_value import constant_value

__all__ = ["sparse_tensor_dense_matmul", "sparse_matmul"]


# -- SparseTensorDenseMatMul --------------------------------------------------------------------
def _dense_matmul_kernel(op, device):
    adj_a, adj_b = op._attrs["adjoint_a"], op._attrs["adjoint_b"]

    def matmul(a_indices, a_values, a_shape, b):
        indices, values, shape = host_sparse(a_indices, a_values, a_shape)
        b = np.asarray(to_host(b))
        if b.ndim != 2 or shape.size != 2:
            raise invalid(f"Tensor 'b' is not a matrix: {list(b.shape)}")
        rows, inner = (shape[1], shape[0]) if adj_a else (shape[0], shape[1])
        b = np.conj(b.T) if adj_b else b
        if inner != b.shape[0]:
            raise invalid(
                "Cannot multiply A and B because inner dimension does not match: "
                f"{inner} vs. {b.shape[0]}.  Did you forget a transpose?  Dimensions of A: "
                f"[{shape[0]}, {shape[1]}).  Dimensions of B: "
                f"[{','.join(str(d) for d in (b.T.shape if adj_b else b.shape))}]"
            )
        row_col, inner_col = (1, 0) if adj_a else (0, 1)
        for col, limit, letter in [(inner_col, inner, "k"), (row_col, rows, "m")]:
            bad = np.flatnonzero((indices[:, col] < 0) | (indices[:, col] >= limit))
            if bad.size:
                i = bad[0]
                raise invalid(
                    f"{letter} ({indices[i, col]}) from index[{i},{col}] out of bounds (>={limit})"
                )
        vals = np.conj(values) if adj_a else values
        out = np.zeros((int(rows), b.shape[1]), np.result_type(values, b))
        np.add.at(out, indices[:, row_col], vals[:, None] * b[indices[:, inner_col]])
        return device.xp.asarray(out.astype(b.dtype, copy=False))

    return matmul


def _dense_matmul_infer(op):
    b = op.inputs[3]
    adj_a, adj_b = op._attrs["adjoint_a"], op._attrs["adjoint_b"]
    shape = constant_value(op.inputs[2])
    rows = None if shape is None else int(np.reshape(shape, -1)[1 if adj_a else 0])
    cols = None
    if b.shape.ndims == 2:
        cols = b.shape.as_list()[0 if adj_b else 1]
    return [(b.dtype.base_dtype, TensorShape([rows, cols]))]


def _dense_matmul_grad(op, grad):
    # TF's _SparseTensorDenseMatMulGrad for a matrix: b's gradient is A^T (or A) times grad;
    # each entry's is the dot product of its row of grad and its row of op(b).
    from teachflow.ops import array_ops, math_ops

    indices, values, shape, b = op.inputs
    adj_a, adj_b = op._attrs["adjoint_a"], op._attrs["adjoint_b"]
    b_grad = _dense_matmul_op(indices, values, shape, grad, not adj_a, False)
    if adj_b:
        b_grad = array_ops.transpose(b_grad)
    rows, cols = indices[:, 0], indices[:, 1]
    parts_a = array_ops.gather(grad, cols if adj_a else rows)
    parts_b = array_ops.gather(array_ops.transpose(b) if adj_b else b, rows if adj_a else cols)
    values_grad = math_ops.reduce_sum(parts_a * parts_b, axis=1)
    return [None, values_grad, None, b_grad]


registry.register(
    "SparseTensorDenseMatMul", _dense_matmul_infer, _dense_matmul_kernel, grad=_dense_matmul_grad
)


def _dense_matmul_op(indices, values, shape, b, adjoint_a, adjoint_b, name=None):
    attrs = {
        "T": values.dtype.base_dtype,
        "Tindices": indices.dtype.base_dtype,
        "adjoint_a": bool(adjoint_a),
        "adjoint_b": bool(adjoint_b),
    }
    return b.graph.create_op(
        "SparseTensorDenseMatMul",
        [indices, values, shape, b],
        attrs,
        name=name or "SparseTensorDenseMatMul",
    ).outputs[0]


def sparse_tensor_dense_matmul(sp_a, b, adjoint_a=False, adjoint_b=False, name=None):
    """``op(sp_a) @ op(b)`` for a 2-D SparseTensor ``sp_a`` and a dense matrix ``b``, where
    ``op`` is the adjoint when asked (``SparseTensorDenseMatMul``). Indices need not be
    sorted; an index outside ``sp_a``'s shape is an InvalidArgumentError."""
    with name_scope(name, "SparseTensorDenseMatMul", [sp_a.indices, sp_a.values, b]):
        b = convert_to_tensor(b, name="b")
        return _dense_matmul_op(
            sp_a.indices, sp_a.values, sp_a.dense_shape, b, adjoint_a, adjoint_b
        )


# -- SparseMatMul -------------------------------------------------------------------------------
def _sparse_matmul_kernel(op, device):
    ta, tb = op._attrs["transpose_a"], op._attrs["transpose_b"]

    def matmul(a, b):
        a = np.asarray(to_host(a), np.float32)
        b = np.asarray(to_host(b), np.float32)
        a, b = (a.T if ta else a), (b.T if tb else b)
        if a.shape[1] != b.shape[0]:
            raise invalid(
                f"Matrix size-incompatible: In[0]: {list(a.shape)}, In[1]: {list(b.shape)}"
            )
        return device.xp.asarray(np.matmul(a, b).astype(np.float32))

    return matmul


def _sparse_matmul_infer(op):
    a, b = op.inputs
    ta, tb = op._attrs["transpose_a"], op._attrs["transpose_b"]
    rows = a.shape.as_list()[1 if ta else 0] if a.shape.ndims == 2 else None
    cols = b.shape.as_list()[0 if tb else 1] if b.shape.ndims == 2 else None
    return [(dtypes.float32, TensorShape([rows, cols]))]


def _sparse_matmul_grad(op, grad):
    # TF's _SparseMatMulGrad: the two products of the ordinary MatMul gradient, each told
    # which of its operands is sparse (the incoming gradient is when it comes from a ReLU).
    from teachflow.ops import array_ops, math_ops

    a, b = op.inputs
    sparse = {id(a): op._attrs["a_is_sparse"], id(b): op._attrs["b_is_sparse"]}
    sparse[id(grad)] = grad.op.type == "ReluGrad"

    def product(t1, t2, out_dtype, transpose_a=False, transpose_b=False):
        t1_sparse, t2_sparse = sparse[id(t1)], sparse[id(t2)]
        if transpose_b:
            t2 = array_ops.transpose(t2)
        prod = math_ops.matmul(
            t1, t2, transpose_a=transpose_a, a_is_sparse=t1_sparse, b_is_sparse=t2_sparse
        )
        return prod if prod.dtype.base_dtype is out_dtype else math_ops.cast(prod, out_dtype)

    ta, tb = op._attrs["transpose_a"], op._attrs["transpose_b"]
    da, db = a.dtype.base_dtype, b.dtype.base_dtype
    if not ta and not tb:
        return [product(grad, b, da, transpose_b=True), product(a, grad, db, transpose_a=True)]
    if not ta and tb:
        return [product(grad, b, da), product(grad, a, db, transpose_a=True)]
    if ta and not tb:
        return [product(b, grad, da, transpose_b=True), product(a, grad, db)]
    return [
        product(b, grad, da, transpose_a=True, transpose_b=True),
        product(grad, a, db, transpose_a=True, transpose_b=True),
    ]


registry.register(
    "SparseMatMul", _sparse_matmul_infer, _sparse_matmul_kernel, grad=_sparse_matmul_grad
)


def sparse_matmul_op(a, b, transpose_a, transpose_b, a_is_sparse, b_is_sparse, name):
    attrs = {
        "transpose_a": bool(transpose_a),
        "transpose_b": bool(transpose_b),
        "a_is_sparse": bool(a_is_sparse),
        "b_is_sparse": bool(b_is_sparse),
        "Ta": a.dtype.base_dtype,
        "Tb": b.dtype.base_dtype,
    }
    return a.graph.create_op("SparseMatMul", [a, b], attrs, name=name).outputs[0]


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False,
                  b_is_sparse=False, name=None):  # fmt: skip
    """``a @ b`` of float32 or bfloat16 matrices, a float32 result (``SparseMatMul``); the
    ``*_is_sparse`` hints say which operand has mostly zeros.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sparse_matmul([[0.0, 2.0]], [[1.0], [3.0]],
        ...                                     a_is_sparse=True)).tolist())
        [[6.0]]
    """
    with name_scope(name, "SparseMatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        return sparse_matmul_op(a, b, transpose_a, transpose_b, a_is_sparse, b_is_sparse, scope)
