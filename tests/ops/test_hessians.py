"""tf.hessians against TensorFlow (tests/fixtures/tensorflow/record_graph_tools.py): the
same while loop over the first gradient, the same second derivatives."""

import numpy as np
import pytest

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, run


@pytest.mark.parametrize("name", sorted(PROGRAMS.HESSIANS))
def test_hessians_are_tensorflows(name):
    want = RECORD["hessians"][name]
    with tf.Graph().as_default() as g:
        scope = run(PROGRAMS.HESSIANS[name])
        ops = [f"{op.name}:{op.type}" for op in g.get_operations()]
        with tf.Session() as sess:
            values = sess.run(scope["outs"])
    # The loop's frame and every op outside the gradients' own subgraphs carry
    # TensorFlow's names and types.
    outside = [o for o in want["ops"] if "gradients" not in o]
    assert [o for o in ops if "gradients" not in o] == outside
    for got, expected in zip(values, want["values"]):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_a_hessian_is_shaped_x_by_x():
    x = tf.placeholder(tf.float32, [2, 3])
    (h,) = tf.hessians(tf.reduce_sum(tf.square(x)), x)
    with tf.Session() as sess:
        value = sess.run(h, {x: np.ones([2, 3])})
    assert value.shape == (2, 3, 2, 3)
    np.testing.assert_array_equal(value.reshape(6, 6), 2 * np.eye(6))
