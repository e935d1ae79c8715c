"""Diagonals and bands of (batches of) matrices: ``matrix_diag``, ``matrix_diag_part``,
``matrix_set_diag``, ``matrix_band_part``, ``diag``/``diag_part``, and what is built from
them: ``trace`` and ``matrix_transpose``.

``k`` picks one diagonal: 0 the main one, positive above it, negative below (TensorFlow's
V3 ops also take a range of diagonals; teachflow takes one). A diagonal's entries run from
its top-left end.

    >>> import teachflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.trace(x)), sess.run(tf.matrix_band_part(x, 0, -1)).tolist())
    5.0 [[1.0, 2.0], [0.0, 4.0]]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import TensorShape, dimension_value
from teachflow.ops.array_ops import INDEX, apply_op, int_list, invalid, to_host
from teachflow.ops.elementwise import NUMERIC
from teachflow.ops.static_value import constant_value

__all__ = [
    "matrix_diag",
    "matrix_diag_part",
    "matrix_set_diag",
    "matrix_band_part",
    "matrix_transpose",
    "diag",
    "diag_part",
    "trace",
]

_DIAG_DTYPES = NUMERIC + (dtypes.bool_, dtypes.complex64, dtypes.complex128)


def _one_k(value, op_type):
    """The diagonal offset ``k`` as an int; a range of diagonals is not supported here."""
    ks = int_list(value)
    if len(ks) == 2 and ks[0] == ks[1]:
        ks = ks[:1]
    if len(ks) != 1:
        raise invalid(f"{op_type}: teachflow supports one diagonal (a scalar k), got k={ks}")
    return ks[0]


def _static_int(t):
    value = constant_value(t)
    return None if value is None else int(np.reshape(value, [-1])[0])


def _diag_length(rows, cols, k):
    """How many entries diagonal ``k`` of a ``rows x cols`` matrix has."""
    return max(0, min(rows + min(k, 0), cols - max(k, 0)))


def _diag_positions(rows, cols, k):
    """Row and column indices of diagonal ``k``, from its top-left end."""
    n = _diag_length(rows, cols, k)
    i = np.arange(n)
    return i + max(-k, 0), i + max(k, 0)


# -- MatrixDiagV3: a diagonal into a matrix -----------------------------------------------------
def _infer_matrix_diag(op):
    diagonal = op.inputs[0]
    k, rows, cols = (_static_int(t) for t in op.inputs[1:4])
    dt = diagonal.dtype.base_dtype
    if diagonal.shape.ndims is None or k is None or rows is None or cols is None:
        return [(dt, TensorShape(None))]
    if diagonal.shape.ndims < 1:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    n = dimension_value(diagonal.shape[-1])
    if n is None:
        return [(dt, diagonal.shape[:-1].concatenate([None, None]))]
    return [(dt, diagonal.shape[:-1].concatenate(_matrix_size(n, k, rows, cols)))]


def _matrix_size(n, k, rows, cols):
    """``(rows, cols)`` of the matrix holding ``n`` entries on diagonal ``k``: a size left
    -1 is the smallest that fits; both left -1 make it square (TensorFlow's rule)."""
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    if rows == -1 and cols == -1:
        return max(min_rows, min_cols), max(min_rows, min_cols)
    return (min_rows if rows == -1 else rows), (min_cols if cols == -1 else cols)


def _matrix_diag_kernel(op, device):
    xp = device.xp

    def matrix_diag(diagonal, k, num_rows, num_cols, padding_value):
        k = _one_k(k, "MatrixDiagV3")
        n = diagonal.shape[-1]
        rows, cols = _matrix_size(n, k, int(to_host(num_rows)), int(to_host(num_cols)))
        if _diag_length(rows, cols, k) != n:
            raise invalid(
                f"The number of diagonal elements {n} should match the length of diagonal "
                f"{k} of a {rows}x{cols} matrix ({_diag_length(rows, cols, k)})"
            )
        out = xp.full(diagonal.shape[:-1] + (rows, cols), padding_value, dtype=diagonal.dtype)
        r, c = _diag_positions(rows, cols, k)
        out[..., r, c] = diagonal
        return out

    return matrix_diag


def _matrix_diag_grad(op, grad):
    k = op.inputs[1]
    return [matrix_diag_part(grad, k=k), None, None, None, None]


# -- MatrixDiagPartV3: a diagonal out of a matrix ------------------------------------------------
def _infer_matrix_diag_part(op):
    x = op.inputs[0]
    k = _static_int(op.inputs[1])
    dt = x.dtype.base_dtype
    if x.shape.ndims is None:
        return [(dt, TensorShape(None))]
    if x.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.ndims}")
    rows, cols = dimension_value(x.shape[-2]), dimension_value(x.shape[-1])
    n = None if rows is None or cols is None or k is None else _diag_length(rows, cols, k)
    return [(dt, x.shape[:-2].concatenate([n]))]


def _matrix_diag_part_kernel(op, device):
    def matrix_diag_part(x, k, padding_value):
        k = _one_k(k, "MatrixDiagPartV3")
        r, c = _diag_positions(x.shape[-2], x.shape[-1], k)
        return x[..., r, c]

    return matrix_diag_part


