"""2-D convolution: ``Conv2D`` and its two gradient ops, ``tf.nn.conv2d`` and
``tf.nn.conv2d_transpose``.

``Conv2D(input [n, h, w, c], filter [kh, kw, c, o])`` slides the filter over the image:
each output pixel is the dot product of one window with the filter. The kernel does it
the way fast CPU libraries do — *im2col*: every window as a strided view
(`teachflow.ops.sliding_windows.patches`), then ONE matrix product of
``[n*oh*ow, kh*kw*c]`` by ``[kh*kw*c, o]``.

The gradient is two more ops, as in TensorFlow: ``Conv2DBackpropInput`` (how the loss
changes with each input pixel: one matmul, then the window values added back, one
vectorised slice-add per kernel position — for a stride of 1 along whole flattened images,
see `backprop_input_by_shifts`) and ``Conv2DBackpropFilter`` (one matmul of
the windows with the output gradient). ``tf.nn.conv2d_transpose`` *is*
``Conv2DBackpropInput``: the transposed convolution upsamples.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    >>> y = tf.nn.conv2d(x, tf.ones([5, 5, 1, 32]), strides=[1, 2, 2, 1], padding="SAME")
    >>> y.op.type, y.shape
    ('Conv2D', TensorShape([Dimension(None), Dimension(14), Dimension(14), Dimension(32)]))
    >>> [g.op.type for g in tf.gradients(y, [x])]
    ['Conv2DBackpropInput']
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.elementwise import check_allowed, convert_like
from teachflow.ops.sliding_windows import (
    add_patches,
    nhwc_order,
    patches,
    shapes_text,
)
from teachflow.ops.window_attrs import (
    ConvAttrs,
    check_window_attrs,
    compute_dtype,
    conv_output_shape,
    in_format,
    matmul,
    padding_attrs,
    runtime_window,
    window_sequence,
)

__all__: list = []

CONV_DTYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int32)


# -- Conv2D --------------------------------------------------------------------------------
def _check_rank(op, t, rank=4):
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise ValueError(
            f"Shape must be rank {rank} but is rank {t.shape.ndims} for '{op.name}' "
            f"(op: '{op.type}') with input shapes: {shapes_text(*(i.shape for i in op.inputs))}."
        )


def _infer_conv2d(op):
    x, w = op.inputs
    dt = check_allowed(x, CONV_DTYPES, "input")
    if w.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'filter' of 'Conv2D' Op has type {w.dtype.base_dtype.name} that does not "
            f"match type {dt.name} of argument 'input'."
        )
    fmt = check_window_attrs(op)
    _check_rank(op, x)
    _check_rank(op, w)
    wd = w.shape.as_list() if w.shape.ndims is not None else [None] * 4
    depth = dimension_value(x.shape[nhwc_order(fmt)[3]]) if x.shape.ndims is not None else None
    if depth is not None and wd[2] is not None and depth % wd[2] != 0:
        raise ValueError(
            f"Depth of input ({depth}) is not a multiple of input depth of filter ({wd[2]}) "
            f"for '{op.name}' (op: 'Conv2D') with input shapes: {shapes_text(x.shape, w.shape)}."
        )
    if wd[0] is None or wd[1] is None:
        dims = x.shape.as_list() if x.shape.ndims is not None else [None] * 4
        out = [dims[0], None, None, wd[3]]
        return [(dt, in_format(out, fmt))]
    return [(dt, conv_output_shape(op, x.shape, wd[:2], wd[3]))]


def _conv2d_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def conv2d(x, w):
        attrs.check()
        x = attrs.to_nhwc(x)
        if x.ndim != 4 or w.ndim != 4:
            raise errors.InvalidArgumentError(
                None, None, f"input and filter must be 4-dimensional: {x.shape} {w.shape}"
            )
        if x.shape[3] != w.shape[2]:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"input depth must be evenly divisible by filter depth: {x.shape[3]} vs "
                f"{w.shape[2]}",
            )
        win = runtime_window(op, attrs, x.shape[1:3], w.shape[:2])
        cols = patches(xp, compute_dtype(xp, x), win)  # [n, oh, ow, c, kh, kw], a view
        taps = compute_dtype(xp, w).reshape(-1, w.shape[3])  # [kh * kw * c, o]
        if few_channels(cols):
            out = matmul(xp, im2col_by_tap(cols).T, taps)
        else:
            out = matmul(xp, im2col(cols), taps)
        return attrs.from_nhwc(out.reshape(*cols.shape[:3], -1).astype(x.dtype, copy=False))

    return conv2d


def im2col(cols):
    """The windows ``[n, oh, ow, c, kh, kw]`` (a view) as the matrix ``[n*oh*ow, kh*kw*c]``:
    the one copy of a convolution. Ordering each row (kh, kw, c) — channels innermost, as
    they lie in memory — makes the copy 7-12x faster than the view's own (c, kh, kw) order
    once there are a few channels, and matches the filter's layout."""
    n, oh, ow = cols.shape[:3]
    return cols.transpose(0, 1, 2, 4, 5, 3).reshape(n * oh * ow, -1)


