"""``tf.data.get_output_types`` / ``_shapes`` / ``_classes``: the TF1 views of what a
dataset or iterator yields, as functions; and the cardinality constants.

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices(([1, 2], [[1.0], [2.0]]))
    >>> tf.data.get_output_types(ds), tf.data.get_output_shapes(ds)
    ((tf.int32, tf.float32), (TensorShape([]), TensorShape([Dimension(1)])))
    >>> tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY
    (-1, -2)
"""

from __future__ import annotations

__all__ = [
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "get_output_classes",
    "get_output_shapes",
    "get_output_types",
]

# What ``cardinality`` returns for a dataset that never ends, and for one whose length
# the graph cannot tell (a filter, say).
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def get_output_types(dataset_or_iterator):
    """The dtypes of the elements, in the elements' structure."""
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    """The static shapes of the elements, in the elements' structure."""
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    """The Python class of each component (``tf.Tensor``), in the elements' structure."""
    return dataset_or_iterator.output_classes
