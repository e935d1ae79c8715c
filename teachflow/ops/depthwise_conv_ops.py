"""Depthwise convolution: ``DepthwiseConv2dNative`` and its two gradient ops,
``tf.nn.depthwise_conv2d`` and ``tf.nn.separable_conv2d``.

A depthwise convolution filters each input channel on its own: a filter
``[kh, kw, c, m]`` gives ``m`` outputs per input channel (``c * m`` in all, channel
``k * m + j`` from input channel ``k``) and never mixes channels — the cheap half of a
MobileNet block, whose other half (a 1x1 ``conv2d``) mixes them: `separable_conv2d`.
The kernels reuse `teachflow.ops.sliding_windows`: windows as a view, one ``einsum``
contracting the window with the filter per channel.

    >>> import teachflow as tf
    >>> y = tf.nn.depthwise_conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 2]), [1, 1, 1, 1],
    ...                            "SAME")
    >>> y.op.type, y.shape
    ('DepthwiseConv2dNative', TensorShape([Dimension(1), Dimension(5), Dimension(5), Dimension(6)]))
"""

from __future__ import annotations

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.conv_ops import backprop_input, conv_attrs, window_attrs_of
from teachflow.ops.elementwise import FLOATS, check_allowed, convert_like
from teachflow.ops.sliding_windows import nhwc_order, patches, shapes_text, text
from teachflow.ops.window_attrs import (
    ConvAttrs,
    check_window_attrs,
    compute_dtype,
    conv_output_shape,
    in_format,
    padding_attrs,
    runtime_window,
)

__all__: list = []

DEPTHWISE_DTYPES = FLOATS


def _infer_depthwise(op):
    x, f = op.inputs
    dt = check_allowed(x, DEPTHWISE_DTYPES, "input")
    if f.dtype.base_dtype is not dt:
        raise TypeError(
            f"Input 'filter' of 'DepthwiseConv2dNative' Op has type {f.dtype.base_dtype.name} "
            f"that does not match type {dt.name} of argument 'input'."
        )
    fmt = check_window_attrs(op)
    for t in (x, f):
        if t.shape.ndims is not None and t.shape.ndims != 4:
            raise ValueError(
                f"Shape must be rank 4 but is rank {t.shape.ndims} for '{op.name}' "
                f"(op: 'DepthwiseConv2dNative') with input shapes: "
                f"{shapes_text(x.shape, f.shape)}."
            )
    fd = f.shape.as_list() if f.shape.ndims is not None else [None] * 4
    depth = dimension_value(x.shape[nhwc_order(fmt)[3]]) if x.shape.ndims == 4 else None
    if depth is not None and fd[2] is not None and depth != fd[2]:
        raise ValueError(
            f"Dimensions must be equal, but are {depth} and {fd[2]} for '{op.name}' "
            f"(op: 'DepthwiseConv2dNative') with input shapes: {shapes_text(x.shape, f.shape)}."
        )
    channels = fd[2] * fd[3] if fd[2] is not None and fd[3] is not None else None
    if fd[0] is None or fd[1] is None:
        batch = x.shape[0] if x.shape.ndims == 4 else None
        return [(dt, in_format([batch, None, None, channels], fmt))]
    return [(dt, conv_output_shape(op, x.shape, fd[:2], channels))]


def _depthwise_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def depthwise_conv2d_native(x, f):
        attrs.check()
        x = attrs.to_nhwc(x)
        if x.shape[3] != f.shape[2]:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"input and filter must have the same depth: {x.shape[3]} vs {f.shape[2]}",
            )
        win = runtime_window(op, attrs, x.shape[1:3], f.shape[:2])
        cols = patches(xp, compute_dtype(xp, x), win)  # [n, oh, ow, c, kh, kw]
        out = xp.einsum("nhwcij,ijcm->nhwcm", cols, compute_dtype(xp, f), optimize=True)
        out = out.reshape(out.shape[:3] + (-1,))
        return attrs.from_nhwc(out.astype(x.dtype, copy=False))

    return depthwise_conv2d_native


def _depthwise_backprop_input_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def depthwise_backprop_input(sizes, f, dy):
        attrs.check()
        dy = attrs.to_nhwc(dy)
        kh, kw, c, m = f.shape

        def cols(win):
            if dy.shape[1:] != (win.out_h, win.out_w, c * m):
                raise errors.InvalidArgumentError(
                    None, None, f"{op.type}: out_backprop has shape {list(dy.shape)}, expected "
                    f"{[dy.shape[0], win.out_h, win.out_w, c * m]}"
                )  # fmt: skip
            g = compute_dtype(xp, dy).reshape(dy.shape[:3] + (c, m))
            return xp.einsum("nhwcm,ijcm->nhwijc", g, compute_dtype(xp, f), optimize=True)

        return backprop_input(xp, op, attrs, sizes, (kh, kw), cols, dy.dtype)

    return depthwise_backprop_input


