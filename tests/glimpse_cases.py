"""tf.image.extract_glimpse cases written once against the TF1 API (recorded by
tests/fixtures/tensorflow/record_glimpse.py, checked by tests/ops/test_glimpse_ops.py):
windows inside, across the edge of and larger than the images, under each combination of
``centered`` and ``normalized``. Each case is built twice: the noise outside the images
differs between the two, the pixels inside do not."""

import numpy as np

IMAGES = (np.arange(3 * 5 * 6 * 2, dtype=np.float32).reshape(3, 5, 6, 2) * 1.5) - 40
CASES = {
    "centered_normalized": ([3, 4], [[0, 0], [0.9, 0.9], [-0.5, 0.2]], True, True),
    "corner_pixels": ([3, 4], [[1, 2], [-1, 3], [4, 5]], False, False),
    "centered_pixels": ([3, 4], [[-1, 1], [2, -3], [0, 0]], True, False),
    "corner_fractions": ([3, 4], [[0.1, 0.2], [0.5, 0.9], [1, 1]], False, True),
    "larger_than_image": ([7, 9], [[0, 0], [0.3, -0.2], [1, 1]], True, True),
    "image_sized": ([5, 6], [[0, 0], [0.2, 0], [-0.1, -0.1]], True, True),
}


def build(tf):
    out = {}
    for name, (size, offsets, centered, normalized) in CASES.items():
        for copy in ("a", "b"):
            out[f"{name}/{copy}"] = tf.image.extract_glimpse(
                IMAGES,
                size,
                np.array(offsets, np.float32),
                centered=centered,
                normalized=normalized,
            )
    return out
