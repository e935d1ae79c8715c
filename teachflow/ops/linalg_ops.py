"""Linear algebra on (batches of) square matrices: inverse, determinant, solves, Cholesky,
QR, SVD and the symmetric eigenproblem.

Each op works on the last two dimensions and maps over the others, as TensorFlow's
``LinearAlgebraOp`` kernels do. The normal equation every TF1 course starts with:

    >>> import teachflow as tf
    >>> X = tf.constant([[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    >>> y = tf.constant([[1.0], [3.0], [5.0]])
    >>> XT = tf.transpose(X)
    >>> theta = tf.matmul(tf.matmul(tf.matrix_inverse(tf.matmul(XT, X)), XT), y)
    >>> with tf.Session() as sess:
    ...     print(sess.run(theta).round(4).ravel().tolist())
    [-1.0, 2.0]

Gradients follow TensorFlow's ``linalg_grad.py`` (inverse, determinants, solves, Cholesky);
QR, SVD and eigendecompositions have none here yet.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.arithmetic_ops import add, multiply, negative
from teachflow.ops.array_ops import apply_op
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.matmul_ops import matmul
from teachflow.ops.op_results import result

__all__ = [
    "matrix_inverse",
    "matrix_determinant",
    "log_matrix_determinant",
    "matrix_solve",
    "matrix_triangular_solve",
    "cholesky",
    "cholesky_solve",
    "qr",
    "svd",
    "self_adjoint_eig",
    "self_adjoint_eigvals",
]

# The ``T in [...]`` list of TensorFlow's linear algebra ops, in its order (for messages).
LINALG_DTYPES = (
    dtypes.float64,
    dtypes.float32,
    dtypes.float16,
    dtypes.complex64,
    dtypes.complex128,
)


# -- shape inference ---------------------------------------------------------------------------
def _square_matrices(t):
    """The static shape of a batch of square matrices (ValueError when it cannot be)."""
    shape = t.shape
    if shape.ndims is None:
        return shape
    if shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {shape.ndims}")
    rows, cols = dimension_value(shape[-2]), dimension_value(shape[-1])
    if rows is not None and cols is not None and rows != cols:
        raise ValueError(f"Dimensions must be equal, but are {rows} and {cols}")
    n = rows if rows is not None else cols
    return shape[:-2].concatenate([n, n])


def _batch_of(shape):
    return TensorShape(None) if shape.ndims is None else shape[:-2]


def _infer_square(op):
    dt = check_allowed(op.inputs[0], LINALG_DTYPES, "input")
    return [(dt, _square_matrices(op.inputs[0]))]


def _infer_determinant(op):
    dt = check_allowed(op.inputs[0], LINALG_DTYPES, "input")
    return [(dt, _batch_of(_square_matrices(op.inputs[0])))]


def _infer_log_determinant(op):
    dt = check_allowed(op.inputs[0], LINALG_DTYPES, "input")
    batch = _batch_of(_square_matrices(op.inputs[0]))
    return [(dt, batch), (dt, batch)]


def _infer_solve(op):
    matrix, rhs = op.inputs
    dt = check_allowed(matrix, LINALG_DTYPES, "matrix")
    if rhs.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'rhs' of '{op.type}' Op has type {rhs.dtype.base_dtype.name} that does "
            f"not match type {dt.name} of argument 'matrix'."
        )
    square = _square_matrices(matrix)
    if rhs.shape.ndims is not None and rhs.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {rhs.shape.ndims}")
    if square.ndims is None or rhs.shape.ndims is None:
        return [(dt, rhs.shape if rhs.shape.ndims is not None else TensorShape(None))]
    n, rows = dimension_value(square[-1]), dimension_value(rhs.shape[-2])
    if n is not None and rows is not None and n != rows:
        raise ValueError(f"Dimensions must be equal, but are {n} and {rows}")
    return [
        (
            dt,
            rhs.shape[:-2].concatenate(
                [n if n is not None else rows, dimension_value(rhs.shape[-1])]
            ),
        )
    ]


def _infer_qr(op):
    x = op.inputs[0]
    dt = check_allowed(x, LINALG_DTYPES, "input")
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))] * 2
    if x.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.ndims}")
    m, n = dimension_value(x.shape[-2]), dimension_value(x.shape[-1])
    k = None if m is None or n is None else min(m, n)
    full = op._attrs["full_matrices"]
    q_cols, r_rows = (m, m) if full else (k, k)
    batch = x.shape[:-2]
    return [(dt, batch.concatenate([m, q_cols])), (dt, batch.concatenate([r_rows, n]))]


def _infer_svd(op):
    x = op.inputs[0]
    dt = check_allowed(x, LINALG_DTYPES, "input")
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))] * 3
    if x.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.ndims}")
    m, n = dimension_value(x.shape[-2]), dimension_value(x.shape[-1])
    k = None if m is None or n is None else min(m, n)
    batch = x.shape[:-2]
    if not op._attrs["compute_uv"]:
        return [(dt, batch.concatenate([k])), (dt, TensorShape([0])), (dt, TensorShape([0]))]
    full = op._attrs["full_matrices"]
    u = batch.concatenate([m, m if full else k])
    v = batch.concatenate([n, n if full else k])
    return [(dt, batch.concatenate([k])), (dt, u), (dt, v)]


def _infer_eig(op):
    dt = check_allowed(op.inputs[0], LINALG_DTYPES, "input")
    square = _square_matrices(op.inputs[0])
    if square.ndims is None:
        return [(dt, square), (dt, square)]
    values = square[:-1]
    vectors = square if op._attrs["compute_v"] else TensorShape([0])
    return [(dt, values), (dt, vectors)]


# -- kernels -----------------------------------------------------------------------------------
def _computed_in(x):
    """numpy's linalg has no float16: compute in float32 and cast back (TF's Eigen does
    the same arithmetic in wider registers)."""
    return np.float32 if x.dtype == np.float16 else x.dtype


def _square_input(x, what="Input"):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise errors.InvalidArgumentError(None, None, f"{what} matrix must be square.")


def _adjoint(xp, x):
    return xp.conj(xp.swapaxes(x, -1, -2))


def _inverse_kernel(op, device):
    xp = device.xp
    adjoint = op._attrs["adjoint"]

    def inverse(x):
        _square_input(x)
        a = x.astype(_computed_in(x))
        try:
            inv = xp.linalg.inv(_adjoint(xp, a) if adjoint else a)
        except np.linalg.LinAlgError:
            raise errors.InvalidArgumentError(None, None, "Input is not invertible.") from None
        if not bool(xp.all(xp.isfinite(inv))) and bool(xp.all(xp.isfinite(a))):
            raise errors.InvalidArgumentError(None, None, "Input is not invertible.")
        return inv.astype(x.dtype)

    return inverse


def _determinant_kernel(op, device):
    xp = device.xp

    def determinant(x):
        _square_input(x)
        return xp.linalg.det(x.astype(_computed_in(x))).astype(x.dtype)

    return determinant


def _log_determinant_kernel(op, device):
    xp = device.xp

    def log_determinant(x):
        _square_input(x)
        sign, logdet = xp.linalg.slogdet(x.astype(_computed_in(x)))
        return sign.astype(x.dtype), logdet.astype(x.dtype)

    return log_determinant


def _check_rhs(matrix, rhs):
    _square_input(matrix)
    if rhs.ndim < 2 or rhs.shape[-2] != matrix.shape[-1]:
        raise errors.InvalidArgumentError(
            None, None, "Input matrix and right-hand side must have the same number of rows."
        )
    if matrix.shape[:-2] != rhs.shape[:-2]:
        raise errors.InvalidArgumentError(
            None, None, "All input tensors must have the same outer dimensions."
        )


def _solve_kernel(op, device):
    xp = device.xp
    adjoint = op._attrs["adjoint"]

    def solve(matrix, rhs):
        _check_rhs(matrix, rhs)
        dt = _computed_in(matrix)
        a = matrix.astype(dt)
        try:
            out = xp.linalg.solve(_adjoint(xp, a) if adjoint else a, rhs.astype(dt))
        except np.linalg.LinAlgError:
            raise errors.InvalidArgumentError(
                None, None, "Input matrix is not invertible."
            ) from None
        return out.astype(matrix.dtype)

    return solve


def _triangular_solve_kernel(op, device):
    """Substitution row by row over the whole batch at once. A zero on the diagonal gives
    inf/nan, as TensorFlow's kernel does (it does not check)."""
    xp = device.xp
    lower, adjoint = op._attrs["lower"], op._attrs["adjoint"]

    def triangular_solve(matrix, rhs):
        _check_rhs(matrix, rhs)
        dt = _computed_in(matrix)
        a = xp.tril(matrix) if lower else xp.triu(matrix)
        a = a.astype(dt)
        forward = lower
        if adjoint:
            a, forward = _adjoint(xp, a), not lower
        b = rhs.astype(dt)
        n = a.shape[-1]
        x = xp.zeros(b.shape, dtype=xp.result_type(a, b))
        rows = range(n) if forward else range(n - 1, -1, -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            for i in rows:
                done = xp.einsum("...j,...jk->...k", a[..., i, :], x)
                x[..., i, :] = (b[..., i, :] - done) / a[..., i, i][..., None]
        return x.astype(matrix.dtype)

    return triangular_solve


def _cholesky_kernel(op, device):
    """A matrix that is not positive definite gives NaNs, as TensorFlow 2's CPU kernel
    does (TF 1.x raised); batches that are fine keep their factor."""
    xp = device.xp

    def cholesky(x):
        _square_input(x)
        a = x.astype(_computed_in(x))
        flat = a.reshape((-1,) + a.shape[-2:])
        out = xp.empty_like(flat)
        for i in range(flat.shape[0]):
            try:
                out[i] = xp.linalg.cholesky(flat[i])
            except np.linalg.LinAlgError:
                out[i] = xp.nan
        return out.reshape(a.shape).astype(x.dtype)

    return cholesky


def _qr_kernel(op, device):
    xp = device.xp
    mode = "complete" if op._attrs["full_matrices"] else "reduced"

    def qr(x):
        q, r = xp.linalg.qr(x.astype(_computed_in(x)), mode=mode)
        return q.astype(x.dtype), r.astype(x.dtype)

    return qr


def _svd_kernel(op, device):
    xp = device.xp
    full, compute_uv = op._attrs["full_matrices"], op._attrs["compute_uv"]

    def svd(x):
        a = x.astype(_computed_in(x))
        if not compute_uv:
            empty = xp.zeros([0], x.dtype)
            return xp.linalg.svd(a, compute_uv=False).astype(x.dtype), empty, empty
        u, s, vh = xp.linalg.svd(a, full_matrices=full)
        # TensorFlow returns v, not numpy's v^H: x = u @ diag(s) @ adjoint(v).
        return s.astype(x.dtype), u.astype(x.dtype), _adjoint(xp, vh).astype(x.dtype)

    return svd


def _eig_kernel(op, device):
    xp = device.xp
    compute_v = op._attrs["compute_v"]

    def eig(x):
        _square_input(x)
        a = x.astype(_computed_in(x))
        if not compute_v:
            return xp.linalg.eigvalsh(a).astype(x.dtype), xp.zeros([0], x.dtype)
        values, vectors = xp.linalg.eigh(a)
        return values.astype(x.dtype), vectors.astype(x.dtype)

    return eig


# -- gradients (TensorFlow's linalg_grad.py) -----------------------------------------------
def _batch_scalar(t):
    """A batch of scalars reshaped to broadcast over a batch of matrices."""
    from teachflow.ops import reshaping

    return reshaping.expand_dims(reshaping.expand_dims(t, -1), -1)


def _inverse_grad(op, grad):
    inv = op.outputs[0]
    adjoint = op._attrs["adjoint"]
    inner = matmul(grad, inv, adjoint_a=adjoint, adjoint_b=not adjoint)
    return [negative(matmul(inv, inner, adjoint_a=not adjoint))]


def _determinant_grad(op, grad):
    a, det = op.inputs[0], op.outputs[0]
    return [multiply(_batch_scalar(multiply(grad, det)), matrix_inverse(a, adjoint=True))]


def _log_determinant_grad(op, _sign_grad, logdet_grad):
    return [multiply(_batch_scalar(logdet_grad), matrix_inverse(op.inputs[0], adjoint=True))]


def _solve_grad(op, grad):
    a, c = op.inputs[0], op.outputs[0]
    adjoint = op._attrs["adjoint"]
    grad_b = matrix_solve(a, grad, adjoint=not adjoint)
    if adjoint:
        grad_a = negative(matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = negative(matmul(grad_b, c, adjoint_b=True))
    return [grad_a, grad_b]


def _triangular_solve_grad(op, grad):
    from teachflow.ops.diag_ops import matrix_band_part

    a, c = op.inputs[0], op.outputs[0]
    lower, adjoint = op._attrs["lower"], op._attrs["adjoint"]
    grad_b = matrix_triangular_solve(a, grad, lower=lower, adjoint=not adjoint)
    if adjoint:
        grad_a = negative(matmul(c, grad_b, adjoint_b=True))
    else:
        grad_a = negative(matmul(grad_b, c, adjoint_b=True))
    grad_a = matrix_band_part(grad_a, -1, 0) if lower else matrix_band_part(grad_a, 0, -1)
    return [grad_a, grad_b]


def _cholesky_grad(op, grad):
    """Murray's formula (arXiv:1602.07527), as TensorFlow writes it."""
    from teachflow.ops import array_ops
    from teachflow.ops.diag_ops import (
        matrix_band_part,
        matrix_diag_part,
        matrix_set_diag,
        matrix_transpose,
    )
    from teachflow.ops.filling import eye

    chol = op.outputs[0]
    n = array_ops.shape(chol)[-1]
    identity = eye(n, batch_shape=array_ops.shape(chol)[:-2], dtype=chol.dtype.base_dtype)
    l_inverse = matrix_triangular_solve(chol, identity)
    middle = matmul(chol, grad, adjoint_a=True)
    half = convert_to_tensor(0.5, dtype=chol.dtype.base_dtype)
    middle = matrix_set_diag(middle, multiply(half, matrix_diag_part(middle)))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = matmul(matmul(l_inverse, middle, adjoint_a=True), l_inverse)
    grad_a = add(grad_a, matrix_transpose(grad_a))
    return [multiply(half, grad_a)]


registry.register("MatrixInverse", _infer_square, _inverse_kernel, grad=_inverse_grad)
registry.register(
    "MatrixDeterminant", _infer_determinant, _determinant_kernel, grad=_determinant_grad
)
registry.register(
    "LogMatrixDeterminant",
    _infer_log_determinant,
    _log_determinant_kernel,
    grad=_log_determinant_grad,
)
registry.register("MatrixSolve", _infer_solve, _solve_kernel, grad=_solve_grad)
registry.register(
    "MatrixTriangularSolve", _infer_solve, _triangular_solve_kernel, grad=_triangular_solve_grad
)
registry.register("Cholesky", _infer_square, _cholesky_kernel, grad=_cholesky_grad)
registry.register("Qr", _infer_qr, _qr_kernel)
registry.register("Svd", _infer_svd, _svd_kernel)
registry.register("SelfAdjointEigV2", _infer_eig, _eig_kernel)


# -- the public functions ----------------------------------------------------------------------
def _dtype_attrs(t, **attrs):
    return {"T": t.dtype.base_dtype, **attrs}


def _unary(op_type, x, name, **attrs):
    x = convert_to_tensor(x, name="input")
    return apply_op(op_type, name, [(x, "input", None)], _dtype_attrs(x, **attrs))


def _solve(op_type, matrix, rhs, name, **attrs):
    matrix = convert_to_tensor(matrix, name="matrix")
    args = [(matrix, "matrix", None), (rhs, "rhs", matrix.dtype.base_dtype)]
    return apply_op(op_type, name, args, _dtype_attrs(matrix, **attrs)).outputs[0]


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002 - TF's argument name
    """The inverse of each square matrix in ``input`` (``tf.linalg.inv``).

    InvalidArgumentError "Input is not invertible." when one is singular.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_inverse([[2.0, 0.0], [0.0, 4.0]])).tolist())
        [[0.5, 0.0], [0.0, 0.25]]
    """
    return _unary("MatrixInverse", input, name, adjoint=bool(adjoint)).outputs[0]


def matrix_determinant(input, name=None):  # noqa: A002
    """The determinant of each square matrix (``tf.linalg.det``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(float(sess.run(tf.matrix_determinant([[1.0, 2.0], [3.0, 4.0]]))))
    -2.0
    """
    return _unary("MatrixDeterminant", input, name).outputs[0]


def log_matrix_determinant(input, name=None):  # noqa: A002
    """``(sign, log(abs(det)))`` of each square matrix (``tf.linalg.slogdet``)."""
    return result(_unary("LogMatrixDeterminant", input, name))


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """``x`` with ``matrix @ x == rhs`` (``tf.linalg.solve``); batches map over leading dims.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.matrix_solve([[2.0, 0.0], [0.0, 4.0]], [[2.0], [2.0]])).tolist())
    [[1.0], [0.5]]
    """
    return _solve("MatrixSolve", matrix, rhs, name, adjoint=bool(adjoint))


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solve with a triangular ``matrix`` (only its ``lower`` or upper triangle is read).

    >>> import teachflow as tf
    >>> x = tf.matrix_triangular_solve([[2.0, 0.0], [1.0, 1.0]], [[2.0], [3.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x).tolist())
    [[1.0], [2.0]]
    """
    from teachflow.framework.scopes import name_scope

    with name_scope(name, "triangular_solve", [matrix, rhs]):
        return _solve(
            "MatrixTriangularSolve", matrix, rhs, None, lower=bool(lower), adjoint=bool(adjoint)
        )


def cholesky(input, name=None):  # noqa: A002
    """The lower-triangular ``L`` with ``L @ adjoint(L) == input`` (``tf.linalg.cholesky``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.cholesky([[4.0, 2.0], [2.0, 2.0]])).tolist())
    [[2.0, 0.0], [1.0, 1.0]]
    """
    return _unary("Cholesky", input, name).outputs[0]


def cholesky_solve(chol, rhs, name=None):
    """Solve ``A x = rhs`` given ``chol = cholesky(A)``: two triangular solves."""
    from teachflow.framework.scopes import name_scope

    # TensorFlow calls the raw op here (no "triangular_solve" scope): the two solves are
    # cholesky_solve/MatrixTriangularSolve and cholesky_solve/MatrixTriangularSolve_1.
    with name_scope(name, "cholesky_solve", [chol, rhs]):
        y = _solve("MatrixTriangularSolve", chol, rhs, None, lower=True, adjoint=False)
        return _solve("MatrixTriangularSolve", chol, y, None, lower=True, adjoint=True)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """``(q, r)`` with ``q @ r == input``, ``q`` orthonormal and ``r`` upper triangular."""
    return result(_unary("Qr", input, name, full_matrices=bool(full_matrices)))


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """``(s, u, v)`` with ``tensor == u @ diag(s) @ adjoint(v)``; only ``s`` when
    ``compute_uv=False``. The order of outputs is TensorFlow's (``s`` first)."""
    outputs = _unary(
        "Svd", tensor, name, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv)
    ).outputs
    return tuple(outputs) if compute_uv else outputs[0]


def self_adjoint_eig(tensor, name=None):
    """``(e, v)``: the eigenvalues (ascending) and eigenvectors of symmetric matrices."""
    return tuple(_unary("SelfAdjointEigV2", tensor, name, compute_v=True).outputs)


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues (ascending) of symmetric matrices."""
    return _unary("SelfAdjointEigV2", tensor, name, compute_v=False).outputs[0]


def logdet(matrix, name=None):
    """``log(det(matrix))`` of Hermitian positive definite matrices, computed from their
    Cholesky factor (``2 * sum(log(diag(L)))``), which stays finite where ``det`` would
    overflow."""
    from teachflow.framework.scopes import name_scope
    from teachflow.ops.diag_ops import matrix_diag_part
    from teachflow.ops.reduction_ops import reduce_sum
    from teachflow.ops.unary_ops import log

    with name_scope(name, "logdet", [matrix]):
        chol = cholesky(matrix)
        two = convert_to_tensor(2.0, dtype=chol.dtype.base_dtype)
        return multiply(two, reduce_sum(log(matrix_diag_part(chol)), axis=[-1]))


# The decompositions' gradients live in their own module (this one is long enough).
from teachflow.ops import decomposition_grads  # noqa: E402, F401
