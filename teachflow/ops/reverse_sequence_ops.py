"""``tf.reverse_sequence``: reverse the first ``seq_lengths[b]`` elements of each batch
row ``b`` along the sequence axis, leaving the padding after them where it is (what a
backward RNN reads); its gradient reverses the same way.

    >>> import teachflow as tf
    >>> x = [[1, 2, 3, 0], [4, 5, 0, 0]]
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.reverse_sequence(x, [3, 2], seq_axis=1, batch_axis=0)).tolist())
    [[3, 2, 1, 0], [5, 4, 0, 0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.op_builder import int_list, invalid

__all__ = ["reverse_sequence"]


def _infer_reverse_sequence(op):
    x = op.inputs[0]
    return [(x.dtype.base_dtype, x.shape)]


def _reverse_sequence_kernel(op, device):
    xp = device.xp
    seq_dim, batch_dim = op.get_attr("seq_dim"), op.get_attr("batch_dim")

    def reverse_sequence(x, seq_lengths):
        if seq_dim == batch_dim:
            raise invalid(f"seq_dim == batch_dim == {seq_dim}")
        if not 0 <= seq_dim < x.ndim:
            raise invalid(f"seq_dim must be < input rank ( {seq_dim} vs. {x.ndim})")
        if not 0 <= batch_dim < x.ndim:
            raise invalid(f"batch_dim must be < input rank ( {batch_dim} vs. {x.ndim})")
        lengths = int_list(seq_lengths)
        if len(lengths) != x.shape[batch_dim]:
            raise invalid(
                f"Length of seq_lengths != input.dims({batch_dim}), ({len(lengths)} vs. "
                f"{x.shape[batch_dim]})"
            )
        out = xp.array(x, copy=True)
        for b, n in enumerate(lengths):
            if n < 0:
                raise invalid(f"seq_lengths({b}) < 0")
            if n > x.shape[seq_dim]:
                raise invalid(f"seq_lens({b}) > input.dims({seq_dim})")
            row = [slice(None)] * x.ndim
            row[batch_dim] = b
            row[seq_dim] = slice(0, n)
            src = [slice(None)] * x.ndim
            src[batch_dim] = b
            src[seq_dim] = slice(n - 1, None, -1) if n else slice(0, 0)
            out[tuple(row)] = x[tuple(src)]
        return out

    return reverse_sequence


def _reverse_sequence_grad(op, grad):
    return [
        reverse_sequence(
            grad,
            op.inputs[1],
            seq_axis=op.get_attr("seq_dim"),
            batch_axis=op.get_attr("batch_dim"),
        ),
        None,
    ]


registry.register(
    "ReverseSequence",
    _infer_reverse_sequence,
    _reverse_sequence_kernel,
    grad=_reverse_sequence_grad,
)


def reverse_sequence(
    input,  # noqa: A002 - TF's argument name
    seq_lengths,
    seq_axis=None,
    batch_axis=None,
    name=None,
    seq_dim=None,
    batch_dim=None,
):
    """Each row's first ``seq_lengths[b]`` elements along ``seq_axis`` reversed (TF1 also
    spells the axes ``seq_dim`` / ``batch_dim``); ``batch_axis`` defaults to 0."""
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim or 0)
    if seq_axis is None:
        raise ValueError("seq_axis (or seq_dim) must be given")
    with name_scope(name, "ReverseSequence", [input, seq_lengths]) as scope:
        x = convert_to_tensor(input, name="input")
        # Tlen defaults to int64 in the op definition: a Python list becomes an int64 const.
        lengths = convert_to_tensor(seq_lengths, name="seq_lengths", preferred_dtype=np.int64)
        attrs = {
            "seq_dim": int(seq_axis),
            "batch_dim": int(batch_axis),
            "T": x.dtype.base_dtype,
            "Tlen": lengths.dtype.base_dtype,
        }
        return x.graph.create_op("ReverseSequence", [x, lengths], attrs, name=scope).outputs[0]
