"""The JPEG cases written once against the TF1 API: the images TensorFlow encodes into the
test files, the EncodeJpeg options, and the graph the public functions build. Recorded by
tests/fixtures/tensorflow/record_jpeg.py, checked by tests/ops/test_jpeg_codec_ops.py."""

import numpy as np

RNG = np.random.default_rng(7)
YY, XX = np.mgrid[0:37, 0:53]
SMOOTH = np.stack([YY * 6, XX * 4, (YY + XX) * 3], -1).astype(np.uint8)
NOISE = RNG.integers(0, 256, (29, 18, 3)).astype(np.uint8)
GREY = (YY * 3 + XX * 2).astype(np.uint8)[:, :, None]

# name: (image, encode_jpeg options)
TF_FILES = {
    "smooth_420": (SMOOTH, {}),
    "noise_420": (NOISE, {"quality": 80}),
    "smooth_444": (SMOOTH, {"chroma_downsampling": False}),
    "grey": (GREY, {}),
    "noise_progressive": (NOISE, {"progressive": True, "optimize_size": True}),
}
ENCODE_CASES = {
    "default": (SMOOTH, {}),
    "quality_10": (NOISE, {"quality": 10}),
    "quality_0": (NOISE, {"quality": 0}),
    "grey_format": (GREY, {"format": "grayscale"}),
    "rgb_444": (NOISE, {"format": "rgb", "chroma_downsampling": False}),
    "progressive": (SMOOTH, {"progressive": True}),
    "optimized": (SMOOTH, {"optimize_size": True}),
    "cm_density": (NOISE, {"density_unit": "cm", "x_density": 40, "y_density": 70}),
    "xmp": (NOISE, {"xmp_metadata": "<x:xmpmeta>teachflow</x:xmpmeta>"}),
}
DCT_METHODS = ["", "INTEGER_FAST", "INTEGER_ACCURATE"]


def attr_value(value):
    """An attribute as plain JSON, the same for TensorFlow's ops and teachflow's."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [attr_value(v) for v in value]
    if hasattr(value, "as_numpy_dtype"):
        return value.name
    return value


def jpeg_graph(tf):
    """Names, types and attributes of the ops the public functions build, and the static
    shapes of what they return (tests/ops/test_jpeg_codec_ops.py builds the same)."""
    grey = np.zeros((2, 2, 1), np.uint8)
    graph = tf.Graph()
    with graph.as_default():
        built = {
            "decode_jpeg": tf.image.decode_jpeg(
                b"", channels=3, ratio=2, dct_method="INTEGER_FAST"
            ),
            "encode_jpeg": tf.image.encode_jpeg(grey, quality=50, xmp_metadata="m"),
            "decode_image": tf.image.decode_image(b"", channels=3),
            "decode_image_int32": tf.image.decode_image(b"", dtype=tf.int32),
            "decode_image_flat": tf.image.decode_image(b"", expand_animations=False),
        }
        nodes = [
            [op.name, op.type, {a: attr_value(op.get_attr(a)) for a in sorted(op.node_def.attr)}]
            for op in graph.get_operations()
            if op.type != "Const"
        ]
    shapes = {k: t.shape.as_list() if t.shape.ndims is not None else None for k, t in built.items()}
    return {"nodes": nodes, "shapes": shapes}
