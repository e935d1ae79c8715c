"""``tf.layers.BatchNormalization`` / ``batch_normalization``: batch norm with moving
statistics, as TF1's layer builds it.

The layer owns four variables — ``gamma`` (scale, ones) and ``beta`` (offset, zeros),
trainable, and ``moving_mean`` (zeros) and ``moving_variance`` (ones), *not* trainable
(global variables only). While training it normalises with the batch's statistics and
puts two update ops in ``tf.GraphKeys.UPDATE_OPS``::

    moving <- moving - (moving - batch_statistic) * (1 - momentum)     # AssignMovingAvg

which a training program must run with its train op (``with
tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))``). At inference it
normalises with the moving statistics and updates nothing.

Like TF1, a 4-D input whose axis is the channel axis uses the fused kernel
(``FusedBatchNormV3``, whose batch variance carries Bessel's correction); other inputs use
``tf.nn.moments`` and ``tf.nn.batch_normalization`` (biased variance). ``training`` may be
a bool tensor: TensorFlow builds a ``tf.cond`` between the two modes; teachflow builds
both and selects (the same values; the updates then use momentum 1.0 when not
training, i.e. they leave the moving statistics as they are, exactly as TF's do).

    >>> import teachflow as tf
    >>> y = tf.layers.batch_normalization(tf.zeros([8, 4, 4, 3]), training=True)
    >>> y.op.name, [v.name for v in tf.global_variables()]
    ('batch_normalization/FusedBatchNormV3', ['batch_normalization/gamma:0', \
'batch_normalization/beta:0', 'batch_normalization/moving_mean:0', \
'batch_normalization/moving_variance:0'])
    >>> [t.op.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)]
    ['batch_normalization/AssignMovingAvg', 'batch_normalization/AssignMovingAvg_1']
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value
from teachflow.ops import init_ops
from teachflow.ops.layer_base import Layer

__all__: list = []


class BatchNormalization(Layer):
    """Batch normalisation layer (see the module docstring); call it with ``training=``.

    >>> import teachflow as tf
    >>> bn = tf.layers.BatchNormalization(momentum=0.9)
    >>> y = bn(tf.ones([4, 3]), training=False)
    >>> [v.name for v in bn.non_trainable_variables]
    ['batch_normalization/moving_mean:0', 'batch_normalization/moving_variance:0']
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer=init_ops.zeros_initializer(),
        gamma_initializer=init_ops.ones_initializer(),
        moving_mean_initializer=init_ops.zeros_initializer(),
        moving_variance_initializer=init_ops.ones_initializer(),
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        fused=None,
        trainable=True,
        virtual_batch_size=None,
        adjustment=None,
        name=None,
        **kwargs,
    ):
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError(
                "teachflow's BatchNormalization has no renorm, virtual batches or adjustment"
            )
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = beta_initializer
        self.gamma_initializer = gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer = beta_regularizer
        self.gamma_regularizer = gamma_regularizer
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.fused = fused
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        ndims = input_shape.ndims
        if ndims is None:
            raise ValueError(f"Input has undefined rank: {input_shape}")
        axis = self.axis if isinstance(self.axis, int) else self.axis[0]
        if not isinstance(self.axis, int) and len(self.axis) != 1:
            raise NotImplementedError("teachflow's BatchNormalization normalises along one axis")
        if not -ndims <= axis < ndims:
            raise ValueError(f"Invalid axis: {axis}")
        self._axis = axis % ndims
        channels = dimension_value(input_shape[self._axis])
        if channels is None:
            raise ValueError(f"Input has undefined `axis` dimension. Input shape: {input_shape}")
        if self.fused is None:
            self.fused = ndims == 4 and self._axis in (1, 3)
        elif self.fused and not (ndims == 4 and self._axis in (1, 3)):
            raise ValueError("Only 4D inputs with the channel axis 1 or 3 can be fused")
        self._data_format = "NCHW" if self._axis == 1 and ndims == 4 else "NHWC"
        # Half-precision inputs keep float32 parameters, as TF's layer does.
        param_dtype = dtypes.float32 if self._dtype == dtypes.float16 else self._dtype
        self._param_dtype = param_dtype
        shape = [channels]
        if self.scale:
            self.gamma = self.add_weight(
                "gamma", shape, param_dtype, self.gamma_initializer, self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )  # fmt: skip
        if self.center:
            self.beta = self.add_weight(
                "beta", shape, param_dtype, self.beta_initializer, self.beta_regularizer,
                constraint=self.beta_constraint,
            )  # fmt: skip
        self.moving_mean = self.add_weight(
            "moving_mean", shape, param_dtype, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, param_dtype, self.moving_variance_initializer,
            trainable=False,
        )  # fmt: skip

    # -- the two paths ----------------------------------------------------------------------
    def call(self, inputs, training=False):
        if self.fused:
            return self._fused(inputs, training)
        return self._composed(inputs, training)

    def _params(self, channels):
        from teachflow.ops import constant_op

        gamma = self.gamma
        beta = self.beta
        if gamma is None:
            gamma = constant_op.constant(1.0, self._param_dtype, [channels])
        if beta is None:
            beta = constant_op.constant(0.0, self._param_dtype, [channels])
        return gamma, beta

    def _fused(self, inputs, training):
        from teachflow.ops import constant_op, normalization_ops

        gamma, beta = self._params(dimension_value(inputs.shape[self._axis]))

        def batch_statistics():
            return normalization_ops.fused_batch_norm(
                inputs, gamma, beta, epsilon=self.epsilon, data_format=self._data_format
            )

        def moving_statistics():
            return normalization_ops.fused_batch_norm(
                inputs, gamma, beta, mean=self.moving_mean, variance=self.moving_variance,
                epsilon=self.epsilon, is_training=False, data_format=self._data_format,
            )  # fmt: skip

        if isinstance(training, Tensor):
            (y1, m1, v1), (y0, m0, v0) = batch_statistics(), moving_statistics()
            output, mean, variance = (
                _select(training, a, b) for a, b in ((y1, y0), (m1, m0), (v1, v0))
            )
            momentum = _select(
                training,
                constant_op.constant(self.momentum, dtypes.float32),
                constant_op.constant(1.0, dtypes.float32),
            )
        elif training:
            output, mean, variance = batch_statistics()
            momentum = constant_op.constant(self.momentum, dtypes.float32)
        else:
            output, _, _ = moving_statistics()
            return output
        # The fused path's decay is 1 - momentum computed in float32, as TF's tensor one.
        self._update_moving_averages(mean, variance, lambda: 1.0 - momentum)
        return output

    def _composed(self, inputs, training):
        from teachflow.ops import array_ops, constant_op, nn_ops, normalization_ops

        ndims = inputs.shape.ndims
        reduction_axes = [i for i in range(ndims) if i != self._axis]
        gamma, beta = self.gamma, self.beta
        if self._axis != ndims - 1:
            broadcast = [1] * ndims
            broadcast[self._axis] = dimension_value(inputs.shape[self._axis])
            gamma = array_ops.reshape(gamma, broadcast) if gamma is not None else None
            beta = array_ops.reshape(beta, broadcast) if beta is not None else None
        moving = (self.moving_mean, self.moving_variance)
        if isinstance(training, Tensor) or training:
            mean, variance = nn_ops.moments(inputs, reduction_axes, keep_dims=False)
            if isinstance(training, Tensor):
                mean = _select(training, mean, moving[0].value())
                variance = _select(training, variance, moving[1].value())
            # A Python momentum's decay is computed in float64, then made a constant.
            decay = 1.0 - self.momentum
            if isinstance(training, Tensor):
                keep = constant_op.constant(0.0, self._param_dtype)
                self._update_moving_averages(
                    mean, variance, lambda: _select(training, _const(decay, self), keep)
                )
            else:
                self._update_moving_averages(mean, variance, lambda: _const(decay, self))
        else:
            mean, variance = moving
        if self._axis != ndims - 1:
            mean = array_ops.reshape(mean, broadcast)
            variance = array_ops.reshape(variance, broadcast)
        outputs = normalization_ops.batch_normalization(
            inputs, mean, variance, beta, gamma, self.epsilon
        )
        outputs.set_shape(inputs.shape)
        return outputs

    def _update_moving_averages(self, mean, variance, decay_of):
        from teachflow.ops import math_ops, state_ops

        updates = []
        for var, value in ((self.moving_mean, mean), (self.moving_variance, variance)):
            with name_scope(None, "AssignMovingAvg", [var, value]) as scope:
                # The update runs where the variable lives (a parameter server's task).
                with get_default_graph().colocate_with(var.op):
                    decay = decay_of()
                    delta = (var - math_ops.cast(value, var.dtype.base_dtype)) * decay
                    updates.append(state_ops.assign_sub(var, delta, name=scope))
        self.add_update(updates)


