"""Stateless samplers: categorical, Poisson, gamma and binomial draws fixed by a seed tensor.

The distributions are the stateful ops' (`teachflow.ops.random_distributions`); only the
generator differs: it starts at the key and counter the seed scrambles into
(`teachflow.ops.stateless_random_ops.key_counter_from_seed`), not at a range reserved from
a generator the kernel owns. The rejection samplers (Poisson, gamma, binomial) give output
``i`` its own stream, 256 blocks apart, and lay the output out as ``shape`` whose trailing
dimensions are the parameters' (sample ``s`` of parameter ``p`` at ``s * num_params + p``).

    >>> import teachflow as tf
    >>> x = tf.random.stateless_binomial([3, 2], [1, 2], counts=[5.0, 6.0], probs=[0.5, 0.2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x).tolist())
    [[3, 1], [3, 3], [3, 1]]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops import glibc_math
from teachflow.ops import random_distributions as distributions
from teachflow.ops.array_ops import to_host
from teachflow.ops.philox import PhiloxRandom, SingleSample
from teachflow.ops.random_distributions import RESERVED_SAMPLES_PER_OUTPUT, categorical_samples
from teachflow.ops.random_ops import (
    _FLOATS,
    _INTS,
    _dims,
    _infer_from_shape_input,
    check_dtype,
    finish,
    shape_tensor,
)
from teachflow.ops.stateless_random_ops import key_counter_alg, seeded_generator, v2_generator

__all__ = [
    "stateless_multinomial",
    "stateless_categorical",
    "stateless_random_poisson",
    "stateless_random_gamma",
    "stateless_random_binomial",
    "binomial",
]


# -- StatelessMultinomial ------------------------------------------------------------------------
def _infer_multinomial(op):
    logits, num_samples, _ = op.inputs
    check_dtype(logits.dtype, _FLOATS, "logits")
    if logits.shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {logits.shape.ndims}")
    batch = dimension_value(logits.shape[0]) if logits.shape.ndims == 2 else None
    n = int(num_samples.op._attrs["value"]) if num_samples.op.type == "Const" else None
    return [(op._attrs["output_dtype"], TensorShape([batch, n]))]


def _multinomial_kernel(op, device):
    out_dtype = op._attrs["output_dtype"].as_numpy_dtype

    def sample(logits, num_samples, seed):
        gen = seeded_generator(seed)
        logits = np.asarray(to_host(logits))
        num_samples = int(to_host(num_samples))
        batch, classes = logits.shape
        if classes == 0 and num_samples > 0:
            raise errors.InvalidArgumentError(None, None, "num_classes should be positive, got 0")
        # Two words per sample, read as one stream over the rows (the stateful kernel's way).
        words = SingleSample(gen).take(2 * batch * num_samples).reshape(-1, 2)
        u = distributions.uint64_to_double(words[:, 0], words[:, 1]).reshape(batch, num_samples)
        return finish(categorical_samples(logits, u).astype(out_dtype), device)

    return sample


registry.register(
    "StatelessMultinomial", _infer_multinomial, _multinomial_kernel, not_differentiable=True
)


# -- the rejection samplers: output shape = shape, which must end with the parameters' ----------
def _samples_shape(dims, params_shape):
    """``dims`` (the requested output) checked to end with the parameters' broadcast shape;
    returns (num_params, samples per parameter)."""
    k = len(params_shape)
    if len(dims) < k or tuple(dims[len(dims) - k :]) != tuple(params_shape):
        raise errors.InvalidArgumentError(
            None, None, "Shape passed in must end with broadcasted shape."
        )
    num_params = math.prod(params_shape)
    return num_params, (math.prod(dims) // num_params if num_params else 0)


def _infer_shape_input(op, dtype):
    return [(dtype, _infer_from_shape_input(op))]


def _poisson_kernel(op, device):
    np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

    def sample(shape, seed, lam):
        dims = _dims(shape, device, np_dtype)
        lam = np.asarray(to_host(lam))
        num_rates, per_rate = _samples_shape(dims, lam.shape)
        gen = seeded_generator(seed)
        if not per_rate:
            return finish(np.zeros(dims, np_dtype), device)
        return finish(distributions.poisson(gen, per_rate, lam, np_dtype).reshape(dims), device)

    return sample


def _infer_poisson(op):
    check_dtype(op._attrs["dtype"], _FLOATS + _INTS, "dtype")
    return _infer_shape_input(op, op._attrs["dtype"])


registry.register(
    "StatelessRandomPoisson", _infer_poisson, _poisson_kernel, not_differentiable=True
)


def _gamma_kernel(op, device):
    np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

    def sample(shape, key, counter, alg, alpha):
        dims = _dims(shape, device, np_dtype)
        alpha = np.asarray(to_host(alpha))
        num_alphas, per_alpha = _samples_shape(dims, alpha.shape)
        gen = v2_generator(key, counter, alg)
        if not per_alpha:
            return finish(np.zeros(dims, np_dtype), device)
        return finish(distributions.gamma(gen, per_alpha, alpha, np_dtype).reshape(dims), device)

    return sample


def _infer_gamma(op):
    check_dtype(op._attrs["dtype"], _FLOATS, "dtype")
    return _infer_shape_input(op, op._attrs["dtype"])


# TF differentiates it with respect to alpha (RandomGammaGrad); teachflow's RandomGamma has
# no gradient either, so neither has one here.
registry.register("StatelessRandomGammaV3", _infer_gamma, _gamma_kernel, not_differentiable=True)


# -- binomial: inversion below a mean of 10, Hörmann's BTRS above ---------------------------------
# log(k!) - Stirling's approximation, for k = 0..9 (random_binomial_op.cc).
_STIRLING_TAIL = np.array(
    [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ]
)


def _stirling_tail(k):
    small = k <= 9
    with np.errstate(invalid="ignore", divide="ignore"):
        kp1sq = (k + 1) * (k + 1)
        big = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    return np.where(small, _STIRLING_TAIL[np.clip(k, 0, 9).astype(np.intp)], big)


class UniformStreams:
    """Double uniforms, one stream per output: output ``i``'s starts at block
    ``stride * i``; each block gives two, read from its end (TF's ``UNIFORM`` macro)."""

    def __init__(self, gen: PhiloxRandom, total: int, stride: int = RESERVED_SAMPLES_PER_OUTPUT):
        self.gen = gen
        self.base = np.arange(total, dtype=np.uint64) * np.uint64(stride)
        self.next_block = np.zeros(total, dtype=np.uint64)
        self.buffer = np.zeros((total, 2))
        self.left = np.zeros(total, dtype=np.intp)

    def draw(self, rows: np.ndarray) -> np.ndarray:
        empty = rows[self.left[rows] == 0]
        if len(empty):
            blocks = self.gen.blocks_at(self.base[empty] + self.next_block[empty])
            self.buffer[empty] = distributions.uint64_to_double(
                blocks[:, 0::2].reshape(-1), blocks[:, 1::2].reshape(-1)
            ).reshape(-1, 2)
            self.next_block[empty] += np.uint64(1)
            self.left[empty] = 2
        self.left[rows] -= 1
        return self.buffer[rows, self.left[rows]]


def _inversion(streams, rows, count, prob, out):
    """Count geometric waiting times until they pass ``count``."""
    geom_sum, num = np.zeros(len(rows)), np.zeros(len(rows))
    log_q = glibc_math.log1p(-prob)
    active = np.arange(len(rows))
    while len(active):
        u = streams.draw(rows[active])
        geom_sum[active] += np.ceil(glibc_math.log(u) / log_q[active])
        over = geom_sum[active] > count[active]
        num[active[~over]] += 1
        active = active[~over]
    out[rows] = num


def _btrs(streams, rows, count, prob, out):
    """Hörmann's transformed rejection with squeeze (with TF's missing log in the test)."""
    stddev = np.sqrt(count * prob * (1 - prob))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * prob
    c = count * prob + 0.5
    v_r = 0.92 - 4.2 / b
    r = prob / (1 - prob)
    alpha = (2.83 + 5.1 / b) * stddev
    m = np.floor((count + 1) * prob)
    active = np.arange(len(rows))
    while len(active):
        u = streams.draw(rows[active]) - 0.5
        v = streams.draw(rows[active])
        n, i = count[active], active
        us = 0.5 - np.abs(u)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.floor((2 * a[i] / us + b[i]) * u + c[i])
        accepted = (us >= 0.07) & (v <= v_r[i])
        test = ~accepted & ~((k < 0) | (k > n))
        if test.any():
            t, kt, nt, mt, rt = i[test], k[test], n[test], m[i[test]], r[i[test]]
            lhs = glibc_math.log(v[test] * alpha[t] / (a[t] / (us[test] * us[test]) + b[t]))
            upper = (
                (mt + 0.5) * glibc_math.log((mt + 1) / (rt * (nt - mt + 1)))
                + (nt + 1) * glibc_math.log((nt - mt + 1) / (nt - kt + 1))
                + (kt + 0.5) * glibc_math.log(rt * (nt - kt + 1) / (kt + 1))
                + _stirling_tail(mt)
                + _stirling_tail(nt - mt)
                - _stirling_tail(kt)
                - _stirling_tail(nt - kt)
            )
            accepted[np.flatnonzero(test)[lhs <= upper]] = True
        out[rows[active[accepted]]] = k[accepted]
        active = active[~accepted]


def binomial(gen: PhiloxRandom, counts: np.ndarray, probs: np.ndarray, per_batch: int):
    """Binomial(count, prob) samples, ``per_batch`` for each (count, prob) pair, as float64
    laid out ``[per_batch, num_pairs]`` flat (``StatelessRandomBinomial``'s values).

    Output ``i`` (pair ``i // per_batch``) draws from block ``256 i``. A mean ``count * p``
    under 10 (computed in the parameters' dtype) counts geometric waiting times, otherwise
    BTRS; ``p > 0.5`` samples ``count - Binomial(count, 1 - p)``.
    """
    num = counts.size
    total = num * per_batch
    count_t, prob_t = np.repeat(counts, per_batch), np.repeat(probs, per_batch)
    out = np.zeros(total)
    # Inversion needs about mean + 10 standard deviations <= 42 uniforms; its streams are
    # 42 blocks apart, BTRS's 256 (random_binomial_op.cc).
    streams = {_btrs: UniformStreams(gen, total), _inversion: UniformStreams(gen, total, 42)}
    dcount = count_t.astype(np.float64)
    flip = prob_t > 0.5
    q_t = np.where(flip, (np.ones_like(prob_t) - prob_t), prob_t)
    draw = ~((dcount <= 0) | (prob_t <= 0) | (prob_t >= 1) | np.isnan(prob_t))
    with np.errstate(invalid="ignore", over="ignore"):
        large = draw & (count_t * q_t >= prob_t.dtype.type(10))
    for method, rows in (
        (_btrs, np.flatnonzero(large)),
        (_inversion, np.flatnonzero(draw & ~large)),
    ):
        if len(rows):
            method(streams[method], rows, dcount[rows], q_t[rows].astype(np.float64), out)
    out[flip & draw] = dcount[flip & draw] - out[flip & draw]
    out[(dcount > 0) & (prob_t >= 1)] = dcount[(dcount > 0) & (prob_t >= 1)]
    out[np.isnan(prob_t) & (dcount > 0)] = np.nan
    return out.reshape(num, per_batch).T.reshape(-1)


def _binomial_kernel(op, device):
    np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

    def sample(shape, seed, counts, probs):
        dims = _dims(shape, device, np_dtype)
        counts, probs = np.asarray(to_host(counts)), np.asarray(to_host(probs))
        try:
            both = np.broadcast_shapes(counts.shape, probs.shape)
        except ValueError:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"counts and probs must have compatible batch dimensions: "
                f"{list(counts.shape)} vs. {list(probs.shape)}",
            ) from None
        num, per_batch = _samples_shape(dims, both)
        gen = seeded_generator(seed)
        if not per_batch:
            return finish(np.zeros(dims, np_dtype), device)
        counts, probs = np.broadcast_to(counts, both), np.broadcast_to(probs, both)
        values = binomial(gen, counts.reshape(-1), probs.reshape(-1), per_batch)
        with np.errstate(invalid="ignore"):
            return finish(values.astype(np_dtype).reshape(dims), device)

    return sample


