"""Random ops: normal, uniform, truncated normal, shuffle and categorical samples.

They draw TensorFlow's own numbers, bit for bit: each kernel owns a Philox4x32-10
generator keyed by the op's ``(seed, seed2)`` attributes (`teachflow.ops.philox`), and
turns its words into samples exactly as TF's kernels do
(`teachflow.ops.random_distributions`). Each random op is *stateful*: the generator is
created when a session first runs the op, and every run reserves the next range of the
stream — so two runs of the same tensor give different values, while a new session starts
the sequence again. `teachflow.framework.random_seed.get_seed` derives the seeds from
``tf.set_random_seed`` and the ``seed=`` argument; with neither, each session draws fresh
entropy.

    >>> import teachflow as tf
    >>> tf.set_random_seed(0)
    >>> x = tf.random_normal([2, 3], mean=1.0, stddev=0.5)
    >>> x.op.name, x.op.inputs[0].op.name
    ('random_normal', 'random_normal/mul')
    >>> with tf.Session() as sess:
    ...     sess.run(x).shape
    (2, 3)
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.random_seed import DEFAULT_GRAPH_SEED, get_seed, set_random_seed
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import random_distributions as distributions
from teachflow.ops.allocation import check_output
from teachflow.ops.array_ops import to_host
from teachflow.ops.philox import GuardedPhilox, SingleSample
from teachflow.ops.random_distributions import (
    RESERVED_SAMPLES_PER_OUTPUT,
    categorical_samples,
    fisher_yates,
)

__all__ = [
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "random_shuffle",
    "multinomial",
    "categorical",
    "set_random_seed",
    "get_seed",
    "DEFAULT_GRAPH_SEED",
]

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_INTS = (dtypes.int32, dtypes.int64)


def check_dtype(dtype, allowed, param):
    """TensorFlow's op-definition check on a type attribute (a TypeError)."""
    if dtype.base_dtype not in allowed:
        raise TypeError(
            f"Value passed to parameter '{param}' has DataType {dtype.base_dtype.name} not in "
            f"list of allowed values: {', '.join(d.name for d in allowed)}"
        )


# -- shapes given as tensors ---------------------------------------------------------------
def shape_tensor(shape, name="shape"):
    """A shape argument (list, tuple, TensorShape or int tensor) as a 1-D int tensor."""
    if isinstance(shape, TensorShape):
        shape = shape.as_list()
    if isinstance(shape, (list, tuple)) and not any(isinstance(d, Tensor) for d in shape):
        dims = [-1 if d is None else int(getattr(d, "value", d)) for d in shape]
        return convert_to_tensor(np.array(dims, dtype=np.int32), name=name)
    return convert_to_tensor(shape, name=name)


def static_shape(t: Tensor) -> TensorShape:
    """What graph construction knows of the shape that the 1-D int tensor ``t`` holds
    (TF's shape functions evaluate it partially: ``concat([[n], batch_shape], 0)`` too)."""
    from teachflow.ops.static_value import constant_value_as_shape

    return constant_value_as_shape(t)


def _infer_from_shape_input(op):
    shape = op.inputs[0]
    check_dtype(shape.dtype, _INTS, "shape")
    if shape.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {shape.shape.ndims}")
    return static_shape(shape)


def _dims(shape_value, device=None, np_dtype=None):
    """The runtime shape vector as a tuple, with TF's errors for a bad one; given the
    kernel's device and output dtype, an output that cannot fit is refused before sampling."""
    shape_value = np.asarray(to_host(shape_value))
    if shape_value.ndim != 1:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"shape must be a vector of {{int32,int64}}, got shape {list(shape_value.shape)}",
        )
    dims = tuple(int(d) for d in shape_value)
    for d in dims:
        if d < 0:
            raise errors.InvalidArgumentError(None, None, f"Dimension {d} must be >= 0")
    if device is not None:
        check_output(device, dims, np_dtype)
    return dims


# -- kernels: each owns a generator ---------------------------------------------------------
def make_generator(op) -> GuardedPhilox:
    """The op's Philox generator, keyed by its (seed, seed2); fresh entropy when both are 0.

    Called once per op and session, so a new session replays the same sequence, while
    successive runs in one session continue it (each run reserves its own counters).
    """
    return GuardedPhilox(op._attrs.get("seed", 0), op._attrs.get("seed2", 0))


def finish(value, device):
    """A sampled numpy array as the runtime value: 0-d -> numpy scalar, GPU -> device array."""
    if value.ndim == 0:
        return value[()]
    if device.xp is not np:
        return device.xp.asarray(value)
    return value


def _float_sampler(fill):
    """Kernel factory for an op with one shape input and a float ``dtype`` attribute."""

    def make(op, device):
        guarded = make_generator(op)
        np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

        def sample(shape):
            dims = _dims(shape, device, np_dtype)
            n = math.prod(dims)
            # 256 blocks per element, whatever the distribution uses (random_op.cc).
            gen = guarded.reserve_random_outputs(n, RESERVED_SAMPLES_PER_OUTPUT)
            return finish(fill(gen, n, np_dtype).reshape(dims), device)

        return sample

    return make


