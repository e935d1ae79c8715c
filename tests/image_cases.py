"""tf.image calls written once against the TF1 API, built by teachflow in
tests/ops/test_resize_ops.py and test_image_ops.py and by TensorFlow in
tests/fixtures/tensorflow/record_image.py. Each case returns named tensors."""

import numpy as np

RNG = np.random.default_rng(33)
FLOAT_BATCH = RNG.uniform(0, 1, (2, 5, 6, 3)).astype(np.float32)
UINT8_IMAGE = RNG.integers(0, 256, (5, 7, 3)).astype(np.uint8)
FLAT = np.full((3, 3, 1), 0.25, np.float32)


def resize(tf):
    return {
        "bilinear_up": tf.image.resize_images(FLOAT_BATCH, [8, 9]),
        "bilinear_down": tf.image.resize_images(FLOAT_BATCH, [3, 4]),
        "bilinear_align": tf.image.resize_images(FLOAT_BATCH, [7, 11], align_corners=True),
        "bilinear_uint8": tf.image.resize_images(UINT8_IMAGE, [4, 9]),
        "nearest_up": tf.image.resize_images(FLOAT_BATCH, [8, 9], method=1),
        "nearest_down_uint8": tf.image.resize_images(UINT8_IMAGE, [3, 4], method=1),
        "nearest_align": tf.image.resize_images(FLOAT_BATCH, [7, 11], method=1, align_corners=True),
        "half_pixel": tf.image.resize_bilinear(FLOAT_BATCH, [7, 4], half_pixel_centers=True),
        "nearest_half_pixel": tf.image.resize_nearest_neighbor(
            FLOAT_BATCH, [7, 4], half_pixel_centers=True
        ),
    }


def resize_gradient(tf):
    x = tf.constant(FLOAT_BATCH)
    w = tf.constant(np.arange(2 * 8 * 9 * 3, dtype=np.float32).reshape(2, 8, 9, 3) / 100)
    out = {}
    for name, size, method in (
        ("up", [8, 9], 0),
        ("down", [3, 4], 0),
        ("nearest_up", [8, 9], 1),
        ("nearest_down", [3, 4], 1),
    ):
        y = tf.image.resize_images(x, size, method=method)
        (out[name],) = tf.gradients(y, [x], grad_ys=w[:, : size[0], : size[1]])
    return out


def standardize_and_convert(tf):
    return {
        "standardized": tf.image.per_image_standardization(FLOAT_BATCH),
        "standardized_uint8": tf.image.per_image_standardization(UINT8_IMAGE),
        "standardized_flat": tf.image.per_image_standardization(FLAT),
        "to_float": tf.image.convert_image_dtype(UINT8_IMAGE, tf.float32),
        "to_uint8": tf.image.convert_image_dtype(FLOAT_BATCH, tf.uint8),
        "to_uint8_saturated": tf.image.convert_image_dtype(FLOAT_BATCH * 1.5 - 0.2, tf.uint8, True),
        "to_int32": tf.image.convert_image_dtype(UINT8_IMAGE, tf.int32),
        "int32_to_uint8": tf.image.convert_image_dtype(
            tf.image.convert_image_dtype(UINT8_IMAGE, tf.int32), tf.uint8
        ),
    }


def geometry_and_color(tf):
    return {
        "flip_lr": tf.image.flip_left_right(FLOAT_BATCH),
        "flip_ud": tf.image.flip_up_down(UINT8_IMAGE),
        "crop": tf.image.central_crop(UINT8_IMAGE, 0.5),
        "crop_batch": tf.image.central_crop(FLOAT_BATCH, 0.7),
        "gray": tf.image.rgb_to_grayscale(FLOAT_BATCH),
        "gray_uint8": tf.image.rgb_to_grayscale(UINT8_IMAGE),
        "rgb": tf.image.grayscale_to_rgb(tf.image.rgb_to_grayscale(FLOAT_BATCH)),
    }


