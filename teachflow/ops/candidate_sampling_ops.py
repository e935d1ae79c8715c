"""Candidate samplers: a few "negative" classes drawn per batch, for sampled losses.

A sampled loss (``tf.nn.nce_loss``) scores each example against its true class and a small
set of sampled classes instead of every class. The sampler returns those classes and how
often each was *expected* to be drawn (``Q``), which the loss subtracts as ``log Q``:

- ``tf.nn.log_uniform_candidate_sampler``: class ``k`` with probability
  ``log((k + 2) / (k + 1)) / log(range_max + 1)`` (Zipf's law: ids are frequency ranks);
- ``tf.nn.uniform_candidate_sampler``: every class alike.

The draws are TensorFlow's (``range_sampler.cc``, ``candidate_sampler_ops.cc``): the op
owns a Philox generator keyed by its seeds; each run reserves ``2048 * num_sampled`` words
and reads them as doubles (two words each). With ``unique=True`` a class already drawn is
drawn again (rejection), and the expected counts become ``1 - (1 - p)^tries``.

    >>> import teachflow as tf
    >>> sampled, true_q, sampled_q = tf.nn.log_uniform_candidate_sampler(
    ...     true_classes=[[0], [3]], num_true=1, num_sampled=4, unique=True, range_max=10, seed=1)
    >>> with tf.Session() as sess:
    ...     ids = sess.run(sampled)
    >>> ids.shape, len(set(ids.tolist()))
    ((4,), 4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.random_seed import get_seed
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import to_host
from teachflow.ops.glibc_math import expm1f, log1pf
from teachflow.ops.op_results import result
from teachflow.ops.philox import GuardedPhilox, SingleSample
from teachflow.ops.random_distributions import uint64_to_double
from teachflow.ops.random_ops import finish

__all__ = [
    "compute_accidental_hits",
    "log_uniform_candidate_sampler",
    "uniform_candidate_sampler",
]

# Words reserved per sampled class and run (candidate_sampler_ops.cc): rejection rarely
# needs more, and when it does TF reads on past the reservation, as we do.
_WORDS_PER_SAMPLE = 2048


def exact_uniform_int(n: int, words: SingleSample, bits: int = 32) -> int:
    """A uniform integer of ``[0, n)``: TF's ``ExactUniformInt`` (``SimplePhilox::Uniform``).

    A power of two masks one word (two for 64 bits, low word first); otherwise words below
    ``(2**bits - 1) % n + 1`` are drawn again, so that ``% n`` favours no class.
    """

    def draw() -> int:
        if bits == 32:
            return words()
        low, high = (int(w) for w in words.take(2))
        return low | high << 32

    if n & (n - 1) == 0:
        return draw() & (n - 1)
    rem = ((1 << bits) - 1) % n + 1
    while (value := draw()) < rem:
        pass
    return value % n


@dataclass(frozen=True, slots=True)
class LogUniformSampler:
    """Zipf's law over ``[0, range_max)``: TF's ``LogUniformSampler``."""

    range_max: int

    def sample(self, words: SingleSample) -> int:
        # exp(u * log(range + 1)) - 1 is log-uniform; C's exp and log1p on doubles are
        # Python's math functions (the same C library), so the ids are TF's.
        u = float(uint64_to_double(*words.take(2)))
        return (int(math.exp(u * math.log1p(self.range_max))) - 1) % self.range_max

    def probability(self, value: int) -> float:
        return math.log((value + 2.0) / (value + 1.0)) / math.log1p(self.range_max)


@dataclass(frozen=True, slots=True)
class UniformSampler:
    """Every class of ``[0, range_max)`` alike: TF's ``UniformSampler``."""

    range_max: int

    def sample(self, words: SingleSample) -> int:
        return exact_uniform_int(self.range_max, words, bits=64)

    def probability(self, value: int) -> float:
        return 1.0 / self.range_max


def _expected_count(p: np.float32, batch_size: int, num_tries: int) -> np.float32:
    """How often a class of probability ``p`` shows up in ``num_tries`` draws (float, as TF)."""
    if num_tries == batch_size:
        return np.float32(p * np.float32(batch_size))
    # 1 - (1 - p)^tries, as TF computes it: in float, with the C library's float functions
    # (glibc's are not correctly rounded, so double arithmetic would differ in a last bit).
    return -expm1f(np.float32(num_tries) * log1pf(-p))


