"""``tf.math.special``: the special functions under their ``tf.math.special.*`` names
(re-exports).

>>> import teachflow as tf
>>> tf.math.special.bessel_i0 is tf.math.bessel_i0
True
"""

from teachflow.ops.bessel_ops import (
    bessel_i0,
    bessel_i0e,
    bessel_i1,
    bessel_i1e,
    bessel_j0,
    bessel_j1,
    bessel_k0,
    bessel_k0e,
    bessel_k1,
    bessel_k1e,
    bessel_y0,
    bessel_y1,
)
from teachflow.ops.special_integral_ops import dawsn, expint, fresnel_cos, fresnel_sin, spence

__all__ = [
    "bessel_i0",
    "bessel_i0e",
    "bessel_i1",
    "bessel_i1e",
    "bessel_j0",
    "bessel_j1",
    "bessel_k0",
    "bessel_k0e",
    "bessel_k1",
    "bessel_k1e",
    "bessel_y0",
    "bessel_y1",
    "dawsn",
    "expint",
    "fresnel_cos",
    "fresnel_sin",
    "spence",
]
