"""``tf.SparseTensor``: a tensor given by its non-zero entries, as three dense tensors.

``indices`` (int64 ``[N, rank]``: where each entry is), ``values`` (``[N]``: what it is)
and ``dense_shape`` (int64 ``[rank]``). Ops that make one (``parse_single_example`` for a
``VarLenFeature``) return these three outputs; ``Session.run`` gives a fetched
SparseTensor back as a `SparseTensorValue`.

    >>> import teachflow as tf
    >>> sp = tf.SparseTensor(indices=[[0, 1], [2, 0]], values=[5.0, 6.0], dense_shape=[3, 2])
    >>> sp.dtype, sp.shape
    (tf.float32, TensorShape([Dimension(3), Dimension(2)]))
    >>> with tf.Session() as sess:
    ...     print(sess.run(sp).values)
    [5. 6.]
"""

from __future__ import annotations

import collections

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value

__all__ = ["SparseTensor", "SparseTensorValue"]


class SparseTensorValue(collections.namedtuple("SparseTensorValue", "indices values dense_shape")):
    """A fetched SparseTensor: its three numpy arrays."""


class SparseTensor:
    """A sparse tensor of ``values`` at ``indices`` in a tensor of shape ``dense_shape``."""

    def __init__(self, indices, values, dense_shape):
        # TF converts the three parts under one "SparseTensor" name scope.
        with name_scope(None, "SparseTensor", [indices, values, dense_shape]):
            self._indices = convert_to_tensor(indices, dtype=dtypes.int64, name="indices")
            self._values = convert_to_tensor(values, name="values")
            self._dense_shape = convert_to_tensor(
                dense_shape, dtype=dtypes.int64, name="dense_shape"
            )
        rank = dimension_value(self._dense_shape.shape.with_rank(1)[0])
        op = self._dense_shape.op
        if op.type == "Const":  # a known dense shape is the static shape, as in TF
            self._shape = TensorShape([int(d) for d in op._attrs["value"].reshape(-1)])
        else:
            self._shape = TensorShape(None if rank is None else [None] * rank)

    @property
    def indices(self):
        return self._indices

    @property
    def values(self):
        return self._values

    @property
    def dense_shape(self):
        return self._dense_shape

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    @property
    def op(self):
        return self._values.op

    @property
    def graph(self):
        return self._values.graph

    def __repr__(self):
        return (
            f"SparseTensor(indices={self._indices}, values={self._values}, "
            f"dense_shape={self._dense_shape})"
        )
