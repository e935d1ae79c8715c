"""Weights broadcast to values, checked first: TF's ``weights_broadcast_ops``.

A metric's ``weights`` may be a scalar or shaped like its values with some axes of size 1.
``assert_broadcastable`` checks that when the graph is built if both shapes are known
(a ``ValueError``), else with an ``Assert`` that runs first (an ``InvalidArgumentError``);
the run-time check compares the shapes with ``DenseToDenseSetOperation``, as TF's does.
``broadcast_weights`` multiplies the checked weights by ones shaped like the values.

    >>> import teachflow as tf
    >>> w = tf.placeholder(tf.float32, [None, 1])
    >>> b = broadcast_weights(w, tf.ones([2, 3]))
    >>> with tf.Session() as sess:
    ...     print(sess.run(b, {w: [[1.0], [2.0]]}).tolist())
    [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops import array_ops, math_ops
from teachflow.ops.check_ops import Assert
from teachflow.ops.control_flow_cond import cond
from teachflow.ops.control_flow_ops import no_op
from teachflow.ops.set_operation_ops import set_difference
from teachflow.ops.static_value import constant_value

__all__ = ["assert_broadcastable", "broadcast_weights"]

ERROR_PREFIX = "weights can not be broadcast to values."


def _has_valid_dims(weights_shape, values_shape):
    # Each weights dim must be in {values dim, 1}: a set difference per axis.
    with name_scope(None, "has_invalid_dims", (weights_shape, values_shape)) as scope:
        values_shape_2d = array_ops.expand_dims(values_shape, -1)
        valid_dims = array_ops.concat(
            (values_shape_2d, array_ops.ones_like(values_shape_2d)), axis=1
        )
        weights_shape_2d = array_ops.expand_dims(weights_shape, -1)
        invalid_dims = set_difference(weights_shape_2d, valid_dims)
        num_invalid_dims = array_ops.size(invalid_dims.values, name="num_invalid_dims")
        return math_ops.equal(0, num_invalid_dims, name=scope)


def _has_valid_nonscalar_shape(weights_rank, weights_shape, values_rank, values_shape):
    with name_scope(
        None,
        "has_valid_nonscalar_shape",
        (weights_rank, weights_shape, values_rank, values_shape),
    ) as scope:
        is_same_rank = math_ops.equal(values_rank, weights_rank, name="is_same_rank")
        return cond(
            is_same_rank,
            lambda: _has_valid_dims(weights_shape, values_shape),
            lambda: is_same_rank,
            name=scope,
        )


def assert_broadcastable(weights, values):
    """An op that checks ``weights`` broadcast to ``values`` (a ``NoOp`` when the static
    shapes already show it); a ``ValueError`` when they show it cannot."""
    with name_scope(None, "assert_broadcastable", (weights, values)) as scope:
        with name_scope(None, "weights", (weights,)) as weights_scope:
            weights = convert_to_tensor(weights, name=weights_scope)
            weights_shape = array_ops.shape(weights, name="shape")
            weights_rank = array_ops.rank(weights, name="rank")
        weights_rank_static = constant_value(weights_rank)
        with name_scope(None, "values", (values,)) as values_scope:
            values = convert_to_tensor(values, name=values_scope)
            values_shape = array_ops.shape(values, name="shape")
            values_rank = array_ops.rank(values, name="rank")
        values_rank_static = constant_value(values_rank)

        if weights_rank_static is not None and values_rank_static is not None:
            if weights_rank_static == 0:
                return no_op(name="static_scalar_check_success")
            if weights_rank_static != values_rank_static:
                raise ValueError(
                    f"{ERROR_PREFIX} values.rank={values_rank_static}. "
                    f"weights.rank={weights_rank_static}. values.shape={values.shape}. "
                    f"weights.shape={weights.shape}. Received weights={weights}, "
                    f"values={values}"
                )
            weights_shape_static = constant_value(weights_shape)
            values_shape_static = constant_value(values_shape)
            if weights_shape_static is not None and values_shape_static is not None:
                for i, (w, v) in enumerate(zip(weights_shape_static, values_shape_static)):
                    if w not in (1, v):
                        raise ValueError(
                            f"{ERROR_PREFIX} Mismatch at dim {i}. "
                            f"values.shape={values_shape_static}, "
                            f"weights.shape={weights_shape_static}. Received "
                            f"weights={weights}, values={values}"
                        )
                return no_op(name="static_dims_check_success")

        is_scalar = math_ops.equal(0, weights_rank, name="is_scalar")
        data = (
            ERROR_PREFIX,
            "weights.shape=",
            weights.name,
            weights_shape,
            "values.shape=",
            values.name,
            values_shape,
            "is_scalar=",
            is_scalar,
        )
        is_valid_shape = cond(
            is_scalar,
            lambda: is_scalar,
            lambda: _has_valid_nonscalar_shape(
                weights_rank, weights_shape, values_rank, values_shape
            ),
            name="is_valid_shape",
        )
        return Assert(is_valid_shape, data, name=scope)


def broadcast_weights(weights, values):
    """``weights`` times ones shaped like ``values``, after `assert_broadcastable`; the
    weights themselves when both static shapes are known and agree."""
    with name_scope(None, "broadcast_weights", (weights, values)) as scope:
        values = convert_to_tensor(values, name="values")
        weights = convert_to_tensor(weights, dtype=values.dtype.base_dtype, name="weights")
        ws, vs = weights.shape, values.shape
        if ws.is_fully_defined() and vs.is_fully_defined() and ws.is_compatible_with(vs):
            return weights
        with control_dependencies((assert_broadcastable(weights, values),)):
            return math_ops.multiply(weights, array_ops.ones_like(values), name=scope)
