"""Normalisation: ``tf.nn.batch_normalization`` (a composition), ``tf.nn.fused_batch_norm``
(the ``FusedBatchNormV3`` op and its gradient ``FusedBatchNormGradV3``) and local
response normalisation (``LRN`` / ``LRNGrad``).

Batch normalisation rescales each channel to zero mean and unit variance, then applies
a learned ``scale`` (gamma) and ``offset`` (beta). The composed form builds it from
small ops that a student can follow in the graph; the fused op does it in one kernel and
is what ``tf.layers.batch_normalization`` uses on images. In training mode the fused op
normalises with the *batch's* statistics and returns them — the variance with Bessel's
correction (``n / (n - 1)``), the number TensorFlow feeds to the moving average — while
normalising with the biased variance.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    >>> y, mean, variance = tf.nn.fused_batch_norm(x, tf.ones([3]), tf.zeros([3]))
    >>> y.op.type, y.shape, mean.shape
    ('FusedBatchNormV3', TensorShape([Dimension(None), Dimension(8), Dimension(8), Dimension(3)]), TensorShape([Dimension(3)]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.sliding_windows import shapes_text, text

__all__: list = []

FUSED_DTYPES = (dtypes.float16, dtypes.float32)
LRN_DTYPES = (dtypes.float16, dtypes.float32)
# cuDNN's lower bound on epsilon, which TensorFlow applies on every device.
MIN_EPSILON = 1.001e-5


# -- tf.nn.batch_normalization ----------------------------------------------------------------
def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``(x - mean) / sqrt(variance + variance_epsilon) * scale + offset``, in TF's op order.

    ``offset`` and ``scale`` may be None (no shift, no scaling). Statistics usually come
    from `tf.nn.moments`.

        >>> import teachflow as tf
        >>> x = tf.constant([[1.0], [3.0]])
        >>> mean, variance = tf.nn.moments(x, [0])
        >>> y = tf.nn.batch_normalization(x, mean, variance, None, None, 0.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).ravel())
        [-1.  1.]
    """
    from teachflow.ops import math_ops

    with name_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        inv = math_ops.rsqrt(variance + variance_epsilon)
        if scale is not None:
            inv *= scale
        # TensorFlow's exact order (its quantisation tools depend on it): x * inv + (offset -
        # mean * inv).
        x = convert_to_tensor(x)
        scaled = x * math_ops.cast(inv, x.dtype)
        shift = offset - mean * inv if offset is not None else -mean * inv
        return scaled + math_ops.cast(shift, x.dtype)


def batch_norm_with_global_normalization(
    t=None,
    m=None,
    v=None,
    beta=None,
    gamma=None,
    variance_epsilon=None,
    scale_after_normalization=None,
    name=None,
    input=None,  # noqa: A002 - TensorFlow's argument name
    mean=None,
    variance=None,
):
    """TF1's older batch norm: `batch_normalization` of ``t`` with ``gamma`` used only
    when ``scale_after_normalization`` (the op of that name is not built, as in TF 2).

    >>> import teachflow as tf
    >>> tf.nn.batch_norm_with_global_normalization(
    ...     tf.ones([2, 3]), tf.zeros([3]), tf.ones([3]), tf.zeros([3]), tf.ones([3]), 0.001,
    ...     False).op.name
    'batchnorm/add_1'
    """
    t = input if input is not None else t
    m = mean if mean is not None else m
    v = variance if variance is not None else v
    scale = gamma if scale_after_normalization else None
    return batch_normalization(t, m, v, beta, scale, variance_epsilon, name)


