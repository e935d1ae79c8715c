"""TF1's convolution layer for sequences: ``tf.layers.Conv1D`` / ``conv1d`` (the 1-D
pooling layers are `teachflow.ops.pooling_layers`).

A ``[batch, steps, channels]`` sequence is an image of height 1: the layer builds the 2-D
op between ExpandDims and Squeeze, as Keras does (``conv1d/Conv1D``...), so a text-CNN
lab's graph reads like TensorFlow's.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 20, 8])
    >>> h = tf.layers.conv1d(x, 16, 3, padding="same", activation=tf.nn.relu)
    >>> tf.layers.max_pooling1d(h, 2, 2).shape
    TensorShape([Dimension(None), Dimension(10), Dimension(16)])
"""

from __future__ import annotations

from teachflow.ops import init_ops
from teachflow.ops.conv_layers import Conv2D
from teachflow.ops.layer_base import check_ndim, nn_data_format, normalize_tuple

__all__: list = []


class Conv1D(Conv2D):
    """1-D convolution layer over ``[batch, steps, channels]``; kernel ``[k, channels,
    filters]``.

    >>> import teachflow as tf
    >>> layer = tf.layers.Conv1D(4, 3)
    >>> layer(tf.zeros([2, 10, 5])).shape, layer.kernel.shape
    (TensorShape([Dimension(2), Dimension(8), Dimension(4)]), TensorShape([Dimension(3), Dimension(5), Dimension(4)]))
    """

    def __init__(self, filters, kernel_size, strides=1, dilation_rate=1, **kwargs):
        super().__init__(filters, 1, **kwargs)
        self.kernel_size = normalize_tuple(kernel_size, 1, "kernel_size")
        self.strides = normalize_tuple(strides, 1, "strides")
        self.dilation_rate = normalize_tuple(dilation_rate, 1, "dilation_rate")

    # Conv2D's build makes the kernel [k, channels, filters] from the 1-tuple kernel size.
    _input_ndim = 3

    def call(self, inputs):
        from teachflow.ops import convolution_ops

        check_ndim(self, inputs, 3)
        channels_first = self.data_format == "channels_first"
        outputs = convolution_ops.conv1d(
            inputs,
            self.kernel,
            stride=self.strides[0],
            padding=self.padding.upper(),
            data_format="NCW" if channels_first else "NWC",
            dilations=self.dilation_rate[0],
            name="Conv1D",
        )
        return self.bias_and_activation(outputs, nn_data_format(self.data_format))


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
