"""Neural-network building blocks: bias_add, dropout, moments, embedding_lookup and small
compositions (xw_plus_b, l2_normalize...) — and the helper that builds ops the way
TensorFlow's generated wrappers do.

``tf.nn`` gathers these with the activations (`teachflow.ops.activation_ops`), the
ranking ops (`teachflow.ops.top_k_ops`) and the loss ops (`teachflow.ops.losses`). TensorFlow 1.x keeps all of them out of the top-level
namespace, so ``__all__`` is empty.

    >>> import teachflow as tf
    >>> y = tf.nn.bias_add([[1.0, 2.0]], [10.0, 20.0])
    >>> y.op.type, y.op.inputs[1].op.name
    ('BiasAdd', 'BiasAdd/bias')
    >>> with tf.Session() as sess:
    ...     print(sess.run(y))
    [[11. 22.]]
"""

from __future__ import annotations

import numbers

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops.op_builder import shape_text

__all__: list = []

FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
REALS = FLOATS + (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8)


# -- building ops ---------------------------------------------------------------------------
def apply_op(op_type, name, args, attrs=None):
    """Create one op the way TF's generated wrappers do: inputs converted inside a name
    scope named for the op (``Relu/features``), the op named by the scope itself.

    ``args`` is a list of ``(arg_name, value, dtype or None)``. Returns the op.
    """
    values = [v for _, v, _ in args]
    with name_scope(name, op_type, values) as scope:
        inputs = [convert_to_tensor(v, dtype=dt, name=arg) for arg, v, dt in args]
        attrs = dict(attrs or {})
        attrs.setdefault("T", inputs[0].dtype.base_dtype)
        return inputs[0].graph.create_op(op_type, inputs, attrs, name=scope)


def as_value(r):
    """np.where and friends give 0-d arrays; runtime values are numpy scalars then."""
    return r[()] if type(r) is np.ndarray and r.ndim == 0 else r


# -- bias_add ------------------------------------------------------------------------------------
def _channel_axis(data_format, rank):
    return (
        1 if data_format.startswith(b"NC" if isinstance(data_format, bytes) else "NC") else rank - 1
    )


def _infer_bias_add(op):
    value, bias = op.inputs
    if bias.dtype.base_dtype is not value.dtype.base_dtype:
        raise TypeError(
            f"Input 'bias' of 'BiasAdd' Op has type {bias.dtype.base_dtype.name} that does not "
            f"match type {value.dtype.base_dtype.name} of argument 'value'."
        )
    if bias.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {bias.shape.ndims}")
    if value.shape.ndims is not None:
        if value.shape.ndims < 2:
            raise ValueError(f"Shape must be at least rank 2 but is rank {value.shape.ndims}")
        channels = dimension_value(
            value.shape[_channel_axis(op._attrs["data_format"], value.shape.ndims)]
        )
        b = dimension_value(bias.shape[0]) if bias.shape.ndims == 1 else None
        if channels is not None and b is not None and channels != b:
            raise ValueError(f"Dimensions must be equal, but are {channels} and {b}")
    return [(value.dtype.base_dtype, value.shape)]


def _check_bias(value, bias, channel_axis):
    """bias_op.cc's run-time checks, with its messages."""
    if value.ndim < 2:
        raise errors.InvalidArgumentError(
            None, None, f"Input tensor must be at least 2D: {shape_text(value.shape)}"
        )
    if bias.ndim != 1:
        raise errors.InvalidArgumentError(
            None, None, f"Biases must be 1D: {shape_text(bias.shape)}"
        )
    if bias.shape[0] != value.shape[channel_axis]:
        raise errors.InvalidArgumentError(
            None,
            None,
            "Must provide as many biases as the last dimension of the input tensor: "
            f"{shape_text(bias.shape)} vs. {shape_text(value.shape)}",
        )


# NHWC biases of fewer channels than this are tiled along an image before adding.
TILE_BELOW = 64