def sample_candidates(sampler, words: SingleSample, true_classes, num_sampled: int, unique: bool):
    """``RangeSampler::SampleBatchGetExpectedCountAvoid`` (nothing avoided)."""
    if unique:
        picked, used, num_tries = [], set(), 0
        while len(picked) < num_sampled:
            num_tries += 1
            value = sampler.sample(words)
            if value not in used:
                used.add(value)
                picked.append(value)
    else:
        picked = [sampler.sample(words) for _ in range(num_sampled)]
        num_tries = num_sampled

    def counts(values):
        p = [np.float32(sampler.probability(int(v))) for v in values]
        return np.array([_expected_count(q, num_sampled, num_tries) for q in p], np.float32)

    true_classes = np.asarray(true_classes)
    true_count = counts(true_classes.reshape(-1)).reshape(true_classes.shape)
    return np.array(picked, np.int64), true_count, counts(picked)


def infer_candidate_sampler(op):
    """Shapes of a sampler op: ``[num_sampled]``, ``[batch, num_true]``, ``[num_sampled]``."""
    (true_classes,) = op.inputs
    num_true, num_sampled = op._attrs["num_true"], op._attrs["num_sampled"]
    if true_classes.dtype.base_dtype != dtypes.int64:
        raise TypeError(
            f"Input 'true_classes' of '{op.type}' Op has type "
            f"{true_classes.dtype.base_dtype.name} that does not match expected type of int64."
        )
    shape = true_classes.shape
    if shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {shape.ndims}")
    batch = dimension_value(shape[0]) if shape.ndims == 2 else None
    return [
        (dtypes.int64, TensorShape([num_sampled])),
        (dtypes.float32, TensorShape([batch, num_true])),
        (dtypes.float32, TensorShape([num_sampled])),
    ]


def candidate_sampler_kernel(make_sampler):
    """The kernel factory of a sampler op: ``make_sampler(attrs)`` builds its sampler.

    The sampler lives as long as the kernel (one per session, as TF's); a sampler with an
    ``update`` method learns from each run's true classes after drawing.
    """

    def make(op, device):
        num_true, num_sampled = op._attrs["num_true"], op._attrs["num_sampled"]
        unique = op._attrs["unique"]
        guarded = GuardedPhilox(op._attrs.get("seed", 0), op._attrs.get("seed2", 0))
        built = []  # the sampler, made on the first run (a vocabulary file read in the step)

        def candidates(true_classes):
            if not built:
                built.append(make_sampler(op._attrs))
            sampler = built[0]
            update = getattr(sampler, "update", None)
            true_classes = np.asarray(to_host(true_classes))
            if true_classes.ndim != 2:
                raise errors.InvalidArgumentError(None, None, "true_classes must be a matrix")
            if true_classes.shape[1] != num_true:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    # TF's words, its two numbers the other way round.
                    f"true_classes must have num_true columns, expected: "
                    f"{true_classes.shape[1]} was: {num_true}",
                )
            if unique and num_sampled > sampler.range_max:
                raise errors.InvalidArgumentError(None, None, "Sampler's range is too small.")
            outside = (true_classes < 0) | (true_classes >= sampler.range_max)
            if outside.any():
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"`true_candidate` out of range [0, {sampler.range_max}), received "
                    f"{int(true_classes[outside][0])}",
                )
            words = SingleSample(guarded.reserve_samples32(_WORDS_PER_SAMPLE * num_sampled))
            values = sample_candidates(sampler, words, true_classes, num_sampled, unique)
            if update is not None:
                update(true_classes.reshape(-1))
            return tuple(finish(v, device) for v in values)

        return candidates

    return make


for _type, _sampler in (
    ("LogUniformCandidateSampler", LogUniformSampler),
    ("UniformCandidateSampler", UniformSampler),
):
    registry.register(
        _type,
        infer_candidate_sampler,
        candidate_sampler_kernel(lambda attrs, cls=_sampler: cls(attrs["range_max"])),
        stateful=True,
        not_differentiable=True,
    )


def candidate_sampler_op(op_type, default_name, true_classes, num_true, num_sampled, unique,
                       range_max, seed, name, **extra_attrs):  # fmt: skip
    true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    seed1, seed2 = get_seed(seed)
    attrs = {
        "num_true": int(num_true),
        "num_sampled": int(num_sampled),
        "unique": bool(unique),
        "range_max": int(range_max),
        **extra_attrs,
        "seed": seed1 or 0,
        "seed2": seed2 or 0,
    }
    op = true_classes.graph.create_op(op_type, [true_classes], attrs, name=name or default_name)
    return result(op)


