"""``tf.data``: input pipelines as graph ops, read by iterators.

A `Dataset` is built from sources and transformations, each one op of the graph; an
iterator (a stateful resource on the dataset's device, like a queue) hands out one
element per step:

    >>> import teachflow as tf
    >>> ds = tf.data.Dataset.from_tensor_slices([1, 2, 3]).shuffle(3, seed=1).repeat(2)
    >>> nxt = tf.data.make_one_shot_iterator(ds).get_next()
    >>> with tf.Session() as sess:
    ...     got = [int(sess.run(nxt)) for _ in range(6)]
    >>> sorted(got[:3]), sorted(got[3:])
    ([1, 2, 3], [1, 2, 3])

Modules: `structure` (nests of components), `functions` (tracing ``map`` functions into
graphs), `datasets` (what a dataset op computes and how a pass iterates), `dataset_kernels`
(the ops and their kernels), `dataset_ops` (the `Dataset` API), `readers` (file datasets),
`iterator_ops` (iterators).
"""

from teachflow.data import dataset_kernels as _dataset_kernels  # noqa: F401 - registers the ops
from teachflow.data import experimental
from teachflow.data import generator_dataset as _generator_dataset  # noqa: F401 - its op
from teachflow.data.dataset_ops import AUTOTUNE, Dataset
from teachflow.data.element_views import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    get_output_classes,
    get_output_shapes,
    get_output_types,
)
from teachflow.data.iterator_ops import (
    Iterator,
    make_initializable_iterator,
    make_one_shot_iterator,
)
from teachflow.data.options import Options, ThreadingOptions
from teachflow.data.readers import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset

__all__ = [
    "AUTOTUNE",
    "Dataset",
    "FixedLengthRecordDataset",
    "INFINITE_CARDINALITY",
    "Iterator",
    "Options",
    "ThreadingOptions",
    "UNKNOWN_CARDINALITY",
    "TFRecordDataset",
    "TextLineDataset",
    "experimental",
    "get_output_classes",
    "get_output_shapes",
    "get_output_types",
    "make_initializable_iterator",
    "make_one_shot_iterator",
]
