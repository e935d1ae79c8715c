"""Linear least squares: ``tf.matrix_solve_ls`` (``tf.linalg.lstsq``).

For each matrix ``A`` (``[..., M, N]``) and right-hand side ``B`` (``[..., M, K]``) in a
batch, the ``X`` that minimises ``||A X - B||^2 + l2_regularizer * ||X||^2``.

With ``fast=True`` TensorFlow does not run one kernel: its Python function builds the normal
equations out of ops every device has (that is why it runs on GPUs), and so does this
module. An over-determined ``A`` (``M >= N``) solves ``(A^H A + l2 I) X = A^H B``; an
under-determined one returns the minimum-norm ``X = A^H (A A^H + l2 I)^{-1} B``. Each
regularised Gramian is factored by ``Cholesky`` and solved by two
``MatrixTriangularSolve`` (``cholesky_solve``), so values *and* gradients come from those
ops. When the shape is not known when the graph is built, a ``cond`` picks the branch at
run time. ``fast=False`` is the ``MatrixSolveLs`` op (a complete orthogonal
decomposition, here numpy's SVD-based ``lstsq``), which has no gradient.

    >>> import teachflow as tf
    >>> X = tf.constant([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0], [1.0, 4.0]])
    >>> y = tf.constant([[6.0], [5.0], [7.0], [10.0]])
    >>> theta = tf.matrix_solve_ls(X, y)
    >>> theta.op.type, theta.op.name
    ('MatrixTriangularSolve', 'matrix_solve_ls/cholesky_solve/MatrixTriangularSolve_1')
    >>> with tf.Session() as sess:
    ...     print([round(float(v), 4) for v in sess.run(theta).ravel()])
    [3.5, 1.4]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import apply_op
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.linalg_ops import LINALG_DTYPES, cholesky, cholesky_solve
from teachflow.ops.matmul_ops import matmul

__all__ = ["matrix_solve_ls"]

# TensorFlow falls back to the one-kernel op for a big batch of small matrices: the
# composite graph would read the whole batch from memory several times.
_L2_CACHE_SIZE_GUESSTIMATE = 256000


def _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind):
    """Cholesky of ``A^H A + l2 I`` (first kind) or ``A A^H + l2 I``: the identity is only
    added (and built, under ``eye``) when the regulariser is a tensor or non-zero."""
    from teachflow.ops.filling import eye
    from teachflow.ops.shape_ops import shape

    gramian = matmul(matrix, matrix, adjoint_a=first_kind, adjoint_b=not first_kind)
    if isinstance(l2_regularizer, Tensor) or l2_regularizer != 0:
        matrix_shape = shape(matrix)
        batch_shape = matrix_shape[:-2]
        small_dim = matrix_shape[-1] if first_kind else matrix_shape[-2]
        identity = eye(small_dim, batch_shape=batch_shape, dtype=matrix.dtype)
        small_dim_static = dimension_value(matrix.shape[-1 if first_kind else -2])
        identity.set_shape(matrix.shape[:-2].concatenate([small_dim_static, small_dim_static]))
        gramian += l2_regularizer * identity
    return cholesky(gramian)


def _overdetermined(matrix, rhs, l2_regularizer):
    """``(A^H A + l2 I)^{-1} A^H B``."""
    chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=True)
    return cholesky_solve(chol, matmul(matrix, rhs, adjoint_a=True))


def _underdetermined(matrix, rhs, l2_regularizer):
    """``A^H (A A^H + l2 I)^{-1} B``: the solution of least norm."""
    chol = _regularized_gramian_cholesky(matrix, l2_regularizer, first_kind=False)
    return matmul(matrix, cholesky_solve(chol, rhs), adjoint_a=True)


def _use_composite_impl(matrix, fast):
    shape = matrix.shape
    if fast is False:
        return False
    if not shape.is_fully_defined():
        return True
    tensor_size = shape.num_elements() * matrix.dtype.size
    is_io_bound = shape[:-2].num_elements() > min(shape.as_list()[-2:])
    return not (tensor_size > _L2_CACHE_SIZE_GUESSTIMATE and is_io_bound)


def _composite_impl(matrix, rhs, l2_regularizer, name):
    with name_scope(name, "matrix_solve_ls", [matrix, rhs, l2_regularizer]):
        matrix_shape = matrix.shape[-2:]
        if matrix_shape.is_fully_defined():
            rows, cols = matrix_shape.as_list()
            if rows >= cols:
                return _overdetermined(matrix, rhs, l2_regularizer)
            return _underdetermined(matrix, rhs, l2_regularizer)
        from teachflow.ops.comparison_ops import greater_equal
        from teachflow.ops.control_flow_cond import cond
        from teachflow.ops.shape_ops import shape

        # The branch depends on the run-time shape: both are built, one runs.
        runtime_shape = shape(matrix)[-2:]
        return cond(
            greater_equal(runtime_shape[-2], runtime_shape[-1]),
            lambda: _overdetermined(matrix, rhs, l2_regularizer),
            lambda: _underdetermined(matrix, rhs, l2_regularizer),
        )


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The least-squares solution ``X`` of ``matrix @ X ~= rhs`` for each matrix of a batch.

    ``l2_regularizer`` adds ``l2 * ||X||^2`` to the loss (ridge regression). ``fast=True``
    solves the normal equations with ``Cholesky`` (TensorFlow's composite graph, with
    gradients); ``fast=False`` is the ``MatrixSolveLs`` op, stabler for ill-conditioned
    matrices, without a gradient (and, as in TensorFlow, ignoring ``l2_regularizer``).

    >>> import teachflow as tf
    >>> a = tf.constant([[1.0, 2.0]])  # one equation, two unknowns: the shortest answer
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.lstsq(a, [[5.0]])).ravel().tolist())
    [1.0, 2.0]

    NotImplementedError for complex128 with a non-zero regulariser, as in TensorFlow.
    """
    matrix = convert_to_tensor(matrix, name="matrix")
    if matrix.dtype == dtypes.complex128 and (
        isinstance(l2_regularizer, Tensor) or l2_regularizer != 0
    ):
        # TensorFlow's own refusal (its words): the composite graph loses accuracy there.
        raise NotImplementedError(
            "matrix_solve_ls is currently disabled for complex128 and l2_regularizer != 0 "
            "due to poor accuracy."
        )
    if _use_composite_impl(matrix, fast):
        return _composite_impl(matrix, rhs, l2_regularizer, name)
    args = [
        (matrix, "matrix", None),
        (rhs, "rhs", matrix.dtype.base_dtype),
        (l2_regularizer, "l2_regularizer", dtypes.float64),
    ]
    attrs = {"T": matrix.dtype.base_dtype, "fast": bool(fast)}
    return apply_op("MatrixSolveLs", name, args, attrs).outputs[0]


