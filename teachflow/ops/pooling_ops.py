"""Pooling: ``MaxPool`` and ``AvgPool`` with their gradient ops ``MaxPoolGrad`` and
``AvgPoolGrad``; ``tf.nn.max_pool`` and ``tf.nn.avg_pool``.

A pool slides a ``ksize`` window over each channel of an image separately and keeps
the window's largest value (max) or its mean (avg). Like `teachflow.ops.conv_ops`, the
kernels take every window as a strided view and reduce it in one numpy call.

Two TensorFlow details matter for exact answers. With ``SAME`` padding, an average
counts only the real pixels of a window (the padding is not zeros). And a max pool's
gradient goes to ONE input per window — the first largest value in the window's row-
major order — so ties are not split; overlapping windows add up.

    >>> import teachflow as tf
    >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
    >>> y = tf.nn.max_pool(x, ksize=2, strides=2, padding="VALID")
    >>> with tf.Session() as sess:
    ...     print(sess.run(y)[0, :, :, 0])
    [[ 5.  7.]
     [13. 15.]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import FLOATS, check_allowed
from teachflow.ops.masking import keep_where
from teachflow.ops.sliding_windows import (
    add_window_values,
    nhwc_order,
    patches,
    reduce_windows,
    spatial,
    text,
    window_2d,
)
from teachflow.ops.window_attrs import (
    ConvAttrs,
    check_window_attrs,
    conv_output_shape,
    padding_attrs,
    window_sequence,
)

__all__: list = []

MAX_POOL_DTYPES = FLOATS + (
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
)


# -- attributes and shapes -------------------------------------------------------------------
class PoolAttrs:
    """A pool's attributes in NHWC terms: the window size joins the conv attributes."""

    __slots__ = ("conv", "ksize")

    def __init__(self, op):
        self.conv = ConvAttrs.of(op, ("ksize", "strides"))
        self.ksize = spatial(op._attrs["ksize"], text(op._attrs.get("data_format", "NHWC")))

    def window(self, op, in_hw):
        c = self.conv
        c.check()
        try:
            return window_2d(in_hw, self.ksize, c.strides, (1, 1), c.padding, c.explicit)
        except ValueError as e:
            raise errors.InvalidArgumentError(None, None, f"{op.type}: {e}") from None


def _infer_pool(allowed):
    def infer(op):
        x = op.inputs[0]
        dt = check_allowed(x, allowed, "input")
        fmt = check_window_attrs(op, ("ksize", "strides"))
        if x.shape.ndims is not None and x.shape.ndims != 4:
            raise ValueError(
                f"Shape must be rank 4 but is rank {x.shape.ndims} for '{op.name}' "
                f"(op: '{op.type}') with input shapes: {x.shape}."
            )
        channels = dimension_value(x.shape[nhwc_order(fmt)[3]]) if x.shape.ndims == 4 else None
        return [(dt, conv_output_shape(op, x.shape, spatial(op._attrs["ksize"], fmt), channels))]

    return infer


def _infer_like_input(index):
    def infer(op):
        x = op.inputs[index]
        check_window_attrs(op, ("ksize", "strides"))
        return [(op.inputs[-1].dtype.base_dtype, x.shape)]

    return infer


def _infer_avg_pool_grad(op):
    from teachflow.ops.static_value import constant_value_as_shape

    check_window_attrs(op, ("ksize", "strides"))
    shape = constant_value_as_shape(op.inputs[0])
    return [(op.inputs[1].dtype.base_dtype, shape if shape.ndims else TensorShape([None] * 4))]


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


# -- MaxPool / MaxPoolGrad -----------------------------------------------------------------
def _max_pool_kernel(op, device):
    xp = device.xp
    attrs = PoolAttrs(op)

    def max_pool(x):
        x = attrs.conv.to_nhwc(x)
        win = attrs.window(op, x.shape[1:3])
        # Padding is -inf: a window's max is the max of its real pixels.
        cols = patches(xp, x, win, pad_value=_lowest(x.dtype))
        return attrs.conv.from_nhwc(reduce_windows(xp.maximum, cols, win))

    return max_pool


def max_pool_grad_windows(xp, x, y, dy, win):
    """The reference MaxPoolGrad: for each kernel position in row-major order, a window's
    gradient goes to the first position holding its maximum ``y`` (as TF's CPU kernel:
    ties are not split); overlapping windows add up."""
    cols = patches(xp, x, win, pad_value=_lowest(x.dtype))  # a view: nothing copied
    taken = xp.zeros(y.shape, bool)

    def routed(i, j):
        hit = (cols[..., i, j] == y) & ~taken
        taken[...] |= hit
        return keep_where(xp, hit, dy)

    return add_window_values(xp, routed, win, x.shape[0], x.shape[3], dy.dtype)