def random_flips(tf):
    tf.set_random_seed(5)
    return {
        "lr_single": tf.image.random_flip_left_right(UINT8_IMAGE, seed=1),
        "ud_single": tf.image.random_flip_up_down(UINT8_IMAGE, seed=2),
        "lr_batch": tf.image.random_flip_left_right(np.concatenate([FLOAT_BATCH] * 4), seed=3),
        "ud_batch": tf.image.random_flip_up_down(np.concatenate([FLOAT_BATCH] * 4), seed=4),
    }


def crops_and_pads(tf):
    return {
        "crop": tf.image.crop_to_bounding_box(UINT8_IMAGE, 1, 2, 3, 4),
        "crop_batch": tf.image.crop_to_bounding_box(FLOAT_BATCH, 0, 1, 5, 3),
        "pad": tf.image.pad_to_bounding_box(FLOAT_BATCH, 1, 2, 8, 10),
        "crop_or_pad": tf.image.resize_image_with_crop_or_pad(UINT8_IMAGE, 3, 9),
        "pad_or_crop": tf.image.resize_image_with_crop_or_pad(FLOAT_BATCH, 8, 4),
        "odd": tf.image.resize_image_with_crop_or_pad(UINT8_IMAGE, 2, 6),
    }


def adjustments(tf):
    tf.set_random_seed(9)
    return {
        "brighter_uint8": tf.image.adjust_brightness(UINT8_IMAGE, 0.1),
        "darker": tf.image.adjust_brightness(FLOAT_BATCH, -0.2),
        "contrast_uint8": tf.image.adjust_contrast(UINT8_IMAGE, 1.5),
        "contrast": tf.image.adjust_contrast(FLOAT_BATCH, 0.5),
        "random_brightness": tf.image.random_brightness(FLOAT_BATCH, 0.3, seed=1),
        "random_contrast": tf.image.random_contrast(UINT8_IMAGE, 0.2, 1.8, seed=2),
        "random_crop": tf.image.random_crop(UINT8_IMAGE, [3, 4, 3], seed=3),
        "random_crop_batch": tf.image.random_crop(FLOAT_BATCH, [2, 2, 3, 3], seed=4),
    }


def colour_spaces(tf):
    tf.set_random_seed(13)
    # Pure colours, greys and ties among channels, beside random pixels.
    special = np.array(
        [[[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5], [1, 1, 0], [0.2, 0.7, 0.7], [0, 0, 0]]],
        np.float32,
    )
    return {
        "hsv": tf.image.rgb_to_hsv(FLOAT_BATCH),
        "hsv_special": tf.image.rgb_to_hsv(special),
        "rgb": tf.image.hsv_to_rgb(FLOAT_BATCH),
        "round_trip": tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(FLOAT_BATCH)),
        "saturation": tf.image.adjust_saturation(FLOAT_BATCH, 1.7),
        "saturation_uint8": tf.image.adjust_saturation(UINT8_IMAGE, 0.4),
        "saturation_special": tf.image.adjust_saturation(special, 1.5),
        "hue": tf.image.adjust_hue(FLOAT_BATCH, 0.3),
        "hue_negative": tf.image.adjust_hue(FLOAT_BATCH, -0.45),
        "hue_uint8": tf.image.adjust_hue(UINT8_IMAGE, 0.1),
        "hue_special": tf.image.adjust_hue(special, 0.25),
        "random_hue": tf.image.random_hue(FLOAT_BATCH, 0.2, seed=1),
        "random_saturation": tf.image.random_saturation(UINT8_IMAGE, 0.5, 1.5, seed=2),
    }


CASES = {
    f.__name__: f
    for f in (
        resize,
        resize_gradient,
        standardize_and_convert,
        geometry_and_color,
        random_flips,
        crops_and_pads,
        adjustments,
        colour_spaces,
    )
}


def run(tf, name):
    """Values, op types and static shapes of case ``name`` in a fresh graph."""
    graph = tf.Graph()
    with graph.as_default():
        tensors = CASES[name](tf)
        with tf.Session(graph=graph) as sess:
            values = sess.run(tensors)
        info = {k: [t.op.type, t.shape.as_list()] for k, t in tensors.items()}
    return values, info