# -- moments from sums and weights -------------------------------------------------------------
def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """``(count, sum(x - shift), sum((x - shift) ** 2), shift)`` over ``axes``: what
    `normalize_moments` turns into a mean and variance (and what can be summed across
    workers first). ``x``'s dimensions along ``axes`` must be known.

        >>> import teachflow as tf
        >>> count, m_ss, v_ss, _ = tf.nn.sufficient_statistics(tf.ones([2, 3]), [0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(count), sess.run(m_ss))
        2.0 [2. 2. 2.]
    """
    from teachflow.ops import constant_op, math_ops

    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = [axes] if isinstance(axes, int) else list(axes)
    with name_scope(name, "sufficient_statistics", [x, shift]):
        x = convert_to_tensor(x, name="x")
        dims = x.shape.as_list() if x.shape.ndims is not None else None
        if dims is None or any(dims[d] is None for d in axes):
            raise ValueError("sufficient_statistics in teachflow needs x's reduced dims known")
        count = int(np.prod([dims[d] for d in axes]))
        counts = constant_op.constant(count, dtype=x.dtype.base_dtype)
        if shift is not None:
            shift = convert_to_tensor(shift, name="shift")
            m_ss = math_ops.subtract(x, shift)
            v_ss = math_ops.squared_difference(x, shift)
        else:
            m_ss = x
            v_ss = math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keep, name="mean_ss")
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keep, name="var_ss")
    return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from `sufficient_statistics`:
    ``mean = mean_ss / count + shift``, ``variance = variance_ss / count - (mean_ss / count) ** 2``.

    >>> import teachflow as tf
    >>> stats = tf.nn.sufficient_statistics(tf.constant([[1.0], [3.0]]), [0])
    >>> mean, variance = tf.nn.normalize_moments(*stats)
    >>> with tf.Session() as sess:
    ...     print(sess.run(mean), sess.run(variance))
    [2.] [1.]
    """
    from teachflow.ops import math_ops

    with name_scope(name, "normalize", [counts, mean_ss, variance_ss, shift]):
        divisor = math_ops.reciprocal(counts, name="divisor")
        if shift is not None:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
            mean = math_ops.add(shifted_mean, shift, name="mean")
        else:
            shifted_mean = math_ops.multiply(mean_ss, divisor, name="mean")
            mean = shifted_mean
        variance = math_ops.subtract(
            math_ops.multiply(variance_ss, divisor), math_ops.square(shifted_mean), name="variance"
        )
    return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of ``x`` over ``axes`` with each element counted
    ``frequency_weights`` times (weights broadcast against ``x``; a zero total gives 0).

    >>> import teachflow as tf
    >>> mean, variance = tf.nn.weighted_moments(tf.constant([1.0, 3.0]), [0], [3.0, 1.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(mean), sess.run(variance))
    1.5 0.75
    """
    from teachflow.ops import array_ops, math_ops, special_math_ops

    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "weighted_moments", [x, frequency_weights, axes]):
        x = convert_to_tensor(x, name="x")
        frequency_weights = convert_to_tensor(frequency_weights, name="frequency_weights")
        # float16 has too little range for these sums: accumulate in float32, as TF does.
        needs_cast = x.dtype.base_dtype is dtypes.float16
        if needs_cast:
            x = math_ops.cast(x, dtypes.float32)
        if frequency_weights.dtype.base_dtype is not x.dtype.base_dtype:
            frequency_weights = math_ops.cast(frequency_weights, x.dtype.base_dtype)
        weighted_input_sum = math_ops.reduce_sum(
            frequency_weights * x, axes, name="weighted_input_sum", keepdims=True
        )
        # Weights need only broadcast against x: spread them to x's shape before summing.
        broadcasted_weights = frequency_weights + array_ops.zeros_like(x)
        sum_of_weights = math_ops.reduce_sum(
            broadcasted_weights, axes, name="sum_of_weights", keepdims=True
        )
        weighted_mean = special_math_ops.div_no_nan(weighted_input_sum, sum_of_weights)
        weighted_distsq = math_ops.reduce_sum(
            frequency_weights * math_ops.squared_difference(x, weighted_mean),
            axes,
            name="weighted_distsq",
            keepdims=True,
        )
        weighted_variance = special_math_ops.div_no_nan(weighted_distsq, sum_of_weights)
        if not keep:
            weighted_mean = array_ops.squeeze(weighted_mean, axis=axes)
            weighted_variance = array_ops.squeeze(weighted_variance, axis=axes)
        if needs_cast:
            weighted_mean = math_ops.cast(weighted_mean, dtypes.float16)
            weighted_variance = math_ops.cast(weighted_variance, dtypes.float16)
        return weighted_mean, weighted_variance


# -- FusedBatchNormV3 ---------------------------------------------------------------------------
def _channels_last(op, x):
    return x.transpose(0, 2, 3, 1) if text(op._attrs["data_format"]) == "NCHW" else x


