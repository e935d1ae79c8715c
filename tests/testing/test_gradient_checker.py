"""tf.test.compute_gradient(_error) against TensorFlow 1's gradient checker
(tests/fixtures/tensorflow/record_graph_tools.py): the same Jacobians, by the same runs."""

import numpy as np
import pytest

import teachflow as tf
from tests.graph_tools_fixture import PROGRAMS, RECORD, run


@pytest.mark.parametrize("name", sorted(PROGRAMS.GRADIENT_CHECKS))
def test_jacobians_are_tensorflows(name):
    want = RECORD["gradient_checks"][name]
    with tf.Graph().as_default():
        scope = run(PROGRAMS.GRADIENT_CHECKS[name])
        with tf.Session():
            got = tf.test.compute_gradient(*scope["args"], **scope["kwargs"])
            error = tf.test.compute_gradient_error(*scope["args"], **scope["kwargs"])
    assert isinstance(got, list) == want["is_list"]
    pairs = got if isinstance(got, list) else [got]
    for (theory, numeric), (w_theory, w_numeric, dtype) in zip(pairs, want["jacobians"]):
        assert theory.dtype.name == numeric.dtype.name == dtype
        # The theoretical Jacobian is the graph's gradient: TF's to the dtype's rounding.
        np.testing.assert_allclose(theory, w_theory, rtol=4 * np.finfo(dtype).eps)
        # The numeric one divides differences of runs by 2*delta: a few ulps of y / delta.
        np.testing.assert_allclose(numeric, w_numeric, rtol=1e-3 if dtype == "float32" else 1e-9)
    assert error == pytest.approx(
        want["error"], abs=1e-3 if "float32" in str(pairs[0][0].dtype) else 1e-9
    )


def test_x_init_value_of_the_wrong_shape_is_an_assertion_error():
    x = tf.placeholder(tf.float64, [2])
    with tf.Session():
        with pytest.raises(AssertionError, match=r"x_shape = \[2\], init_data shape = \[3\]"):
            tf.test.compute_gradient(x, [2], x * 2.0, [2], x_init_value=np.zeros(3))


def test_integer_x_is_refused():
    x = tf.placeholder(tf.int32, [2])
    with tf.Session():
        with pytest.raises(AssertionError, match="Don't support type int32 for x"):
            tf.test.compute_gradient(x, [2], tf.cast(x, tf.float32), [2])
