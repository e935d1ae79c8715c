"""Rank and shape assertions: ``tf.debugging.assert_rank_at_least``, ``assert_rank_in`` and
``assert_shapes``, as TensorFlow builds them.

What the static shapes already decide is decided while building: a wrong rank or size is a
ValueError at once, a right one a ``NoOp`` named ``static_checks_determined_all_ok``. Only
what is unknown until run time becomes an ``Assert`` op.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> y = tf.placeholder(tf.float32, [None])
    >>> check = tf.debugging.assert_shapes([(x, ("N", "D")), (y, ("N",))])
    >>> with tf.Session() as sess:
    ...     sess.run(check, {x: [[1, 2, 3]], y: [1]})
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope
from teachflow.ops.check_ops import Assert, _message_prefix, assert_rank, assert_type
from teachflow.ops.static_value import constant_value

__all__ = ["assert_rank_at_least", "assert_rank_in", "assert_shapes"]


class _StaticRankError(ValueError):
    """The static rank contradicts the condition (caught to word TensorFlow's message)."""


def _rank_condition(x, ranks, static_condition, dynamic_condition, data, summarize):
    from teachflow.ops.control_flow_cond import with_dependencies
    from teachflow.ops.control_flow_ops import no_op
    from teachflow.ops.shape_ops import rank as rank_of

    for rank in ranks:
        assert_type(rank, dtypes.int32)
    ranks_static = [constant_value(rank) for rank in ranks]
    if not any(r is None for r in ranks_static):
        if any(r.ndim != 0 for r in ranks_static):
            raise ValueError("Rank must be a scalar.")
        if x.shape.ndims is not None:
            if not static_condition(x.shape.ndims, [int(r) for r in ranks_static]):
                raise _StaticRankError()
            return no_op(name="static_checks_determined_all_ok")
    condition = dynamic_condition(rank_of(x), ranks)
    for rank, rank_static in zip(ranks, ranks_static):
        if rank_static is None:
            this_data = ["Rank must be a scalar. Received rank: ", rank]
            condition = with_dependencies([assert_rank(rank, 0, data=this_data)], condition)
    return Assert(condition, data, summarize=summarize)


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None, name=None):
    """``x`` must have at least ``rank`` dimensions: ValueError at once when both are
    known, else an Assert op checking at run time."""
    from teachflow.ops.comparison_ops import greater_equal
    from teachflow.ops.shape_ops import shape

    with name_scope(name, "assert_rank_at_least", (x, rank, *(data or []))):
        x = convert_to_tensor(x, name="x")
        rank = convert_to_tensor(rank, name="rank")
        prefix = _message_prefix(message)
        if data is None:
            data = [
                prefix,
                f"Tensor {x.name} must have rank at least",
                rank,
                "Received shape: ",
                shape(x),
            ]
        try:
            return _rank_condition(
                x,
                [rank],
                lambda actual, given: actual >= given[0],
                lambda actual, given: greater_equal(actual, given[0]),
                data,
                summarize,
            )
        except _StaticRankError:
            raise ValueError(
                f"{prefix}Tensor {x.name} must have rank at least {int(constant_value(rank))}."
                f"  Received rank {x.shape.ndims}, shape {x.shape}"
            ) from None


def _rank_in(actual, given):
    from teachflow.ops.comparison_ops import equal, logical_or

    result = equal(given[0], actual)
    for rank in given[1:]:
        result = logical_or(result, equal(rank, actual))
    return result


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """``x`` must have one of the ranks in ``ranks``: ValueError at once when known, else
    an Assert op checking at run time."""
    from teachflow.ops.shape_ops import shape

    with name_scope(name, "assert_rank_in", (x, *ranks, *(data or []))):
        x = convert_to_tensor(x, name="x")
        ranks = [convert_to_tensor(rank, name="rank") for rank in ranks]
        prefix = _message_prefix(message)
        if data is None:
            data = [prefix, f"Tensor {x.name} must have rank in", *ranks, "Received shape: "]
            data.append(shape(x))
        try:
            return _rank_condition(
                x, ranks, lambda actual, given: actual in given, _rank_in, data, summarize
            )
        except _StaticRankError:
            given = tuple(int(constant_value(r)) for r in ranks)
            raise ValueError(
                f"{prefix}Tensor {x.name} must have rank in {given}.  Received rank "
                f"{x.shape.ndims}, shape {x.shape}"
            ) from None


