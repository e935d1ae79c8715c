"""``tf.random.all_candidate_sampler``: every class "sampled", each expected exactly once.

The degenerate candidate sampler (TF's ``AllSampler``): with ``num_sampled`` classes in
all, it returns all of them, ``0 .. num_sampled - 1``, and an expected count of 1 for every
true and sampled class, so a sampled loss built on it is the full softmax. It draws no
random numbers; its ``seed`` attributes are kept only because every sampler op has them.

    >>> import teachflow as tf
    >>> sampled, true_q, sampled_q = tf.random.all_candidate_sampler([[1, 2]], 2, 4, True)
    >>> with tf.Session() as sess:
    ...     print(sess.run(sampled), sess.run(true_q))
    [0 1 2 3] [[1. 1.]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.random_seed import get_seed
from teachflow.framework.scopes import name_scope
from teachflow.ops.array_ops import to_host
from teachflow.ops.candidate_sampling_ops import infer_candidate_sampler
from teachflow.ops.op_results import result
from teachflow.ops.random_ops import finish

__all__ = ["all_candidate_sampler"]


def _all_sampler_kernel(op, device):
    num_true, num_sampled = op._attrs["num_true"], op._attrs["num_sampled"]

    def candidates(true_classes):
        true_classes = np.asarray(to_host(true_classes))
        if true_classes.ndim != 2:
            raise errors.InvalidArgumentError(None, None, "true_classes must be a matrix")
        if true_classes.shape[1] != num_true:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"true_classes must have num_true columns, expected: "
                f"{true_classes.shape[1]} was: {num_true}",
            )
        outside = (true_classes < 0) | (true_classes >= num_sampled)
        if outside.any():
            raise errors.InvalidArgumentError(
                None,
                None,
                f"`true_candidate` out of range [0, {num_sampled}), received "
                f"{int(true_classes[outside][0])}",
            )
        return (
            finish(np.arange(num_sampled, dtype=np.int64), device),
            finish(np.ones(true_classes.shape, np.float32), device),
            finish(np.ones(num_sampled, np.float32), device),
        )

    return candidates


registry.register(
    "AllCandidateSampler",
    infer_candidate_sampler,
    _all_sampler_kernel,
    stateful=True,
    not_differentiable=True,
)


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """All ``num_sampled`` classes, each with expected count 1 (``unique`` changes nothing).

    Returns ``(sampled_candidates, true_expected_count, sampled_expected_count)``: int64
    ``[num_sampled]``, float32 ``[batch_size, num_true]``, float32 ``[num_sampled]``.
    """
    seed1, seed2 = get_seed(seed)
    with name_scope(name, "AllCandidateSampler", [true_classes]) as scope:
        true_classes = convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")
        attrs = {
            "num_true": int(num_true),
            "num_sampled": int(num_sampled),
            "unique": bool(unique),
            "seed": seed1 or 0,
            "seed2": seed2 or 0,
        }
        op = true_classes.graph.create_op("AllCandidateSampler", [true_classes], attrs, name=scope)
    return result(op)