def log_uniform_candidate_sampler(
    true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None
):
    """Samples ``num_sampled`` classes of ``[0, range_max)`` under Zipf's law.

    Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``: int64
    ``[num_sampled]``, float32 ``[batch_size, num_true]`` and float32 ``[num_sampled]``.
    Raises InvalidArgumentError when run if ``unique`` and ``num_sampled > range_max``.
    """
    return candidate_sampler_op(
        "LogUniformCandidateSampler",
        "LogUniformCandidateSampler",
        true_classes,
        num_true,
        num_sampled,
        unique,
        range_max,
        seed,
        name,
    )


def uniform_candidate_sampler(
    true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None
):
    """Samples ``num_sampled`` classes of ``[0, range_max)``, each equally likely.

    Returns what `log_uniform_candidate_sampler` returns.

        >>> import teachflow as tf
        >>> s, _, q = tf.nn.uniform_candidate_sampler([[1]], 1, 2, False, 4, seed=3)
        >>> with tf.Session() as sess:
        ...     print(sess.run(q))
        [0.5 0.5]
    """
    return candidate_sampler_op(
        "UniformCandidateSampler",
        "UniformCandidateSampler",
        true_classes,
        num_true,
        num_sampled,
        unique,
        range_max,
        seed,
        name,
    )


# -- accidental hits: a sampled class that is also one of the example's true classes ------
def _accidental_hits_infer(op):
    true_classes, sampled = op.inputs
    if true_classes.shape.ndims not in (None, 2):
        raise ValueError(f"Shape must be rank 2 but is rank {true_classes.shape.ndims}")
    if true_classes.shape.ndims == 2 and dimension_value(true_classes.shape[1]) not in (
        None,
        op._attrs["num_true"],
    ):
        raise ValueError(
            f"Dimension must be {op._attrs['num_true']} but is {true_classes.shape[1]}"
        )
    if sampled.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {sampled.shape.ndims}")
    hits = TensorShape([None])
    return [(dtypes.int32, hits), (dtypes.int64, hits), (dtypes.float32, hits)]


def _accidental_hits_kernel(op, device):
    num_true = op._attrs["num_true"]

    def accidental_hits(true_classes, sampled):
        true_classes, sampled = np.asarray(to_host(true_classes)), np.asarray(to_host(sampled))
        if true_classes.ndim != 2 or true_classes.shape[1] != num_true:
            raise errors.InvalidArgumentError(
                None, None, "true_candidates must be a batch_size * num_true matrix"
            )
        if sampled.ndim != 1:
            raise errors.InvalidArgumentError(
                None,
                None,
                "sampled_candidates must be a vector, which is typically an output from "
                "CandidateSampler",
            )
        # A class sampled twice (unique=False) is found at its last position, as TF's map.
        position = {int(c): i for i, c in enumerate(sampled.tolist())}
        hits = [
            (row, position[c])
            for row, classes in enumerate(true_classes.tolist())
            for c in classes
            if c in position
        ]
        rows = np.array([r for r, _ in hits], np.int32)
        ids = np.array([i for _, i in hits], np.int64)
        weights = np.full(len(hits), -np.finfo(np.float32).max, np.float32)
        return tuple(finish(v, device) for v in (rows, ids, weights))

    return accidental_hits


registry.register(
    "ComputeAccidentalHits",
    _accidental_hits_infer,
    _accidental_hits_kernel,
    not_differentiable=True,
)


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Where a sampled class is one of an example's true classes.

    Returns ``(indices, ids, weights)``, one entry per hit: the row of ``true_classes``
    (int32), the position in ``sampled_candidates`` (int64) and ``-FLT_MAX`` (float32), the
    sparse update that `sampled_softmax_loss` adds to such a sampled logit so that the true
    class does not count as a negative. ``seed`` is an attr only (the op draws nothing).

        >>> import teachflow as tf
        >>> rows, ids, _ = tf.nn.compute_accidental_hits([[1], [4]], [4, 0, 1], num_true=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run([rows, ids]))
        [array([0, 1], dtype=int32), array([2, 0])]
    """
    true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
    sampled_candidates = convert_to_tensor(
        sampled_candidates, dtype=dtypes.int64, name="sampled_candidates"
    )
    seed1, seed2 = get_seed(seed)
    attrs = {"num_true": int(num_true), "seed": seed1 or 0, "seed2": seed2 or 0}
    op = true_classes.graph.create_op(
        "ComputeAccidentalHits",
        [true_classes, sampled_candidates],
        attrs,
        name=name or "ComputeAccidentalHits",
    )
    return result(op)
