"""``tf.data.experimental``: the names TF1-era pipelines take from it.

>>> import teachflow as tf
>>> tf.data.experimental.AUTOTUNE
-1
"""

from .dataset_ops import AUTOTUNE  # noqa: F401
