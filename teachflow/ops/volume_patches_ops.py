"""``tf.extract_volume_patches``: every sliding window of an NDHWC volume laid out along the
channels — ``[n, out_d, out_h, out_w, kd * kh * kw * c]``, in kernel depth, row, column,
channel order — the 3-D ``extract_image_patches``, with the window rules of ``conv3d``
(`teachflow.ops.volume_windows`; no rates). Padded voxels read as 0.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2, 1)
    >>> p = tf.extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
    >>> with tf.Session() as sess:
    ...     print(sess.run(p).reshape(-1).tolist())
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops.op_builder import apply_op, to_host
from teachflow.ops.sliding_windows import output_size, text
from teachflow.ops.volume_windows import VolumeWindow, windows

__all__ = ["extract_volume_patches"]


def _attrs(op):
    return op._attrs["ksizes"], op._attrs["strides"], text(op._attrs["padding"])


def _infer(op):
    x = op.inputs[0]
    k, s, padding = _attrs(op)
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape([None] * 5))]
    if x.shape.ndims != 5:
        raise ValueError(f"Shape must be rank 5 but is rank {x.shape.ndims}")
    n, *spatial, c = x.shape.as_list()
    dims = [output_size(size, k[i], s[i], 1, padding)[0] for i, size in enumerate(spatial, 1)]
    depth = None if c is None else k[1] * k[2] * k[3] * c
    return [(x.dtype.base_dtype, TensorShape([n, *dims, depth]))]


def _kernel(op, device):
    xp = device.xp
    k, s, padding = _attrs(op)

    def extract(x):
        if k[0] != 1 or k[4] != 1 or s[0] != 1 or s[4] != 1:
            raise errors.UnimplementedError(None, None, "Only support ksizes across space.")
        x = np.asarray(to_host(x))
        win = VolumeWindow.of(x.shape, k[1:4], s[1:4], padding)
        view = windows(x, win)  # [n, od, oh, ow, c, kd, kh, kw]
        out = np.ascontiguousarray(view.transpose(0, 1, 2, 3, 5, 6, 7, 4))
        return xp.asarray(out.reshape(*out.shape[:4], -1))

    return extract


registry.register("ExtractVolumePatches", _infer, _kernel)


def extract_volume_patches(input, ksizes, strides, padding, name=None):  # noqa: A002
    """The ``ksizes`` windows of ``input`` (``[n, d, h, w, c]``) taken every ``strides``
    voxels, as channels. ``ksizes`` and ``strides`` are ``[1, d, h, w, 1]``."""
    x = convert_to_tensor(input, name="input")
    attrs = {
        "ksizes": [int(v) for v in ksizes],
        "strides": [int(v) for v in strides],
        "T": x.dtype.base_dtype,
        "padding": padding,
    }
    return apply_op("ExtractVolumePatches", name, [(x, "input", None)], attrs).outputs[0]
