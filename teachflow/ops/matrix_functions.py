"""Functions of a matrix: the principal square root (``tf.linalg.sqrtm``, op
``MatrixSquareRoot``) and logarithm (``tf.linalg.logm``, op ``MatrixLogarithm``, complex
matrices only, as in TensorFlow). ``tf.linalg.expm`` is a composition of ops: see
matrix_exponential.py.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.sqrtm([[4.0, 0.0], [0.0, 9.0]])).tolist())
    [[2.0, 0.0], [0.0, 3.0]]

TensorFlow's kernels call Eigen, which goes through a Schur decomposition. numpy has no
Schur form, so a diagonalizable matrix with a well-conditioned eigenbasis is mapped through
its eigenvalues (``V f(D) V^-1``), and any other matrix (a Jordan block) through the
Denman-Beavers iteration (the square root) and inverse scaling and squaring (the
logarithm). The answers agree with Eigen's to the dtype's precision, not bit for bit. A
real matrix with a negative real eigenvalue has no real square root: Eigen's is all NaN.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.linalg_ops import LINALG_DTYPES, _square_matrices
from teachflow.ops.op_builder import apply_op

__all__ = ["matrix_square_root", "matrix_logarithm"]

COMPLEX_DTYPES = (dtypes.complex64, dtypes.complex128)
# Above this condition number of the eigenbasis, V f(D) V^-1 loses too many digits.
_WELL_CONDITIONED = 1e3


def _eigen_map(a, f):
    """``V f(D) V^-1``, or None when the eigenbasis is too ill-conditioned for it."""
    values, vectors = np.linalg.eig(a)
    if not np.isfinite(values).all() or np.linalg.cond(vectors) > _WELL_CONDITIONED:
        return None
    return (vectors * f(values)[None, :]) @ np.linalg.inv(vectors)


def _denman_beavers(a):
    """The principal square root as the limit of ``Y <- (Y + Z^-1)/2, Z <- (Z + Y^-1)/2``
    from ``Y = A, Z = I`` (Higham, *Functions of Matrices*, 6.15), determinant-scaled."""
    y, z = a.astype(np.complex128), np.eye(a.shape[-1], dtype=np.complex128)
    n = a.shape[-1]
    for _ in range(100):
        scale = np.abs(np.linalg.det(y) * np.linalg.det(z)) ** (-1.0 / (2 * n))
        y_next = 0.5 * (scale * y + np.linalg.inv(scale * z))
        z = 0.5 * (scale * z + np.linalg.inv(scale * y))
        done = np.linalg.norm(y_next - y, 1) <= 1e-15 * np.linalg.norm(y_next, 1)
        y = y_next
        if done:
            break
    return y


def _sqrtm(a):
    result = _eigen_map(a, np.sqrt)
    return _denman_beavers(a) if result is None else result


def _logm(a):
    """``log(A) = 2^k log(A^(1/2^k))``: square roots until ``A`` is near ``I``, then the
    series of ``log(I + X)``."""
    result = _eigen_map(a, np.log)
    if result is not None:
        return result
    identity = np.eye(a.shape[-1], dtype=np.complex128)
    k, x = 0, a.astype(np.complex128)
    while np.linalg.norm(x - identity, 1) > 0.05 and k < 60:
        x, k = _denman_beavers(x), k + 1
    x = x - identity
    term, total = identity, np.zeros_like(identity)
    for j in range(1, 60):
        term = term @ x
        total = total + ((-1) ** (j + 1) / j) * term
    return (2.0**k) * total


def _real_negative_eigenvalue(a):
    values = np.linalg.eigvals(a)
    return bool(np.any((values.imag == 0) & (values.real < 0)))


def _matrix_function_kernel(f):
    def kernel_factory(op, device):
        xp = device.xp

        def kernel(x):
            if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
                raise errors.InvalidArgumentError(None, None, "Input matrix must be square.")
            a = np.asarray(x)
            flat = a.reshape((-1,) + a.shape[-2:])
            out = np.empty(flat.shape, a.dtype)
            for i, m in enumerate(flat):
                if m.size == 0:
                    continue
                wide = m.astype(np.complex128 if np.iscomplexobj(m) else np.float64)
                if not np.iscomplexobj(m) and _real_negative_eigenvalue(wide):
                    out[i] = np.nan
                    continue
                value = f(wide)
                out[i] = value if np.iscomplexobj(m) else value.real
            return xp.asarray(out.reshape(a.shape))

        return kernel

    return kernel_factory


def _infer(allowed):
    def infer(op):
        dt = check_allowed(op.inputs[0], allowed, "input")
        return [(dt, _square_matrices(op.inputs[0]))]

    return infer


def _matrix_square_root_grad(op, grad):
    """TensorFlow's: ``dA = R dR + dR R`` is a Sylvester equation, solved as one linear
    system in ``vec(dR)`` through Kronecker products."""
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import add, multiply, subtract
    from teachflow.ops.diag_ops import matrix_transpose
    from teachflow.ops.filling import eye
    from teachflow.ops.linalg_ops import matrix_solve
    from teachflow.ops.reduction_ops import reduce_prod
    from teachflow.ops.shape_ops import size
    from teachflow.ops.slicing import slice as slice_
    from teachflow.ops.tiling import tile

    def kronecker(b1, b2):
        b1_shape, b2_shape = array_ops.shape(b1), array_ops.shape(b2)
        b1_order, b2_order = b1_shape[-1], b2_shape[-1]
        shape_slice_size = [subtract(size(b1_shape), 2)]
        shape_slice = slice_(b1_shape, [0], shape_slice_size)
        b1_reshape_shape = array_ops.concat([shape_slice, [b1_order], [1], [b1_order], [1]], 0)
        b2_reshape_shape = array_ops.concat([shape_slice, [1], [b2_order], [1], [b2_order]], 0)
        b1_reshape = array_ops.reshape(b1, b1_reshape_shape)
        b2_reshape = array_ops.reshape(b2, b2_reshape_shape)
        order_prod = multiply(b1_order, b2_order)
        kprod_shape = array_ops.concat([shape_slice, [order_prod], [order_prod]], 0)
        return array_ops.reshape(multiply(b1_reshape, b2_reshape), kprod_shape)

    sqrtm = op.outputs[0]
    shape = array_ops.shape(sqrtm)
    order = shape[-1]
    matrix_count = reduce_prod(shape[0:-2])
    identity = eye(order, dtype=sqrtm.dtype.base_dtype)
    eye_flat = array_ops.reshape(identity, [-1])
    eye_tiled = tile(eye_flat, [matrix_count])
    eye_batch = array_ops.reshape(eye_tiled, shape)
    sqrtm_transpose = matrix_transpose(sqrtm)
    k1 = kronecker(eye_batch, sqrtm_transpose)
    k2 = kronecker(sqrtm, eye_batch)
    ksum = add(k1, k2)
    shape_slice_size = [subtract(size(shape), 2)]
    shape_slice = slice_(shape, [0], shape_slice_size)
    shape_vec_da = array_ops.concat([shape_slice, [multiply(order, order)], [1]], 0)
    vec_da = array_ops.reshape(matrix_transpose(grad), shape_vec_da)
    vec_dsqrtm = matrix_solve(ksum, vec_da)
    dsqrtm_transpose = array_ops.reshape(vec_dsqrtm, shape)
    return [matrix_transpose(dsqrtm_transpose)]


registry.register(
    "MatrixSquareRoot",
    _infer(LINALG_DTYPES),
    _matrix_function_kernel(_sqrtm),
    grad=_matrix_square_root_grad,
)
registry.register("MatrixLogarithm", _infer(COMPLEX_DTYPES), _matrix_function_kernel(_logm))


def matrix_square_root(input, name=None):  # noqa: A002 - TF's argument name
    """The principal square root ``R`` of each square matrix: ``R @ R == input``, with
    eigenvalues in the right half-plane (``tf.linalg.sqrtm``, ``tf.matrix_square_root``).

        >>> import teachflow as tf
        >>> r = tf.linalg.sqrtm([[1.0, 1.0], [0.0, 1.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(r).tolist())
        [[1.0, 0.5], [0.0, 1.0]]
    """
    x = convert_to_tensor(input, name="input")
    return apply_op(
        "MatrixSquareRoot", name, [(x, "input", None)], {"T": x.dtype.base_dtype}
    ).outputs[0]


def matrix_logarithm(input, name=None):  # noqa: A002
    """The principal logarithm of each square complex matrix (``tf.linalg.logm``); a
    real matrix is a TypeError, as in TensorFlow.

        >>> import numpy as np
        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.logm(np.eye(2, dtype=np.complex64))).real.tolist())
        [[0.0, 0.0], [0.0, 0.0]]
    """
    x = convert_to_tensor(input, name="input")
    return apply_op(
        "MatrixLogarithm", name, [(x, "input", None)], {"T": x.dtype.base_dtype}
    ).outputs[0]
