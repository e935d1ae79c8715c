"""Connectionist temporal classification (CTC) helpers: ``tf.nn.collapse_repeated`` and
the greedy decoder, op ``CTCGreedyDecoder`` (``tf.nn.ctc_greedy_decoder``). The loss is
`teachflow.ops.ctc_loss_ops`.

CTC reads a label per time step and merges runs of the same label, so ``a a b b b`` is
``a b``. `collapse_repeated` does that merge on a padded batch of label sequences, built
from TensorFlow's own composite of masks, a boolean_mask and a ScatterNd.

    >>> import teachflow as tf
    >>> labels, lengths = tf.nn.collapse_repeated([[1, 1, 2, 2, 2, 3]], [6])
    >>> with tf.Session() as sess:
    ...     print(sess.run(labels), sess.run(lengths))
    [[1 2 3]] [3]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.framework.sparse_tensor import SparseTensor
from teachflow.ops.elementwise import check_allowed

__all__ = ["collapse_repeated", "ctc_greedy_decoder", "ctc_unique_labels"]


def _get_dim(tensor, i):
    """Dimension ``i`` of ``tensor``: static when known, else a ``Shape`` slice."""
    from teachflow.ops import array_ops

    dim = tensor.shape.as_list()[i] if tensor.shape.ndims is not None else None
    return dim if dim is not None else array_ops.shape(tensor)[i]


def collapse_repeated(labels, seq_length, name=None):
    """Merge repeated labels in each row of ``labels [batch, max_time]`` (only the first
    ``seq_length`` of each row count): ``(collapsed labels, zero-padded to the longest
    result, new lengths)``, the lengths in ``seq_length``'s dtype.

        >>> import teachflow as tf
        >>> labels, lengths = tf.nn.collapse_repeated([[4, 4, 0], [5, 6, 6]], [2, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(labels).tolist(), sess.run(lengths).tolist())
        [[4, 0], [5, 6]] [1, 2]
    """
    from teachflow.ops import array_ops, filling, math_ops
    from teachflow.ops.sequence_mask_ops import sequence_mask

    with name_scope(name, "collapse_repeated_labels", [labels, seq_length]):
        labels = convert_to_tensor(labels, name="labels")
        seq_length = convert_to_tensor(seq_length, name="seq_length")
        label_mask = array_ops.concat(
            [
                array_ops.ones_like(labels[:, :1], dtypes.bool_),
                math_ops.not_equal(labels[:, 1:], labels[:, :-1]),
            ],
            axis=1,
        )
        maxlen = _get_dim(labels, 1)
        seq_mask = sequence_mask(seq_length, maxlen=maxlen)
        label_mask = math_ops.logical_and(label_mask, seq_mask)
        new_seq_len = math_ops.reduce_sum(math_ops.cast(label_mask, dtypes.int32), axis=1)
        new_maxlen = math_ops.reduce_max(new_seq_len)
        idx_mask = sequence_mask(new_seq_len, maxlen=new_maxlen)
        flat_labels = array_ops.reshape(labels, [-1])
        flat_label_mask = array_ops.reshape(label_mask, [-1])
        flat_idx_mask = array_ops.reshape(idx_mask, [-1])
        idx = filling.range(_get_dim(flat_idx_mask, 0))
        flat = array_ops.scatter_nd(
            indices=array_ops.expand_dims(array_ops.boolean_mask(idx, flat_idx_mask), axis=1),
            updates=array_ops.boolean_mask(flat_labels, flat_label_mask),
            shape=array_ops.shape(flat_idx_mask),
        )
        batch_size = _get_dim(labels, 0)
        new_shape = [batch_size, new_maxlen]
        return (
            array_ops.reshape(flat, new_shape),
            math_ops.cast(new_seq_len, seq_length.dtype),
        )


def ctc_unique_labels(labels, name=None):
    """Per row of ``labels [batch, max_label_length]``: its distinct labels in order of
    first appearance, zero-padded to the row's length (int64), and each label's index
    among them (int32) — the ``unique`` argument of `ctc_loss`, built as TensorFlow
    builds it (a ``map_fn`` of ``Unique``).

        >>> import teachflow as tf
        >>> unique, idx = tf.nn.ctc_unique_labels([[3, 4, 4, 3]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(unique).tolist(), sess.run(idx).tolist())
        [[3, 4, 0, 0]] [[0, 1, 1, 0]]
    """
    from teachflow.ops import math_ops
    from teachflow.ops.functional_ops import map_fn
    from teachflow.ops.padding import pad
    from teachflow.ops.set_ops import unique

    with name_scope(name, "ctc_unique_labels", [labels]):
        labels = convert_to_tensor(labels, name="labels")

        def _unique(x):
            u_y, u_idx = unique(x)
            y = pad(u_y, [[0, _get_dim(u_idx, 0) - _get_dim(u_y, 0)]])
            y = math_ops.cast(y, dtypes.int64)
            return [y, u_idx]

        return map_fn(_unique, labels, dtype=[dtypes.int64, dtypes.int32])


# -- the greedy decoder ------------------------------------------------------------------------
def _greedy_kernel(op, device):
    merge = bool(op._attrs["merge_repeated"])
    blank_attr = int(op._attrs["blank_index"])

    def ctc_greedy_decoder(inputs, seq_len):
        max_time, batch, num_classes = inputs.shape
        blank = blank_attr + num_classes if blank_attr < 0 else blank_attr
        if len(seq_len) != batch:
            raise errors.InvalidArgumentError(
                None, None, f"len(sequence_length) != batch_size.  len(sequence_length):  "
                f"{len(seq_len)} batch_size: {batch}"
            )  # fmt: skip
        if np.any(seq_len > max_time):
            b = int(np.argmax(seq_len > max_time))
            raise errors.InvalidArgumentError(
                None, None, f"sequence_length({b}) <= {max_time}"
            )  # fmt: skip
        best = inputs.argmax(axis=2)  # the first largest class, as TF's RowMax
        top = np.take_along_axis(inputs, best[..., None], axis=2)[..., 0]
        log_prob = np.zeros((batch, 1), inputs.dtype)
        rows, cols, values = [], [], []
        for b in range(batch):
            t = int(seq_len[b])
            for step in range(t):  # TF sums in time order, in the input's precision
                log_prob[b, 0] -= top[step, b]
            path = best[:t, b]
            keep = path != blank
            if merge:
                keep[1:] &= path[1:] != path[:-1]
            decoded = path[keep]
            rows += [b] * len(decoded)
            cols += range(len(decoded))
            values += decoded.tolist()
        longest = max((c + 1 for c in cols), default=0)
        indices = np.array([rows, cols], np.int64).T.reshape(-1, 2)
        return (indices, np.array(values, np.int64), np.array([batch, longest], np.int64),
                log_prob)  # fmt: skip

    return ctc_greedy_decoder


def _infer_greedy(op):
    x = op.inputs[0]
    dt = check_allowed(x, (dtypes.float32, dtypes.float64), "inputs")
    batch = dimension_value(x.shape[1]) if x.shape.ndims == 3 else None
    return [
        (dtypes.int64, TensorShape([None, 2])),
        (dtypes.int64, TensorShape([None])),
        (dtypes.int64, TensorShape([2])),
        (dt, TensorShape([batch, 1])),
    ]


registry.register(
    "CTCGreedyDecoder", _infer_greedy, kernels={"CPU": _greedy_kernel}, not_differentiable=True
)


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True, blank_index=None):
    """The most likely class of each frame of ``inputs [max_time, batch, num_classes]``,
    repeats merged (``merge_repeated``) and blanks (``blank_index``, the last class by
    default) dropped: ``([SparseTensor decoded], neg_sum_logits [batch, 1])`` — the second
    is minus the sum of each frame's largest input, as TF's kernel computes it.

        >>> import teachflow as tf
        >>> logits = tf.one_hot([[1], [1], [2], [0]], 3) * 5.0
        >>> (decoded,), _ = tf.nn.ctc_greedy_decoder(logits, [4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(decoded).values)
        [1 0]
    """
    with name_scope(None, "CTCGreedyDecoder") as scope:
        x = convert_to_tensor(inputs, name="inputs")
        seq = convert_to_tensor(sequence_length, dtypes.int32, name="sequence_length")
        attrs = {
            "merge_repeated": bool(merge_repeated),
            "blank_index": -1 if blank_index is None else int(blank_index),
            "T": x.dtype.base_dtype,
        }
        op = x.graph.create_op("CTCGreedyDecoder", [x, seq], attrs, name=scope)
    indices, values, shape, log_probabilities = op.outputs
    return [SparseTensor(indices, values, shape)], log_probabilities