def _infer_binomial(op):
    check_dtype(op._attrs["T"], _FLOATS + _INTS, "T")
    return _infer_shape_input(op, op._attrs["dtype"])


registry.register(
    "StatelessRandomBinomial", _infer_binomial, _binomial_kernel, not_differentiable=True
)


# -- the public functions ---------------------------------------------------------------------
def _multinomial(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits, name="logits")
    dtype = dtypes.as_dtype(dtype).base_dtype if dtype else dtypes.int64
    if dtype not in _INTS:
        raise ValueError(
            f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
            "(tf.int32, tf.int64)."
        )
    with name_scope(None, "StatelessMultinomial", [logits]) as scope:
        n = convert_to_tensor(num_samples, dtype=dtypes.int32, name="num_samples")
        seed = convert_to_tensor(seed, name="seed")
        attrs = {"T": logits.dtype.base_dtype, "Tseed": seed.dtype.base_dtype}
        attrs["output_dtype"] = dtype
        return logits.graph.create_op(
            "StatelessMultinomial", [logits, n, seed], attrs, name=scope
        ).outputs[0]


def stateless_multinomial(logits, num_samples, seed, output_dtype=dtypes.int64, name=None):
    """``num_samples`` class indices per row of ``logits``, fixed by ``seed``.

    >>> import teachflow as tf
    >>> tf.random.stateless_multinomial([[0.0, 1.0]], 4, [1, 2]).shape
    TensorShape([Dimension(1), Dimension(4)])
    """
    with name_scope(name, "stateless_multinomial", [logits, seed]):
        return _multinomial(logits, num_samples, output_dtype, seed)