# A window row of fewer values than this (kw * c: 5 for a 5x5 filter over a grey image) makes
# `im2col`'s copy crawl: numpy copies run by run, and a run is one window row.
FEW_CHANNELS = 8


def few_channels(cols) -> bool:
    """Whether the windows ``[n, oh, ow, c, kh, kw]`` are better copied `im2col_by_tap`."""
    return cols.shape[3] * cols.shape[5] < FEW_CHANNELS


def im2col_by_tap(cols):
    """`im2col` transposed: ``[kh*kw*c, n*oh*ow]``, one row per filter tap, each row the
    image seen through that tap. For a grey image the copy runs along image rows (28 values)
    instead of window rows (5): 4x faster. Products take it transposed (``.T``, no copy)."""
    return cols.transpose(4, 5, 3, 0, 1, 2).reshape(
        -1, cols.shape[0] * cols.shape[1] * cols.shape[2]
    )


# -- Conv2DBackpropInput / Conv2DBackpropFilter -----------------------------------------------
def backprop_input(xp, op, attrs, sizes, w_hw, cols_of_dy, dtype):
    """dx from per-window gradients: ``cols_of_dy(win)`` gives ``[n, oh, ow, kh, kw, c]``."""
    n, h, w, c = attrs.sizes_nhwc(sizes)
    win = runtime_window(op, attrs, (h, w), w_hw)
    dx = add_patches(xp, cols_of_dy(win), win, n, c, np.float32 if dtype == np.float16 else dtype)
    return attrs.from_nhwc(dx.astype(dtype, copy=False))


def backprop_input_by_shifts(xp, dy, w, win):
    """dx of a stride-1 convolution, adding each filter tap's share of the gradient along
    whole flattened images. In the padded input frame (``fh x fw`` per image, images one after
    another), tap (i, j) of the window at output (y, x) reads frame pixel (y + i*dh, x + j*dw):
    flat index ``p + i*dh*fw + j*dw`` where p is the window's own. So with ``dy`` laid out in
    that frame (zeros beyond its ``oh x ow`` corner), one product gives every tap's values and
    each tap adds them back as ONE shifted slice per channel: runs of a whole batch of images,
    where per-window adds run along a window row (5 values) and crawl. The zeros shifted past
    an image's corner land in its own padding, which is cropped."""
    kh, kw, c, o = w.shape
    n, oh, ow, _ = dy.shape
    fh = win.in_h + win.pad_top + win.pad_bottom
    fw = win.in_w + win.pad_left + win.pad_right
    frame = xp.zeros((n, fh, fw, o), dy.dtype)
    frame[:, :oh, :ow] = dy
    size = n * fh * fw
    taps = compute_dtype(xp, w).reshape(kh * kw * c, o)
    by_tap = matmul(xp, taps, compute_dtype(xp, frame).reshape(size, o).T).reshape(kh, kw, c, size)
    dx = xp.zeros((c, size), by_tap.dtype)
    for i in range(kh):
        for j in range(kw):
            shift = i * win.dh * fw + j * win.dw
            dx[:, shift:] += by_tap[i, j, :, : size - shift]
    dx = dx.reshape(c, n, fh, fw)[:, :, win.pad_top :, win.pad_left :]
    return dx[:, :, : win.in_h, : win.in_w].transpose(1, 2, 3, 0)