def tiles_exactly(win) -> bool:
    """Windows that neither overlap nor leave a gap nor hang over the border (the usual
    2x2 / stride 2 pool of an even image)."""
    return (
        (win.sh, win.sw) == (win.kh, win.kw)
        and (win.dh, win.dw) == (1, 1)
        and not win.padded
        and (win.out_h * win.kh, win.out_w * win.kw) == (win.in_h, win.in_w)
    )


def max_pool_grad_tiled(xp, x, y, dy, win):
    """`max_pool_grad_windows` for windows that tile the image exactly — optimised: each
    window is a block of a reshaped view, so every input pixel is written once (no zeroed
    buffer, no additions): 4x faster on a 2x2 / stride 2 pool. Same values, tested."""
    n, c = x.shape[0], x.shape[3]
    oh, ow, kh, kw = win.out_h, win.out_w, win.kh, win.kw
    blocks = x.reshape(n, oh, kh, ow, kw, c)
    dx = xp.empty(x.shape, dy.dtype)
    dx_blocks = dx.reshape(n, oh, kh, ow, kw, c)
    taken = xp.zeros(y.shape, bool)
    for i in range(kh):
        for j in range(kw):
            hit = blocks[:, :, i, :, j, :] == y
            hit &= ~taken
            taken |= hit
            dx_blocks[:, :, i, :, j, :] = keep_where(xp, hit, dy)
    return dx


def _max_pool_grad_kernel(op, device):
    xp = device.xp
    attrs = PoolAttrs(op)

    def max_pool_grad(x, y, dy):
        x, y, dy = (attrs.conv.to_nhwc(v) for v in (x, y, dy))
        win = attrs.window(op, x.shape[1:3])
        if dy.shape[1:3] != (win.out_h, win.out_w):
            raise errors.InvalidArgumentError(
                None, None, f"Expected grad shape {[win.out_h, win.out_w]}, got {dy.shape}"
            )
        grad = max_pool_grad_tiled if tiles_exactly(win) else max_pool_grad_windows
        return attrs.conv.from_nhwc(grad(xp, x, y, dy, win))

    return max_pool_grad


def _pool_attrs(op):
    return {
        k: op._attrs[k]
        for k in ("T", "ksize", "strides", "padding", "explicit_paddings", "data_format")
        if k in op._attrs
    }


def _max_pool_grad(op, grad):
    dx = grad.graph.create_op(
        "MaxPoolGrad", [op.inputs[0], op.outputs[0], grad], _pool_attrs(op), name="MaxPoolGrad"
    ).outputs[0]
    return [dx]


registry.register(
    "MaxPool", _infer_pool(MAX_POOL_DTYPES), _max_pool_kernel, grad=_max_pool_grad, cheap=False
)
registry.register("MaxPoolGrad", _infer_like_input(0), _max_pool_grad_kernel, cheap=False)


# -- AvgPool / AvgPoolGrad -----------------------------------------------------------------
def _window_counts(xp, win, dtype):
    """How many real (unpadded) pixels each output window covers: ``[oh, ow, 1]``."""
    ones = xp.ones((1, win.in_h, win.in_w, 1), dtype)
    return reduce_windows(xp.add, patches(xp, ones, win), win)[0]


def _avg_pool_kernel(op, device):
    xp = device.xp
    attrs = PoolAttrs(op)

    def avg_pool(x):
        x = attrs.conv.to_nhwc(x)
        win = attrs.window(op, x.shape[1:3])
        sums = reduce_windows(xp.add, patches(xp, x, win), win)
        return attrs.conv.from_nhwc(sums / _window_counts(xp, win, x.dtype))

    return avg_pool


def _avg_pool_grad_kernel(op, device):
    xp = device.xp
    attrs = PoolAttrs(op)

    def avg_pool_grad(sizes, dy):
        n, h, w, c = attrs.conv.sizes_nhwc(sizes)
        dy = attrs.conv.to_nhwc(dy)
        win = attrs.window(op, (h, w))
        if dy.shape[1:3] != (win.out_h, win.out_w):
            raise errors.InvalidArgumentError(
                None, None, f"Expected grad shape {[win.out_h, win.out_w]}, got {dy.shape}"
            )
        share = dy / _window_counts(xp, win, dy.dtype)
        # Each pixel of a window receives the same share.
        return attrs.conv.from_nhwc(add_window_values(xp, lambda i, j: share, win, n, c, dy.dtype))

    return avg_pool_grad


def _avg_pool_grad(op, grad):
    from teachflow.ops import array_ops

    dx = grad.graph.create_op(
        "AvgPoolGrad",
        [array_ops.shape(op.inputs[0]), grad],
        _pool_attrs(op),
        name="AvgPoolGrad",
    ).outputs[0]
    return [dx]


