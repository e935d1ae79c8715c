"""tf.logging: TF 1.x's levels and calls on the "tensorflow" logger."""

import logging

import pytest

import teachflow as tf


@pytest.fixture(autouse=True)
def restore_level():
    logger = logging.getLogger("tensorflow")
    level = logger.level
    yield
    logger.setLevel(level)


def test_levels_are_pythons():
    assert (tf.logging.DEBUG, tf.logging.INFO, tf.logging.WARN) == (10, 20, 30)
    assert (tf.logging.ERROR, tf.logging.FATAL) == (40, 50)


def test_info_hidden_until_verbosity_is_info(capsys):
    tf.logging.set_verbosity(tf.logging.WARN)
    tf.logging.info("step %d", 1)
    assert capsys.readouterr().err == ""
    tf.logging.set_verbosity(tf.logging.INFO)
    assert tf.logging.get_verbosity() == tf.logging.INFO
    tf.logging.info("step %d", 2)
    tf.logging.warning("careful")
    assert capsys.readouterr().err.splitlines() == [
        "INFO:tensorflow:step 2",
        "WARNING:tensorflow:careful",
    ]


def test_hooks_log_through_tf_logging(capsys):
    tf.logging.set_verbosity(tf.logging.INFO)
    x = tf.constant(7.0, name="x")
    hook = tf.train.LoggingTensorHook({"x": x}, every_n_iter=1)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        sess.run(x)
    assert "INFO:tensorflow:x = 7.0" in capsys.readouterr().err


def test_log_every_n_and_first_n(capsys):
    tf.logging.set_verbosity(tf.logging.INFO)
    for i in range(5):
        tf.logging.log_every_n(tf.logging.INFO, "every %d", 2, i)
    for i in range(5):
        tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
    assert capsys.readouterr().err.splitlines() == [
        "INFO:tensorflow:every 0",
        "INFO:tensorflow:every 2",
        "INFO:tensorflow:every 4",
        "INFO:tensorflow:first 0",
        "INFO:tensorflow:first 1",
    ]
