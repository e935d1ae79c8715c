"""Transposed convolutions of every rank and the 3-D gradient ops by name:
``tf.nn.conv1d_transpose``, ``tf.nn.conv3d_transpose``, ``tf.nn.conv_transpose``,
``tf.nn.conv3d_backprop_filter(_v2)``.

A transposed convolution (a learned upsampling) IS the gradient of a convolution with
respect to its input, so TensorFlow builds no op of its own: ``conv1d_transpose`` is a
``Conv2DBackpropInput`` of height 1 between ExpandDims and Squeeze, ``conv3d_transpose``
a ``Conv3DBackpropInputV2``, and ``conv_transpose`` picks one by ``output_shape``'s length.

    >>> import teachflow as tf
    >>> y = tf.nn.conv_transpose(tf.ones([1, 2, 2, 2, 4]), tf.ones([2, 2, 2, 1, 4]),
    ...                          [1, 4, 4, 4, 1], strides=2)
    >>> y.op.type, y.shape
    ('Conv3DBackpropInputV2', TensorShape([Dimension(1), Dimension(4), Dimension(4), Dimension(4), Dimension(1)]))
"""

from __future__ import annotations

from collections.abc import Sized

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops.conv_ops import conv2d_backprop_input, conv2d_transpose

__all__ = [
    "conv1d_transpose",
    "conv3d_transpose",
    "conv_transpose",
    "conv3d_backprop_filter_v2",
    "conv3d_backprop_input_v2",
]


