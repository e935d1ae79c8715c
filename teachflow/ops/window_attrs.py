"""What a 2-D window op's attributes say: strides, dilations, padding and data format.

``Conv2D``, ``MaxPool``, ``DepthwiseConv2dNative``... share their attributes: ``strides``,
``dilations`` and ``ksize`` as 4 entries in the data format's order ("NHWC" or "NCHW"),
``padding`` "SAME", "VALID" or "EXPLICIT" with 8 ``explicit_paddings``. This module reads them
in NHWC terms (`ConvAttrs`), checks them at graph construction as TensorFlow does, computes
static output shapes, turns Python arguments (``strides=2``, ``padding=[[0, 0], ...]``)
into the attributes TF stores, and multiplies the kernels' matrices with the right number
of BLAS threads.

    >>> window_sequence(2, "strides", "NHWC"), window_sequence([2, 3], "strides", "NCHW")
    ([1, 2, 2, 1], [1, 1, 2, 3])
    >>> padding_attrs([[0, 0], [1, 2], [0, 1], [0, 0]], "NHWC")
    ('EXPLICIT', [0, 0, 1, 2, 0, 1, 0, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from teachflow.framework import errors
from teachflow.framework.shapes import TensorShape
from teachflow.ops import blas_threads
from teachflow.ops.sliding_windows import (
    PADDINGS,
    explicit_pairs,
    nhwc_order,
    output_size,
    shapes_text,
    spatial,
    text,
    window_2d,
)

__all__: list = []


# -- reading attributes --------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class ConvAttrs:
    """A window op's attributes in NHWC terms (whatever its data format)."""

    strides: tuple
    dilations: tuple
    padding: str
    explicit: tuple
    nchw: bool
    unsupported: str | None  # what TF's kernel refuses to run, found when it is built

    @classmethod
    def of(cls, op, names=("strides", "dilations")):
        fmt = text(op._attrs.get("data_format", "NHWC"))
        n_axis, _, _, c_axis = nhwc_order(fmt)
        unsupported = None
        for name in names:
            values = op._attrs.get(name, [1, 1, 1, 1])
            if values[n_axis] != 1 or values[c_axis] != 1:
                unsupported = (
                    f"Current implementation does not yet support {name} in the batch and "
                    "depth dimensions."
                )
        return cls(
            spatial(op._attrs["strides"], fmt),
            spatial(op._attrs.get("dilations", [1, 1, 1, 1]), fmt),
            text(op._attrs["padding"]),
            explicit_pairs(op._attrs.get("explicit_paddings", []), fmt),
            fmt == "NCHW",
            unsupported,
        )

    def check(self):
        if self.unsupported:
            raise errors.UnimplementedError(None, None, self.unsupported)

    def to_nhwc(self, x):
        return x.transpose(0, 2, 3, 1) if self.nchw else x

    def from_nhwc(self, x):
        return x.transpose(0, 3, 1, 2) if self.nchw else x

    def sizes_nhwc(self, sizes):
        return [int(sizes[i]) for i in ((0, 2, 3, 1) if self.nchw else (0, 1, 2, 3))]


def check_window_attrs(op, names=("strides", "dilations")):
    """TensorFlow's checks of a window op's attributes, at graph construction."""
    fmt = text(op._attrs.get("data_format", "NHWC"))
    if fmt not in ("NHWC", "NCHW"):
        raise ValueError(f"Invalid data format: {fmt}")
    for name in names:
        values = op._attrs.get(name)
        if values is None:
            continue
        if len(values) != 4:
            raise ValueError(f"{_attr_title(name)} field must specify 4 dimensions")
        # A batch or depth stride passes here and fails when run (`ConvAttrs.check`), as
        # in TensorFlow.
        if min(values) < 1:
            raise ValueError(f"{_attr_title(name)} must be positive: {list(values)}")
    padding = text(op._attrs["padding"])
    if padding not in PADDINGS:
        raise ValueError(
            f"Attr 'padding' of '{op.type}' Op passed string '{padding}' not in: "
            '"SAME", "VALID", "EXPLICIT".'
        )
    pads = op._attrs.get("explicit_paddings", [])
    if padding == "EXPLICIT" and len(pads) != 8:
        raise ValueError(f"explicit_paddings attribute must contain 8 values, but got: {len(pads)}")
    if padding != "EXPLICIT" and pads:
        raise ValueError(
            "explicit_paddings attribute must be empty if the padding is not EXPLICIT."
        )
    return fmt


