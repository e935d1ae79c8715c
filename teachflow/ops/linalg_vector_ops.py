"""A matrix acting on vectors, and vectors scaled to unit length: ``tf.linalg.matvec``
and ``tf.linalg.normalize``, TensorFlow's compositions of ``MatMul`` and ``norm``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])).tolist())
    [3.0, 7.0]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["matvec", "normalize"]


def matvec(
    a,
    b,
    transpose_a=False,
    adjoint_a=False,
    a_is_sparse=False,
    b_is_sparse=False,
    name=None,
):
    """``a @ b`` for a (batch of) matrix ``a`` and vector ``b``: ``b`` becomes a column,
    and the product's last axis is squeezed away."""
    from teachflow.ops.matmul_ops import matmul
    from teachflow.ops.reshaping import expand_dims, squeeze

    with name_scope(name, "MatVec", [a, b]):
        output = matmul(
            a,
            expand_dims(b, axis=-1),
            transpose_a=transpose_a,
            adjoint_a=adjoint_a,
            a_is_sparse=a_is_sparse,
            b_is_sparse=b_is_sparse,
        )
        return squeeze(output, axis=-1)


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002 - TF's name
    """``(tensor / norm, norm)``, the norm kept with ``keepdims=True`` (see ``tf.norm``
    for ``ord`` and ``axis``).

        >>> import teachflow as tf
        >>> unit, length = tf.linalg.normalize([3.0, 4.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(unit).tolist(), sess.run(length).tolist())
        [0.6000000238418579, 0.800000011920929] [5.0]
    """
    from teachflow.ops.arithmetic_ops import cast
    from teachflow.ops.clip_ops import norm as norm_

    with name_scope(name, "normalize", [tensor]):
        tensor = convert_to_tensor(tensor)
        norm = cast(norm_(tensor, ord, axis, keepdims=True), tensor.dtype.base_dtype)
        return tensor / norm, norm
