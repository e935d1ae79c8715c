"""``tf.extract_image_patches``: every sliding window of an NHWC image laid out along the
channels — ``[n, out_h, out_w, kh * kw * c]``, kernel row, kernel column, channel in that
order — under the same window rules (sizes, strides, rates, SAME/VALID) as convolution
(see `teachflow.ops.sliding_windows`). Padded pixels read as 0.

Its gradient adds each patch value back onto the pixel it came from. TensorFlow finds
"the pixel it came from" by extracting patches of an image of pixel numbers; teachflow
does the same and sums with ``UnsortedSegmentSum`` (pixel 0 standing for the padding).

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    >>> p = tf.extract_image_patches(x, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
    >>> with tf.Session() as sess:
    ...     print(sess.run(p)[0, 0, 0])
    [0. 1. 3. 4.]
"""

from __future__ import annotations

from teachflow.framework import dtypes, errors, registry
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.shapes import TensorShape
from teachflow.ops.op_builder import apply_op
from teachflow.ops.sliding_windows import output_size, patches, text, window_2d

__all__ = ["extract_image_patches"]


def _attrs(op):
    k, s, r = (op._attrs[a] for a in ("ksizes", "strides", "rates"))
    return k, s, r, text(op._attrs["padding"])


def _infer(op):
    x = op.inputs[0]
    k, s, r, padding = _attrs(op)
    if x.shape.ndims is None:
        return [(x.dtype.base_dtype, TensorShape([None] * 4))]
    if x.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.ndims}")
    n, h, w, c = x.shape.as_list()
    dims = []
    for size, i in ((h, 1), (w, 2)):
        eff = (k[i] - 1) * r[i] + 1
        if size is not None and padding == "VALID" and size < eff:
            raise ValueError(
                f"Computed output size would be negative: {int((size - eff + s[i]) / s[i])} "
                f"[input_size: {size}, effective_filter_size: {eff}, stride: {s[i]}]"
            )
        dims.append(output_size(size, k[i], s[i], r[i], padding)[0])
    depth = None if c is None else k[1] * k[2] * c
    return [(x.dtype.base_dtype, TensorShape([n, *dims, depth]))]


def _kernel(op, device):
    xp = device.xp
    k, s, r, padding = _attrs(op)

    def extract(x):
        if k[0] != 1 or k[3] != 1 or s[0] != 1 or s[3] != 1 or r[0] != 1 or r[3] != 1:
            raise errors.UnimplementedError(None, None, "Only support ksizes across space.")
        n, h, w, c = x.shape
        win = window_2d((h, w), (k[1], k[2]), (s[1], s[2]), (r[1], r[2]), padding)
        view = patches(xp, x, win)  # [n, oh, ow, c, kh, kw]
        out = xp.ascontiguousarray(view.transpose(0, 1, 2, 4, 5, 3))
        return out.reshape(n, win.out_h, win.out_w, win.kh * win.kw * c)

    return extract


def _extract_image_patches_grad(op, grad):
    from teachflow.ops import filling, joining, reshaping, segment_ops, shape_ops
    from teachflow.ops.arithmetic_ops import multiply
    from teachflow.ops.constant_op import constant

    x = op.inputs[0]
    k, s, r, padding = _attrs(op)
    shape = shape_ops.shape(x, out_type=dtypes.int64)
    n, h, w, c = (shape[i] for i in range(4))
    pixels = multiply(h, w)
    one = constant(1, dtypes.int64)
    # Pixel numbers 1..h*w, so the 0 a padded read gives names no pixel.
    numbers = reshaping.reshape(
        filling.range(1, pixels + 1, dtype=dtypes.int64), joining.stack([one, h, w, one])
    )
    sources = extract_image_patches(numbers, k, s, r, padding)  # [1, oh, ow, kh * kw]
    # grad [n, oh, ow, kh * kw * c] -> one row per (window, kernel position): [rows, n, c]
    rows = reshaping.transpose(
        reshaping.reshape(grad, joining.stack([n, constant(-1, dtypes.int64), c])), [1, 0, 2]
    )
    summed = segment_ops.unsorted_segment_sum(rows, reshaping.reshape(sources, [-1]), pixels + 1)
    image = reshaping.reshape(summed[1:], joining.stack([h, w, n, c]))
    return [reshaping.transpose(image, [2, 0, 1, 3])]


registry.register("ExtractImagePatches", _infer, _kernel, grad=_extract_image_patches_grad)


def extract_image_patches(
    images, ksizes=None, strides=None, rates=None, padding=None, name=None, sizes=None
):
    """The ``ksizes`` windows of ``images`` (``[n, h, w, c]``) taken every ``strides``
    pixels, their taps ``rates`` apart, as channels. ``ksizes``, ``strides`` and ``rates``
    are ``[1, rows, cols, 1]``."""
    ksizes = sizes if ksizes is None else ksizes
    x = convert_to_tensor(images, name="images")
    attrs = {
        "ksizes": [int(v) for v in ksizes],
        "strides": [int(v) for v in strides],
        "rates": [int(v) for v in rates],
        "T": x.dtype.base_dtype,
        "padding": padding,
    }
    return apply_op("ExtractImagePatches", name, [(x, "images", None)], attrs).outputs[0]
