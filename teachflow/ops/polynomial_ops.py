"""``tf.math.polyval(coeffs, x)``: the polynomial ``coeffs[0] * x^(n-1) + ... + coeffs[n-1]``
by Horner's rule, built from ``*`` and ``+`` as TensorFlow builds it (``polyval/mul``,
``polyval/add``...); no coefficients give ``zeros_like(x)``.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.polyval([1.0, 0.0, -2.0], 3.0)))   # 3^2 - 2
    7.0
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope

__all__ = ["polyval"]


def _flatten(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flatten(v)
        else:
            yield v


def polyval(coeffs, x, name=None):
    """The polynomial with ``coeffs`` (highest power first) at ``x``, elementwise.

    Raises ValueError when ``coeffs`` is not a Python list."""
    from teachflow.ops.filling import zeros_like

    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    with name_scope(name, "polyval", list(_flatten(coeffs)) + [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if len(coeffs) < 1:
            return zeros_like(x, name=scope)
        coeffs = [convert_to_tensor(c, name=f"coeff_{i}") for i, c in enumerate(coeffs)]
        p = coeffs[0]
        for c in coeffs[1:]:
            p = c + p * x
        return p
