"""ArgMax and ArgMin: where along an axis a tensor takes its largest or smallest value.

Not a reduction op in TensorFlow's sense (the axis is an input, and the output is an index,
``int64`` by default), though it reduces one axis away.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.argmax([[1, 9, 3], [7, 2, 8]], axis=1)))
    [1 2]
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops.elementwise import INDEX, NUMERIC, check_allowed, make_op
from teachflow.ops.reduction_ops import _deprecated_alias
from teachflow.ops.static_value import constant_value

__all__ = ["argmax", "argmin", "arg_max", "arg_min"]


# -- the position of the extreme ---------------------------------------------------------
def _infer_arg(op):
    x, dimension = op.inputs
    check_allowed(x, NUMERIC + (dtypes.bool_,), "input")
    check_allowed(dimension, INDEX, "dimension")
    if dimension.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {dimension.shape.ndims}")
    out = op._attrs.get("output_type", dtypes.int64)
    rank = x.shape.ndims
    if rank is None:
        return [(out, TensorShape(None))]
    if rank == 0:
        return [(out, TensorShape([]))]  # TensorFlow lets this through to run time
    value = constant_value(dimension)
    if value is None:
        return [(out, TensorShape([None] * (rank - 1)))]
    a = int(value)
    if not -rank <= a < rank:
        raise ValueError(
            f"Dimension ({a}) must be in the range [{-rank}, {rank}), where {rank} is the "
            "number of dimensions in the input."
        )
    dims = x.shape.as_list()
    del dims[a % rank]
    return [(out, TensorShape(dims))]


def _arg_kernel(name):
    def make(op, device):
        xp = device.xp
        find = getattr(xp, name)
        out = op._attrs.get("output_type", dtypes.int64).as_numpy_dtype

        def compute(x, dimension):
            ndim = xp.ndim(x)
            a = int(dimension)
            if not -ndim <= a < ndim:
                raise errors.InvalidArgumentError(
                    None, None, f"Expected dimension in the range [{-ndim}, {ndim}), but got {a}"
                )
            if x.shape[a] == 0:
                dims = ",".join(str(d) for d in x.shape)
                raise errors.InvalidArgumentError(
                    None, None, f"Reduction axis {a} is empty in shape [{dims}]"
                )
            return find(x, axis=a).astype(out)

        return compute

    return make


registry.register("ArgMax", _infer_arg, _arg_kernel("argmax"), not_differentiable=True)
registry.register("ArgMin", _infer_arg, _arg_kernel("argmin"), not_differentiable=True)


def _arg(op_type, input, axis, name, dimension, output_type):  # noqa: A002
    axis = _deprecated_alias(axis, dimension, "dimension", "axis")
    if axis is None:
        axis = 0
    with name_scope(name, op_type, [input]) as scope:
        x = convert_to_tensor(input, name="input")
        dim = convert_to_tensor(axis, name="dimension")
        attrs = {
            "T": x.dtype.base_dtype,
            "Tidx": dim.dtype.base_dtype,
            "output_type": dtypes.as_dtype(output_type),
        }
        return make_op(op_type, [x, dim], scope, attrs)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """The index of the largest value along ``axis`` (default 0); the first among ties.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.argmax([[1, 9, 9], [7, 2, 3]], axis=1)).tolist())
    [1, 0]
    """
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    """The index of the smallest value along ``axis`` (default 0)."""
    return _arg("ArgMin", input, axis, name, dimension, output_type)


def arg_max(input, dimension, name=None, output_type=dtypes.int64):  # noqa: A002
    """TF 1.0's name of ``argmax`` (``dimension`` required), the same ``ArgMax`` op."""
    return _arg("ArgMax", input, None, name, dimension, output_type)


def arg_min(input, dimension, name=None, output_type=dtypes.int64):  # noqa: A002
    """TF 1.0's name of ``argmin`` (``dimension`` required), the same ``ArgMin`` op."""
    return _arg("ArgMin", input, None, name, dimension, output_type)
