"""The rank-generic entry points: ``tf.nn.convolution``, ``tf.nn.pool``,
``tf.nn.conv1d`` and ``tf.nn.atrous_conv2d``, all built on the 2-D ops.

``convolution`` picks the op from the input's rank (3: a 1-D convolution, 4: ``Conv2D``);
a 1-D convolution is a 2-D one of height 1 between ExpandDims and Squeeze, as TensorFlow
builds it. Where TensorFlow implements a dilation by SpaceToBatchND / BatchToSpaceND around
the op, teachflow sets the op's ``dilations`` attribute: the same values, one op.

    >>> import teachflow as tf
    >>> tf.nn.convolution(tf.zeros([2, 9, 9, 3]), tf.ones([3, 3, 3, 4]), "SAME").op.type
    'Conv2D'
    >>> tf.nn.pool(tf.zeros([2, 9, 9, 3]), [2, 2], "MAX", "SAME", strides=[2, 2]).shape
    TensorShape([Dimension(2), Dimension(5), Dimension(5), Dimension(3)])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.conv_ops import conv2d

__all__: list = []


def _pair(value, name):
    if value is None:
        return [1, 1]
    values = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        raise ValueError(f"{name} must have length 2 for a 2-D input, got {values}")
    return values


def convolution(
    input,  # noqa: A002 - TensorFlow's argument name
    filter=None,  # noqa: A002
    padding=None,
    strides=None,
    dilation_rate=None,
    name=None,
    data_format=None,
    filters=None,
    dilations=None,
):
    """N-D convolution for N = 1 (``[n, w, c]``) or 2 (``[n, h, w, c]``): `conv1d` or
    `conv2d` by the input's rank. Raises ValueError for another rank.

        >>> import teachflow as tf
        >>> tf.nn.convolution(tf.zeros([2, 9, 4]), tf.ones([3, 4, 5]), "SAME").shape
        TensorShape([Dimension(2), Dimension(9), Dimension(5)])
    """
    filter = filter if filter is not None else filters  # noqa: A001
    dilation_rate = dilation_rate if dilation_rate is not None else dilations
    with name_scope(name, "convolution", [input, filter]) as scope:
        x = convert_to_tensor(input, name="input")
        rank = x.shape.ndims
        if rank == 3:
            stride = _pair(strides, "strides")[0] if strides is not None else 1
            dilation = _pair(dilation_rate, "dilation_rate")[0] if dilation_rate is not None else 1
            return conv1d(
                x, filter, stride, padding, data_format=data_format, name=scope,
                dilations=dilation,
            )  # fmt: skip
        if rank != 4:
            raise ValueError(f"teachflow's convolution takes rank 3 or 4 inputs, got {rank}")
        c_first = (data_format or "NHWC").startswith("NC")
        s, d = _pair(strides, "strides"), _pair(dilation_rate, "dilation_rate")
        strides4 = [1, 1, *s] if c_first else [1, *s, 1]
        dilations4 = [1, 1, *d] if c_first else [1, *d, 1]
        return conv2d(
            x, filter, strides4, padding, data_format=data_format or "NHWC",
            dilations=dilations4, name=scope,
        )  # fmt: skip


def atrous_conv2d(value, filters, rate, padding, name=None):
    """``conv2d`` with the filter dilated by ``rate`` (holes between its taps) and stride 1:
    DeepLab's atrous convolution.

    >>> import teachflow as tf
    >>> tf.nn.atrous_conv2d(tf.zeros([1, 9, 9, 3]), tf.ones([3, 3, 3, 2]), 2, "VALID").shape
    TensorShape([Dimension(1), Dimension(5), Dimension(5), Dimension(2)])
    """
    if int(np.min(rate)) < 1:
        raise ValueError(f"rate {rate} cannot be less than one")
    return convolution(value, filters, padding, dilation_rate=rate, name=name or "convolution")


def pool(
    input,  # noqa: A002
    window_shape,
    pooling_type,
    padding,
    dilation_rate=None,
    strides=None,
    name=None,
    data_format=None,
    dilations=None,
):
    """Max or average pooling ("MAX" / "AVG") of a 3-D or 4-D input with a window of
    ``window_shape``. Dilated pooling is not implemented.

    >>> import teachflow as tf
    >>> tf.nn.pool(tf.zeros([2, 9, 9, 3]), [2, 2], "AVG", "VALID").op.name
    'avg_pool'
    """
    from teachflow.ops import pooling_ops

    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"pooling_type must be MAX or AVG, got {pooling_type}")
    dilation_rate = dilation_rate if dilation_rate is not None else dilations
    if dilation_rate is not None and any(int(d) != 1 for d in np.ravel(dilation_rate)):
        raise NotImplementedError("teachflow's pool has no dilated pooling")
    x = convert_to_tensor(input, name="input")
    rank = x.shape.ndims
    kind = "max" if pooling_type == "MAX" else "avg"
    default = f"{kind}_pool"
    if rank == 3:
        fn = pooling_ops.max_pool1d if kind == "max" else pooling_ops.avg_pool1d
        stride = np.ravel(strides if strides is not None else window_shape).tolist()
        return fn(x, list(np.ravel(window_shape)), stride, padding, data_format or "NWC",
                  name=name or default)  # fmt: skip
    if rank != 4:
        raise ValueError(f"teachflow's pool takes rank 3 or 4 inputs, got {rank}")
    fn = pooling_ops.max_pool if kind == "max" else pooling_ops.avg_pool
    c_first = (data_format or "NHWC").startswith("NC")
    k, s = _pair(window_shape, "window_shape"), _pair(strides, "strides")
    ksize = [1, 1, *k] if c_first else [1, *k, 1]
    strides4 = [1, 1, *s] if c_first else [1, *s, 1]
    return fn(x, ksize, strides4, padding, data_format=data_format or "NHWC", name=name or default)


def conv1d(
    value=None,
    filters=None,
    stride=None,
    padding=None,
    use_cudnn_on_gpu=None,
    data_format=None,
    name=None,
    input=None,  # noqa: A002 - TensorFlow's argument name
    dilations=None,
):
    """1-D convolution of ``value [n, width, c]`` with ``filters [k, c, o]``: a `conv2d` of
    height 1, built as TensorFlow builds it (ExpandDims, Conv2D, Squeeze).

        >>> import teachflow as tf
        >>> y = tf.nn.conv1d(tf.ones([2, 10, 3]), tf.ones([3, 3, 4]), stride=2, padding="SAME")
        >>> y.op.name, y.shape
        ('conv1d/Squeeze', TensorShape([Dimension(2), Dimension(5), Dimension(4)]))
    """
    from teachflow.ops import array_ops

    value = value if value is not None else input
    with name_scope(name, "conv1d", [value, filters]) as scope:
        # Counted from the end, as TF does, so a batch of batches works too.
        if data_format in (None, "NHWC", "NWC"):
            data_format, spatial_start, c_first = "NHWC", -3, False
        elif data_format in ("NCHW", "NCW"):
            data_format, spatial_start, c_first = "NCHW", -2, True
        else:
            raise ValueError('data_format must be "NWC" or "NCW".')

        def one_d(v, what):
            v = [int(v)] if isinstance(v, (int, np.integer)) else [int(i) for i in v]
            if len(v) == 3:
                return [1] + v
            if len(v) != 1:
                raise ValueError(f"{what} should be of length 1 or 3 but was {len(v)}")
            return [1, 1, 1, v[0]] if c_first else [1, 1, v[0], 1]

        value = array_ops.expand_dims(value, spatial_start)
        filters = array_ops.expand_dims(filters, 0)
        result = conv2d(
            value,
            filters,
            one_d(stride if stride is not None else 1, "stride"),
            padding,
            use_cudnn_on_gpu=True if use_cudnn_on_gpu is None else use_cudnn_on_gpu,
            data_format=data_format,
            dilations=one_d(dilations if dilations is not None else 1, "dilations"),
            name=scope,
        )
        return array_ops.squeeze(result, [spatial_start])
