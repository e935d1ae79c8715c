"""TF1 optimizers: update formulas, slots, graph names, global step, errors."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.train import training_ops


def _quadratic(name="w"):
    """w = [1, -2]; loss = w * w * x, so dloss/dw = 2 * w * x."""
    w = tf.Variable([1.0, -2.0], name=name)
    x = tf.constant([3.0, 0.5], name="x")
    return w, w * w * x


# -- one step matches the update rule exactly ----------------------------------------------
def test_gradient_descent_step_is_exact(sess):
    w, loss = _quadratic()
    opt = tf.train.GradientDescentOptimizer(0.1)
    ((grad, var),) = opt.compute_gradients(loss)
    assert var is w
    train = opt.apply_gradients([(grad, var)])
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        w0, g = sess.run([w, grad])
        sess.run(train)
        np.testing.assert_array_equal(sess.run(w), w0 - np.float32(0.1) * g)
    assert sess.run(w).dtype == np.float32


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_steps_are_exact(sess, nesterov):
    w, loss = _quadratic()
    opt = tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=nesterov)
    ((grad, _),) = opt.compute_gradients(loss)
    train = opt.apply_gradients([(grad, w)])
    sess.run(tf.global_variables_initializer())
    lr, mu = np.float32(0.1), np.float32(0.9)
    accum = np.zeros(2, np.float32)
    for _ in range(3):
        w0, g = sess.run([w, grad])
        sess.run(train)
        accum = accum * mu + g
        step = g * lr + accum * mu * lr if nesterov else accum * lr
        np.testing.assert_array_equal(sess.run(w), w0 - step)
        np.testing.assert_array_equal(sess.run(opt.get_slot(w, "momentum")), accum)


def test_adam_steps_match_the_kernel_formula(sess):
    w, loss = _quadratic()
    opt = tf.train.AdamOptimizer(0.1)
    ((grad, _),) = opt.compute_gradients(loss)
    train = opt.apply_gradients([(grad, w)])
    sess.run(tf.global_variables_initializer())
    f = np.float32
    lr, b1, b2, eps = f(0.1), f(0.9), f(0.999), f(1e-8)
    m = np.zeros(2, f)
    v = np.zeros(2, f)
    b1p, b2p = b1, b2
    for _ in range(3):
        w0, g = sess.run([w, grad])
        sess.run(train)
        alpha = lr * np.sqrt(f(1) - b2p) / (f(1) - b1p)
        m = m + (g - m) * (f(1) - b1)
        v = v + (g * g - v) * (f(1) - b2)
        expected = w0 - (m * alpha) / (np.sqrt(v) + eps)
        np.testing.assert_allclose(sess.run(w), expected, rtol=1e-6)
        b1p, b2p = b1p * b1, b2p * b2
    beta1_power, beta2_power = opt._get_beta_accumulators()
    assert sess.run(beta1_power) == pytest.approx(0.9**4, rel=1e-6)
    assert sess.run(beta2_power) == pytest.approx(0.999**4, rel=1e-6)
    np.testing.assert_allclose(sess.run(opt.get_slot(w, "m")), m, rtol=1e-6)
    np.testing.assert_allclose(sess.run(opt.get_slot(w, "v")), v, rtol=1e-6)


# Values TensorFlow 2.21 (tf.compat.v1) gives for w = [1, -2], loss = w * w * [3, 0.5],
# after three steps.
TF_THREE_STEPS = {
    "gd": ([0.06399998813867569, -1.4579999446868896], {}),
    "momentum": (
        [-0.8539998531341553, -0.9719999432563782],
        {"w/Momentum": [4.739999294281006, -4.679999828338623]},
    ),
    "nesterov": (
        [-0.30406394600868225, -0.6546419858932495],
        {"w/Momentum": [1.3055996894836426, -4.2281999588012695]},
    ),
    "adam": (
        [0.7015872597694397, -1.7006244659423828],
        {
            "beta1_power": 0.6560999155044556,
            "beta2_power": 0.9960060715675354,
            "w/Adam": [1.4522477388381958, -0.5130167603492737],
            "w/Adam_1": [0.08812150359153748, 0.010838855057954788],
        },
    ),
    "rmsprop": (
        [0.4115619659423828, -1.5446386337280273],
        {
            "w/RMSProp": [6.361260414123535, 1.633436918258667],
            "w/RMSProp_1": [0.12846899032592773, -0.13111716508865356],
        },
    ),
    "centered_rmsprop": (
        [0.09455865621566772, -1.3198680877685547],
        {
            "w/RMSProp": [5.740222454071045, 1.6004488468170166],
            "w/RMSProp_1": [1.086837887763977, -0.48367753624916077],
            "w/RMSProp_2": [0.2722330093383789, -0.2572630047798157],
        },
    ),
    "adagrad": (
        [0.7806637287139893, -1.777700662612915],
        {"w/Adagrad": [90.26624298095703, 11.073734283447266]},
    ),
}

OPTIMIZERS = {
    "gd": lambda: tf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: tf.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: tf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: tf.train.AdamOptimizer(0.1),
    "rmsprop": lambda: tf.train.RMSPropOptimizer(0.1),
    "centered_rmsprop": lambda: tf.train.RMSPropOptimizer(0.1, momentum=0.5, centered=True),
    "adagrad": lambda: tf.train.AdagradOptimizer(0.1),
}


@pytest.mark.parametrize("kind", sorted(OPTIMIZERS))
def test_three_steps_match_tensorflow(sess, kind):
    w, loss = _quadratic()
    opt = OPTIMIZERS[kind]()
    train = opt.minimize(loss)
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        sess.run(train)
    expected_w, expected_state = TF_THREE_STEPS[kind]
    np.testing.assert_allclose(sess.run(w), expected_w, rtol=2e-6)
    state = {v.op.name: sess.run(v) for v in opt.variables()}
    assert sorted(state) == sorted(expected_state)
    for name, value in expected_state.items():
        np.testing.assert_allclose(state[name], value, rtol=2e-6)


def test_linear_regression_converges(sess):
    xs = [0.0, 1.0, 2.0, 3.0]
    ys = [3.0 * x + 2.0 for x in xs]
    w = tf.Variable(0.0, name="w")
    b = tf.Variable(0.0, name="b")
    errors = [w * x + b - y for x, y in zip(xs, ys)]
    loss = tf.add_n([e * e for e in errors]) / float(len(xs))
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    sess.run(tf.global_variables_initializer())
    for _ in range(600):
        sess.run(train)
    assert sess.run(w) == pytest.approx(3.0, abs=1e-3)
    assert sess.run(b) == pytest.approx(2.0, abs=1e-3)
    assert sess.run(loss) < 1e-6


def test_classic_tf1_linear_regression(sess):
    rng = np.random.default_rng(0)
    features = rng.standard_normal((64, 3)).astype(np.float32)
    true_w = np.array([[2.0], [-1.0], [0.5]], np.float32)
    labels = features @ true_w + 0.3
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    b = tf.Variable(tf.zeros([1]), name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    sess.run(tf.global_variables_initializer())
    feed = {x: features, y: labels}
    for _ in range(300):
        sess.run(train, feed)
    np.testing.assert_allclose(sess.run(w), true_w, atol=1e-4)
    np.testing.assert_allclose(sess.run(b), [0.3], atol=1e-4)
    assert tf.train.global_step(sess, step) == 300


@pytest.mark.parametrize("kind", ["momentum", "adam", "rmsprop", "adagrad"])
def test_every_optimizer_minimizes_a_quadratic(sess, kind):
    w = tf.Variable([4.0, -3.0], name="w")
    loss = (w - 1.0) * (w - 1.0)
    opt = {
        "momentum": tf.train.MomentumOptimizer(0.05, 0.9),
        "adam": tf.train.AdamOptimizer(0.1),
        "rmsprop": tf.train.RMSPropOptimizer(0.05),
        "adagrad": tf.train.AdagradOptimizer(1.0),
    }[kind]
    train = opt.minimize(loss)
    sess.run(tf.global_variables_initializer())
    for _ in range(400):
        sess.run(train)
    np.testing.assert_allclose(sess.run(w), [1.0, 1.0], atol=5e-2)


# -- learning rates --------------------------------------------------------------------------
def test_learning_rate_may_be_a_fed_tensor_or_a_callable(sess):
    w = tf.Variable(1.0, name="w")
    lr = tf.placeholder(tf.float32, shape=[], name="lr")
    train = tf.train.GradientDescentOptimizer(lr).minimize(w * w)
    sess.run(w.initializer)
    sess.run(train, {lr: 0.25})
    assert sess.run(w) == 0.5
    v = tf.Variable(2.0, name="v")
    train2 = tf.train.GradientDescentOptimizer(lambda: 0.125).minimize(v * v, var_list=[v])
    sess.run(v.initializer)
    sess.run(train2)
    assert sess.run(v) == 1.5


def test_float64_variables_cast_the_learning_rate(sess):
    w = tf.Variable(np.array([1.0, 2.0]), name="w")
    assert w.dtype.base_dtype == tf.float64
    train = tf.train.MomentumOptimizer(0.5, 0.5).minimize(w * w)
    sess.run(tf.global_variables_initializer())
    sess.run(train)
    value = sess.run(w)
    assert value.dtype == np.float64
    np.testing.assert_array_equal(value, [0.0, 0.0])


# -- global step and the train op --------------------------------------------------------
def test_global_step_counts_steps_after_the_updates(sess):
    w, loss = _quadratic()
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.01).minimize(loss, global_step=step)
    assert train.name == "GradientDescent" and train.type == "AssignAdd"
    graph = tf.get_default_graph()
    update = graph.get_operation_by_name("GradientDescent/update")
    value = graph.get_operation_by_name("GradientDescent/value")
    assert update.type == "NoOp" and value.control_inputs == [update]
    assert train.colocation_groups() == [b"loc:@global_step"]
    sess.run(tf.global_variables_initializer())
    for _ in range(5):
        sess.run(train)
    assert tf.train.global_step(sess, step) == 5
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]


def test_train_op_names_and_update_ops():
    w, loss = _quadratic()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert (train.name, train.type) == ("GradientDescent", "NoOp")
    (update,) = train.control_inputs
    assert update.name == "GradientDescent/update_w/ApplyGradientDescent"
    assert [t.name for t in update.inputs[:2]] == ["w:0", "GradientDescent/learning_rate:0"]
    assert update.colocation_groups() == [b"loc:@w"]
    train2 = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="step")
    assert train2.name == "step"
    train3 = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    assert train3.name == "GradientDescent_1"


def test_momentum_op_inputs_follow_tensorflow():
    w, loss = _quadratic()
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    train = opt.minimize(loss)
    (update,) = train.control_inputs
    assert update.name == "Momentum/update_w/ApplyMomentum"
    assert [t.name for t in update.inputs[:3]] == [
        "w:0",
        "w/Momentum:0",
        "Momentum/learning_rate:0",
    ]
    assert update.inputs[4].name == "Momentum/momentum:0"


def test_adam_updates_beta_powers_after_the_variables():
    w, loss = _quadratic()
    train = tf.train.AdamOptimizer().minimize(loss)
    graph = tf.get_default_graph()
    apply_adam = graph.get_operation_by_name("Adam/update_w/ApplyAdam")
    assert [t.name for t in apply_adam.inputs[3:5]] == ["beta1_power/read:0", "beta2_power/read:0"]
    mul = graph.get_operation_by_name("Adam/mul")
    assert mul.control_inputs == [apply_adam]
    assert graph.get_operation_by_name("Adam/Assign").inputs[0].name == "beta1_power:0"
    assert graph.get_operation_by_name("Adam/Assign_1").inputs[0].name == "beta2_power:0"
    assert {op.name for op in train.control_inputs} == {
        "Adam/update_w/ApplyAdam",
        "Adam/Assign",
        "Adam/Assign_1",
    }


# -- slots --------------------------------------------------------------------------------
def test_momentum_slot(sess):
    w, loss = _quadratic()
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    opt.minimize(loss)
    slot = opt.get_slot(w, "momentum")
    assert opt.get_slot_names() == ["momentum"]
    assert slot.name == "w/Momentum:0" and not slot.trainable
    assert slot in tf.global_variables() and slot not in tf.trainable_variables()
    assert slot.op.colocation_groups() == [b"loc:@w"]
    assert tf.get_default_graph().get_operation_by_name("w/Momentum/Initializer/zeros")
    assert opt.get_slot(w, "nope") is None
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(slot), [0.0, 0.0])


def test_adam_slots_and_variables():
    w, loss = _quadratic()
    b = tf.Variable(0.5, name="b")
    opt = tf.train.AdamOptimizer()
    opt.minimize(loss + b * b)
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").name == "w/Adam:0"
    assert opt.get_slot(w, "v").name == "w/Adam_1:0"
    assert [v.op.name for v in opt.variables()] == [
        "b/Adam",
        "b/Adam_1",
        "beta1_power",
        "beta2_power",
        "w/Adam",
        "w/Adam_1",
    ]
    # The beta powers sit next to the first variable by name ("b" < "w").
    beta1_power, _ = opt._get_beta_accumulators()
    assert beta1_power.op.colocation_groups() == [b"loc:@b"]
    assert not beta1_power.trainable


def test_slots_are_named_after_the_variable_not_the_callers_scope():
    with tf.name_scope("layer"):
        w = tf.Variable([1.0, 2.0], name="w")
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    with tf.name_scope("outer"):
        train = opt.minimize(w * w)
    assert opt.get_slot(w, "momentum").name == "layer/w/Momentum:0"
    assert train.name == "outer/Momentum"
    (update,) = train.control_inputs
    assert update.name == "outer/Momentum/update_layer/w/ApplyMomentum"


def test_slots_are_not_created_under_callers_control_dependencies():
    w, loss = _quadratic()
    marker = tf.no_op(name="marker")
    opt = tf.train.MomentumOptimizer(0.1, 0.9)
    with tf.control_dependencies([marker]):
        opt.minimize(loss)
    assert opt.get_slot(w, "momentum").initializer.control_inputs == []


# -- compute / apply ---------------------------------------------------------------------
def test_compute_gradients_keeps_none_for_unused_variables(sess):
    w, loss = _quadratic()
    unused = tf.Variable(1.0, name="unused")
    frozen = tf.Variable(1.0, name="frozen", trainable=False)
    opt = tf.train.GradientDescentOptimizer(0.1)
    grads_and_vars = opt.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [w, unused]
    assert grads_and_vars[1][0] is None
    train = opt.apply_gradients(grads_and_vars)
    sess.run(tf.global_variables_initializer())
    sess.run(train)
    assert sess.run(unused) == 1.0 and sess.run(frozen) == 1.0


def test_processed_gradients_can_be_applied(sess):
    w, loss = _quadratic()
    opt = tf.train.GradientDescentOptimizer(1.0)
    grads_and_vars = opt.compute_gradients(loss, gate_gradients=tf.train.Optimizer.GATE_GRAPH)
    halved = [(g * 0.5, v) for g, v in grads_and_vars]
    train = opt.apply_gradients(halved)
    sess.run(tf.global_variables_initializer())
    sess.run(train)
    np.testing.assert_allclose(sess.run(w), [1.0 - 3.0, -2.0 + 1.0])


def test_variable_constraint_is_applied_after_the_update(sess):
    w = tf.Variable([1.0, -2.0], name="w", constraint=lambda v: v * 0.0)
    train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w)
    sess.run(w.initializer)
    sess.run(train)
    np.testing.assert_array_equal(sess.run(w), [0.0, 0.0])


def test_use_locking_gives_the_same_result(sess):
    w, loss = _quadratic()
    train = tf.train.AdamOptimizer(0.1, use_locking=True).minimize(loss)
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        sess.run(train)
    np.testing.assert_allclose(sess.run(w), TF_THREE_STEPS["adam"][0], rtol=2e-6)


# -- errors --------------------------------------------------------------------------------
def test_no_gradients_for_any_variable():
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.constant(3.0) * 2.0
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(
        ValueError, match="No gradients provided for any variable, check your graph"
    ) as e:
        opt.minimize(loss, var_list=[w])
    assert "between variables [\"<tf.Variable 'w:0'" in str(e.value)
    assert 'and loss Tensor("mul:0"' in str(e.value)
    with pytest.raises(
        ValueError, match=r"No gradients provided for any variable: \[\"<tf.Variable 'w:0'"
    ):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match="No variables provided."):
        opt.apply_gradients([])


def test_integer_variable_gets_no_gradient():
    i = tf.Variable(1, name="i")
    loss = tf.cast(i, tf.float32) * 2.0
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        tf.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[i])


def test_compute_gradients_argument_errors():
    w = tf.Variable(1.0, name="w")
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(
        ValueError,
        match=r"Invalid type tf.int32 for Const:0, expected: \[tf.float16, tf.float32, tf.float64\].",
    ):
        opt.compute_gradients(tf.constant(1), var_list=[w])
    with pytest.raises(ValueError, match="No variables to optimize."):
        opt.compute_gradients(w * 2.0, var_list=[])
    with pytest.raises(ValueError, match=r"gate_gradients must be one of: .*Not 5"):
        opt.compute_gradients(w * 2.0, gate_gradients=5)
    with pytest.raises(ValueError, match="Must specify the optimizer name"):
        tf.train.GradientDescentOptimizer(0.1, name="")
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive: 0.0"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


# -- the update ops themselves ------------------------------------------------------------
def test_apply_gradient_descent_checks_shapes_and_types():
    w = tf.Variable([1.0, 2.0], name="w")
    with pytest.raises(
        ValueError,
        match=r"Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are \[2\] and \[3\]. for 'ApplyGradientDescent' \(op: 'ApplyGradientDescent'\)",
    ):
        training_ops.apply_gradient_descent(w, 0.1, tf.constant([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="Shape must be rank 0 but is rank 1"):
        training_ops.apply_gradient_descent(w, [0.1, 0.2], tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 1 and 2"):
        training_ops.apply_gradient_descent(w, 0.1, tf.constant([[1.0, 2.0]]))
    with pytest.raises(
        TypeError,
        match="Input 'alpha' of 'ApplyGradientDescent' Op has type float64 that does not match type float32 of argument 'var'.",
    ):
        training_ops.apply_gradient_descent(
            w, tf.constant(0.1, tf.float64), tf.constant([1.0, 2.0])
        )
    with pytest.raises(
        TypeError, match="'ApplyGradientDescent' Op requires that input 'var' be a mutable tensor"
    ):
        training_ops.apply_gradient_descent(tf.constant([1.0, 2.0]), 0.1, tf.constant([1.0, 2.0]))


def test_apply_ops_check_values_at_run_time(sess):
    w = tf.Variable([1.0, 2.0], name="w")
    delta = tf.placeholder(tf.float32)
    step = training_ops.apply_gradient_descent(w, 0.1, delta)
    assert step.op.inputs[1].name == "ApplyGradientDescent/alpha:0"
    with pytest.raises(
        tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value w"
    ):
        sess.run(step.op, {delta: [1.0, 2.0]})
    sess.run(w.initializer)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"var and delta do not have the same shape\[2\] \[3\]"
    ):
        sess.run(step.op, {delta: [1.0, 2.0, 3.0]})
    lr = tf.placeholder(tf.float32)
    step2 = training_ops.apply_gradient_descent(w, lr, [1.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"alpha is not a scalar: \[2\]"):
        sess.run(step2.op, {lr: [1.0, 2.0]})
    accum = tf.Variable([0.0, 0.0], name="accum")
    step3 = training_ops.apply_momentum(w, accum, 0.1, [1.0, 1.0], 0.9)
    with pytest.raises(
        tf.errors.FailedPreconditionError, match="Attempting to use uninitialized value accum"
    ):
        sess.run(step3.op)
    sess.run(accum.initializer)
    sess.run(step3.op)
    np.testing.assert_allclose(sess.run(w), [0.9, 1.9])
