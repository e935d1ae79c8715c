"""``tf.math``: math ops under their TF 1.x ``tf.math.*`` names (re-exports).

>>> import teachflow as tf
>>> tf.math.reduce_sum is tf.reduce_sum, tf.math.floormod is tf.mod
(True, True)
"""

from teachflow import math_special as special
from teachflow.ops.activation_ops import log_softmax, softmax, softplus, softsign
from teachflow.ops.arg_ops import argmax, argmin
from teachflow.ops.arithmetic_ops import (
    add,
    add_n,
    divide,
    floordiv,
    floormod,
    maximum,
    minimum,
    multiply,
    negative,
    pow,  # noqa: A004 - TensorFlow's name
    realdiv,
    scalar_mul,
    squared_difference,
    subtract,
    truediv,
    truncatediv,
    truncatemod,
)
from teachflow.ops.arithmetic_ops import floormod as mod
from teachflow.ops.bessel_ops import bessel_i0, bessel_i0e, bessel_i1, bessel_i1e
from teachflow.ops.bincount_ops import bincount
from teachflow.ops.comparison_ops import (
    equal,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    not_equal,
)
from teachflow.ops.complex_ops import angle, conj, imag, real
from teachflow.ops.confusion_matrix_ops import confusion_matrix
from teachflow.ops.euclidean_norm_ops import reduce_euclidean_norm
from teachflow.ops.inverse_erf_ops import erfcinv, erfinv, ndtri
from teachflow.ops.nextafter_ops import nextafter
from teachflow.ops.nn_ops import l2_normalize, zero_fraction
from teachflow.ops.no_nan_ops import multiply_no_nan, reciprocal_no_nan
from teachflow.ops.numeric_checks import is_non_decreasing, is_strictly_increasing
from teachflow.ops.polynomial_ops import polyval
from teachflow.ops.reduction_ops import (
    count_nonzero,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
)
from teachflow.ops.reshaping import invert_permutation
from teachflow.ops.scan_ops import cumprod, cumsum, cumulative_logsumexp
from teachflow.ops.segment_ops import (
    segment_max,
    segment_mean,
    segment_min,
    segment_prod,
    segment_sum,
    unsorted_segment_max,
    unsorted_segment_mean,
    unsorted_segment_min,
    unsorted_segment_prod,
    unsorted_segment_sqrt_n,
    unsorted_segment_sum,
)
from teachflow.ops.special_function_ops import betainc, igamma, igammac, polygamma, zeta
from teachflow.ops.special_math_ops import (
    accumulate_n,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    digamma,
    div_no_nan,
    erf,
    erfc,
    lbeta,
    lgamma,
    log_sigmoid,
    rint,
    sinh,
)
from teachflow.ops.special_math_ops import div_no_nan as divide_no_nan
from teachflow.ops.top_k_ops import in_top_k, top_k
from teachflow.ops.unary_ops import (
    abs,  # noqa: A004 - TensorFlow's name
    ceil,
    cos,
    exp,
    expm1,
    floor,
    is_finite,
    is_inf,
    is_nan,
    log,
    log1p,
    reciprocal,
    round,  # noqa: A004 - TensorFlow's name
    rsqrt,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    tan,
    tanh,
)
from teachflow.ops.xlogy_ops import xdivy, xlog1py, xlogy

# Every name imported above (the list follows the imports, so none is forgotten).
__all__ = sorted(name for name in dir() if not name.startswith("_"))
