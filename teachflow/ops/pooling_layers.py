"""TF1's pooling layers: ``tf.layers.MaxPooling2D`` / ``max_pooling2d``,
``AveragePooling2D`` / ``average_pooling2d`` and their 1-D forms for sequences.

A pooling layer has no variables: it is a name scope ("max_pooling2d", "max_pooling2d_1",
...) around ``tf.nn.max_pool`` or ``tf.nn.avg_pool``. Padding is "valid" (the default) or
"same", the data format "channels_last" or "channels_first", ``strides`` defaults to the
pool size (windows that do not overlap). A 1-D pool adds a unit axis after the steps and
pools ``[steps, 1]`` windows, as Keras does.

    >>> import teachflow as tf
    >>> tf.layers.max_pooling2d(tf.zeros([8, 28, 28, 32]), 2, 2).shape
    TensorShape([8, 14, 14, 32])
"""

from __future__ import annotations

from teachflow.ops.layer_base import (
    Layer,
    check_ndim,
    nn_data_format,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)

__all__: list = []


class _Pooling(Layer):
    """Pool size, strides (the pool size unless given), padding and data format of a
    pooling layer over ``_rank`` spatial axes."""

    _rank = None

    def __init__(
        self, pool_size, strides, padding="valid", data_format="channels_last", name=None, **kw
    ):
        super().__init__(name=name, **kw)
        rank = self._rank
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size")
        self.strides = normalize_tuple(
            strides if strides is not None else pool_size, rank, "strides"
        )
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)


class _Pooling2D(_Pooling):
    _rank = 2
    _op = None  # the tf.nn function

    def call(self, inputs):
        check_ndim(self, inputs, 4)
        if self.data_format == "channels_first":
            ksize = [1, 1, *self.pool_size]
            strides = [1, 1, *self.strides]
        else:
            ksize = [1, *self.pool_size, 1]
            strides = [1, *self.strides, 1]
        return type(self)._op(
            inputs,
            ksize,
            strides,
            self.padding.upper(),
            data_format=nn_data_format(self.data_format),
        )


class MaxPooling2D(_Pooling2D):
    """Max pooling layer: the largest value of each ``pool_size`` window.

    ``strides`` defaults to ``pool_size`` (windows that do not overlap).

        >>> import teachflow as tf
        >>> tf.layers.MaxPooling2D(2, 2)(tf.zeros([1, 28, 28, 8])).shape
        TensorShape([1, 14, 14, 8])
    """

    @staticmethod
    def _op(*args, **kwargs):
        from teachflow.ops import pooling_ops

        return pooling_ops.max_pool(*args, **kwargs)


class AveragePooling2D(_Pooling2D):
    """Average pooling layer: the mean of each ``pool_size`` window.

    >>> import teachflow as tf
    >>> tf.layers.AveragePooling2D(3, 1, padding="same")(tf.zeros([1, 5, 5, 2])).op.type
    'AvgPool'
    """

    @staticmethod
    def _op(*args, **kwargs):
        from teachflow.ops import pooling_ops

        return pooling_ops.avg_pool(*args, **kwargs)


class _Pooling1D(_Pooling):
    _rank = 1
    _op = None  # "MaxPool" or "AvgPool"

    def call(self, inputs):
        from teachflow.ops import array_ops, pooling_ops

        check_ndim(self, inputs, 3)
        # Keras adds a unit axis after the steps and pools [steps, 1] windows.
        channels_first = self.data_format == "channels_first"
        axis = 3 if channels_first else 2
        x = array_ops.expand_dims(inputs, axis)
        if channels_first:
            ksize, strides, fmt = [1, 1, self.pool_size[0], 1], [1, 1, self.strides[0], 1], "NCHW"
        else:
            ksize, strides, fmt = [1, self.pool_size[0], 1, 1], [1, self.strides[0], 1, 1], "NHWC"
        pool = pooling_ops.max_pool if self._op == "MaxPool" else pooling_ops.avg_pool
        y = pool(x, ksize, strides, self.padding.upper(), data_format=fmt)
        return array_ops.squeeze(y, [axis])


class MaxPooling1D(_Pooling1D):
    """Max pooling over steps of ``[batch, steps, channels]``.

    >>> import teachflow as tf
    >>> tf.layers.MaxPooling1D(2, 2)(tf.zeros([1, 6, 3])).op.name
    'max_pooling1d/Squeeze'
    """

    _op = "MaxPool"


class AveragePooling1D(_Pooling1D):
    """Average pooling over steps of ``[batch, steps, channels]``.

    >>> import teachflow as tf
    >>> tf.layers.AveragePooling1D(3, 1, padding="same")(tf.zeros([1, 6, 3])).shape
    TensorShape([1, 6, 3])
    """

    _op = "AvgPool"


def max_pooling2d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `MaxPooling2D`.

    >>> import teachflow as tf
    >>> tf.layers.max_pooling2d(tf.zeros([1, 4, 4, 1]), 2, 2).op.name
    'max_pooling2d/MaxPool'
    """
    layer = MaxPooling2D(pool_size, strides, padding=padding, data_format=data_format, name=name)
    return layer(inputs)


def average_pooling2d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `AveragePooling2D`.

    >>> import teachflow as tf
    >>> tf.layers.average_pooling2d(tf.zeros([1, 4, 4, 1]), 2, 2).op.name
    'average_pooling2d/AvgPool'
    """
    layer = AveragePooling2D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer(inputs)


def max_pooling1d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `MaxPooling1D`."""
    return MaxPooling1D(pool_size, strides, padding, data_format, name=name)(inputs)


def average_pooling1d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `AveragePooling1D`."""
    return AveragePooling1D(pool_size, strides, padding, data_format, name=name)(inputs)
