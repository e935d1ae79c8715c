"""``tf.math.special``: the special functions under their ``tf.math.special.*`` names
(re-exports).

>>> import teachflow as tf
>>> tf.math.special.bessel_i0 is tf.math.bessel_i0
True
"""

from teachflow.ops.bessel_ops import bessel_i0, bessel_i0e, bessel_i1, bessel_i1e

__all__ = ["bessel_i0", "bessel_i0e", "bessel_i1", "bessel_i1e"]
