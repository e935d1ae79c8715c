"""Stateless random ops: the same numbers every run, chosen by a seed *tensor*.

A stateful op (`teachflow.ops.random_ops`) owns a generator that moves on with each run. A
stateless op owns nothing: its Philox key and counter are a pure function of its ``seed``
input, a shape-[2] int tensor, so running it twice, in two sessions or on two machines,
gives the same numbers. TensorFlow 2 builds them in two steps:

- ``StatelessRandomGetKeyCounter(seed)`` scrambles the seed into a Philox ``key`` (uint64
  [1]) and ``counter`` (uint64 [2]): the seed's two 64-bit halves, read as a 128-bit counter,
  are hashed by one Philox block under a fixed key; the block's first two words are the key,
  its last two the high half of the counter (`key_counter_from_seed`);
- ``StatelessRandomUniformV2(shape, key, counter, alg)`` (Normal, TruncatedNormal,
  UniformInt, UniformFullInt) fills the output exactly as the stateful kernels do, from a
  generator starting at that key and counter.

``alg`` is 3 ("auto_select"), which the CPU resolves to Philox (1). An explicit "philox"
builds the scrambling as graph ops instead (`philox_scramble_seed`), with the same numbers.

    >>> import teachflow as tf
    >>> x = tf.random.stateless_uniform([3], seed=[1, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x))
    [0.8440604  0.19204533 0.9962232 ]
"""

from __future__ import annotations

import math

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import random_distributions as distributions
from teachflow.ops.array_ops import to_host
from teachflow.ops.philox import PhiloxRandom
from teachflow.ops.random_ops import (
    _FLOATS,
    _INTS,
    _dims,
    _infer_from_shape_input,
    check_dtype,
    finish,
    shape_tensor,
)

__all__ = [
    "key_counter_from_seed",
    "philox_scramble_seed",
    "stateless_random_uniform",
    "stateless_random_normal",
    "stateless_truncated_normal",
    "fold_in",
    "split",
    "create_rng_state",
    "PHILOX",
    "THREEFRY",
    "AUTO_SELECT",
]

# TF's tf.random.Algorithm values.
PHILOX, THREEFRY, AUTO_SELECT = 1, 2, 3
_ALGORITHMS = {"philox": PHILOX, "threefry": THREEFRY, "autoselect": AUTO_SELECT}
# The fixed Philox key that hashes a seed into a key and counter (stateless_random_ops.cc).
SCRAMBLE_KEY = 0x02461E293EC8F720
_U64 = (1 << 64) - 1
_UINTS = (dtypes.uint32, dtypes.uint64)


def key_counter_from_seed(seed) -> tuple[int, int]:
    """The Philox (key, 128-bit counter) of a shape-[2] seed, as TF's ``GenerateKey``.

    Each seed element is widened to 64 bits (an int32 sign-extends), the pair is the counter
    of one Philox block under `SCRAMBLE_KEY`, and that block's words become the key (words
    0, 1) and the counter's high half (words 2, 3); the low half is 0.

        >>> key, counter = key_counter_from_seed([1, 2])
        >>> hex(key), counter & ((1 << 64) - 1)
        ('0x908502c96d2f7fba', 0)
    """
    s0, s1 = (int(s) & _U64 for s in np.asarray(seed).reshape(-1)[:2])
    mix = PhiloxRandom(key=SCRAMBLE_KEY, counter=s0 | s1 << 64).blocks(1)[0]
    key = int(mix[0]) | int(mix[1]) << 32
    return key, (int(mix[2]) | int(mix[3]) << 32) << 64


def _check_seed(seed):
    seed = np.asarray(to_host(seed))
    if seed.shape != (2,):
        raise errors.InvalidArgumentError(
            None, None, f"seed must have shape [2], not {list(seed.shape)}"
        )
    return seed


def seeded_generator(seed) -> PhiloxRandom:
    """The generator a V1 stateless kernel (seed input) starts from."""
    key, counter = key_counter_from_seed(_check_seed(seed))
    return PhiloxRandom(key=key, counter=counter)


# -- StatelessRandomGetKeyCounter -------------------------------------------------------------
def _infer_key_counter(op):
    seed = op.inputs[0]
    check_dtype(seed.dtype, _INTS, "Tseed")
    if seed.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {seed.shape.ndims}")
    return [(dtypes.uint64, TensorShape([1])), (dtypes.uint64, TensorShape([2]))]


