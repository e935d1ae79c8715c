"""``tf.linalg``: linear algebra under its ``tf.linalg.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.linalg.inv is tf.matrix_inverse, tf.linalg.det is tf.matrix_determinant
(True, True)
"""

from teachflow.ops.clip_ops import global_norm, norm
from teachflow.ops.contraction_ops import einsum, tensordot
from teachflow.ops.cross_ops import cross
from teachflow.ops.diag_ops import diag as tensor_diag
from teachflow.ops.diag_ops import diag_part as tensor_diag_part
from teachflow.ops.diag_ops import matrix_band_part as band_part
from teachflow.ops.diag_ops import matrix_diag as diag
from teachflow.ops.diag_ops import matrix_diag_part as diag_part
from teachflow.ops.diag_ops import matrix_set_diag as set_diag
from teachflow.ops.diag_ops import matrix_transpose, trace
from teachflow.ops.diag_ops import matrix_transpose as transpose
from teachflow.ops.eigh_tridiagonal_ops import eigh_tridiagonal
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
from teachflow.ops.linalg_vector_ops import matvec, normalize
from teachflow.ops.lu_ops import lu, lu_matrix_inverse, lu_reconstruct, lu_solve
from teachflow.ops.matmul_ops import matmul
from teachflow.ops.matrix_exponential import matrix_exponential as expm
from teachflow.ops.matrix_functions import matrix_logarithm as logm
from teachflow.ops.matrix_functions import matrix_square_root as sqrtm
from teachflow.ops.nn_ops import l2_normalize
from teachflow.ops.pseudo_inverse_ops import matrix_rank, pinv
from teachflow.ops.tridiagonal_ops import tridiagonal_matmul, tridiagonal_solve


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
    "cross",
    "det",
    "diag",
    "diag_part",
    "eigh",
    "eigh_tridiagonal",
    "eigvalsh",
    "einsum",
    "expm",
    "eye",
    "global_norm",
    "inv",
    "l2_normalize",
    "logdet",
    "logm",
    "lstsq",
    "lu",
    "lu_matrix_inverse",
    "lu_reconstruct",
    "lu_solve",
    "matmul",
    "matrix_rank",
    "matrix_transpose",
    "matvec",
    "norm",
    "normalize",
    "pinv",
    "qr",
    "set_diag",
    "slogdet",
    "solve",
    "sqrtm",
    "svd",
    "tensor_diag",
    "tensor_diag_part",
    "tensordot",
    "trace",
    "transpose",
    "triangular_solve",
    "tridiagonal_matmul",
    "tridiagonal_solve",
]