def _attr_title(name):
    return {"strides": "Sliding window strides", "ksize": "Sliding window ksize"}.get(
        name, name.capitalize()
    )


def compute_dtype(xp, value):
    # numpy's float16 matmul is slow and inexact: accumulate in float32, as TF's CPU does.
    return value.astype(np.float32) if value.dtype == np.float16 else value


def matmul(xp, a, b):
    """``a @ b`` for the conv kernels; on numpy with as many BLAS threads as measured best
    (`teachflow.ops.blas_threads`: spinning BLAS threads make a loaded machine crawl)."""
    if xp is np:
        return blas_threads.product(np.matmul, a, b)
    return xp.matmul(a, b)


def runtime_window(op, attrs, in_hw, k_hw):
    """The op's `Window2D` for actual sizes; too large a window is InvalidArgumentError."""
    try:
        return window_2d(in_hw, k_hw, attrs.strides, attrs.dilations, attrs.padding, attrs.explicit)
    except ValueError as e:
        raise errors.InvalidArgumentError(None, None, f"{op.type}: {e}") from None


# -- shapes -----------------------------------------------------------------------------
def in_format(nhwc_dims, fmt) -> TensorShape:
    """An NHWC-ordered list of dims as a shape in ``fmt``."""
    n, h, w, c = nhwc_dims
    return TensorShape([n, c, h, w] if fmt == "NCHW" else [n, h, w, c])


def conv_output_shape(op, input_shape, filter_hw, out_channels):
    """Static NHWC-ordered output shape of a convolution (as a TensorShape in the format)."""
    fmt = text(op._attrs.get("data_format", "NHWC"))
    order = nhwc_order(fmt)
    attrs = ConvAttrs.of(op)
    dims = input_shape.as_list() if input_shape.ndims is not None else [None] * 4
    try:
        oh, ow = (
            output_size(
                dims[order[1 + axis]],
                filter_hw[axis],
                attrs.strides[axis],
                attrs.dilations[axis],
                attrs.padding,
                attrs.explicit[axis],
            )[0]
            for axis in (0, 1)
        )
    except ValueError as e:
        raise ValueError(
            f"{e} for '{op.name}' (op: '{op.type}') with input shapes: "
            f"{shapes_text(*(i.shape for i in op.inputs))}."
        ) from None
    out = [dims[order[0]], oh, ow, out_channels]
    return in_format(out, fmt)


# -- from Python arguments -------------------------------------------------------------
def window_sequence(value, name, data_format, n=2):
    """``strides=2`` / ``[2, 2]`` / ``[1, 2, 2, 1]`` as the 4-entry attribute TF stores."""
    if value is None:
        value = 1
    values = [int(value)] if isinstance(value, (int, np.integer)) else [int(v) for v in value]
    c_first = text(data_format or "NHWC").startswith("NC")
    if len(values) == 1:
        values = values * n
    if len(values) == n:
        return [1, 1] + values if c_first else [1] + values + [1]
    if len(values) == n + 2:
        return values
    raise ValueError(f"{name} should be of length 1, {n} or {n + 2} but was {len(values)}")


def padding_attrs(padding, data_format):
    """(padding, explicit_paddings) from a string or a list of [before, after] pairs."""
    if isinstance(padding, (str, bytes)):
        return text(padding), []
    pairs = [list(p) for p in padding]
    if len(pairs) != 4:
        raise ValueError(f"When padding is a list, it must have 4 elements, but got: {padding}")
    order = nhwc_order(text(data_format or "NHWC"))
    if any(pairs[order[i]] != [0, 0] for i in (0, 3)):
        raise ValueError(
            '"padding" can only have a nonzero padding in the spatial dimensions, but got '
            f"{padding}"
        )
    return "EXPLICIT", [int(v) for p in pairs for v in p]
