"""Linear colour spaces: ``tf.image.rgb_to_yiq``, ``yiq_to_rgb``, ``rgb_to_yuv`` and
``yuv_to_rgb``. Each is one 3x3 matrix applied to every pixel's last axis — a
``tf.tensordot`` with TensorFlow's kernels, so the graph is TF's unscoped ``Tensordot/...``
(a MatMul between two Reshapes; a bare MatMul for a ``[n, 3]`` input) and the gradient
comes from MatMul's.

Y is the luma (0.299 R + 0.587 G + 0.114 B, as in `rgb_to_grayscale`); I/Q (NTSC) and
U/V (PAL) are two chroma axes. The inverse kernels are the forward ones inverted, rounded
as TensorFlow writes them, so a round trip is exact only to float32 rounding.

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.rgb_to_yuv([[1.0, 1.0, 1.0]])).round(4).tolist())
    [[1.0, 0.0, 0.0]]
"""

from __future__ import annotations

from teachflow.framework.conversion import convert_to_tensor

__all__ = ["rgb_to_yiq", "rgb_to_yuv", "yiq_to_rgb", "yuv_to_rgb"]

# TensorFlow's kernels (image_ops_impl.py), rows indexed by the input channel.
KERNELS = {
    "rgb_to_yiq": [
        [0.299, 0.59590059, 0.2115],
        [0.587, -0.27455667, -0.52273617],
        [0.114, -0.32134392, 0.31119955],
    ],
    "yiq_to_rgb": [
        [1, 1, 1],
        [0.95598634, -0.27201283, -1.10674021],
        [0.6208248, -0.64720424, 1.70423049],
    ],
    "rgb_to_yuv": [
        [0.299, -0.14714119, 0.61497538],
        [0.587, -0.28886916, -0.51496512],
        [0.114, 0.43601035, -0.10001026],
    ],
    "yuv_to_rgb": [
        [1, 1, 1],
        [0, -0.394642334, 2.03206185],
        [1.13988303, -0.58062185, 0],
    ],
}


def _convert(images, kernel):
    from teachflow.ops.contraction_ops import tensordot

    images = convert_to_tensor(images, name="images")
    kernel = convert_to_tensor(KERNELS[kernel], dtype=images.dtype, name="kernel")
    ndims = images.shape.ndims
    if ndims is None:
        # TensorFlow computes ``ndims - 1`` with the rank unknown and fails the same way.
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")
    return tensordot(images, kernel, axes=[[ndims - 1], [0]])


def rgb_to_yiq(images):
    """YIQ (NTSC) values of RGB ``images`` (last axis of size 3, values in [0, 1])."""
    return _convert(images, "rgb_to_yiq")


def yiq_to_rgb(images):
    """RGB values of YIQ ``images`` (last axis of size 3)."""
    return _convert(images, "yiq_to_rgb")


def rgb_to_yuv(images):
    """YUV (PAL) values of RGB ``images`` (last axis of size 3, values in [0, 1])."""
    return _convert(images, "rgb_to_yuv")


def yuv_to_rgb(images):
    """RGB values of YUV ``images`` (last axis of size 3; Y in [0, 1], U and V in
    [-0.5, 0.5])."""
    return _convert(images, "yuv_to_rgb")