def _key_counter_kernel(op, device):
    def key_counter(seed):
        key, counter = key_counter_from_seed(_check_seed(seed))
        return (
            finish(np.array([key], dtype=np.uint64), device),
            finish(np.array([counter & _U64, counter >> 64], dtype=np.uint64), device),
        )

    return key_counter


registry.register(
    "StatelessRandomGetKeyCounter", _infer_key_counter, _key_counter_kernel, not_differentiable=True
)


# -- the V2 kernels: (shape, key, counter, alg) -> samples ------------------------------------
def v2_generator(key, counter, alg) -> PhiloxRandom:
    """The generator of a V2 kernel's ``key``, ``counter`` and ``alg`` inputs, with TF's
    checks (only Philox runs on a CPU)."""
    key, counter = np.asarray(to_host(key)), np.asarray(to_host(counter))
    alg = int(to_host(alg))
    if key.shape != (1,):
        raise errors.InvalidArgumentError(
            None,
            None,
            f"key must have shape [1], not {list(key.shape)}. "
            "(Note that batched keys are not supported yet.)",
        )
    if alg not in (PHILOX, AUTO_SELECT):
        raise errors.InvalidArgumentError(None, None, f"Unsupported algorithm id: {alg}")
    if counter.ndim != 1 or counter.shape[0] < 2:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"counter must be a vector with length at least 2; got shape: "
            f"{list(counter.shape)}. (Note that batched counters are not supported yet.)",
        )
    return PhiloxRandom(key=int(key[0]), counter=int(counter[0]) | int(counter[1]) << 64)


def _infer_v2(allowed):
    def infer(op):
        check_dtype(op._attrs["dtype"], allowed, "dtype")
        return [(op._attrs["dtype"], _infer_from_shape_input(op))]

    return infer


def full_range_ints(gen: PhiloxRandom, n: int, np_dtype) -> np.ndarray:
    """``n`` integers over the dtype's whole range: a word each for 32 bits, two words
    (low, high) for 64 (TF's ``UniformFullIntDistribution``)."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.itemsize == 8:
        words = gen.blocks_at(np.arange(-(-n // 2), dtype=np.uint64)).reshape(-1, 2)
        bits = words[:, 0].astype(np.uint64) | (words[:, 1].astype(np.uint64) << np.uint64(32))
        return bits[:n].view(np_dtype)
    return gen.blocks_at(np.arange(-(-n // 4), dtype=np.uint64)).reshape(-1)[:n].view(np_dtype)


def _v2_kernel(draw):
    """The kernel of a V2 op: ``draw(gen, n, np_dtype, *extra_inputs)`` makes the values."""

    def make(op, device):
        np_dtype = np.dtype(op._attrs["dtype"].as_numpy_dtype)

        def sample(shape, key, counter, alg, *extra):
            dims = _dims(shape, device, np_dtype)
            gen = v2_generator(key, counter, alg)
            n = math.prod(dims)
            values = draw(gen, n, np_dtype, *extra) if n else np.zeros(0, np_dtype)
            return finish(np.asarray(values, np_dtype).reshape(dims), device)

        return sample

    return make


def _uniform_int(gen, n, np_dtype, lo, hi):
    lo, hi = int(to_host(lo)), int(to_host(hi))
    if not lo < hi:
        raise errors.InvalidArgumentError(None, None, f"Need minval < maxval, got {lo} >= {hi}")
    # random_distributions computes in unsigned words; only the width matters here.
    width = np.int64 if np_dtype.itemsize == 8 else np.int32
    return distributions.uniform_int(gen, n, lo, hi, width).view(np_dtype)


def _infer_uniform_int_v2(op):
    for t in op.inputs[4:6]:
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims}")
    return _infer_v2(_INTS + _UINTS)(op)


for _type, _infer, _draw in (
    ("StatelessRandomUniformV2", _infer_v2(_FLOATS), distributions.uniform),
    ("StatelessRandomNormalV2", _infer_v2(_FLOATS), distributions.normal),
    ("StatelessTruncatedNormalV2", _infer_v2(_FLOATS), distributions.truncated_normal),
    ("StatelessRandomUniformFullIntV2", _infer_v2(_INTS + _UINTS), full_range_ints),
    ("StatelessRandomUniformIntV2", _infer_uniform_int_v2, _uniform_int),
):
    registry.register(_type, _infer, _v2_kernel(_draw), not_differentiable=True)


# -- the public functions ---------------------------------------------------------------------
def alg_value(alg) -> int:
    """``alg`` ("auto_select", "philox", an Algorithm number) as TF's integer."""
    if alg is None:
        return AUTO_SELECT
    if isinstance(alg, int):
        return alg
    value = _ALGORITHMS.get(str(alg).strip().lower().replace("-", "").replace("_", ""))
    if value is None:
        raise ValueError(
            f"Argument `alg` got unsupported value {alg}. Supported values are "
            '"philox" for the Philox algorithm, "threefry" for the ThreeFry algorithm, '
            'and "auto_select" (or None) for auto-selection.'
        )
    return value