def _depthwise_backprop_filter_kernel(op, device):
    xp = device.xp
    attrs = ConvAttrs.of(op)

    def depthwise_backprop_filter(x, sizes, dy):
        attrs.check()
        x, dy = attrs.to_nhwc(x), attrs.to_nhwc(dy)
        kh, kw, c, m = (int(s) for s in sizes)
        win = runtime_window(op, attrs, x.shape[1:3], (kh, kw))
        cols = patches(xp, compute_dtype(xp, x), win)
        g = compute_dtype(xp, dy).reshape(dy.shape[:3] + (c, m))
        df = xp.einsum("nhwcij,nhwcm->ijcm", cols, g, optimize=True)
        return df.astype(x.dtype, copy=False)

    return depthwise_backprop_filter


def _infer_backprop(sizes_index):
    def infer(op):
        from teachflow.ops.static_value import constant_value_as_shape

        dy = op.inputs[2]
        dt = check_allowed(dy, DEPTHWISE_DTYPES, "out_backprop")
        check_window_attrs(op)
        shape = constant_value_as_shape(op.inputs[sizes_index])
        return [(dt, shape if shape.ndims is not None else TensorShape([None] * 4))]

    return infer


def _depthwise_grad(op, grad):
    from teachflow.ops import array_ops

    x, f = op.inputs
    attrs = window_attrs_of(op)
    graph = grad.graph
    dx = graph.create_op(
        "DepthwiseConv2dNativeBackpropInput",
        [array_ops.shape(x), f, grad],
        attrs,
        name="DepthwiseConv2dNativeBackpropInput",
    ).outputs[0]
    df = graph.create_op(
        "DepthwiseConv2dNativeBackpropFilter",
        [x, array_ops.shape(f), grad],
        attrs,
        name="DepthwiseConv2dNativeBackpropFilter",
    ).outputs[0]
    return [dx, df]


registry.register(
    "DepthwiseConv2dNative", _infer_depthwise, _depthwise_kernel, grad=_depthwise_grad,
    cheap=False,
)  # fmt: skip
registry.register(
    "DepthwiseConv2dNativeBackpropInput", _infer_backprop(0), _depthwise_backprop_input_kernel,
    cheap=False,
)  # fmt: skip
registry.register(
    "DepthwiseConv2dNativeBackpropFilter", _infer_backprop(1), _depthwise_backprop_filter_kernel,
    cheap=False,
)  # fmt: skip


def depthwise_conv2d(
    input,  # noqa: A002 - TensorFlow's argument name
    filter,  # noqa: A002
    strides,
    padding,
    rate=None,
    name=None,
    data_format=None,
    dilations=None,
):
    """Each input channel convolved with its own ``m`` filters: ``input [n, h, w, c]`` and
    ``filter [kh, kw, c, m]`` give ``[n, oh, ow, c * m]``.

    ``rate`` (TF1) or ``dilations`` dilates the filter: as in TensorFlow, the input is
    moved to batch by SpaceToBatchND around the op and back. Raises ValueError when the
    depths differ.

        >>> import teachflow as tf
        >>> y = tf.nn.depthwise_conv2d(tf.ones([1, 3, 3, 2]), tf.ones([2, 2, 2, 1]),
        ...                            [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[4. 4.]
         [4. 4.]]
    """
    rate = dilations if dilations is not None else rate
    with name_scope(name, "depthwise", [input, filter]) as scope:
        x = convert_to_tensor(input, name="tensor_in")
        f = convert_to_tensor(filter, name="filter_in")
        return _dilated_depthwise(x, f, strides, padding, rate, data_format, scope)


def _dilated_depthwise(x, f, strides, padding, rate, data_format, op_name):
    """TF's graph: the filter's Shape and a dilation_rate Const, and for a rate above 1
    SpaceToBatchND / BatchToSpaceND around the op (whose own dilations stay 1)."""
    from teachflow.ops import array_ops
    from teachflow.ops.space_to_batch_convolution import with_space_to_batch

    if f.dtype.base_dtype is not x.dtype.base_dtype:
        f = convert_like(f, x.dtype, "DepthwiseConv2dNative", ("input", "filter"))
    layout = data_format or "NHWC"

    def op(converted, _, padding):
        pad, explicit = padding_attrs(padding, layout)
        attrs = conv_attrs(x.dtype, strides, pad, explicit, text(layout), 1)
        return x.graph.create_op(
            "DepthwiseConv2dNative", [converted, f], attrs, name=op_name
        ).outputs[0]

    return with_space_to_batch(
        input=x,
        filter_shape=array_ops.shape(f),
        dilation_rate=[1, 1] if rate is None else rate,
        padding=padding,
        data_format=data_format,
        op=op,
    )


