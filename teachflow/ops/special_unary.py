"""How a special function of one tensor becomes an op, as TensorFlow's ``special_math_ops``
builds its Bessel functions and integrals: a kernel that computes the function in float64
on the host and rounds once to the input's dtype (`float64_kernel`), and the op built in a
name scope of its Python name (``bessel_i0/BesselI0``: `scoped_unary`); `in_dtype_kernel` for
the functions TensorFlow computes in the input's own dtype.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> from teachflow.ops.special_unary import scoped_unary
    >>> scoped_unary("Erf", "erf_in_scope", tf.constant([0.5]), None).name
    'erf_in_scope/Erf:0'
"""

from __future__ import annotations

import numpy as np

from teachflow.framework.scopes import name_scope
from teachflow.ops.elementwise import unary_op

__all__ = ["float64_kernel", "in_dtype_kernel", "scoped_unary"]


def float64_kernel(fn):
    """A kernel factory computing ``fn`` (numpy float64 in, float64 out) on the host."""

    def make(op, device):
        def compute(x):
            host = np.asarray(x.get() if hasattr(x, "get") else x)
            return device.xp.asarray(fn(host.astype(np.float64)).astype(host.dtype))

        return compute

    return make


def in_dtype_kernel(fn):
    """A kernel factory computing ``fn`` on the host in the input's dtype (float16 in
    float32), for functions TensorFlow computes in the dtype itself."""

    def make(op, device):
        def compute(x):
            host = np.asarray(x.get() if hasattr(x, "get") else x)
            work = host.astype(np.float32) if host.dtype == np.float16 else host
            return device.xp.asarray(fn(work).astype(host.dtype))

        return compute

    return make


def scoped_unary(op_type, scope_name, x, name):
    """The op ``op_type`` of ``x`` inside ``name_scope(name, scope_name)``."""
    with name_scope(name, scope_name, [x]):
        return unary_op(op_type, x, None)
