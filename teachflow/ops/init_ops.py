"""Initializers: objects that build a variable's initial value for a given shape.

An initializer is called as ``init(shape, dtype=None, partition_info=None)`` and returns a
*tensor* — ops added to the graph, usually under ``<variable>/Initializer/`` because
`tf.get_variable` calls it inside the variable's name scope. It does not hold a value:
a random initializer gives a new sample in every session that runs the variable's
initializer.

    >>> import teachflow as tf
    >>> init = tf.glorot_uniform_initializer(seed=1)
    >>> w = init([3, 4])
    >>> w.op.name, w.shape
    ('random_uniform', TensorShape([Dimension(3), Dimension(4)]))

Variance scaling (Glorot/Xavier, He, LeCun) picks the spread from the layer's fan-in
and fan-out, so activations keep roughly unit variance from layer to layer.
"""

from __future__ import annotations

import math

from teachflow.framework import dtypes
from teachflow.framework.shapes import TensorShape
from teachflow.ops import random_ops

__all__ = [
    "zeros_initializer",
    "ones_initializer",
    "constant_initializer",
    "random_normal_initializer",
    "random_uniform_initializer",
    "truncated_normal_initializer",
    "uniform_unit_scaling_initializer",
    "variance_scaling_initializer",
    "glorot_uniform_initializer",
    "glorot_normal_initializer",
]


