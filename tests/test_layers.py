"""tf.layers: dense (variables, names, reuse, shapes), dropout and flatten; conv2d, pooling
and batch normalization against TensorFlow's recorded values and graphs."""

import json
import pathlib

import numpy as np
import pytest

import teachflow as tf
from teachflow import layers
from tests import layer_cases


def test_dense_variables_and_op_names():
    x = tf.placeholder(tf.float32, [None, 3])
    y = layers.dense(x, 4, activation=tf.nn.relu)
    assert [v.name for v in tf.trainable_variables()] == ["dense/kernel:0", "dense/bias:0"]
    assert y.op.name == "dense/Relu" and y.shape.as_list() == [None, 4]
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names[-3:] == ["dense/MatMul", "dense/BiasAdd", "dense/Relu"]
    assert "dense/bias/Initializer/zeros" in names


def test_dense_values(sess):
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    y = layers.dense(
        x,
        2,
        kernel_initializer=tf.constant_initializer([[1, 0], [0, 1], [1, 1]]),
        bias_initializer=tf.constant_initializer([0.5, -0.5]),
    )
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(y), [[4.5, 4.5]])


def test_unnamed_layers_get_unique_scopes():
    x = tf.placeholder(tf.float32, [None, 3])
    layers.dense(x, 2)
    y = layers.dense(x, 2)
    assert y.op.name == "dense_1/BiasAdd"
    assert [v.name for v in tf.global_variables()][2:] == ["dense_1/kernel:0", "dense_1/bias:0"]


def test_named_layer_reuse(sess):
    x = tf.placeholder(tf.float32, [None, 2])
    y1 = layers.dense(x, 3, name="fc")
    y2 = layers.dense(x, 3, name="fc", reuse=True)
    assert y2.op.name == "fc_1/BiasAdd"
    assert len(tf.global_variables()) == 2
    sess.run(tf.global_variables_initializer())
    a, b = sess.run([y1, y2], {x: [[1.0, 2.0]]})
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="Variable fc/kernel already exists"):
        layers.dense(x, 3, name="fc")


def test_dense_inside_a_variable_scope():
    with tf.variable_scope("model"):
        layers.dense(tf.placeholder(tf.float32, [None, 2]), 1)
    assert [v.name for v in tf.global_variables()] == ["model/dense/kernel:0", "model/dense/bias:0"]


def test_dense_layer_object_shares_variables():
    layer = layers.Dense(2, use_bias=False, name="out")
    layer(tf.ones([1, 3]))
    y = layer(tf.ones([4, 3]))
    assert layer.variables == [layer.kernel] and layer.kernel.name == "out/kernel:0"
    assert y.shape.as_list() == [4, 2] and len(tf.global_variables()) == 1


def test_dense_on_rank3_inputs(sess):
    x = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    y = layers.dense(x, 4, kernel_initializer=tf.ones_initializer())
    assert y.shape.as_list() == [2, 2, 4]
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(y), np.repeat(x.sum(-1, keepdims=True), 4, -1))


def test_dense_regularizer_and_trainable():
    layers.dense(tf.ones([1, 2]), 2, kernel_regularizer=lambda w: tf.nn.l2_loss(w), trainable=False)
    assert tf.trainable_variables() == []
    (reg,) = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert reg.op.name == "dense/kernel/Regularizer/L2Loss"


def test_dense_needs_a_known_input_dimension():
    with pytest.raises(
        ValueError, match="The last dimension of the inputs to `Dense` should be defined"
    ):
        layers.dense(tf.placeholder(tf.float32, [None, None]), 2)


def test_dense_gradient_reaches_kernel(sess):
    x = tf.constant([[1.0, 2.0]])
    y = layers.dense(x, 1, kernel_initializer=tf.ones_initializer())
    layer_kernel = tf.trainable_variables()[0]
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(tf.gradients(y, layer_kernel)[0]), [[1.0], [2.0]])


