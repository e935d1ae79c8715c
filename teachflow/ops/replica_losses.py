"""Losses scaled for data-parallel training: ``tf.nn.compute_average_loss`` and
``tf.nn.scale_regularization_loss``.

Under a distribution strategy each replica sees ``1 / num_replicas`` of the global batch,
so a per-replica loss is summed and divided by the GLOBAL batch size (and a regularization
loss by the number of replicas): the replicas' gradients then add up to the gradient of
the whole batch's mean. Outside a strategy (teachflow's graphs) there is one replica.

    >>> import teachflow as tf
    >>> loss = tf.nn.compute_average_loss([1.0, 2.0, 6.0], global_batch_size=6)
    >>> with tf.Session() as sess:
    ...     print(sess.run(loss))
    1.5
"""

from __future__ import annotations

import contextlib

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies

__all__ = ["compute_average_loss", "scale_regularization_loss"]

# teachflow has no tf.distribute strategies: every graph runs in one replica.
NUM_REPLICAS_IN_SYNC = 1


def scale_regularization_loss(regularization_loss):
    """``reduce_sum(regularization_loss) / num_replicas``: each replica's share of a
    regularization loss that its gradients will add back up.

        >>> import teachflow as tf
        >>> tf.nn.scale_regularization_loss([0.5, 0.25]).op.type
        'RealDiv'
    """
    from teachflow.ops.reduction_ops import reduce_sum

    return reduce_sum(regularization_loss) / NUM_REPLICAS_IN_SYNC


@contextlib.contextmanager
def _check_per_example_loss_rank(per_example_loss):
    from teachflow.ops import array_ops, check_ops
    from teachflow.ops.arithmetic_ops import cast

    rank = per_example_loss.shape.ndims
    if rank is not None:
        if rank == 0:
            raise ValueError(
                "Invalid value passed for `per_example_loss`. Expected a tensor with at least "
                f"rank 1. Received per_example_loss={per_example_loss} with rank {rank}"
            )
        yield
        return
    check = check_ops.assert_greater_equal(
        array_ops.rank(per_example_loss),
        cast(1, dtype=dtypes.int32),
        message="Invalid value passed for `per_example_loss`. Expected a tensor with at "
        "least rank 1.",
    )
    with control_dependencies([check]):
        yield


def _scale_by_sample_weight(losses, sample_weight):
    """TF's ``scale_losses_by_sample_weight``: float32 losses times weights whose rank is
    brought within one of the losses'."""
    from teachflow.ops import array_ops
    from teachflow.ops.arithmetic_ops import cast, multiply

    losses = cast(losses, dtypes.float32)
    sample_weight = cast(sample_weight, dtypes.float32)
    loss_rank, weight_rank = losses.shape.ndims, sample_weight.shape.ndims
    if weight_rank != 0 and loss_rank is not None and weight_rank is not None:
        if weight_rank - loss_rank == 1:
            sample_weight = array_ops.squeeze(sample_weight, [-1])
        elif loss_rank - weight_rank == 1:
            sample_weight = array_ops.expand_dims(sample_weight, [-1])
    elif weight_rank != 0:
        raise NotImplementedError("sample weights of unknown rank")
    return multiply(losses, sample_weight)


def compute_average_loss(per_example_loss, sample_weight=None, global_batch_size=None):
    """The sum of ``per_example_loss`` (times ``sample_weight``) over the global batch
    size (by default this replica's batch times the number of replicas), 0 for an empty
    batch (``DivNoNan``). Raises ValueError for a scalar loss.

        >>> import teachflow as tf
        >>> y = tf.nn.compute_average_loss([1.0, 3.0], sample_weight=[1.0, 0.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        0.5
    """
    from teachflow.ops import array_ops, check_ops
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.reduction_ops import reduce_sum
    from teachflow.ops.special_math_ops import div_no_nan

    per_example_loss = convert_to_tensor(per_example_loss)
    input_dtype = per_example_loss.dtype
    with _check_per_example_loss_rank(per_example_loss):
        if sample_weight is not None:
            sample_weight = convert_to_tensor(sample_weight)
            per_example_loss = _scale_by_sample_weight(per_example_loss, sample_weight)
        per_example_loss = cast(per_example_loss, input_dtype)
        if global_batch_size is None:
            per_replica_batch_size = array_ops.shape(per_example_loss)[0]
            global_batch_size = per_replica_batch_size * NUM_REPLICAS_IN_SYNC
        check_ops.assert_scalar(global_batch_size, message="global_batch_size must be scalar.")
        check_ops.assert_integer(global_batch_size, message="global_batch_size must be an integer.")
        check_ops.assert_non_negative(
            global_batch_size, message="global_batch_size must be non-negative."
        )
        loss = reduce_sum(per_example_loss)
        global_batch_size = cast(global_batch_size, input_dtype)
        return div_no_nan(loss, global_batch_size)