def _check_out_backprop(win, dy, out_channels):
    if dy.shape[1:3] != (win.out_h, win.out_w) or dy.shape[3] != out_channels:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: actual = "
            f"{list(dy.shape[1:])}, computed = {[win.out_h, win.out_w, out_channels]}",
        )


def _conv2d_backprop_input_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def conv2d_backprop_input(sizes, w, dy):
        attrs.check()
        dy = attrs.to_nhwc(dy)
        n, h, width, c = attrs.sizes_nhwc(sizes)
        if attrs.strides == (1, 1):
            win = runtime_window(op, attrs, (h, width), w.shape[:2])
            _check_out_backprop(win, dy, w.shape[3])
            dx = backprop_input_by_shifts(xp, dy, w, win)
            return attrs.from_nhwc(xp.ascontiguousarray(dx.astype(dy.dtype, copy=False)))

        def cols(win):
            _check_out_backprop(win, dy, w.shape[3])
            # [n, oh, ow, o] . [kh, kw, c, o] -> [n, oh, ow, kh, kw, c]: one matmul.
            n, oh, ow, o = dy.shape
            kh, kw, c, _ = w.shape
            rows = compute_dtype(xp, dy).reshape(n * oh * ow, o)
            taps = compute_dtype(xp, w).reshape(kh * kw * c, o)
            if kw * c < FEW_CHANNELS:  # by tap (see im2col_by_tap): the adds run along rows
                by_tap = matmul(xp, taps, rows.T).reshape(kh, kw, c, n, oh, ow)
                return by_tap.transpose(3, 4, 5, 0, 1, 2)
            return matmul(xp, rows, taps.T).reshape(n, oh, ow, kh, kw, c)

        return backprop_input(xp, op, attrs, sizes, w.shape[:2], cols, dy.dtype)

    return conv2d_backprop_input


def _conv2d_backprop_filter_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def conv2d_backprop_filter(x, sizes, dy):
        attrs.check()
        x, dy = attrs.to_nhwc(x), attrs.to_nhwc(dy)
        kh, kw = int(sizes[0]), int(sizes[1])
        win = runtime_window(op, attrs, x.shape[1:3], (kh, kw))
        _check_out_backprop(win, dy, int(sizes[3]))
        cols = patches(xp, compute_dtype(xp, x), win)  # [n, oh, ow, c, kh, kw]
        grads = compute_dtype(xp, dy).reshape(-1, dy.shape[3])
        rows_t = im2col_by_tap(cols) if few_channels(cols) else im2col(cols).T
        dw = matmul(xp, rows_t, grads).reshape(kh, kw, x.shape[3], -1)
        return dw.astype(x.dtype, copy=False)  # [kh, kw, c, o]

    return conv2d_backprop_filter


def _infer_from_sizes(sizes_index, grad_index, other_index):
    def infer(op):
        from teachflow.ops.static_value import constant_value_as_shape

        dy = op.inputs[grad_index]
        dt = check_allowed(dy, CONV_DTYPES, "out_backprop")
        other = op.inputs[other_index]
        if other.dtype.base_dtype is not dt:
            raise TypeError(
                f"Input 'out_backprop' of '{op.type}' Op has type {dt.name} that does not "
                f"match type {other.dtype.base_dtype.name} of argument "
                f"'{'filter' if other_index == 1 else 'input'}'."
            )
        check_window_attrs(op)
        sizes = op.inputs[sizes_index]
        if sizes.op.type == "ShapeN":  # the gradient's: the shape of that input, known or not
            shape = sizes.op.inputs[sizes.value_index].shape
        else:
            shape = constant_value_as_shape(sizes)
        if shape.ndims is None:
            shape = TensorShape([None] * 4)
        return [(dt, shape)]

    return infer


