"""Unigram candidate samplers: classes drawn by how often they occur.

Two of TensorFlow's candidate samplers draw class ``k`` with a probability proportional
to a weight of ``k``:

- ``tf.nn.learned_unigram_candidate_sampler`` *learns* the weights: each class starts with
  count 1 and every run adds one per true class it was given (after drawing), so later
  batches sample the frequent classes more. The counts live in the session's kernel, as
  TF's ``UnigramSampler`` (a ``WeightedPicker`` tree; an integer of ``[0, total)`` picks
  the class whose cumulative count passes it).
- ``tf.nn.fixed_unigram_candidate_sampler`` is given them (``unigrams`` or the last column
  of each line of ``vocab_file``), each raised to ``distortion`` (0.75 in word2vec) with
  C's float ``powf``; ``num_reserved_ids`` leading classes get weight 0, and
  ``num_shards``/``shard`` keep every ``num_shards``-th class. It draws by Walker's alias
  method, TF's ``DistributionSampler``: one float word, one bucket of ``[0, n)``, the
  bucket's own class or its alias. The alias table is built as TF builds it (each weight
  times ``n`` rounded to float, sums in double), so the draws are TF's.

    >>> import teachflow as tf
    >>> sampled, _, q = tf.nn.fixed_unigram_candidate_sampler(
    ...     [[0]], 1, 3, True, 4, unigrams=[1.0, 2.0, 3.0, 4.0], seed=1)
    >>> with tf.Session() as sess:
    ...     ids, counts = sess.run([sampled, q])
    >>> sorted(set(ids.tolist())) == sorted(ids.tolist())
    True
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import errors, registry
from teachflow.ops.candidate_sampling_ops import (
    candidate_sampler_kernel,
    candidate_sampler_op,
    exact_uniform_int,
    infer_candidate_sampler,
)
from teachflow.ops.file_access import confine
from teachflow.ops.glibc_math import powf
from teachflow.ops.philox import SingleSample
from teachflow.ops.random_distributions import uint32_to_float

__all__ = ["fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler"]

_INT32_MAX = (1 << 31) - 1


class UnigramSampler:
    """Counts of the true classes seen so far, each starting at 1: TF's ``UnigramSampler``."""

    def __init__(self, range_max: int):
        if range_max >= _INT32_MAX:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"range_max must be less than {_INT32_MAX} for unigram samplers, got {range_max}",
            )
        self.range_max = range_max
        self.counts = np.ones(range_max, np.int64)
        self.total = range_max
        self._cumulative = np.cumsum(self.counts)

    def sample(self, words: SingleSample) -> int:
        index = exact_uniform_int(self.total, words)
        return int(np.searchsorted(self._cumulative, index, side="right"))

    def probability(self, value: int) -> np.float32:
        return np.float32(self.counts[value]) / np.float32(self.total)

    def update(self, values: np.ndarray) -> None:
        # The counts are int32 in TF: updates stop once the total would pass INT32_MAX.
        values = values[: min(len(values), _INT32_MAX - self.total)]
        np.add.at(self.counts, values, 1)
        self.total += len(values)
        self._cumulative = np.cumsum(self.counts)


class FixedUnigramSampler:
    """Given weights, drawn by Walker's alias method: TF's ``FixedUnigramSampler``."""

    def __init__(self, range_max: int, weights: list[np.float32], total: np.float32):
        if range_max != len(weights):
            raise errors.InvalidArgumentError(
                None, None, f"range is {range_max} must be equal to weights size  {len(weights)}"
            )
        self.range_max = range_max
        self.weights, self.total = weights, total
        self.prob, self.alias = _alias_table(weights)

    def sample(self, words: SingleSample) -> int:
        r = uint32_to_float(np.uint32(words()))
        bucket = exact_uniform_int(len(self.prob), words)
        return bucket if r < self.prob[bucket] else int(self.alias[bucket])

    def probability(self, value: int) -> np.float32:
        if value < 0 or value >= len(self.weights):
            return np.float32(0.0)
        return self.weights[value] / self.total


