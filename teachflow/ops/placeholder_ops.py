"""Placeholders: the graph's inputs, fed on each run (``tf.placeholder``), or with a
default value used when nothing is fed (``tf.placeholder_with_default``).

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    >>> x.shape, x.op.type
    (TensorShape([Dimension(None), Dimension(3)]), 'Placeholder')
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops.identity_ops import identity_kernel
from teachflow.ops.op_builder import _shape_text, type_name


def _placeholder_kernel(op, device):
    shape = op._attrs["shape"]
    message = f"You must feed a value for placeholder tensor '{op.name}' with dtype " + type_name(
        op._attrs["dtype"]
    )
    if shape.ndims is not None:
        message += f" and shape {_shape_text(shape)}"

    def placeholder():
        raise errors.InvalidArgumentError(None, None, message)

    return placeholder


registry.register(
    "Placeholder",
    lambda op: [(op._attrs["dtype"], op._attrs["shape"])],
    _placeholder_kernel,
    not_differentiable=True,
)


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed on every run that needs it."""
    dtype = dtypes.as_dtype(dtype)
    op = get_default_graph().create_op(
        "Placeholder",
        [],
        {"dtype": dtype, "shape": as_shape(shape)},
        name=name or "Placeholder",
    )
    return op.outputs[0]


registry.register(
    "PlaceholderWithDefault",
    lambda op: [(op.inputs[0].dtype.base_dtype, op._attrs["shape"])],
    identity_kernel,
    grad=lambda op, grad: [grad],
)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """``input`` unless a value is fed for the result."""
    # As TF's generated wrapper: a Python value becomes the constant PlaceholderWithDefault/input.
    with name_scope(name or "PlaceholderWithDefault") as scope:
        t = convert_to_tensor(input, name="input")
        shape = as_shape(shape)
        if not shape.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {t.shape} and {shape} are incompatible")
        op = get_default_graph().create_op(
            "PlaceholderWithDefault", [t], {"shape": shape}, name=scope
        )
    return op.outputs[0]


def sparse_placeholder(dtype, shape=None, name=None):
    """A SparseTensor of three placeholders, fed with a ``tf.SparseTensorValue`` (or an
    ``(indices, values, dense_shape)`` tuple) under the SparseTensor as the key.

        >>> import teachflow as tf
        >>> sp = tf.sparse_placeholder(tf.float32)
        >>> dense = tf.sparse_tensor_to_dense(sp)
        >>> with tf.Session() as sess:
        ...     print(sess.run(dense, {sp: tf.SparseTensorValue([[1]], [2.0], [3])}))
        [0. 2. 0.]
    """
    from teachflow.framework.sparse_tensor import SparseTensor

    # TF names the parts <name>/shape, <name>/values, <name>/indices, made in that order.
    part = (lambda what: f"{name}/{what}") if name else (lambda what: None)
    if shape is None:
        rank, static = None, TensorShape(None)
        dense_shape = placeholder(dtypes.int64, [None], name=part("shape"))
    else:
        # A given shape is the default of a feedable <name>/shape (unknown dims -1), and the
        # SparseTensor's static shape.
        static = as_shape(shape)
        rank = static.ndims
        default = convert_to_tensor(
            [-1 if d is None else d for d in static.as_list()],
            dtype=dtypes.int64,
            name=part("shape_default"),
        )
        dense_shape = placeholder_with_default(default, [rank], name=part("shape"))
    values = placeholder(dtype, [None], name=part("values"))
    indices = placeholder(dtypes.int64, [None, rank], name=part("indices"))
    result = SparseTensor(indices, values, dense_shape)
    result._shape = static
    return result
