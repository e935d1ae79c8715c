"""``tf.parallel_stack``: stack same-shaped tensors with one ``ParallelConcat`` op, which
copies each input into its slot of the output as soon as that input is ready (the shape must
be known while building; the op has no gradient, as in TensorFlow).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.parallel_stack([[1, 2], [3, 4], [5, 6]])).tolist())
    [[1, 2], [3, 4], [5, 6]]
"""

from __future__ import annotations

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, as_shape
from teachflow.ops.op_builder import as_output, shape_text

__all__ = ["parallel_stack"]


def _infer_parallel_concat(op):
    shape = as_shape(op._attrs["shape"])
    dtype = op.inputs[0].dtype.base_dtype
    for t in op.inputs[1:]:
        if t.dtype.base_dtype is not dtype:
            raise TypeError(
                f"Input 'values' of 'ParallelConcat' Op has type {t.dtype.base_dtype.name} "
                f"that does not match type {dtype.name} of argument 'values'."
            )
    merged = op.inputs[0].shape
    for i, t in enumerate(op.inputs[1:], 1):
        if not merged.is_compatible_with(t.shape):
            raise ValueError(
                f"{_mismatch(merged, t.shape)}\n\tFrom merging shape {i} with other shapes."
            )
        merged = merged.merge_with(t.shape)
    return [(dtype, shape)]


def _mismatch(a, b):
    if a.ndims != b.ndims:
        return f"Shapes must be equal rank, but are {a.ndims} and {b.ndims}"
    for i, (x, y) in enumerate(zip(a.as_list(), b.as_list())):
        if x is not None and y is not None and x != y:
            return (
                f"Dimension {i} in both shapes must be equal, but are {y} and {x}. Shapes "
                f"are {shape_text(b.as_list())} and {shape_text(a.as_list())}."
            )
    return f"Incompatible shapes {a} and {b}"


def _parallel_concat_kernel(op, device):
    xp = device.xp

    def parallel_concat(*values):
        return as_output(xp.concatenate([xp.asarray(v) for v in values], axis=0))

    return parallel_concat


registry.register("ParallelConcat", _infer_parallel_concat, _parallel_concat_kernel)


def parallel_stack(values, name="parallel_stack"):
    """``values`` (same shape and dtype) stacked along a new first axis, all at once."""
    from teachflow.ops.reshaping import expand_dims

    with name_scope(name):
        value_t = convert_to_tensor(values[0])
        output_shape = TensorShape([len(values)]).concatenate(value_t.shape)
        expanded = [expand_dims(value, 0) for value in values]
        attrs = {"N": len(expanded), "T": expanded[0].dtype.base_dtype, "shape": output_shape}
        graph = expanded[0].graph
        return graph.create_op("ParallelConcat", expanded, attrs, name="ParallelConcat").outputs[0]
