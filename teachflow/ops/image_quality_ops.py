"""How images differ and how they vary: ``tf.image.total_variation``,
``image_gradients``, ``sobel_edges``, ``psnr`` and ``ssim`` — built, as in TensorFlow,
from slices, reductions and a depthwise convolution, so their gradients come for free.

* total variation: the sum of absolute differences between neighbouring pixels (the
  smoothness term of neural style transfer);
* PSNR: ``20 log10(max_val) - 10 log10(mse)`` per image;
* SSIM: local means, variances and covariance under an 11x11 Gaussian window (sigma 1.5),
  ``luminance * contrast-structure`` averaged over the image and the channels.

    >>> import numpy as np
    >>> import teachflow as tf
    >>> x = np.array([[[0.0], [1.0]], [[1.0], [1.0]]], np.float32)  # 2x2, one channel
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.total_variation(x)))
    2.0
"""

from __future__ import annotations

import numpy as np

from teachflow.framework import dtypes
from teachflow.framework.conversion import convert_to_tensor
from teachflow.framework.scopes import control_dependencies, name_scope

__all__ = ["image_gradients", "psnr", "sobel_edges", "ssim", "total_variation"]


def total_variation(images, name=None):
    """Per image (a batch gives ``[n]``, one image a scalar), the summed absolute
    differences of vertically and of horizontally neighbouring pixel values."""
    from teachflow.ops import math_ops

    with name_scope(name, "total_variation"):
        images = convert_to_tensor(images, name="images")
        ndims = images.shape.ndims
        if ndims == 3:
            dif1 = images[1:, :, :] - images[:-1, :, :]
            dif2 = images[:, 1:, :] - images[:, :-1, :]
            axis = None
        elif ndims == 4:
            dif1 = images[:, 1:, :, :] - images[:, :-1, :, :]
            dif2 = images[:, :, 1:, :] - images[:, :, :-1, :]
            axis = [1, 2, 3]
        else:
            raise ValueError("'images' must be either 3 or 4-dimensional.")
        return math_ops.reduce_sum(math_ops.abs(dif1), axis=axis) + math_ops.reduce_sum(
            math_ops.abs(dif2), axis=axis
        )


def image_gradients(image):
    """``(dy, dx)``: each pixel's forward difference to the pixel below and to the right
    (0 in the last row and column), both shaped like the ``[n, h, w, d]`` ``image``."""
    from teachflow.ops import array_ops

    image = convert_to_tensor(image, name="image")
    if image.shape.ndims != 4:
        raise ValueError(
            f"image_gradients expects a 4D tensor [batch_size, h, w, d], not {image.shape}."
        )
    image_shape = array_ops.shape(image)
    batch_size, height, width, depth = array_ops.unstack(image_shape)
    dy = image[:, 1:, :, :] - image[:, :-1, :, :]
    dx = image[:, :, 1:, :] - image[:, :, :-1, :]
    shape = array_ops.stack([batch_size, 1, width, depth])
    dy = array_ops.concat([dy, array_ops.zeros(shape, image.dtype)], 1)
    dy = array_ops.reshape(dy, image_shape)
    shape = array_ops.stack([batch_size, height, 1, depth])
    dx = array_ops.concat([dx, array_ops.zeros(shape, image.dtype)], 2)
    dx = array_ops.reshape(dx, image_shape)
    return dy, dx


# Sobel's vertical (dy) and horizontal (dx) kernels, TensorFlow's order.
_SOBEL = [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]


def sobel_edges(image):
    """``[n, h, w, d, 2]``: each channel convolved with Sobel's dy and dx kernels, the
    border reflected (``MirrorPad`` REFLECT) so the output keeps the image's size."""
    from teachflow.ops import array_ops
    from teachflow.ops.depthwise_conv_ops import depthwise_conv2d

    image = convert_to_tensor(image, name="image")
    static_shape = image.shape
    image_shape = array_ops.shape(image)
    kernels = np.expand_dims(np.transpose(np.asarray(_SOBEL), (1, 2, 0)), -2)
    kernels_tf = convert_to_tensor(kernels, dtype=image.dtype)
    kernels_tf = array_ops.tile(kernels_tf, [1, 1, image_shape[-1], 1], name="sobel_filters")
    padded = array_ops.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
    output = depthwise_conv2d(padded, kernels_tf, [1, 1, 1, 1], "VALID")
    output = array_ops.reshape(output, array_ops.concat([image_shape, [len(_SOBEL)]], 0))
    if static_shape.ndims is not None:
        output.set_shape(static_shape.concatenate([len(_SOBEL)]))
    return output


def compatible_image_shapes(img1, img2):
    """TensorFlow's ``_verify_compatible_image_shapes``: a static check of the last three
    dimensions (and that the batch dimensions broadcast); the run-time shapes of both
    images and two Asserts on them."""
    from teachflow.ops import array_ops, check_ops, math_ops

    shape1 = img1.shape.with_rank_at_least(3)
    shape2 = img2.shape.with_rank_at_least(3)
    if shape1.ndims is not None and shape2.ndims is not None:
        shape1[-3:].assert_is_compatible_with(shape2[-3:])
        for d1, d2 in zip(reversed(shape1.as_list()[:-3]), reversed(shape2.as_list()[:-3])):
            if not (d1 == 1 or d2 == 1 or d1 is None or d2 is None or d1 == d2):
                raise ValueError(f"Two images are not compatible: {shape1} and {shape2}")
    s1, s2 = array_ops.shape_n([img1, img2])
    checks = [
        check_ops.Assert(math_ops.greater_equal(array_ops.size(s1), 3), [s1, s2], summarize=10),
        check_ops.Assert(
            math_ops.reduce_all(math_ops.equal(s1[-3:], s2[-3:])), [s1, s2], summarize=10
        ),
    ]
    return s1, s2, checks


