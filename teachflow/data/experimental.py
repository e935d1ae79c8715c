"""``tf.data.experimental``: the names TF1-era pipelines take from it.

>>> import teachflow as tf
>>> tf.data.experimental.AUTOTUNE
-1
>>> tf.data.Dataset.range(4).batch(2).apply(tf.data.experimental.unbatch()).output_shapes
TensorShape([])
"""

from .dataset_ops import AUTOTUNE  # noqa: F401


def unbatch():
    """``dataset.apply(unbatch())``: TF 1.x's name for `Dataset.unbatch`."""
    return lambda dataset: dataset.unbatch()