def separable_conv2d(
    input,  # noqa: A002
    depthwise_filter,
    pointwise_filter,
    strides,
    padding,
    rate=None,
    name=None,
    data_format=None,
    dilations=None,
):
    """A `depthwise_conv2d` followed by a 1x1 `conv2d` that mixes its ``c * m`` channels
    (``pointwise_filter [1, 1, c * m, out]``).

    >>> import teachflow as tf
    >>> tf.nn.separable_conv2d(tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 2]),
    ...                        tf.ones([1, 1, 6, 4]), [1, 1, 1, 1], "SAME").shape
    TensorShape([Dimension(1), Dimension(5), Dimension(5), Dimension(4)])
    """
    from teachflow.ops import conv_ops

    rate = dilations if dilations is not None else rate
    with name_scope(name, "separable_conv2d", [input, depthwise_filter, pointwise_filter]) as sc:
        x = convert_to_tensor(input, name="tensor_in")
        depthwise_filter = convert_to_tensor(depthwise_filter, name="depthwise_filter")
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter")
        shape = pointwise_filter.shape
        if shape.ndims == 4 and (dimension_value(shape[0]) != 1 or dimension_value(shape[1]) != 1):
            raise ValueError(f"Shapes must be equal rank and 1x1: pointwise filter {shape}")
        depthwise = _dilated_depthwise(
            x, depthwise_filter, strides, padding, rate, data_format, "depthwise"
        )
        return conv_ops.conv2d(
            depthwise, pointwise_filter, [1, 1, 1, 1], "VALID", data_format=data_format, name=sc
        )


def _depthwise_backprop(op_type, inputs, sizes_index, strides, padding, data_format,
                        dilations, name):  # fmt: skip
    from teachflow.framework import dtypes

    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, op_type, inputs) as scope:
        names = ("input_sizes", "filter") if sizes_index == 0 else ("input", "filter_sizes")
        dy = convert_to_tensor(inputs[2], name="out_backprop")
        tensors = [
            convert_to_tensor(
                t, dtype=dtypes.int32 if i == sizes_index else dy.dtype.base_dtype, name=names[i]
            )
            for i, t in enumerate(inputs[:2])
        ] + [dy]
        dtype = dy.dtype
        attrs = conv_attrs(dtype, strides, pad, explicit, text(data_format), dilations or 1)
        return tensors[2].graph.create_op(op_type, tensors, attrs, name=scope).outputs[0]


def depthwise_conv2d_native_backprop_input(
    input_sizes,
    filter,  # noqa: A002
    out_backprop,
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
):
    """The gradient of a depthwise convolution with respect to its input, of shape
    ``input_sizes`` (op ``DepthwiseConv2dNativeBackpropInput``); also
    ``tf.nn.depthwise_conv2d_backprop_input``.

        >>> import teachflow as tf
        >>> tf.nn.depthwise_conv2d_native_backprop_input(
        ...     [1, 4, 4, 2], tf.ones([2, 2, 2, 3]), tf.ones([1, 4, 4, 6]), [1, 1, 1, 1],
        ...     "SAME").shape
        TensorShape([Dimension(1), Dimension(4), Dimension(4), Dimension(2)])
    """
    return _depthwise_backprop(
        "DepthwiseConv2dNativeBackpropInput", [input_sizes, filter, out_backprop], 0,
        strides, padding, data_format, dilations, name,
    )  # fmt: skip


def depthwise_conv2d_native_backprop_filter(
    input,  # noqa: A002
    filter_sizes,
    out_backprop,
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
):
    """The gradient of a depthwise convolution with respect to its filter, of shape
    ``filter_sizes`` (op ``DepthwiseConv2dNativeBackpropFilter``); also
    ``tf.nn.depthwise_conv2d_backprop_filter``.

        >>> import teachflow as tf
        >>> tf.nn.depthwise_conv2d_native_backprop_filter(
        ...     tf.ones([1, 4, 4, 2]), [2, 2, 2, 3], tf.ones([1, 4, 4, 6]), [1, 1, 1, 1],
        ...     "SAME").shape
        TensorShape([Dimension(2), Dimension(2), Dimension(2), Dimension(3)])
    """
    return _depthwise_backprop(
        "DepthwiseConv2dNativeBackpropFilter", [input, filter_sizes, out_backprop], 1,
        strides, padding, data_format, dilations, name,
    )  # fmt: skip


def depthwise_conv2d_native(
    input,  # noqa: A002
    filter,  # noqa: A002
    strides,
    padding,
    data_format="NHWC",
    dilations=(1, 1, 1, 1),
    name=None,
):
    """The op ``DepthwiseConv2dNative`` itself (`depthwise_conv2d` without its name scope).

    >>> import teachflow as tf
    >>> tf.nn.depthwise_conv2d_native(tf.ones([1, 4, 4, 2]), tf.ones([2, 2, 2, 3]),
    ...                               [1, 1, 1, 1], "SAME").op.name
    'DepthwiseConv2dNative'
    """
    data_format = data_format or "NHWC"
    pad, explicit = padding_attrs(padding, data_format)
    with name_scope(name, "DepthwiseConv2dNative", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        f = convert_like(filter, x.dtype, "DepthwiseConv2dNative", ("input", "filter"))
        attrs = conv_attrs(x.dtype, strides, pad, explicit, text(data_format), dilations or 1)
        return x.graph.create_op("DepthwiseConv2dNative", [x, f], attrs, name=scope).outputs[0]
