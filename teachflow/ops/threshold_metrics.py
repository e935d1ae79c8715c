"""Streaming metrics of a score against many thresholds: ROC and PR curves, ``tf.metrics.auc``.

A classifier that outputs a probability is judged at every threshold at once: each
threshold keeps its own true-positive, false-negative, true-negative and false-positive
count (local variables of shape ``[num_thresholds]``), and the metric reads a curve from
them: precision or recall per threshold, the area under the curve, or the sensitivity
where specificity is closest to a target.

    >>> import teachflow as tf
    >>> auc, update = tf.metrics.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(round(float(sess.run(update)), 2))
    0.75

The graphs follow TensorFlow's ``metrics_impl.py`` op for op, so the variables are
``auc/true_positives``, ``auc/false_negatives``, ... and the outputs ``auc/value`` and
``auc/update_op``.
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies
from teachflow.ops import array_ops, math_ops, state_ops
from teachflow.ops.check_ops import assert_greater_equal, assert_less_equal
from teachflow.ops.constant_op import constant
from teachflow.ops.metrics_impl import (
    _collect,
    _match_weights,
    _squeeze_last,
    broadcast_weights,
    metric_variable,
)
from teachflow.ops.special_math_ops import div_no_nan
from teachflow.ops.variable_scope import variable_scope

__all__ = [
    "auc",
    "false_negatives_at_thresholds",
    "false_positives_at_thresholds",
    "precision_at_thresholds",
    "recall_at_thresholds",
    "sensitivity_at_specificity",
    "specificity_at_sensitivity",
    "true_negatives_at_thresholds",
    "true_positives_at_thresholds",
]

# Each count's variable name and the (label, prediction) truth values it counts.
_CELLS = {
    "tp": ("true_positives", True, True),
    "fn": ("false_negatives", True, False),
    "tn": ("true_negatives", False, False),
    "fp": ("false_positives", False, True),
}


def _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights=None, includes=None):
    """The four counts per threshold: a prediction is positive when it is *greater* than the
    threshold. Returns ``(values, update_ops)``, dicts keyed ``tp``/``fn``/``tn``/``fp``."""
    includes = tuple(_CELLS) if includes is None else includes
    for include in includes:
        if include not in _CELLS:
            raise ValueError(f"Invalid key: {include}")
    predictions = convert_to_tensor(predictions)
    # Scores outside [0, 1] would fall off the curve's end thresholds, so TF refuses them.
    with control_dependencies(
        [
            assert_greater_equal(
                predictions,
                math_ops.cast(0.0, predictions.dtype),
                message="predictions must be in [0, 1]",
            ),
            assert_less_equal(
                predictions,
                math_ops.cast(1.0, predictions.dtype),
                message="predictions must be in [0, 1]",
            ),
        ]
    ):
        predictions, labels = _squeeze_last(
            math_ops.cast(predictions, dtypes.float32),
            math_ops.cast(convert_to_tensor(labels), dtypes.bool_),
        )
        predictions.shape.assert_is_compatible_with(labels.shape)
        if weights is not None:
            weights = _match_weights(convert_to_tensor(weights), predictions)
    num_thresholds = len(thresholds)
    predictions_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(math_ops.cast(labels, dtypes.bool_), [1, -1])
    num_predictions = predictions_2d.shape.as_list()[0]
    if num_predictions is None:
        num_predictions = array_ops.shape(predictions_2d)[0]
    thresh_tiled = array_ops.tile(
        array_ops.expand_dims(constant(thresholds), [1]),
        array_ops.stack([1, num_predictions]),
    )
    pred_is_pos = math_ops.greater(
        array_ops.tile(array_ops.transpose(predictions_2d), [num_thresholds, 1]), thresh_tiled
    )
    pred_is_neg = math_ops.logical_not(pred_is_pos) if {"fn", "tn"} & set(includes) else None
    label_is_pos = array_ops.tile(labels_2d, [num_thresholds, 1])
    label_is_neg = math_ops.logical_not(label_is_pos) if {"fp", "tn"} & set(includes) else None
    weights_tiled = None
    if weights is not None:
        weights = broadcast_weights(math_ops.cast(weights, dtypes.float32), predictions)
        weights_tiled = array_ops.tile(array_ops.reshape(weights, [1, -1]), [num_thresholds, 1])
        thresh_tiled.shape.assert_is_compatible_with(weights_tiled.shape)
    label_of = {True: label_is_pos, False: label_is_neg}
    pred_of = {True: pred_is_pos, False: pred_is_neg}
    values, update_ops = {}, {}
    # TF builds the cells in this fixed order, which fixes the op names.
    for key in ("tp", "fn", "tn", "fp"):
        if key not in includes:
            continue
        var_name, label_value, pred_value = _CELLS[key]
        var = metric_variable([num_thresholds], dtypes.float32, name=var_name)
        is_cell = math_ops.cast(
            math_ops.logical_and(label_of[label_value], pred_of[pred_value]), dtypes.float32
        )
        if weights_tiled is not None:
            is_cell *= weights_tiled
        update_ops[key] = state_ops.assign_add(var, math_ops.reduce_sum(is_cell, 1))
        values[key] = var
    return values, update_ops


def _read(var):
    """A metric's value read from its variable (TF's ``read_var`` outside a distribution)."""
    return array_ops.identity(var)


def _count_at_thresholds(key, default_name):
    def metric(
        labels,
        predictions,
        thresholds,
        weights=None,
        metrics_collections=None,
        updates_collections=None,
        name=None,
    ):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            values, update_ops = _confusion_matrix_at_thresholds(
                labels, predictions, thresholds, weights=weights, includes=(key,)
            )
            value = _collect(metrics_collections, _read(values[key]))
            return value, _collect(updates_collections, update_ops[key])

    metric.__name__ = f"{default_name}_at_thresholds"
    metric.__doc__ = (
        f"The (weighted) {default_name.replace('_', ' ')} at each threshold: a float "
        f"``[len(thresholds)]`` count and its update op."
    )
    return metric


true_positives_at_thresholds = _count_at_thresholds("tp", "true_positives")
false_negatives_at_thresholds = _count_at_thresholds("fn", "false_negatives")
true_negatives_at_thresholds = _count_at_thresholds("tn", "true_negatives")
false_positives_at_thresholds = _count_at_thresholds("fp", "false_positives")


def _ratio_at_thresholds(default_name, miss_key, doc):
    def metric(
        labels,
        predictions,
        thresholds,
        weights=None,
        metrics_collections=None,
        updates_collections=None,
        name=None,
    ):
        with variable_scope(name, default_name, (predictions, labels, weights)):
            values, update_ops = _confusion_matrix_at_thresholds(
                labels, predictions, thresholds, weights, includes=("tp", miss_key)
            )
            kind = default_name.split("_")[0]

            # The epsilon keeps an empty threshold at 0 rather than NaN.
            def ratio(tp, miss, name):
                return math_ops.divide(tp, 1e-07 + tp + miss, name=f"{kind}_{name}")

            value = _collect(metrics_collections, ratio(values["tp"], values[miss_key], "value"))
            update_op = ratio(update_ops["tp"], update_ops[miss_key], "update_op")
            return value, _collect(updates_collections, update_op)

    metric.__name__ = default_name
    metric.__doc__ = doc
    return metric


precision_at_thresholds = _ratio_at_thresholds(
    "precision_at_thresholds",
    "fp",
    "Precision ``tp / (tp + fp)`` at each threshold: ``(precision, update_op)``.",
)
recall_at_thresholds = _ratio_at_thresholds(
    "recall_at_thresholds",
    "fn",
    "Recall ``tp / (tp + fn)`` at each threshold: ``(recall, update_op)``.",
)


def _even_thresholds(num_thresholds, top=1.0 + 1e-07):
    """``num_thresholds`` cut points: just below 0, evenly inside (0, 1), and ``top``."""
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - 1e-07] + inner + [top]


def _interpolate_pr_auc(tp, fp, fn, num_thresholds):
    """Davis & Goadrich's PR area: precision interpolated between thresholds along the
    line of constant slope in (tp, tp + fp) space, not straight in (recall, precision)."""
    dtp = tp[: num_thresholds - 1] - tp[1:]
    p = tp + fp
    prec_slope = div_no_nan(
        dtp, math_ops.maximum(p[: num_thresholds - 1] - p[1:], 0), name="prec_slope"
    )
    intercept = tp[1:] - math_ops.multiply(prec_slope, p[1:])
    safe_p_ratio = math_ops.where(
        math_ops.logical_and(p[: num_thresholds - 1] > 0, p[1:] > 0),
        div_no_nan(
            p[: num_thresholds - 1], math_ops.maximum(p[1:], 0), name="recall_relative_ratio"
        ),
        array_ops.ones_like(p[1:]),
    )
    return math_ops.reduce_sum(
        div_no_nan(
            prec_slope * (dtp + intercept * math_ops.log(safe_p_ratio)),
            math_ops.maximum(tp[1:] + fn[1:], 0),
            name="pr_auc_increment",
        ),
        name="interpolate_pr_auc",
    )


# How each Riemann sum takes a segment's height from the curve's two ends.
_SEGMENT_HEIGHT = {
    "trapezoidal": lambda a, b: (a + b) / 2.0,
    "careful_interpolation": lambda a, b: (a + b) / 2.0,
    "minoring": math_ops.minimum,
    "majoring": math_ops.maximum,
}


def _area(tp, fn, tn, fp, curve, summation_method, num_thresholds, name):
    if curve == "PR" and summation_method == "careful_interpolation":
        return _interpolate_pr_auc(tp, fp, fn, num_thresholds)
    epsilon = 1.0e-6
    rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
    if curve == "ROC":
        x, y = math_ops.divide(fp, fp + tn + epsilon), rec
    else:
        x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
    height = _SEGMENT_HEIGHT[summation_method]
    n = num_thresholds - 1
    return math_ops.reduce_sum(math_ops.multiply(x[:n] - x[1:], height(y[:n], y[1:])), name=name)


def auc(
    labels,
    predictions,
    weights=None,
    num_thresholds=200,
    metrics_collections=None,
    updates_collections=None,
    curve="ROC",
    name=None,
    summation_method="trapezoidal",
    thresholds=None,
):
    """The area under the ROC (or PR) curve, summed over ``num_thresholds`` thresholds.

    ``curve`` is ``'ROC'`` or ``'PR'``; ``summation_method`` is ``'trapezoidal'``,
    ``'careful_interpolation'`` (exact PR interpolation), ``'minoring'`` or ``'majoring'``
    (lower and upper Riemann sums). ``thresholds`` replaces the even grid.

    >>> import teachflow as tf
    >>> auc, update = tf.metrics.auc([0, 1], [0.2, 0.9], num_thresholds=5)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(round(float(sess.run(update)), 3))
    1.0
    """
    with variable_scope(name, "auc", (labels, predictions, weights)):
        if curve not in ("ROC", "PR"):
            raise ValueError(f"Curve must be either ROC or PR. Curve {curve} is unknown.")
        if summation_method not in _SEGMENT_HEIGHT:
            raise ValueError(
                f"Invalid summation_method: {summation_method} summation_method should be "
                "'trapezoidal', 'careful_interpolation', 'minoring', or 'majoring'."
            )
        if thresholds is not None:
            inner = sorted(thresholds)
            num_thresholds = len(inner) + 2
            thresholds = [0.0 - 1e-07] + inner + [1.0 + 1e-07]
        else:
            thresholds = _even_thresholds(num_thresholds)
        values, update_ops = _confusion_matrix_at_thresholds(
            labels, predictions, thresholds, weights
        )

        def area(counts, name):
            return _area(
                counts["tp"],
                counts["fn"],
                counts["tn"],
                counts["fp"],
                curve,
                summation_method,
                num_thresholds,
                name,
            )

        value = _collect(metrics_collections, area(values, "value"))
        return value, _collect(updates_collections, area(update_ops, "update_op"))


def _check_rate(rate, what):
    if rate < 0 or rate > 1:
        raise ValueError(f"`{what}` must be in the range [0, 1]. Currently, `{what}` got {rate}.")


def sensitivity_at_specificity(
    labels,
    predictions,
    specificity,
    weights=None,
    num_thresholds=200,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The recall ``tp / (tp + fn)`` at the threshold whose specificity
    ``tn / (tn + fp)`` is closest to ``specificity`` (the first such threshold)."""
    _check_rate(specificity, "specificity")
    with variable_scope(name, "sensitivity_at_specificity", (predictions, labels, weights)):
        kepsilon = 1e-07
        values, update_ops = _confusion_matrix_at_thresholds(
            labels, predictions, _even_thresholds(num_thresholds), weights
        )

        def compute(c, name):
            specificities = math_ops.divide(c["tn"], c["tn"] + c["fp"] + kepsilon)
            index = math_ops.argmin(math_ops.abs(specificities - specificity), 0)
            index = math_ops.cast(index, dtypes.int32)
            tp, fn = c["tp"], c["fn"]
            return math_ops.divide(tp[index], tp[index] + fn[index] + kepsilon, name)

        value = _collect(metrics_collections, compute(values, "value"))
        return value, _collect(updates_collections, compute(update_ops, "update_op"))


