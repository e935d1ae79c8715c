"""TF1's layers for volumes (``[batch, depth, height, width, channels]``):
``tf.layers.Conv3D`` / ``conv3d``, ``MaxPooling3D`` / ``max_pooling3d`` and
``AveragePooling3D`` / ``average_pooling3d``, built as Keras builds them (``conv3d/Conv3D``,
``conv3d/BiasAdd``, ``max_pooling3d/MaxPool3D``...).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 8, 16, 16, 3])
    >>> h = tf.layers.conv3d(x, 4, 3, padding="same", activation=tf.nn.relu)
    >>> tf.layers.max_pooling3d(h, 2, 2).shape
    TensorShape([Dimension(None), Dimension(4), Dimension(8), Dimension(8), Dimension(4)])
"""

from __future__ import annotations

from teachflow.ops import init_ops
from teachflow.ops.conv_layers import Conv2D
from teachflow.ops.layer_base import check_ndim, normalize_tuple
from teachflow.ops.pooling_layers import _Pooling

__all__: list = []


class Conv3D(Conv2D):
    """3-D convolution layer: ``activation(conv3d(inputs, kernel) + bias)``; kernel
    ``[kd, kh, kw, channels, filters]``.

    >>> import teachflow as tf
    >>> layer = tf.layers.Conv3D(4, 3)
    >>> layer(tf.zeros([2, 5, 5, 5, 3])).shape, layer.kernel.shape
    (TensorShape([Dimension(2), Dimension(3), Dimension(3), Dimension(3), Dimension(4)]), TensorShape([Dimension(3), Dimension(3), Dimension(3), Dimension(3), Dimension(4)]))
    """

    _input_ndim = 5

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), dilation_rate=(1, 1, 1), **kw):
        super().__init__(filters, 1, **kw)
        self.kernel_size = normalize_tuple(kernel_size, 3, "kernel_size")
        self.strides = normalize_tuple(strides, 3, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, 3, "dilation_rate")

    def call(self, inputs):
        from teachflow.ops import conv3d_ops

        check_ndim(self, inputs, 5)
        channels_first = self.data_format == "channels_first"
        outputs = conv3d_ops.conv3d(
            inputs,
            self.kernel,
            strides=list(self.strides),
            padding=self.padding.upper(),
            data_format="NCDHW" if channels_first else "NDHWC",
            dilations=list(self.dilation_rate),
            name="Conv3D",
        )
        # Keras adds the bias of a volume with BiasAdd's 4-D format names (NHWC / NCHW).
        return self.bias_and_activation(outputs, "NCHW" if channels_first else "NHWC")


class _Pooling3D(_Pooling):
    _rank = 3

    def call(self, inputs):
        from teachflow.ops import pooling3d_ops

        check_ndim(self, inputs, 5)
        pool = getattr(pooling3d_ops, self._pool_op)
        channels_first = self.data_format == "channels_first"

        def in_format(spatial):
            return [1, 1, *spatial] if channels_first else [1, *spatial, 1]

        return pool(
            inputs,
            in_format(self.pool_size),
            in_format(self.strides),
            self.padding.upper(),
            data_format="NCDHW" if channels_first else "NDHWC",
        )


class MaxPooling3D(_Pooling3D):
    """Max pooling over volumes: the largest value of each ``pool_size`` window
    (``strides`` defaults to ``pool_size``).

    >>> import teachflow as tf
    >>> tf.layers.MaxPooling3D(2, 2)(tf.zeros([1, 4, 4, 4, 2])).shape
    TensorShape([Dimension(1), Dimension(2), Dimension(2), Dimension(2), Dimension(2)])
    """

    _pool_op = "max_pool3d"


class AveragePooling3D(_Pooling3D):
    """Average pooling over volumes: the mean of each ``pool_size`` window.

    >>> import teachflow as tf
    >>> tf.layers.AveragePooling3D(2, 1, padding="same")(tf.zeros([1, 3, 3, 3, 1])).op.type
    'AvgPool3D'
    """

    _pool_op = "avg_pool3d"


def conv3d(
    inputs,
    filters,
    kernel_size,
    strides=(1, 1, 1),
    padding="valid",
    data_format="channels_last",
    dilation_rate=(1, 1, 1),
    activation=None,
    use_bias=True,
    kernel_initializer=None,
    bias_initializer=init_ops.zeros_initializer(),
    kernel_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    kernel_constraint=None,
    bias_constraint=None,
    trainable=True,
    name=None,
    reuse=None,
):
    """Functional form of `Conv3D`: make the layer (scope "conv3d", "conv3d_1"... or
    ``name``; ``reuse=True`` shares its variables) and apply it to ``inputs``."""
    layer = Conv3D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=kernel_initializer,
        bias_initializer=bias_initializer,
        kernel_regularizer=kernel_regularizer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        kernel_constraint=kernel_constraint,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _reuse=reuse,
        _scope=name,
    )
    return layer(inputs)


def max_pooling3d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `MaxPooling3D`."""
    layer = MaxPooling3D(pool_size, strides, padding=padding, data_format=data_format, name=name)
    return layer(inputs)


def average_pooling3d(
    inputs, pool_size, strides, padding="valid", data_format="channels_last", name=None
):
    """Functional form of `AveragePooling3D`."""
    layer = AveragePooling3D(
        pool_size, strides, padding=padding, data_format=data_format, name=name
    )
    return layer(inputs)
