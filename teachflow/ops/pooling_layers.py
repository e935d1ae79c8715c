"""TF1's pooling layers: ``tf.layers.MaxPooling2D`` / ``max_pooling2d``,
``AveragePooling2D`` / ``average_pooling2d`` and their 1-D forms for sequences.

A pooling layer has no variables: it is a name scope ("max_pooling2d", "max_pooling2d_1",
...) around ``tf.nn.max_pool`` or ``tf.nn.avg_pool``. Padding is "valid" (the default) or
"same", the data format "channels_last" or "channels_first", ``strides`` defaults to the
pool size (windows that do not overlap). A 1-D pool adds a unit axis after the steps and
pools ``[steps, 1]`` windows, as Keras does.

    >>> import teachflow as tf
    >>> tf.layers.max_pooling2d(tf.zeros([8, 28, 28, 32]), 2, 2).shape
    TensorShape([Dimension(8), Dimension(14), Dimension(14), Dimension(32)])
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
    _pool_op = None  # the pooling_ops function: "max_pool" or "avg_pool"

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

    def _pool_2d(self, images, pool_size, strides):
        """The 2-D pooling op over ``images`` with these spatial window sizes and strides."""
        from teachflow.ops import pooling_ops

        def in_format(spatial):
            return [1, 1, *spatial] if self.data_format == "channels_first" else [1, *spatial, 1]

        pool = getattr(pooling_ops, self._pool_op)
        return pool(
            images,
            in_format(pool_size),
            in_format(strides),
            self.padding.upper(),
            data_format=nn_data_format(self.data_format),
        )


class _Pooling2D(_Pooling):
    _rank = 2

    def call(self, inputs):
        check_ndim(self, inputs, 4)
        return self._pool_2d(inputs, self.pool_size, self.strides)


class MaxPooling2D(_Pooling2D):
    """Max pooling layer: the largest value of each ``pool_size`` window.

    ``strides`` defaults to ``pool_size`` (windows that do not overlap).

        >>> import teachflow as tf
        >>> tf.layers.MaxPooling2D(2, 2)(tf.zeros([1, 28, 28, 8])).shape
        TensorShape([Dimension(1), Dimension(14), Dimension(14), Dimension(8)])
    """

    _pool_op = "max_pool"


class AveragePooling2D(_Pooling2D):
    """Average pooling layer: the mean of each ``pool_size`` window.

    >>> import teachflow as tf
    >>> tf.layers.AveragePooling2D(3, 1, padding="same")(tf.zeros([1, 5, 5, 2])).op.type
    'AvgPool'
    """

    _pool_op = "avg_pool"


class _Pooling1D(_Pooling):
    _rank = 1

    def call(self, inputs):
        from teachflow.ops import array_ops

        check_ndim(self, inputs, 3)
        # Keras adds a unit axis after the steps and pools [steps, 1] windows.
        axis = 3 if self.data_format == "channels_first" else 2
        x = array_ops.expand_dims(inputs, axis)
        y = self._pool_2d(x, (*self.pool_size, 1), (*self.strides, 1))
        return array_ops.squeeze(y, [axis])


class MaxPooling1D(_Pooling1D):
    """Max pooling over steps of ``[batch, steps, channels]``.

    >>> import teachflow as tf
    >>> tf.layers.MaxPooling1D(2, 2)(tf.zeros([1, 6, 3])).op.name
    'max_pooling1d/Squeeze'
    """

    _pool_op = "max_pool"


class AveragePooling1D(_Pooling1D):
    """Average pooling over steps of ``[batch, steps, channels]``.

    >>> import teachflow as tf
    >>> tf.layers.AveragePooling1D(3, 1, padding="same")(tf.zeros([1, 6, 3])).shape
    TensorShape([Dimension(1), Dimension(6), Dimension(3)])
    """

    _pool_op = "avg_pool"


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