def stateless_categorical(logits, num_samples, seed, dtype=dtypes.int64, name=None):
    """`stateless_multinomial` under TF2's name and argument order.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.random.stateless_categorical([[0.0, 1.0]], 3, [1, 2])))
    [[1 1 0]]
    """
    with name_scope(name, "stateless_categorical", [logits, seed]):
        return _multinomial(logits, num_samples, dtype, seed)


def stateless_random_poisson(shape, seed, lam, dtype=dtypes.int32, name=None):
    """Poisson(lam) samples of ``shape``, which must end with ``lam``'s shape.

    >>> import teachflow as tf
    >>> tf.random.stateless_poisson([4, 2], [1, 2], [1.0, 9.0]).dtype
    tf.int32
    """
    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "stateless_random_poisson", [shape, seed, lam]):
        shape = shape_tensor(shape)
        with name_scope(None, "StatelessRandomPoisson") as scope:
            seed = convert_to_tensor(seed, name="seed")
            lam = convert_to_tensor(lam, name="lam")
            attrs = {"Rtype": lam.dtype.base_dtype, "dtype": dtype}
            attrs.update(T=shape.dtype.base_dtype, Tseed=seed.dtype.base_dtype)
            return shape.graph.create_op(
                "StatelessRandomPoisson", [shape, seed, lam], attrs, name=scope
            ).outputs[0]


