"""The namedtuples TensorFlow's generated op wrappers return for ops of several outputs:
``tf.nn.top_k(x, 2)`` is a ``TopKV2(values=..., indices=...)``, ``tf.unique(v)`` a
``Unique(y=..., idx=...)``. The type is named after the op and its fields after the op's
outputs, so ``.indices`` works on the tensors and on what ``sess.run`` hands back.

    >>> import teachflow as tf
    >>> top = tf.nn.top_k([3.0, 1.0, 2.0], k=2)
    >>> type(top).__name__, top._fields
    ('TopKV2', ('values', 'indices'))
    >>> with tf.Session() as sess:
    ...     print(sess.run(top).indices)
    [0 2]
"""

from __future__ import annotations

import collections

__all__ = ["result"]

_SAMPLED = ("sampled_candidates", "true_expected_count", "sampled_expected_count")
_POOLED = ("output", "row_pooling_sequence", "col_pooling_sequence")
# op type -> its outputs' names, as in TF's OpDefs (tests/ops check them against the record)
FIELDS = {
    "AllCandidateSampler": _SAMPLED,
    "ComputeAccidentalHits": ("indices", "ids", "weights"),
    "FixedUnigramCandidateSampler": _SAMPLED,
    "FractionalAvgPool": _POOLED,
    "FractionalMaxPool": _POOLED,
    "LearnedUnigramCandidateSampler": _SAMPLED,
    "ListDiff": ("out", "idx"),
    "LogMatrixDeterminant": ("sign", "log_abs_determinant"),
    "LogUniformCandidateSampler": _SAMPLED,
    "Lu": ("lu", "p"),
    "MaxPoolWithArgmax": ("output", "argmax"),
    "Qr": ("q", "r"),
    "SampleDistortedBoundingBoxV2": ("begin", "size", "bboxes"),
    "TopKV2": ("values", "indices"),
    "UniformCandidateSampler": _SAMPLED,
    "Unique": ("y", "idx"),
    "UniqueWithCounts": ("y", "idx", "count"),
}  # fmt: skip
_TYPES = {name: collections.namedtuple(name, fields) for name, fields in FIELDS.items()}


def result(op):
    """``op``'s outputs as TF's namedtuple for its type."""
    return _TYPES[op.type](*op.outputs)