# -- the MatrixSolveLs op (fast=False) ---------------------------------------------------------
def _infer_solve_ls(op):
    matrix, rhs, _ = op.inputs
    dt = check_allowed(matrix, LINALG_DTYPES, "matrix")
    for t in (matrix, rhs):
        if t.shape.ndims is not None and t.shape.ndims < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {t.shape.ndims}")
    if matrix.shape.ndims is None or rhs.shape.ndims is None:
        return [(dt, TensorShape(None))]
    rows, cols = dimension_value(matrix.shape[-2]), dimension_value(matrix.shape[-1])
    if (
        rows is not None
        and dimension_value(rhs.shape[-2]) is not None
        and rows != dimension_value(rhs.shape[-2])
    ):
        raise ValueError(f"Dimensions must be equal, but are {rows} and {rhs.shape[-2]}")
    return [(dt, matrix.shape[:-2].concatenate([cols, dimension_value(rhs.shape[-1])]))]


def _solve_ls_kernel(op, device):
    xp = device.xp
    # TensorFlow's kernel ignores the regulariser with fast=False (its docs say so).
    use_l2 = op._attrs["fast"]

    def solve_ls(matrix, rhs, l2_regularizer):
        if matrix.shape[-2] != rhs.shape[-2]:
            raise errors.InvalidArgumentError(
                None, None, "Input matrix and right-hand side must have the same number of rows."
            )
        if matrix.shape[:-2] != rhs.shape[:-2]:
            raise errors.InvalidArgumentError(
                None, None, "All input tensors must have the same outer dimensions."
            )
        m, n = matrix.shape[-2:]
        k = rhs.shape[-1]
        dt = np.float32 if matrix.dtype == np.float16 else matrix.dtype
        a = matrix.astype(dt).reshape((-1, m, n))
        b = rhs.astype(dt).reshape((-1, m, k))
        l2 = float(l2_regularizer) if use_l2 else 0.0
        out = xp.empty((a.shape[0], n, k), dt)
        for i in range(a.shape[0]):
            ai, bi = a[i], b[i]
            if l2 != 0:
                # Ridge is plain least squares of A stacked on sqrt(l2) I, B on zeros.
                ai = xp.concatenate([ai, np.sqrt(l2) * xp.eye(n, dtype=dt)])
                bi = xp.concatenate([bi, xp.zeros((n, k), dt)])
            out[i] = xp.linalg.lstsq(ai, bi, rcond=None)[0]
        return out.reshape(matrix.shape[:-2] + (n, k)).astype(matrix.dtype)

    return solve_ls


def _solve_ls_grad(op, grad):
    # TensorFlow's words: only the composite graph of fast=True is differentiable.
    raise ValueError("Gradient not defined for fast=False")


registry.register("MatrixSolveLs", _infer_solve_ls, _solve_ls_kernel, grad=_solve_ls_grad)