def _assert_float_dtype(dtype):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def _as_list(shape):
    return TensorShape(shape).as_list()


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype=None, partition_info=None)``."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise TypeError(f"{type(self).__name__} does not define __call__")

    # The constructor arguments get_config reports (a dtype by its name), as in TF.
    _config_fields = ()

    def get_config(self) -> dict:
        return {
            f: getattr(self, f).name if f == "dtype" else getattr(self, f)
            for f in self._config_fields
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _filled(value, shape, dtype, name):
    """``tf.zeros``/``tf.ones``: a Const while small, a Fill op when large.

    TensorFlow switches to Fill at 1000 elements so a big variable does not put its
    whole initial value into the GraphDef that travels to workers.
    """
    from teachflow.ops import array_ops, constant_op

    shape = _as_list(shape)
    if math.prod(shape) < 1000 or not hasattr(array_ops, "fill"):
        return constant_op.constant(value, dtype=dtype, shape=shape, name=name)
    from teachflow.framework.scopes import name_scope

    with name_scope(None, name, []) as scope:
        dims = random_ops.shape_tensor(shape, name="shape_as_tensor")
        return array_ops.fill(dims, constant_op.constant(value, dtype=dtype), name=scope)


class Zeros(Initializer):
    """Initializes to 0 (``False`` for bool, ``b""`` for strings).

    >>> import teachflow as tf
    >>> tf.zeros_initializer()([2], tf.int32).op.name
    'zeros'
    """

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(dtype or self.dtype).base_dtype
        zero = False if dtype.is_bool else b"" if dtype is dtypes.string else 0
        return _filled(zero, shape, dtype, "zeros")

    _config_fields = ("dtype",)


class Ones(Initializer):
    """Initializes to 1.

    >>> import teachflow as tf
    >>> tf.ones_initializer()([2]).op.name
    'ones'
    """

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(dtype or self.dtype).base_dtype
        return _filled(True if dtype.is_bool else 1, shape, dtype, "ones")

    _config_fields = ("dtype",)


class Constant(Initializer):
    """Initializes to ``value``: a scalar (broadcast), or a list/array with as many
    elements as the shape (reshaped), as ``tf.constant(value, shape=...)`` does.

        >>> import teachflow as tf
        >>> tf.constant_initializer([1, 2, 3, 4])([2, 2]).shape
        TensorShape([Dimension(2), Dimension(2)])
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        import numpy as np

        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(
                f"Invalid type for initial value: {type(value)} (expected Python scalar, list or "
                "tuple of values, or numpy.ndarray)."
            )
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        from teachflow.ops import constant_op

        dtype = dtypes.as_dtype(dtype or self.dtype).base_dtype
        if verify_shape is None:
            verify_shape = self._verify_shape
        return constant_op.constant(
            self.value, dtype=dtype, shape=_as_list(shape), verify_shape=verify_shape
        )

    _config_fields = ("value", "dtype")


class RandomUniform(Initializer):
    """Uniform samples in ``[minval, maxval)`` (maxval defaults to 1 for floats).

    >>> import teachflow as tf
    >>> tf.random_uniform_initializer(-1.0, 1.0)([5]).op.type
    'AddV2'
    """

    def __init__(self, minval=0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        return random_ops.random_uniform(shape, self.minval, self.maxval, dtype, seed=self.seed)

    _config_fields = ("minval", "maxval", "seed", "dtype")


class RandomNormal(Initializer):
    """Normal samples with ``mean`` and ``stddev``.

    >>> import teachflow as tf
    >>> tf.random_normal_initializer(stddev=0.1)([3]).op.name
    'random_normal'
    """

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        return random_ops.random_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)

    _config_fields = ("mean", "stddev", "seed", "dtype")


class TruncatedNormal(Initializer):
    """Normal samples, redrawn beyond two standard deviations: no extreme initial weights.

    >>> import teachflow as tf
    >>> tf.truncated_normal_initializer(stddev=0.1)([3]).op.name
    'truncated_normal'
    """

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        return random_ops.truncated_normal(shape, self.mean, self.stddev, dtype, seed=self.seed)

    _config_fields = ("mean", "stddev", "seed", "dtype")


class UniformUnitScaling(Initializer):
    """Uniform in ``±factor·sqrt(3 / input_size)``, input_size = product of all but the last
    dimension (TF1's older scaling; `variance_scaling_initializer` supersedes it).

        >>> import teachflow as tf
        >>> tf.uniform_unit_scaling_initializer()([4, 2]).shape
        TensorShape([Dimension(4), Dimension(2)])
    """

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        scale_shape = _as_list(partition_info.full_shape if partition_info is not None else shape)
        input_size = max(float(math.prod(scale_shape[:-1])), 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(shape, -max_val, max_val, dtype, seed=self.seed)

    _config_fields = ("factor", "seed", "dtype")


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: for a conv kernel [h, w, in, out] each input
    feeds h·w·out outputs, so the receptive field multiplies both fans."""
    shape = _as_list(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive_field = math.prod(shape[:-2])
    return int(shape[-2] * receptive_field), int(shape[-1] * receptive_field)


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n``, n = fan_in, fan_out or their mean (``mode``).

    ``distribution``: "truncated_normal" (or "normal"; stddev corrected for the
    truncation), "untruncated_normal", or "uniform" (limit ``sqrt(3 * scale / n)``).
    Raises ValueError for a non-positive scale or an unknown mode/distribution.

        >>> import teachflow as tf
        >>> init = tf.variance_scaling_initializer(scale=2.0, mode="fan_in")
        >>> init([10, 10]).op.name
        'truncated_normal'
    """

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        dtype=dtypes.float32,
    ):
        if scale <= 0.0:
            raise ValueError("`scale` must be positive float.")
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError(f"Invalid `mode` argument: {mode}")
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError(f"Invalid `distribution` argument: {distribution}")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _assert_float_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtype or self.dtype
        scale_shape = partition_info.full_shape if partition_info is not None else shape
        fan_in, fan_out = compute_fans(scale_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            # The stddev of a unit normal truncated to [-2, 2]: undo the shrinkage.
            stddev = math.sqrt(scale) / 0.87962566103423978
            return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    _config_fields = ("scale", "mode", "distribution", "seed", "dtype")


class GlorotUniform(VarianceScaling):
    """Glorot/Xavier uniform: limit ``sqrt(6 / (fan_in + fan_out))``; `tf.get_variable`'s
    default for float variables.

        >>> import teachflow as tf
        >>> tf.glorot_uniform_initializer()([2, 3]).op.name
        'random_uniform'
    """

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    _config_fields = ("seed", "dtype")


class GlorotNormal(VarianceScaling):
    """Glorot/Xavier normal: truncated normal, stddev ``sqrt(2 / (fan_in + fan_out))``.

    >>> import teachflow as tf
    >>> tf.glorot_normal_initializer()([2, 3]).op.name
    'truncated_normal'
    """

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    _config_fields = ("seed", "dtype")


def he_normal(seed=None):
    """He et al.: truncated normal with variance 2 / fan_in (for ReLU layers)."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    """He et al.: uniform with variance 2 / fan_in."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """LeCun: truncated normal with variance 1 / fan_in (for SELU layers)."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    """LeCun: uniform with variance 1 / fan_in."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


# TF1's public names are the snake_case aliases of the classes.
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