def window_attrs_of(op):
    """The window attributes a convolution's gradient ops copy from it (``T`` included);
    ``use_cudnn_on_gpu`` only where the op has it (Conv2D's family, not the depthwise ops)."""
    return {
        k: op._attrs[k]
        for k in (
            "T",
            "strides",
            "padding",
            "explicit_paddings",
            "data_format",
            "dilations",
            "use_cudnn_on_gpu",
        )
        if k in op._attrs
    }


def _grad_op(op_type, inputs, attrs):
    return inputs[0].graph.create_op(op_type, inputs, attrs, name=op_type).outputs[0]


def _shape(t):
    from teachflow.ops import array_ops

    return array_ops.shape(t)


def _conv2d_grad(op, grad):
    from teachflow.ops import array_ops

    x, w = op.inputs
    attrs = window_attrs_of(op)
    x_shape, w_shape = array_ops.shape_n([x, w])  # one op for both shapes, as TF
    return [
        _grad_op("Conv2DBackpropInput", [x_shape, w, grad], attrs),
        _grad_op("Conv2DBackpropFilter", [x, w_shape, grad], attrs),
    ]


def _conv2d_backprop_input_grad(op, grad):
    _, w, dy = op.inputs
    attrs = window_attrs_of(op)
    return [
        None,
        _grad_op("Conv2DBackpropFilter", [grad, _shape(w), dy], attrs),
        _grad_op("Conv2D", [grad, w], attrs),
    ]


def _conv2d_backprop_filter_grad(op, grad):
    x, _, dy = op.inputs
    attrs = window_attrs_of(op)
    return [
        _grad_op("Conv2DBackpropInput", [_shape(x), grad, dy], attrs),
        None,
        _grad_op("Conv2D", [x, grad], attrs),
    ]


registry.register("Conv2D", _infer_conv2d, _conv2d_kernel, grad=_conv2d_grad, cheap=False)
registry.register(
    "Conv2DBackpropInput",
    _infer_from_sizes(0, 2, 1),
    _conv2d_backprop_input_kernel,
    grad=_conv2d_backprop_input_grad,
    cheap=False,
)
registry.register(
    "Conv2DBackpropFilter",
    _infer_from_sizes(1, 2, 0),
    _conv2d_backprop_filter_kernel,
    grad=_conv2d_backprop_filter_grad,
    cheap=False,
)


# -- the Python API -------------------------------------------------------------------------
def conv_attrs(dtype, strides, pad, explicit, data_format, dilations, use_cudnn_on_gpu=None):
    """A convolution op's attributes in TensorFlow's order (``Conv2D``, its two gradients,
    ``DepthwiseConv2dNative``); ``pad, explicit`` come from `padding_attrs`, and
    ``use_cudnn_on_gpu`` is left out (None) for the ops that have no such attribute."""
    attrs = {"T": dtype.base_dtype, "strides": window_sequence(strides, "strides", data_format)}
    if use_cudnn_on_gpu is not None:
        attrs["use_cudnn_on_gpu"] = bool(use_cudnn_on_gpu)
    attrs.update(
        padding=pad,
        explicit_paddings=explicit,
        data_format=data_format,
        dilations=window_sequence(dilations, "dilations", data_format),
    )
    return attrs


def conv2d(
    input,  # noqa: A002 - TensorFlow's argument name
    filter=None,  # noqa: A002
    strides=None,
    padding=None,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
    filters=None,
):
    """2-D convolution of ``input [n, h, w, c]`` with ``filter [kh, kw, c, o]``.

    ``strides`` and ``dilations`` are an int, 2 spatial values or 4 in ``data_format``
    ("NHWC" or "NCHW") order; ``padding`` is "SAME", "VALID" or explicit
    ``[[0, 0], [top, bottom], [left, right], [0, 0]]``. Raises ValueError when the depths
    differ or the window is larger than the image.

        >>> import teachflow as tf
        >>> y = tf.nn.conv2d(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]), 1, "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[4. 4.]
         [4. 4.]]
    """
    if filter is None:
        filter = filters  # noqa: A001
    elif filters is not None:
        raise ValueError("filter and filters arguments cannot both be given")
    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, "Conv2D", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        w = convert_like(filter, x.dtype, "Conv2D", ("input", "filter"))
        attrs = conv_attrs(
            x.dtype, strides, pad, explicit, data_format, dilations, use_cudnn_on_gpu
        )
        return x.graph.create_op("Conv2D", [x, w], attrs, name=scope).outputs[0]


