"""tf.compat.v1: TF2-era notebooks' `import tensorflow.compat.v1 as tf` works unchanged."""

import teachflow as tf
import teachflow.compat.v1 as v1


def test_compat_v1_is_the_whole_api():
    assert tf.compat.v1 is v1
    for name in ("Session", "placeholder", "Variable", "global_variables_initializer"):
        assert getattr(v1, name) is getattr(tf, name)
    assert v1.train.Saver is tf.train.Saver and v1.data.Dataset is tf.data.Dataset
    assert v1.errors.OutOfRangeError is tf.errors.OutOfRangeError
    assert v1.__version__ == tf.__version__


def test_a_tf2_era_preamble_runs_a_graph():
    v1.disable_v2_behavior()
    v1.disable_eager_execution()
    assert v1.executing_eagerly() is False
    x = v1.placeholder(v1.float32, [None], name="x")
    y = v1.reduce_sum(x * 2.0)
    with v1.Session() as sess:
        assert sess.run(y, {x: [1.0, 2.0]}) == 6.0
