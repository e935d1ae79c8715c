"""Small everyday ops against TensorFlow's recorded graphs, values and gradients:
tf.custom_gradient, identity_n, bitcast, math.reduce_euclidean_norm, lbeta, nn.crelu,
nn.swish, nn.log_poisson_loss; and the tf.debugging names."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf

RECORDS = json.loads(
    (
        pathlib.Path(__file__).parents[1] / "fixtures/tensorflow/everyday_ops/everyday_ops.json"
    ).read_text()
)


def _attr(value):
    if isinstance(value, tf.DType):
        return value.name
    if isinstance(value, (list, tuple)):
        return [_attr(v) for v in value]
    if isinstance(value, bytes):
        return value.decode()
    return value


# Ops teachflow names differently from TF 2.21 for reasons outside this file:
# ones_like of a known shape is a Const named Shape, not Shape/shape_as_tensor.
NAMED_ELSEWHERE = ("/ones_like/Shape",)


def _forward(ops):
    return sorted(
        op
        for op in ops
        if not op.startswith("gradients") and not any(n in op for n in NAMED_ELSEWHERE)
    )


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_graph_values_and_gradients_are_tensorflows(name):
    record = RECORDS[name]
    with tf.Graph().as_default() as g:
        scope = {"tf": tf}
        exec(record["program"], scope)
        # The forward graph: the gradient ops' names come from the gradient functions of
        # the ops inside (tested with those ops), not from what this file covers.
        forward = [f"{op.name}:{op.type}" for op in g.get_operations()]
        assert _forward(forward) == _forward(record["ops"])
        for op_name, want in record["attrs"].items():
            op = g.get_operation_by_name(op_name)
            got = {k: _attr(v) for k, v in sorted(op._attrs.items()) if not k.startswith("_")}
            assert got == want, op_name
        with tf.Session() as sess:
            if "init" in scope:
                sess.run(scope["init"])
            values = sess.run(scope["outs"])
    for got, want, dtype in zip(values, record["values"], record["dtypes"]):
        got = np.asarray(got)
        assert got.dtype.name == dtype
        # lgamma (inside lbeta) may differ from TF's in its float32 last bits.
        rtol = 16 * np.finfo(got.dtype).eps if got.dtype.kind == "f" else 0
        np.testing.assert_allclose(got, np.asarray(want, dtype), rtol=rtol)


def test_the_gradient_goes_through_an_overridden_identity_n():
    with tf.Graph().as_default():

        @tf.custom_gradient
        def doubled(x):
            return x * 3.0, lambda dy: dy * 2.0

        y = doubled(tf.constant(1.0))
        assert y.op.type == "IdentityN"
        assert y.op._attrs["_gradient_op_type"].startswith("CustomGradient-")
        with tf.Session() as sess:
            assert sess.run(tf.gradients(y, y.op.inputs[1])[0]) == 2.0


def test_custom_gradient_refuses_keywords_and_unlisted_variables():
    with tf.Graph().as_default():
        w = tf.Variable(1.0)

        @tf.custom_gradient
        def f(x):
            return x * w, lambda dy: dy

        with pytest.raises(TypeError, match="must accept keyword argument 'variables'"):
            f(tf.constant(1.0))
        with pytest.raises(ValueError, match="supports keywords arguments only"):
            f(x=tf.constant(1.0))

        @tf.custom_gradient
        def g(x):
            v = tf.Variable(2.0)
            return x * v, lambda dy, variables=None: (dy, [dy])

        with pytest.raises(TypeError, match="must be `ResourceVariable`s"):
            g(tf.constant(1.0))


def test_bitcast_to_a_wider_type_needs_the_last_dimension_to_fit():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="Cannot bitcast from int32 to int64"):
            tf.bitcast(tf.constant([1, 2, 3]), tf.int64)


def test_log_poisson_loss_wants_matching_shapes():
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="must have the same shape"):
            tf.nn.log_poisson_loss(tf.zeros([2]), tf.zeros([3]))


def test_debugging_names_are_the_top_level_ones():
    assert tf.debugging.assert_equal is tf.assert_equal
    assert tf.debugging.check_numerics is tf.check_numerics
    assert tf.debugging.is_nan is tf.is_nan
    assert tf.debugging.assert_all_finite is tf.verify_tensor_all_finite
    assert tf.math.top_k is tf.nn.top_k