def conv2d_backprop_input(
    input_sizes,
    filter=None,  # noqa: A002
    out_backprop=None,
    strides=None,
    padding=None,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
    filters=None,
):
    """The gradient of `conv2d` with respect to its input, of shape ``input_sizes``."""
    filter = filter if filter is not None else filters  # noqa: A001
    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, "Conv2DBackpropInput", [input_sizes, filter, out_backprop]) as scope:
        sizes = convert_to_tensor(input_sizes, dtype=dtypes.int32, name="input_sizes")
        dy = convert_to_tensor(out_backprop, name="out_backprop")
        w = convert_to_tensor(filter, dtype=dy.dtype.base_dtype, name="filter")
        attrs = conv_attrs(
            dy.dtype, strides, pad, explicit, data_format, dilations, use_cudnn_on_gpu
        )
        return dy.graph.create_op("Conv2DBackpropInput", [sizes, w, dy], attrs, name=scope).outputs[
            0
        ]


def conv2d_backprop_filter(
    input,  # noqa: A002
    filter_sizes,
    out_backprop,
    strides,
    padding,
    use_cudnn_on_gpu=True,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
):
    """The gradient of `conv2d` with respect to its filter, of shape ``filter_sizes``."""
    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, "Conv2DBackpropFilter", [input, filter_sizes, out_backprop]) as scope:
        x = convert_to_tensor(input, name="input")
        sizes = convert_to_tensor(filter_sizes, dtype=dtypes.int32, name="filter_sizes")
        dy = convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop")
        attrs = conv_attrs(
            x.dtype, strides, pad, explicit, data_format, dilations, use_cudnn_on_gpu
        )
        return x.graph.create_op("Conv2DBackpropFilter", [x, sizes, dy], attrs, name=scope).outputs[
            0
        ]


def conv2d_transpose(
    value=None,
    filter=None,  # noqa: A002
    output_shape=None,
    strides=None,
    padding="SAME",
    data_format="NHWC",
    name=None,
    input=None,  # noqa: A002
    filters=None,
    dilations=None,
):
    """The transpose of `conv2d` (a learned upsampling): ``value [n, h, w, o]`` and
    ``filter [kh, kw, c, o]`` give ``output_shape [n, H, W, c]``.

    It is the gradient of a convolution with respect to its input, and builds the same
    op, ``Conv2DBackpropInput``. Raises ValueError when the channels disagree.

        >>> import teachflow as tf
        >>> y = tf.nn.conv2d_transpose(tf.ones([1, 2, 2, 4]), tf.ones([3, 3, 1, 4]),
        ...                            [1, 4, 4, 1], strides=[1, 2, 2, 1])
        >>> y.op.type, y.shape
        ('Conv2DBackpropInput', TensorShape([Dimension(1), Dimension(4), Dimension(4), Dimension(1)]))
    """
    value = value if value is not None else input
    filter = filter if filter is not None else filters  # noqa: A001
    data_format = data_format or "NHWC"
    with name_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        value = convert_to_tensor(value, name="value")
        filter = convert_to_tensor(filter, dtype=value.dtype.base_dtype, name="filter")  # noqa: A001
        axis = 3 if data_format == "NHWC" else 1
        vc = dimension_value(value.shape[axis]) if value.shape.ndims == 4 else None
        fo = dimension_value(filter.shape[3]) if filter.shape.ndims == 4 else None
        if vc is not None and fo is not None and vc != fo:
            raise ValueError(f"input channels does not match filter's input channels, {vc} != {fo}")
        if isinstance(output_shape, (list, tuple)) and len(output_shape) != 4:
            raise ValueError(f"output_shape must have shape (4,), got ({len(output_shape)},)")
        return conv2d_backprop_input(
            output_shape,
            filter,
            value,
            strides,
            padding,
            data_format=data_format,
            dilations=dilations if dilations is not None else (1, 1, 1, 1),
            name=scope,
        )
