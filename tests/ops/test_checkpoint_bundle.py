"""Checkpoints in TensorFlow's V2 format, both ways: TF's checkpoint restores in teachflow
(Saver, load_checkpoint, list_variables, init_from_checkpoint), teachflow's is read by TF
(check_teachflow_files.py's recorded verdicts), and damage is DataLossError."""

import json
import pathlib
import shutil

import numpy as np
import pytest

import teachflow as tf
from teachflow.ops import checkpoint_bundle as bundle

FORMATS = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "tensorflow" / "formats"


@pytest.fixture
def tf_ckpt(tmp_path):
    """A copy of the checkpoint TensorFlow wrote (relative paths in its state file)."""
    return shutil.copytree(FORMATS / "ckpt", tmp_path / "ckpt")


def expected():
    return json.loads((FORMATS / "ckpt.json").read_text())


def test_tensorflows_checkpoint_lists_and_loads(tf_ckpt):
    want = expected()
    assert [[n, s] for n, s in tf.train.list_variables(str(tf_ckpt))] == want["variables"]
    reader = tf.train.load_checkpoint(str(tf_ckpt))
    assert {n: d.name for n, d in reader.get_variable_to_dtype_map().items()} == want["dtypes"]
    assert reader.get_variable_to_shape_map() == {n: s for n, s in want["variables"]}
    for name, value in want["values"].items():
        np.testing.assert_array_equal(reader.get_tensor(name), value)


def test_tensorflows_checkpoint_restores_with_a_saver(tf_ckpt):
    want = expected()["values"]
    w = tf.Variable(tf.zeros([3, 1]), name="w")
    step = tf.Variable(0, dtype=tf.int64, name="global_step")
    with tf.Session() as sess:
        tf.train.Saver([w, step]).restore(sess, tf.train.latest_checkpoint(str(tf_ckpt)))
        np.testing.assert_array_equal(sess.run(w), want["w"])
        assert sess.run(step) == want["global_step"]


def test_init_from_checkpoint_maps_names_and_scopes(tf_ckpt):
    want = expected()["values"]
    with tf.variable_scope("fine_tuned"):
        w = tf.get_variable("w", [3, 1])
        b = tf.get_variable("b", [1])
    other = tf.Variable([7.0], name="other")
    tf.train.init_from_checkpoint(str(tf_ckpt), {"w": "fine_tuned/w", "b": b})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), want["w"])
        np.testing.assert_array_equal(sess.run(b), want["b"])
        assert sess.run(other) == 7.0
    with pytest.raises(ValueError, match="Tensor nope is not found"):
        tf.train.init_from_checkpoint(str(tf_ckpt), {"nope": "fine_tuned/w"})
    with pytest.raises(ValueError, match="doesn't match with shape"):
        tf.train.init_from_checkpoint(str(tf_ckpt), {"b": "fine_tuned/w"})


def test_init_from_checkpoint_scope_to_scope(tf_ckpt):
    with tf.variable_scope("net"):
        w = tf.get_variable("w", [3, 1])
    tf.train.init_from_checkpoint(str(tf_ckpt), {"/": "net/"})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), expected()["values"]["w"])


def test_tensorflow_reads_teachflows_checkpoints():
    # Recorded by check_teachflow_files.py: TF's list_variables, load_checkpoint (string and
    # int64 tensors included), Saver.restore, the checkpoint state file, and a sharded save
    # (two data files, one merged index).
    verdict = json.loads((FORMATS / "teachflow_files_verdicts.json").read_text())
    checks = ("list_variables", "load_checkpoint", "saver_restore", "checkpoint_state")
    for check in checks + ("sharded_checkpoint",):
        assert verdict[check]["ok"], verdict[check]
    assert verdict["load_checkpoint"]["result"]["words"] == "string"


def test_teachflow_writes_what_tensorflow_wrote_byte_for_byte(tmp_path):
    # The same tensors under the same names give TF's .index and data file exactly.
    values = expected()["values"]
    arrays = [
        np.float32(values["b"]),
        np.int64(values["global_step"]),
        np.float32(values["w"]),
    ]
    bundle.write(str(tmp_path / "m"), ["b", "global_step", "w"], arrays)
    assert (tmp_path / "m.index").read_bytes() == (FORMATS / "ckpt/model.ckpt-3.index").read_bytes()
    assert (tmp_path / "m.data-00000-of-00001").read_bytes() == (
        FORMATS / "ckpt/model.ckpt-3.data-00000-of-00001"
    ).read_bytes()


def test_strings_round_trip_and_a_flipped_byte_is_data_loss(tmp_path):
    prefix = str(tmp_path / "s")
    words = np.array([b"teach", b"", b"flow!" * 40], dtype=object)
    bundle.write(prefix, ["words", "x"], [words, np.arange(4.0)], [tf.string, tf.float64])
    index = bundle.read_index(prefix)
    np.testing.assert_array_equal(bundle.read_tensor(prefix, index, "words"), words)
    data = pathlib.Path(bundle.data_path(prefix, 0, 1))
    raw = bytearray(data.read_bytes())
    raw[-1] ^= 0xFF  # the last byte of x
    data.write_bytes(bytes(raw))
    with pytest.raises(tf.errors.DataLossError, match="Checksum does not match"):
        bundle.read_tensor(prefix, index, "x")