def _infer_float_random(op):
    check_dtype(op._attrs["dtype"], _FLOATS, "dtype")
    return [(op._attrs["dtype"], _infer_from_shape_input(op))]


for _type, _draw in (
    ("RandomStandardNormal", distributions.normal),
    ("RandomUniform", distributions.uniform),
    ("TruncatedNormal", distributions.truncated_normal),
):
    registry.register(
        _type, _infer_float_random, _float_sampler(_draw), stateful=True, not_differentiable=True
    )


def _infer_uniform_int(op):
    shape, minval, maxval = op.inputs
    check_dtype(minval.dtype, _INTS, "minval")
    for t, arg in ((minval, "minval"), (maxval, "maxval")):
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
        if t.dtype.base_dtype is not minval.dtype.base_dtype:
            raise TypeError(
                f"Input '{arg}' of 'RandomUniformInt' Op has type {t.dtype.base_dtype.name} "
                f"that does not match type {minval.dtype.base_dtype.name} of argument 'minval'."
            )
    return [(minval.dtype.base_dtype, _infer_from_shape_input(op))]


def _uniform_int_kernel(op, device):
    guarded = make_generator(op)
    np_dtype = np.dtype(op.inputs[1].dtype.base_dtype.as_numpy_dtype)

    def sample(shape, lo, hi):
        dims = _dims(shape, device, np_dtype)
        n = math.prod(dims)
        if n == 0:
            # TF returns before checking the range: zero impossible samples are fine.
            return finish(np.zeros(dims, dtype=np_dtype), device)
        lo, hi = int(to_host(lo)), int(to_host(hi))
        if not lo < hi:
            raise errors.InvalidArgumentError(None, None, f"Need minval < maxval, got {lo} >= {hi}")
        gen = guarded.reserve_random_outputs(n, RESERVED_SAMPLES_PER_OUTPUT)
        return finish(distributions.uniform_int(gen, n, lo, hi, np_dtype).reshape(dims), device)

    return sample


registry.register(
    "RandomUniformInt",
    _infer_uniform_int,
    _uniform_int_kernel,
    stateful=True,
    not_differentiable=True,
)


def _infer_shuffle(op):
    value = op.inputs[0]
    return [(value.dtype.base_dtype, value.shape)]


def _shuffle_kernel(op, device):
    guarded = make_generator(op)
    xp = device.xp

    def shuffle(value):
        if value.ndim == 0 or value.size <= 1 or value.shape[0] <= 1:
            return value  # TF forwards the input and draws nothing
        n = value.shape[0]
        # One word per swap of a Fisher–Yates pass (random_shuffle_op.cc).
        words = SingleSample(guarded.reserve_samples32(n - 1)).take(n - 1)
        perm = fisher_yates(n, words)
        # The input is not modified: the output is a gather along the first dimension.
        return value[xp.asarray(perm)]

    return shuffle


registry.register(
    "RandomShuffle", _infer_shuffle, _shuffle_kernel, stateful=True, not_differentiable=True
)


def _infer_multinomial(op):
    logits, num_samples = op.inputs
    check_dtype(logits.dtype, _FLOATS, "logits")
    if logits.shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {logits.shape.ndims}")
    if num_samples.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {num_samples.shape.ndims}")
    batch = dimension_value(logits.shape[0]) if logits.shape.ndims == 2 else None
    n = int(num_samples.op._attrs["value"]) if num_samples.op.type == "Const" else None
    return [(op._attrs["output_dtype"], TensorShape([batch, n]))]


