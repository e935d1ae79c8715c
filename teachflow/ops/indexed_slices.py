"""``tf.IndexedSlices``: some rows of a tensor, as the gradient of a gather sends them.

The gradient of ``tf.gather(params, ids)`` (and so of every embedding lookup) touches
only the rows that were looked up. TensorFlow keeps it sparse: ``values`` (one row per
id, duplicates kept), ``indices`` (the ids) and ``dense_shape`` (``params``' shape). The
optimizers then update just those rows (``SparseApply*``, ``ScatterSub``), and
``Session.run`` gives a fetched IndexedSlices back as an `IndexedSlicesValue`.

    >>> import teachflow as tf
    >>> tf.reset_default_graph()
    >>> emb = tf.Variable(tf.ones([4, 2]), name="emb")
    >>> (g,) = tf.gradients(tf.reduce_sum(tf.gather(emb, [3, 1, 3])), emb)
    >>> type(g).__name__, g.dense_shape.dtype
    ('IndexedSlices', tf.int32)
    >>> with tf.Session() as sess:
    ...     sess.run(emb.initializer)
    ...     print(sess.run(g).indices)
    [3 1 3]

Converting one to a dense tensor (``tf.convert_to_tensor``, or any op taking it as an
input) sums the rows with ``UnsortedSegmentSum`` (see `teachflow.ops.indexed_slices_ops`).
"""

from __future__ import annotations

import collections

from teachflow.framework.shapes import TensorShape

__all__ = ["IndexedSlices", "IndexedSlicesValue"]


class IndexedSlicesValue(
    collections.namedtuple("IndexedSlicesValue", ["values", "indices", "dense_shape"])
):
    """A fetched IndexedSlices: its numpy arrays (``dense_shape`` None when it has none)."""


class IndexedSlices:
    """The rows ``values[i]`` of a tensor of shape ``dense_shape`` at rows ``indices[i]``."""

    def __init__(self, values, indices, dense_shape=None):
        self._values = values
        self._indices = indices
        self._dense_shape = dense_shape

    values = property(lambda self: self._values)
    indices = property(lambda self: self._indices)
    dense_shape = property(lambda self: self._dense_shape)
    name = property(lambda self: self._values.name)
    device = property(lambda self: self._values.device)
    op = property(lambda self: self._values.op)
    dtype = property(lambda self: self._values.dtype)
    graph = property(lambda self: self._values.graph)

    @property
    def shape(self):
        """The dense shape as far as it is known statically (as TF's)."""
        if self._dense_shape is None:
            return TensorShape(None)
        from teachflow.ops.static_value import constant_value_as_shape

        return constant_value_as_shape(self._dense_shape)

    def get_shape(self):
        return self.shape

    def __neg__(self):
        from teachflow.ops.arithmetic_ops import negative

        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)

    def __str__(self):
        shape = f", dense_shape={self._dense_shape}" if self._dense_shape is not None else ""
        return f"IndexedSlices(indices={self._indices}, values={self._values}{shape})"

    __repr__ = __str__