def _alias_table(weights):
    """``DistributionSampler``'s buckets: a float threshold and an alias per class."""
    n = len(weights)
    total = 0.0
    for w in weights:
        total += float(w)  # a double sum, in order
    # weights[i] * n is float arithmetic in TF (float times int), then divided in double.
    scaled = [float(np.float32(w) * np.float32(n)) / total for w in weights]
    alias = list(range(n))
    low = [i for i, p in enumerate(scaled) if p < 1.0]
    high = [i for i, p in enumerate(scaled) if p >= 1.0]
    while high and low:
        small, large = low.pop(), high.pop()
        alias[small] = large
        scaled[large] = scaled[large] - (1.0 - scaled[small])
        (low if scaled[large] < 1.0 else high).append(large)
    prob = np.array(scaled, np.float32)
    # Left over by rounding: close to 1, so they keep their own class.
    for i in high + low:
        prob[i], alias[i] = 1.0, i
    return prob, np.array(alias, np.int64)


def _vocabulary_weights(path: str) -> list[np.float32]:
    """The last comma-separated field of each line of a vocabulary file, as floats."""
    try:
        with open(confine(path), "rb") as f:
            text = f.read().decode()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    weights = []
    for line in text.splitlines():
        field = line.split(",")[-1]
        try:
            weights.append(np.float32(float(field)))
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, f"Wrong vocabulary format at line: {line}"
            ) from None
    return weights


def _fixed_sampler(attrs) -> FixedUnigramSampler:
    vocab_file, unigrams = attrs["vocab_file"], list(attrs["unigrams"])
    if not vocab_file and not unigrams:
        raise errors.InvalidArgumentError(None, None, "Must provide either vocab_file or unigrams.")
    if vocab_file and unigrams:
        raise errors.InvalidArgumentError(
            None, None, "Must only provide one of vocab_file and unigrams."
        )
    shards, shard = attrs["num_shards"], attrs["shard"]
    distortion = np.float32(attrs["distortion"])
    weights = [np.float32(0.0) for i in range(attrs["num_reserved_ids"]) if i % shards == shard]
    total = np.float32(0.0)
    # TF numbers the given classes from the count of reserved ids *kept* (not from
    # num_reserved_ids): with shards, which classes a shard keeps follows from that.
    word_id = len(weights)
    for w in _vocabulary_weights(vocab_file) if vocab_file else unigrams:
        if word_id % shards == shard:
            w = powf(w, distortion)
            total = np.float32(total + w)
            weights.append(w)
        word_id += 1
    return FixedUnigramSampler(attrs["range_max"], weights, total)


registry.register(
    "LearnedUnigramCandidateSampler",
    infer_candidate_sampler,
    candidate_sampler_kernel(lambda attrs: UnigramSampler(attrs["range_max"])),
    stateful=True,
    not_differentiable=True,
)
registry.register(
    "FixedUnigramCandidateSampler",
    infer_candidate_sampler,
    candidate_sampler_kernel(_fixed_sampler),
    stateful=True,
    not_differentiable=True,
)


def learned_unigram_candidate_sampler(
    true_classes, num_true, num_sampled, unique, range_max, seed=None, name=None
):
    """Samples classes by how often they have been true classes so far (counts from 1).

    Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``, as
    `teachflow.nn.log_uniform_candidate_sampler`. The counts are the session's: a new
    session starts again from 1 each.
    """
    return candidate_sampler_op(
        "LearnedUnigramCandidateSampler",
        "LearnedUnigramCandidateSampler",
        true_classes,
        num_true,
        num_sampled,
        unique,
        range_max,
        seed,
        name,
    )


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None,
                                    name=None):  # fmt: skip
    """Samples classes by given weights: ``unigrams`` or a ``vocab_file`` (one of them).

    Each weight is raised to ``distortion``; ``num_reserved_ids`` leading ids are never
    drawn; with ``num_shards`` > 1 only the ids of ``shard`` are kept. The number of kept
    weights must be ``range_max`` (InvalidArgumentError when run otherwise).
    """
    return candidate_sampler_op(
        "FixedUnigramCandidateSampler",
        "FixedUnigramCandidateSampler",
        true_classes,
        num_true,
        num_sampled,
        unique,
        range_max,
        seed,
        name,
        vocab_file=str(vocab_file),
        distortion=float(distortion),
        num_reserved_ids=int(num_reserved_ids),
        num_shards=int(num_shards),
        shard=int(shard),
        unigrams=[float(u) for u in unigrams],
    )