def _channels_back(op, x):
    return x.transpose(0, 3, 1, 2) if text(op._attrs["data_format"]) == "NCHW" else x


def _infer_fused_batch_norm(op):
    x, scale, offset, mean, variance = op.inputs
    dt = check_allowed(x, FUSED_DTYPES, "x")
    for name, t in (("scale", scale), ("offset", offset), ("mean", mean), ("variance", variance)):
        if t.dtype.base_dtype is not dtypes.float32:
            raise TypeError(
                f"Input '{name}' of 'FusedBatchNormV3' Op has type {t.dtype.base_dtype.name} "
                "that does not match expected type of float32."
            )
    fmt = text(op._attrs["data_format"])
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"Invalid data format: {fmt}")
    bad = [t for t in (x,) if t.shape.ndims not in (None, 4)]
    bad_params = [t for t in (scale, offset) if t.shape.ndims not in (None, 1)]
    if bad or bad_params:
        rank, want = (x.shape.ndims, 4) if bad else (bad_params[0].shape.ndims, 1)
        raise ValueError(
            f"Shape must be rank {want} but is rank {rank} for '{op.name}' "
            f"(op: 'FusedBatchNormV3') with input shapes: "
            f"{shapes_text(*(t.shape for t in op.inputs))}."
        )
    channels = dimension_value(x.shape[3 if fmt == "NHWC" else 1]) if x.shape.ndims == 4 else None
    for t in (scale, offset):
        if (
            t.shape.ndims == 1
            and channels is not None
            and dimension_value(t.shape[0]) not in (None, channels)
        ):
            raise ValueError(
                f"Dimensions must be equal, but are {channels} and {t.shape[0]} for "
                f"'{op.name}' (op: 'FusedBatchNormV3')"
            )
    vec = (dtypes.float32, TensorShape([channels]))
    return [(dt, x.shape)] + [vec] * 4 + [(dtypes.float32, TensorShape(None))]


def _fused_batch_norm_kernel(op, device):
    xp = device.xp
    eps = float(op._attrs["epsilon"])
    training = bool(op._attrs["is_training"])
    factor = float(op._attrs.get("exponential_avg_factor", 1.0))

    def fused_batch_norm(x, scale, offset, mean, variance):
        dtype = x.dtype
        x = _channels_last(op, x).astype(np.float32, copy=False)
        channels = x.shape[3]
        for name, v in (("scale", scale), ("offset", offset)):
            if v.shape != (channels,):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"{name} must have the same number of elements as the channels "
                    f"of x, got {v.size} and {channels}",
                )
        if training:
            batch_mean = x.mean(axis=(0, 1, 2))
            batch_var = x.var(axis=(0, 1, 2))
        else:
            if mean.shape != (channels,) or variance.shape != (channels,):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "When is_training=false, mean and variance must have the same "
                    f"number of elements as the channels of x, got {mean.size} and "
                    f"{variance.size} for {channels} channels",
                )
            batch_mean, batch_var = mean, variance
        inv = 1 / xp.sqrt(batch_var + np.float32(eps))
        y = (x - batch_mean) * (inv * scale) + offset
        y = _channels_back(op, y).astype(dtype, copy=False)
        if not training:
            return y, mean, variance, mean, variance, xp.zeros((0,), np.float32)
        n = x.size // max(channels, 1)
        unbiased = batch_var * np.float32(n / max(n - 1, 1))
        if factor != 1.0:
            # The moving-average update done inside the op (TF 2's fused path).
            running_mean = (1 - factor) * mean + factor * batch_mean
            running_var = (1 - factor) * variance + factor * unbiased
        else:
            running_mean, running_var = batch_mean, unbiased
        return (
            y,
            running_mean.astype(np.float32),
            running_var.astype(np.float32),
            batch_mean,
            batch_var,
            xp.zeros((0,), np.float32),
        )

    return fused_batch_norm


def _infer_fused_batch_norm_grad(op):
    dy, x = op.inputs[:2]
    dt = check_allowed(dy, FUSED_DTYPES, "y_backprop")
    channels = dimension_value(op.inputs[2].shape[0]) if op.inputs[2].shape.ndims == 1 else None
    vec = (dtypes.float32, TensorShape([channels]))
    empty = (dtypes.float32, TensorShape([0]))
    return [(dt, dy.shape.merge_with(x.shape)), vec, vec, empty, empty]


