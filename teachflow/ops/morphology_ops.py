"""Grey-scale morphology: ``Dilation2D`` with its gradient ops
``Dilation2DBackpropInput`` and ``Dilation2DBackpropFilter``; ``tf.nn.dilation2d`` and
``tf.nn.erosion2d``.

A dilation is a max pool with a structuring element: each output is the largest
``input + filter`` over the window, per channel, ``rates`` spreading the window's taps
(padding never wins). An erosion is the dual, and TensorFlow builds it from a dilation:
``-dilation2d(-x, reversed filter)``. Like a max pool's, the gradients go to the ONE tap
that won each window (the first largest in row-major order).

    >>> import teachflow as tf
    >>> x = tf.reshape(tf.constant([0.0, 1.0, 5.0, 2.0]), [1, 2, 2, 1])
    >>> y = tf.nn.dilation2d(x, tf.zeros([2, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    >>> e = tf.nn.erosion2d(x, tf.zeros([2, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).ravel(), sess.run(e).ravel())
    [5.] [-0.]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.argmax_pooling_ops import tap_indices
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.pooling_ops import MAX_POOL_DTYPES
from teachflow.ops.sliding_windows import output_size, patches, text, window_2d

__all__ = ["dilation2d", "erosion2d"]

DILATION_DTYPES = MAX_POOL_DTYPES + (dtypes.uint16, dtypes.uint32, dtypes.uint64)


def _window(op, x_shape, f_shape):
    _, sh, sw, _ = op._attrs["strides"]
    _, rh, rw, _ = op._attrs["rates"]
    try:
        return window_2d(x_shape[1:3], f_shape[:2], (sh, sw), (rh, rw), text(op._attrs["padding"]))
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, f"{op.type}: {e}") from None


def _infer_dilation(op):
    x, f = op.inputs
    dt = check_allowed(x, DILATION_DTYPES, "input")
    for t, rank in ((x, 4), (f, 3)):
        if t.shape.ndims is not None and t.shape.ndims != rank:
            raise ValueError(
                f"Shape must be rank {rank} but is rank {t.shape.ndims} for '{op.name}' "
                f"(op: 'Dilation2D') with input shapes: {x.shape}, {f.shape}."
            )
    if x.shape.ndims is None or f.shape.ndims is None:
        return [(dt, TensorShape([None] * 4))]
    n, h, w, c = x.shape.as_list()
    fh, fw, fc = f.shape.as_list()
    if c is not None and fc is not None and c != fc:
        raise ValueError(
            f"Dimensions must be equal, but are {c} and {fc} for '{op.name}' (op: "
            f"'Dilation2D') with input shapes: {x.shape}, {f.shape}."
        )
    _, sh, sw, _ = op._attrs["strides"]
    _, rh, rw, _ = op._attrs["rates"]
    pad = text(op._attrs["padding"])
    oh = output_size(h, fh, sh, rh, pad)[0] if fh is not None else None
    ow = output_size(w, fw, sw, rw, pad)[0] if fw is not None else None
    return [(dt, TensorShape([n, oh, ow, c if c is not None else fc]))]


def _winners(xp, x, f, win):
    """TF's CPU kernel, every window at once: ``out`` (the largest ``x + f``, starting from
    the dtype's lowest value), the flat index of the winning input pixel and the winning
    tap (``i * kw + j``); with no winner the first real pixel and tap 0."""
    n, _, _, c = x.shape
    cols = patches(xp, x, win)
    flat, real = tap_indices(xp, win, n, c, with_batch=True)
    low = np.finfo(x.dtype).min if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    out = xp.full((n, win.out_h, win.out_w, c), low, x.dtype)
    first = xp.where(real, flat, flat.max() + 1).min(axis=(-2, -1))
    pixel, tap = first, xp.zeros(out.shape, np.int64)
    for i in range(win.kh):
        for j in range(win.kw):
            value = cols[..., i, j] + f[i, j]
            take = real[..., i, j] & (value > out)
            out = xp.where(take, value, out)
            pixel = xp.where(take, flat[..., i, j], pixel)
            tap = xp.where(take, i * win.kw + j, tap)
    return out, pixel, tap


def _dilation_kernel(op, device):
    xp = device.xp

    def dilation2d(x, f):
        return _winners(xp, x, f, _window(op, x.shape, f.shape))[0]

    return dilation2d


def _check_backprop(win, x, dy):
    want = (x.shape[0], win.out_h, win.out_w, x.shape[3])
    if dy.shape != want:
        raise errors.InvalidArgumentError(
            None, None, f"out_backprop has incompatible size: {list(dy.shape)} vs {list(want)}"
        )


def _backprop_input_kernel(op, device):
    xp = device.xp

    def dilation2d_backprop_input(x, f, dy):
        win = _window(op, x.shape, f.shape)
        _check_backprop(win, x, dy)
        _, pixel, _ = _winners(xp, x, f, win)
        dx = xp.zeros(x.size, dy.dtype)
        xp.add.at(dx, pixel.ravel(), dy.ravel())  # in TF's loop order
        return dx.reshape(x.shape)

    return dilation2d_backprop_input


def _backprop_filter_kernel(op, device):
    xp = device.xp

    def dilation2d_backprop_filter(x, f, dy):
        win = _window(op, x.shape, f.shape)
        _check_backprop(win, x, dy)
        _, _, tap = _winners(xp, x, f, win)
        c = x.shape[3]
        df = xp.zeros(f.size, dy.dtype)
        xp.add.at(df, (tap * c + xp.arange(c)).ravel(), dy.ravel())
        return df.reshape(f.shape)

    return dilation2d_backprop_filter


def _infer_like(index):
    def infer(op):
        t = op.inputs[index]
        return [(t.dtype.base_dtype, t.shape)]

    return infer


def _dilation_grad(op, grad):
    attrs = {k: op._attrs[k] for k in ("T", "strides", "rates", "padding")}
    x, f = op.inputs
    return [
        grad.graph.create_op(t, [x, f, grad], attrs, name=t).outputs[0]
        for t in ("Dilation2DBackpropInput", "Dilation2DBackpropFilter")
    ]


registry.register("Dilation2D", _infer_dilation, _dilation_kernel, grad=_dilation_grad,
                  cheap=False)  # fmt: skip
registry.register("Dilation2DBackpropInput", _infer_like(0), _backprop_input_kernel, cheap=False)
registry.register("Dilation2DBackpropFilter", _infer_like(1), _backprop_filter_kernel, cheap=False)


def _four(value, arg):
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"Expected list for '{arg}' argument to 'dilation2d' Op, not {value!r}.")
    if len(value) != 4:
        raise ValueError(
            f"Dilation2D requires the {arg} attribute to contain 4 values, but got: {len(value)}"
        )
    return [int(v) for v in value]


def dilation2d(
    input,  # noqa: A002 - TensorFlow's argument name
    filter=None,  # noqa: A002
    strides=None,
    rates=None,
    padding=None,
    name=None,
    filters=None,
    dilations=None,
):
    """Grey-scale dilation of ``input [n, h, w, c]`` by ``filter [fh, fw, c]``: the largest
    ``input + filter`` of each window, per channel (op ``Dilation2D``). ``strides`` and
    ``rates`` are 4-entry lists ``[1, h, w, 1]``; ``padding`` "SAME" or "VALID".

        >>> import teachflow as tf
        >>> y = tf.nn.dilation2d(tf.zeros([1, 5, 5, 3]), tf.zeros([3, 3, 3]), [1, 2, 2, 1],
        ...                      [1, 1, 1, 1], "SAME")
        >>> y.op.type, y.shape
        ('Dilation2D', TensorShape([Dimension(1), Dimension(3), Dimension(3), Dimension(3)]))
    """
    filter = filters if filters is not None else filter  # noqa: A001
    rates = dilations if dilations is not None else rates
    strides, rates = _four(strides, "strides"), _four(rates, "rates")
    with name_scope(name, "Dilation2D", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        f = convert_to_tensor(filter, dtype=x.dtype.base_dtype, name="filter")
        attrs = {"T": x.dtype.base_dtype, "strides": strides, "rates": rates,
                 "padding": text(padding)}  # fmt: skip
        return x.graph.create_op("Dilation2D", [x, f], attrs, name=scope).outputs[0]


def erosion2d(value, kernel, strides, rates, padding, name=None):
    """Grey-scale erosion: the smallest ``value - kernel`` of each window, built as
    TensorFlow builds it, ``-dilation2d(-value, kernel reversed in h and w)``.

    >>> import teachflow as tf
    >>> e = tf.nn.erosion2d(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2]), [1, 1, 1, 1],
    ...                     [1, 1, 1, 1], "SAME")
    >>> e.op.type, e.op.inputs[0].op.name
    ('Neg', 'erosion2d')
    """
    from teachflow.ops.arithmetic_ops import negative
    from teachflow.ops.padding import reverse_v2

    with name_scope(name, "erosion2d", [value, kernel]) as scope:
        return negative(
            dilation2d(negative(value), reverse_v2(kernel, [0, 1]), strides, rates, padding, scope)
        )