def _bias_add_kernel(op, device):
    nchw = op._attrs["data_format"] == "NCHW"

    def bias_add_values(value, bias):
        _check_bias(value, bias, 1 if nchw and value.ndim > 2 else -1)
        if nchw and value.ndim > 2:
            bias = bias.reshape((-1,) + (1,) * (value.ndim - 2))
        elif (
            type(value) is np.ndarray
            and value.ndim > 2
            and value.size
            and bias.size < TILE_BELOW
            and value.flags.c_contiguous
        ):
            # numpy adds a broadcast last axis of 8 channels run by run of 8 values (4x
            # slower than a same-shape add); a bias tiled along a whole image is one long run.
            rows = value.reshape(value.shape[0], -1)
            return (rows + np.tile(bias, rows.shape[1] // bias.size)).reshape(value.shape)
        return value + bias

    return bias_add_values


def _bias_add_grad_kernel(op, device):
    nchw = op._attrs["data_format"] == "NCHW"

    def bias_add_grad_values(dy):
        if nchw:
            return dy.sum(axis=tuple(a for a in range(dy.ndim) if a != 1), dtype=dy.dtype)
        if dy.ndim > 2 and dy.size and dy.flags.c_contiguous:
            # Rows of [w * c] first, then the w rows of c: numpy adds long rows with SIMD, but
            # reduces all but a short last axis element by element (10x slower for 8 channels).
            rows = dy.reshape(-1, dy.shape[-2] * dy.shape[-1]).sum(axis=0, dtype=dy.dtype)
            return rows.reshape(-1, dy.shape[-1]).sum(axis=0, dtype=dy.dtype)
        return dy.sum(axis=tuple(range(dy.ndim - 1)), dtype=dy.dtype)

    return bias_add_grad_values


def _infer_bias_add_grad(op):
    dy = op.inputs[0]
    if dy.shape.ndims is None:
        return [(dy.dtype.base_dtype, [None])]
    return [
        (
            dy.dtype.base_dtype,
            [dimension_value(dy.shape[_channel_axis(op._attrs["data_format"], dy.shape.ndims)])],
        )
    ]


def _bias_add_grad(op, grad):
    fmt = op._attrs["data_format"]
    db = grad.graph.create_op(
        "BiasAddGrad", [grad], {"T": grad.dtype.base_dtype, "data_format": fmt}, name="BiasAddGrad"
    ).outputs[0]
    return [grad, db]


def _bias_add_grad_grad(op, grad):
    # BiasAddGrad sums over all but the channel axis; its gradient spreads ``grad`` back
    # over those axes — exactly what adding it as a bias to zeros does.
    dy = op.inputs[0]
    from teachflow.ops import array_ops

    spread = bias_add(array_ops.zeros_like(dy), grad, data_format=op._attrs["data_format"])
    return [spread]


registry.register("BiasAdd", _infer_bias_add, _bias_add_kernel, grad=_bias_add_grad)
registry.register(
    "BiasAddGrad", _infer_bias_add_grad, _bias_add_grad_kernel, grad=_bias_add_grad_grad
)


def bias_add(value, bias, data_format=None, name=None):
    """``value + bias`` with a 1-D ``bias`` along the channel axis (last for "NHWC", the
    second for "NCHW"). Raises ValueError when the bias length differs from the channels.

        >>> import teachflow as tf
        >>> tf.nn.bias_add([[0.0, 0.0, 0.0]] * 2, [1.0, 2.0, 3.0]).shape
        TensorShape([Dimension(2), Dimension(3)])
    """
    if data_format is not None:
        if data_format.startswith("NC"):
            data_format = "NCHW"
        elif data_format.startswith("N") and data_format.endswith("C"):
            data_format = "NHWC"
        else:
            raise ValueError("data_format must be of the form `N...C` or `NC...`")
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = convert_to_tensor(bias, dtype=value.dtype.base_dtype, name="bias")
        attrs = {"T": value.dtype.base_dtype, "data_format": data_format or "NHWC"}
        return value.graph.create_op("BiasAdd", [value, bias], attrs, name=scope).outputs[0]


# -- dropout ------------------------------------------------------------------------------------------
def _noise_shape(x, noise_shape):
    from teachflow.ops import array_ops

    if noise_shape is None:
        return array_ops.shape(x)
    if isinstance(noise_shape, (list, tuple)) and x.shape.ndims == len(noise_shape):
        # Unknown entries take x's static dims, so the mask's shape stays known.
        return [
            dimension_value(x.shape[i])
            if d is None and dimension_value(x.shape[i]) is not None
            else d
            for i, d in enumerate(noise_shape)
        ]
    return noise_shape


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability ``rate`` (or ``1 - keep_prob``, TF1's argument)
    and scale the survivors by ``1 / (1 - rate)``, so the expected sum is unchanged.

    ``noise_shape`` shares one decision along dimensions of size 1. Raises ValueError for
    both ``rate`` and ``keep_prob``, a rate outside [0, 1), or a non-float ``x``.

        >>> import teachflow as tf
        >>> x = tf.placeholder(tf.float32, [None, 4])
        >>> tf.nn.dropout(x, rate=0.5).shape
        TensorShape([Dimension(None), Dimension(4)])
    """
    if keep_prob is not None and rate is not None:
        raise ValueError("Cannot specify both 'keep_prob' and 'rate'.")
    if keep_prob is not None:
        try:
            rate = 1.0 - keep_prob
        except TypeError:
            raise ValueError(
                "`keep_prob` must be a floating point number or Tensor. "
                f"Received: keep_prob={keep_prob}"
            ) from None
    if rate is None:
        raise ValueError("`rate` must be provided. Received: rate=None")
    with name_scope(name, "dropout", [x]):
        from teachflow.ops import math_ops

        # TF 2.21's _dropout, op for op: the scaled x first, then the mask, then SelectV2
        # (so a dropped value is +0.0 and a kept one x * scale, or x / (1 - rate)).
        is_number = isinstance(rate, numbers.Real) and not isinstance(rate, Tensor)
        if is_number and not 0 <= rate < 1:
            raise ValueError(
                "`rate` must be a scalar tensor or a float in the range [0, 1). "
                f"Received: rate={rate}"
            )
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(
                "`x.dtype` must be a floating point tensor as `x` will be scaled. "
                f"Received: x_dtype={x.dtype}"
            )
        if is_number and rate == 0:
            return x  # nothing to drop: no ops at all, as in TensorFlow
        if is_number:
            scale = convert_to_tensor(1 / (1 - rate), dtype=x.dtype.base_dtype)
            ret = math_ops.multiply(x, scale)
        elif isinstance(rate, Tensor):
            if rate.shape.ndims not in (None, 0):
                raise ValueError(f"Shape {rate.shape} must have rank 0")
            if rate.dtype.base_dtype is not x.dtype.base_dtype:
                raise ValueError(
                    "`x.dtype` must be compatible with `rate.dtype`. "
                    f"Received: x.dtype={x.dtype} and rate.dtype={rate.dtype}"
                )
            one = convert_to_tensor(1, dtype=x.dtype.base_dtype)
            ret = math_ops.realdiv(x, math_ops.subtract(one, rate))
        else:
            raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
        noise = _noise_shape(x, noise_shape)
        from teachflow.ops import comparison_ops, random_ops

        random_tensor = random_ops.random_uniform(noise, seed=seed, dtype=x.dtype.base_dtype)
        # Keep where u >= rate: probability 1 - rate for u uniform on [0, 1).
        keep_mask = random_tensor >= rate
        zero = convert_to_tensor(0, dtype=x.dtype.base_dtype)
        ret = comparison_ops.where_v2(keep_mask, ret, zero)
        ret.set_shape(x.shape)
        return ret


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and (population) variance of ``x`` over ``axes``: ``(mean, variance)``.

    >>> import teachflow as tf
    >>> mean, var = tf.nn.moments(tf.constant([[1.0, 3.0]]), axes=[1])
    >>> mean.shape
    TensorShape([Dimension(1)])
    """
    from teachflow.ops import array_ops, math_ops

    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "moments", [x, axes]):
        x = convert_to_tensor(x, name="x")
        # float16 has too little range for sums of squares: accumulate in float32.
        y = math_ops.cast(x, dtypes.float32) if x.dtype.base_dtype is dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        # stop_gradient: the variance's gradient through the mean is zero anyway.
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)),
            axes,
            keepdims=True,
            name="variance",
        )
        if not keep:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if x.dtype.base_dtype is dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