def _fused_batch_norm_grad_kernel(op, device):
    xp = device.xp
    eps = np.float32(op._attrs["epsilon"])
    training = bool(op._attrs["is_training"])

    def fused_batch_norm_grad(dy, x, scale, mean, variance, _reserve):
        dtype = dy.dtype
        dy = _channels_last(op, dy).astype(np.float32, copy=False)
        x = _channels_last(op, x).astype(np.float32, copy=False)
        inv = 1 / xp.sqrt(variance + eps)
        x_hat = (x - mean) * inv
        axes = (0, 1, 2)
        d_offset = dy.sum(axis=axes)
        d_scale = (dy * x_hat).sum(axis=axes)
        if training:
            # The batch statistics depend on x too: remove the mean of dy and its component
            # along x_hat (the standard batch-norm backward pass).
            n = x.size // x.shape[3]
            dx = (scale * inv) * (dy - d_offset / n - x_hat * (d_scale / n))
        else:
            dx = dy * (scale * inv)
        empty = xp.zeros((0,), np.float32)
        return _channels_back(op, dx).astype(dtype, copy=False), d_scale, d_offset, empty, empty

    return fused_batch_norm_grad


def _fused_batch_norm_grad(op, grad_y, *unused):
    from teachflow.ops import array_ops

    if grad_y is None:
        grad_y = array_ops.zeros_like(op.outputs[0])
    x, scale = op.inputs[:2]
    # Training normalised with the batch's statistics (saved in the reserve outputs);
    # inference with the given ones.
    if op._attrs["is_training"]:
        stats = [op.outputs[3], op.outputs[4]]
    else:
        stats = [op.inputs[3], op.inputs[4]]
    attrs = {k: op._attrs[k] for k in ("T", "U", "epsilon", "data_format", "is_training")}
    dx, d_scale, d_offset, _, _ = grad_y.graph.create_op(
        "FusedBatchNormGradV3",
        [grad_y, x, scale, *stats, op.outputs[5]],
        attrs,
        name="FusedBatchNormGradV3",
    ).outputs
    return [dx, d_scale, d_offset, None, None]


registry.register(
    "FusedBatchNormV3",
    _infer_fused_batch_norm,
    _fused_batch_norm_kernel,
    grad=_fused_batch_norm_grad,
    cheap=False,
)
registry.register(
    "FusedBatchNormGradV3", _infer_fused_batch_norm_grad, _fused_batch_norm_grad_kernel, cheap=False
)


def fused_batch_norm(
    x,
    scale,
    offset,
    mean=None,
    variance=None,
    epsilon=0.001,
    data_format="NHWC",
    is_training=True,
    name=None,
    exponential_avg_factor=1.0,
):
    """Batch normalisation of a 4-D ``x`` in one op: ``(y, batch_mean, batch_variance)``.

    Training (the default) normalises with the batch's statistics and returns them (the
    variance unbiased); otherwise ``mean`` and ``variance`` (the moving statistics) are
    required and returned. ``epsilon`` is raised to at least 1.001e-5, as in TensorFlow.
    Raises ValueError for a rank other than 4.

        >>> import teachflow as tf
        >>> y, m, v = tf.nn.fused_batch_norm(tf.ones([2, 1, 1, 1]), [1.0], [0.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).ravel(), sess.run(m))
        [0. 0.] [1.]
    """
    if not is_training and (mean is None or variance is None):
        raise ValueError(
            "Both 'mean' and 'variance' must be a 1D tensor when is_training is False."
        )
    x = convert_to_tensor(x, name="input")
    scale = convert_to_tensor(scale, name="scale")
    offset = convert_to_tensor(offset, name="offset")
    if mean is None:
        mean = convert_to_tensor(np.zeros((0,), np.float32))
    if variance is None:
        variance = convert_to_tensor(np.zeros((0,), np.float32))
    mean = convert_to_tensor(mean, name="mean")
    variance = convert_to_tensor(variance, name="variance")
    epsilon = max(float(epsilon), MIN_EPSILON)
    attrs = {
        "T": x.dtype.base_dtype,
        "U": dtypes.float32,
        "epsilon": epsilon,
        "exponential_avg_factor": float(exponential_avg_factor),
        "data_format": data_format or "NHWC",
        "is_training": bool(is_training),
    }
    with name_scope(name, "FusedBatchNormV3", [x, scale, offset]) as scope:
        op = x.graph.create_op(
            "FusedBatchNormV3", [x, scale, offset, mean, variance], attrs, name=scope
        )
    return op.outputs[0], op.outputs[1], op.outputs[2]


