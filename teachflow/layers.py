"""``tf.layers``: TF1's layers — dense, conv2d, max/average pooling, batch normalization,
dropout, flatten — as functions and as classes (``Dense``, ``Conv2D``...).

A layer owns variables made with `tf.get_variable` inside a variable scope: the first
``tf.layers.dense`` makes "dense/kernel" and "dense/bias", the next "dense_1/...". Pass
``name=`` and ``reuse=True`` to apply the same weights again (a second tower, an
evaluation graph).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> y = tf.layers.dense(x, 4, activation=tf.nn.relu)
    >>> [v.name for v in tf.trainable_variables()]
    ['dense/kernel:0', 'dense/bias:0']
    >>> y.op.name, y.shape
    ('dense/Relu', TensorShape([Dimension(None), Dimension(4)]))

This module only re-exports. The layer machinery (scope capture, variables,
``UPDATE_OPS``) is `teachflow.ops.layer_base`; the layers live in `teachflow.ops.core_layers`
(dense, dropout, flatten), `teachflow.ops.conv_layers`, `teachflow.ops.conv1d_layers`,
`teachflow.ops.pooling_layers` and `teachflow.ops.batch_norm_layer`.
"""

from teachflow.ops.batch_norm_layer import BatchNormalization, batch_normalization
from teachflow.ops.conv1d_layers import Conv1D, conv1d
from teachflow.ops.conv_layers import (
    Conv2D,
    Conv2DTranspose,
    SeparableConv2D,
    conv2d,
    conv2d_transpose,
    separable_conv2d,
)
from teachflow.ops.core_layers import Dense, Dropout, Flatten, dense, dropout, flatten
from teachflow.ops.layer_base import Layer
from teachflow.ops.pooling_layers import (
    AveragePooling1D,
    AveragePooling2D,
    MaxPooling1D,
    MaxPooling2D,
    average_pooling1d,
    average_pooling2d,
    max_pooling1d,
    max_pooling2d,
)
from teachflow.ops.volume_layers import (
    AveragePooling3D,
    Conv3D,
    MaxPooling3D,
    average_pooling3d,
    conv3d,
    max_pooling3d,
)

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Dense",
    "Dropout",
    "Flatten",
    "Layer",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "SeparableConv2D",
    "average_pooling1d",
    "average_pooling2d",
    "average_pooling3d",
    "batch_normalization",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "dense",
    "dropout",
    "flatten",
    "max_pooling1d",
    "max_pooling2d",
    "max_pooling3d",
    "separable_conv2d",
]
