"""tf.train.warm_start: variables start from an older checkpoint, renamed or by regex."""

import os

import numpy as np
import pytest

import teachflow as tf


@pytest.fixture
def old_checkpoint(tmp_path):
    prefix = os.path.join(str(tmp_path), "old")
    with tf.Graph().as_default():
        with tf.variable_scope("dense"):
            tf.Variable([[1.0, 2.0]], name="kernel")
            tf.Variable([0.5], name="bias")
        tf.Variable(9.0, name="other", trainable=False)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver().save(sess, prefix)
    return prefix


def _values(names):
    graph = tf.get_default_graph()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return [sess.run(graph.get_tensor_by_name(n + ":0")) for n in names]


def _new_model():
    with tf.variable_scope("dense"):
        tf.Variable([[0.0, 0.0]], name="kernel")
        tf.Variable([0.0], name="bias")
    tf.Variable(0.0, name="other", trainable=False)


def test_default_warm_starts_every_trainable_variable(old_checkpoint):
    _new_model()
    tf.train.warm_start(old_checkpoint)
    kernel, bias, other = _values(["dense/kernel", "dense/bias", "other"])
    np.testing.assert_array_equal(kernel, [[1.0, 2.0]])
    np.testing.assert_array_equal(bias, [0.5])
    assert other == 0.0  # not trainable: the default regex looks at trainables only


def test_a_regex_picks_variables(old_checkpoint):
    _new_model()
    tf.train.warm_start(old_checkpoint, vars_to_warm_start=".*kernel")
    kernel, bias = _values(["dense/kernel", "dense/bias"])
    np.testing.assert_array_equal(kernel, [[1.0, 2.0]])
    np.testing.assert_array_equal(bias, [0.0])


def test_a_list_of_regexes_reaches_global_variables(old_checkpoint):
    _new_model()
    tf.train.warm_start(old_checkpoint, vars_to_warm_start=["other"])
    (other,) = _values(["other"])
    assert other == 9.0


def test_renamed_variable(old_checkpoint):
    tf.Variable([0.0], name="new_bias")
    tf.train.warm_start(
        old_checkpoint,
        vars_to_warm_start=["new_bias"],
        var_name_to_prev_var_name={"new_bias": "dense/bias"},
    )
    (bias,) = _values(["new_bias"])
    np.testing.assert_array_equal(bias, [0.5])


def test_an_unused_rename_is_a_value_error(old_checkpoint):
    _new_model()
    with pytest.raises(ValueError, match="var_name_to_prev_var_name that were not used: {'nope'}"):
        tf.train.warm_start(old_checkpoint, var_name_to_prev_var_name={"nope": "x"})


def test_bad_vars_to_warm_start():
    with pytest.raises(ValueError, match="must be a `list` or `str`"):
        tf.train.warm_start("x", vars_to_warm_start=3)
    with pytest.raises(ValueError, match="must be all `Variable` or all `str`"):
        tf.train.warm_start("x", vars_to_warm_start=["a", 1])


def test_vocab_info():
    info = tf.train.VocabInfo("new.txt", 10, 1, "old.txt")
    assert (info.old_vocab_size, info.backup_initializer, info.axis) == (-1, None, 0)
    with pytest.raises(ValueError, match="Provided axis: 2"):
        tf.train.VocabInfo("new.txt", 10, 1, "old.txt", axis=2)


def test_vocab_remapping_is_unimplemented(old_checkpoint):
    _new_model()
    info = tf.train.VocabInfo("new.txt", 1, 0, "old.txt")
    with pytest.raises(tf.errors.UnimplementedError, match="LoadAndRemapMatrix"):
        tf.train.warm_start(old_checkpoint, var_name_to_vocab_info={"dense/kernel": info})