def _avg_pool_grad_grad(op, grad):
    attrs = _pool_attrs(op)
    return [None, grad.graph.create_op("AvgPool", [grad], attrs, name="AvgPool").outputs[0]]


registry.register(
    "AvgPool", _infer_pool(FLOATS), _avg_pool_kernel, grad=_avg_pool_grad, cheap=False
)
registry.register(
    "AvgPoolGrad",
    _infer_avg_pool_grad,
    _avg_pool_grad_kernel,
    grad=_avg_pool_grad_grad,
    cheap=False,
)


# -- the Python API -------------------------------------------------------------------------
def _pool(op_type, default_name, value, ksize, strides, padding, data_format, name):
    data_format = data_format or "NHWC"
    if data_format not in ("NHWC", "NCHW"):
        raise ValueError(f"Data formats other than NHWC and NCHW are not supported: {data_format}")
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, default_name, [value]) as scope:
        x = convert_to_tensor(value, name="input")
        attrs = {
            "T": x.dtype.base_dtype,
            "ksize": window_sequence(ksize, "ksize", data_format),
            "strides": window_sequence(strides, "strides", data_format),
            "padding": pad,
            "data_format": data_format,
        }
        if op_type == "MaxPool":
            attrs["explicit_paddings"] = explicit
        elif explicit:
            raise ValueError("AvgPool does not support explicit padding")
        return x.graph.create_op(op_type, [x], attrs, name=scope).outputs[0]


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """The largest value of each ``ksize`` window (per channel) of a 4-D image.

    ``ksize`` and ``strides`` are an int, 2 spatial values or 4 in ``data_format`` order;
    ``padding`` "SAME" (windows may hang over the border; padding never wins) or
    "VALID". Raises ValueError when a VALID window is larger than the image.

        >>> import teachflow as tf
        >>> tf.nn.max_pool(tf.ones([8, 28, 28, 32]), [1, 2, 2, 1], [1, 2, 2, 1], "SAME").shape
        TensorShape([Dimension(8), Dimension(14), Dimension(14), Dimension(32)])
    """
    value = value if value is not None else input
    return _pool("MaxPool", "MaxPool", value, ksize, strides, padding, data_format, name)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):  # noqa: A002
    """The mean of each ``ksize`` window (per channel) of a 4-D image; with "SAME"
    padding a border window averages only its real pixels.

        >>> import teachflow as tf
        >>> y = tf.nn.avg_pool(tf.ones([1, 3, 3, 1]), 2, 2, "SAME")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[1. 1.]
         [1. 1.]]
    """
    value = value if value is not None else input
    return _pool("AvgPool", "AvgPool", value, ksize, strides, padding, data_format, name)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """`max_pool` under TensorFlow 2's name (``input`` instead of ``value``)."""
    return _pool("MaxPool", "MaxPool2d", input, ksize, strides, padding, data_format, name)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):  # noqa: A002
    """`avg_pool` under TensorFlow 2's name (``input`` instead of ``value``)."""
    return _pool("AvgPool", "AvgPool2D", input, ksize, strides, padding, data_format, name)


def _pool1d(op_type, default_name, value, ksize, strides, padding, data_format, name):
    from teachflow.ops import array_ops

    if data_format not in ("NWC", "NCW", "NHWC", "NCHW"):
        raise ValueError('data_format must be "NWC" or "NCW".')
    c_first = data_format in ("NCW", "NCHW")
    axis = 2 if c_first else 1

    def one_d(v):
        v = v if isinstance(v, (list, tuple)) else [v]
        v = [int(i) for i in v]
        if len(v) == 3:
            return [1] + v
        return [1, 1, 1, v[0]] if c_first else [1, 1, v[0], 1]

    with name_scope(name, default_name, [value]) as scope:
        value = array_ops.expand_dims(convert_to_tensor(value, name="input"), axis)
        fmt = "NCHW" if c_first else "NHWC"
        pooled = _pool(op_type, None, value, one_d(ksize), one_d(strides), padding, fmt, scope)
        return array_ops.squeeze(pooled, [axis])


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Max pooling of ``[n, width, c]`` (or "NCW") sequences: a `max_pool` of height 1.

    >>> import teachflow as tf
    >>> tf.nn.max_pool1d(tf.ones([2, 10, 3]), 2, 2, "VALID").shape
    TensorShape([Dimension(2), Dimension(5), Dimension(3)])
    """
    return _pool1d("MaxPool", "MaxPool1d", input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):  # noqa: A002
    """Average pooling of ``[n, width, c]`` (or "NCW") sequences.

    >>> import teachflow as tf
    >>> tf.nn.avg_pool1d(tf.ones([2, 10, 3]), 2, 2, "VALID").op.name
    'AvgPool1D/Squeeze'
    """
    return _pool1d("AvgPool", "AvgPool1D", input, ksize, strides, padding, data_format, name)
