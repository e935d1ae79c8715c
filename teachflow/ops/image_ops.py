"""``tf.image`` helpers built from other ops: per_image_standardization, flips,
central_crop, convert_image_dtype, rgb_to_grayscale and grayscale_to_rgb.

Images are ``[height, width, channels]`` or a batch ``[n, height, width, channels]``.
Integer images hold ``0..dtype.max``; float images hold ``[0, 1]``, and
`convert_image_dtype` moves between the two the way TensorFlow scales them.

    >>> import teachflow as tf
    >>> x = tf.image.convert_image_dtype(tf.constant([[[255, 0, 85]]], tf.uint8), tf.float32)
    >>> with tf.Session() as sess:
    ...     print(sess.run(x).ravel().round(4))
    [1.     0.     0.3333]
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import name_scope
from teachflow.framework.shapes import dimension_value

__all__: list = []

# ITU-R 601-2 luma, TensorFlow's weights.
GRAYSCALE_WEIGHTS = (0.2989, 0.5870, 0.1140)


def _image(image, name="image"):
    image = convert_to_tensor(image, name=name)
    rank = image.shape.ndims
    if rank is not None and rank < 3:
        raise ValueError(f"'image' (shape {image.shape}) must be at least three-dimensional.")
    return image


def per_image_standardization(image, name=None):
    """Each image scaled to mean 0 and variance 1:
    ``(x - mean) / max(stddev, 1 / sqrt(pixels))`` — the floor keeps a flat image finite.

    Integer images come out as float32.

        >>> import teachflow as tf
        >>> y = tf.image.per_image_standardization(tf.constant([[[1.0], [3.0]]]))
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).ravel())
        [-1.  1.]
    """
    from teachflow.ops import array_ops, math_ops

    with name_scope(name, "per_image_standardization", [image]) as scope:
        image = _image(image)
        if not image.dtype.is_floating:
            image = math_ops.cast(image, dtypes.float32)
        shape = array_ops.shape(image)
        num_pixels = math_ops.reduce_prod(shape[-3:])
        mean = math_ops.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = math_ops.reduce_std(image, axis=[-1, -2, -3], keepdims=True)
        min_stddev = math_ops.rsqrt(math_ops.cast(num_pixels, image.dtype))
        adjusted = math_ops.maximum(stddev, min_stddev)
        return math_ops.divide(image - mean, adjusted, name=scope)


def _flip(image, axis_from_end, scope_name, name):
    from teachflow.ops import array_ops

    with name_scope(name, scope_name, [image]):
        image = _image(image)
        rank = image.shape.ndims
        axis = (rank or 3) - axis_from_end
        return array_ops.reverse(image, [axis])


def flip_left_right(image, name=None):
    """Mirror images horizontally (reverse the width axis).

    >>> import teachflow as tf
    >>> tf.image.flip_left_right(tf.zeros([2, 4, 5, 3])).op.type
    'ReverseV2'
    """
    return _flip(image, 2, "flip_left_right", name)


def flip_up_down(image, name=None):
    """Mirror images vertically (reverse the height axis).

    >>> import teachflow as tf
    >>> tf.image.flip_up_down(tf.zeros([4, 5, 3])).shape
    TensorShape([Dimension(4), Dimension(5), Dimension(3)])
    """
    return _flip(image, 3, "flip_up_down", name)


def _random_flip(image, axis_from_end, seed, scope_name, name):
    from teachflow.ops import array_ops, comparison_ops, math_ops, random_ops

    with name_scope(name, scope_name, [image]):
        image = _image(image)
        rank = image.shape.ndims
        axis = rank - axis_from_end
        if rank == 3:
            # TF draws one number and builds a tf.cond; teachflow selects between the two.
            uniform = random_ops.random_uniform([], 0, 1.0, seed=seed)
            mirror = math_ops.less(uniform, 0.5)
            return comparison_ops.where(mirror, array_ops.reverse(image, [axis]), image)
        batch = array_ops.shape(image)[0]
        uniform = random_ops.random_uniform(array_ops.stack([batch]), 0, 1.0, seed=seed)
        flips = math_ops.round(array_ops.reshape(uniform, array_ops.stack([batch, 1, 1, 1])))
        flips = math_ops.cast(flips, image.dtype)
        flipped = array_ops.reverse(image, [axis])
        return flips * flipped + (1 - flips) * image


def random_flip_left_right(image, seed=None):
    """Mirror an image horizontally with probability 1/2 (each image of a batch on its own
    draw). With a graph seed and ``seed`` the draws are TensorFlow's.

        >>> import teachflow as tf
        >>> tf.image.random_flip_left_right(tf.zeros([4, 5, 3]), seed=1).shape
        TensorShape([Dimension(4), Dimension(5), Dimension(3)])
    """
    return _random_flip(image, 2, seed, "random_flip_left_right", None)


def random_flip_up_down(image, seed=None):
    """Mirror an image vertically with probability 1/2 (see `random_flip_left_right`).

    >>> import teachflow as tf
    >>> tf.image.random_flip_up_down(tf.zeros([2, 4, 5, 3]), seed=1).shape
    TensorShape([Dimension(2), Dimension(4), Dimension(5), Dimension(3)])
    """
    return _random_flip(image, 3, seed, "random_flip_up_down", None)


def random_crop(value, size, seed=None, name=None):
    """A ``size`` slice of ``value`` at a uniformly random offset (the same crop for every
    channel when ``size`` keeps the last dimension). With a graph seed and ``seed`` the
    offset is TensorFlow's. Raises ValueError when a known dimension is smaller than
    ``size``.

        >>> import teachflow as tf
        >>> tf.image.random_crop(tf.zeros([5, 7, 3]), [3, 4, 3], seed=1).shape
        TensorShape([Dimension(3), Dimension(4), Dimension(3)])
    """
    from teachflow.ops import array_ops, random_ops

    with name_scope(name, "random_crop", [value, size]) as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        static = value.shape.as_list() if value.shape.ndims is not None else None
        wanted = None
        if size.op.type == "Const":
            wanted = [int(v) for v in np.ravel(size.op.get_attr("value"))]
        if static is not None and wanted is not None:
            if any(d is not None and d < w for d, w in zip(static, wanted)):
                raise ValueError(f"Need value.shape >= size, got {static} and {wanted}")
        shape = array_ops.shape(value)
        limit = shape - size + 1
        # TF draws a full-range int32 per dimension and takes it modulo the room left.
        offset = (
            random_ops.random_uniform(
                array_ops.shape(shape), dtype=size.dtype, maxval=size.dtype.max, seed=seed
            )
            % limit
        )
        return array_ops.slice(value, offset, size, name=scope)


def central_crop(image, central_fraction, name=None):
    """The centre ``central_fraction`` of each image's height and width, as TF computes it
    (``start = int((size - size * fraction) / 2)``). Raises ValueError for a fraction
    outside (0, 1]; 1 returns the image.

        >>> import teachflow as tf
        >>> tf.image.central_crop(tf.zeros([5, 6, 3]), 0.5).shape
        TensorShape([Dimension(3), Dimension(4), Dimension(3)])
    """
    from teachflow.ops import array_ops

    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    with name_scope(name, "central_crop", [image]):
        image = _image(image)
        if central_fraction == 1.0:
            return image
        rank = image.shape.ndims
        height, width = (
            dimension_value(image.shape[rank - 3]),
            dimension_value(image.shape[rank - 2]),
        )
        if height is None or width is None:
            raise ValueError("central_crop in teachflow needs the image's height and width")
        top = int((height - height * central_fraction) / 2)
        left = int((width - width * central_fraction) / 2)
        begin = [0] * (rank - 3) + [top, left, 0]
        size = [-1] * (rank - 3) + [height - 2 * top, width - 2 * left, -1]
        return array_ops.slice(image, begin, size)


def _static_hw(image, what):
    rank = image.shape.ndims
    height, width = dimension_value(image.shape[rank - 3]), dimension_value(image.shape[rank - 2])
    if height is None or width is None:
        raise ValueError(f"{what} in teachflow needs the image's height and width")
    return height, width


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``target_height x target_width`` window of each image whose top-left corner is
    at ``(offset_height, offset_width)``. Raises ValueError (TF's words) when it does not fit.

        >>> import teachflow as tf
        >>> tf.image.crop_to_bounding_box(tf.zeros([5, 7, 3]), 1, 2, 3, 4).shape
        TensorShape([Dimension(3), Dimension(4), Dimension(3)])
    """
    from teachflow.ops import array_ops

    with name_scope(None, "crop_to_bounding_box", [image]):
        image = _image(image)
        height, width = _static_hw(image, "crop_to_bounding_box")
        for ok, message in (
            (offset_width >= 0, "offset_width must be >= 0."),
            (offset_height >= 0, "offset_height must be >= 0."),
            (target_width > 0, "target_width must be > 0."),
            (target_height > 0, "target_height must be > 0."),
            (width >= target_width + offset_width, "width must be >= target + offset."),
            (height >= target_height + offset_height, "height must be >= target + offset."),
        ):
            if not ok:
                raise ValueError(message)
        single = image.shape.ndims == 3
        if single:  # TF works on a batch of one and squeezes it again
            image = array_ops.expand_dims(image, 0)
        cropped = array_ops.slice(
            image, [0, offset_height, offset_width, 0], [-1, target_height, target_width, -1]
        )
        return array_ops.squeeze(cropped, [0]) if single else cropped


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Each image placed at ``(offset_height, offset_width)`` on a zero canvas of
    ``target_height x target_width``. Raises ValueError (TF's words) when it does not fit.

        >>> import teachflow as tf
        >>> tf.image.pad_to_bounding_box(tf.zeros([2, 5, 7, 3]), 1, 2, 8, 10).shape
        TensorShape([Dimension(2), Dimension(8), Dimension(10), Dimension(3)])
    """
    from teachflow.ops import array_ops

    with name_scope(None, "pad_to_bounding_box", [image]):
        image = _image(image)
        height, width = _static_hw(image, "pad_to_bounding_box")
        after_height = target_height - offset_height - height
        after_width = target_width - offset_width - width
        for ok, message in (
            (offset_height >= 0, "offset_height must be >= 0"),
            (offset_width >= 0, "offset_width must be >= 0"),
            (after_width >= 0, "width must be <= target - offset"),
            (after_height >= 0, "height must be <= target - offset"),
        ):
            if not ok:
                raise ValueError(message)
        single = image.shape.ndims == 3
        if single:
            image = array_ops.expand_dims(image, 0)
        paddings = [[0, 0], [offset_height, after_height], [offset_width, after_width], [0, 0]]
        padded = array_ops.pad(image, paddings)
        return array_ops.squeeze(padded, [0]) if single else padded


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Centre-crop or zero-pad each image to ``target_height x target_width`` (no scaling).

    >>> import teachflow as tf
    >>> tf.image.resize_image_with_crop_or_pad(tf.zeros([5, 7, 3]), 3, 9).shape
    TensorShape([Dimension(3), Dimension(9), Dimension(3)])
    """
    with name_scope(None, "resize_image_with_crop_or_pad", [image]):
        image = _image(image)
        height, width = _static_hw(image, "resize_image_with_crop_or_pad")
        if target_width <= 0:
            raise ValueError("target_width must be > 0.")
        if target_height <= 0:
            raise ValueError("target_height must be > 0.")
        width_diff, height_diff = target_width - width, target_height - height
        cropped = crop_to_bounding_box(
            image,
            max(-height_diff // 2, 0),
            max(-width_diff // 2, 0),
            min(target_height, height),
            min(target_width, width),
        )
        return pad_to_bounding_box(
            cropped,
            max(height_diff // 2, 0),
            max(width_diff // 2, 0),
            target_height,
            target_width,
        )


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Convert an image's dtype, rescaling values: integers span ``0..max``, floats
    ``[0, 1]``. Float to integer multiplies by ``max + 0.5`` and truncates (with
    ``saturate``, clamped first); integer to integer shifts by the bit difference.

        >>> import teachflow as tf
        >>> y = tf.image.convert_image_dtype(tf.constant([0.0, 0.5, 1.0]), tf.uint8)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        [  0 127 255]
    """
    from teachflow.ops import array_ops, math_ops

    dtype = dtypes.as_dtype(dtype)
    image = convert_to_tensor(image, name="image")
    if image.dtype.base_dtype == dtype:
        # Checked before TF opens its name scope: the Identity is named in the caller's.
        return array_ops.identity(image, name=name)
    with name_scope(name, "convert_image", [image]) as scope:
        src = image.dtype.base_dtype
        if src.is_integer and dtype.is_integer:
            in_max, out_max = int(src.max), int(dtype.max)
            if in_max > out_max:
                scale = (in_max + 1) // (out_max + 1)
                scaled = math_ops.floordiv(image, convert_to_tensor(scale, dtype=src))
                return math_ops.cast(scaled, dtype, name=scope)
            scale = (out_max + 1) // (in_max + 1)
            cast = math_ops.cast(image, dtype)
            return math_ops.multiply(cast, convert_to_tensor(scale, dtype=dtype), name=scope)
        if src.is_floating and dtype.is_floating:
            return math_ops.cast(image, dtype, name=scope)
        if src.is_integer:
            cast = math_ops.cast(image, dtype)
            scale = np.asarray(1.0 / src.max, dtype.as_numpy_dtype)
            return math_ops.multiply(cast, convert_to_tensor(scale, name="y"), name=scope)
        scale = np.asarray(dtype.max + 0.5, src.as_numpy_dtype)
        scaled = math_ops.multiply(image, scale)
        if saturate:
            from teachflow.ops.saturate_cast_ops import saturate_cast

            # TF 2.21: saturate_cast in this scope (Const, Const_1, clamp:ClipByValue).
            return saturate_cast(scaled, dtype, name=scope)
        return math_ops.cast(scaled, dtype, name=scope)


def rgb_to_grayscale(images, name=None):
    """RGB images to one channel of luma ``0.2989 R + 0.5870 G + 0.1140 B`` (same dtype,
    computed in float).

        >>> import teachflow as tf
        >>> tf.image.rgb_to_grayscale(tf.zeros([2, 4, 4, 3])).shape
        TensorShape([Dimension(2), Dimension(4), Dimension(4), Dimension(1)])
    """
    from teachflow.ops import math_ops

    with name_scope(name, "rgb_to_grayscale", [images]) as scope:
        images = _image(images, "images")
        orig = images.dtype.base_dtype
        flt = convert_image_dtype(images, dtypes.float32) if not orig.is_floating else images
        weights = convert_to_tensor(np.asarray(GRAYSCALE_WEIGHTS, flt.dtype.as_numpy_dtype))
        gray = math_ops.reduce_sum(flt * weights, axis=-1, keepdims=True)
        return convert_image_dtype(gray, orig, name=scope)


def grayscale_to_rgb(images, name=None):
    """One-channel images repeated into three channels.

    >>> import teachflow as tf
    >>> tf.image.grayscale_to_rgb(tf.zeros([4, 4, 1])).shape
    TensorShape([Dimension(4), Dimension(4), Dimension(3)])
    """
    from teachflow.ops import array_ops

    with name_scope(name, "grayscale_to_rgb", [images]):
        images = _image(images, "images")
        rank = images.shape.ndims
        if dimension_value(images.shape[rank - 1]) not in (None, 1):
            raise ValueError(
                f"Last dimension of a grayscale image should be size 1, got {images.shape}"
            )
        return array_ops.tile(images, [1] * (rank - 1) + [3])
