"""``tf.losses``: per-example losses, weighted, reduced to a scalar, and collected.

Every function here computes an elementwise loss, multiplies it by ``weights`` (a scalar
or a tensor broadcastable to the loss) and reduces it as ``reduction`` says — by default
the weighted sum divided by the number of non-zero weights. The result is also added to
the ``tf.GraphKeys.LOSSES`` collection, which `get_total_loss` sums (with any
regularization losses from `tf.get_variable`).

    >>> import teachflow as tf
    >>> loss = tf.losses.mean_squared_error(labels=[1.0, 2.0], predictions=[1.0, 4.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(loss))
    2.0
    >>> tf.losses.get_losses() == [loss]
    True
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import GraphKeys, get_default_graph
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import dimension_value

__all__: list = []


class Reduction:
    """How `compute_weighted_loss` turns weighted per-element losses into the result."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (
            cls.NONE,
            cls.SUM,
            cls.MEAN,
            cls.SUM_OVER_BATCH_SIZE,
            cls.SUM_OVER_NONZERO_WEIGHTS,
            cls.SUM_BY_NONZERO_WEIGHTS,
        )

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


# -- collections --------------------------------------------------------------------------------
def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Add ``loss`` to a collection (nothing when ``loss_collection`` is None)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses added so far (those whose name matches ``scope``)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The losses that variable regularizers added (``tf.get_variable(regularizer=...)``)."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    from teachflow.ops import constant_op, math_ops

    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant_op.constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of the collected losses, plus the regularization losses by default.

    Raises ValueError when there is no loss at all.
    """
    from teachflow.ops import math_ops

    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("No losses found: build a tf.losses loss before asking for the total.")
    return math_ops.add_n(losses, name=name)


# -- reduction ---------------------------------------------------------------------------------------
def _safe_mean(losses, num_present):
    """The sum of ``losses`` over ``num_present``, 0 when that is 0 (TF's ``_safe_mean``:
    it sums again, so a scalar total gets a ``Sum`` over ``range(0, Rank)`` of its own)."""
    from teachflow.ops import math_ops
    from teachflow.ops.special_math_ops import div_no_nan

    total_loss = math_ops.reduce_sum(losses)
    return div_no_nan(total_loss, num_present, name="value")


def _num_present(losses, weights, per_batch=False):
    """How many elements of ``losses`` carry a non-zero weight (per example, with kept
    dims, when ``per_batch``)."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.weights_broadcast_ops import broadcast_weights

    if isinstance(weights, float) and weights != 0.0:
        return _num_elements(losses)
    with name_scope(None, "num_present", (losses, weights)) as scope:
        weights = math_ops.cast(weights, dtypes.float32)
        present = math_ops.where(
            math_ops.equal(weights, 0.0),
            array_ops.zeros_like(weights),
            array_ops.ones_like(weights),
        )
        present = broadcast_weights(present, losses)
        if per_batch:
            return math_ops.reduce_sum(
                present,
                axis=array_ops.range(1, array_ops.rank(present)),
                keepdims=True,
                name=scope,
            )
        return math_ops.reduce_sum(present, name=scope)


def _num_elements(losses):
    from teachflow.ops import array_ops, math_ops

    with name_scope(None, "num_elements", [losses]) as scope:
        return math_ops.cast(array_ops.size(losses, name=scope), losses.dtype)


def _reduce_weighted(losses, weights, loss_collection, reduction):
    from teachflow.ops import array_ops, math_ops

    losses = convert_to_tensor(losses)
    input_dtype = losses.dtype
    losses = math_ops.cast(losses, dtypes.float32)
    weights = math_ops.cast(weights, dtypes.float32)
    weighted_losses = math_ops.multiply(losses, weights)
    if reduction == Reduction.NONE:
        loss = weighted_losses
    else:
        loss = math_ops.reduce_sum(weighted_losses)
        if reduction == Reduction.MEAN:
            loss = _safe_mean(loss, math_ops.reduce_sum(array_ops.ones_like(losses) * weights))
        elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
            loss = _safe_mean(loss, _num_present(losses, weights))
        elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
            loss = _safe_mean(loss, _num_elements(losses))
    loss = math_ops.cast(loss, input_dtype)
    add_loss(loss, loss_collection)
    return loss


