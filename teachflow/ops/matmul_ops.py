"""Matrix products: ``MatMul`` for two matrices, ``BatchMatMulV2`` for stacks of them.

``tf.matmul(a, b)`` of rank-2 tensors builds ``MatMul`` (attributes ``transpose_a`` and
``transpose_b``); tensors of higher or unknown rank give ``BatchMatMulV2`` (``adj_x``,
``adj_y``), whose leading batch dimensions broadcast. ``a @ b`` builds the same op,
named ``matmul``.

    >>> import teachflow as tf
    >>> a = tf.ones([2, 3])
    >>> tf.matmul(a, a, transpose_b=True).shape, tf.matmul(tf.ones([5, 2, 3]), tf.ones([3, 4])).shape
    (TensorShape([Dimension(2), Dimension(2)]), TensorShape([Dimension(5), Dimension(2), Dimension(4)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, broadcast_shapes
from teachflow.ops import blas_threads
from teachflow.ops.allocation import check_output
from teachflow.ops.elementwise import (
    COMPLEX,
    FLOATS,
    check_allowed,
    convert_like,
    make_op,
    reduce_to_shape,
)

__all__ = ["matmul"]

_MATMUL_DTYPES = FLOATS + (dtypes.int32, dtypes.int64) + COMPLEX


def _check_dtypes(op):
    a, b = op.inputs
    check_allowed(a, _MATMUL_DTYPES, "a")
    if b.dtype.base_dtype is not a.dtype.base_dtype:
        raise TypeError(
            f"Input 'b' of '{op.type}' Op has type {b.dtype.base_dtype.name} that does not "
            f"match type {a.dtype.base_dtype.name} of argument 'a'."
        )
    return a.dtype.base_dtype


def _inner_dims(a_dims, b_dims, transpose_a, transpose_b):
    """``(m, n)`` of ``a (m x k) times b (k x n)``; ValueError when the k's differ."""
    m, ka = (a_dims[1], a_dims[0]) if transpose_a else (a_dims[0], a_dims[1])
    kb, n = (b_dims[1], b_dims[0]) if transpose_b else (b_dims[0], b_dims[1])
    if ka is not None and kb is not None and ka != kb:
        raise ValueError(f"Dimensions must be equal, but are {ka} and {kb}")
    return m, n


def _infer_matmul(op):
    dt = _check_dtypes(op)
    a, b = op.inputs
    for t in (a, b):
        if t.shape.ndims is not None and t.shape.ndims != 2:
            raise ValueError(f"Shape must be rank 2 but is rank {t.shape.ndims}")
    a_dims = a.shape.as_list() if a.shape.ndims else [None, None]
    b_dims = b.shape.as_list() if b.shape.ndims else [None, None]
    m, n = _inner_dims(a_dims, b_dims, op._attrs["transpose_a"], op._attrs["transpose_b"])
    return [(dt, TensorShape([m, n]))]


def _infer_batch_matmul(op):
    dt = _check_dtypes(op)
    a, b = op.inputs
    for t in (a, b):
        if t.shape.ndims is not None and t.shape.ndims < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {t.shape.ndims}")
    if a.shape.ndims is None or b.shape.ndims is None:
        return [(dt, TensorShape(None))]
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, n = _inner_dims(
        a.shape.as_list()[-2:], b.shape.as_list()[-2:], op._attrs["adj_x"], op._attrs["adj_y"]
    )
    return [(dt, batch.concatenate([m, n]))]


def _shape_text(value):
    return "[" + ",".join(str(d) for d in value.shape) + "]"


def broadcast_batch(a, b):
    """The broadcast of two batch shapes (numpy's rules), for the output-size check; a
    mismatch is left for the product itself to report."""
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        return ()


