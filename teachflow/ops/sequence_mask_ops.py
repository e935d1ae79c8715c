"""``tf.sequence_mask``: which steps of each padded sequence are real, from the lengths —
``range(maxlen) < lengths[..., None]``, built as TensorFlow builds it.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.sequence_mask([1, 3], 4)).astype(int).tolist())
    [[1, 0, 0, 0], [1, 1, 1, 0]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["sequence_mask"]


def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool_, name=None):
    """A mask of shape ``lengths.shape + [maxlen]`` (``maxlen``: the longest length when
    None), True where the step index is below the sequence's length."""
    from teachflow.ops import constant_op
    from teachflow.ops.arithmetic_ops import maximum
    from teachflow.ops.comparison_ops import less
    from teachflow.ops.elementwise import make_op
    from teachflow.ops.math_ops import cast
    from teachflow.ops.reduction_ops import reduce_max
    from teachflow.ops.reshaping import expand_dims

    with name_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = convert_to_tensor(lengths)
        if maxlen is None:
            maxlen = reduce_max(lengths)
            maxlen = maximum(convert_to_tensor(0, dtype=maxlen.dtype.base_dtype), maxlen)
        else:
            maxlen = convert_to_tensor(maxlen)
        # TF calls the generated Range with two constants (Const, Const_1), not tf.range.
        index_dtype = maxlen.dtype.base_dtype
        start = constant_op.constant(0, dtype=index_dtype)
        delta = constant_op.constant(1, dtype=index_dtype)
        row_vector = make_op("Range", [start, maxlen, delta], "Range", {"Tidx": index_dtype})
        # TF calls the generated Cast here: an op even when the dtypes already agree.
        column = expand_dims(lengths, -1)
        attrs = {"SrcT": column.dtype.base_dtype, "DstT": maxlen.dtype.base_dtype}
        matrix = make_op("Cast", [column], "Cast", attrs)
        result = less(row_vector, matrix)
        dtype = dtypes.as_dtype(dtype)
        return result if dtype is dtypes.bool_ else cast(result, dtype)