def test_dropout_layer(sess):
    x = np.ones((100, 10), np.float32)
    assert layers.dropout(x, training=False).op.name == "dropout/Identity"
    v = sess.run(layers.dropout(x, rate=0.5, training=True, seed=1))
    assert set(np.unique(v)) == {0.0, 2.0}
    training = tf.placeholder(tf.bool, [])
    y = layers.dropout(x, rate=0.5, training=training)
    np.testing.assert_array_equal(sess.run(y, {training: False}), x)
    assert set(np.unique(sess.run(y, {training: True}))) == {0.0, 2.0}


def test_flatten(sess):
    x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    y = layers.flatten(x)
    assert y.shape.as_list() == [None, 48] and y.op.name == "flatten/Reshape"
    assert sess.run(y, {x: np.zeros((2, 4, 4, 3))}).shape == (2, 48)
    z = layers.flatten(tf.placeholder(tf.float32, [None, None, 2]))
    assert z.shape.as_list() == [None, None]
    nchw = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2)
    v = sess.run(layers.flatten(nchw, data_format="channels_first"))
    np.testing.assert_array_equal(v, nchw.transpose(0, 2, 3, 1).reshape(1, 8))


# -- conv, pooling and batch norm against TensorFlow (tests/layer_cases.py, recorded by
# tests/fixtures/tensorflow/record_layers.py with TF 2.21's tf.compat.v1.layers) ----------
LAYER_FIXTURE = pathlib.Path(__file__).parent / "fixtures" / "tensorflow" / "layers"
LAYER_VALUES = dict(np.load(LAYER_FIXTURE / "values.npz"))
LAYER_GRAPHS = json.loads((LAYER_FIXTURE / "graphs.json").read_text())["graphs"]
# Where teachflow builds another graph for the same values: TF's Keras layers build a
# dilated convolution from SpaceToBatchND / Conv2D / BatchToSpaceND (teachflow uses the
# Conv2D dilations attribute), and a tensor ``training`` as tf.cond (teachflow has no
# cond: it builds both modes and selects).
DIFFERENT_GRAPHS = {
    "conv_strided_dilated",
    "batch_norm_training_tensor",
    "batch_norm_training_tensor_false",
}


@pytest.mark.parametrize("name", sorted(layer_cases.CASES))
def test_layer_values_match_tensorflow(name):
    values, ops = layer_cases.run(tf, name)
    eps = np.finfo(np.float32).eps
    for key, got in values.items():
        want = LAYER_VALUES[f"{name}/{key}"]
        assert np.shape(got) == want.shape, key
        # float32 rounding of the longest sum: a batch norm over 4 x 6 x 6 pixels.
        tol = 8 * eps * np.sqrt(4 * 6 * 6)
        scale = max(1.0, float(np.abs(want).max(initial=0)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale, err_msg=key)
    if name not in DIFFERENT_GRAPHS:
        assert ops == [tuple(op) for op in LAYER_GRAPHS[name]]


def test_dropout_with_a_training_tensor_is_a_cond_drawing_only_when_training(sess):
    """TF1 builds a tf.cond: a step that does not train draws no random mask, so the masks
    of the training steps are those of a graph that always trains."""
    x = np.ones((50,), np.float32)
    training = tf.placeholder(tf.bool, [])
    y = layers.dropout(x, rate=0.5, training=training, seed=7)
    assert y.op.type == "Merge" and y.op.name == "dropout/cond/Merge"
    masks = [sess.run(y, {training: flag}) for flag in (True, False, True)]
    np.testing.assert_array_equal(masks[1], x)
    always = layers.dropout(x, rate=0.5, training=True, seed=7)
    with tf.Session(graph=always.graph) as fresh:
        want = [fresh.run(always) for _ in range(2)]
    np.testing.assert_array_equal(masks[0], want[0])
    np.testing.assert_array_equal(masks[2], want[1])