def _matrix_diag_part_grad(op, grad):
    from teachflow.ops.filling import zeros_like

    return [matrix_set_diag(zeros_like(op.inputs[0]), grad, k=op.inputs[1]), None, None]


# -- MatrixSetDiagV3: a matrix with one diagonal replaced --------------------------------------
def _infer_matrix_set_diag(op):
    return [(op.inputs[0].dtype.base_dtype, op.inputs[0].shape)]


def _matrix_set_diag_kernel(op, device):
    xp = device.xp

    def matrix_set_diag(x, diagonal, k):
        k = _one_k(k, "MatrixSetDiagV3")
        r, c = _diag_positions(x.shape[-2], x.shape[-1], k)
        if diagonal.shape != x.shape[:-2] + (len(r),):
            raise invalid(
                f"diagonal must have shape {list(x.shape[:-2]) + [len(r)]}, "
                f"got {list(diagonal.shape)}"
            )
        out = xp.array(x, copy=True)
        out[..., r, c] = diagonal
        return out

    return matrix_set_diag


def _matrix_set_diag_grad(op, grad):
    from teachflow.ops.filling import zeros_like

    k = op.inputs[2]
    diagonal_grad = matrix_diag_part(grad, k=k)
    return [matrix_set_diag(grad, zeros_like(diagonal_grad), k=k), diagonal_grad, None]


# -- MatrixBandPart: zeros outside a band -------------------------------------------------------
def _infer_band_part(op):
    x = op.inputs[0]
    if x.shape.ndims is not None and x.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {x.shape.ndims}")
    return [(x.dtype.base_dtype, x.shape)]


def _band_part_kernel(op, device):
    xp = device.xp

    def band_part(x, num_lower, num_upper):
        lower, upper = int(to_host(num_lower)), int(to_host(num_upper))
        rows, cols = x.shape[-2], x.shape[-1]
        if lower > rows:
            raise invalid(
                f"num_lower must be negative or less or equal to number of rows "
                f"({rows}) got: {lower}"
            )
        if upper > cols:
            raise invalid(
                f"num_upper must be negative or less or equal to number of columns "
                f"({cols}) got: {upper}"
            )
        offset = np.arange(cols)[None, :] - np.arange(rows)[:, None]  # column - row
        keep = np.ones((rows, cols), bool)
        if lower >= 0:
            keep &= offset >= -lower
        if upper >= 0:
            keep &= offset <= upper
        return xp.where(xp.asarray(keep), x, xp.zeros((), x.dtype))

    return band_part


def _band_part_grad(op, grad):
    return [matrix_band_part(grad, op.inputs[1], op.inputs[2]), None, None]


# -- Diag / DiagPart: the rank-doubling diagonal of TF 1.0 -------------------------------------
def _infer_diag(op):
    x = op.inputs[0]
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape(None))]
    if x.shape.ndims < 1:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    return [(x.dtype.base_dtype, x.shape.concatenate(x.shape))]


def _diag_kernel(op, device):
    xp = device.xp

    def diag(x):
        n = x.size
        out = xp.zeros((n, n), dtype=x.dtype)
        out[np.arange(n), np.arange(n)] = x.reshape(-1)
        return out.reshape(x.shape + x.shape)

    return diag


def _infer_diag_part(op):
    x = op.inputs[0]
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape(None))]
    rank = x.shape.ndims
    if rank == 0 or rank % 2:
        raise ValueError(f"Input must have even and non-zero rank, input rank is {rank}")
    half = rank // 2
    for a, b in zip(x.shape.as_list()[:half], x.shape.as_list()[half:]):
        if a is not None and b is not None and a != b:
            raise ValueError(f"Dimensions must be equal, but are {a} and {b}")
    return [(x.dtype.base_dtype, x.shape[:half])]


def _diag_part_kernel(op, device):
    def diag_part(x):
        half = x.ndim // 2
        if x.ndim == 0 or x.ndim % 2 or x.shape[:half] != x.shape[half:]:
            raise invalid(f"Invalid shape {list(x.shape)}: dimensions must match in pairs")
        n = int(np.prod(x.shape[:half], dtype=np.int64))
        return x.reshape(n, n)[np.arange(n), np.arange(n)].reshape(x.shape[:half])

    return diag_part


registry.register("MatrixDiagV3", _infer_matrix_diag, _matrix_diag_kernel, grad=_matrix_diag_grad)
registry.register(
    "MatrixDiagPartV3",
    _infer_matrix_diag_part,
    _matrix_diag_part_kernel,
    grad=_matrix_diag_part_grad,
)
registry.register(
    "MatrixSetDiagV3", _infer_matrix_set_diag, _matrix_set_diag_kernel, grad=_matrix_set_diag_grad
)
registry.register("MatrixBandPart", _infer_band_part, _band_part_kernel, grad=_band_part_grad)
registry.register("Diag", _infer_diag, _diag_kernel, grad=lambda op, g: [diag_part(g)])
registry.register("DiagPart", _infer_diag_part, _diag_part_kernel, grad=lambda op, g: [diag(g)])