# -- small compositions ----------------------------------------------------------------------------
def xw_plus_b(x, weights, biases, name=None):
    """``matmul(x, weights) + biases``: one fully connected layer without activation.

    >>> import teachflow as tf
    >>> tf.nn.xw_plus_b([[1.0, 2.0]], [[1.0], [1.0]], [0.5]).op.name
    'xw_plus_b'
    """
    from teachflow.ops import math_ops

    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights")
        biases = convert_to_tensor(biases, name="biases")
        return bias_add(math_ops.matmul(x, weights), biases, name=scope)


def relu_layer(x, weights, biases, name=None):
    """``relu(matmul(x, weights) + biases)``.

    >>> import teachflow as tf
    >>> tf.nn.relu_layer([[1.0, 2.0]], [[1.0], [-1.0]], [0.0]).op.name
    'relu_layer'
    """
    from teachflow.ops import activation_ops, math_ops

    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights")
        biases = convert_to_tensor(biases, name="biases")
        return activation_ops.relu(bias_add(math_ops.matmul(x, weights), biases), name=scope)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))``: unit L2 norm along ``axis``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.l2_normalize([3.0, 4.0])))
    [0.6 0.8]
    """
    from teachflow.ops import math_ops

    axis = axis if axis is not None else dim
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def zero_fraction(value, name=None):
    """The fraction of entries of ``value`` that are zero, as float32 (e.g. dead ReLUs).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.zero_fraction([0.0, 1.0, 0.0, 2.0])))
    0.5
    """
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.control_flow_cond import cond

    # TF's graph: an int32 count in a cond when the size fits int32 (it always does here).
    with name_scope(name, "zero_fraction", [value]):
        value = convert_to_tensor(value, name="value")
        size = array_ops.size(value, out_type=dtypes.int64)
        num_nonzero = cond(
            size <= dtypes.int32.max,
            true_fn=lambda: math_ops.cast(_count_nonzero(value, dtypes.int32), dtypes.int64),
            false_fn=lambda: _count_nonzero(value, dtypes.int64),
        )
        with name_scope("counts_to_fraction"):
            num_zero = size - num_nonzero
            fraction = math_ops.cast(num_zero, dtypes.float32) / math_ops.cast(size, dtypes.float32)
        return array_ops.identity(fraction, "fraction")


def _count_nonzero(value, dtype):
    from teachflow.ops import array_ops, math_ops

    with name_scope("count_nonzero", values=[value]):
        zero = array_ops.zeros([], dtype=value.dtype)
        return math_ops.reduce_sum(
            math_ops.cast(math_ops.not_equal(value, zero), dtype), name="nonzero_count"
        )


def embedding_lookup(
    params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None
):
    """Rows ``params[ids]`` of an embedding matrix (a ``Gather`` placed with the params).

    ``params`` is one tensor or variable, or the shards of one (a list, or a
    `PartitionedVariable`: see `teachflow.ops.sharded_embedding_ops`). Out-of-range ids
    raise InvalidArgumentError when run.

        >>> import teachflow as tf
        >>> tf.nn.embedding_lookup(tf.constant([[1.0, 2.0], [3.0, 4.0]]), [1, 1]).shape
        TensorShape([Dimension(2), Dimension(2)])
    """
    from teachflow.ops import array_ops
    from teachflow.ops.partitioned_variables import PartitionedVariable

    if isinstance(params, PartitionedVariable):
        params = list(params)  # its shards
    if isinstance(params, (list, tuple)):
        if not params:
            raise ValueError("Length of params is currently 0. Need at least one param.")
        if len(params) > 1:
            from teachflow.ops.sharded_embedding_ops import sharded_embedding_lookup

            return sharded_embedding_lookup(list(params), ids, partition_strategy, name, max_norm)
        params = params[0]
    with name_scope(name, "embedding_lookup", [params, ids]) as scope:
        if not hasattr(params, "graph"):
            params = convert_to_tensor(params, name="params")
        ids = convert_to_tensor(ids, name="ids")
        # The lookup runs where the table lives, so only the chosen rows travel.
        with get_default_graph().colocate_with(params.op):
            result = array_ops.gather(params, ids, name=scope)
        if max_norm is not None:
            result = _clip_rows(result, params, max_norm)
        # TF ends every lookup in an Identity of the (clipped) rows.
        return array_ops.identity(result)


def _clip_rows(rows, params, max_norm):
    """Scale each embedding row down to L2 norm ``max_norm`` (longer rows only), as TF's
    ``clip_by_norm`` over the row axes (those after the ids' axes)."""
    from teachflow.ops.clip_ops import clip_by_norm

    rows_rank = rows.shape.ndims
    ids_rank = rows_rank - params.shape.ndims + 1
    return clip_by_norm(rows, max_norm, axes=list(range(ids_rank, rows_rank)))
