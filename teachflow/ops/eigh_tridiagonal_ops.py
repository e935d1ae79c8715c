"""``tf.linalg.eigh_tridiagonal``: eigenvalues (and eigenvectors) of a symmetric (or
Hermitian) tridiagonal matrix, built as TensorFlow's Python builds it.

The eigenvalues come from *bisection*: the Sturm sequence of ``T - x I`` counts the
eigenvalues below ``x`` (the negative pivots of its LDL^T factorisation), so each wanted
eigenvalue's interval, starting from the Gershgorin bounds, is halved until it is as narrow
as the dtype allows. The eigenvectors come from *inverse iteration*: a random start
(stateless, seed ``[7, 42]``) is solved against ``T - lambda I`` a few times, vectors of
nearly equal eigenvalues re-orthogonalised by a QR. Everything is ordinary ops inside
``tf.while_loop``s.

    >>> import teachflow as tf
    >>> w = tf.linalg.eigh_tridiagonal([2.0, 2.0], [1.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(w).round(5).tolist())
    [1.0, 3.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops import arithmetic_ops as am
from teachflow.ops import comparison_ops as cmp
from teachflow.ops import reduction_ops as red
from teachflow.ops.control_flow_while import while_loop
from teachflow.ops.filling import ones, zeros
from teachflow.ops.filling import range as range_op
from teachflow.ops.shape_ops import shape, size
from teachflow.ops.tiling import broadcast_to

__all__ = ["eigh_tridiagonal"]


def _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, x):
    """How many eigenvalues lie below each ``x``: the negative pivots of ``T - x I``."""
    with name_scope("sturm"):
        n = dimension_value(alpha.shape[0])
        zero_counts = zeros(shape(x), dtype=dtypes.int32)
        one_counts = ones(shape(x), dtype=dtypes.int32)

        def sturm_step0():
            q = alpha[0] - x
            count = cmp.where(q < 0, one_counts, zero_counts)
            q = cmp.where(cmp.equal(alpha[0], x), alpha0_perturbation, q)
            return q, count

        def sturm_step(i, q, count):
            q = alpha[i] - beta_sq[i - 1] / q - x
            count = cmp.where(q <= pivmin, count + 1, count)
            q = cmp.where(q <= pivmin, am.minimum(q, -pivmin), q)
            return q, count

        q, count = sturm_step0()
        # TF unrolls the recurrence by blocks of 16 inside the loop, the rest before it.
        blocksize = 16
        unroll = [(n - 1) % blocksize]

        def unrolled_steps(start, q, count):
            for j in range(unroll[0]):
                q, count = sturm_step(start + j, q, count)
            return start + unroll[0], q, count

        i, q, count = unrolled_steps(1, q, count)
        unroll[0] = blocksize
        _, _, count = while_loop(
            lambda i, q, count: cmp.less(i, n),
            unrolled_steps, [i, q, count], back_prop=False,
        )  # fmt: skip
        return count


def _gershgorin(alpha, beta):
    from teachflow.ops.complex_ops import conj, real
    from teachflow.ops.joining import concat
    from teachflow.ops.unary_ops import abs as abs_op
    from teachflow.ops.unary_ops import sqrt, square

    if alpha.dtype.is_complex:
        alpha = real(alpha)
        beta_sq = real(conj(beta) * beta)
        beta_abs = sqrt(beta_sq)
    else:
        beta_sq = square(beta)
        beta_abs = abs_op(beta)
    finfo = np.finfo(alpha.dtype.as_numpy_dtype)
    row_sum = concat([beta_abs[:1], beta_abs[:-1] + beta_abs[1:], beta_abs[-1:]], axis=0)
    est_max = am.minimum(finfo.max, red.reduce_max(alpha + row_sum))
    est_min = am.maximum(finfo.min, red.reduce_min(alpha - row_sum))
    t_norm = am.maximum(abs_op(est_min), abs_op(est_max))
    return alpha, beta_sq, beta_abs, est_min, est_max, t_norm


def _target_counts(alpha, n, select, select_range):
    from teachflow.ops.check_ops import assert_less, assert_less_equal
    from teachflow.ops.identity_ops import identity

    asserts = None
    target = None
    if select == "a":
        target = range_op(n)
    elif select == "i":
        asserts = assert_less_equal(
            select_range[0], select_range[1], message="Got empty index range in select_range."
        )
        target = range_op(select_range[0], select_range[1] + 1)
    elif select == "v":
        asserts = assert_less(
            select_range[0], select_range[1], message="Got empty interval in select_range."
        )
    else:
        raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
    if asserts:
        with control_dependencies([asserts]):
            alpha = identity(alpha)
    return alpha, target


def _compute_eigenvalues(alpha, beta, n, select, select_range, tol):
    with name_scope("compute_eigenvalues"):
        alpha, beta_sq, beta_abs, est_min, est_max, t_norm = _gershgorin(alpha, beta)
        from teachflow.ops.unary_ops import square

        finfo = np.finfo(alpha.dtype.as_numpy_dtype)
        one = np.ones([], dtype=alpha.dtype.as_numpy_dtype)
        safemin = np.maximum(one / finfo.max, (one + finfo.eps) * finfo.tiny)
        pivmin = safemin * am.maximum(one, red.reduce_max(beta_sq))
        alpha0_perturbation = square(finfo.eps * beta_abs[0])
        abs_tol = finfo.eps * t_norm
        if tol:
            abs_tol = am.maximum(tol, abs_tol)
        max_it = finfo.nmant + 1
        alpha, target_counts = _target_counts(alpha, n, select, select_range)
        fudge = 2.1  # the Gershgorin interval widened a little, as TF (and LAPACK) do
        norm_slack = am.cast(n, alpha.dtype) * fudge * finfo.eps * t_norm
        if select in {"a", "i"}:
            lower = est_min - norm_slack - 2 * fudge * pivmin
            upper = est_max + norm_slack + fudge * pivmin
        else:
            lower = select_range[0] - norm_slack - 2 * fudge * pivmin
            upper = select_range[1] + norm_slack + fudge * pivmin
            first = _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, lower)
            last = _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, upper)
            target_counts = range_op(first, last)
        upper = am.minimum(upper, finfo.max)
        lower = am.maximum(lower, finfo.min)
        target_shape = shape(target_counts)
        lower = broadcast_to(lower, shape=target_shape)
        upper = broadcast_to(upper, shape=target_shape)
        pivmin = broadcast_to(pivmin, target_shape)
        alpha0_perturbation = broadcast_to(alpha0_perturbation, target_shape)

        def midpoint(lower, upper):
            return (0.5 * lower) + (0.5 * upper)

        def continue_binary_search(i, lower, upper):
            return cmp.logical_and(
                cmp.less(i, max_it), cmp.less(abs_tol, red.reduce_max(upper - lower))
            )

        def binary_search_step(i, lower, upper):
            mid = midpoint(lower, upper)
            counts = _sturm(alpha, beta_sq, pivmin, alpha0_perturbation, mid)
            lower = cmp.where(counts <= target_counts, mid, lower)
            upper = cmp.where(counts > target_counts, mid, upper)
            return i + 1, lower, upper

        _, lower, upper = while_loop(continue_binary_search, binary_search_step, [0, lower, upper])
        return midpoint(lower, upper)


def _close_clusters(eigvals):
    """Start and end (exclusive) of each run of eigenvalues closer than sqrt(eps)."""
    from teachflow.ops.joining import concat
    from teachflow.ops.reshaping import squeeze
    from teachflow.ops.unary_ops import abs as abs_op

    gap = eigvals[1:] - eigvals[:-1]
    eps = np.finfo(eigvals.dtype.as_numpy_dtype).eps
    t_norm = am.maximum(abs_op(eigvals[0]), abs_op(eigvals[-1]))
    gaptol = np.sqrt(eps) * t_norm
    close = cmp.less(gap, gaptol)
    left = concat([[False], close], axis=0)
    right = concat([close, [False]], axis=0)
    start = cmp.logical_and(cmp.logical_not(left), right)
    start = squeeze(cmp.where_v2(start), axis=-1)
    end = cmp.logical_and(left, cmp.logical_not(right))
    end = squeeze(cmp.where_v2(end), axis=-1) + 1
    return start, end, size(end)


def _orthogonalize(eigenvectors, starts, ends, num_clusters):
    from teachflow.ops.diag_ops import matrix_transpose as transpose
    from teachflow.ops.linalg_ops import qr
    from teachflow.ops.reshaping import expand_dims
    from teachflow.ops.tensor_scatter_ops import tensor_scatter_nd_update

    def orthogonalize_cluster(cluster_idx, eigenvectors):
        start = starts[cluster_idx]
        end = ends[cluster_idx]
        update_indices = expand_dims(range_op(start, end), -1)
        vectors_in_cluster = eigenvectors[start:end, :]
        q, _ = qr(transpose(vectors_in_cluster))
        eigenvectors = tensor_scatter_nd_update(eigenvectors, update_indices, transpose(q))
        return cluster_idx + 1, eigenvectors

    _, eigenvectors = while_loop(
        lambda i, ev: cmp.less(i, num_clusters), orthogonalize_cluster, [0, eigenvectors]
    )
    return eigenvectors


def _compute_eigenvectors(alpha, beta, eigvals):
    from teachflow.ops.clip_ops import norm
    from teachflow.ops.complex_ops import conj, real
    from teachflow.ops.constant_op import constant
    from teachflow.ops.diag_ops import matrix_transpose as transpose
    from teachflow.ops.stateless_random_ops import stateless_random_normal
    from teachflow.ops.tiling import tile
    from teachflow.ops.tridiagonal_ops import tridiagonal_solve

    with name_scope("compute_eigenvectors"):
        k = size(eigvals)
        n = size(alpha)
        alpha = am.cast(alpha, dtype=beta.dtype)
        starts, ends, num_clusters = _close_clusters(eigvals)
        v0 = am.cast(stateless_random_normal(shape=(k, n), seed=[7, 42]), dtype=beta.dtype)
        nrm_v = norm(v0, axis=1)
        v0 = v0 / nrm_v[:, None]
        zero_nrm = constant(0, shape=nrm_v.shape, dtype=nrm_v.dtype)
        eigvals_cast = am.cast(eigvals, dtype=beta.dtype)
        alpha_shifted = alpha[None, :] - eigvals_cast[:, None]
        beta = tile(beta[None, :], [k, 1])
        diags = [beta, alpha_shifted, conj(beta)]

        def continue_iteration(i, _, nrm_v, nrm_v_old):
            max_it = 5  # LAPACK's xSTEIN
            growth = constant(1 + 0.1, dtype=nrm_v.dtype)
            return cmp.logical_and(
                cmp.less(i, max_it),
                red.reduce_any(cmp.greater_equal(real(nrm_v), real(growth * nrm_v_old))),
            )

        def inverse_iteration_step(i, v, nrm_v, nrm_v_old):
            v = tridiagonal_solve(
                diags, v, diagonals_format="sequence", partial_pivoting=True,
                perturb_singular=True,
            )  # fmt: skip
            nrm_v_old = nrm_v
            nrm_v = norm(v, axis=1)
            v = v / nrm_v[:, None]
            v = _orthogonalize(v, starts, ends, num_clusters)
            return i + 1, v, nrm_v, nrm_v_old

        _, v, nrm_v, _ = while_loop(
            continue_iteration, inverse_iteration_step, [0, v0, nrm_v, zero_nrm]
        )
        return transpose(v)


def eigh_tridiagonal(
    alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None, name=None
):
    """Eigenvalues of the tridiagonal matrix with diagonal ``alpha [n]`` and
    off-diagonal ``beta [n-1]``, ascending; with ``eigvals_only=False`` also its
    eigenvectors (columns). ``select``: ``"a"`` all, ``"i"`` those with indices
    ``select_range[0]..select_range[1]``, ``"v"`` those in the interval ``select_range``.
    Raises ValueError when ``alpha`` and ``beta`` differ in dtype or ``select`` is unknown.

        >>> import teachflow as tf
        >>> import numpy as np
        >>> w, v = tf.linalg.eigh_tridiagonal(np.ones(2), np.ones(1), eigvals_only=False)
        >>> with tf.Session() as sess:
        ...     print(sess.run(w).round(5).tolist(), abs(sess.run(v)).round(4).tolist())
        [0.0, 2.0] [[0.7071, 0.7071], [0.7071, 0.7071]]
    """
    from teachflow.ops.complex_ops import real

    with name_scope(name or "eigh_tridiagonal"):
        alpha = convert_to_tensor(alpha, name="alpha")
        n = dimension_value(alpha.shape[0])
        if n is not None and n <= 1:
            return real(alpha)
        beta = convert_to_tensor(beta, name="beta")
        if alpha.dtype != beta.dtype:
            raise ValueError("'alpha' and 'beta' must have the same type.")
        eigvals = _compute_eigenvalues(alpha, beta, n, select, select_range, tol)
        if eigvals_only:
            return eigvals
        return eigvals, _compute_eigenvectors(alpha, beta, eigvals)
