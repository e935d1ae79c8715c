"""What ``tf.test`` offers beyond ``TestCase``: gradient checks, a local cluster, the
platform questions (is there a GPU?) and benchmarks. ``teachflow.test`` re-exports them."""
