"""The C library's math functions, as TensorFlow's random kernels call them.

TensorFlow's Box–Muller transform calls the C library's single-precision ``logf`` and
``sincosf``. glibc (2.28 and later) computes them in double precision from small tables
and polynomials, and rounds once — *nearly* correctly: about one result in 300 differs
by one unit in the last place from the exact value. To reproduce TensorFlow's normals
bit for bit we run the same algorithm (glibc's ``e_logf.c``, ``s_sincosf.c``; the
tables are glibc's) over whole numpy arrays. The double-precision functions of
``BoxMullerDouble`` and of the gamma and Poisson samplers (``log``, ``log1p``, ``pow``,
``exp``) are the C library's own through Python's `math` module, which calls them (numpy's
vectorised ``log`` is not the same to the last bit); ``lgamma`` is called through ctypes,
as Python's `math.lgamma` is CPython's own.

Only the inputs the samplers produce are handled: ``logf`` of positive normal floats,
``sincosf`` of ``|x| < 120``.

    >>> import numpy as np
    >>> from teachflow.ops.glibc_math import logf, sincosf
    >>> float(logf(np.float32([0.5]))[0])
    -0.6931471824645996
    >>> [float(v[0]) for v in sincosf(np.float32([0.0]))]
    [0.0, 1.0]
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math

import numpy as np

__all__ = [
    "logf", "sincosf", "log", "log1p", "pow", "exp", "lgamma", "log1pf", "expm1f", "powf",
]  # fmt: skip

# -- logf (glibc sysdeps/ieee754/flt-32/e_logf.c and e_logf_data.c) -------------------------
# log(x) = log1p(z / c - 1) + log(c) + k ln 2, with 1/c and log(c) read from a 16-entry table.
_LOGF_INVC = np.array(
    [float.fromhex(h) for h in (
        "0x1.661ec79f8f3bep+0", "0x1.571ed4aaf883dp+0", "0x1.49539f0f010bp+0",
        "0x1.3c995b0b80385p+0", "0x1.30d190c8864a5p+0", "0x1.25e227b0b8eap+0",
        "0x1.1bb4a4a1a343fp+0", "0x1.12358f08ae5bap+0", "0x1.0953f419900a7p+0",
        "0x1p+0", "0x1.e608cfd9a47acp-1", "0x1.ca4b31f026aap-1", "0x1.b2036576afce6p-1",
        "0x1.9c2d163a1aa2dp-1", "0x1.886e6037841edp-1", "0x1.767dcf5534862p-1",
    )]
)  # fmt: skip
_LOGF_LOGC = np.array(
    [float.fromhex(h) for h in (
        "-0x1.57bf7808caadep-2", "-0x1.2bef0a7c06ddbp-2", "-0x1.01eae7f513a67p-2",
        "-0x1.b31d8a68224e9p-3", "-0x1.6574f0ac07758p-3", "-0x1.1aa2bc79c81p-3",
        "-0x1.a4e76ce8c0e5ep-4", "-0x1.1973c5a611cccp-4", "-0x1.252f438e10c1ep-5",
        "0x0p+0", "0x1.aa5aa5df25984p-5", "0x1.c5e53aa362eb4p-4", "0x1.526e57720db08p-3",
        "0x1.bc2860d22477p-3", "0x1.1058bc8a07ee1p-2", "0x1.4043057b6ee09p-2",
    )]
)  # fmt: skip
_LN2 = float.fromhex("0x1.62e42fefa39efp-1")
_A0, _A1, _A2 = (
    float.fromhex(h)
    for h in ("-0x1.00ea348b88334p-2", "0x1.5575b0be00b6ap-2", "-0x1.ffffef20a4123p-2")
)
_OFF = np.uint32(0x3F330000)


def logf(x: np.ndarray) -> np.ndarray:
    """glibc's ``logf`` over a float32 array of positive normal numbers (or zero: -inf)."""
    ix = np.asarray(x, dtype=np.float32).view(np.uint32)
    # x = 2**k * z with z in [OFF, 2 * OFF); the top mantissa bits pick the table entry.
    tmp = ix - _OFF
    i = (tmp >> np.uint32(19)) & np.uint32(15)
    k = tmp.view(np.int32) >> np.int32(23)
    z = (ix - (tmp & np.uint32(0xFF800000))).view(np.float32).astype(np.float64)
    r = z * _LOGF_INVC[i] - 1.0
    y0 = _LOGF_LOGC[i] + k * _LN2
    r2 = r * r
    y = _A1 * r + _A2
    y = _A0 * r2 + y
    y = y * r2 + (y0 + r)
    out = y.astype(np.float32)
    out[ix == np.uint32(0x3F800000)] = 0.0  # glibc returns +0 exactly for log(1)
    out[ix == 0] = -np.inf
    return out


# -- sincosf (glibc s_sincosf.c, s_sincosf.h, sincosf_poly.h, s_sincosf_data.c) --------------
_HPI_INV = float.fromhex("0x1.45F306DC9C883p+23")  # 2/pi, scaled by 2**24 (x86-64's variant)
_HPI = float.fromhex("0x1.921FB54442D18p0")
_C = [float.fromhex(h) for h in (
    "0x1p0", "-0x1.ffffffd0c621cp-2", "0x1.55553e1068f19p-5", "-0x1.6c087e89a359dp-10",
    "0x1.99343027bf8c3p-16",
)]  # fmt: skip
_S = [
    float.fromhex(h)
    for h in ("-0x1.555545995a603p-3", "0x1.1107605230bc4p-7", "-0x1.994eb3774cf24p-13")
]
_SIGN = np.array([1.0, -1.0, -1.0, 1.0])


