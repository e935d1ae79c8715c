"""The TF1 layer object: a variable scope captured on the first call, variables made
with `tf.get_variable` inside it, and the ops of every call in its name scope.

``tf.layers.Conv2D``, ``BatchNormalization``, ``MaxPooling2D``... subclass `Layer` and
write two methods: ``build(input_shape)`` makes the variables (`add_weight`), and
``call(inputs, **kwargs)`` builds the ops. The first call of an unnamed layer picks a
unique scope from the class name ("conv2d", "conv2d_1", ...); a named layer uses
exactly its name, so a second layer of that name needs ``_reuse=True`` (the functional
forms' ``reuse=True``). Updates a layer makes while called (batch norm's moving
averages) are added to the graph's ``UPDATE_OPS`` collection, as TF1's layers do.

    >>> import teachflow as tf
    >>> layer = tf.layers.Conv2D(4, 3)
    >>> y = layer(tf.zeros([1, 5, 5, 2]))
    >>> layer.name, [v.name for v in layer.variables]
    ('conv2d', ['conv2d/kernel:0', 'conv2d/bias:0'])
"""

from __future__ import annotations

import re

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.ops.variable_scope import get_variable, variable_scope

__all__: list = []


def default_layer_name(cls) -> str:
    """``Conv2D`` -> "conv2d", ``BatchNormalization`` -> "batch_normalization" (TF's rule)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", cls.__name__)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


class Layer:
    """Base of TF1's layer classes (see the module docstring)."""

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None, **kwargs):
        self.trainable = trainable
        self.name = name
        self.activity_regularizer = activity_regularizer
        self._dtype = dtype
        self._reuse = kwargs.pop("_reuse", None)
        self._scope = kwargs.pop("_scope", None) or name
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)[0]!r}")
        self._variable_scope = None
        self._weights = []
        self.updates = []
        self.built = False

    # -- variables --------------------------------------------------------------------------
    @property
    def variables(self) -> list:
        return list(self._weights)

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for v in self._weights if v.trainable] if self.trainable else []

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list:
        trainable = set(map(id, self.trainable_variables))
        return [v for v in self._weights if id(v) not in trainable]

    non_trainable_weights = non_trainable_variables

    def add_weight(
        self,
        name,
        shape,
        dtype=None,
        initializer=None,
        regularizer=None,
        trainable=True,
        constraint=None,
    ):
        """A variable of this layer, made (or, with reuse, found) by `tf.get_variable`."""
        var = get_variable(
            name,
            shape,
            dtype=dtype or self._dtype,
            initializer=initializer,
            regularizer=regularizer,
            trainable=trainable and self.trainable,
            constraint=constraint,
        )
        self._weights.append(var)
        return var

    add_variable = add_weight

    def add_update(self, updates):
        """Record update ops (run them with the train op: ``tf.GraphKeys.UPDATE_OPS``)."""
        updates = updates if isinstance(updates, (list, tuple)) else [updates]
        graph = get_default_graph()
        for update in updates:
            self.updates.append(update)
            graph.add_to_collection(GraphKeys.UPDATE_OPS, update)

    # -- calling ----------------------------------------------------------------------------
    def _capture_scope(self):
        default = default_layer_name(type(self))
        if self._reuse:
            ctx = variable_scope(self._scope or default)
        else:
            ctx = variable_scope(self._scope, default_name=default)
        with ctx as scope:
            self._variable_scope = scope
        if self.name is None:
            self.name = scope.name.rsplit("/", 1)[-1]

    def build(self, input_shape):
        self.built = True

    def call(self, inputs, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define call()")

    def __call__(self, inputs, *args, **kwargs):
        inputs = convert_to_tensor(inputs)
        if self._variable_scope is None:
            self._capture_scope()
        if self._dtype is None:
            self._dtype = inputs.dtype.base_dtype
        scope = self._variable_scope
        with variable_scope(
            scope, reuse=True if (self.built or self._reuse) else None, auxiliary_name_scope=False
        ):
            with name_scope(scope.original_name_scope):
                if not self.built:
                    self.build(inputs.shape)
                    self.built = True
                outputs = self.call(inputs, *args, **kwargs)
                if self.activity_regularizer is not None:
                    with name_scope("ActivityRegularizer"):
                        loss = self.activity_regularizer(outputs)
                    get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return outputs

    apply = __call__


class KernelLayer(Layer):
    """A layer computing ``activation(op(inputs, kernel) + bias)`` (Dense, Conv1D, Conv2D...):
    it keeps the kernel's and bias's initializers, regularizers and constraints, makes the two
    variables, and applies the bias and the activation after the subclass's op.

        >>> import teachflow as tf
        >>> layer = tf.layers.Dense(3, use_bias=False)
        >>> _ = layer(tf.ones([2, 4]))
        >>> isinstance(layer, KernelLayer), layer.kernel.shape, layer.bias
        (True, TensorShape([Dimension(4), Dimension(3)]), None)
    """

    def __init__(
        self,
        activation=None,
        use_bias=True,
        kernel_initializer=None,
        bias_initializer=None,
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
            trainable=trainable, name=name, activity_regularizer=activity_regularizer, **kwargs
        )
        self.activation = activation
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.kernel = None
        self.bias = None

    def add_kernel(self, shape):
        """The ``kernel`` variable, made with this layer's kernel options."""
        return self.add_weight(
            "kernel",
            shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )

    def add_bias(self, units):
        """The ``bias`` variable ``[units]`` when ``use_bias``, else None."""
        if not self.use_bias:
            return None
        return self.add_weight(
            "bias",
            [units],
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def bias_and_activation(self, outputs, data_format="NHWC"):
        """``BiasAdd`` (when ``use_bias``) then the activation, in the layer's scope."""
        from teachflow.ops import nn_ops

        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias, data_format=data_format)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs


def check_ndim(layer, inputs, ndim):
    """ValueError in TF's words unless ``inputs`` (a tensor or, while building, its shape)
    has rank ``ndim`` (when known)."""
    shape = getattr(inputs, "shape", inputs)
    rank = shape.ndims
    if rank is not None and rank != ndim:
        raise ValueError(
            f"Input 0 of layer {layer.name} is incompatible with the layer: expected "
            f"ndim={ndim}, found ndim={rank}. Full shape received: {shape.as_list()}"
        )


def normalize_tuple(value, n, name):
    """``3`` -> ``(3, 3)``; a sequence of ``n`` ints as a tuple; ValueError otherwise."""
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(int(v) for v in value)
    except TypeError:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
        ) from None
    if len(values) != n:
        raise ValueError(
            f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
        )
    return values


def normalize_padding(value):
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise ValueError(
            'The `padding` argument must be one of "valid", "same" (or "causal", only for '
            f"`Conv1D). Received: {value}"
        )
    return padding


def nn_data_format(data_format):
    """Keras's "channels_first" / "channels_last" as the ``tf.nn`` op's "NCHW" / "NHWC"."""
    return "NCHW" if data_format == "channels_first" else "NHWC"


def normalize_data_format(value):
    data_format = (value or "channels_last").lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            'The `data_format` argument must be one of "channels_first", "channels_last". '
            f"Received: {value}"
        )
    return data_format
