"""``tf.nn.max_pool_v2`` and ``tf.nn.avg_pool_v2``: TensorFlow 2's pools, which pick the
1-D, 2-D or 3-D pool by the input's rank (3, 4 or 5).

    >>> import teachflow as tf
    >>> tf.nn.max_pool_v2(tf.ones([2, 8, 8, 8, 3]), 2, 2, "SAME").op.type
    'MaxPool3D'
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.ops import pooling3d_ops, pooling_ops
from teachflow.ops.conv_transpose_ops import tf_sequence

__all__ = ["max_pool_v2", "avg_pool_v2"]


def _by_rank(pools, input, ksize, strides, padding, data_format, name):  # noqa: A002
    x = convert_to_tensor(input, name="input")
    if x.shape.ndims is not None:
        n = x.shape.ndims - 2
    elif data_format is not None:
        n = len(data_format) - 2
    else:
        raise ValueError(
            "`input` must have a static shape or a data format must be given. "
            f"Received: input.shape={x.shape} and data_format={data_format}"
        )
    if not 1 <= n <= 3:
        raise ValueError(
            f"`input.shape.rank` must be 3, 4 or 5. Received: input.shape={x.shape} of rank "
            f"{n + 2}."
        )
    channel_index = n + 1 if data_format is None or not data_format.startswith("NC") else 1
    ksize = tf_sequence(ksize, n, channel_index, "ksize")
    strides = tf_sequence(strides, n, channel_index, "strides")
    if isinstance(padding, (list, tuple)) and n == 3:
        raise ValueError(
            f"Explicit padding is not supported with an input tensor of rank 5. "
            f"Received: padding={padding}"
        )
    pool, default_format = pools[n - 1]
    return pool(x, ksize, strides, padding, data_format=data_format or default_format, name=name)


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """The max pool of a 3-D, 4-D or 5-D input (``MaxPool`` or ``MaxPool3D``); ``ksize``
    and ``strides`` are an int, the spatial values or all of them.

        >>> import teachflow as tf
        >>> tf.nn.max_pool_v2(tf.ones([2, 10, 3]), 2, 2, "VALID").shape
        TensorShape([Dimension(2), Dimension(5), Dimension(3)])
    """
    pools = (
        (pooling_ops.max_pool1d, "NWC"),
        (pooling_ops.max_pool2d, "NHWC"),
        (pooling3d_ops.max_pool3d, "NDHWC"),
    )
    return _by_rank(pools, input, ksize, strides, padding, data_format, name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):  # noqa: A002
    """The average pool of a 3-D, 4-D or 5-D input (``AvgPool`` or ``AvgPool3D``).

    >>> import teachflow as tf
    >>> tf.nn.avg_pool_v2(tf.ones([1, 4, 4, 1]), 2, 2, "VALID").op.name
    'AvgPool'
    """
    pools = (
        (pooling_ops.avg_pool1d, "NWC"),
        (pooling_ops.avg_pool, "NHWC"),
        (pooling3d_ops.avg_pool3d, "NDHWC"),
    )
    return _by_rank(pools, input, ksize, strides, padding, data_format, name)
