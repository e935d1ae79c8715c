"""``tf.linalg``: linear algebra under its ``tf.linalg.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.linalg.inv is tf.matrix_inverse, tf.linalg.det is tf.matrix_determinant
(True, True)
"""

from teachflow.ops.clip_ops import norm
from teachflow.ops.contraction_ops import einsum, tensordot
from teachflow.ops.diag_ops import matrix_band_part as band_part
from teachflow.ops.diag_ops import matrix_diag as diag
from teachflow.ops.diag_ops import matrix_diag_part as diag_part
from teachflow.ops.diag_ops import matrix_set_diag as set_diag
from teachflow.ops.diag_ops import matrix_transpose as transpose
from teachflow.ops.diag_ops import trace
from teachflow.ops.filling import eye
from teachflow.ops.least_squares_ops import matrix_solve_ls as lstsq
from teachflow.ops.linalg_ops import cholesky, cholesky_solve, logdet, qr, svd
from teachflow.ops.linalg_ops import log_matrix_determinant as slogdet
from teachflow.ops.linalg_ops import matrix_determinant as det
from teachflow.ops.linalg_ops import matrix_inverse as inv
from teachflow.ops.linalg_ops import matrix_solve as solve
from teachflow.ops.linalg_ops import matrix_triangular_solve as triangular_solve
from teachflow.ops.linalg_ops import self_adjoint_eig as eigh
from teachflow.ops.linalg_ops import self_adjoint_eigvals as eigvalsh
from teachflow.ops.matmul_ops import matmul
from teachflow.ops.nn_ops import l2_normalize


def adjoint(matrix, name=None):
    """The conjugate transpose of the last two dimensions (the transpose, for reals)."""
    from teachflow.framework.scopes import name_scope

    with name_scope(name, "adjoint", [matrix]):
        return transpose(matrix, conjugate=True)


__all__ = [
    "adjoint",
    "band_part",
    "cholesky",
    "cholesky_solve",
    "det",
    "diag",
    "diag_part",
    "eigh",
    "eigvalsh",
    "einsum",
    "eye",
    "inv",
    "l2_normalize",
    "logdet",
    "lstsq",
    "matmul",
    "norm",
    "qr",
    "set_diag",
    "slogdet",
    "solve",
    "svd",
    "tensordot",
    "trace",
    "transpose",
    "triangular_solve",
]
