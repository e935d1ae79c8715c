"""``tf.train``: optimizers, global step, and (later) cluster training tools."""
