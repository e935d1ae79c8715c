"""``tf.train.NewCheckpointReader``: a checkpoint's names, shapes, dtypes and values without a
graph, with TensorFlow's answers (recorded from TF 2.21 for the same checkpoint)."""

import numpy as np
import pytest

import teachflow as tf


@pytest.fixture
def prefix(tmp_path):
    with tf.Graph().as_default():
        tf.Variable(tf.zeros([2, 3]), name="m")
        tf.Variable([b"a"], name="s")
        tf.Variable(3, name="scope/n")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))


def test_reader_lists_names_shapes_and_dtypes(prefix):
    reader = tf.train.NewCheckpointReader(prefix)
    assert reader.get_variable_to_shape_map() == {"m": [2, 3], "s": [1], "scope/n": []}
    assert reader.get_variable_to_dtype_map() == {
        "m": tf.float32,
        "s": tf.string,
        "scope/n": tf.int32,
    }
    # TF: b'm (DT_FLOAT) [2,3]\ns (DT_STRING) [1]\nscope/n (DT_INT32) []\n'
    assert reader.debug_string() == (
        b"m (DT_FLOAT) [2,3]\ns (DT_STRING) [1]\nscope/n (DT_INT32) []\n"
    )


def test_reader_reads_values(prefix):
    reader = tf.train.NewCheckpointReader(prefix)
    assert reader.has_tensor("m") and not reader.has_tensor("m:0")
    np.testing.assert_array_equal(reader.get_tensor("m"), np.zeros([2, 3], np.float32))
    assert reader.get_tensor("scope/n") == 3
    assert list(reader.get_tensor("s")) == [b"a"]


@pytest.mark.parametrize("name", ["x", "m:0"])
def test_missing_tensor_is_not_found(prefix, name):
    reader = tf.train.NewCheckpointReader(prefix)
    with pytest.raises(tf.errors.NotFoundError, match=f"Key {name} not found in checkpoint"):
        reader.get_tensor(name)


def test_missing_checkpoint_and_directory_raise_tensorflows_errors(tmp_path):
    with pytest.raises(
        tf.errors.NotFoundError,
        match="Unsuccessful TensorSliceReader constructor: Failed to find any matching files",
    ):
        tf.train.NewCheckpointReader(str(tmp_path / "nothere"))
    with pytest.raises(tf.errors.DataLossError, match="Is a directory"):
        tf.train.NewCheckpointReader(str(tmp_path))