def compute_weighted_loss(
    losses,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """``losses * weights`` reduced by ``reduction`` (see `Reduction`), computed in float32
    and returned in the losses' dtype; added to ``loss_collection``. Everything runs after
    TF's ``assert_broadcastable(weights, losses)`` (a control input), and the divisions are
    ``DivNoNan``: 0 where every weight is 0.

        >>> import teachflow as tf
        >>> loss = tf.losses.compute_weighted_loss([1.0, 3.0], weights=[1.0, 0.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss))
        1.0
    """
    from teachflow.ops.weights_broadcast_ops import assert_broadcastable

    Reduction.validate(reduction)
    with name_scope(scope, "weighted_loss", (losses, weights)):
        get_default_graph()._last_loss_reduction = reduction
        with control_dependencies((assert_broadcastable(weights, losses),)):
            return _reduce_weighted(losses, weights, loss_collection, reduction)


def _check_pair(labels, predictions):
    if labels is None:
        raise ValueError("Argument `labels` must not be None.")
    if predictions is None:
        raise ValueError("Argument `predictions` must not be None.")


def _float_pair(labels, predictions):
    from teachflow.ops import math_ops

    predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels), dtypes.float32)
    predictions.shape.assert_is_compatible_with(labels.shape)
    return labels, predictions


