"""The TF1 math names teachflow adds, against values and gradients recorded from
TensorFlow (tests/fixtures/tensorflow/record_math.py)."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

CASES = json.loads(
    (pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/math/cases.json").read_text()
)
EPS32 = np.finfo(np.float32).eps


@pytest.mark.parametrize("case", CASES, ids=[c["fn"] for c in CASES])
def test_matches_tensorflow(case):
    inputs = [
        tf.constant(np.asarray(a, np.float32)) if isinstance(a, list) else a for a in case["args"]
    ]
    out = getattr(tf, case["fn"])(*inputs)
    assert (out.op.type, out.op.name) == (case["op_type"], case["name"])
    floats = [t for t in inputs if isinstance(t, tf.Tensor)]
    grads = []
    if not out.dtype.is_integer and case["fn"] != "digamma":
        grads = tf.gradients(tf.reduce_sum(out * out), floats)
    with tf.Session() as sess:
        value = sess.run(out)
        grad_values = [None if g is None else sess.run(g) for g in grads]
    assert value.dtype.name == case["dtype"]
    # float32 results of float64 (or Eigen float32) arithmetic: a few ulps apart.
    np.testing.assert_allclose(value, case["value"], rtol=8 * EPS32, atol=8 * EPS32)
    assert [g is None for g in grad_values] == [g is None for g in case["grads"]]
    for got, expected in zip(grad_values, case["grads"]):
        if expected is not None:
            np.testing.assert_allclose(got, expected, rtol=16 * EPS32, atol=16 * EPS32)


def test_old_names_are_the_same_functions_as_tensorflow_kept():
    assert tf.math.floormod is tf.mod and tf.log is tf.math.log
    assert tf.compat.v1.arg_max is tf.arg_max and tf.div_no_nan is tf.compat.v1.div_no_nan


def test_integer_inputs_are_refused():
    with pytest.raises(TypeError, match="DataType int32 not in list of allowed values"):
        tf.erf(tf.constant([1, 2]))
