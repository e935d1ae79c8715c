"""tf.train.ExponentialMovingAverage: shadows of variables and of tensors, TF's names,
num_updates, zero_debias, and variables_to_restore loading the averages through a Saver.
The expected values follow TF's float32 arithmetic (1 - decay is a float32 Sub op)."""

import numpy as np
import pytest

import teachflow as tf

f32 = np.float32


def _moved(shadow, value, decay):
    return shadow - (f32(1.0) - f32(decay)) * (shadow - value)


def test_variable_shadow_starts_at_the_initial_value_and_follows_the_updates():
    tf.reset_default_graph()
    w = tf.Variable([1.0, 2.0], name="w")
    ema = tf.train.ExponentialMovingAverage(0.9)
    with tf.control_dependencies([tf.assign_add(w, [0.5, -1.0])]):
        update = ema.apply([w])
    shadow = ema.average(w)
    assert shadow.op.name == "w/ExponentialMovingAverage" and not shadow.trainable
    assert update.name == "ExponentialMovingAverage"
    assert tf.moving_average_variables() == [w]
    expected = np.array([1.0, 2.0], f32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert np.array_equal(sess.run(shadow), expected)
        for _ in range(3):
            sess.run(update)
            expected = _moved(expected, sess.run(w), 0.9)
            assert np.array_equal(sess.run(shadow), expected)


def test_tensor_shadow_starts_at_zero_and_zero_debias_removes_the_bias():
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [], name="x")
    loss = tf.square(x, name="loss")
    plain = tf.train.ExponentialMovingAverage(0.9, name="avg")
    debiased = tf.train.ExponentialMovingAverage(0.9, zero_debias=True, name="unbiased")
    updates = [plain.apply([loss]), debiased.apply([loss])]
    names = sorted(v.op.name for v in tf.global_variables())
    assert names == [
        "loss/avg",
        "loss/unbiased",
        "loss/unbiased/biased",
        "loss/unbiased/local_step",
    ]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(updates, {x: 2.0})
        averages = sess.run([plain.average(loss), debiased.average(loss)])
    # One update from zero: 10% of the value; debiased, the value itself.
    assert averages[0] == _moved(f32(0.0), f32(4.0), 0.9)
    assert averages[1] == pytest.approx(4.0, rel=4 * float(np.finfo(f32).eps))


def test_num_updates_caps_the_decay_early_in_training():
    tf.reset_default_graph()
    step = tf.Variable(3, trainable=False, name="step")
    w = tf.Variable(1.0, name="w")
    ema = tf.train.ExponentialMovingAverage(0.999, num_updates=step)
    with tf.control_dependencies([tf.assign(w, 5.0)]):
        update = ema.apply()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(update)
        decay = (f32(1.0) + f32(3)) / (f32(10.0) + f32(3))  # min(0.999, 4/13)
        assert sess.run(ema.average(w)) == _moved(f32(1.0), f32(5.0), decay)


def test_variables_to_restore_loads_the_averages_into_the_model(tmp_path):
    tf.reset_default_graph()
    w = tf.Variable(1.0, name="w")
    step = tf.Variable(0, trainable=False, name="global_step")
    ema = tf.train.ExponentialMovingAverage(0.5)
    with tf.control_dependencies([tf.assign(w, 3.0)]):
        update = ema.apply([w])
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(update)
        path = saver.save(sess, str(tmp_path / "model.ckpt"))

    tf.reset_default_graph()
    w = tf.Variable(0.0, name="w")
    step = tf.Variable(0, trainable=False, name="global_step")
    ema = tf.train.ExponentialMovingAverage(0.5)
    to_restore = ema.variables_to_restore()
    assert to_restore == {"w/ExponentialMovingAverage": w, "global_step": step}
    assert ema.average_name(w) == "w/ExponentialMovingAverage"
    with tf.Session() as sess:
        tf.train.Saver(to_restore).restore(sess, path)
        assert sess.run(w) == 2.0  # the average of 1 and 3, not the trained 3


def test_only_floating_point_values_have_averages():
    tf.reset_default_graph()
    counter = tf.Variable(0, name="counter")
    with pytest.raises(TypeError, match="must be half, float, or double: counter"):
        tf.train.ExponentialMovingAverage(0.9).apply([counter])
