"""TF1's sequence layers: ``tf.layers.Conv1D`` / ``conv1d`` and ``MaxPooling1D`` /
``max_pooling1d``, ``AveragePooling1D`` / ``average_pooling1d``.

A ``[batch, steps, channels]`` sequence is an image of height 1: the layers build the 2-D
ops around ExpandDims and Squeeze, as Keras does (``conv1d/Conv1D/Conv2D``...), so a
text-CNN lab's graph reads like TensorFlow's.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 20, 8])
    >>> h = tf.layers.conv1d(x, 16, 3, padding="same", activation=tf.nn.relu)
    >>> tf.layers.max_pooling1d(h, 2, 2).shape
    TensorShape([None, 10, 16])
"""

from __future__ import annotations

from teachflow.ops import init_ops
from teachflow.ops.conv_layers import Conv2D
from teachflow.ops.layer_base import (
    Layer,
    check_ndim,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)

__all__: list = []


class Conv1D(Conv2D):
    """1-D convolution layer over ``[batch, steps, channels]``; kernel ``[k, channels,
    filters]``.

    >>> import teachflow as tf
    >>> layer = tf.layers.Conv1D(4, 3)
    >>> layer(tf.zeros([2, 10, 5])).shape, layer.kernel.shape
    (TensorShape([2, 8, 4]), TensorShape([3, 5, 4]))
    """

    def __init__(self, filters, kernel_size, strides=1, dilation_rate=1, **kwargs):
        super().__init__(filters, 1, **kwargs)
        self.kernel_size = normalize_tuple(kernel_size, 1, "kernel_size")
        self.strides = normalize_tuple(strides, 1, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, 1, "dilation_rate")

    def build(self, input_shape):
        check_ndim(self, input_shape, 3)
        axis = 1 if self.data_format == "channels_first" else -1
        channels = input_shape[axis] if input_shape.ndims is not None else None
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found `None`.")
        self.kernel = self.add_weight(
            "kernel",
            [self.kernel_size[0], channels, self.filters],
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                [self.filters],
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs):
        from teachflow.ops import conv_ops, nn_ops

        check_ndim(self, inputs, 3)
        channels_first = self.data_format == "channels_first"
        outputs = conv_ops.conv1d(
            inputs,
            self.kernel,
            stride=self.strides[0],
            padding=self.padding.upper(),
            data_format="NCW" if channels_first else "NWC",
            dilations=self.dilation_rate[0],
            name="Conv1D",
        )
        if self.use_bias:
            outputs = nn_ops.bias_add(
                outputs, self.bias, data_format="NCHW" if channels_first else "NHWC"
            )
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


class _Pooling1D(Layer):
    _op = None  # "MaxPool" or "AvgPool"

    def __init__(
        self, pool_size, strides, padding="valid", data_format="channels_last", name=None, **kw
    ):
        super().__init__(name=name, **kw)
        self.pool_size = normalize_tuple(pool_size, 1, "pool_size")
        self.strides = normalize_tuple(strides if strides is not None else pool_size, 1, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)

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


def conv1d(
    inputs,
    filters,
    kernel_size,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
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
    """Functional form of `Conv1D`.

    >>> import teachflow as tf
    >>> tf.layers.conv1d(tf.zeros([1, 10, 2]), 4, 3, name="c").op.name
    'c/BiasAdd'
    """
    layer = Conv1D(
        filters,
        kernel_size,
        strides=strides,
        dilation_rate=dilation_rate,
        padding=padding,
        data_format=data_format,
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
