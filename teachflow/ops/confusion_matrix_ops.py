"""``tf.confusion_matrix``: how often each true label was predicted as each class, the
table every classification lesson ends with. Built as TensorFlow builds it: checks that
labels and predictions are in range, then one ``ScatterNd`` of ones (or ``weights``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.confusion_matrix([0, 1, 1], [0, 1, 0])).tolist())
    [[1, 0], [1, 1]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.framework.shapes import dimension_value

__all__ = ["confusion_matrix"]


def _after(check, t):
    """``t``, but only once ``check`` ran (TensorFlow's with_dependencies)."""
    from teachflow.ops.array_ops import identity

    with control_dependencies([check]):
        return identity(t, name="control_dependency")


def confusion_matrix(
    labels, predictions, num_classes=None, dtype=dtypes.int32, name=None, weights=None
):
    """A ``[num_classes, num_classes]`` matrix whose entry ``[i, j]`` counts (or sums the
    ``weights`` of) the examples with label ``i`` predicted as ``j``. ``num_classes``
    defaults to one more than the largest label or prediction. Negative or out-of-range
    values fail the step (InvalidArgumentError, TF's messages)."""
    from teachflow.ops.arithmetic_ops import add, maximum
    from teachflow.ops.check_ops import assert_less, assert_non_negative
    from teachflow.ops.filling import ones_like
    from teachflow.ops.gathering import scatter_nd
    from teachflow.ops.joining import stack
    from teachflow.ops.math_ops import cast
    from teachflow.ops.reduction_ops import reduce_max

    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, "confusion_matrix", (predictions, labels, num_classes, weights)):
        labels = cast(convert_to_tensor(labels, name="labels"), dtypes.int64)
        predictions = cast(convert_to_tensor(predictions, name="predictions"), dtypes.int64)
        labels = _after(
            assert_non_negative(labels, message="`labels` contains negative values"), labels
        )
        predictions = _after(
            assert_non_negative(predictions, message="`predictions` contains negative values"),
            predictions,
        )
        if num_classes is None:
            num_classes = add(maximum(reduce_max(predictions), reduce_max(labels)), 1)
        else:
            num_classes = cast(convert_to_tensor(num_classes), dtypes.int64)
            labels = _after(
                assert_less(labels, num_classes, message="`labels` out of bound"), labels
            )
            predictions = _after(
                assert_less(predictions, num_classes, message="`predictions` out of bound"),
                predictions,
            )
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
            predictions.shape.assert_is_compatible_with(weights.shape)
            values = cast(weights, dtype)
        else:
            values = ones_like(predictions, dtype=dtype)
        shape = stack([num_classes, num_classes])
        indices = stack([labels, predictions], axis=1)
        return scatter_nd(indices=indices, updates=values, shape=cast(shape, dtypes.int64))


def remove_squeezable_dimensions(labels, predictions, expected_rank_diff=0, name=None):
    """TF's ``confusion_matrix.remove_squeezable_dimensions``: when ``predictions``' rank
    minus ``labels``' is one more (less) than ``expected_rank_diff`` and the bigger one ends
    in an axis of size 1, that axis goes; with an unknown rank, a ``cond`` decides it.

        >>> import teachflow as tf
        >>> labels, logits = remove_squeezable_dimensions([[1], [0]], tf.ones([2, 3]), 1)
        >>> labels.shape
        TensorShape([Dimension(2)])
    """
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.control_flow_cond import cond

    with name_scope(name, "remove_squeezable_dimensions", [labels, predictions]):
        predictions = convert_to_tensor(predictions)
        labels = convert_to_tensor(labels)
        p_shape, l_shape = predictions.shape, labels.shape
        if p_shape.ndims is not None and l_shape.ndims is not None:
            rank_diff = p_shape.ndims - l_shape.ndims
            if rank_diff == expected_rank_diff + 1 and dimension_value(p_shape[-1]) in (None, 1):
                predictions = array_ops.squeeze(predictions, [-1])
            elif rank_diff == expected_rank_diff - 1 and dimension_value(l_shape[-1]) in (None, 1):
                labels = array_ops.squeeze(labels, [-1])
            return labels, predictions
        rank_diff = array_ops.rank(predictions) - array_ops.rank(labels)
        if p_shape.ndims is None or dimension_value(p_shape[-1]) in (None, 1):
            predictions = cond(
                math_ops.equal(expected_rank_diff + 1, rank_diff),
                lambda: array_ops.squeeze(predictions, [-1]),
                lambda: predictions,
            )
        if l_shape.ndims is None or dimension_value(l_shape[-1]) in (None, 1):
            labels = cond(
                math_ops.equal(expected_rank_diff - 1, rank_diff),
                lambda: array_ops.squeeze(labels, [-1]),
                lambda: labels,
            )
        return labels, predictions
