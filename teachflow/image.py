"""``tf.image``: PNG encoding and decoding, resizing, standardization, flips, crops and
pads, brightness and contrast, dtype conversion, grayscale, rotations, total variation, gradients and Sobel edges, PSNR and SSIM
(re-exports).

>>> import teachflow as tf
>>> tf.image.resize_images(tf.zeros([28, 28, 1]), [14, 14]).shape
TensorShape([Dimension(14), Dimension(14), Dimension(1)])
"""

from teachflow.ops.bounding_box_sampling_ops import sample_distorted_bounding_box  # noqa: F401
from teachflow.ops.colorspace_ops import rgb_to_yiq, rgb_to_yuv, yiq_to_rgb, yuv_to_rgb  # noqa: F401
from teachflow.ops.combined_nms_ops import combined_non_max_suppression  # noqa: F401
from teachflow.ops.crop_and_resize_ops import crop_and_resize  # noqa: F401
from teachflow.ops.draw_bounding_box_ops import draw_bounding_boxes  # noqa: F401
from teachflow.ops.gamma_correction_ops import adjust_gamma  # noqa: F401
from teachflow.ops.glimpse_ops import extract_glimpse  # noqa: F401
from teachflow.ops.image_adjust_ops import (  # noqa: F401
    adjust_brightness,
    adjust_contrast,
    adjust_hue,
    adjust_saturation,
    hsv_to_rgb,
    random_brightness,
    random_contrast,
    random_hue,
    random_saturation,
    rgb_to_hsv,
)
from teachflow.ops.image_codec_ops import decode_png, encode_png  # noqa: F401
from teachflow.ops.image_decode_ops import decode_bmp, decode_gif  # noqa: F401
from teachflow.ops.image_ops import (  # noqa: F401
    central_crop,
    convert_image_dtype,
    crop_to_bounding_box,
    flip_left_right,
    flip_up_down,
    grayscale_to_rgb,
    pad_to_bounding_box,
    per_image_standardization,
    random_crop,
    random_flip_left_right,
    random_flip_up_down,
    resize_image_with_crop_or_pad,
    rgb_to_grayscale,
)
from teachflow.ops.image_patches_ops import extract_image_patches  # noqa: F401
from teachflow.ops.image_quality_ops import (  # noqa: F401
    image_gradients,
    psnr,
    sobel_edges,
    ssim,
    total_variation,
)
from teachflow.ops.image_rotation_ops import rot90, transpose_image  # noqa: F401
from teachflow.ops.jpeg_codec_ops import decode_image, decode_jpeg, encode_jpeg  # noqa: F401
from teachflow.ops.jpeg_window_ops import (  # noqa: F401
    decode_and_crop_jpeg,
    extract_jpeg_shape,
    is_jpeg,
)
from teachflow.ops.multiscale_ssim_ops import ssim_multiscale  # noqa: F401
from teachflow.ops.non_max_suppression_ops import (  # noqa: F401
    non_max_suppression,
    non_max_suppression_overlaps,
    non_max_suppression_with_scores,
)
from teachflow.ops.padded_nms_ops import non_max_suppression_padded  # noqa: F401
from teachflow.ops.resize_bicubic_area_ops import resize_area, resize_bicubic  # noqa: F401
from teachflow.ops.resize_ops import (  # noqa: F401
    ResizeMethod,
    resize_bilinear,
    resize_images,
    resize_nearest_neighbor,
)
from teachflow.ops.resize_with_pad_ops import resize_image_with_pad  # noqa: F401

# TF 2.21's compat.v1 names for the same functions (``tf.image.resize is
# tf.image.resize_images`` there: the v1 resize, with ResizeMethodV1's methods).
resize = resize_images
resize_with_crop_or_pad = resize_image_with_crop_or_pad
transpose = transpose_image


def extract_patches(images, sizes, strides, rates, padding, name=None):
    """TF 2's name and argument order for `extract_image_patches` (``sizes`` for
    ``ksizes``): op ``ExtractImagePatches``.

    >>> import teachflow as tf
    >>> tf.image.extract_patches(tf.zeros([1, 4, 4, 1]), [1, 2, 2, 1], [1, 2, 2, 1],
    ...                          [1, 1, 1, 1], "VALID").shape
    TensorShape([Dimension(1), Dimension(2), Dimension(2), Dimension(4)])
    """
    return extract_image_patches(images, sizes, strides, rates, padding, name=name)