# -- the public functions ----------------------------------------------------------------------
def _attrs(t):
    return {"T": t.dtype.base_dtype}


def _padding(value, t):
    """The default padding 0 as a zero of ``t``'s dtype (False for bools)."""
    if isinstance(value, (int, float)) and value == 0 and t.dtype.base_dtype is not dtypes.string:
        return np.zeros((), t.dtype.base_dtype.as_numpy_dtype)
    return value


def matrix_diag(
    diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0, align="RIGHT_LEFT"
):
    """Matrices with ``diagonal`` on diagonal ``k`` and ``padding_value`` elsewhere.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.matrix_diag([1, 2])).tolist())
    [[1, 0], [0, 2]]
    """
    diagonal = convert_to_tensor(diagonal, name="diagonal")
    args = [
        (diagonal, "diagonal", None),
        (k, "k", dtypes.int32),
        (num_rows, "num_rows", dtypes.int32),
        (num_cols, "num_cols", dtypes.int32),
        (_padding(padding_value, diagonal), "padding_value", diagonal.dtype.base_dtype),
    ]
    attrs = {**_attrs(diagonal), "align": align}
    return apply_op("MatrixDiagV3", name, args, attrs).outputs[0]


def matrix_diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """Diagonal ``k`` of each matrix in ``input`` (the last two dimensions)."""
    x = convert_to_tensor(input, name="input")
    args = [
        (x, "input", None),
        (k, "k", dtypes.int32),
        (_padding(padding_value, x), "padding_value", x.dtype.base_dtype),
    ]
    return apply_op("MatrixDiagPartV3", name, args, {**_attrs(x), "align": align}).outputs[0]


def matrix_set_diag(input, diagonal, name="set_diag", k=0, align="RIGHT_LEFT"):  # noqa: A002
    """``input`` with diagonal ``k`` of each matrix replaced by ``diagonal``."""
    x = convert_to_tensor(input, name="input")
    args = [(x, "input", None), (diagonal, "diagonal", x.dtype.base_dtype), (k, "k", dtypes.int32)]
    return apply_op("MatrixSetDiagV3", name, args, {**_attrs(x), "align": align}).outputs[0]


def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Entries of each matrix within ``num_lower`` diagonals below and ``num_upper`` above
    the main one (a negative count keeps that whole triangle); zeros elsewhere.

    ``matrix_band_part(x, -1, 0)`` is the lower triangle, ``(0, -1)`` the upper one.
    """
    x = convert_to_tensor(input, name="input")
    args = [(x, "input", None), (num_lower, "num_lower", INDEX), (num_upper, "num_upper", INDEX)]
    index = getattr(num_lower, "dtype", dtypes.int32)
    attrs = {**_attrs(x), "Tindex": dtypes.as_dtype(index).base_dtype}
    return apply_op("MatrixBandPart", name, args, attrs).outputs[0]


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transpose the last two dimensions (``tf.linalg.transpose``, ``tf.linalg.adjoint``
    with ``conjugate=True``).

        >>> import teachflow as tf
        >>> tf.matrix_transpose(tf.zeros([5, 2, 3])).shape
        TensorShape([Dimension(5), Dimension(3), Dimension(2)])
    """
    from teachflow.ops import array_ops, filling, joining
    from teachflow.ops.arithmetic_ops import subtract
    from teachflow.ops.reshaping import transpose

    with name_scope(name, values=[a]):
        a = convert_to_tensor(a, name="a")
        rank = a.shape.ndims
        if rank is not None:
            if rank < 2:
                raise ValueError(
                    f"Argument 'a' should be a (batch) matrix, with rank >= 2.  Found: {a.shape}"
                )
            perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        else:
            r = array_ops.rank(a)
            perm = joining.concat(
                [filling.range(subtract(r, 2)), [subtract(r, 1), subtract(r, 2)]], 0
            )
        # ``conjugate`` changes nothing for the real dtypes teachflow computes with.
        return transpose(a, perm=perm)


def diag(diagonal, name=None):
    """A tensor with ``diagonal`` on its diagonal: shape ``D + D`` for ``diagonal`` of
    shape ``D`` (TF 1.0's ``Diag``; ``matrix_diag`` is the batched form)."""
    diagonal = convert_to_tensor(diagonal, name="diagonal")
    return apply_op("Diag", name, [(diagonal, "diagonal", None)], _attrs(diagonal)).outputs[0]


def diag_part(input, name=None):  # noqa: A002
    """The inverse of ``diag``: the diagonal of a tensor of shape ``D + D``."""
    x = convert_to_tensor(input, name="input")
    return apply_op("DiagPart", name, [(x, "input", None)], _attrs(x)).outputs[0]


def trace(x, name=None):
    """The sum of each matrix's main diagonal (``tf.linalg.trace``).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.trace([[1, 2], [3, 4]])))
    5
    """
    from teachflow.ops.reduction_ops import reduce_sum

    with name_scope(name, "Trace", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return reduce_sum(matrix_diag_part(x), [-1], name=scope)
