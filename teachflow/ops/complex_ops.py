"""Complex numbers: ``tf.complex``, ``tf.real``, ``tf.imag``, ``tf.conj``, ``tf.angle`` and
the magnitude ``ComplexAbs`` that ``tf.abs`` builds for a complex tensor.

A complex64 value is two float32 numbers, complex128 two float64: each op here names the
complex dtype ``T`` and its real half ``Tout`` as TensorFlow's definitions do. TF's
gradients treat a complex tensor as a pair of real ones, so the gradient of ``real(z)`` is
``complex(g, 0)`` and that of ``imag(z)`` is ``complex(0, g)``.

    >>> import teachflow as tf
    >>> z = tf.complex(3.0, 4.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run([tf.real(z), tf.imag(z), tf.abs(z)]))
    [np.float32(3.0), np.float32(4.0), np.float32(5.0)]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.inference import broadcast_all
from teachflow.framework.scopes import name_scope
from teachflow.ops.elementwise import COMPLEX, FLOATS, check_allowed, make_op, reduce_to_shape

__all__ = ["complex", "real", "imag", "conj", "angle", "complex_abs"]

# TF's Complex op accepts float32 -> complex64 and float64 -> complex128 only.
_COMPLEX_OF = {dtypes.float32: dtypes.complex64, dtypes.float64: dtypes.complex128}


def _infer_complex(op):
    re_, im = op.inputs
    check_allowed(re_, (dtypes.float32, dtypes.float64), "real")
    if re_.dtype.base_dtype is not im.dtype.base_dtype:
        raise TypeError(
            f"Input 'imag' of 'Complex' Op has type {im.dtype.base_dtype.name} that does not "
            f"match type {re_.dtype.base_dtype.name} of argument 'real'."
        )
    return [(op._attrs["Tout"], broadcast_all(op))]


def _complex_kernel(op, device):
    np_type = op._attrs["Tout"].as_numpy_dtype

    def make(re_, im):
        out = np.empty(np.broadcast_shapes(np.shape(re_), np.shape(im)), np_type)
        out.real, out.imag = re_, im
        return out

    return make


def _to_real(allowed=COMPLEX, passes_reals=False):
    """Inference of Real/Imag/ComplexAbs/Angle: a complex input, its real dtype out."""

    def infer(op):
        check_allowed(op.inputs[0], allowed + (FLOATS if passes_reals else ()), "input")
        return [(op._attrs["Tout"], op.inputs[0].shape)]

    return infer


def _real_kernel(pick):
    def factory(op, device):
        np_type = op._attrs["Tout"].as_numpy_dtype
        return lambda z: np.asarray(pick(np.asarray(z)), np_type)

    return factory


def _zero(grad):
    return convert_to_tensor(0, dtype=grad.dtype.base_dtype)


def _complex_grad(op, grad):
    x, y = op.inputs
    return [reduce_to_shape(real(grad), x), reduce_to_shape(imag(grad), y)]


def _real_grad(op, grad):
    return [complex(grad, _zero(grad))]


def _imag_grad(op, grad):
    return [complex(_zero(grad), grad)]


def _conj_grad(op, grad):
    return [conj(grad)]


def _complex_abs_grad(op, grad):
    # TF: div_no_nan(complex(grad, 0) * z, complex(|z|, 0)), the unit phase times grad.
    from teachflow.ops.arithmetic_ops import multiply
    from teachflow.ops.filling import zeros_like
    from teachflow.ops.special_math_ops import div_no_nan

    out = op.outputs[0]
    scaled = multiply(complex(grad, zeros_like(grad)), op.inputs[0])
    return [div_no_nan(scaled, complex(out, zeros_like(out)))]


def _angle_grad(op, grad):
    # TF's: -complex(grad, 0) / complex(im, re), the derivative of atan2(im, re).
    from teachflow.ops.arithmetic_ops import multiply, negative
    from teachflow.ops.unary_ops import reciprocal

    z = op.inputs[0]
    re_, im = real(z), imag(z)
    z_inv = reciprocal(complex(im, re_))
    return [negative(multiply(complex(grad, _zero(grad)), z_inv))]


registry.register("Complex", _infer_complex, _complex_kernel, grad=_complex_grad)
registry.register("Real", _to_real(), _real_kernel(np.real), grad=_real_grad)
registry.register("Imag", _to_real(), _real_kernel(np.imag), grad=_imag_grad)
registry.register("ComplexAbs", _to_real(), _real_kernel(np.abs), grad=_complex_abs_grad)
registry.register("Angle", _to_real(), _real_kernel(np.angle), grad=_angle_grad)
registry.register(
    "Conj",
    lambda op: [(op.inputs[0].dtype.base_dtype, op.inputs[0].shape)],
    lambda op, device: np.conj,
    grad=_conj_grad,
)


def complex(real, imag, name=None):  # noqa: A001 - TensorFlow's name
    """``real + i * imag`` elementwise: float32 parts make complex64, float64 complex128."""
    with name_scope(name, "Complex", [real, imag]) as scope:
        re_ = convert_to_tensor(real, name="real")
        im = convert_to_tensor(imag, dtype=re_.dtype.base_dtype, name="imag")
        tout = _COMPLEX_OF.get(re_.dtype.base_dtype)
        if tout is None:
            raise TypeError(f"real and imag have invalid type {re_.dtype.base_dtype.name}")
        return make_op("Complex", [re_, im], scope, {"T": re_.dtype.base_dtype, "Tout": tout})


def _part(op_type, default_name, x, name, real_passes=None):
    with name_scope(name, default_name, [x]) as scope:
        x = convert_to_tensor(x, name="input")
        dt = x.dtype.base_dtype
        if not dt.is_complex:
            # TF returns a real tensor itself for real() and zeros for imag().
            return real_passes(x) if real_passes else x
        return make_op(op_type, [x], scope, {"T": dt, "Tout": dt.real_dtype})


def real(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """The real part of each element (a real ``input`` is returned as it is)."""
    return _part("Real", "Real", input, name)


def imag(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """The imaginary part of each element (zeros for a real ``input``)."""
    from teachflow.ops.filling import zeros_like

    return _part("Imag", "Imag", input, name, real_passes=zeros_like)


def angle(input, name=None):  # noqa: A002 - TensorFlow's argument name
    """The argument (phase) of each element, in radians."""
    from teachflow.ops.filling import zeros_like

    return _part("Angle", "Angle", input, name, real_passes=zeros_like)


def complex_abs(x, name=None):
    """``|x|`` of a complex tensor: the ``ComplexAbs`` op ``tf.abs`` builds for it."""
    with name_scope(name, "Abs", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        dt = x.dtype.base_dtype
        return make_op("ComplexAbs", [x], scope, {"T": dt, "Tout": dt.real_dtype})


def conj(x, name=None):
    """The complex conjugate of each element (a real ``x`` is returned as it is)."""
    with name_scope(name, "Conj", [x]) as scope:
        x = convert_to_tensor(x, name="input")
        if not x.dtype.base_dtype.is_complex:
            return x
        return make_op("Conj", [x], scope, {"T": x.dtype.base_dtype})
