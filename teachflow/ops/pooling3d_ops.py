"""3-D pooling: ``MaxPool3D`` and ``AvgPool3D`` with their gradient ops, ``tf.nn.max_pool3d``
and ``tf.nn.avg_pool3d``.

Each output is the max (or mean) of one ``[kd, kh, kw]`` window of the volume, taken from
a strided view of all windows at once (`teachflow.ops.volume_windows`). ``SAME`` padding
never wins a max and is not counted by the mean: a border window averages only the values
it covers. The gradients are TensorFlow's: ``MaxPool3DGrad`` gives each window's gradient to
*every* input equal to the window's max (ties share it, unlike 2-D ``MaxPoolGrad``, which
picks the first), ``AvgPool3DGrad`` spreads it evenly over the values the window averaged.

    >>> import teachflow as tf
    >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.max_pool3d(x, 2, 2, "VALID")).reshape(-1),
    ...           sess.run(tf.nn.avg_pool3d(x, 2, 2, "VALID")).reshape(-1))
    [7.] [3.5]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.array_ops import to_host
from teachflow.ops.conv3d_ops import _five, _static_out, _text, check_volume_attrs, volume_window
from teachflow.ops.volume_windows import add_windows, windows

__all__: list = []

POOL_ATTRS = ("T", "ksize", "strides", "padding", "data_format")


def _infer_pool(op):
    x = op.inputs[0]
    check_volume_attrs(op, ("ksize", "strides"))
    if x.shape.ndims is not None and x.shape.ndims != 5:
        raise ValueError(f"Shape must be rank 5 but is rank {x.shape.ndims}")
    out = _static_out(op, x.shape, op._attrs["ksize"][1:4])
    channels = x.shape.as_list()[4] if x.shape.ndims is not None else None
    return [(x.dtype.base_dtype, TensorShape([*out, channels]))]


def _lowest(dtype):
    return -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min


def _window(op, shape):
    return volume_window(op, shape, op._attrs["ksize"][1:4])


def _max_pool_kernel(op, device):
    def max_pool(x):
        x = np.asarray(to_host(x))
        cols = windows(x, _window(op, x.shape), pad_value=_lowest(x.dtype))
        return device.xp.asarray(cols.max(axis=(5, 6, 7)))

    return max_pool


def _max_pool_grad_kernel(op, device):
    def max_pool_grad(x, y, dy):
        x, y, dy = (np.asarray(to_host(v)) for v in (x, y, dy))
        win = _window(op, x.shape)
        cols = windows(x, win, pad_value=_lowest(x.dtype))  # [n, od, oh, ow, c, kd, kh, kw]
        # Every input equal to its window's max takes the window's gradient (TF's mask).
        ties = cols == y[..., None, None, None]
        per_window = np.where(ties, dy[..., None, None, None], 0).astype(dy.dtype)
        per_window = per_window.transpose(0, 1, 2, 3, 5, 6, 7, 4)
        dx = add_windows(per_window, win, x.shape[4], dy.dtype)
        return device.xp.asarray(dx)

    return max_pool_grad


def _counts(win, dtype):
    """How many real (unpadded) values each window covers: [od, oh, ow]."""
    ones = np.ones((1, *win.size, 1), dtype=dtype)
    return windows(ones, win).sum(axis=(4, 5, 6, 7))[0]


def _avg_pool_kernel(op, device):
    def avg_pool(x):
        x = np.asarray(to_host(x))
        win = _window(op, x.shape)
        compute = np.float32 if x.dtype == np.float16 else x.dtype
        sums = windows(x.astype(compute, copy=False), win).sum(axis=(5, 6, 7))
        out = sums / _counts(win, compute)[None, :, :, :, None]
        return device.xp.asarray(out.astype(x.dtype, copy=False))

    return avg_pool


def _avg_pool_grad_kernel(op, device):
    def avg_pool_grad(sizes, dy):
        sizes = [int(s) for s in np.asarray(to_host(sizes))]
        dy = np.asarray(to_host(dy))
        win = _window(op, sizes)
        share = dy / _counts(win, dy.dtype)[None, :, :, :, None]
        per_window = np.broadcast_to(
            share[:, :, :, :, None, None, None, :], (*dy.shape[:4], *win.ksize, dy.shape[4])
        )
        return device.xp.asarray(add_windows(per_window, win, sizes[4], dy.dtype))

    return avg_pool_grad


def _infer_like(index):
    def infer(op):
        check_volume_attrs(op, ("ksize", "strides"))
        return [(op.inputs[-1].dtype.base_dtype, op.inputs[index].shape)]

    return infer


def _infer_avg_pool_grad(op):
    from teachflow.ops.static_value import constant_value

    check_volume_attrs(op, ("ksize", "strides"))
    sizes = constant_value(op.inputs[0])
    shape = TensorShape([None] * 5 if sizes is None else [int(s) for s in sizes])
    return [(op.inputs[1].dtype.base_dtype, shape)]


def _attrs_of(op):
    return {k: op._attrs[k] for k in POOL_ATTRS}


def _grad_op(op_type, inputs, attrs):
    return inputs[0].graph.create_op(op_type, inputs, attrs, name=op_type).outputs[0]


def _max_pool_grad(op, grad):
    attrs = {**_attrs_of(op), "TInput": op._attrs["T"]}
    return [_grad_op("MaxPool3DGrad", [op.inputs[0], op.outputs[0], grad], attrs)]


def _avg_pool_grad(op, grad):
    from teachflow.ops import array_ops

    return [_grad_op("AvgPool3DGrad", [array_ops.shape(op.inputs[0]), grad], _attrs_of(op))]


def _avg_pool_grad_grad(op, grad):
    return [None, _grad_op("AvgPool3D", [grad], _attrs_of(op))]


registry.register("MaxPool3D", _infer_pool, _max_pool_kernel, grad=_max_pool_grad, cheap=False)
registry.register("MaxPool3DGrad", _infer_like(0), _max_pool_grad_kernel, cheap=False)
registry.register("AvgPool3D", _infer_pool, _avg_pool_kernel, grad=_avg_pool_grad, cheap=False)
registry.register(
    "AvgPool3DGrad",
    _infer_avg_pool_grad,
    _avg_pool_grad_kernel,
    grad=_avg_pool_grad_grad,
    cheap=False,
)


def _pool3d(op_type, default_name, value, ksize, strides, padding, data_format, name):
    data_format = data_format or "NDHWC"
    with name_scope(name, default_name, [value]) as scope:
        x = convert_to_tensor(value, name="input")
        attrs = {
            "T": x.dtype.base_dtype,
            "ksize": _five(ksize, "ksize", data_format),
            "strides": _five(strides, "strides", data_format),
            "padding": _text(padding),
            "data_format": data_format,
        }
        return x.graph.create_op(op_type, [x], attrs, name=scope).outputs[0]


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The max of each ``ksize`` window of ``input [n, d, h, w, c]`` (``ksize`` and
    ``strides``: an int, 3 spatial values or 5 in ``data_format`` order)."""
    return _pool3d("MaxPool3D", "MaxPool3D", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """The mean of each ``ksize`` window of ``input [n, d, h, w, c]`` (padding not
    counted)."""
    return _pool3d("AvgPool3D", "AvgPool3D", input, ksize, strides, padding, data_format, name)