def _compatible_shape_checks(img1, img2):
    return compatible_image_shapes(img1, img2)[2]


def psnr(a, b, max_val, name=None):
    """Peak signal-to-noise ratio of each pair of images, in decibels (float32): ``inf``
    for identical images. ``max_val`` is the largest pixel value (1.0, 255)."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(name, "PSNR", [a, b]):
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        max_val = math_ops.cast(max_val, a.dtype)
        max_val = convert_image_dtype(max_val, dtypes.float32)
        a = convert_image_dtype(a, dtypes.float32)
        b = convert_image_dtype(b, dtypes.float32)
        mse = math_ops.reduce_mean(math_ops.squared_difference(a, b), [-3, -2, -1])
        value = math_ops.subtract(
            20 * math_ops.log(max_val) / math_ops.log(10.0),
            np.float32(10 / np.log(10)) * math_ops.log(mse),
            name="psnr",
        )
        with control_dependencies(_compatible_shape_checks(a, b)):
            return array_ops.identity(value)


def _gaussian_window(size, sigma):
    """TF's ``_fspecial_gauss``: a ``[size, size, 1, 1]`` Gaussian, normalised by a
    softmax over its log-values."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.activation_ops import softmax
    from teachflow.ops.filling import range as range_

    coords = math_ops.cast(range_(size), sigma.dtype)
    coords -= math_ops.cast(size - 1, sigma.dtype) / 2.0
    g = math_ops.square(coords)
    g *= -0.5 / math_ops.square(sigma)
    g = array_ops.reshape(g, shape=[1, -1]) + array_ops.reshape(g, shape=[-1, 1])
    g = softmax(array_ops.reshape(g, shape=[1, -1]))
    return array_ops.reshape(g, shape=[size, size, 1, 1])


def ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2):
    """TF's ``_ssim_per_channel``: the SSIM and the contrast-structure term of each
    channel, each averaged over the image (``[..., channels]``)."""
    from teachflow.ops import array_ops, check_ops, math_ops
    from teachflow.ops.constant_op import constant
    from teachflow.ops.depthwise_conv_ops import depthwise_conv2d

    filter_size = constant(filter_size, dtype=dtypes.int32)
    filter_sigma = constant(filter_sigma, dtype=img1.dtype)
    shape1, shape2 = array_ops.shape_n([img1, img2])
    checks = [
        check_ops.Assert(
            math_ops.reduce_all(math_ops.greater_equal(shape[-3:-1], filter_size)),
            [shape, filter_size],
            summarize=8,
        )
        for shape in (shape1, shape2)
    ]
    with control_dependencies(checks):
        img1 = array_ops.identity(img1)
    kernel = _gaussian_window(filter_size, filter_sigma)
    kernel = array_ops.tile(kernel, multiples=[1, 1, shape1[-1], 1])

    def reducer(x):
        shape = array_ops.shape(x)
        x = array_ops.reshape(x, shape=array_ops.concat([[-1], shape[-3:]], 0))
        y = depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="VALID")
        return array_ops.reshape(y, array_ops.concat([shape[:-3], array_ops.shape(y)[1:]], 0))

    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mean0, mean1 = reducer(img1), reducer(img2)
    num0 = mean0 * mean1 * 2.0
    den0 = math_ops.square(mean0) + math_ops.square(mean1)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = reducer(img1 * img2) * 2.0
    den1 = reducer(math_ops.square(img1) + math_ops.square(img2))
    c2 *= 1.0  # TF's compensation for a biased covariance estimate: none by default
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    axes = constant([-3, -2], dtype=dtypes.int32)
    return math_ops.reduce_mean(luminance * cs, axes), math_ops.reduce_mean(cs, axes)


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03):
    """Structural similarity of each pair of images (1 for identical ones), averaged
    over the pixels where the whole ``filter_size`` window fits and over the channels.
    The images must be at least ``filter_size`` pixels high and wide (checked when run)."""
    from teachflow.ops import array_ops, math_ops
    from teachflow.ops.image_ops import convert_image_dtype

    with name_scope(None, "SSIM", [img1, img2]):
        img1 = convert_to_tensor(img1, name="img1")
        img2 = convert_to_tensor(img2, name="img2")
        with control_dependencies(_compatible_shape_checks(img1, img2)):
            img1 = array_ops.identity(img1)
        max_val = math_ops.cast(max_val, img1.dtype)
        max_val = convert_image_dtype(max_val, dtypes.float32)
        img1 = convert_image_dtype(img1, dtypes.float32)
        img2 = convert_image_dtype(img2, dtypes.float32)
        per_channel, _ = ssim_per_channel(img1, img2, max_val, filter_size, filter_sigma, k1, k2)
        return math_ops.reduce_mean(per_channel, [-1])
