"""``tf.image.rot90`` and ``tf.image.transpose_image``: quarter turns and the diagonal
mirror, each a ``Transpose`` of the height and width axes and/or a ``ReverseV2``.

A counter-clockwise quarter turn reverses the columns, then swaps rows and columns; two
turns reverse both; three swap, then reverse the columns.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.array([[1, 2], [3, 4]]).reshape(2, 2, 1)
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.rot90(x))[..., 0].tolist())
    [[2, 4], [1, 3]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.ops.image_ops import _image

__all__ = ["rot90", "transpose_image"]


def _hw_perm(rank):
    return [1, 0, 2] if rank == 3 else [0, 2, 1, 3]


def _quarter_turns(image, k, rank):
    """``image`` turned ``k`` (0-3, a Python int) quarter turns counter-clockwise."""
    from teachflow.ops import array_ops

    h, w = rank - 3, rank - 2
    if k == 1:
        return array_ops.transpose(array_ops.reverse(image, [w]), _hw_perm(rank))
    if k == 2:
        return array_ops.reverse(image, [h, w])
    if k == 3:
        return array_ops.reverse(array_ops.transpose(image, _hw_perm(rank)), [w])
    return image


def rot90(image, k=1, name=None):
    """``image`` (``[h, w, c]`` or ``[n, h, w, c]``) turned ``k`` quarter turns
    counter-clockwise. A tensor ``k`` picks among the four turns with `tf.case`, as
    TensorFlow does (TF also builds a ``cond`` for a Python ``k``; teachflow builds the one
    turn it asks for)."""
    from teachflow.ops import math_ops
    from teachflow.ops.control_flow_cond import case

    with name_scope(name, "rot90", [image, k]) as scope:
        image = _image(image)
        rank = image.shape.ndims
        if rank not in (3, 4):
            raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 dimensions.")
        if isinstance(k, int):
            return _quarter_turns(image, k % 4, rank)
        k = math_ops.mod(convert_to_tensor(k, dtype=dtypes.int32, name="k"), 4)
        branches = [
            (math_ops.equal(k, turns), lambda t=turns: _quarter_turns(image, t, rank))
            for turns in (1, 2, 3)
        ]
        return case(branches, default=lambda: image, exclusive=True, name=scope)


def transpose_image(image):
    """``image`` mirrored in its main diagonal: height and width swapped."""
    from teachflow.ops import array_ops

    with name_scope(None, "transpose", [image]):
        image = _image(image)
        rank = image.shape.ndims
        if rank not in (3, 4):
            raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 dimensions.")
        return array_ops.transpose(image, _hw_perm(rank))
