"""``tf.io`` has TF 2.21's ``tf.compat.v1.io`` names (recorded by
tests/fixtures/tensorflow/record_io_namespace.py), the same objects as their other homes."""

import json
import pathlib

import teachflow as tf

NAMES = json.loads(
    (pathlib.Path(__file__).parent / "fixtures/tensorflow/io_namespace/names.json").read_text()
)

# Still missing from teachflow altogether (no op or class to alias yet).
NOT_YET = {
    "RaggedFeature",
    "SparseFeature",
    "decode_compressed",
    "decode_json_example",
    "decode_jxl",
    "decode_proto",
    "decode_webp",
    "encode_proto",
    "parse_sequence_example",
    "parse_single_sequence_example",
}


def test_tf_io_has_tensorflows_names():
    missing = {n for n in NAMES if not hasattr(tf.io, n)}
    assert missing == NOT_YET


def test_aliases_are_the_same_objects():
    assert tf.io.decode_jpeg is tf.image.decode_jpeg
    assert tf.io.encode_png is tf.image.encode_png
    assert tf.io.decode_image is tf.image.decode_image
    assert tf.io.gfile is tf.gfile
    assert tf.io.FIFOQueue is tf.FIFOQueue
    assert tf.io.serialize_tensor is tf.serialize_tensor
    assert tf.io.decode_base64 is tf.decode_base64
    assert tf.io.match_filenames_once is tf.train.match_filenames_once
    assert tf.io.write_graph is tf.train.write_graph
