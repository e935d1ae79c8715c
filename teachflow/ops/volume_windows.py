"""Windows over volumes (``NDHWC``): what the 3-D convolution and pooling kernels share.

A 3-D op slides a ``[kd, kh, kw]`` window over depth, height and width with strides
``[sd, sh, sw]``; ``SAME`` padding adds ``max((out - 1) * s + k - size, 0)`` zeros (or
-inf for max pooling) split as TensorFlow splits it, the smaller half before. Every window
is taken at once as a strided view (NumPy's ``sliding_window_view``), so a kernel is one
contraction or reduction over the view, not a loop over positions.

    >>> import numpy as np
    >>> win = VolumeWindow.of((1, 4, 4, 4, 1), (2, 2, 2), (2, 2, 2), "SAME")
    >>> win.out_size, win.pad_before
    ((2, 2, 2), (0, 0, 0))
    >>> windows(np.zeros((1, 4, 4, 4, 1)), win).shape
    (1, 2, 2, 2, 1, 2, 2, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from teachflow.framework import errors

__all__ = ["VolumeWindow", "windows", "add_windows"]


@dataclass(frozen=True, slots=True)
class VolumeWindow:
    """One 3-D window geometry: sizes, strides, output size and padding (per spatial axis)."""

    size: tuple  # input depth, height, width
    ksize: tuple
    strides: tuple
    out_size: tuple
    pad_before: tuple
    pad_after: tuple

    @classmethod
    def of(cls, input_shape, ksize, strides, padding):
        size = tuple(int(s) for s in input_shape[1:4])
        ksize, strides = tuple(int(k) for k in ksize), tuple(int(s) for s in strides)
        if padding == "VALID":
            out = tuple((n - k + s) // s for n, k, s in zip(size, ksize, strides))
            before = after = (0, 0, 0)
        else:
            out = tuple(-(-n // s) for n, s in zip(size, strides))
            total = [max((o - 1) * s + k - n, 0) for o, s, k, n in zip(out, strides, ksize, size)]
            before = tuple(t // 2 for t in total)
            after = tuple(t - t // 2 for t in total)
        if any(o <= 0 for o in out):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Computed output size would be negative: {min(out) - 1} [input_size: "
                f"{min(size)}, effective_filter_size: {max(ksize)}, stride: {min(strides)}]",
            )
        return cls(size, ksize, strides, out, before, after)

    @property
    def padded(self) -> bool:
        return any(self.pad_before) or any(self.pad_after)


def windows(x, win: VolumeWindow, pad_value=0):
    """Every window of the volume ``x`` as a view ``[n, od, oh, ow, c, kd, kh, kw]``."""
    if win.padded:
        n, c = x.shape[0], x.shape[4]
        padded_size = [s + b + a for s, b, a in zip(win.size, win.pad_before, win.pad_after)]
        padded = np.full((n, *padded_size, c), pad_value, dtype=x.dtype)
        (d0, h0, w0), (d, h, w) = win.pad_before, win.size
        padded[:, d0 : d0 + d, h0 : h0 + h, w0 : w0 + w, :] = x
        x = padded
    view = np.lib.stride_tricks.sliding_window_view(x, win.ksize, axis=(1, 2, 3))
    sd, sh, sw = win.strides
    od, oh, ow = win.out_size
    return view[:, : od * sd : sd, : oh * sh : sh, : ow * sw : sw]


def add_windows(values, win: VolumeWindow, channels: int, dtype):
    """The volume-shaped sum of per-window values ``values[n, od, oh, ow, kd, kh, kw, c]``:
    each added where its window read (overlapping windows add up), padding cropped away.
    One vectorised slice-add per kernel position."""
    n = values.shape[0]
    padded_size = [s + b + a for s, b, a in zip(win.size, win.pad_before, win.pad_after)]
    out = np.zeros((n, *padded_size, channels), dtype=dtype)
    sd, sh, sw = win.strides
    od, oh, ow = win.out_size
    for i in range(win.ksize[0]):
        for j in range(win.ksize[1]):
            for k in range(win.ksize[2]):
                out[
                    :,
                    i : i + od * sd : sd,
                    j : j + oh * sh : sh,
                    k : k + ow * sw : sw,
                    :,
                ] += values[:, :, :, :, i, j, k, :]
    (d0, h0, w0), (d, h, w) = win.pad_before, win.size
    return out[:, d0 : d0 + d, h0 : h0 + h, w0 : w0 + w, :]
