"""Counts of outcomes, for the distributions over them (Multinomial, DirichletMultinomial):
the multinomial coefficient in log space and the checks that counts are whole and
non-negative and that a categorical parameter has at least two classes (TF's
``distribution_util`` functions of the same names).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:  # log(4! / (2! 1! 1!)) = log 12
    ...     print(round(float(sess.run(log_combinations(4.0, [2.0, 1.0, 1.0]))), 4))
    2.4849
"""

from __future__ import annotations

import numpy as np

from teachflow.distributions.logits_and_probs import with_dependencies
from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = [
    "log_combinations",
    "assert_integer_form",
    "embed_check_nonnegative_integer_form",
    "embed_check_categorical_event_shape",
]

_INT_OF_FLOAT = {
    dtypes.float16: dtypes.int16,
    dtypes.float32: dtypes.int32,
    dtypes.float64: dtypes.int64,
}


def log_combinations(n, counts, name="log_combinations"):
    """``log(n! / prod(counts!))`` over the last axis of ``counts``, via ``lgamma``."""
    from teachflow.ops.reduction_ops import reduce_sum
    from teachflow.ops.special_math_ops import lgamma

    with name_scope(name, values=[n, counts]):
        n = convert_to_tensor(n, name="n")
        counts = convert_to_tensor(counts, name="counts")
        total_permutations = lgamma(n + 1)
        counts_factorial = lgamma(counts + 1)
        redundant_permutations = reduce_sum(counts_factorial, axis=[-1])
        return total_permutations - redundant_permutations


def assert_integer_form(x, data=None, summarize=None, message=None, int_dtype=None,
                        name="assert_integer_form"):  # fmt: skip
    """An assert that ``x`` equals itself cast to an integer and back (a NoOp for integers)."""
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.check_ops import assert_equal
    from teachflow.ops.control_flow_ops import no_op

    with name_scope(name, values=[x, data]):
        x = convert_to_tensor(x, name="x")
        if x.dtype.is_integer:
            return no_op()
        message = message or f"{x} has non-integer components"
        if int_dtype is None:
            try:
                int_dtype = _INT_OF_FLOAT[x.dtype.base_dtype]
            except KeyError:
                raise TypeError(f"Unrecognized type {x.dtype.name}") from None
        return assert_equal(
            x, cast(cast(x, int_dtype), x.dtype), data=data, summarize=summarize,
            message=message, name=name,
        )  # fmt: skip


def embed_check_nonnegative_integer_form(x, name="embed_check_nonnegative_integer_form"):
    """``x`` behind checks that it is non-negative and has no fractional part."""
    from teachflow.ops.check_ops import assert_non_negative

    with name_scope(name, values=[x]):
        x = convert_to_tensor(x, name="x")
        assertions = [assert_non_negative(x, message=f"'{x}' must be non-negative.")]
        if not x.dtype.is_integer:
            assertions.append(
                assert_integer_form(x, message=f"'{x}' cannot contain fractional components.")
            )
        return with_dependencies(assertions, x)


def embed_check_categorical_event_shape(categorical_param,
                                        name="embed_check_categorical_event_shape"):  # fmt: skip
    """``categorical_param`` checked to have at least 2 classes, and no more than its float
    dtype counts exactly (2**24 for float32): statically when the class axis is known."""
    from teachflow.ops.check_ops import assert_greater_equal, assert_less_equal
    from teachflow.ops.shape_checks import assert_rank_at_least
    from teachflow.ops.shape_ops import shape

    with name_scope(name, values=[categorical_param]):
        x = convert_to_tensor(categorical_param, name="categorical_param")
        x_dtype = x.dtype.base_dtype
        if not x_dtype.is_floating:
            raise TypeError(f"Unable to validate size of unrecognized dtype ({x_dtype.name}).")
        max_event_size = 2 ** (np.finfo(x_dtype.as_numpy_dtype).nmant + 1)
        try:
            x_shape_static = x.shape.with_rank_at_least(1)
        except ValueError:
            raise ValueError(
                "A categorical-distribution parameter must have at least 1 dimension."
            ) from None
        last = x_shape_static.as_list()[-1] if x_shape_static.ndims is not None else None
        if last is not None:
            if last < 2:
                raise ValueError(
                    "A categorical-distribution parameter must have at least 2 events."
                )
            if last > max_event_size:
                raise ValueError(
                    "Number of classes exceeds `dtype` precision, i.e., "
                    f"{x_dtype.name} implies shape ({last}) cannot exceed {max_event_size}."
                )
            return x
        event_size = shape(x, name="x_shape")[-1]
        checks = [
            assert_rank_at_least(
                x, 1, message="A categorical-distribution parameter must have at least 1 dimension."
            ),
            assert_greater_equal(
                shape(x)[-1],
                2,
                message="A categorical-distribution parameter must have at least 2 events.",
            ),
            assert_less_equal(
                event_size,
                max_event_size,
                message="Number of classes exceeds `dtype` precision, "
                f"i.e., {x_dtype.name} dtype cannot exceed {max_event_size} shape.",
            ),
        ]
        return with_dependencies(checks, x)
