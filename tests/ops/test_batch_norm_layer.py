"""tf.layers.batch_normalization: variables and collections, UPDATE_OPS and their values,
training as a bool or a tensor, fused and composed paths, errors."""

import numpy as np
import pytest

import teachflow as tf

X = (np.random.default_rng(4).standard_normal((8, 3, 3, 2)) * 2 + 3).astype(np.float32)


def test_variables_and_collections():
    tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, 3, 3, 2]), training=True)
    names = [v.name for v in tf.global_variables()]
    assert names == [
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0",
    ]  # fmt: skip
    assert [v.name for v in tf.trainable_variables()] == names[:2]
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert [t.op.name for t in updates] == [
        "batch_normalization/AssignMovingAvg", "batch_normalization/AssignMovingAvg_1",
    ]  # fmt: skip
    assert {t.op.type for t in updates} == {"AssignSub"}


def test_no_updates_at_inference():
    y = tf.layers.batch_normalization(X, training=False)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    assert y.op.type == "FusedBatchNormV3" and y.op.get_attr("is_training") is False


def test_moving_averages_follow_the_formula(sess):
    y = tf.layers.batch_normalization(X, training=True, momentum=0.9)
    mean_var, variance_var = tf.global_variables()[2:]
    sess.run(tf.global_variables_initializer())
    sess.run(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    flat = X.reshape(-1, 2)
    np.testing.assert_allclose(sess.run(mean_var), 0.1 * flat.mean(0), rtol=1e-5)
    # The fused path feeds the Bessel-corrected variance to the moving average.
    np.testing.assert_allclose(sess.run(variance_var), 0.9 + 0.1 * flat.var(0, ddof=1), rtol=1e-5)
    out = sess.run(y).reshape(-1, 2)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)


def test_composed_path_for_2d_inputs(sess):
    x = X.reshape(8, -1)[:, :3]
    y = tf.layers.batch_normalization(x, training=True)
    assert y.op.name == "batch_normalization/batchnorm/add_1"
    sess.run(tf.global_variables_initializer())
    sess.run(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    variance = tf.global_variables()[3]
    # Biased variance here, as tf.nn.moments gives.
    np.testing.assert_allclose(sess.run(variance), 0.99 + 0.01 * x.var(0), rtol=1e-5)


def test_training_tensor_selects_the_mode(sess):
    training = tf.placeholder(tf.bool, [])
    y = tf.layers.batch_normalization(X, training=training)
    moving_mean = tf.global_variables()[2]
    sess.run(tf.global_variables_initializer())
    updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    inference = sess.run(y, {training: False})
    np.testing.assert_allclose(inference, X / np.sqrt(1 + 1e-3), rtol=1e-5)
    sess.run(updates, {training: False})
    np.testing.assert_array_equal(sess.run(moving_mean), [0, 0])  # momentum 1: unchanged
    sess.run(updates, {training: True})
    np.testing.assert_allclose(sess.run(moving_mean), 0.01 * X.reshape(-1, 2).mean(0), rtol=1e-5)


def test_gradients_reach_gamma_and_beta(sess):
    y = tf.layers.batch_normalization(X, training=True)
    gamma, beta = tf.trainable_variables()
    loss = tf.reduce_sum(y * np.arange(2, dtype=np.float32))
    g_gamma, g_beta = tf.gradients(loss, [gamma, beta])
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(g_beta), [0, 72])
    assert sess.run(g_gamma).shape == (2,)


def test_half_precision_keeps_float32_parameters():
    tf.layers.batch_normalization(tf.zeros([2, 2, 2, 3], tf.float16), training=True)
    assert {v.dtype.base_dtype for v in tf.global_variables()} == {tf.float32}


def test_errors():
    with pytest.raises(ValueError, match="Input has undefined `axis` dimension"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32, [None, None]))
    with pytest.raises(ValueError, match="Input has undefined rank"):
        tf.layers.batch_normalization(tf.placeholder(tf.float32))


def test_a_tower_built_twice_under_auto_reuse_shares_everything():
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])

    def net(x):
        with tf.variable_scope("model", reuse=tf.AUTO_REUSE):
            h = tf.layers.conv2d(x, 4, 3, name="c1")
            h = tf.layers.batch_normalization(h, training=True, name="bn")
            return tf.layers.dense(tf.layers.flatten(h), 2, name="out")

    a, b = net(x), net(x)
    assert [v.name for v in tf.global_variables()] == [
        "model/c1/kernel:0", "model/c1/bias:0", "model/bn/gamma:0", "model/bn/beta:0",
        "model/bn/moving_mean:0", "model/bn/moving_variance:0", "model/out/kernel:0",
        "model/out/bias:0",
    ]  # fmt: skip
    assert (a.op.name, b.op.name) == ("model/out/BiasAdd", "model_1/out/BiasAdd")
    assert [t.op.name for t in tf.get_collection(tf.GraphKeys.UPDATE_OPS)] == [
        "model/bn/AssignMovingAvg", "model/bn/AssignMovingAvg_1",
        "model_1/bn/AssignMovingAvg", "model_1/bn/AssignMovingAvg_1",
    ]  # fmt: skip