def _multinomial_kernel(op, device):
    guarded = make_generator(op)
    out_dtype = op._attrs["output_dtype"].as_numpy_dtype

    def sample(logits, num_samples):
        logits = np.asarray(to_host(logits))
        num_samples = int(to_host(num_samples))
        batch, classes = logits.shape
        if classes == 0 and num_samples > 0:
            raise errors.InvalidArgumentError(None, None, "num_classes should be positive, got 0")
        # TF's CPU kernel reserves 2 words per sample, rounded up to blocks (+3 so rows
        # never share a block), then reads the rows' doubles as one stream. (When the
        # work is large — batch * 50 * (samples * log2(classes) + classes) over ~1e5 —
        # TF splits the rows over its thread pool and each shard restarts the stream at
        # a row-dependent offset, so its numbers then depend on the pool's size; ours are
        # TF's with one intra-op thread.)
        reserve = batch * ((num_samples + 3) // 4 * 4) * 2
        gen = guarded.reserve_random_outputs(reserve, RESERVED_SAMPLES_PER_OUTPUT)
        words = SingleSample(gen).take(2 * batch * num_samples).reshape(-1, 2)
        u = distributions.uint64_to_double(words[:, 0], words[:, 1]).reshape(batch, num_samples)
        return finish(categorical_samples(logits, u).astype(out_dtype), device)

    return sample


registry.register(
    "Multinomial", _infer_multinomial, _multinomial_kernel, stateful=True, not_differentiable=True
)


# -- the public functions ----------------------------------------------------------------------
def _seed_attrs(seed):
    seed1, seed2 = get_seed(seed)
    return {"seed": seed1 or 0, "seed2": seed2 or 0}


def _scaled_sample(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    """``sample * stddev + mean``, the graph TF builds for random_normal and friends."""
    from teachflow.ops import math_ops

    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, default_name, [shape, mean, stddev]) as scope:
        shape = shape_tensor(shape)
        mean = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        attrs = _seed_attrs(seed)
        attrs.update(dtype=dtype, T=shape.dtype.base_dtype)
        rnd = shape.graph.create_op(op_type, [shape], attrs, name=op_type).outputs[0]
        return math_ops.add(rnd * stddev, mean, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution N(mean, stddev²).

    ``shape`` is a list or a 1-D int32/int64 tensor; ``seed`` combines with the graph seed
    (see `tf.set_random_seed`). Builds ``RandomStandardNormal``, then ``* stddev + mean``.

        >>> import teachflow as tf
        >>> tf.random_normal([3], seed=1).dtype
        tf.float32
    """
    return _scaled_sample(
        "RandomStandardNormal", "random_normal", shape, mean, stddev, dtype, seed, name
    )


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal samples, redrawn when more than two standard deviations from the mean.

    >>> import teachflow as tf
    >>> tf.truncated_normal([2, 2]).op.inputs[0].op.inputs[0].op.type
    'TruncatedNormal'
    """
    return _scaled_sample(
        "TruncatedNormal", "truncated_normal", shape, mean, stddev, dtype, seed, name
    )


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples from the uniform distribution on ``[minval, maxval)``.

    Floats default to ``[0, 1)``. Integer dtypes need ``maxval`` and build one
    ``RandomUniformInt`` op; floats build ``RandomUniform * (max - min) + min``.
    Raises ValueError for an integer dtype without ``maxval``; the kernel raises
    InvalidArgumentError when ``minval >= maxval`` for integers.

        >>> import teachflow as tf
        >>> tf.random_uniform([2], 0, 10, dtype=tf.int32).op.type
        'RandomUniformInt'
    """
    from teachflow.ops import math_ops

    dtype = dtypes.as_dtype(dtype).base_dtype
    if dtype not in _FLOATS + _INTS:
        raise ValueError(f"Invalid dtype {dtype!r}")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}")
        maxval = 1
    with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape = shape_tensor(shape)
        # TF skips the scaling (and its min/max constants) for Python ints 0 and 1: the
        # default [0, 1) is the bare RandomUniform, ``random_uniform/RandomUniform``.
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        attrs = _seed_attrs(seed)
        graph = shape.graph
        if dtype.is_integer:
            attrs.update(Tout=dtype, T=shape.dtype.base_dtype)
            return graph.create_op(
                "RandomUniformInt", [shape, minval, maxval], attrs, name=scope
            ).outputs[0]
        attrs.update(dtype=dtype, T=shape.dtype.base_dtype)
        rnd = graph.create_op("RandomUniform", [shape], attrs, name="RandomUniform").outputs[0]
        if not minval_is_zero:
            return math_ops.add(rnd * (maxval - minval), minval, name=scope)
        return rnd if maxval_is_one else math_ops.multiply(rnd, maxval)


def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted.

    >>> import teachflow as tf
    >>> tf.random_shuffle([1, 2, 3]).op.type
    'RandomShuffle'
    """
    with name_scope(name, "RandomShuffle", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        attrs = _seed_attrs(seed)
        attrs["T"] = value.dtype.base_dtype
        return value.graph.create_op("RandomShuffle", [value], attrs, name=scope).outputs[0]


def _multinomial(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits, name="logits")
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype else dtypes.int64
    if dtype not in _INTS:
        raise ValueError(
            f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are (tf.int32, tf.int64)."
        )
    attrs = _seed_attrs(seed)
    attrs.update(T=logits.dtype.base_dtype, output_dtype=dtype)
    with name_scope(None, "Multinomial", [logits]) as scope:
        n = convert_to_tensor(num_samples, dtype=dtypes.int32, name="num_samples")
        return logits.graph.create_op("Multinomial", [logits, n], attrs, name=scope).outputs[0]


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """``num_samples`` class indices per row of ``logits`` ([batch, classes], unnormalised
    log-probabilities). Returns int64 (or ``output_dtype``) of shape [batch, num_samples].

        >>> import teachflow as tf
        >>> tf.multinomial([[0.0, 1.0]], 5).shape
        TensorShape([Dimension(1), Dimension(5)])
    """
    with name_scope(name, "multinomial", [logits]):
        return _multinomial(logits, num_samples, output_dtype, seed)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """`tf.random.categorical`: the same samples as `multinomial`, TF2's spelling.

    >>> import teachflow as tf
    >>> tf.random.categorical([[0.0, 1.0]], 2, dtype=tf.int32).dtype
    tf.int32
    """
    with name_scope(name, "categorical", [logits]):
        return _multinomial(logits, num_samples, dtype, seed)
