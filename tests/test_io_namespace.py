"""``tf.io`` has TF 2.21's ``tf.compat.v1.io`` names (recorded by
tests/fixtures/tensorflow/record_io_namespace.py), the same objects as their other homes."""

import json
import pathlib

import pytest

import teachflow as tf

NAMES = json.loads(
    (pathlib.Path(__file__).parent / "fixtures/tensorflow/io_namespace/names.json").read_text()
)

# Still missing from teachflow altogether (no op or class to alias yet).
NOT_YET = {
    "RaggedFeature",
    "SparseFeature",
    "decode_jxl",
    "decode_proto",
    "decode_webp",
    "encode_proto",
}


def test_tf_io_has_tensorflows_names():
    missing = {n for n in NAMES if not hasattr(tf.io, n)}
    assert missing == NOT_YET


def test_aliases_are_the_same_objects():
    assert tf.io.decode_jpeg is tf.image.decode_jpeg
    assert tf.io.encode_png is tf.image.encode_png
    assert tf.io.decode_image is tf.image.decode_image
    assert tf.io.gfile.exists is tf.gfile.Exists and tf.io.gfile.GFile is tf.gfile.GFile
    assert tf.io.FIFOQueue is tf.FIFOQueue
    assert tf.io.serialize_tensor is tf.serialize_tensor
    assert tf.io.decode_base64 is tf.decode_base64
    assert tf.io.match_filenames_once is tf.train.match_filenames_once
    assert tf.io.write_graph is tf.train.write_graph


def test_io_gfile_has_tf2s_snake_case_names(tmp_path):
    # TF 2.21's tf.compat.v1.io.gfile names and behaviour (checked side by side).
    root = str(tmp_path)
    tf.io.gfile.makedirs(tf.io.gfile.join(root, "a", "b"))
    tf.io.gfile.mkdir(root)  # an existing directory is fine
    with tf.io.gfile.GFile(tf.io.gfile.join(root, "a", "f.txt"), "w") as f:
        f.write("hi")
    tf.io.gfile.copy(root + "/a/f.txt", root + "/a/g.txt")
    with pytest.raises(tf.errors.AlreadyExistsError):
        tf.io.gfile.copy(root + "/a/f.txt", root + "/a/g.txt")
    tf.io.gfile.rename(root + "/a/g.txt", root + "/a/f.txt", overwrite=True)
    assert tf.io.gfile.listdir(root + "/a") == ["b", "f.txt"]
    assert tf.io.gfile.glob(root + "/a/*.txt") == [root + "/a/f.txt"]
    assert tf.io.gfile.stat(root + "/a/f.txt").length == 2
    assert [w[0] for w in tf.io.gfile.walk(root)] == [root, root + "/a", root + "/a/b"]
    assert list(tf.io.gfile.walk(root + "/nope")) == []
    assert tf.io.gfile.join("gs://bucket", "x") == "gs://bucket/x"
    with pytest.raises(tf.errors.NotFoundError, match="Could not find directory"):
        tf.io.gfile.listdir(root + "/nope")
    with pytest.raises(tf.errors.NotFoundError, match="No such file or directory"):
        tf.io.gfile.remove(root + "/nope")
    tf.io.gfile.rmtree(root + "/a")
    assert not tf.io.gfile.exists(root + "/a") and tf.io.gfile.isdir(root)
