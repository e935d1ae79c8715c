"""TF1's convolution layer for sequences: ``tf.layers.Conv1D`` / ``conv1d`` (the 1-D
pooling layers are `teachflow.ops.pooling_layers`).

A ``[batch, steps, channels]`` sequence is an image of height 1: the layer builds the 2-D
op between ExpandDims and Squeeze, as Keras does (``conv1d/Conv1D``...), so a text-CNN
lab's graph reads like TensorFlow's.

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
    check_ndim,
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
        from teachflow.ops import convolution_ops, nn_ops

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
        if self.use_bias:
            outputs = nn_ops.bias_add(
                outputs, self.bias, data_format="NCHW" if channels_first else "NHWC"
            )
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


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
