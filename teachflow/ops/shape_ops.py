"""``tf.shape``, ``tf.shape_n``, ``tf.size`` and ``tf.rank``: what a tensor's shape is, as
a tensor. Known while the graph is built, the answer is folded into a constant-valued op
(TF's shape functions do the same), so later ops can use it statically.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> tf.shape(x).op.type, tf.rank(x).op.type  # the rank is known: a constant
    ('Shape', 'Const')
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape
from teachflow.ops import constant_op
from teachflow.ops.op_builder import _register_no_gradient


def _infer_shape_query(op):
    # Rank has no out_type in TF's op registry: its answer is always int32.
    out_type = op._attrs.get("out_type", dtypes.int32)
    if op.type == "Shape":
        ndims = op.inputs[0].shape.ndims
        return [(out_type, TensorShape([ndims]))]
    return [(out_type, TensorShape([]))]


_INT32_MAX = np.iinfo(np.int32).max


def _shape_kernel(op, device):
    # A shape lives in host memory (TF's HostMemory("output")), even for a GPU input.
    np_type = op._attrs["out_type"].as_numpy_dtype
    if np_type is not np.int32:
        return lambda x: np.array(np.shape(x), dtype=np_type)

    def shape32(x):
        dims = np.shape(x)
        for i, d in enumerate(dims):
            # An empty tensor may have any dimension (shape [10**18, 0] holds nothing).
            if d > _INT32_MAX:
                raise errors.InvalidArgumentError(
                    None, None, f"Shape output type is 32-bit  but dim {i} is {d}"
                )
        return np.array(dims, dtype=np.int32)

    return shape32


def _size_kernel(op, device):
    np_type = op._attrs["out_type"].as_numpy_dtype
    if np_type is not np.int32:
        return lambda x: np_type(np.size(x))

    def size32(x):
        n = np.size(x)
        if n > _INT32_MAX:
            raise errors.InvalidArgumentError(
                None, None, "Number of elements was larger than representable by 32-bit output type"
            )
        return np.int32(n)

    return size32


def _rank_kernel(op, device):
    return lambda x: np.int32(np.ndim(x))


def _infer_shape_n(op):
    # The shapes of N tensors at once (TF's convolution gradients ask for two).
    out_type = op._attrs["out_type"]
    return [(out_type, TensorShape([t.shape.ndims])) for t in op.inputs]


def _shape_n_kernel(op, device):
    one = _shape_kernel(op, device)
    return lambda *xs: tuple(one(x) for x in xs)


registry.register("Shape", _infer_shape_query, _shape_kernel)
registry.register("ShapeN", _infer_shape_n, _shape_n_kernel)
registry.register("Size", _infer_shape_query, _size_kernel)
registry.register("Rank", _infer_shape_query, _rank_kernel)
_register_no_gradient("Shape", "ShapeN", "Size", "Rank")


def _shape_query(op_type, input, name, out_type, known):  # noqa: A002
    out_type = dtypes.as_dtype(out_type).base_dtype
    with name_scope(name, op_type, [input]) as scope:
        t = convert_to_tensor(input)
        # TF1 graph mode answers with a constant when the static shape already knows.
        value = known(t.shape)
        if value is not None:
            return constant_op.constant(value, dtype=out_type, name=scope)
        attrs = {} if op_type == "Rank" else {"out_type": out_type}
        return t.graph.create_op(op_type, [t], attrs, name=scope).outputs[0]


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002 - TF's argument name
    """The shape of ``input`` as a 1-D integer tensor (a constant when fully known).

    >>> import teachflow as tf
    >>> tf.shape(tf.placeholder(tf.float32, [None, 3])).op.type
    'Shape'
    """
    return _shape_query(
        "Shape", input, name, out_type, lambda s: s.as_list() if s.is_fully_defined() else None
    )


def shape_n(input, out_type=dtypes.int32, name=None):  # noqa: A002 - TF's argument name
    """The shapes of a list of tensors, one ``ShapeN`` op with an output per tensor.

    >>> import teachflow as tf
    >>> [t.op.type for t in tf.shape_n([tf.zeros([2, 3]), tf.zeros([4])])]
    ['ShapeN', 'ShapeN']
    """
    out_type = dtypes.as_dtype(out_type).base_dtype
    with name_scope(name, "ShapeN", input) as scope:
        tensors = [convert_to_tensor(t) for t in input]
        attrs = {"N": len(tensors), "T": tensors[0].dtype.base_dtype, "out_type": out_type}
        return list(tensors[0].graph.create_op("ShapeN", tensors, attrs, name=scope).outputs)


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of ``input``, a scalar."""
    return _shape_query("Size", input, name, out_type, lambda s: s.num_elements())


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of ``input``, a scalar int32."""
    return _shape_query("Rank", input, name, dtypes.int32, lambda s: s.ndims)