def _const(value, layer):
    return convert_to_tensor(np.asarray(value, layer._param_dtype.as_numpy_dtype), name="decay")


def _select(condition, a, b):
    from teachflow.ops import comparison_ops

    return comparison_ops.where(condition, a, b)


def batch_normalization(
    inputs,
    axis=-1,
    momentum=0.99,
    epsilon=1e-3,
    center=True,
    scale=True,
    beta_initializer=init_ops.zeros_initializer(),
    gamma_initializer=init_ops.ones_initializer(),
    moving_mean_initializer=init_ops.zeros_initializer(),
    moving_variance_initializer=init_ops.ones_initializer(),
    beta_regularizer=None,
    gamma_regularizer=None,
    beta_constraint=None,
    gamma_constraint=None,
    training=False,
    trainable=True,
    name=None,
    reuse=None,
    renorm=False,
    renorm_clipping=None,
    renorm_momentum=0.99,
    fused=None,
    virtual_batch_size=None,
    adjustment=None,
):
    """Functional form of `BatchNormalization`. ``training`` is a bool or a bool tensor;
    remember to run ``tf.GraphKeys.UPDATE_OPS`` with the train op.

        >>> import teachflow as tf
        >>> x = tf.placeholder(tf.float32, [None, 10])
        >>> y = tf.layers.batch_normalization(x, training=True)
        >>> y.op.name, len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
        ('batch_normalization/batchnorm/add_1', 2)
    """
    layer = BatchNormalization(
        axis=axis,
        momentum=momentum,
        epsilon=epsilon,
        center=center,
        scale=scale,
        beta_initializer=beta_initializer,
        gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer,
        gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint,
        gamma_constraint=gamma_constraint,
        renorm=renorm,
        renorm_clipping=renorm_clipping,
        renorm_momentum=renorm_momentum,
        fused=fused,
        trainable=trainable,
        virtual_batch_size=virtual_batch_size,
        adjustment=adjustment,
        name=name,
        _reuse=reuse,
        _scope=name,
    )
    return layer(inputs, training=training)
