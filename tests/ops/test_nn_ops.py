"""tf.nn: activations, softmax, losses, bias_add, dropout, in_top_k — values against NumPy
formulas, dtypes, names, errors, and gradients against finite differences."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import teachflow as tf

RNG = np.random.default_rng(0)
X = np.array([[-1.5, 2.0, 0.5, -0.2], [3.0, -4.0, 7.0, 0.0]])


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772

ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (tf.nn.relu6, lambda x: np.clip(x, 0, 6)),
    "elu": (tf.nn.elu, lambda x: np.where(x > 0, x, np.exp(x) - 1)),
    "selu": (tf.nn.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1))),
    "softplus": (tf.nn.softplus, lambda x: np.log1p(np.exp(x))),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "softmax": (tf.nn.softmax, _softmax),
    "log_softmax": (tf.nn.log_softmax, lambda x: np.log(_softmax(x))),
}


def check_gradient(f, x_value, eps=1e-6, rtol=1e-5, atol=1e-7):
    """Compare tf.gradients of ``f`` at ``x_value`` (float64) with central differences
    of the weighted sum ``sum(w * f(x))`` for random weights ``w``."""
    x_value = np.asarray(x_value, dtype=np.float64)
    x = tf.placeholder(tf.float64, x_value.shape)
    y = f(x)
    w = RNG.standard_normal(y.shape.as_list())
    (g,) = tf.gradients(y, x, grad_ys=tf.constant(w))
    with tf.Session() as sess:
        analytic = sess.run(g, {x: x_value})
        numeric = np.zeros_like(x_value)
        for i in np.ndindex(x_value.shape):
            up, down = x_value.copy(), x_value.copy()
            up[i] += eps
            down[i] -= eps
            numeric[i] = (np.sum(w * sess.run(y, {x: up})) - np.sum(w * sess.run(y, {x: down}))) / (
                2 * eps
            )
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)


# -- activations --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_values(sess, name, dtype):
    fn, reference = ACTIVATIONS[name]
    y = fn(X.astype(dtype))
    v = sess.run(y)
    assert y.dtype == tf.as_dtype(dtype) and v.dtype == dtype and y.shape.as_list() == [2, 4]
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype is np.float32 else {"rtol": 1e-12}
    np.testing.assert_allclose(v, reference(X), **tol)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients(name):
    fn, _ = ACTIVATIONS[name]
    # Keep away from the kinks at 0 and 6, where finite differences are meaningless.
    check_gradient(fn, X + 0.05)


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "softplus", "leaky_relu"])
def test_second_derivatives(name):
    fn, _ = ACTIVATIONS[name]

    def first_derivative(x):
        return tf.gradients(fn(x), x)[0]

    check_gradient(first_derivative, X + 0.05)


def test_activation_op_names():
    x = tf.constant([1.0])
    assert tf.nn.relu(x).op.name == "Relu"
    assert tf.nn.relu(x, name="act").op.name == "act"
    y = tf.nn.relu([-1.0, 2.0])
    assert y.op.inputs[0].op.name == "Relu_1/features"


def test_activation_scalars_stay_numpy_scalars(sess):
    for fn in (tf.nn.relu, tf.nn.elu, tf.nn.selu, tf.nn.leaky_relu, tf.nn.softplus):
        v = sess.run(fn(-1.0))
        assert isinstance(v, np.float32), fn


def test_relu_accepts_integers(sess):
    y = tf.nn.relu(tf.constant([1, -2]))
    assert y.dtype == tf.int32
    v = sess.run(y)
    assert v.dtype == np.int32 and list(v) == [1, 0]


def test_float_only_activations_reject_integers():
    with pytest.raises(TypeError, match="parameter 'features' has DataType int32"):
        tf.nn.elu(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="parameter 'logits' has DataType int32"):
        tf.nn.softmax(tf.constant([1, 2]))


def test_leaky_relu_casts_integers_and_keeps_alpha(sess):
    y = tf.nn.leaky_relu(tf.constant([-10, 5]), alpha=0.1)
    assert y.dtype == tf.float32 and y.op.get_attr("alpha") == pytest.approx(0.1)
    np.testing.assert_allclose(sess.run(y), [-1.0, 5.0])


def test_sigmoid_and_tanh_are_the_math_ops(sess):
    np.testing.assert_allclose(sess.run(tf.nn.sigmoid(X)), _sigmoid(X), rtol=1e-12)
    np.testing.assert_allclose(sess.run(tf.nn.tanh(X)), np.tanh(X), rtol=1e-12)
    assert tf.nn.sigmoid is tf.sigmoid


@settings(max_examples=25, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
        elements=st.floats(-50, 50),
    )
)
def test_softmax_rows_are_distributions(x):
    with tf.Graph().as_default(), tf.Session() as sess:
        p = sess.run(tf.nn.softmax(x))
        logp = sess.run(tf.nn.log_softmax(x))
    assert (p >= 0).all()
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(logp), p, rtol=1e-9, atol=1e-300)


def test_softmax_is_stable_for_large_logits(sess):
    v = sess.run(tf.nn.softmax([1000.0, 1000.0]))
    np.testing.assert_allclose(v, [0.5, 0.5])
    v = sess.run(tf.nn.log_softmax([0.0, 1000.0]))
    np.testing.assert_allclose(v, [-1000.0, 0.0])


def test_softmax_on_another_axis(sess):
    y = tf.nn.softmax(X, axis=0)
    np.testing.assert_allclose(sess.run(y), _softmax(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        sess.run(tf.nn.log_softmax(X, dim=0)), np.log(_softmax(X, axis=0)), rtol=1e-12
    )
    assert sess.run(tf.nn.softmax(X, axis=1)).shape == (2, 4)


def test_softmax_other_axis_gradient():
    check_gradient(lambda x: tf.nn.softmax(x, axis=0), X)


def test_softmax_errors():
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"`dim` must be in the range \[-2, 2\)"
    ):
        tf.nn.softmax(X, axis=2)
    with pytest.raises(ValueError, match="Shape must be at least rank 1 but is rank 0"):
        tf.nn.softmax(2.0)


# -- cross entropies ----------------------------------------------------------------------------------
LABELS = _softmax(RNG.standard_normal((2, 4)))


def test_softmax_cross_entropy_values_and_names(sess):
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=X)
    # As TF: the op between Reshapes that flatten the inputs and restore the batch shape.
    assert loss.op.name == "softmax_cross_entropy_with_logits/Reshape_2"
    xent = loss.op.inputs[0].op
    assert xent.name == "softmax_cross_entropy_with_logits"
    assert xent.type == "SoftmaxCrossEntropyWithLogits" and len(xent.outputs) == 2
    assert loss.shape.as_list() == [2] and loss.dtype == tf.float64
    value, backprop = sess.run(xent.outputs)
    np.testing.assert_allclose(value, -(LABELS * np.log(_softmax(X))).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(backprop, _softmax(X) - LABELS, rtol=1e-12)


def test_softmax_cross_entropy_v1_stops_label_gradients(sess):
    labels = tf.constant(LABELS)
    logits = tf.constant(X)
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    assert loss.op.name == "softmax_cross_entropy_with_logits_sg/Reshape_2"
    assert tf.gradients(loss, labels) == [None]
    assert (
        tf.gradients(
            tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits), labels
        )[0]
        is not None
    )


def test_softmax_cross_entropy_gradients():
    check_gradient(lambda x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=x), X)
    check_gradient(lambda z: tf.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=X), LABELS)


def test_softmax_cross_entropy_second_derivative():
    def grad_of_loss(x):
        loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=LABELS, logits=x)
        return tf.gradients(loss, x)[0]

    check_gradient(grad_of_loss, X)


def test_softmax_cross_entropy_other_ranks(sess):
    x3 = RNG.standard_normal((2, 3, 4))
    z3 = _softmax(RNG.standard_normal((2, 3, 4)))
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=z3, logits=x3)
    assert loss.shape.as_list() == [2, 3]
    np.testing.assert_allclose(sess.run(loss), -(z3 * np.log(_softmax(x3))).sum(-1), rtol=1e-12)
    loss0 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=z3, logits=x3, axis=0)
    assert loss0.shape.as_list() == [3, 4]
    np.testing.assert_allclose(sess.run(loss0), -(z3 * np.log(_softmax(x3, 0))).sum(0), rtol=1e-12)
    check_gradient(lambda x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=z3, logits=x), x3)


def test_softmax_cross_entropy_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 4"):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=np.zeros((2, 4)), logits=np.zeros((2, 3)))
    with pytest.raises(
        ValueError, match="Only call `softmax_cross_entropy_with_logits` with named"
    ):
        tf.nn.softmax_cross_entropy_with_logits(LABELS, X)
    with pytest.raises(ValueError, match="Both labels and logits must be provided."):
        tf.nn.softmax_cross_entropy_with_logits(logits=X)


def test_sparse_softmax_cross_entropy(sess):
    labels = np.array([1, 2], dtype=np.int64)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=X)
    assert loss.op.name == (
        "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits"
    )
    assert loss.shape.as_list() == [2]
    expected = -np.log(_softmax(X))[[0, 1], labels]
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-12)
    check_gradient(
        lambda x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x), X
    )


def test_sparse_softmax_cross_entropy_higher_rank(sess):
    x3 = RNG.standard_normal((2, 3, 4))
    labels = np.array([[0, 1, 3], [2, 2, 0]], dtype=np.int32)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x3)
    assert loss.shape.as_list() == [2, 3]
    logp = np.log(_softmax(x3))
    expected = -np.take_along_axis(logp, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-12)


def test_sparse_label_out_of_range(sess):
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 5], logits=np.zeros((2, 3)))
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(loss)
    assert "Received a label value of 5 which is outside the valid range of [0, 3)." in str(
        info.value
    )
    assert "Label values: 1 5" in str(info.value)
    assert info.value.op is loss.op


def test_sparse_errors():
    with pytest.raises(ValueError, match="Rank mismatch: Rank of labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[1]], logits=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Shape mismatch: The shape of labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 2, 0], logits=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="parameter 'labels' has DataType float32"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1.0, 2.0], logits=np.zeros((2, 3)))


def test_sigmoid_cross_entropy(sess):
    z = RNG.uniform(size=X.shape)
    loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=X)
    assert loss.op.name == "logistic_loss"
    expected = -z * np.log(_sigmoid(X)) - (1 - z) * np.log(1 - _sigmoid(X))
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-10)
    check_gradient(lambda x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x), X + 0.05)


def test_sigmoid_cross_entropy_does_not_overflow(sess):
    v = sess.run(
        tf.nn.sigmoid_cross_entropy_with_logits(labels=[0.0, 1.0], logits=[1000.0, -1000.0])
    )
    np.testing.assert_allclose(v, [1000.0, 1000.0])


def test_sigmoid_cross_entropy_shape_mismatch():
    with pytest.raises(ValueError, match=r"`logits` and `labels` must have the same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=np.zeros((2, 4)), logits=np.zeros((2, 3)))


def test_weighted_cross_entropy(sess):
    z = RNG.uniform(size=X.shape)
    loss = tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=X, pos_weight=3.0)
    expected = -3.0 * z * np.log(_sigmoid(X)) - (1 - z) * np.log(1 - _sigmoid(X))
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-10)


def test_l2_loss(sess):
    loss = tf.nn.l2_loss(X)
    v = sess.run(loss)
    assert loss.shape.as_list() == [] and isinstance(v, np.float64)
    np.testing.assert_allclose(v, (X**2).sum() / 2)
    check_gradient(tf.nn.l2_loss, X)
    with pytest.raises(TypeError, match="parameter 't' has DataType int32"):
        tf.nn.l2_loss(tf.constant([1, 2]))


# -- bias_add ---------------------------------------------------------------------------------------
def test_bias_add(sess):
    b = np.array([1.0, 2.0, 3.0, 4.0])
    y = tf.nn.bias_add(X, b)
    assert y.op.name == "BiasAdd" and y.op.get_attr("data_format") == "NHWC"
    np.testing.assert_allclose(sess.run(y), X + b)
    check_gradient(lambda x: tf.nn.bias_add(x, b), X)
    check_gradient(lambda bias: tf.nn.bias_add(X, bias), b)


@pytest.mark.parametrize("layout", ["contiguous", "strided", "empty"])
def test_bias_add_on_images_is_numpys_add_bit_for_bit(sess, layout):
    # NHWC images of few channels take a tiled bias (one long run per image): same sums.
    images = RNG.standard_normal((3, 5, 6, 8)).astype(np.float32)
    if layout == "strided":
        images = images[:, ::2]
    elif layout == "empty":
        images = images[:0]
    b = RNG.standard_normal(8).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, None, None, 8])
    got = sess.run(tf.nn.bias_add(x, b), {x: images})
    assert got.dtype == np.float32 and got.shape == images.shape
    np.testing.assert_array_equal(got, images + b)


MANY_BIASES = "Must provide as many biases as the last dimension of the input tensor: "


@pytest.mark.parametrize(
    "value, bias, data_format, message",
    [  # recorded from TF 2.21 (tf.compat.v1, placeholders of unknown shape)
        ((2, 3, 3, 8), 4, "NHWC", MANY_BIASES + "[4] vs. [2,3,3,8]"),
        ((2, 3, 3, 8), 4, "NCHW", MANY_BIASES + "[4] vs. [2,3,3,8]"),
        ((2, 8), 4, "NHWC", MANY_BIASES + "[4] vs. [2,8]"),
        ((8,), 8, "NHWC", "Input tensor must be at least 2D: [8]"),
        ((2, 3), (3, 1), "NHWC", "Biases must be 1D: [3,1]"),
    ],
)
def test_bias_add_of_the_wrong_shape_at_run_time_is_tensorflows_error(
    sess, value, bias, data_format, message
):
    x, b = tf.placeholder(tf.float32), tf.placeholder(tf.float32)
    y = tf.nn.bias_add(x, b, data_format=data_format)
    with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(message)):
        sess.run(y, {x: np.zeros(value), b: np.zeros(bias)})


def test_bias_add_nchw(sess):
    x = RNG.standard_normal((2, 3, 4, 5))
    b = np.array([1.0, -1.0, 0.5])
    y = tf.nn.bias_add(x, b, data_format="NCHW")
    np.testing.assert_allclose(sess.run(y), x + b[None, :, None, None])
    check_gradient(lambda bias: tf.nn.bias_add(x, bias, data_format="NCHW"), b)


def test_bias_add_grad_second_order():
    b = np.array([1.0, 2.0, 3.0, 4.0])

    def bias_grad(x):
        return tf.gradients(
            tf.nn.bias_add(tf.constant(np.zeros((2, 4))), b) * x,
            tf.get_default_graph().get_operation_by_name("BiasAdd").inputs[1],
        )[0]

    check_gradient(bias_grad, X)


def test_bias_add_errors():
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 3"):
        tf.nn.bias_add(np.zeros((2, 4), np.float32), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match="Shape must be at least rank 2 but is rank 1"):
        tf.nn.bias_add(np.zeros(4, np.float32), np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="data_format must be of the form"):
        tf.nn.bias_add(X, np.zeros(4), data_format="CHWN")


# -- dropout ----------------------------------------------------------------------------------------------
def test_dropout_statistics(sess):
    x = np.ones((200, 100), np.float32)
    y = tf.nn.dropout(x, rate=0.25, seed=1)
    v = sess.run(y)
    assert v.dtype == np.float32 and y.shape.as_list() == [200, 100]
    kept = v != 0
    np.testing.assert_allclose(v[kept], 1 / 0.75, rtol=1e-6)
    assert abs(kept.mean() - 0.75) < 0.02


def test_dropout_keep_prob_placeholder(sess):
    keep = tf.placeholder(tf.float32, [])
    y = tf.nn.dropout(np.ones(1000, np.float32), keep_prob=keep)
    v = sess.run(y, {keep: 0.5})
    assert set(np.unique(v)) == {0.0, 2.0}
    np.testing.assert_array_equal(sess.run(y, {keep: 1.0}), np.ones(1000))


def test_dropout_noise_shape_shares_decisions(sess):
    v = sess.run(tf.nn.dropout(np.ones((50, 8), np.float32), rate=0.5, noise_shape=[50, 1]))
    assert all(len(set(row)) == 1 for row in v)


def test_dropout_is_seeded():
    y = tf.nn.dropout(np.ones(100, np.float32), rate=0.5, seed=3)
    with tf.Session() as s1, tf.Session() as s2:
        np.testing.assert_array_equal(s1.run(y), s2.run(y))


def test_dropout_rate_zero_builds_nothing():
    x = tf.constant([1.0])
    assert tf.nn.dropout(x, keep_prob=1.0) is x


def test_dropout_gradient_uses_the_same_mask(sess):
    x = tf.constant(np.ones(200, np.float32))
    y = tf.nn.dropout(x, rate=0.5, seed=2)
    value, grad = sess.run([y, tf.gradients(y, x)[0]])
    np.testing.assert_array_equal(value, grad)


def test_dropout_errors():
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'."):
        tf.nn.dropout(X, keep_prob=0.5, rate=0.5)
    with pytest.raises(
        ValueError,
        match=r"`rate` must be a scalar tensor or a float in the range "
        r"\[0, 1\). Received: rate=-0.5",
    ):
        tf.nn.dropout(X, keep_prob=1.5)
    with pytest.raises(ValueError, match=r"Received: rate=1.0"):
        tf.nn.dropout(X, rate=1.0)
    with pytest.raises(ValueError, match="`x.dtype` must be a floating point tensor"):
        tf.nn.dropout(np.ones(3, np.int32), rate=0.5)
    with pytest.raises(ValueError, match=r"`rate` must be provided. Received: rate=None"):
        tf.nn.dropout(X)
    with pytest.raises(ValueError, match=r"`rate` must be a scalar or scalar tensor"):
        tf.nn.dropout(X, rate=[0.1])
    with pytest.raises(ValueError, match=r"`keep_prob` must be a floating point number"):
        tf.nn.dropout(X, keep_prob="a")
    with pytest.raises(ValueError, match=r"Shape \(2,\) must have rank 0"):
        tf.nn.dropout(X, rate=tf.constant([0.1, 0.2]))
    with pytest.raises(ValueError, match=r"`x.dtype` must be compatible with `rate.dtype`"):
        tf.nn.dropout(X.astype(np.float32), rate=tf.placeholder(tf.float64, []))


# Recorded from TF 2.21 (tf.compat.v1, tf.set_random_seed(3)): each dropout's ops in order
# (type, name, inputs) and its values for x = linspace(-2, 2, 12) as 3x4, keep_prob fed 0.7.
DROPOUT_GRAPH = [
    ("Const", "dropout/Const", []),
    ("Mul", "dropout/Mul", ["x:0", "dropout/Const:0"]),
    ("Const", "dropout/Shape", []),
    ("RandomUniform", "dropout/random_uniform/RandomUniform", ["dropout/Shape:0"]),
    ("Const", "dropout/GreaterEqual/y", []),
    (
        "GreaterEqual",
        "dropout/GreaterEqual",
        ["dropout/random_uniform/RandomUniform:0", "dropout/GreaterEqual/y:0"],
    ),
    ("Const", "dropout/Const_1", []),
    (
        "SelectV2",
        "dropout/SelectV2",
        ["dropout/GreaterEqual:0", "dropout/Mul:0", "dropout/Const_1:0"],
    ),
    ("Placeholder", "keep_prob", []),
    ("Const", "sub/x", []),
    ("Sub", "sub", ["sub/x:0", "keep_prob:0"]),
    ("Const", "dropout_1/Const", []),
    ("Sub", "dropout_1/Sub", ["dropout_1/Const:0", "sub:0"]),
    ("RealDiv", "dropout_1/RealDiv", ["x:0", "dropout_1/Sub:0"]),
    ("Const", "dropout_1/Shape", []),
    ("RandomUniform", "dropout_1/random_uniform/RandomUniform", ["dropout_1/Shape:0"]),
    (
        "GreaterEqual",
        "dropout_1/GreaterEqual",
        ["dropout_1/random_uniform/RandomUniform:0", "sub:0"],
    ),
    ("Const", "dropout_1/Const_1", []),
    (
        "SelectV2",
        "dropout_1/SelectV2",
        ["dropout_1/GreaterEqual:0", "dropout_1/RealDiv:0", "dropout_1/Const_1:0"],
    ),
]
DROPOUT_VALUES = [
    [
        -2.857142925262451,
        -2.3376624584198,
        -1.8181818723678589,
        0.0,
        0.0,
        -0.25974026322364807,
        0.25974026322364807,
        0.7792208194732666,
        1.2987014055252075,
        1.8181818723678589,
        0.0,
        0.0,
    ],
    [
        0.0,
        -2.3376624584198,
        -1.8181818723678589,
        -1.2987014055252075,
        -0.7792208194732666,
        0.0,
        0.25974026322364807,
        0.7792208194732666,
        0.0,
        1.8181818723678589,
        2.3376624584198,
        2.857142925262451,
    ],
]


def test_dropout_is_tensorflows_graph_and_values():
    with tf.Graph().as_default():
        tf.set_random_seed(3)
        x = tf.constant(np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4), name="x")
        by_rate = tf.nn.dropout(x, rate=0.3, seed=1)
        keep_prob = tf.placeholder(tf.float32, [], name="keep_prob")
        by_keep_prob = tf.nn.dropout(x, keep_prob, seed=3)
        ops = tf.get_default_graph().get_operations()[1:]
        got = [(op.type, op.name, [t.name for t in op.inputs]) for op in ops]
        assert got == [(t, n, list(i)) for t, n, i in DROPOUT_GRAPH]
        with tf.Session() as sess:
            values = sess.run([by_rate, by_keep_prob], {keep_prob: 0.7})
    for value, expected in zip(values, DROPOUT_VALUES):
        assert value.dtype == np.float32 and value.shape == (3, 4)
        # Bit for bit, the sign of a dropped zero too (TF's SelectV2 gives +0.0).
        expected = np.array(expected, np.float32).reshape(3, 4)
        np.testing.assert_array_equal(value.view(np.int32), expected.view(np.int32))


# -- moments ---------------------------------------------------------------------------------------------
def test_moments(sess):
    mean, variance = tf.nn.moments(tf.constant(X), axes=[1])
    assert mean.shape.as_list() == [2] and variance.shape.as_list() == [2]
    m, v = sess.run([mean, variance])
    np.testing.assert_allclose(m, X.mean(axis=1))
    np.testing.assert_allclose(v, X.var(axis=1))
    mean, variance = tf.nn.moments(tf.constant(X), axes=[0, 1], keep_dims=True)
    assert mean.shape.as_list() == [1, 1]
    np.testing.assert_allclose(sess.run(variance), [[X.var()]])


# -- small compositions -------------------------------------------------------------------------------
W = RNG.standard_normal((4, 3))
B = RNG.standard_normal(3)


def test_xw_plus_b_and_relu_layer(sess):
    y = tf.nn.xw_plus_b(X, W, B)
    assert y.op.name == "xw_plus_b" and y.op.type == "BiasAdd"
    np.testing.assert_allclose(sess.run(y), X @ W + B, rtol=1e-12)
    r = tf.nn.relu_layer(X, W, B)
    assert r.op.name == "relu_layer" and r.op.type == "Relu"
    np.testing.assert_allclose(sess.run(r), np.maximum(X @ W + B, 0), rtol=1e-12)
    check_gradient(lambda x: tf.nn.xw_plus_b(x, W, B), X)


def test_l2_normalize(sess):
    y = tf.nn.l2_normalize(X, axis=1)
    assert y.op.name == "l2_normalize"
    np.testing.assert_allclose(sess.run(y), X / np.linalg.norm(X, axis=1, keepdims=True))
    np.testing.assert_allclose(
        sess.run(tf.nn.l2_normalize(X, dim=0)), X / np.linalg.norm(X, axis=0, keepdims=True)
    )
    np.testing.assert_array_equal(sess.run(tf.nn.l2_normalize([0.0, 0.0])), [0.0, 0.0])
    check_gradient(lambda x: tf.nn.l2_normalize(x, axis=1), X)


def test_zero_fraction(sess):
    v = sess.run(tf.nn.zero_fraction(tf.nn.relu(X)))
    assert isinstance(v, np.float32)
    np.testing.assert_allclose(v, np.mean(np.maximum(X, 0) == 0))


def test_embedding_lookup(sess):
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    params = tf.Variable(table)
    rows = tf.nn.embedding_lookup(params, [[3, 0], [1, 1]])
    assert rows.op.name == "embedding_lookup/Identity" and rows.shape.as_list() == [2, 2, 3]
    # The GatherV2 runs with the table; TF's closing Identity is not colocated.
    assert rows.op.inputs[0].op.colocation_groups() == [b"loc:@Variable"]
    sess.run(params.initializer)
    np.testing.assert_array_equal(sess.run(rows), table[[[3, 0], [1, 1]]])
    clipped = sess.run(tf.nn.embedding_lookup([table], [3], max_norm=1.0))
    np.testing.assert_allclose(np.linalg.norm(clipped, axis=1), [1.0], rtol=1e-6)
    # Shards ("mod": id % 2 picks the shard): tests/ops/test_partitioned_variables.py.
    sharded = tf.nn.embedding_lookup([table[0::2], table[1::2]], [3, 0, 1])
    np.testing.assert_array_equal(sess.run(sharded), table[[3, 0, 1]])


def test_embedding_lookup_gradient_reaches_used_rows(sess):
    table = tf.constant(np.ones((3, 2)))
    grad = tf.gradients(tf.nn.embedding_lookup(table, [2, 2]), table)[0]
    assert isinstance(grad, tf.IndexedSlices)  # the looked-up rows, as TF's
    dense = tf.convert_to_tensor(grad)
    np.testing.assert_array_equal(sess.run(dense), [[0, 0], [0, 0], [2, 2]])
