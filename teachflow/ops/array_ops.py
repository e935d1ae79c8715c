"""Array ops: placeholders, identity, shapes, reshaping, and packing lists of tensors.

Every op infers its static shape as precisely as TensorFlow's shape functions do (a shape
*input* that is known while the graph is built counts, see `static_value`), and checks
at run time what could not be known before.

    >>> import teachflow as tf
    >>> x = tf.placeholder(tf.float32, shape=[None, 3], name="x")
    >>> x.shape, tf.identity(x).op.type
    (TensorShape([Dimension(None), Dimension(3)]), 'Identity')
    >>> tf.reshape(x, [-1, 3, 1]).shape, tf.expand_dims(x, 0).shape
    (TensorShape([Dimension(None), Dimension(3), Dimension(1)]), TensorShape([Dimension(1), Dimension(None), Dimension(3)]))
"""

from __future__ import annotations

# The facade TensorFlow's ``array_ops`` is: it only re-exports. The ops live in modules
# named for one idea each; the helpers they share in op_builder (re-exported here too, for
# modules that import them from array_ops).
from teachflow.ops.filling import (
    eye,
    fill,
    one_hot,
    ones,
    ones_like,
    range,  # noqa: A004
    zeros,
    zeros_like,
)
from teachflow.ops.gathering import boolean_mask, gather, gather_nd, scatter_nd
from teachflow.ops.identity_ops import identity, identity_n, stop_gradient
from teachflow.ops.joining import (
    _autopack,  # noqa: F401 - constant_op packs nested lists with it
    concat,
    split,
    stack,
    unstack,
)
from teachflow.ops.linspace_ops import lin_space, linspace
from teachflow.ops.op_builder import (  # noqa: F401
    INDEX,
    INDEX_DTYPES,
    TF_TYPE_NAMES,
    _register_no_gradient,
    _shape_text,
    apply_op,
    as_output,
    check_index_dtype,
    check_rank,
    int_list,
    invalid,
    shape_text,
    to_host,
    type_name,
)
from teachflow.ops.padding import pad, reverse, reverse_v2
from teachflow.ops.placeholder_ops import placeholder, placeholder_with_default
from teachflow.ops.reshaping import (
    expand_dims,
    invert_permutation,
    reshape,
    squeeze,
    transpose,
)
from teachflow.ops.shape_ops import rank, shape, shape_n, size
from teachflow.ops.slicing import slice, strided_slice  # noqa: A004
from teachflow.ops.tiling import broadcast_to, tile

__all__ = [
    "identity_n",
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
