"""``tf.compat``: ``tf.compat.v1`` is teachflow's whole API (TF 1.x graph mode).

So ``import teachflow.compat.v1 as tf`` works like ``import teachflow as tf``, as
``import tensorflow.compat.v1 as tf`` does for TensorFlow 2.
"""

from teachflow.compat import v1 as v1