def _matmul_kernel(flag_a, flag_b, batched):
    def make(op, device):
        xp = device.xp
        ta, tb = op._attrs[flag_a], op._attrs[flag_b]

        def product(a, b):
            if a.ndim < 2 or b.ndim < 2 or (not batched and (a.ndim != 2 or b.ndim != 2)):
                bad, value = (0, a) if a.ndim < 2 or (not batched and a.ndim != 2) else (1, b)
                raise errors.InvalidArgumentError(
                    None, None, f"In[{bad}] ndims must be >= 2: {value.ndim}"
                )
            x = xp.swapaxes(a, -1, -2) if ta else a
            y = xp.swapaxes(b, -1, -2) if tb else b
            if batched and xp.iscomplexobj(a):
                # BatchMatMul's adj_x and adj_y take the adjoint: transposed and conjugated.
                x = xp.conj(x) if ta else x
                y = xp.conj(y) if tb else y
            if x.shape[-1] != y.shape[-2]:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Matrix size-incompatible: In[0]: {_shape_text(a)}, In[1]: {_shape_text(b)}",
                )
            batch = broadcast_batch(x.shape[:-2], y.shape[:-2]) if x.ndim > 2 or y.ndim > 2 else ()
            check_output(device, (*batch, x.shape[-2], y.shape[-1]), x.dtype)
            try:
                if xp is np:
                    return blas_threads.product(np.matmul, x, y)
                return xp.matmul(x, y)
            except ValueError:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "In[0] and In[1] must have compatible batch dimensions: "
                    f"{_shape_text(a)} vs. {_shape_text(b)}",
                ) from None

        return product

    return make


def _matmul_grad_pair(op, grad, flag_a, flag_b, product):
    """TensorFlow's four cases: which operand is transposed decides each product."""
    a, b = op.inputs
    ta, tb = op._attrs[flag_a], op._attrs[flag_b]
    if not ta and not tb:
        return product(grad, b, False, True), product(a, grad, True, False)
    if not ta and tb:
        return product(grad, b, False, False), product(grad, a, True, False)
    if ta and not tb:
        return product(b, grad, False, True), product(a, grad, False, False)
    return product(b, grad, True, True), product(grad, a, True, True)


def _matmul_grad(op, grad):
    def product(x, y, tx, ty):
        if grad.dtype.base_dtype.is_complex:
            # TF multiplies by the conjugates of the operands for complex inputs.
            from teachflow.ops.complex_ops import conj

            x = x if x is grad else conj(x)
            y = y if y is grad else conj(y)
        return matmul(x, y, transpose_a=tx, transpose_b=ty)

    return list(_matmul_grad_pair(op, grad, "transpose_a", "transpose_b", product))


def _batch_matmul_grad(op, grad):
    def product(x, y, tx, ty):
        return _batch_matmul(x, y, tx, ty, None)

    ga, gb = _matmul_grad_pair(op, grad, "adj_x", "adj_y", product)
    # Batch dimensions that were broadcast are summed back, like any broadcast operand.
    a, b = op.inputs
    return [reduce_to_shape(ga, a), reduce_to_shape(gb, b)]


registry.register(
    "MatMul", _infer_matmul, _matmul_kernel("transpose_a", "transpose_b", False), grad=_matmul_grad
)
registry.register(
    "BatchMatMulV2",
    _infer_batch_matmul,
    _matmul_kernel("adj_x", "adj_y", True),
    grad=_batch_matmul_grad,
)


def _batch_matmul(a, b, adj_x, adj_y, name):
    attrs = {"adj_x": adj_x, "adj_y": adj_y, "T": a.dtype.base_dtype}
    return make_op("BatchMatMulV2", [a, b], name or "MatMul", attrs)


def matmul(
    a,
    b,
    transpose_a=False,
    transpose_b=False,
    adjoint_a=False,
    adjoint_b=False,
    a_is_sparse=False,
    b_is_sparse=False,
    name=None,
):
    """The matrix product ``a @ b`` (of the last two dimensions, batched over the rest).

    For real dtypes an adjoint is a transpose; ``transpose_a`` and ``adjoint_a`` must not
    both be set (ValueError). Raises ValueError when the inner dimensions are known to
    differ, TypeError when the dtypes differ.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matmul([[1, 2]], [[3], [4]])).tolist())
        [[11]]
    """
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    with name_scope(name, "MatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_like(b, a.dtype, "MatMul", ("a", "b"))
        float32 = a.dtype.base_dtype is dtypes.float32 and b.dtype.base_dtype is dtypes.float32
        if (a_is_sparse or b_is_sparse) and float32:
            # TF hands hinted float32 (and bfloat16) products to SparseMatMul.
            from teachflow.ops.sparse_matmul_ops import sparse_matmul_op

            return sparse_matmul_op(a, b, ta, tb, a_is_sparse, b_is_sparse, scope)
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None or ra > 2 or rb > 2:
            return _batch_matmul(a, b, ta, tb, scope)
        attrs = {"transpose_a": ta, "transpose_b": tb, "T": a.dtype.base_dtype}
        return make_op("MatMul", [a, b], scope, attrs)