def _dimension_sizes(x):
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.constant_op import constant
    from teachflow.ops.control_flow_cond import cond
    from teachflow.ops.shape_ops import rank, shape

    dynamic_shape = shape(x)
    if x.shape.ndims == 0:
        return (1,)
    if x.shape.ndims is not None:
        return [
            int(size) if size is not None else dynamic_shape[i]
            for i, size in enumerate(x.shape.as_list())
        ]
    return cond(equal(rank(x), 0), lambda: constant([1]), lambda: dynamic_shape)


def _known(size):
    try:
        int(size)
    except (ValueError, TypeError):
        return False
    return size is not None


def assert_shapes(shapes, data=None, summarize=None, message=None, name=None):
    """The tensors' shapes must agree with symbolic ones: ``[(x, ("N", "D")), (y, ("N",))]``
    (or a dict). A symbol names a size that must be the same wherever it appears; an int
    is an exact size; ``None`` or ``"."`` any size; a leading ``...`` or ``"*"`` any number
    of outer dimensions. Returns an op that runs every check left for run time."""
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.control_flow_ops import group
    from teachflow.ops.shape_ops import shape

    if isinstance(shapes, dict):
        shapes = shapes.items()
    prefix = _message_prefix(message)
    with name_scope(name, "assert_shapes", [shapes, data]):
        constraints = [(convert_to_tensor(x), s) for x, s in shapes if s is not None]
        specs = []  # (tensor, unspecified outer dims, actual sizes, symbolic sizes)
        for tensor, symbolic in constraints:
            if not (hasattr(symbolic, "__iter__") or hasattr(symbolic, "__getitem__")):
                raise ValueError(
                    f"{prefix}Tensor {tensor.name}.  Specified shape must be an iterable.  An "
                    "iterable has the attribute `__iter__` or `__getitem__`.  Received "
                    f"specified shape: {symbolic}"
                )
            symbolic = tuple(symbolic)
            outer = False
            for i, symbol in enumerate(symbolic):
                if symbol is Ellipsis or symbol == "*":
                    if i != 0:
                        raise ValueError(
                            f"{prefix}Tensor {tensor.name} specified shape index {i}.  Symbol "
                            "`...` or `*` for a variable number of unspecified dimensions is "
                            "only allowed as the first entry"
                        )
                    outer = True
            sizes = symbolic[1:] if outer else symbolic
            specs.append((tensor, outer, _dimension_sizes(tensor), sizes or (1,)))

        rank_assertions = []
        for tensor, outer, _, sizes in specs:
            rank = len(sizes)
            if outer:
                if rank in (0, 1):
                    continue
                check = assert_rank_at_least(tensor, rank, data, summarize, message, name)
            elif rank in (0, 1):
                check = assert_rank_in(tensor, [0, 1], data, summarize, message, name)
            else:
                check = assert_rank(tensor, rank, data, summarize, message, name)
            rank_assertions.append(check)

        size_assertions, specified = [], {}
        for tensor, outer, actual_sizes, sizes in specs:
            for i, symbol in enumerate(sizes):
                if symbol in (None, "."):
                    continue
                dim = i - len(sizes) if outer else i
                if symbol in specified or _known(symbol):
                    if _known(symbol):
                        want, how = int(symbol), "Specified explicitly"
                    else:
                        want, by, at = specified[symbol]
                        how = f"Specified by tensor {by.name} dimension {at}"
                    with control_dependencies(rank_assertions):
                        actual = actual_sizes[dim]
                    if _known(actual) and _known(want):
                        if int(actual) != int(want):
                            raise ValueError(
                                f"{prefix}{how}.  Tensor {tensor.name} dimension {dim} must "
                                f"have size {int(want)}.  Received size {int(actual)}, shape "
                                f"{tensor.shape}"
                            )
                        continue
                    condition = equal(convert_to_tensor(actual), convert_to_tensor(want))
                    data_ = data
                    if data is None:
                        data_ = [
                            prefix,
                            how,
                            f"Tensor {tensor.name} dimension",
                            dim,
                            "must have size",
                            want,
                            "Received shape: ",
                            shape(tensor),
                        ]
                    size_assertions.append(Assert(condition, data_, summarize=summarize))
                else:
                    with control_dependencies(rank_assertions):
                        size = actual_sizes[dim]
                    specified[symbol] = (size, tensor, dim)
    with control_dependencies(rank_assertions):
        return group(size_assertions)
