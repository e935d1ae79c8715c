"""Connectionist temporal classification (CTC) helpers: ``tf.nn.collapse_repeated``.

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

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["collapse_repeated"]


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