def _uint32s_to_uint64(x):
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.bitwise_ops import bitwise_or, left_shift

    low = cast(x[0], dtypes.uint64)
    high = left_shift(cast(x[1], dtypes.uint64), convert_to_tensor(np.uint64(32)))
    return bitwise_or(low, high)


def philox_scramble_seed(seed):
    """`key_counter_from_seed` built as graph ops, as TF does for an explicit "philox":
    one full-range uint32 draw of 4 words under `SCRAMBLE_KEY`, the seed as counter."""
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.joining import stack
    from teachflow.ops.reshaping import reshape

    key = convert_to_tensor(np.array([SCRAMBLE_KEY], dtype=np.uint64))
    counter = cast(seed, dtypes.uint64)
    with name_scope(None, "StatelessRandomUniformFullIntV2", [counter]) as scope:
        shape = convert_to_tensor([4], dtype=dtypes.int32, name="shape")
        alg = convert_to_tensor(PHILOX, dtype=dtypes.int32, name="alg")
    attrs = {"dtype": dtypes.uint32, "Tshape": dtypes.int32}
    mix = counter.graph.create_op(
        "StatelessRandomUniformFullIntV2", [shape, key, counter, alg], attrs, name=scope
    ).outputs[0]
    key = reshape(_uint32s_to_uint64(mix[:2]), [1])
    counter = stack([0, _uint32s_to_uint64(mix[2:])], axis=0)
    return key, counter


def key_counter_alg(seed, alg):
    """The key, counter and ``alg`` a V2 op takes: ``StatelessRandomGetKeyCounter(seed)``
    for "auto_select" (the CPU picks Philox when it runs), `philox_scramble_seed`'s ops
    for an explicit "philox". ThreeFry has no CPU kernel in TF; teachflow refuses it.
    """
    alg = alg_value(alg)
    if alg == PHILOX:
        key, counter = philox_scramble_seed(seed)
        return key, counter, alg
    if alg != AUTO_SELECT:
        raise NotImplementedError(
            f"teachflow builds stateless random ops with alg 'auto_select' or 'philox' only "
            f"(got {alg}): TensorFlow's CPU kernels run no other algorithm"
        )
    with name_scope(None, "StatelessRandomGetKeyCounter", [seed]) as scope:
        seed = convert_to_tensor(seed, name="seed")
        op = seed.graph.create_op(
            "StatelessRandomGetKeyCounter", [seed], {"Tseed": seed.dtype.base_dtype}, name=scope
        )
    return op.outputs[0], op.outputs[1], alg


def _v2_op(op_type, shape, seed, alg, dtype, extra=(), name=None):
    """A V2 op after its key and counter; ``name`` None names it ``<op_type>`` in the scope
    (its ``alg`` constant ``<op_type>/alg``), otherwise the op is the scope's own name."""
    key, counter, alg = key_counter_alg(seed, alg)
    with name_scope(name or op_type, values=[shape]) as scope:
        alg = convert_to_tensor(alg, dtype=dtypes.int32, name="alg")
    attrs = {"dtype": dtype, "Tshape": shape.dtype.base_dtype}
    return shape.graph.create_op(
        op_type, [shape, key, counter, alg, *extra], attrs, name=scope
    ).outputs[0]