def stateless_random_gamma(shape, seed, alpha, beta=None, dtype=dtypes.float32, name=None):
    """Gamma(alpha, beta) samples of ``shape``, which must end with the broadcast shape of
    ``alpha`` and ``beta``; ``StatelessRandomGammaV3 / beta``, at least float's ``tiny``.

    >>> import teachflow as tf
    >>> tf.random.stateless_gamma([5, 2], [1, 2], [0.5, 3.0]).op.type
    'Maximum'
    """
    from teachflow.ops import broadcast_ops, math_ops, tiling
    from teachflow.ops.shape_ops import shape as shape_of

    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, "stateless_random_gamma", [shape, seed, alpha, beta]):
        shape = shape_tensor(shape)
        alpha = convert_to_tensor(alpha, dtype=dtype, name="alpha")
        beta = convert_to_tensor(beta if beta is not None else 1, name="beta", dtype=dtype)
        both = broadcast_ops.broadcast_dynamic_shape(shape_of(alpha), shape_of(beta))
        alpha_broadcast = tiling.broadcast_to(alpha, both)
        key, counter, alg = key_counter_alg(seed, "auto_select")
        with name_scope(None, "StatelessRandomGammaV3") as scope:
            alg = convert_to_tensor(alg, dtype=dtypes.int32, name="alg")
        attrs = {"dtype": dtype, "shape_dtype": shape.dtype.base_dtype}
        rnd = shape.graph.create_op(
            "StatelessRandomGammaV3", [shape, key, counter, alg, alpha_broadcast], attrs, name=scope
        ).outputs[0]
        tiny = np.finfo(dtype.as_numpy_dtype).tiny
        return math_ops.maximum(tiny, rnd / beta)


def stateless_random_binomial(shape, seed, counts, probs, output_dtype=dtypes.int32, name=None):
    """Binomial(counts, probs) samples of ``shape``, which must end with the broadcast shape
    of ``counts`` and ``probs``.

    >>> import teachflow as tf
    >>> tf.random.stateless_binomial([3], [1, 2], 10.0, 0.5).op.type
    'StatelessRandomBinomial'
    """
    output_dtype = dtypes.as_dtype(output_dtype).base_dtype
    with name_scope(name, "stateless_random_binomial", [shape, seed, counts, probs]):
        shape = shape_tensor(shape)
        probs = convert_to_tensor(probs, name="probs", preferred_dtype=dtypes.float32)
        counts = convert_to_tensor(counts, name="counts", preferred_dtype=probs.dtype)
        with name_scope(None, "StatelessRandomBinomial") as scope:
            seed = convert_to_tensor(seed, name="seed")
            attrs = {"S": shape.dtype.base_dtype, "Tseed": seed.dtype.base_dtype}
            attrs.update(T=probs.dtype.base_dtype, dtype=output_dtype)
            return shape.graph.create_op(
                "StatelessRandomBinomial", [shape, seed, counts, probs], attrs, name=scope
            ).outputs[0]
