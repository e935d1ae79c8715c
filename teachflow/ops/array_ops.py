"""Array ops: placeholders, identity, shapes, reshaping, and packing lists of tensors.

Every op infers its static shape as precisely as TensorFlow's shape functions do (a shape
*input* that is known while the graph is built counts, see `static_value`), and checks
at run time what could not be known before.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    >>> x.shape, tf.identity(x).op.type
    (TensorShape([None, 3]), 'Identity')
    >>> tf.reshape(x, [-1, 3, 1]).shape, tf.expand_dims(x, 0).shape
    (TensorShape([None, 3, 1]), TensorShape([1, None, 3]))
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.graph import get_default_graph
from teachflow.framework.inference import unary
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops import constant_op

__all__ = [
    "newaxis",
    "placeholder",
    "placeholder_with_default",
    "identity",
    "stop_gradient",
    "stack",
    "unstack",
    "concat",
    "split",
    "shape",
    "shape_n",
    "size",
    "rank",
    "reshape",
    "expand_dims",
    "squeeze",
    "transpose",
    "invert_permutation",
    "tile",
    "slice",
    "strided_slice",
    "gather",
    "gather_nd",
    "scatter_nd",
    "boolean_mask",
    "pad",
    "reverse",
    "reverse_v2",
    "broadcast_to",
    "fill",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "range",
    "lin_space",
    "linspace",
    "one_hot",
    "eye",
]

# ``x[tf.newaxis]`` inserts a dimension of size 1, as ``x[None]`` does.
newaxis = None

# TensorFlow's own short names for dtypes in messages ("float", "double").
TF_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "half"}


def type_name(dtype) -> str:
    return TF_TYPE_NAMES.get(dtype.base_dtype.name, dtype.base_dtype.name)


def _shape_text(shape: TensorShape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape.dims) + "]"


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


def _identity_kernel(op, device):
    return lambda x: x


registry.register("Identity", unary, _identity_kernel, grad=lambda op, grad: [grad])
registry.register(
    "PlaceholderWithDefault",
    lambda op: [(op.inputs[0].dtype.base_dtype, op._attrs["shape"])],
    _identity_kernel,
    grad=lambda op, grad: [grad],
)
registry.register("StopGradient", unary, _identity_kernel, not_differentiable=True)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """``input`` unless a value is fed for the result."""
    t = convert_to_tensor(input)
    shape = as_shape(shape)
    if not shape.is_compatible_with(t.shape):
        raise ValueError(f"Shapes {t.shape} and {shape} are incompatible")
    op = get_default_graph().create_op(
        "PlaceholderWithDefault", [t], {"shape": shape}, name=name or "PlaceholderWithDefault"
    )
    return op.outputs[0]


def identity(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op(
        "Identity", [t], {"T": t.dtype.base_dtype}, name=name or "Identity"
    ).outputs[0]


def stop_gradient(input, name=None):  # noqa: A002
    t = convert_to_tensor(input)
    return t.graph.create_op("StopGradient", [t], {}, name=name or "StopGradient").outputs[0]


def _autopack(value, dtype=None, name=None):
    """``convert_to_tensor([t1, 2.0, [t3, t4]])``: pack nested lists holding tensors."""
    first = None
    for v in value:
        if not isinstance(v, (list, tuple)) and hasattr(v, "dtype"):
            first = v.dtype.base_dtype
            break
    dtype = dtype or first
    parts = [
        _autopack(v, dtype) if isinstance(v, (list, tuple)) else convert_to_tensor(v, dtype=dtype)
        for v in value
    ]
    return stack(parts, name=name or "packed")


# -- shared by the ops below --------------------------------------------------------------
INDEX_DTYPES = (dtypes.int32, dtypes.int64)
INDEX = "index"  # apply_op's dtype for shape/axis/index arguments


def apply_op(op_type, name, args, attrs=None):
    """Build one op the way TensorFlow's generated wrappers do.

    ``args`` is ``[(value, arg_name, dtype_or_None_or_INDEX), ...]``. The op gets a name scope
    (``name`` or the op type), Python inputs become constants named after their argument
    inside it (``Reshape/shape``), and the op takes the scope's own name (``Reshape``).
    """
    with name_scope(name, op_type, [a[0] for a in args]) as scope:
        inputs = [_convert_arg(value, arg, dtype) for value, arg, dtype in args]
        graph = inputs[0].graph if inputs else get_default_graph()
        return graph.create_op(op_type, inputs, attrs or {}, name=scope)


def _convert_arg(value, arg, dtype):
    # INDEX: an integer input whose Python value defaults to int32 (``[]`` included), as
    # the op definitions' ``Tshape=int32``-style defaults make TensorFlow do.
    if dtype is INDEX:
        if isinstance(value, (list, tuple)) and not value:
            value = np.zeros([0], np.int32)
        return convert_to_tensor(value, name=arg, preferred_dtype=dtypes.int32)
    return convert_to_tensor(value, dtype=dtype, name=arg)


def check_index_dtype(op, index, param, allowed=INDEX_DTYPES):
    """TF's TypeError for an integer input (shape, axis, multiples) of another dtype."""
    dt = op.inputs[index].dtype.base_dtype
    if dt not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(
            f"Value passed to parameter '{param}' has DataType {dt.name} not in list of "
            f"allowed values: {names}"
        )
    return dt


def check_rank(shape, rank):
    """``Shape must be rank 1 but is rank 2``, TensorFlow's words for a wrong rank."""
    if shape.ndims is not None and shape.ndims != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {shape.ndims}")


def shape_text(dims) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def as_output(value):
    """A 0-d result as a numpy scalar (or ``bytes``), as the session hands values out."""
    # (Indexing an object array with integers already gives the bytes element itself.)
    return value[()] if getattr(value, "ndim", None) == 0 else value


def to_host(value):
    """A kernel input as a numpy value: shapes and indices are read on the host (TF keeps
    them in HostMemory); a cupy array is copied back from the GPU."""
    if hasattr(value, "__cuda_array_interface__"):
        return value.get()
    return value


def int_list(value):
    """A small integer input (a shape, multiples, perm) as a list of Python ints."""
    return [int(v) for v in np.reshape(np.asarray(to_host(value)), [-1])]


def invalid(message):
    return errors.InvalidArgumentError(None, None, message)


def _register_no_gradient(*op_types):
    for op_type in op_types:
        registry.NotDifferentiable(op_type)


# -- shape, size, rank ----------------------------------------------------------------------
def _infer_shape_query(op):
    out_type = op._attrs["out_type"]
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
        return t.graph.create_op(op_type, [t], {"out_type": out_type}, name=scope).outputs[0]


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


# The rest of TensorFlow's array_ops lives in modules named for one idea each; they are
# imported last because they build on the helpers above.
from teachflow.ops.filling import (  # noqa: E402
    eye,
    fill,
    lin_space,
    linspace,
    one_hot,
    ones,
    ones_like,
    range,  # noqa: A004
    zeros,
    zeros_like,
)
from teachflow.ops.gathering import boolean_mask, gather, gather_nd, scatter_nd  # noqa: E402
from teachflow.ops.joining import concat, split, stack, unstack  # noqa: E402
from teachflow.ops.padding import pad, reverse, reverse_v2  # noqa: E402
from teachflow.ops.reshaping import (  # noqa: E402
    expand_dims,
    invert_permutation,
    reshape,
    squeeze,
    transpose,
)
from teachflow.ops.slicing import slice, strided_slice  # noqa: E402, A004
from teachflow.ops.tiling import broadcast_to, tile  # noqa: E402
