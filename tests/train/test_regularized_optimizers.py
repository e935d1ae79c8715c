"""Adadelta, FTRL and the proximal optimizers: update rules, slots, op names, resource twins.

Their values after training are compared with TensorFlow's in tests/programs/optimizers.py;
these tests pin the pieces: the kernel formula one step at a time, the graph TF builds, the
errors TF raises.
"""

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import resource_variable_ops as rv
from teachflow.train import resource_training_ops as rto
from teachflow.train import training_ops

f32 = np.float32


def _train(opt, w0=(1.0, -2.0, 0.001)):
    w = tf.Variable(list(w0), name="w")
    loss = tf.reduce_sum(w * w * tf.constant([3.0, 0.5, 1.0]))
    ((grad, _),) = opt.compute_gradients(loss)
    return w, grad, opt.apply_gradients([(grad, w)])


def test_adadelta_steps_follow_the_kernel_formula(sess):
    opt = tf.train.AdadeltaOptimizer(0.5, rho=0.9, epsilon=1e-6)
    w, grad, train = _train(opt)
    sess.run(tf.global_variables_initializer())
    lr, rho, eps = f32(0.5), f32(0.9), f32(1e-6)
    accum = np.zeros(3, f32)
    accum_update = np.zeros(3, f32)
    for _ in range(3):
        w0, g = sess.run([w, grad])
        sess.run(train)
        accum = accum * rho + g * g * (f32(1) - rho)
        update = np.sqrt(accum_update + eps) / np.sqrt(accum + eps) * g
        accum_update = accum_update * rho + update * update * (f32(1) - rho)
        np.testing.assert_allclose(sess.run(w), w0 - update * lr, rtol=1e-6)
    np.testing.assert_allclose(sess.run(opt.get_slot(w, "accum_update")), accum_update, rtol=1e-5)


def test_proximal_gradient_descent_zeroes_small_weights(sess):
    opt = tf.train.ProximalGradientDescentOptimizer(0.1, 0.01, 0.02)
    w, grad, train = _train(opt)
    sess.run(tf.global_variables_initializer())
    w0, g = sess.run([w, grad])
    sess.run(train)
    prox = w0 - g * f32(0.1)
    expected = np.sign(prox) * np.maximum(np.abs(prox) - f32(0.001), 0) / f32(1.002)
    np.testing.assert_allclose(sess.run(w), expected, rtol=1e-6)
    assert sess.run(w)[2] == 0.0


@pytest.mark.parametrize("shrinkage", [0.0, 0.1])
def test_ftrl_solves_the_weight_from_linear(sess, shrinkage):
    opt = tf.train.FtrlOptimizer(
        0.5, l1_regularization_strength=0.01, l2_shrinkage_regularization_strength=shrinkage
    )
    w, grad, train = _train(opt)
    sess.run(tf.global_variables_initializer())
    accum = np.full(3, 0.1, f32)
    linear = np.zeros(3, f32)
    lr, l1 = f32(0.5), f32(0.01)
    for _ in range(2):
        w0, g = sess.run([w, grad])
        sess.run(train)
        new_accum = accum + g * g
        linear += g + f32(2 * shrinkage) * w0 - (np.sqrt(new_accum) - np.sqrt(accum)) / lr * w0
        quadratic = np.sqrt(new_accum) / lr
        expected = np.where(np.abs(linear) > l1, (l1 * np.sign(linear) - linear) / quadratic, 0)
        accum = new_accum
        np.testing.assert_allclose(sess.run(w), expected, rtol=1e-5, atol=1e-7)
    update = train.control_inputs[0]
    assert update.type == ("ApplyFtrlV2" if shrinkage else "ApplyFtrl")
    assert update.name == f"Ftrl/update_w/{update.type}"
    assert update.get_attr("multiply_linear_by_lr") is False


def test_slots_and_update_names_follow_tensorflow():
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(w * w)
    cases = [
        (tf.train.AdadeltaOptimizer(), ["w/Adadelta", "w/Adadelta_1"], "ApplyAdadelta"),
        (tf.train.FtrlOptimizer(0.1), ["w/Ftrl", "w/Ftrl_1"], "ApplyFtrl"),
        (tf.train.ProximalAdagradOptimizer(0.1), ["w/ProximalAdagrad"], "ApplyProximalAdagrad"),
        (tf.train.ProximalGradientDescentOptimizer(0.1), [], "ApplyProximalGradientDescent"),
    ]
    for opt, slots, update_type in cases:
        train = opt.minimize(loss)
        assert [v.op.name for v in opt.variables()] == slots
        g = tf.get_default_graph()
        assert g.get_operation_by_name(f"{opt.get_name()}/update_w/{update_type}").type == (
            update_type
        )
        assert train.name == opt.get_name()
    # TF folds beta into the L2 strength with graph ops: l2 + beta / (2 * max(lr, 1e-36)).
    assert tf.get_default_graph().get_operation_by_name("Ftrl/add").type == "AddV2"


def test_ftrl_accumulator_starts_at_its_initial_value(sess):
    w = tf.Variable([1.0, 2.0], name="w")
    opt = tf.train.FtrlOptimizer(0.1, initial_accumulator_value=0.25)
    opt.minimize(tf.reduce_sum(w))
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(opt.get_slot(w, "accum")), [0.25, 0.25])
    np.testing.assert_array_equal(sess.run(opt.get_slot(w, "linear")), [0.0, 0.0])


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5), "learning_rate_power 0.5"),
        (
            lambda: tf.train.FtrlOptimizer(0.1, l1_regularization_strength=-1),
            "l1_regularization_strength -1.000000 needs to be positive or zero",
        ),
        (
            lambda: tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0),
            "initial_accumulator_value must be positive: 0.0",
        ),
    ],
)
def test_bad_hyperparameters_raise_tensorflows_value_error(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_update_op_rejects_a_non_scalar_learning_rate():
    w = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError, match="rank 0"):
        training_ops.apply_proximal_gradient_descent(w, [0.1, 0.1], 0.0, 0.0, [1.0, 1.0])


def test_resource_twins_update_like_the_ref_ops(sess):
    h = rv.var_handle_op(tf.float32, [2], shared_name="r", name="r")
    init = rv.assign_variable_op(h, tf.constant([1.0, -2.0]))
    alpha, l1, l2 = (tf.constant(v) for v in (0.5, 0.1, 0.2))
    step = tf.get_default_graph().create_op(
        "ResourceApplyProximalGradientDescent",
        [h, alpha, l1, l2, tf.constant([2.0, 2.0])],
        {"T": tf.float32, "use_locking": False},
    )
    read = rv.read_variable_op(h, tf.float32)
    sess.run(init)
    sess.run(step)
    prox = np.array([0.0, -3.0], f32)
    expected = np.sign(prox) * np.maximum(np.abs(prox) - f32(0.05), 0) / f32(1.1)
    np.testing.assert_allclose(sess.run(read), expected, rtol=1e-6)
    assert {"ResourceApplyAdadelta", "ResourceApplyFtrlV2"} <= set(rto.RESOURCE_TRAINING_OPS)
