"""``tf.random.stateless_parameterized_truncated_normal``: normals cut to ``[minval, maxval]``.

Each (mean, stddev, minval, maxval) is a *batch*; ``shape`` ends with the parameters'
broadcast shape and its leading dimensions count the samples per batch. TensorFlow's kernel
(``StatelessParameterizedTruncatedNormal``) picks one of three rejection samplers per batch,
from where the standardised bounds ``a = (minval - mean) / stddev`` and ``b`` lie:

- **normal**: one bound at least 1.3 standard deviations out with the mean inside: draw
  normals, keep those in ``[a, b]``;
- **uniform**: a narrow interval (``b - a`` under a cutoff): ``z`` uniform on ``[a, b]``,
  accepted with probability ``exp((a² or 0) - z²) / 2)``;
- **exponential**: otherwise (a bound far in one tail): ``z = a - log(u) / alpha``,
  accepted by Robert's test and ``z < b``.

A one-sided interval open below is mirrored first, so the finite bound is the lower one.
The arithmetic is the dtype's own (float32 uses the C library's ``expf``/``logf``). The
batches draw from one Philox stream in turn, each starting on a fresh block — TF's order
when the op runs as one piece of work, as it does for outputs of up to a few dozen elements;
larger outputs are split over TF's thread pool and then depend on its size.

    >>> import teachflow as tf
    >>> x = tf.random.stateless_parameterized_truncated_normal([3], [1, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x))
    [0.5441101  0.20738031 0.07356432]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops import glibc_math
from teachflow.ops import random_distributions as distributions
from teachflow.ops.array_ops import to_host
from teachflow.ops.philox import PhiloxRandom
from teachflow.ops.random_ops import (
    _FLOATS,
    _dims,
    _infer_from_shape_input,
    check_dtype,
    finish,
    shape_tensor,
)
from teachflow.ops.stateless_random_ops import seeded_generator

__all__ = ["stateless_parameterized_truncated_normal", "truncated_normal_batches"]

MAX_ITERATIONS = 1000
# Mean inside and a bound this many standard deviations out: the normal sampler.
RANDN_SAMPLER_STDDEVS = 1.3


def _c_float(name, fallback):
    lib = ctypes.util.find_library("m")
    if lib is None:
        return fallback
    fn = getattr(ctypes.CDLL(lib), name)
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


_EXPF, _LOGF = _c_float("expf", math.exp), _c_float("logf", math.log)


class _TypedDraws:
    """A kernel's Philox stream read a block at a time as ``dtype`` uniforms or normals
    (TF's UniformDistribution / NormalDistribution: 4 per block, 2 for float64), with the
    dtype's ``exp`` and ``log``."""

    def __init__(self, gen: PhiloxRandom, dtype: np.dtype):
        self.gen, self.dtype = gen, dtype
        self.double = dtype == np.float64

    def _block(self):
        return self.gen.blocks(1)[0]

    def uniforms(self) -> list:
        b = self._block()
        if self.double:
            return list(distributions.uint64_to_double(b[0::2], b[1::2]))
        if self.dtype == np.float16:
            return list(distributions.uint16_to_half(b))
        return list(distributions.uint32_to_float(b))

    def normals(self) -> list:
        b = self._block()
        if self.double:
            f0, f1 = distributions.box_muller_double(*(b[i : i + 1] for i in range(4)))
            return [f0[0], f1[0]]
        f0, f1 = distributions.box_muller_float(b[0::2], b[1::2])
        values = [f0[0], f1[0], f0[1], f1[1]]
        return [self.dtype.type(v) for v in values]

    def exp(self, x):
        if self.double:
            return glibc_math.exp(np.array([x]))[0]
        return self.dtype.type(_EXPF(float(x)))

    def log(self, x):
        if self.double:
            return glibc_math.log(np.array([x]))[0]
        return self.dtype.type(_LOGF(float(x)))


def _normal_sampler(draws, lo, hi, emit):
    iterations = 0
    while True:
        for x in draws.normals():
            if lo <= x <= hi:
                if emit(x):
                    return
                iterations = 0
            else:
                iterations += 1
                if iterations > MAX_ITERATIONS:
                    raise errors.InternalError(
                        None,
                        None,
                        "TruncatedNormal randn rejection sampler failed to accept a sample.",
                    )


def _uniform_sampler(draws, lo, hi, emit):
    t = draws.dtype.type
    diff = hi - lo
    plus = t(0) if lo < t(0) else lo * lo
    iterations = 0
    while True:
        z = [r * diff + lo for r in draws.uniforms()]
        g = [(plus - zi * zi) / t(2) for zi in z]
        for zi, gi, ui in zip(z, g, draws.uniforms(), strict=True):
            if ui <= draws.exp(gi) or iterations + 1 >= MAX_ITERATIONS:
                if not ui <= draws.exp(gi):
                    raise errors.InternalError(
                        None,
                        None,
                        "TruncatedNormal uniform rejection sampler failed to  accept a sample.",
                    )
                if emit(zi):
                    return
                iterations = 0
            else:
                iterations += 1


def _exponential_sampler(draws, lo, hi, emit):
    t = draws.dtype.type
    alpha = (lo + np.sqrt(lo * lo + t(4))) / t(2)
    iterations = 0
    while True:
        r = draws.uniforms()
        for i in range(0, len(r), 2):
            z = -draws.log(r[i]) / alpha + lo
            x = alpha - z if lo < alpha else lo - alpha
            accept = r[i + 1] <= draws.exp(-x * x / t(2)) and z < hi
            if accept or iterations + 1 >= MAX_ITERATIONS:
                if not accept:
                    raise errors.InternalError(
                        None,
                        None,
                        "TruncatedNormal exponential distribution rejection sampler failed "
                        "to accept a sample.",
                    )
                if emit(z):
                    return
                iterations = 0
            else:
                iterations += 1


def _emitter(out, batch, num_batches, per_batch, mean, stddev):
    """Writes a batch's accepted standard samples (sample ``s`` at ``s * num_batches +
    batch``) and says when the batch is full."""
    filled = 0

    def emit(x) -> bool:
        nonlocal filled
        out[filled * num_batches + batch] = x * stddev + mean
        filled += 1
        return filled >= per_batch

    return emit


def truncated_normal_batches(gen, params, per_batch: int, dtype) -> np.ndarray:
    """Samples ``[per_batch, num_batches]`` (flat) for the (mean, stddev, minval, maxval)
    rows of ``params`` (TF's ``TruncatedNormalFunctorV2`` in one shard)."""
    dtype = np.dtype(dtype)
    t = dtype.type
    draws = _TypedDraws(gen, dtype)
    num_batches = len(params)
    out = np.empty(per_batch * num_batches, dtype=dtype)
    for b, (mean, stddev, lo, hi) in enumerate(params):
        mean, stddev, lo, hi = t(mean), t(stddev), t(lo), t(hi)
        if not (stddev > 0 and lo < hi and (np.isfinite(lo) or np.isfinite(hi))):
            raise errors.InvalidArgumentError(None, None, "Invalid parameters")
        if (np.isinf(lo) and lo < 0) or hi < mean:
            lo, hi, stddev = hi, lo, -stddev
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            a, z = (lo - mean) / stddev, (hi - mean) / stddev
            root = np.sqrt(a * a + t(4))
            cutoff = t(2) * draws.exp(t(0.5) + (a * (a - root)) / t(4)) / (a + root)
            diff = z - a
        emit = _emitter(out, b, num_batches, per_batch, mean, stddev)
        if per_batch == 0:
            continue
        limit = t(RANDN_SAMPLER_STDDEVS)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if (a < -limit and z >= 0) or (z > limit and a <= 0):
                _normal_sampler(draws, a, z, emit)
            elif diff < cutoff:
                _uniform_sampler(draws, a, z, emit)
            else:
                _exponential_sampler(draws, a, z, emit)
    return out


def _kernel(op, device):
    np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

    def sample(shape, seed, means, stddevs, minvals, maxvals):
        dims = _dims(shape, device, np_dtype)
        gen = seeded_generator(seed)
        params = [np.asarray(to_host(p)) for p in (means, stddevs, minvals, maxvals)]
        try:
            both = np.broadcast_shapes(*(p.shape for p in params))
        except ValueError:
            raise errors.InvalidArgumentError(
                None,
                None,
                "means, stddevs, minvals, maxvals must have compatible batch dimensions: "
                + " vs. ".join(str(list(p.shape)) for p in params),
            ) from None
        k = len(both)
        if len(dims) < k or tuple(dims[len(dims) - k :]) != both:
            raise errors.InvalidArgumentError(
                None, None, "Shape passed in must end with broadcasted shape."
            )
        per_batch = math.prod(dims[: len(dims) - k])
        rows = np.stack([np.broadcast_to(p, both).reshape(-1) for p in params], axis=1)
        values = truncated_normal_batches(gen, rows, per_batch, np_dtype)
        return finish(values.reshape(dims), device)

    return sample


def _infer(op):
    check_dtype(op._attrs["dtype"], _FLOATS, "dtype")
    return [(op._attrs["dtype"], _infer_from_shape_input(op))]


# TF differentiates it (with respect to the parameters); teachflow does not yet.
registry.register(
    "StatelessParameterizedTruncatedNormal",
    _infer,
    kernels={"CPU": _kernel},
    not_differentiable=True,
)


def stateless_parameterized_truncated_normal(
    shape, seed, means=0.0, stddevs=1.0, minvals=-2.0, maxvals=2.0, name=None
):
    """Normal(means, stddevs) samples within ``[minvals, maxvals]``, fixed by ``seed``.

    ``shape`` must end with the parameters' broadcast shape. Raises InvalidArgumentError
    when run for a batch with ``stddev <= 0``, ``minval >= maxval`` or both bounds infinite.
    """
    with name_scope(
        name, "stateless_parameterized_truncated_normal", [shape, means, stddevs, minvals, maxvals]
    ):
        shape = shape_tensor(shape)
        means = convert_to_tensor(means, name="means")
        stddevs = convert_to_tensor(stddevs, name="stddevs")
        minvals = convert_to_tensor(minvals, name="minvals")
        maxvals = convert_to_tensor(maxvals, name="maxvals")
        with name_scope(None, "StatelessParameterizedTruncatedNormal") as scope:
            seed = convert_to_tensor(seed, name="seed")
            attrs = {"S": shape.dtype.base_dtype, "Tseed": seed.dtype.base_dtype}
            attrs["dtype"] = means.dtype.base_dtype
            return shape.graph.create_op(
                "StatelessParameterizedTruncatedNormal",
                [shape, seed, means, stddevs, minvals, maxvals],
                attrs,
                name=scope,
            ).outputs[0]
