"""``tf.compat``'s text helpers and type tuples, as TensorFlow's ``compat`` module has them:
what TF1 programs call to turn paths and names into bytes or str (``tf.compat.as_bytes``
before writing a TFRecord key, ``as_str`` on a fetched string).

    >>> as_bytes("é"), as_str(b"x"), as_str_any(3)
    (b'\\xc3\\xa9', 'x', '3')
"""

import datetime
import numbers
import os

import numpy as np

__all__ = [
    "as_bytes",
    "as_str",
    "as_str_any",
    "as_text",
    "bytes_or_text_types",
    "complex_types",
    "forward_compatibility_horizon",
    "forward_compatible",
    "integral_types",
    "path_to_str",
    "real_types",
]

bytes_or_text_types = (bytes, str)
integral_types = (numbers.Integral, np.integer)
real_types = (numbers.Real, np.integer, np.floating)
complex_types = (numbers.Complex, np.number)


def as_bytes(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as bytes (str encoded); TypeError for anything else."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """``bytes_or_text`` as str (bytes decoded); TypeError for anything else."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8"):
    """``str(value)``, bytes decoded first."""
    return as_str(value, encoding) if isinstance(value, bytes) else str(value)


def path_to_str(path):
    """A path-like object (``pathlib.Path``) as its str; anything else unchanged."""
    return os.fspath(path) if hasattr(path, "__fspath__") else path


# TensorFlow 2.21's forward-compatibility horizon: the date its graphs may rely on.
_HORIZON = datetime.date(2026, 1, 16)


def forward_compatible(year, month, day):
    """Whether graphs may use a feature added on that date: the horizon is past it."""
    return _HORIZON > datetime.date(year, month, day)


class forward_compatibility_horizon:  # noqa: N801 - TF's name
    """A block in which the horizon is another date (TF's testing helper)."""

    def __init__(self, year, month, day):
        self._date = datetime.date(year, month, day)

    def __enter__(self):
        global _HORIZON
        self._saved, _HORIZON = _HORIZON, self._date
        return self

    def __exit__(self, *exc):
        global _HORIZON
        _HORIZON = self._saved
        return False