def specificity_at_sensitivity(
    labels,
    predictions,
    sensitivity,
    weights=None,
    num_thresholds=200,
    metrics_collections=None,
    updates_collections=None,
    name=None,
):
    """The specificity ``tn / (tn + fp)`` at the *last* threshold whose sensitivity is
    closest to ``sensitivity``. The top threshold is just below 1, as in TF."""
    _check_rate(sensitivity, "sensitivity")
    with variable_scope(name, "specificity_at_sensitivity", (predictions, labels, weights)):
        kepsilon = 1e-07
        values, update_ops = _confusion_matrix_at_thresholds(
            labels, predictions, _even_thresholds(num_thresholds, 1.0 - kepsilon), weights
        )

        def compute(c, name):
            sensitivities = math_ops.divide(c["tp"], c["tp"] + c["fn"] + kepsilon)
            min_val = math_ops.reduce_min(math_ops.abs(sensitivities - sensitivity))
            at_min = math_ops.equal(math_ops.abs(sensitivities - sensitivity), min_val)
            # argmax of the running count of ties picks the last tie (argmax keeps the first).
            at_min = math_ops.cumsum(math_ops.cast(at_min, dtypes.int64))
            index = math_ops.cast(math_ops.argmax(at_min, 0), dtypes.int32)
            tn, fp = c["tn"], c["fp"]
            return math_ops.divide(tn[index], tn[index] + fp[index] + kepsilon, name)

        value = _collect(metrics_collections, compute(values, "value"))
        return value, _collect(updates_collections, compute(update_ops, "update_op"))