def tf_sequence(value, n, channel_index, name) -> list:
    """TensorFlow's ``_get_sequence``: an int, ``n`` spatial values or ``n + 2`` values as
    the ``n + 2``-entry attribute (1 for batch and channels)."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, (int, np.integer)) or not isinstance(value, Sized):
        value = [value]
    value = list(value)
    if len(value) == n + 2:
        return value
    if len(value) == 1:
        value = value * n
    elif len(value) != n:
        raise ValueError(
            f"{name} should be of length 1, {n} or {n + 2}. "
            f"Received: {name}={value} of length {len(value)}"
        )
    return [1, 1] + value if channel_index == 1 else [1] + value + [1]


def conv1d_transpose(
    input,  # noqa: A002 - TensorFlow's argument name
    filters,
    output_shape,
    strides,
    padding="SAME",
    data_format="NWC",
    dilations=None,
    name=None,
):
    """The transpose of `conv1d`: ``input [n, w, o]`` and ``filters [k, c, o]`` give
    ``output_shape [n, W, c]``; a ``Conv2DBackpropInput`` of height 1.

        >>> import teachflow as tf
        >>> y = tf.nn.conv1d_transpose(tf.ones([2, 5, 4]), tf.ones([3, 1, 4]), [2, 10, 1], 2)
        >>> y.op.name, y.shape
        ('conv1d_transpose/Squeeze', TensorShape([Dimension(2), Dimension(10), Dimension(1)]))
    """
    from teachflow.ops import array_ops

    with name_scope(name, "conv1d_transpose", [input, filters, output_shape]) as scope:
        if data_format is None or data_format == "NWC":
            data_format, spatial_start, channel_index = "NHWC", 1, 2
        elif data_format == "NCW":
            data_format, spatial_start, channel_index = "NCHW", 2, 1
        else:
            raise ValueError(
                f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}"
            )
        strides = [1] + tf_sequence(strides, 1, channel_index, "stride")
        dilations = [1] + tf_sequence(dilations, 1, channel_index, "dilations")
        x = array_ops.expand_dims(input, spatial_start)
        filters = array_ops.expand_dims(filters, 0)
        if not isinstance(output_shape, Tensor):
            output_shape = list(output_shape)
        output_shape = array_ops.concat(
            [output_shape[:spatial_start], [1], output_shape[spatial_start:]], 0
        )
        result = conv2d_backprop_input(
            output_shape,
            filters,
            x,
            strides,
            padding,
            data_format=data_format,
            dilations=dilations,
            name=scope,
        )
        return array_ops.squeeze(result, [spatial_start])


def conv3d_backprop_input_v2(
    input_sizes,
    filter,  # noqa: A002
    out_backprop,
    strides,
    padding,
    data_format="NDHWC",
    dilations=(1, 1, 1, 1, 1),
    name=None,
):
    """The gradient of `conv3d` with respect to its input (op ``Conv3DBackpropInputV2``),
    of shape ``input_sizes``."""
    with name_scope(name, "Conv3DBackpropInputV2", [input_sizes, filter, out_backprop]) as sc:
        sizes = convert_to_tensor(input_sizes, name="input_sizes")
        if sizes.dtype.base_dtype not in (dtypes.int32, dtypes.int64):
            sizes = convert_to_tensor(input_sizes, dtype=dtypes.int32, name="input_sizes")
        dy = convert_to_tensor(out_backprop, name="out_backprop")
        w = convert_to_tensor(filter, dtype=dy.dtype.base_dtype, name="filter")
        attrs = _conv3d_attrs(dy.dtype, strides, padding, data_format, dilations)
        attrs["Tshape"] = sizes.dtype.base_dtype
        return dy.graph.create_op("Conv3DBackpropInputV2", [sizes, w, dy], attrs, name=sc).outputs[
            0
        ]


def conv3d_backprop_filter_v2(
    input,  # noqa: A002
    filter_sizes,
    out_backprop,
    strides,
    padding,
    data_format="NDHWC",
    dilations=(1, 1, 1, 1, 1),
    name=None,
):
    """The gradient of `conv3d` with respect to its filter (op ``Conv3DBackpropFilterV2``),
    of shape ``filter_sizes``; ``tf.nn.conv3d_backprop_filter`` is the same function.

        >>> import teachflow as tf
        >>> tf.nn.conv3d_backprop_filter(tf.ones([1, 3, 3, 3, 2]), [2, 2, 2, 2, 4],
        ...                              tf.ones([1, 2, 2, 2, 4]), [1] * 5, "VALID").shape
        TensorShape([Dimension(2), Dimension(2), Dimension(2), Dimension(2), Dimension(4)])
    """
    with name_scope(name, "Conv3DBackpropFilterV2", [input, filter_sizes, out_backprop]) as sc:
        x = convert_to_tensor(input, name="input")
        sizes = convert_to_tensor(filter_sizes, dtype=dtypes.int32, name="filter_sizes")
        dy = convert_to_tensor(out_backprop, dtype=x.dtype.base_dtype, name="out_backprop")
        attrs = _conv3d_attrs(x.dtype, strides, padding, data_format, dilations)
        return x.graph.create_op("Conv3DBackpropFilterV2", [x, sizes, dy], attrs, name=sc).outputs[
            0
        ]


def _conv3d_attrs(dtype, strides, padding, data_format, dilations):
    from teachflow.ops.sliding_windows import text

    return {
        "T": dtype.base_dtype,
        "strides": [int(s) for s in strides],
        "padding": text(padding),
        "data_format": text(data_format or "NDHWC"),
        "dilations": [int(d) for d in dilations],
    }


def conv3d_transpose(
    value=None,
    filter=None,  # noqa: A002
    output_shape=None,
    strides=None,
    padding="SAME",
    data_format="NDHWC",
    name=None,
    input=None,  # noqa: A002
    filters=None,
    dilations=None,
):
    """The transpose of `conv3d`: ``value [n, d, h, w, o]`` and ``filter [kd, kh, kw, c, o]``
    give ``output_shape [n, D, H, W, c]`` (op ``Conv3DBackpropInputV2``).

        >>> import teachflow as tf
        >>> tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 4]), tf.ones([3, 3, 3, 1, 4]),
        ...                        [1, 4, 4, 4, 1], [1, 2, 2, 2, 1]).op.name
        'conv3d_transpose'
    """
    value = input if input is not None else value
    filter = filters if filters is not None else filter  # noqa: A001
    with name_scope(name, "conv3d_transpose", [value, filter, output_shape]) as scope:
        data_format = data_format or "NDHWC"
        channel_index = 1 if data_format.startswith("NC") else 4
        return conv3d_backprop_input_v2(
            output_shape,
            filter,
            value,
            tf_sequence(strides, 3, channel_index, "strides"),
            padding,
            data_format=data_format,
            dilations=tf_sequence(dilations, 3, channel_index, "dilations"),
            name=scope,
        )


def _conv2d_transpose_v2(
    input, filters, output_shape, strides, padding, data_format, dilations, name
):  # noqa: A002, E501
    with name_scope(name, "conv2d_transpose", [input, filters, output_shape]) as scope:
        data_format = data_format or "NHWC"
        channel_index = 1 if data_format.startswith("NC") else 3
        return conv2d_transpose(
            input,
            filters,
            output_shape,
            tf_sequence(strides, 2, channel_index, "strides"),
            padding,
            data_format=data_format,
            dilations=tf_sequence(dilations, 2, channel_index, "dilations"),
            name=scope,
        )


def conv_transpose(
    input,  # noqa: A002
    filters,
    output_shape,
    strides,
    padding="SAME",
    data_format=None,
    dilations=None,
    name=None,
):
    """`conv1d_transpose`, ``conv2d_transpose`` or `conv3d_transpose`, chosen by the
    length of ``output_shape`` (3, 4 or 5), inside a ``conv_transpose`` name scope.

        >>> import teachflow as tf
        >>> tf.nn.conv_transpose(tf.ones([1, 2, 2, 4]), tf.ones([3, 3, 1, 4]), [1, 4, 4, 1],
        ...                      2).op.name
        'conv_transpose'
    """
    with name_scope(name, "conv_transpose", [input, filters, output_shape]) as scope:
        if isinstance(output_shape, Tensor):
            n = dimension_value(output_shape.shape[0]) - 2
        elif isinstance(output_shape, Sized):
            n = len(output_shape) - 2
        else:
            raise ValueError(
                "`output_shape` must be a tensor or sized collection. "
                f"Received: output_shape={output_shape}"
            )
        if not 1 <= n <= 3:
            raise ValueError(
                f"`output_shape` must be of length 3, 4 or 5. "
                f"Received: output_shape={output_shape} of length {n + 2}."
            )
        op = (conv1d_transpose, _conv2d_transpose_v2, _conv3d_transpose_v2)[n - 1]
        return op(input, filters, output_shape, strides, padding, data_format, dilations, scope)


def _conv3d_transpose_v2(
    input, filters, output_shape, strides, padding, data_format, dilations, name
):  # noqa: A002, E501
    return conv3d_transpose(
        input, filters, output_shape, strides, padding, data_format or "NDHWC", name,
        dilations=dilations,
    )  # fmt: skip
