"""TF1's convolution layers for images: ``tf.layers.Conv2D`` / ``conv2d``,
``Conv2DTranspose`` / ``conv2d_transpose`` and ``SeparableConv2D`` / ``separable_conv2d``
(the pooling layers are `teachflow.ops.pooling_layers`).

A ``Conv2D`` layer owns a kernel ``[kh, kw, in_channels, filters]`` (glorot-uniform unless
given) and a bias ``[filters]`` (zeros), and builds ``Conv2D``, ``BiasAdd`` and the
activation in its scope: ``conv2d/Conv2D``, ``conv2d/BiasAdd``, ``conv2d/Relu``. Padding is
written in lower case here ("valid", the default, or "same") and the data format as
"channels_last" (NHWC) or "channels_first" (NCHW), as in Keras.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 28, 28, 1])
    >>> h = tf.layers.conv2d(x, 32, 5, padding="same", activation=tf.nn.relu)
    >>> p = tf.layers.max_pooling2d(h, 2, 2)
    >>> h.op.name, p.op.name, p.shape
    ('conv2d/Relu', 'max_pooling2d/MaxPool', TensorShape([Dimension(None), Dimension(14), Dimension(14), Dimension(32)]))
"""

from __future__ import annotations

from teachflow.framework.shapes import dimension_value
from teachflow.ops import init_ops
from teachflow.ops.layer_base import (
    KernelLayer,
    check_ndim,
    nn_data_format,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
)

__all__: list = []