# -- LRN --------------------------------------------------------------------------------------
def _channel_window_sum(xp, v, radius):
    """``sum(v[..., d - radius : d + radius + 1])`` for every channel d (zeros outside)."""
    c = v.shape[-1]
    padded = xp.pad(v, [(0, 0)] * (v.ndim - 1) + [(radius, radius)])
    total = xp.zeros_like(v)
    for k in range(2 * radius + 1):
        total += padded[..., k : k + c]
    return total


def _lrn_attrs(op):
    a = op._attrs
    return int(a["depth_radius"]), float(a["bias"]), float(a["alpha"]), float(a["beta"])


def _infer_lrn(op):
    x = op.inputs[0]
    dt = check_allowed(x, LRN_DTYPES, "input")
    if x.shape.ndims not in (None, 4):
        raise ValueError(
            f"Shape must be rank 4 but is rank {x.shape.ndims} for '{op.name}' (op: '{op.type}')"
        )
    return [(dt, x.shape)]


def _lrn_kernel(op, device):
    xp = device.xp
    radius, bias, alpha, beta = _lrn_attrs(op)

    def lrn(x):
        norm = bias + alpha * _channel_window_sum(xp, x * x, radius)
        return (x * norm ** (-beta)).astype(x.dtype, copy=False)

    return lrn


def _lrn_grad_kernel(op, device):
    xp = device.xp
    radius, bias, alpha, beta = _lrn_attrs(op)

    def lrn_grad(dy, x, y):
        # y_d = x_d N_d^-beta with N_d = bias + alpha sum_{k in W(d)} x_k^2, so
        # dx_j = dy_j N_j^-beta - 2 alpha beta x_j sum_{d in W(j)} dy_d x_d N_d^(-beta-1).
        norm = bias + alpha * _channel_window_sum(xp, x * x, radius)
        spread = _channel_window_sum(xp, dy * x * norm ** (-beta - 1), radius)
        dx = dy * norm ** (-beta) - 2 * alpha * beta * x * spread
        return dx.astype(dy.dtype, copy=False)

    return lrn_grad


def _lrn_grad(op, grad):
    attrs = {k: op._attrs[k] for k in ("T", "depth_radius", "bias", "alpha", "beta")}
    return [
        grad.graph.create_op(
            "LRNGrad", [grad, op.inputs[0], op.outputs[0]], attrs, name="LRNGrad"
        ).outputs[0]
    ]


registry.register("LRN", _infer_lrn, _lrn_kernel, grad=_lrn_grad)
registry.register(
    "LRNGrad", lambda op: [(op.inputs[0].dtype.base_dtype, op.inputs[1].shape)], _lrn_grad_kernel
)


def local_response_normalization(
    input,  # noqa: A002 - TensorFlow's argument name
    depth_radius=5,
    bias=1.0,
    alpha=1.0,
    beta=0.5,
    name=None,
):
    """Each value divided by ``(bias + alpha * sum of squares of its 2 r + 1 neighbouring
    channels) ** beta`` — AlexNet's normalisation across channels.

        >>> import teachflow as tf
        >>> y = tf.nn.lrn(tf.constant([[[[3.0, 4.0]]]]), depth_radius=1, bias=0.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).ravel())
        [0.6 0.8]
    """
    with name_scope(name, "LRN", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {
            "T": x.dtype.base_dtype,
            "depth_radius": int(depth_radius),
            "bias": float(bias),
            "alpha": float(alpha),
            "beta": float(beta),
        }
        return x.graph.create_op("LRN", [x], attrs, name=scope).outputs[0]


lrn = local_response_normalization
