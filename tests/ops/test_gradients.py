"""tf.gradients: values against hand derivatives and finite differences, graph shape, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import teachflow as tf
from teachflow.framework import registry
from teachflow.framework.inference import unary


def _identity_kernel(op, device):
    return lambda x: x


# An op type with a kernel but no gradient, and one whose gradient is registered with
# tf.RegisterGradient (both used only by these tests).
registry.register("TestNoGradOp", unary, _identity_kernel)
registry.register("TestTripleGradOp", unary, _identity_kernel)


@tf.RegisterGradient("TestTripleGradOp")
def _triple_grad(op, grad):
    return [grad * 3.0]


def _make(op_type, x, name):
    return x.graph.create_op(op_type, [x], {}, name=name).outputs[0]


def _numeric_gradient(f, x0, eps=1e-6):
    """Central differences of the scalar sum of f at x0 (float64)."""
    x0 = np.asarray(x0, dtype=np.float64)
    grad = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        up, down = x0.copy(), x0.copy()
        up[i] += eps
        down[i] -= eps
        grad[i] = (np.sum(f(up)) - np.sum(f(down))) / (2 * eps)
    return grad


# -- values --------------------------------------------------------------------------------
def test_polynomial_matches_hand_derivative(sess):
    x = tf.constant([1.0, 2.0, -3.0])
    y = x * x * x + 2.0 * x - 5.0
    (g,) = tf.gradients(y, x)
    value = sess.run(g)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, 3 * np.array([1.0, 4.0, 9.0]) + 2.0)


def test_composed_expression_matches_finite_differences(sess):
    x = tf.placeholder(tf.float64, shape=[4], name="x")
    y = (x * x - 3.0 * x) / (x + 10.0) - (-x) * (x / 2.0)
    (g,) = tf.gradients(y, x)
    x0 = np.array([0.5, -1.25, 2.0, 3.5])

    def f(v):
        return sess.run(y, {x: v})

    np.testing.assert_allclose(sess.run(g, {x: x0}), _numeric_gradient(f, x0), rtol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    st.floats(0.5, 5.0),
    st.floats(0.5, 5.0),
)
def test_product_and_quotient_rules(a0, b0):
    with tf.Graph().as_default():
        a = tf.constant(a0, dtype=tf.float64)
        b = tf.constant(b0, dtype=tf.float64)
        ga, gb = tf.gradients(a * b - a / b, [a, b])
        with tf.Session() as sess:
            va, vb = sess.run([ga, gb])
    np.testing.assert_allclose(va, b0 - 1.0 / b0, rtol=1e-12)
    np.testing.assert_allclose(vb, a0 + a0 / b0**2, rtol=1e-12)


def test_multiple_paths_are_summed_with_add_n(sess):
    x = tf.constant(3.0, name="x")
    y = x * x + x
    (g,) = tf.gradients(y, x)
    assert g.op.type == "AddN" and g.op.name == "gradients/AddN"
    assert len(g.op.inputs) == 3  # x*x gives two paths, + x the third
    assert sess.run(g) == 7.0


def test_tree_aggregation_adds_pairwise(sess):
    x = tf.constant(3.0, name="x")
    y = tf.add_n([x, x, x, x])
    (g,) = tf.gradients(y, x, aggregation_method=tf.AggregationMethod.EXPERIMENTAL_TREE)
    sums = [op for op in tf.get_default_graph().get_operations() if op.type == "AddN"][1:]
    assert [len(op.inputs) for op in sums] == [2, 2, 2]
    assert all(op.name.startswith("gradients/x_gradient_sum/") for op in sums)
    assert sess.run(g) == 4.0


def test_unknown_aggregation_method():
    x = tf.constant(1.0)
    with pytest.raises(ValueError, match="Invalid `aggregation_method` specified 7"):
        tf.gradients(x + x, x, aggregation_method=7)


def test_multiple_ys_add_up(sess):
    x = tf.constant([1.0, 2.0])
    y1 = x * x
    y2 = 3.0 * x
    (g,) = tf.gradients([y1, y2], x)
    np.testing.assert_allclose(sess.run(g), [2.0 + 3.0, 4.0 + 3.0])


def test_y_that_depends_on_another_y(sess):
    x = tf.constant(2.0)
    y1 = x * x
    y2 = y1 * 3.0
    (g,) = tf.gradients([y1, y2], x)
    assert sess.run(g) == pytest.approx(4.0 + 12.0)


def test_grad_ys_weight_each_y(sess):
    x = tf.constant([1.0, 2.0])
    y = x * x
    (g,) = tf.gradients(y, x, grad_ys=tf.constant([10.0, 100.0]))
    np.testing.assert_allclose(sess.run(g), [20.0, 400.0])
    (g2,) = tf.gradients([y, x], x, grad_ys=[[1.0, 1.0], None])
    np.testing.assert_allclose(sess.run(g2), [3.0, 5.0])


def test_grad_ys_length_must_match():
    x = tf.constant(1.0)
    with pytest.raises(ValueError, match="Length mismatch. Passed 2 grad_ys for 1 ys"):
        tf.gradients(x * x, x, grad_ys=[1.0, 2.0])


def test_gradient_of_x_with_respect_to_itself_is_ones(sess):
    x = tf.placeholder(tf.float32, shape=[None, 2])
    (g,) = tf.gradients(x, x)
    np.testing.assert_array_equal(sess.run(g, {x: np.zeros((3, 2))}), np.ones((3, 2)))


# -- what gradients do not flow through ----------------------------------------------------
def test_unconnected_x_is_none_or_zero(sess):
    x = tf.constant([1.0, 2.0])
    z = tf.constant(5.0)
    y = x * 2.0
    assert tf.gradients(y, [x, z])[1] is None
    assert tf.gradients(tf.constant(1.0) + 1.0, x) == [None]
    g = tf.gradients(y, z, unconnected_gradients="zero")[0]
    assert sess.run(g) == 0.0
    g = tf.gradients(y, z, unconnected_gradients=tf.UnconnectedGradients.ZERO)[0]
    assert sess.run(g) == 0.0
    with pytest.raises(ValueError, match="Unknown value for unconnected_gradients: 'some'"):
        tf.gradients(y, x, unconnected_gradients="some")


def test_stop_gradient_op_cuts(sess):
    x = tf.constant(3.0)
    y = tf.stop_gradient(x) * x
    (g,) = tf.gradients(y, x)
    assert sess.run(g) == 3.0
    assert tf.gradients(tf.stop_gradient(x), x) == [None]


def test_stop_gradients_argument_treats_tensors_as_constants(sess):
    # TensorFlow's documented example: a and b both held constant.
    a = tf.constant(0.0)
    b = 2 * a
    ga, gb = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    assert sess.run([ga, gb]) == [1.0, 1.0]
    ga, gb = tf.gradients(a + b, [a, b])
    assert sess.run([ga, gb]) == [3.0, 1.0]


def test_integer_tensors_do_not_propagate_gradients():
    i = tf.constant([1, 2])
    assert tf.gradients(i * 2, i) == [None]
    x = tf.constant([1.5, 2.5])
    y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2.0
    assert tf.gradients(y, x) == [None]


def test_op_without_gradient_raises_lookup_error():
    x = tf.constant(2.0)
    y = _make("TestNoGradOp", x, "nograd") * 2.0
    with pytest.raises(
        LookupError, match=r"No gradient defined for operation 'nograd' \(op type: TestNoGradOp\)"
    ):
        tf.gradients(y, x)
    # Cut before it, the op is never differentiated: no error.
    (g,) = tf.gradients(y, x, stop_gradients=[y.op.inputs[0]])
    assert g is None


def test_registered_gradient_is_used(sess):
    x = tf.constant(2.0)
    (g,) = tf.gradients(_make("TestTripleGradOp", x, "triple"), x)
    assert sess.run(g) == 3.0
    assert g.op.name.startswith("gradients/triple_grad/")


def test_gradient_op_type_attribute_overrides_the_gradient(sess):
    # What Graph.gradient_override_map records on the ops it covers.
    x = tf.constant(2.0)
    y = tf.identity(x)
    y.op._set_attr("_gradient_op_type", b"Neg")
    (g,) = tf.gradients(y, x)
    assert sess.run(g) == -1.0


def test_unused_outputs_of_a_multi_output_op_get_zeros(sess):
    x = tf.constant([1.0, 2.0, 3.0])
    first, _, third = tf.unstack(x)
    (g,) = tf.gradients(first * 5.0 + third, x)
    np.testing.assert_array_equal(sess.run(g), [5.0, 0.0, 1.0])
    zeros = tf.get_default_graph().get_operation_by_name("gradients/zeros_like")
    assert zeros.type == "ZerosLike" and zeros.inputs[0].name == "unstack:1"


# -- variables -----------------------------------------------------------------------------
def test_variable_in_xs_is_differentiated_through_its_ref(sess):
    w = tf.Variable([1.0, 2.0], name="w")
    loss = w * w + 3.0 * w
    g_var, g_ref = tf.gradients(loss, [w, w._ref()])
    sess.run(w.initializer)
    np.testing.assert_allclose(sess.run(g_var), [5.0, 7.0])
    np.testing.assert_allclose(sess.run(g_ref), [5.0, 7.0])
    assert g_var.shape == tf.TensorShape([2])


def test_variable_as_y(sess):
    w = tf.Variable(4.0, name="w")
    (g,) = tf.gradients(w, w)
    sess.run(w.initializer)
    assert sess.run(g) == 1.0


# -- the graph it builds ------------------------------------------------------------------
def test_op_names_follow_tensorflow():
    x = tf.constant([1.0, 2.0], name="x")
    y = tf.multiply(x, x, name="m")
    (g,) = tf.gradients(y, x)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names[2:5] == ["gradients/Shape", "gradients/grad_ys_0/Const", "gradients/grad_ys_0"]
    assert tf.get_default_graph().get_operation_by_name("gradients/grad_ys_0").type == "Fill"
    assert any(n.startswith("gradients/m_grad/") for n in names)
    (g2,) = tf.gradients(y, x)
    assert g2.name.startswith("gradients_1/")
    (g3,) = tf.gradients(y, x, name="my_grads")
    assert g3.name.startswith("my_grads/")


def test_unknown_shape_uses_a_shape_op(sess):
    x = tf.placeholder(tf.float32, shape=[None])
    (g,) = tf.gradients(x * x, x)
    assert tf.get_default_graph().get_operation_by_name("gradients/Shape").type == "Shape"
    np.testing.assert_allclose(sess.run(g, {x: [1.0, -2.0]}), [2.0, -4.0])


def test_gate_gradients_groups_each_ops_gradients(sess):
    a = tf.constant(3.0)
    b = tf.constant(4.0)
    ga, gb = tf.gradients(tf.multiply(a, b, name="prod"), [a, b], gate_gradients=True)
    assert ga.op.type == "Identity" and ga.op.name.startswith("gradients/prod_grad/tuple/")
    gate = ga.op.control_inputs[0]
    assert gate.type == "NoOp" and gb.op.control_inputs == [gate]
    assert sess.run([ga, gb]) == [4.0, 3.0]


def test_colocate_gradients_with_ops():
    x = tf.constant(1.0)
    with tf.device("/cpu:0"):
        y = tf.multiply(x, x, name="sq")
    (g,) = tf.gradients(y, x, colocate_gradients_with_ops=True)
    grad_ops = [
        op
        for op in tf.get_default_graph().get_operations()
        if op.name.startswith("gradients/sq_grad/")
    ]
    assert grad_ops and all(op.colocation_groups() == [b"loc:@sq"] for op in grad_ops)
    assert all(op.device == "/device:CPU:0" for op in grad_ops)


def test_mul_gradient_nodes_are_tensorflows():
    # Recorded with TF 2.21: equal full shapes take the shortcut grad * y, grad * x; a
    # broadcast (unknown batch) reduces through BroadcastGradientArgs.
    x = tf.placeholder(tf.float32, [3], name="x")
    w = tf.placeholder(tf.float32, [3], name="w")
    gx, gw = tf.gradients(x * w, [x, w])
    assert [t.op.type for t in (gx, gw)] == ["Mul", "Mul"]
    assert [i.name for i in gw.op.inputs] == ["gradients/grad_ys_0:0", "x:0"]
    x2 = tf.placeholder(tf.float32, [None], name="x2")
    gx2, _ = tf.gradients(x2 * w, [x2, w])
    assert gx2.op.type == "Reshape"
    assert "gradients_1/mul_1_grad/BroadcastGradientArgs" in [
        op.name for op in tf.get_default_graph().get_operations()
    ]