class Conv2D(KernelLayer):
    """2-D convolution layer: ``activation(conv2d(inputs, kernel) + bias)``.

    Raises ValueError for inputs that are not 4-D or whose channel dimension is unknown.

        >>> import teachflow as tf
        >>> layer = tf.layers.Conv2D(8, (3, 3), strides=2, padding="same", name="c1")
        >>> layer(tf.zeros([2, 9, 9, 3])).shape, layer.kernel.shape
        (TensorShape([Dimension(2), Dimension(5), Dimension(5), Dimension(8)]), TensorShape([Dimension(3), Dimension(3), Dimension(3), Dimension(8)]))
    """

    # The rank of the inputs (Conv1D: 3) and the words for inputs of unknown channels.
    _input_ndim = 4
    _unknown_channels = "The channel dimension of the inputs should be defined. Found `None`."

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format="channels_last",
        dilation_rate=(1, 1),
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
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")

    def _input_channels(self, input_shape):
        """The inputs' channel count, once their rank is checked; ValueError when unknown."""
        check_ndim(self, input_shape, self._input_ndim)
        axis = 1 if self.data_format == "channels_first" else -1
        channels = dimension_value(input_shape[axis]) if input_shape.ndims is not None else None
        if channels is None:
            raise ValueError(self._unknown_channels)
        return channels

    def _kernel_shape(self, channels):
        return [*self.kernel_size, channels, self.filters]

    def build(self, input_shape):
        self.kernel = self.add_kernel(self._kernel_shape(self._input_channels(input_shape)))
        self.bias = self.add_bias(self.filters)

    def call(self, inputs):
        from teachflow.ops import conv_ops

        check_ndim(self, inputs, 4)
        fmt = nn_data_format(self.data_format)
        outputs = conv_ops.conv2d(
            inputs,
            self.kernel,
            strides=list(self.strides),
            padding=self.padding.upper(),
            data_format=fmt,
            dilations=list(self.dilation_rate),
            name="Conv2D",
        )
        return self.bias_and_activation(outputs, fmt)


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution (a learned upsampling): ``[n, h, w, c]`` to
    ``[n, h * sh, w * sw, filters]`` with "same" padding (plus ``max(k - s, 0)`` with
    "valid"). The kernel is ``[kh, kw, filters, in_channels]``.

        >>> import teachflow as tf
        >>> y = tf.layers.conv2d_transpose(tf.zeros([2, 4, 4, 3]), 8, 3, strides=2, padding="same")
        >>> y.op.name, y.shape
        ('conv2d_transpose/BiasAdd', TensorShape([Dimension(2), Dimension(8), Dimension(8), Dimension(8)]))
    """

    def _kernel_shape(self, channels):
        return [*self.kernel_size, self.filters, channels]

    def _output_length(self, size, axis):
        if size is None:
            return None
        k, s = self.kernel_size[axis], self.strides[axis]
        return size * s if self.padding == "same" else size * s + max(k - s, 0)

    def call(self, inputs):
        from teachflow.ops import array_ops, conv_ops

        check_ndim(self, inputs, 4)
        fmt = nn_data_format(self.data_format)
        h_axis, w_axis = (2, 3) if fmt == "NCHW" else (1, 2)
        dynamic = array_ops.shape(inputs)
        batch = dynamic[0]
        dims = inputs.shape.as_list()
        height = self._output_length(dims[h_axis], 0)
        width = self._output_length(dims[w_axis], 1)
        if height is None or width is None:
            raise ValueError("teachflow's Conv2DTranspose needs the input's height and width")
        spatial = [height, width]
        shape = (
            [batch, self.filters, *spatial] if fmt == "NCHW" else [batch, *spatial, self.filters]
        )
        output_shape = array_ops.stack(shape)
        # Keras reads the batch entry back (``output_shape[0]``) before the op; the unused
        # slice is kept so the graph matches TensorFlow's node for node.
        output_shape[0]  # noqa: B018
        outputs = conv_ops.conv2d_transpose(
            inputs,
            self.kernel,
            output_shape,
            strides=list(self.strides),
            padding=self.padding.upper(),
            data_format=fmt,
        )
        static = (
            [dims[0], self.filters, *spatial]
            if fmt == "NCHW"
            else [dims[0], *spatial, self.filters]
        )
        outputs.set_shape(static)
        return self.bias_and_activation(outputs, fmt)


class SeparableConv2D(Conv2D):
    """Depthwise-separable 2-D convolution (MobileNet's block): a depthwise kernel
    ``[kh, kw, in, depth_multiplier]`` filters each channel, a pointwise kernel
    ``[1, 1, in * depth_multiplier, filters]`` mixes them.

        >>> import teachflow as tf
        >>> layer = tf.layers.SeparableConv2D(5, 3, padding="same", depth_multiplier=2)
        >>> layer(tf.zeros([1, 8, 8, 3])).shape, layer.pointwise_kernel.shape
        (TensorShape([Dimension(1), Dimension(8), Dimension(8), Dimension(5)]), TensorShape([Dimension(1), Dimension(1), Dimension(6), Dimension(5)]))
    """

    def __init__(
        self,
        filters,
        kernel_size,
        depth_multiplier=1,
        depthwise_initializer=None,
        pointwise_initializer=None,
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        **kwargs,
    ):
        super().__init__(filters, kernel_size, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint
        self.depthwise_kernel = self.pointwise_kernel = None

    _unknown_channels = (
        "The channel dimension of the inputs to `SeparableConv2D` should be defined. Found `None`."
    )

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel",
            [*self.kernel_size, channels, self.depth_multiplier],
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            [1, 1, channels * self.depth_multiplier, self.filters],
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = self.add_bias(self.filters)

    def call(self, inputs):
        from teachflow.ops import depthwise_conv_ops

        check_ndim(self, inputs, 4)
        fmt = nn_data_format(self.data_format)
        c_first = fmt == "NCHW"
        strides = [1, 1, *self.strides] if c_first else [1, *self.strides, 1]
        outputs = depthwise_conv_ops.separable_conv2d(
            inputs,
            self.depthwise_kernel,
            self.pointwise_kernel,
            strides,
            self.padding.upper(),
            rate=list(self.dilation_rate),
            data_format=fmt,
        )
        return self.bias_and_activation(outputs, fmt)


def conv2d(
    inputs,
    filters,
    kernel_size,
    strides=(1, 1),
    padding="valid",
    data_format="channels_last",
    dilation_rate=(1, 1),
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
    """Functional form of `Conv2D`: make the layer (scope "conv2d", "conv2d_1"... or
    ``name``; ``reuse=True`` shares its variables) and apply it to ``inputs``.

        >>> import teachflow as tf
        >>> y = tf.layers.conv2d(tf.zeros([1, 6, 6, 1]), 2, 3, name="c")
        >>> y.op.name, y.shape
        ('c/BiasAdd', TensorShape([Dimension(1), Dimension(4), Dimension(4), Dimension(2)]))
    """
    layer = Conv2D(
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


def conv2d_transpose(
    inputs,
    filters,
    kernel_size,
    strides=(1, 1),
    padding="valid",
    data_format="channels_last",
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
    """Functional form of `Conv2DTranspose`.

    >>> import teachflow as tf
    >>> tf.layers.conv2d_transpose(tf.zeros([1, 3, 3, 2]), 4, 3).shape
    TensorShape([Dimension(1), Dimension(5), Dimension(5), Dimension(4)])
    """
    layer = Conv2DTranspose(
        filters,
        kernel_size,
        strides=strides,
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


def separable_conv2d(
    inputs,
    filters,
    kernel_size,
    strides=(1, 1),
    padding="valid",
    data_format="channels_last",
    dilation_rate=(1, 1),
    depth_multiplier=1,
    activation=None,
    use_bias=True,
    depthwise_initializer=None,
    pointwise_initializer=None,
    bias_initializer=init_ops.zeros_initializer(),
    depthwise_regularizer=None,
    pointwise_regularizer=None,
    bias_regularizer=None,
    activity_regularizer=None,
    depthwise_constraint=None,
    pointwise_constraint=None,
    bias_constraint=None,
    trainable=True,
    name=None,
    reuse=None,
):
    """Functional form of `SeparableConv2D`.

    >>> import teachflow as tf
    >>> tf.layers.separable_conv2d(tf.zeros([1, 8, 8, 3]), 4, 3).op.name
    'separable_conv2d/BiasAdd'
    """
    layer = SeparableConv2D(
        filters,
        kernel_size,
        depth_multiplier=depth_multiplier,
        depthwise_initializer=depthwise_initializer,
        pointwise_initializer=pointwise_initializer,
        depthwise_regularizer=depthwise_regularizer,
        pointwise_regularizer=pointwise_regularizer,
        depthwise_constraint=depthwise_constraint,
        pointwise_constraint=pointwise_constraint,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation_rate,
        activation=activation,
        use_bias=use_bias,
        bias_initializer=bias_initializer,
        bias_regularizer=bias_regularizer,
        activity_regularizer=activity_regularizer,
        bias_constraint=bias_constraint,
        trainable=trainable,
        name=name,
        _reuse=reuse,
        _scope=name,
    )
    return layer(inputs)
