"""``tf.compat``: ``tf.compat.v1`` is teachflow's whole API (TF 1.x graph mode).

So ``import teachflow.compat.v1 as tf`` works like ``import teachflow as tf``, as
``import tensorflow.compat.v1 as tf`` does for TensorFlow 2. ``tf.compat.dimension_value``
reads a dimension whether it is a ``Dimension``, an ``int`` or unknown:

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> [tf.compat.dimension_value(d) for d in (x.shape[0], x.shape[1])]
    [None, 3]
"""

from teachflow.compat import v1 as v1
from teachflow.compat.text import (
    as_bytes,
    as_str,
    as_str_any,
    as_text,
    bytes_or_text_types,
    complex_types,
    forward_compatibility_horizon,
    forward_compatible,
    integral_types,
    path_to_str,
    real_types,
)
from teachflow.framework.shapes import dimension_at_index, dimension_value

__all__ = [
    "as_bytes",
    "as_str",
    "as_str_any",
    "as_text",
    "bytes_or_text_types",
    "complex_types",
    "dimension_at_index",
    "dimension_value",
    "forward_compatibility_horizon",
    "forward_compatible",
    "integral_types",
    "path_to_str",
    "real_types",
    "v1",
]
