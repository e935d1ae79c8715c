"""``tf.image.adjust_gamma``: gamma correction, ``gain * image ** gamma`` on the image
as floats in [0, 1] (an integer image is converted first and, saturating, back).

A gamma below 1 brightens the dark tones, above 1 darkens them; 1 leaves the image as it
is. A negative gamma is refused: at once for a Python number (ValueError), when the graph
runs for a tensor (an ``Assert``, InvalidArgumentError).

    >>> import teachflow as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.adjust_gamma([[[0.25, 1.0, 0.0]]], 0.5)).tolist())
    [[[0.5, 1.0, 0.0]]]
"""

from __future__ import annotations

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.operation import Tensor
from teachflow.framework.scopes import name_scope

__all__ = ["adjust_gamma"]

_NEGATIVE = "Gamma should be a non-negative real number."


def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` pixelwise, in the image's dtype (float16 and float32
    images are used as they are; others go through `tf.image.convert_image_dtype`)."""
    from teachflow.ops.check_ops import Assert
    from teachflow.ops.control_flow_cond import with_dependencies
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(None, "adjust_gamma", [image, gamma, gain]):
        image = convert_to_tensor(image, name="image")
        orig_dtype = image.dtype.base_dtype
        if orig_dtype in (dtypes.float16, dtypes.float32):
            flt_image = image
        else:
            flt_image = convert_image_dtype(image, dtypes.float32)
        non_negative = gamma >= 0
        if isinstance(non_negative, Tensor):
            gamma = with_dependencies([Assert(non_negative, [_NEGATIVE])], gamma)
        elif not non_negative:
            raise ValueError(_NEGATIVE)
        adjusted = gain * flt_image**gamma
        return convert_image_dtype(adjusted, orig_dtype, saturate=True)
