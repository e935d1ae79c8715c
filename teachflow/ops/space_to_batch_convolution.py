"""Dilated ("atrous") windows by space-to-batch: ``tf.nn.with_space_to_batch``,
``tf.nn.atrous_conv2d_transpose`` and ``tf.required_space_to_batch_paddings``.

A window op with holes (rate ``r``) over an image is the plain op over ``r * r`` smaller
images: pixel ``(i, j)`` goes to image ``(i % r, j % r)`` (``SpaceToBatchND``), where its
neighbours at distance ``r`` become adjacent; the results are woven back
(``BatchToSpaceND``). The padding makes every dimension a multiple of the rate, and the
crops take the extra back off. Built as TensorFlow's Python builds it, constants folded
while building.

    >>> import teachflow as tf
    >>> x = tf.ones([1, 6, 6, 1])
    >>> pool = lambda inp, num_spatial_dims, padding: tf.nn.max_pool(
    ...     inp, [1, 2, 2, 1], [1, 1, 1, 1], padding)
    >>> tf.nn.with_space_to_batch(x, [2, 2], "VALID", pool).shape
    TensorShape([Dimension(1), Dimension(4), Dimension(4), Dimension(1)])
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.joining import stack
from teachflow.ops.static_value import constant_value

__all__ = ["atrous_conv2d_transpose", "required_space_to_batch_paddings", "with_space_to_batch"]


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None, name=None):
    """``(paddings, crops)`` for `space_to_batch_nd` of a ``input_shape`` (the spatial
    dimensions) by ``block_shape``: ``base_paddings`` plus what makes each dimension a
    multiple of the block, and the crops that remove the extra again.

        >>> import teachflow as tf
        >>> p, c = tf.required_space_to_batch_paddings([5, 4], [2, 2], [[1, 1], [0, 0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(p).tolist(), sess.run(c).tolist())
        [[1, 2], [0, 0]] [[0, 1], [0, 0]]
    """
    from teachflow.ops.filling import zeros

    with name_scope(name, "required_space_to_batch_paddings", [input_shape, block_shape]):
        input_shape = convert_to_tensor(input_shape, dtypes.int32, name="input_shape")
        block_shape = convert_to_tensor(block_shape, dtypes.int32, name="block_shape")
        if not block_shape.shape.is_fully_defined():
            raise ValueError(f"Shape {block_shape.shape} is not fully defined")
        block_shape.shape.assert_has_rank(1)
        num_block_dims = block_shape.shape.as_list()[0]
        if num_block_dims == 0:
            return zeros([0, 2], dtypes.int32), zeros([0, 2], dtypes.int32)
        input_shape.shape.assert_is_compatible_with(TensorShape([num_block_dims]))
        if base_paddings is not None:
            base_paddings = convert_to_tensor(base_paddings, dtypes.int32, name="base_paddings")
            base_paddings.shape.assert_is_compatible_with(TensorShape([num_block_dims, 2]))
        else:
            base_paddings = zeros([num_block_dims, 2], dtypes.int32)
        known = [constant_value(t) for t in (block_shape, input_shape, base_paddings)]
        if all(k is not None for k in known):
            block_shape, input_shape, base_paddings = known
        pad_start = base_paddings[:, 0]
        orig_pad_end = base_paddings[:, 1]
        full_input_shape = input_shape + pad_start + orig_pad_end
        pad_end_extra = (block_shape - full_input_shape % block_shape) % block_shape
        pad_end = orig_pad_end + pad_end_extra
        paddings = stack(
            [[pad_start[i], pad_end[i]] for i in range(num_block_dims)], name="paddings"
        )
        crops = stack([[0, pad_end_extra[i]] for i in range(num_block_dims)], name="crops")
        return paddings, crops


def _base_paddings(filter_shape, num_spatial_dims, rate):
    pad_extra = (filter_shape[:num_spatial_dims] - 1) * rate
    start = pad_extra // 2
    end = pad_extra - start
    return stack([[start[i], end[i]] for i in range(num_spatial_dims)])


def _adjust(orig, fill_value, spatial_dims):
    """``orig`` (one row per spatial dimension) spread to rows ``0..max(spatial_dims)-1``,
    ``fill_value`` in the rows of the other dimensions (TF's _with_space_to_batch_adjust)."""
    from teachflow.ops.joining import concat

    fill_dims = orig.shape.as_list()[1:]
    dtype = orig.dtype.as_numpy_dtype
    const = constant_value(orig)
    source = const if const is not None else orig
    parts, prev, i = [], 0, 0
    while i < len(spatial_dims):
        start_i, start_dim = i, spatial_dims[i]
        if start_dim > 1:
            parts.append(np.full([start_dim - 1 - prev, *fill_dims], fill_value, dtype=dtype))
        while i + 1 < len(spatial_dims) and spatial_dims[i + 1] == spatial_dims[i] + 1:
            i += 1
        parts.append(source[start_i : i + 1])
        prev = spatial_dims[i]
        i += 1
    return np.concatenate(parts) if const is not None else concat(parts, 0)


def _spatial_dims(spatial_dims, num_spatial_dims, data_format):
    first = 2 if data_format is not None and data_format.startswith("NC") else 1
    if spatial_dims is None:
        spatial_dims = range(first, num_spatial_dims + first)
    orig = list(spatial_dims)
    dims = sorted({int(x) for x in orig})
    if dims != orig or any(x < 1 for x in dims):
        raise ValueError(
            "`spatial_dims` must be a monotonically increasing sequence of positive "
            f"integers. Received: spatial_dims={orig}"
        )
    return dims


def with_space_to_batch(
    input,  # noqa: A002 - TensorFlow's argument name
    dilation_rate,
    padding,
    op,
    filter_shape=None,
    spatial_dims=None,
    data_format=None,
):
    """``op(converted, num_spatial_dims, padding)`` run on ``input`` moved to batch by
    ``dilation_rate`` and moved back: ``op`` then sees its window dilated. With every rate
    1 it is just ``op(input, num_spatial_dims, padding)``. ``"SAME"`` needs
    ``filter_shape``. Raises ValueError for a rate below 1, bad ``spatial_dims`` or
    padding.

        >>> import teachflow as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> op = lambda inp, n, padding: tf.nn.avg_pool(inp, [1, 2, 2, 1], [1, 1, 1, 1], padding)
        >>> y = tf.nn.with_space_to_batch(x, [2, 2], "VALID", op)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0].tolist())
        [[5.0, 6.0], [9.0, 10.0]]
    """

    inp = convert_to_tensor(input, name="input")
    rate = convert_to_tensor(dilation_rate, dtypes.int32, name="dilation_rate")
    if rate.shape.ndims not in (None, 1):
        raise ValueError(
            f"`dilation_rate.shape.rank` must be 1. Received: dilation_rate={rate} of rank "
            f"{rate.shape.ndims}"
        )
    if not rate.shape.is_fully_defined():
        raise ValueError(f"`dilation_rate.shape` must be fully defined. Received: {rate.shape}")
    num_spatial_dims = rate.shape.as_list()[0]
    dims = _spatial_dims(spatial_dims, num_spatial_dims, data_format)
    c_first = data_format is not None and data_format.startswith("NC")
    inp.shape.with_rank_at_least(dims[-1] if c_first else dims[-1] + 1)
    const_rate = constant_value(rate)
    rate_or_const = rate
    if const_rate is not None:
        rate_or_const = const_rate
        if np.any(const_rate < 1):
            raise ValueError(
                f"`dilation_rate` must be positive. Received: dilation_rate={const_rate}"
            )
        if np.all(const_rate == 1):
            return op(inp, num_spatial_dims, padding)
    if padding == "SAME":
        if filter_shape is None:
            raise ValueError(
                "`filter_shape` must be specified for `padding='SAME'`. Received: "
                f"filter_shape={filter_shape} and padding={padding}"
            )
        filter_shape = convert_to_tensor(filter_shape, name="filter_shape")
        const_filter = constant_value(filter_shape)
        # A filter shape known only when the graph runs (fed) gives paddings computed in the
        # graph from it; TF 2.21 fails there (it takes the shape of a filter it was not given).
        known = const_filter if const_filter is not None else filter_shape
        base_paddings = _base_paddings(known, num_spatial_dims, rate_or_const)
    elif padding == "VALID":
        base_paddings = np.zeros([num_spatial_dims, 2], np.int32)
    else:
        raise ValueError(f"`padding` must be one of 'SAME' or 'VALID'. Received: padding={padding}")
    return _through_batch(
        inp, rate, base_paddings, dims, lambda x: op(x, num_spatial_dims, "VALID")
    )


def _through_batch(inp, rate, base_paddings, dims, run):
    from teachflow.ops import array_ops
    from teachflow.ops.space_depth_ops import batch_to_space_nd, space_to_batch_nd

    spatial = None
    if inp.shape.ndims is not None:
        shape = inp.shape.as_list()
        spatial = [shape[i] for i in dims]
    if spatial is None or None in spatial:
        dynamic = array_ops.shape(inp)
        spatial = stack([dynamic[i] for i in dims])
    paddings, crops = required_space_to_batch_paddings(
        input_shape=spatial, base_paddings=base_paddings, block_shape=rate
    )
    block = _adjust(rate, 1, dims)
    paddings = _adjust(paddings, 0, dims)
    crops = _adjust(crops, 0, dims)
    converted = space_to_batch_nd(input=inp, block_shape=block, paddings=paddings)
    return batch_to_space_nd(input=run(converted), block_shape=block, crops=crops)


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose (gradient) of `atrous_conv2d`: ``value [n, h, w, o]`` and ``filters
    [kh, kw, c, o]`` give ``output_shape [n, H, W, c]``, built from SpaceToBatchND, a
    ``Conv2DBackpropInput`` and BatchToSpaceND (`conv2d_transpose` when ``rate`` is 1).
    Raises ValueError for incompatible channels, a rate below 1 or an unknown padding.

        >>> import teachflow as tf
        >>> y = tf.nn.atrous_conv2d_transpose(tf.ones([1, 5, 5, 2]), tf.ones([3, 3, 3, 2]),
        ...                                   [1, 9, 9, 3], rate=2, padding="VALID")
        >>> y.shape
        TensorShape([Dimension(1), Dimension(9), Dimension(9), Dimension(3)])
    """
    from teachflow.ops.conv_ops import conv2d_backprop_input, conv2d_transpose
    from teachflow.ops.space_depth_ops import batch_to_space, space_to_batch

    with name_scope(name, "atrous_conv2d_transpose", [value, filters]):
        value = convert_to_tensor(value, name="value")
        filters = convert_to_tensor(filters, name="filters")
        if not value.shape[3:4].is_compatible_with(filters.shape[3:4]):
            raise ValueError(
                "`value` channel count must be compatible with `filters` input channel count. "
                f"Received: value.shape={value.shape} and filters.shape={filters.shape}."
            )
        if rate < 1:
            raise ValueError(f"`rate` cannot be less than one. Received: rate={rate}")
        if rate == 1:
            return conv2d_transpose(
                value, filters, output_shape, strides=[1, 1, 1, 1], padding=padding,
                data_format="NHWC",
            )  # fmt: skip
        out_shape = convert_to_tensor(output_shape, name="output_shape")
        if not out_shape.shape.is_compatible_with(TensorShape([4])):
            raise ValueError(
                f"`output_shape` must have shape (4,). Received: output_shape={out_shape.shape}"
            )
        output_shape = list(output_shape)
        if padding == "SAME":
            fh, fw = filters.shape.as_list()[:2]
            pad_h = fh + (fh - 1) * (rate - 1) - 1
            pad_w = fw + (fw - 1) * (rate - 1) - 1
            top, left = pad_h // 2, pad_w // 2
            bottom, right = pad_h - top, pad_w - left
        elif padding == "VALID":
            top = bottom = left = right = 0
        else:
            raise ValueError(
                f"`padding` must be either 'VALID' or 'SAME'. Received: padding={padding}"
            )
        in_h = output_shape[1] + top + bottom
        in_w = output_shape[2] + left + right
        extra_h, extra_w = (rate - in_h % rate) % rate, (rate - in_w % rate) % rate
        value = space_to_batch(value, paddings=[[0, extra_h], [0, extra_w]], block_size=rate)
        input_sizes = [
            rate * rate * output_shape[0], (in_h + extra_h) // rate,
            (in_w + extra_w) // rate, output_shape[3],
        ]  # fmt: skip
        value = conv2d_backprop_input(
            input_sizes=input_sizes, filter=filters, out_backprop=value,
            strides=[1, 1, 1, 1], padding="VALID", data_format="NHWC",
        )  # fmt: skip
        crops = [[top, bottom + extra_h], [left, right + extra_w]]
        return batch_to_space(value, crops=crops, block_size=rate)
