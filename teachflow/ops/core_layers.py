"""TF1's core layers: ``tf.layers.Dense`` / ``dense``, ``Dropout`` / ``dropout`` and
``Flatten`` / ``flatten``.

A ``Dense`` layer owns a kernel ``[in, units]`` (glorot-uniform unless given) and a bias
``[units]`` (zeros): ``dense/MatMul``, ``dense/BiasAdd`` and the activation in its scope.
Dropout and flatten own no variables.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> y = tf.layers.dense(x, 4, activation=tf.nn.relu)
    >>> [v.name for v in tf.trainable_variables()]
    ['dense/kernel:0', 'dense/bias:0']
    >>> y.op.name, y.shape
    ('dense/Relu', TensorShape([Dimension(None), Dimension(4)]))
"""

from __future__ import annotations

import math

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops import init_ops
from teachflow.ops.layer_base import KernelLayer

__all__: list = []


class Dense(KernelLayer):
    """``activation(inputs @ kernel + bias)``, with its variables made on the first call.

    Like TF1's layers, the layer captures a variable scope when first called: with a
    ``name`` that exact scope (so a second layer of the same name needs ``_reuse=True``),
    without one a unique "dense", "dense_1", ...

        >>> import teachflow as tf
        >>> layer = tf.layers.Dense(2, name="out")
        >>> y = layer(tf.ones([5, 3]))
        >>> layer.kernel.name, layer.bias.shape
        ('out/kernel:0', TensorShape([Dimension(2)]))
    """

    def __init__(
        self,
        units,
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
        **kwargs,
    ):
        super().__init__(
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
            **kwargs,
        )
        self.units = int(units)

    def build(self, input_shape):
        in_dim = dimension_value(input_shape[-1]) if input_shape.ndims is not None else None
        if in_dim is None:
            raise ValueError(
                "The last dimension of the inputs to `Dense` should be defined. Found `None`."
            )
        self.kernel = self.add_kernel([in_dim, self.units])
        self.bias = self.add_bias(self.units)

    def call(self, inputs):
        from teachflow.ops import array_ops, math_ops

        rank = inputs.shape.ndims
        if rank is not None and rank > 2:
            # Contract the last axis: fold the leading ones into a batch and unfold after.
            flat = array_ops.reshape(inputs, [-1, dimension_value(self.kernel.shape[0])])
            outputs = math_ops.matmul(flat, self.kernel)
            leading = array_ops.shape(inputs)[:-1]
            outputs = array_ops.reshape(outputs, array_ops.concat([leading, [self.units]], 0))
            outputs.set_shape(inputs.shape[:-1].concatenate([self.units]))
        else:
            outputs = math_ops.matmul(inputs, self.kernel)
        return self.bias_and_activation(outputs)


def dense(
    inputs,
    units,
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
    """A fully connected layer: ``activation(inputs @ kernel + bias)``.

    ``kernel_initializer`` defaults to glorot-uniform, the bias to zeros. With
    ``reuse=True`` (and the same ``name``) the existing variables are used again.
    Raises ValueError when the last input dimension is unknown, or when a layer of that
    name already has variables and ``reuse`` is not set.

        >>> import teachflow as tf
        >>> y = tf.layers.dense([[1.0, 2.0]], 3, name="fc")
        >>> y.op.name, tf.layers.dense([[1.0, 2.0]], 3, name="fc", reuse=True).op.name
        ('fc/BiasAdd', 'fc_1/BiasAdd')
    """
    layer = Dense(
        units,
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


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """`tf.nn.dropout` while ``training`` (a bool or a bool tensor), the identity otherwise.

    A tensor ``training`` builds TF1's ``tf.cond`` (``dropout/cond/...``): the random mask
    is drawn only in steps that train, so the random stream advances as TensorFlow's does.

        >>> import teachflow as tf
        >>> tf.layers.dropout([1.0, 2.0], training=False).op.name
        'dropout/Identity'
    """
    from teachflow.ops import array_ops, nn_ops

    with name_scope(name, "dropout", [inputs]):
        inputs = convert_to_tensor(inputs)
        if isinstance(training, Tensor):
            from teachflow.ops.control_flow_cond import cond

            return cond(
                training,
                lambda: nn_ops.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed),
                lambda: array_ops.identity(inputs),
            )
        if training:
            return nn_ops.dropout(inputs, rate=rate, noise_shape=noise_shape, seed=seed)
        return array_ops.identity(inputs, name="Identity")


def flatten(inputs, name=None, data_format="channels_last"):
    """Reshape ``inputs`` to [batch, everything else].

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    >>> tf.layers.flatten(x).shape
    TensorShape([Dimension(None), Dimension(48)])
    """
    from teachflow.ops import array_ops

    with name_scope(name, "flatten", [inputs]):
        inputs = convert_to_tensor(inputs)
        shape = inputs.shape
        if data_format == "channels_first" and shape.ndims is not None and shape.ndims > 2:
            inputs = array_ops.transpose(inputs, [0] + list(range(2, shape.ndims)) + [1])
            shape = inputs.shape
        inner = shape[1:].as_list() if shape.ndims is not None else [None]
        if all(d is not None for d in inner):
            out = array_ops.reshape(inputs, [-1, math.prod(inner)])
        else:
            batch = array_ops.shape(inputs)[0]
            out = array_ops.reshape(inputs, array_ops.stack([batch, -1]))
        if shape.ndims is not None:
            out.set_shape(
                [dimension_value(shape[0]), math.prod(inner) if None not in inner else None]
            )
        return out


class Flatten:
    """Class form of `flatten`: ``Flatten()(x)`` reshapes to [batch, everything else].

    >>> import teachflow as tf
    >>> tf.layers.Flatten()(tf.zeros([2, 3, 4])).shape
    TensorShape([Dimension(2), Dimension(12)])
    """

    def __init__(self, data_format="channels_last", name=None):
        self.data_format = data_format
        self.name = name

    def __call__(self, inputs):
        return flatten(inputs, name=self.name, data_format=self.data_format)

    apply = __call__


class Dropout:
    """Class form of `dropout`: call it with ``training=`` (a bool or a bool tensor).

    >>> import teachflow as tf
    >>> tf.layers.Dropout(0.3)(tf.ones([2, 2]), training=False).op.name
    'dropout/Identity'
    """

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None):
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.name = name

    def __call__(self, inputs, training=False):
        return dropout(
            inputs, self.rate, self.noise_shape, self.seed, training=training, name=self.name
        )

    apply = __call__
