"""Max pooling that also says where each maximum came from: ``MaxPoolWithArgmax`` and its
gradient ``MaxPoolGradWithArgmax``; ``tf.nn.max_pool_with_argmax``.

Each output's ``argmax`` is the flat index of the input pixel that won its window,
``(y * width + x) * channels + c`` — or, with ``include_batch_in_index``,
``((b * height + y) * width + x) * channels + c``. The first largest value in the window's
row-major order wins (the padding never does). The gradient needs no search: each output
gradient is added at its argmax (an unpooling, the decoder half of SegNet).

    >>> import teachflow as tf
    >>> x = tf.reshape(tf.constant([1.0, 5.0, 3.0, 2.0]), [1, 2, 2, 1])
    >>> y, where = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).ravel(), sess.run(where).ravel())
    [5.] [1]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import check_allowed
from teachflow.ops.op_results import result
from teachflow.ops.pooling_ops import MAX_POOL_DTYPES, PoolAttrs, _infer_pool
from teachflow.ops.sliding_windows import patches

__all__ = ["max_pool_with_argmax"]

ARGMAX_DTYPES = (dtypes.int32, dtypes.int64)


def _infer_with_argmax(op):
    (out,) = _infer_pool(MAX_POOL_DTYPES)(op)
    return [out, (op._attrs["Targmax"], out[1])]


def tap_indices(xp, win, batch, channels, with_batch):
    """For every window tap, the flat input index it reads ``[n, oh, ow, c, kh, kw]`` and
    whether it is a real pixel (not padding): the bookkeeping of ops whose gradient goes
    to the pixel a window chose (this one, `teachflow.ops.morphology_ops`)."""
    rows = xp.arange(-win.pad_top, win.in_h + win.pad_bottom)
    cols = xp.arange(-win.pad_left, win.in_w + win.pad_right)
    pixel = (rows[:, None] * win.in_w + cols[None, :])[None, :, :, None]
    real = ((rows[:, None] >= 0) & (rows[:, None] < win.in_h)) & (
        (cols[None, :] >= 0) & (cols[None, :] < win.in_w)
    )
    b = xp.arange(batch)[:, None, None, None] * (win.in_h if with_batch else 0)
    c = xp.arange(channels)[None, None, None, :]
    flat = ((b * win.in_w + pixel) * channels + c).astype(np.int64)
    return _window_view(xp, flat, win), _window_view(xp, real[None, :, :, None], win)


def _window_view(xp, a, win):
    """`patches` of an array that already holds its padding (``[n, oh, ow, c, kh, kw]``)."""
    eff_h, eff_w = (win.kh - 1) * win.dh + 1, (win.kw - 1) * win.dw + 1
    view = xp.lib.stride_tricks.sliding_window_view(a, (eff_h, eff_w), axis=(1, 2))
    view = view[:, :: win.sh, :: win.sw, :, :: win.dh, :: win.dw]
    return view[:, : win.out_h, : win.out_w]


def _max_pool_with_argmax_kernel(op, device):
    xp = device.xp
    attrs = PoolAttrs(op)
    with_batch = bool(op._attrs.get("include_batch_in_index", False))
    argmax_dtype = op._attrs["Targmax"].as_numpy_dtype

    def max_pool_with_argmax(x):
        win = attrs.window(op, x.shape[1:3])
        n, _, _, c = x.shape
        cols = patches(xp, x, win)
        flat, real = tap_indices(xp, win, n, c, with_batch)
        out = xp.zeros((n, win.out_h, win.out_w, c), x.dtype)
        where = xp.full(out.shape, -1, np.int64)
        # TF's CPU kernel: the first real tap, then any strictly larger one.
        for i in range(win.kh):
            for j in range(win.kw):
                value = cols[..., i, j]
                take = real[..., i, j] & ((where < 0) | (out < value))
                out = xp.where(take, value, out)
                where = xp.where(take, flat[..., i, j], where)
        return out, where.astype(argmax_dtype)

    return max_pool_with_argmax


# TF's CPU kernel of the gradient exists for int64 argmaxes only, in this order of T.
_GRAD_KERNEL_TYPES = ("DOUBLE FLOAT BFLOAT16 HALF INT32 INT8 UINT8 INT16 UINT16 UINT32 INT64 "
                      "UINT64").split()  # fmt: skip


def _no_int32_kernel(op):
    from teachflow.ops.checkpoint_bundle import tf_type_name

    a = op._attrs
    ints = ", ".join
    attrs = (
        f"T=DT_{tf_type_name(a['T']).upper()}, strides=[{ints(map(str, a['strides']))}], "
        f"Targmax=DT_{a['Targmax'].name.upper()}, ksize=[{ints(map(str, a['ksize']))}], "
        f"include_batch_in_index={str(bool(a['include_batch_in_index'])).lower()}, "
        f'padding="{a["padding"]}"'
    )
    kernels = "".join(
        f"  device='CPU'; T in [DT_{t}]; Targmax in [DT_INT64]\n" for t in _GRAD_KERNEL_TYPES
    )
    return errors.InvalidArgumentError(
        op.node_def,
        op,
        f"No OpKernel was registered to support Op '{op.type}' used by {{{{node {op.name}}}}} "
        f"with these attrs: [{attrs}]\nRegistered devices: [CPU]\nRegistered kernels:\n"
        f"{kernels}",
    )


def _max_pool_grad_with_argmax_kernel(op, device):
    xp = device.xp
    if op._attrs["Targmax"] is not dtypes.int64:
        raise _no_int32_kernel(op)
    with_batch = bool(op._attrs.get("include_batch_in_index", False))

    def max_pool_grad_with_argmax(x, dy, argmax):
        if dy.shape != argmax.shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                "Expected grad shape to be the same as argmax shape, but got "
                f"grad shape {list(dy.shape)} and argmax shape {list(argmax.shape)}",
            )
        n = x.shape[0]
        per_image = int(np.prod(x.shape[1:]))
        index = argmax.reshape(n, -1).astype(np.int64)
        if not with_batch:
            index = index + xp.arange(n)[:, None] * per_image
        index = index.ravel()
        if index.size and (index.min() < 0 or index.max() >= n * per_image):
            raise errors.InvalidArgumentError(
                None, None, "Received input index out of bounds for the argmax values"
            )
        dx = xp.zeros(n * per_image, dy.dtype)
        xp.add.at(dx, index, dy.ravel())  # in order, as TF's loop adds
        return dx.reshape(x.shape)

    return max_pool_grad_with_argmax


def _infer_grad_with_argmax(op):
    x, dy, _ = op.inputs
    check_allowed(x, MAX_POOL_DTYPES, "input")
    return [(x.dtype.base_dtype, x.shape if x.shape.ndims is not None else TensorShape(None))]


def _max_pool_with_argmax_grad(op, grad, unused_argmax_grad):
    attrs = {
        k: op._attrs[k] for k in ("ksize", "strides", "padding", "include_batch_in_index", "T")
    }
    attrs["Targmax"] = op._attrs["Targmax"]
    return [
        grad.graph.create_op(
            "MaxPoolGradWithArgmax",
            [op.inputs[0], grad, op.outputs[1]],
            attrs,
            name="MaxPoolGradWithArgmax",
        ).outputs[0]
    ]


registry.register(
    "MaxPoolWithArgmax", _infer_with_argmax, _max_pool_with_argmax_kernel,
    grad=_max_pool_with_argmax_grad, cheap=False,
)  # fmt: skip
registry.register(
    "MaxPoolGradWithArgmax", _infer_grad_with_argmax, _max_pool_grad_with_argmax_kernel,
    cheap=False,
)  # fmt: skip


def _int_list(value, arg):
    if not isinstance(value, (list, tuple)):
        raise TypeError(
            f"Expected list for '{arg}' argument to 'max_pool_with_argmax' Op, not {value!r}."
        )
    return [int(v) for v in value]


def max_pool_with_argmax(
    input,  # noqa: A002 - TensorFlow's argument name
    ksize,
    strides,
    padding,
    data_format="NHWC",
    Targmax=None,  # noqa: N803 - TensorFlow's argument name
    name=None,
    output_dtype=None,
    include_batch_in_index=False,
):
    """`max_pool` of an NHWC image and the flat index of each maximum (``Targmax``, int64
    by default). ``ksize`` and ``strides`` are 4-entry lists; ``padding`` "SAME" or
    "VALID". Raises ValueError for a ``data_format`` other than NHWC.

        >>> import teachflow as tf
        >>> y, where = tf.nn.max_pool_with_argmax(tf.ones([2, 4, 4, 3]), [1, 2, 2, 1],
        ...                                       [1, 2, 2, 1], "SAME")
        >>> where.op.type, where.dtype, where.shape
        ('MaxPoolWithArgmax', tf.int64, TensorShape([Dimension(2), Dimension(2), Dimension(2), Dimension(3)]))
    """
    if data_format != "NHWC":
        raise ValueError(
            "`data_format` values other  than 'NHWC' are not supported. Received: "
            f"data_format={data_format}"
        )
    if Targmax is not None and output_dtype is not None:
        raise ValueError("Cannot specify both 'output_dtype' and 'Targmax'.")
    argmax_dtype = dtypes.as_dtype(Targmax or output_dtype or dtypes.int64)
    ksize = _int_list(ksize, "ksize")
    strides = _int_list(strides, "strides")
    with name_scope(name, "MaxPoolWithArgmax", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {
            "ksize": ksize,
            "strides": strides,
            "Targmax": argmax_dtype,
            "padding": padding.decode() if isinstance(padding, bytes) else padding,
            "include_batch_in_index": bool(include_batch_in_index),
            "T": x.dtype.base_dtype,
        }
        op = x.graph.create_op("MaxPoolWithArgmax", [x], attrs, name=scope)
        return result(op)