def _abstop12(bits: np.ndarray) -> np.ndarray:
    return (bits >> np.uint32(20)) & np.uint32(0x7FF)


def sincosf(y: np.ndarray):
    """glibc's ``sincosf`` over a float32 array with ``|y| < 120``: ``(sin, cos)``."""
    y = np.asarray(y, dtype=np.float32)
    top = _abstop12(y.view(np.uint32))
    if (top >= _abstop12(np.float32(120.0).view(np.uint32))).any():
        raise ValueError("sincosf: only |x| < 120 is supported")
    x = y.astype(np.float64)
    # Below pi/4 (coarsely: by the top 12 bits) no reduction; otherwise x - n * pi/2.
    small = top < _abstop12(np.float32(float.fromhex("0x1.921FB6p-1")).view(np.uint32))
    n = (np.trunc(x * _HPI_INV).astype(np.int64) + 0x800000) >> 24
    n[small] = 0
    x -= n * _HPI
    # glibc multiplies x by the quadrant's sine sign before the (odd) sine polynomial and
    # negates the cosine polynomial's coefficients in quadrants 2 and 3: both are exact
    # negations in floating point, so we apply them to the results instead.
    x2 = x * x
    x4 = x2 * x2
    x3 = x2 * x
    sin_poly = x + x3 * _S[0]
    sin_poly += (x3 * x2) * (_S[1] + x2 * _S[2])
    cos_poly = (_C[0] + x2 * _C[1]) + x4 * _C[2]
    cos_poly += (x4 * x2) * (_C[3] + x2 * _C[4])
    sin_poly *= _SIGN[n & 3]
    cos_poly[(n & 2).astype(bool)] *= -1.0
    sin32, cos32 = sin_poly.astype(np.float32), cos_poly.astype(np.float32)
    odd = (n & 1).astype(bool)
    sin_out = np.where(odd, cos32, sin32)
    cos_out = np.where(odd, sin32, cos32)
    tiny = top < _abstop12(np.float32(2.0**-12).view(np.uint32))
    sin_out[tiny] = y[tiny]
    cos_out[tiny] = 1.0
    return sin_out, cos_out


_log = np.frompyfunc(math.log, 1, 1)
_pow = np.frompyfunc(math.pow, 2, 1)
_log1p = np.frompyfunc(math.log1p, 1, 1)
_exp = np.frompyfunc(math.exp, 1, 1)


def _c_lgamma():
    # Python's math.lgamma is CPython's own; TF calls the C library's, so we do too.
    name = ctypes.util.find_library("m")
    if name is None:
        return math.lgamma
    fn = ctypes.CDLL(name).lgamma
    fn.restype, fn.argtypes = ctypes.c_double, [ctypes.c_double]
    return fn


_lgamma = np.frompyfunc(_c_lgamma(), 1, 1)


def _c_float_function(name, fallback):
    # The float functions of the candidate samplers' expected counts (TF's float
    # log1p/expm1 calls); without a C math library, the double function rounded once,
    # which may differ in the last bit.
    lib = ctypes.util.find_library("m")
    if lib is None:
        return lambda x: float(np.float32(fallback(x)))
    fn = getattr(ctypes.CDLL(lib), name)
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
    return fn


_log1pf = _c_float_function("log1pf", math.log1p)
_expm1f = _c_float_function("expm1f", math.expm1)


def _c_powf():
    # TF's fixed unigram sampler distorts each weight with C++'s float std::pow (powf).
    lib = ctypes.util.find_library("m")
    if lib is None:
        return lambda x, y: float(np.float32(math.pow(x, y)))
    fn = ctypes.CDLL(lib).powf
    fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float, ctypes.c_float]
    return fn


_powf = _c_powf()


def log1pf(x) -> np.float32:
    """The C library's single-precision ``log1pf`` of one float (through ctypes)."""
    return np.float32(_log1pf(float(np.float32(x))))


def expm1f(x) -> np.float32:
    """The C library's single-precision ``expm1f`` of one float (through ctypes)."""
    return np.float32(_expm1f(float(np.float32(x))))


def powf(x, y) -> np.float32:
    """The C library's single-precision ``powf`` of two floats (through ctypes)."""
    return np.float32(_powf(float(np.float32(x)), float(np.float32(y))))


def log(x: np.ndarray) -> np.ndarray:
    """The C library's double-precision ``log`` (Python's `math.log`) over an array."""
    x = np.asarray(x, dtype=np.float64)
    return _log(x).astype(np.float64) if x.size else x.copy()


def pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # noqa: A001 - the C library's name
    """The C library's double-precision ``pow`` (Python's `math.pow`) over arrays."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
    return _pow(x, y).astype(np.float64) if x.size else x.copy()


def log1p(x: np.ndarray) -> np.ndarray:
    """The C library's double-precision ``log1p`` (Python's `math.log1p`) over an array."""
    x = np.asarray(x, dtype=np.float64)
    return _log1p(x).astype(np.float64) if x.size else x.copy()


def exp(x: np.ndarray) -> np.ndarray:
    """The C library's double-precision ``exp`` (Python's `math.exp`) over an array."""
    x = np.asarray(x, dtype=np.float64)
    return _exp(x).astype(np.float64) if x.size else x.copy()


def lgamma(x: np.ndarray) -> np.ndarray:
    """The C library's double-precision ``lgamma`` over an array (through ctypes)."""
    x = np.asarray(x, dtype=np.float64)
    return _lgamma(x).astype(np.float64) if x.size else x.copy()
