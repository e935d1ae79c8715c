"""Norms and gradient clipping: ``tf.norm``, ``tf.global_norm``, ``tf.clip_by_norm``,
``tf.clip_by_global_norm``, ``tf.clip_by_average_norm`` (``tf.clip_by_value`` lives with
the arithmetic ops).

All are graphs of ordinary ops, built as TensorFlow's ``clip_ops.py`` and
``linalg_ops.norm`` build them, so their names and values match. An `IndexedSlices` (an
embedding's gradient) is clipped through its values and stays an IndexedSlices. The usual
training cell:

    >>> import teachflow as tf
    >>> w = tf.Variable([3.0, 4.0])
    >>> loss = tf.reduce_sum(w * w)
    >>> grads, norm = tf.clip_by_global_norm(tf.gradients(loss, [w]), 5.0)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(norm), sess.run(grads[0]).tolist())
    10.0 [3.0, 4.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import colocate_with, name_scope
from teachflow.ops.arithmetic_ops import add as _add
from teachflow.ops.arithmetic_ops import maximum, minimum, multiply, realdiv, subtract
from teachflow.ops.arithmetic_ops import pow as pow_
from teachflow.ops.array_ops import identity
from teachflow.ops.indexed_slices import IndexedSlices
from teachflow.ops.reduction_ops import reduce_max, reduce_sum
from teachflow.ops.unary_ops import abs as abs_
from teachflow.ops.unary_ops import rsqrt, sqrt

__all__ = ["norm", "global_norm", "clip_by_norm", "clip_by_global_norm", "clip_by_average_norm"]

_MATRIX_ORDS = ("euclidean", "fro", 1, np.inf)


def _norm_axes(axis):
    """``(axes or None, is_matrix_norm)``: an int or one axis is a vector norm, two axes a
    matrix norm (ValueError otherwise, in TensorFlow's words)."""
    if axis is None:
        return None, False
    if isinstance(axis, (int, np.integer)):
        return [int(axis)], False
    axis = [int(a) for a in axis]
    if len(axis) == 2:
        if axis[0] == axis[1]:
            raise ValueError(f"'axis' must be a 2-tuple of distinct ints, got {axis}")
        return axis, True
    if len(axis) == 1:
        return axis, False
    raise ValueError(
        f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
    )


def _check_ord(ord, is_matrix_norm, axis):  # noqa: A002 - TF's argument name
    if is_matrix_norm:
        if ord not in _MATRIX_ORDS and ord != 2:
            raise ValueError(
                f"'ord' must be a supported matrix norm in {list(_MATRIX_ORDS) + [2]}, got {ord}"
            )
        if ord == 2:
            raise ValueError("teachflow's tf.norm has no spectral (ord=2) matrix norm yet")
        return
    supported = ord in ("euclidean",) or (
        isinstance(ord, (int, float, np.number)) and not isinstance(ord, bool) and ord > 0
    )
    if not supported:
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """The vector or matrix norm of ``tensor`` (over all entries when ``axis`` is None).

    ``ord``: "euclidean" (2), "fro", 1, ``np.inf`` or any positive p for vectors; for a
    matrix norm (``axis`` a pair), "fro"/"euclidean", 1 (largest column sum) or ``np.inf``
    (largest row sum).

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.norm([3.0, 4.0])), sess.run(tf.norm([3.0, -4.0], ord=1)))
        5.0 7.0
    """
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keepdims = keep_dims
    keepdims = bool(keepdims)
    axes, is_matrix_norm = _norm_axes(axis)
    if ord == "fro" and not is_matrix_norm and axes is not None:
        raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    _check_ord(ord, is_matrix_norm, axes)
    from teachflow.ops.reshaping import squeeze

    with name_scope(name, "norm", [tensor]):
        tensor = convert_to_tensor(tensor)
        if ord in ("fro", "euclidean", 2, 2.0):
            result = sqrt(reduce_sum(tensor * tensor, axes, keepdims=True))
        else:
            result = abs_(tensor)
            if ord == 1:
                result = reduce_sum(result, None if axes is None else axes[0], keepdims=True)
                if is_matrix_norm:
                    result = reduce_max(result, axes[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix_norm:
                    result = reduce_sum(result, axes[1], keepdims=True)
                result = reduce_max(result, None if axes is None else axes[0], keepdims=True)
            else:
                p = convert_to_tensor(ord, dtype=result.dtype.base_dtype)
                inverse = convert_to_tensor(1.0 / ord, dtype=result.dtype.base_dtype)
                result = pow_(reduce_sum(pow_(result, p), axes, keepdims=True), inverse)
        if not keepdims:
            result = squeeze(result, axes)
        return result


def _as_sequence(t_list, what):
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`{what}` should be a sequence of tensors. Received {type(t_list)}.")
    return list(t_list)


def _dense_part(t):
    """An IndexedSlices is clipped through its values (duplicate rows counted twice in
    the norm, as in TensorFlow); anything else as itself."""
    return t.values if isinstance(t, IndexedSlices) else t


def _like(t, clipped_values):
    if isinstance(t, IndexedSlices):
        return IndexedSlices(clipped_values, t.indices, t.dense_shape)
    return clipped_values


def global_norm(t_list, name=None):
    """``sqrt(sum of every entry squared)`` over all tensors in ``t_list`` (None ignored).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.global_norm([[3.0], [4.0]])))
    5.0
    """
    from teachflow.ops.joining import stack
    from teachflow.ops.losses import l2_loss

    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    with name_scope(name, "global_norm", [t for t in t_list if t is not None]):
        values = [
            None if t is None else convert_to_tensor(_dense_part(t), name=f"t_{i}")
            for i, t in enumerate(t_list)
        ]
        half_squared_norms = []
        for v in values:
            if v is not None:
                with colocate_with(v):
                    half_squared_norms.append(l2_loss(v))
        half_squared_norm = reduce_sum(stack(half_squared_norms))
        two = convert_to_tensor(2.0, dtype=half_squared_norm.dtype.base_dtype)
        return sqrt(half_squared_norm * two, name="global_norm")  # TF's "mul"


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """``t * clip_norm / max(l2norm(t), clip_norm)``: ``t`` rescaled so its L2 norm (over
    ``axes``, all of them by default) is at most ``clip_norm``.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.clip_by_norm([3.0, 4.0], 1.0)).tolist())
        [0.6000000238418579, 0.800000011920929]
    """
    from teachflow.ops.comparison_ops import greater, where
    from teachflow.ops.filling import ones_like

    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = convert_to_tensor(_dense_part(t), name="t")
        l2sum = reduce_sum(values * values, axes, keepdims=True)
        # sqrt's gradient at 0 is inf: take it only where the sum is positive.
        pred = greater(l2sum, 0)
        l2sum_safe = where(pred, l2sum, ones_like(l2sum))
        l2norm = where(pred, sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        values.shape.assert_is_compatible_with(intermediate.shape)
        # TF converts clip_norm inside Maximum (``Maximum/y``) and divides with ``/``.
        clipped = identity(intermediate / maximum(l2norm, clip_norm), name=scope)
        return _like(t, clipped)


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``;
    returns ``(clipped_list, global_norm)``. The way TF1 programs tame exploding
    gradients (``optimizer.apply_gradients(zip(clipped, variables))``).

    An infinite global norm makes every clipped value NaN, as in TensorFlow.
    """
    t_list = _as_sequence(t_list, "t_list")
    if use_norm is None:
        use_norm = global_norm(t_list, name)
    with name_scope(name, "clip_by_global_norm", [t for t in t_list if t is not None]) as scope:
        one = convert_to_tensor(1.0, dtype=use_norm.dtype.base_dtype)
        scale_for_finite = multiply(
            clip_norm, minimum(realdiv(one, use_norm), realdiv(one, clip_norm))
        )
        # use_norm - use_norm is NaN exactly when the norm is infinite.
        scale = _add(scale_for_finite, subtract(use_norm, use_norm))
        clipped = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            v = convert_to_tensor(_dense_part(t), name=f"t_{i}")
            with colocate_with(v):
                clipped.append(_like(t, identity(multiply(v, scale), name=f"{scope}_{i}")))
        return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """``t`` rescaled so that its L2 norm divided by its number of entries is at most
    ``clip_norm`` (deprecated in TensorFlow 2, still in tf.compat.v1)."""
    from teachflow.ops import array_ops
    from teachflow.ops.filling import range as range_
    from teachflow.ops.math_ops import cast

    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        n_element = cast(array_ops.size(t), dtypes.float32)
        l2norm_inv = rsqrt(reduce_sum(t * t, range_(array_ops.rank(t))))
        one = convert_to_tensor(1.0)
        factor = minimum(multiply(l2norm_inv, n_element), realdiv(one, clip_norm))
        return identity(multiply(multiply(t, clip_norm), factor), name=scope)
