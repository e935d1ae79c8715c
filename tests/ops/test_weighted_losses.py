"""tf.losses: per-element formulas, weights, reductions, collections and names."""

import numpy as np
import pytest

import teachflow as tf
from teachflow import losses

LABELS = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 3.0]], np.float32)
PREDICTIONS = np.array([[1.5, 0.0, 0.0], [0.5, 1.0, 2.0]], np.float32)
WEIGHTS = np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0]], np.float32)


def _mean_nonzero(per_element, weights):
    weights = np.broadcast_to(weights, per_element.shape)
    return (per_element * weights).sum() / np.count_nonzero(weights)


@pytest.mark.parametrize(
    "fn, reference",
    [
        (losses.mean_squared_error, lambda z, p: (p - z) ** 2),
        (losses.absolute_difference, lambda z, p: np.abs(p - z)),
        (
            losses.huber_loss,
            lambda z, p: np.where(np.abs(p - z) <= 1, 0.5 * (p - z) ** 2, np.abs(p - z) - 0.5),
        ),
    ],
)
@pytest.mark.parametrize("weights", [1.0, WEIGHTS, np.array([[2.0], [0.0]], np.float32)])
def test_regression_losses(sess, fn, reference, weights):
    loss = fn(LABELS, PREDICTIONS, weights=weights)
    value = sess.run(loss)
    assert loss.dtype == tf.float32 and isinstance(value, np.float32)
    np.testing.assert_allclose(
        value, _mean_nonzero(reference(LABELS, PREDICTIONS), weights), rtol=1e-6
    )


def test_loss_names_and_collection():
    loss = losses.mean_squared_error(LABELS, PREDICTIONS)
    assert loss.op.name == "mean_squared_error/value"
    assert losses.get_losses() == [loss] == tf.get_collection(tf.GraphKeys.LOSSES)
    assert losses.mean_squared_error(LABELS, PREDICTIONS, scope="mse").op.name == "mse/value"
    unlisted = losses.absolute_difference(LABELS, PREDICTIONS, loss_collection=None)
    assert unlisted not in losses.get_losses()


@pytest.mark.parametrize(
    "reduction, expected",
    [
        (losses.Reduction.NONE, np.array([2.0, 0.0])),
        (losses.Reduction.SUM, 2.0),
        (losses.Reduction.MEAN, 1.0),  # sum(w * loss) / sum(w)
        (losses.Reduction.SUM_OVER_BATCH_SIZE, 1.0),
        (losses.Reduction.SUM_BY_NONZERO_WEIGHTS, 2.0),
    ],
)
def test_reductions(sess, reduction, expected):
    loss = losses.compute_weighted_loss([1.0, 3.0], weights=[2.0, 0.0], reduction=reduction)
    np.testing.assert_allclose(sess.run(loss), expected)


def test_all_zero_weights_give_zero_not_nan(sess):
    loss = losses.compute_weighted_loss([1.0, 3.0], weights=[0.0, 0.0])
    assert sess.run(loss) == 0.0


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid Reduction Key bogus."):
        losses.compute_weighted_loss([1.0], reduction="bogus")


def test_missing_arguments():
    with pytest.raises(ValueError, match="Argument `labels` must not be None."):
        losses.mean_squared_error(None, [1.0])
    with pytest.raises(ValueError, match="Argument `predictions` must not be None."):
        losses.mean_squared_error([1.0], None)


def test_shape_mismatch():
    with pytest.raises(ValueError, match="incompatible"):
        losses.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_log_and_hinge_loss(sess):
    z = np.array([1.0, 0.0, 1.0], np.float32)
    p = np.array([0.9, 0.2, 0.4], np.float32)
    expected = -(z * np.log(p + 1e-7) + (1 - z) * np.log(1 - p + 1e-7)).mean()
    np.testing.assert_allclose(sess.run(losses.log_loss(z, p)), expected, rtol=1e-5)
    logits = np.array([0.5, -2.0, -0.3], np.float32)
    expected = np.maximum(0, 1 - (2 * z - 1) * logits).mean()
    np.testing.assert_allclose(sess.run(losses.hinge_loss(z, logits)), expected, rtol=1e-6)


def _log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def test_softmax_cross_entropy(sess):
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], np.float32)
    onehot = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    loss = losses.softmax_cross_entropy(onehot, logits)
    assert loss.op.name == "softmax_cross_entropy_loss/value"
    expected = -(onehot * _log_softmax(logits)).sum(-1).mean()
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-6)
    smoothed = onehot * 0.8 + 0.2 / 3
    loss = losses.softmax_cross_entropy(onehot, logits, label_smoothing=0.2)
    np.testing.assert_allclose(
        sess.run(loss), -(smoothed * _log_softmax(logits)).sum(-1).mean(), rtol=1e-6
    )


def test_sparse_softmax_cross_entropy(sess):
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], np.float32)
    expected = -(_log_softmax(logits)[[0, 1], [1, 2]]).mean()
    loss = losses.sparse_softmax_cross_entropy([1, 2], logits)
    assert loss.op.name == "sparse_softmax_cross_entropy_loss/value"
    np.testing.assert_allclose(sess.run(loss), expected, rtol=1e-6)
    # Labels shaped [batch, 1] are squeezed, as TF does.
    np.testing.assert_allclose(
        sess.run(losses.sparse_softmax_cross_entropy([[1], [2]], logits)), expected, rtol=1e-6
    )


def test_sigmoid_cross_entropy(sess):
    logits = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    z = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    loss = losses.sigmoid_cross_entropy(z, logits, label_smoothing=0.1)
    zs = z * 0.9 + 0.05
    per = np.maximum(logits, 0) - logits * zs + np.log1p(np.exp(-np.abs(logits)))
    np.testing.assert_allclose(sess.run(loss), per.mean(), rtol=1e-6)


def test_total_loss_adds_regularization(sess):
    v = tf.get_variable(
        "v", [], initializer=tf.constant_initializer(3.0), regularizer=lambda w: w * 0.5
    )
    losses.mean_squared_error([1.0], [3.0])
    assert len(losses.get_regularization_losses()) == 1
    total = losses.get_total_loss()
    sess.run(v.initializer)
    np.testing.assert_allclose(sess.run(total), 4.0 + 1.5)
    np.testing.assert_allclose(
        sess.run(losses.get_total_loss(add_regularization_losses=False)), 4.0
    )
    np.testing.assert_allclose(sess.run(losses.get_regularization_loss()), 1.5)


def test_total_loss_without_losses():
    with pytest.raises(ValueError, match="No losses found"):
        losses.get_total_loss()
    assert losses.get_regularization_loss().op.type == "Const"


def test_gradient_of_mean_squared_error(sess):
    p = tf.constant([1.0, 4.0])
    loss = losses.mean_squared_error([1.0, 2.0], p)
    np.testing.assert_allclose(sess.run(tf.gradients(loss, p)[0]), [0.0, 2.0])