def stateless_random_uniform(
    shape, seed, minval=0, maxval=None, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Uniform samples on ``[minval, maxval)``, fixed by ``seed`` (shape [2], int32/int64).

    Floats default to ``[0, 1)``. For integers give both bounds (``StatelessRandomUniformIntV2``)
    or neither: ``minval=None, maxval=None`` draws over the dtype's whole range
    (``StatelessRandomUniformFullIntV2``). The kernel raises InvalidArgumentError when
    ``minval >= maxval``.

        >>> import teachflow as tf
        >>> tf.random.stateless_uniform([2], [1, 2], 0, 10, dtype=tf.int32).op.type
        'StatelessRandomUniformIntV2'
    """
    from teachflow.ops import math_ops

    dtype = dtypes.as_dtype(dtype).base_dtype
    allowed = _FLOATS + _INTS + _UINTS
    if dtype not in allowed:
        raise ValueError(
            f"Argument `dtype` got invalid value {dtype!r}. Accepted dtypes are "
            f"({', '.join(repr(d) for d in allowed)})."
        )
    if dtype.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(
                f"For integer `dtype` argument {dtype!r}, argument `minval` and `maxval` must "
                f"be both None or not None. Got `minval`={minval} and `maxval`={maxval}."
            )
        if minval is not None and dtype in _UINTS:
            raise ValueError(
                f"Argument `dtype` got invalid value {dtype!r} when argument `minval` is not "
                "None. Please don't use unsigned integers in this case."
            )
    elif maxval is None:
        maxval = 1
    with name_scope(name, "stateless_random_uniform", [shape, seed, minval, maxval]) as scope:
        shape = shape_tensor(shape)
        if dtype.is_integer and minval is None:
            return _v2_op("StatelessRandomUniformFullIntV2", shape, seed, alg, dtype, name=scope)
        minval = convert_to_tensor(minval, dtype=dtype, name="min")
        maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return _v2_op(
                "StatelessRandomUniformIntV2", shape, seed, alg, dtype, (minval, maxval), scope
            )
        rnd = _v2_op("StatelessRandomUniformV2", shape, seed, alg, dtype)
        return math_ops.add(rnd * (maxval - minval), minval, name=scope)


def _scaled(op_type, default_name, shape, seed, mean, stddev, dtype, name, alg):
    from teachflow.ops import math_ops

    dtype = dtypes.as_dtype(dtype).base_dtype
    with name_scope(name, default_name, [shape, seed, mean, stddev]) as scope:
        shape = shape_tensor(shape)
        mean = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = _v2_op(op_type, shape, seed, alg, dtype)
        return math_ops.add(rnd * stddev, mean, name=scope)


def stateless_random_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Normal samples N(mean, stddev²), fixed by ``seed``: ``StatelessRandomNormalV2 * stddev
    + mean``.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.random.stateless_normal([2], seed=[1, 2])))
        [0.5441101  0.20738031]
    """
    return _scaled(
        "StatelessRandomNormalV2",
        "stateless_random_normal",
        shape,
        seed,
        mean,
        stddev,
        dtype,
        name,
        alg,
    )


def stateless_truncated_normal(
    shape, seed, mean=0.0, stddev=1.0, dtype=dtypes.float32, name=None, alg="auto_select"
):
    """Normal samples within two standard deviations, fixed by ``seed``.

    >>> import teachflow as tf
    >>> tf.random.stateless_truncated_normal([2], [3, 4]).op.name
    'stateless_truncated_normal'
    """
    return _scaled(
        "StatelessTruncatedNormalV2",
        "stateless_truncated_normal",
        shape,
        seed,
        mean,
        stddev,
        dtype,
        name,
        alg,
    )


def split(seed, num=2, alg="auto_select"):
    """``num`` new seeds from ``seed``: a full-range ``[num, 2]`` draw of its dtype.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.random.split([1, 2])))
    [[1105988140 1738052849]
     [-335576002  370444179]]
    """
    seed = convert_to_tensor(seed)
    return stateless_random_uniform(
        [num, 2], seed, dtype=seed.dtype, minval=None, maxval=None, alg=alg
    )


def fold_in(seed, data, alg="auto_select"):
    """A new seed from ``seed`` and the integer ``data``: ``[draw, data]``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.random.fold_in([1, 2], 3)))
    [1105988140          3]
    """
    from teachflow.ops.joining import stack

    data = convert_to_tensor(data)
    seed1 = stateless_random_uniform([], seed, dtype=data.dtype, minval=None, maxval=None, alg=alg)
    return stack([seed1, data])


def create_rng_state(seed, alg):
    """The int64 state a ``tf.random.Generator`` starts from: Philox's 3 words (counter,
    counter, key), ThreeFry's 2, the seed's 64-bit chunks at the end, zeros before.

    TF builds a small graph of casts and a concat; teachflow returns the state as a constant.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.random.create_rng_state(1234, "philox")))
        [1234    0    0]
    """
    size = {PHILOX: 3, THREEFRY: 2}.get(alg_value(alg))
    if size is None:
        raise ValueError(f"Unsupported algorithm id: {alg}")
    if isinstance(seed, int):
        chunks = []
        for _ in range(size):
            chunks.append(seed & _U64)
            seed >>= 64
        seed = chunks
    words = (np.asarray(seed, dtype=object).reshape(-1)[:size] & _U64).astype(np.uint64)
    state = np.zeros(size, dtype=np.uint64)
    state[size - len(words) :] = words
    return convert_to_tensor(state.view(np.int64), name="rng_state")
