"""Assertions in the graph: ``tf.Assert`` and the ``tf.assert_*`` family.

An assertion is an op that fails the step (InvalidArgumentError "assertion failed: [...]")
when its condition is false; run it, or make what you compute depend on it:

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32)
    >>> with tf.control_dependencies([tf.assert_positive(x, message="x must be > 0")]):
    ...     y = tf.log(x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, {x: 1.0}))
    0.0

When both sides are constants the check happens at once, while building (as in TensorFlow):
a false static ``assert_equal`` raises InvalidArgumentError, a wrong static rank ValueError.
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.array_ops import to_host
from teachflow.ops.logging_ops import summarize_value
from teachflow.ops.static_value import constant_value

__all__ = [
    "Assert",
    "assert_equal",
    "assert_none_equal",
    "assert_less",
    "assert_less_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_positive",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_rank",
    "assert_scalar",
    "assert_integer",
    "assert_type",
]


# -- the Assert op -----------------------------------------------------------------------------
def _infer_assert(op):
    condition = op.inputs[0]
    if condition.dtype.base_dtype is not dtypes.bool_:
        raise TypeError(
            f"Input 'condition' of 'Assert' Op has type {condition.dtype.base_dtype.name} that "
            "does not match expected type of bool."
        )
    if condition.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {condition.shape.ndims}")
    return []


def _assert_kernel(op, device):
    summarize = op._attrs["summarize"]

    def check(condition, *data):
        if not bool(np.asarray(to_host(condition))):
            shown = " ".join(f"[{summarize_value(to_host(d), summarize)}]" for d in data)
            raise errors.InvalidArgumentError(None, None, f"assertion failed: {shown}")

    return check


registry.register("Assert", _infer_assert, _assert_kernel, stateful=True, not_differentiable=True)


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """An op that fails with "assertion failed: [data...]" when ``condition`` (a bool
    scalar) is false; at most ``summarize`` (3) entries of each data tensor are shown.

    As in TensorFlow, when some data is neither int32 nor string (so may live on a
    device), the Assert sits in the false branch of a v1 cond named ``AssertGuard``: the
    data is only gathered when the check fails. The cond's Merge op is returned then.

        >>> import teachflow as tf
        >>> x = tf.placeholder(tf.float32, [2], name="x")
        >>> tf.Assert(tf.reduce_all(x > 0), [x]).name
        'Assert/AssertGuard/Merge'
    """
    from teachflow.ops.control_flow_cond import cond
    from teachflow.ops.control_flow_ops import no_op

    with name_scope(name, "Assert", [condition, data]):
        xs = [convert_to_tensor(d) for d in data]
        if all(x.dtype.base_dtype in (dtypes.string, dtypes.int32) for x in xs):
            # TF's heuristic: int32 and strings are on the host anyway, no cond needed.
            return _assert_op(condition, data, summarize)
        condition = convert_to_tensor(condition, name="Condition")
        guarded = cond(
            condition,
            no_op,
            lambda: _assert_op(condition, data, summarize),
            name="AssertGuard",
        )
        return guarded.op


def _assert_op(condition, data, summarize):
    """The ``Assert`` op itself, its Python data converted as ``Assert/data_<i>``."""
    with name_scope(None, "Assert", [condition, *data]) as scope:
        condition = convert_to_tensor(condition, name="condition")
        values = [convert_to_tensor(d, name=f"data_{i}") for i, d in enumerate(data)]
        attrs = {
            "T": [v.dtype.base_dtype for v in values],
            "summarize": 3 if summarize is None else int(summarize),
        }
        return condition.graph.create_op("Assert", [condition, *values], attrs, name=scope)


# -- comparisons -------------------------------------------------------------------------------
def _message_prefix(message):
    """TensorFlow's prefix for a user's message: ``"<message>.  "``, or nothing."""
    return f"{message}.  " if message else ""


def _static_failure(message, lines):
    return errors.InvalidArgumentError(
        None, None, "\n".join(([message] if message else []) + lines)
    )


def _binary_assert(symbol, opname, compare, static_compare, x, y, data, summarize, message, name):
    from teachflow.ops.reduction_ops import reduce_all

    with name_scope(name, opname, [x, y, data]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype.base_dtype)
        condition_text = f"Condition x {symbol} y did not hold element-wise:"
        if data is None:
            data = [condition_text, f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message, *data]
        condition = reduce_all(compare(x, y))
        # Constants are checked at once; TF still builds the Assert when they pass.
        x_static, y_static = constant_value(x), constant_value(y)
        if x_static is not None and y_static is not None:
            if not np.all(static_compare(x_static, y_static)):
                # TF's _assert_static: the data, constants shown by value (assert_positive's
                # message and "Condition x > 0" too, not this comparison's).
                raise _static_failure(None, [_static_text(d) for d in data])
        return Assert(condition, data, summarize=summarize)


def _static_text(item):
    if not isinstance(item, Tensor):
        return str(item)
    value = constant_value(item)
    return str(item) if value is None else str(np.asarray(value))


def _comparison(symbol, opname, op_name, numpy_fn):
    def assert_fn(x, y, data=None, summarize=None, message=None, name=None):
        from teachflow.ops import comparison_ops
        from teachflow.ops.control_flow_ops import no_op

        compare = getattr(comparison_ops, op_name)
        if opname == "assert_equal":
            # TF short-circuits a tensor compared with itself (its scope name is used up).
            with name_scope(name, opname, [x, y, data]):
                if x is y:
                    return no_op()
        return _binary_assert(
            symbol, opname, compare, numpy_fn, x, y, data, summarize, message, name
        )

    assert_fn.__name__ = opname
    assert_fn.__doc__ = (
        f"An Assert op that fails unless ``x {symbol} y`` holds for every element "
        f"(broadcasting); checked at once when both are constants."
    )
    return assert_fn


assert_equal = _comparison("==", "assert_equal", "equal", np.equal)
assert_none_equal = _comparison("!=", "assert_none_equal", "not_equal", np.not_equal)
assert_less = _comparison("<", "assert_less", "less", np.less)
assert_less_equal = _comparison("<=", "assert_less_equal", "less_equal", np.less_equal)
assert_greater = _comparison(">", "assert_greater", "greater", np.greater)
assert_greater_equal = _comparison(">=", "assert_greater_equal", "greater_equal", np.greater_equal)


def _sign_assert(opname, symbol, zero_first, compare_fn):
    def assert_fn(x, data=None, summarize=None, message=None, name=None):
        with name_scope(name, opname, [x, data]):
            x = convert_to_tensor(x, name="x")
            if data is None:
                condition_text = f"Condition x {symbol} 0 did not hold element-wise:"
                shown = f"x ({x.name}) = "
                # TF's assert_non_positive lacks a comma there: its two strings are one.
                split = [condition_text, shown] if symbol != "<=" else [condition_text + shown]
                data = [_message_prefix(message), *split, x]
            zero = convert_to_tensor(0, dtype=x.dtype.base_dtype)
            a, b = (zero, x) if zero_first else (x, zero)
            return compare_fn(a, b, data=data, summarize=summarize)

    assert_fn.__name__ = opname
    assert_fn.__doc__ = f"An Assert op that fails unless ``x {symbol} 0`` for every element."
    return assert_fn


assert_positive = _sign_assert("assert_positive", ">", True, assert_less)
assert_negative = _sign_assert("assert_negative", "<", False, assert_less)
assert_non_negative = _sign_assert("assert_non_negative", ">=", True, assert_less_equal)
assert_non_positive = _sign_assert("assert_non_positive", "<=", False, assert_less_equal)


# -- ranks and dtypes --------------------------------------------------------------------------
def assert_rank(x, rank, data=None, summarize=None, message=None, name=None):
    """``x`` must have rank ``rank``: ValueError at once when both are known (a NoOp
    ``static_checks_determined_all_ok`` when it does), else an Assert op checking at run
    time."""
    from teachflow.ops import array_ops
    from teachflow.ops.comparison_ops import equal
    from teachflow.ops.shape_checks import _rank_condition, _StaticRankError

    with name_scope(name, "assert_rank", (x, rank, *(data or []))):
        x = convert_to_tensor(x, name="x")
        rank = convert_to_tensor(rank, name="rank")
        prefix = _message_prefix(message)
        if data is None:
            data = [prefix, f"Tensor {x.name} must have rank", rank, "Received shape: "]
            data.append(array_ops.shape(x))
        try:
            return _rank_condition(
                x,
                [rank],
                lambda actual, given: actual == given[0],
                lambda actual, given: equal(actual, given[0]),
                data,
                summarize,
            )
        except _StaticRankError:
            raise ValueError(
                f"{prefix}Tensor {x.name} must have rank {int(constant_value(rank))}.  Received "
                f"rank {x.shape.ndims}, shape {x.shape}"
            ) from None


def assert_scalar(tensor, name=None, message=None):
    """``tensor`` itself, after checking (while building) that its rank is 0."""
    with name_scope(name, "assert_scalar", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name=scope)  # a constant is named the scope, as TF
        if tensor.shape.ndims is None or tensor.shape.ndims != 0:
            raise ValueError(
                f"{_message_prefix(message)}Expected scalar shape for {tensor.name}, saw shape: "
                f"{tensor.shape}."
            )
        return tensor


def assert_integer(x, message=None, name=None):
    """A no-op when ``x`` has an integer dtype; TypeError (while building) otherwise."""
    from teachflow.ops.control_flow_ops import no_op

    with name_scope(name, "assert_integer", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.base_dtype.is_integer:
            raise TypeError(
                f"{_message_prefix(message)}Expected integer type for tensor {x.name}, got {x.dtype.base_dtype!r}."
            )
        return no_op("statically_determined_was_integer")


def assert_type(tensor, tf_type, message=None, name=None):
    """A no-op when ``tensor`` has dtype ``tf_type``; TypeError (while building) otherwise."""
    from teachflow.ops.control_flow_ops import no_op

    tf_type = dtypes.as_dtype(tf_type)
    with name_scope(name, "assert_type", [tensor]):
        tensor = convert_to_tensor(tensor, name="tensor")
        if tensor.dtype.base_dtype is not tf_type.base_dtype:
            raise TypeError(
                f"{_message_prefix(message)}{tensor.name} must be of type {tf_type!r}; got {tensor.dtype!r}"
            )
        return no_op("statically_determined_correct_type")