# -- the losses -----------------------------------------------------------------------------------------
def mean_squared_error(
    labels,
    predictions,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Weighted mean of ``(predictions - labels) ** 2``.

    >>> import teachflow as tf
    >>> tf.losses.mean_squared_error([0.0], [1.0]).op.name
    'mean_squared_error/value'
    """
    from teachflow.ops import math_ops

    _check_pair(labels, predictions)
    with name_scope(scope, "mean_squared_error", [predictions, labels, weights]) as scope:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def absolute_difference(
    labels,
    predictions,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Weighted mean of ``|predictions - labels|``.

    >>> import teachflow as tf
    >>> tf.losses.absolute_difference([0.0], [1.0]).dtype
    tf.float32
    """
    from teachflow.ops import math_ops

    _check_pair(labels, predictions)
    with name_scope(scope, "absolute_difference", [predictions, labels, weights]) as scope:
        labels, predictions = _float_pair(labels, predictions)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def huber_loss(
    labels,
    predictions,
    weights=1.0,
    delta=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Quadratic for errors up to ``delta``, linear beyond: ``0.5 q² + delta (|e| - q)``
    with ``q = min(|e|, delta)`` — robust to outliers.

        >>> import teachflow as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.losses.huber_loss([0.0], [3.0])))
        2.5
    """
    from teachflow.ops import math_ops

    _check_pair(labels, predictions)
    with name_scope(scope, "huber_loss", [predictions, labels, weights]) as scope:
        labels, predictions = _float_pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(
            math_ops.multiply(
                convert_to_tensor(0.5, dtype=quadratic.dtype),
                math_ops.multiply(quadratic, quadratic),
            ),
            math_ops.multiply(delta, linear),
        )
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def log_loss(
    labels,
    predictions,
    weights=1.0,
    epsilon=1e-7,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Binary cross entropy of probabilities: ``-z log(p + eps) - (1 - z) log(1 - p + eps)``.

    >>> import teachflow as tf
    >>> tf.losses.log_loss([1.0], [0.5]).op.name
    'log_loss/value'
    """
    from teachflow.ops import math_ops

    _check_pair(labels, predictions)
    with name_scope(scope, "log_loss", [predictions, labels, weights]) as scope:
        labels, predictions = _float_pair(labels, predictions)
        losses = -math_ops.multiply(
            labels, math_ops.log(predictions + epsilon)
        ) - math_ops.multiply((1 - labels), math_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def hinge_loss(
    labels,
    logits,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """``max(0, 1 - y * logits)`` with labels 0/1 mapped to y = -1/+1.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.losses.hinge_loss([1.0, 0.0], [0.5, -2.0])))
    0.25
    """
    from teachflow.ops import activation_ops, array_ops, math_ops

    _check_pair(labels, logits)
    with name_scope(scope, "hinge_loss", [logits, labels, weights]) as scope:
        labels, logits = _float_pair(labels, logits)
        all_ones = array_ops.ones_like(labels)
        labels = math_ops.subtract(2 * labels, all_ones)
        losses = activation_ops.relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, scope, loss_collection, reduction)


def softmax_cross_entropy(
    onehot_labels,
    logits,
    weights=1.0,
    label_smoothing=0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Mean softmax cross entropy of one-hot (or soft) labels; no gradient reaches the
    labels. ``label_smoothing`` moves that much probability mass to a uniform spread.

        >>> import teachflow as tf
        >>> tf.losses.softmax_cross_entropy([[0.0, 1.0]], [[1.0, 2.0]]).op.name
        'softmax_cross_entropy_loss/value'
    """
    from teachflow.ops import array_ops, losses, math_ops

    _check_pair(onehot_labels, logits)
    with name_scope(scope, "softmax_cross_entropy_loss", [logits, onehot_labels, weights]) as scope:
        logits = convert_to_tensor(logits)
        onehot_labels = math_ops.cast(onehot_labels, logits.dtype.base_dtype)
        logits.shape.assert_is_compatible_with(onehot_labels.shape)
        if label_smoothing > 0:
            num_classes = math_ops.cast(array_ops.shape(onehot_labels)[-1], logits.dtype.base_dtype)
            onehot_labels = onehot_labels * (1.0 - label_smoothing) + label_smoothing / num_classes
        onehot_labels = array_ops.stop_gradient(onehot_labels, name="labels_stop_gradient")
        xent = losses.softmax_cross_entropy_with_logits_v2(
            labels=onehot_labels, logits=logits, name="xentropy"
        )
        return compute_weighted_loss(xent, weights, scope, loss_collection, reduction)


def sparse_softmax_cross_entropy(
    labels,
    logits,
    weights=1.0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Mean softmax cross entropy with integer class ``labels``; labels of shape
    [batch, 1] are squeezed to [batch].

        >>> import teachflow as tf
        >>> tf.losses.sparse_softmax_cross_entropy([1], [[1.0, 2.0]]).op.name
        'sparse_softmax_cross_entropy_loss/value'
    """
    from teachflow.ops import losses

    _check_pair(labels, logits)
    with name_scope(scope, "sparse_softmax_cross_entropy_loss", [logits, labels, weights]) as scope:
        labels, logits, weights = _remove_squeezable_dimensions(labels, logits, weights, 1)
        xent = losses.sparse_softmax_cross_entropy_with_logits(
            labels=labels, logits=logits, name="xentropy"
        )
        return compute_weighted_loss(xent, weights, scope, loss_collection, reduction)


def _remove_squeezable_dimensions(labels, predictions, weights, expected_rank_diff):
    """TF's losses_impl helper: labels one rank above ``expected_rank_diff`` lose a last
    axis of size 1, and weights (always made a tensor) one rank above the labels too."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.confusion_matrix_ops import remove_squeezable_dimensions
    from teachflow.ops.control_flow_cond import cond

    labels, predictions = remove_squeezable_dimensions(labels, predictions, expected_rank_diff)
    weights = convert_to_tensor(weights)
    labels_rank, weights_rank = labels.shape.ndims, weights.shape.ndims
    if labels_rank is not None and weights_rank is not None:
        if weights_rank - labels_rank == 1:
            weights = array_ops.squeeze(weights, [-1])
        return labels, predictions, weights
    rank_diff = array_ops.rank(weights) - array_ops.rank(labels)
    if weights_rank is None or (
        weights_rank > 0 and dimension_value(weights.shape[-1]) in (None, 1)
    ):
        weights = cond(
            math_ops.equal(1, rank_diff),
            lambda: array_ops.squeeze(weights, [-1]),
            lambda: weights,
        )
    return labels, predictions, weights


def sigmoid_cross_entropy(
    multi_class_labels,
    logits,
    weights=1.0,
    label_smoothing=0,
    scope=None,
    loss_collection=GraphKeys.LOSSES,
    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
):
    """Mean sigmoid cross entropy of independent 0/1 labels; ``label_smoothing`` pulls
    the labels toward 1/2.

        >>> import teachflow as tf
        >>> tf.losses.sigmoid_cross_entropy([[1.0]], [[0.0]]).op.name
        'sigmoid_cross_entropy_loss/value'
    """
    from teachflow.ops import losses, math_ops

    _check_pair(multi_class_labels, logits)
    with name_scope(
        scope, "sigmoid_cross_entropy_loss", [logits, multi_class_labels, weights]
    ) as scope:
        logits = convert_to_tensor(logits)
        multi_class_labels = math_ops.cast(multi_class_labels, logits.dtype.base_dtype)
        logits.shape.assert_is_compatible_with(multi_class_labels.shape)
        if label_smoothing > 0:
            multi_class_labels = multi_class_labels * (1 - label_smoothing) + 0.5 * label_smoothing
        xent = losses.sigmoid_cross_entropy_with_logits(
            labels=multi_class_labels, logits=logits, name="xentropy"
        )
        return compute_weighted_loss(xent, weights, scope, loss_collection, reduction)
