"""TensorFlow restores the checkpoints of partitioned variables that teachflow writes, into
shards cut another way and into a whole variable (the reverse direction, teachflow
restoring TensorFlow's, is tests/train/test_partitioned_checkpoints.py against a recorded
checkpoint)."""

from __future__ import annotations

import json

import numpy as np

import teachflow as tf

from .conftest import run_tf

RESTORE = """
import json, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
prefix = sys.argv[1]
out = {"list_variables": [[n, s] for n, s in tf.train.list_variables(prefix)]}
for parts in (3, 1):
    with tf.Graph().as_default(), tf.Session() as sess:
        w = tf.get_variable("w", [7, 3], partitioner=tf.fixed_size_partitioner(parts))
        m = tf.get_variable("m", [70], tf.int64, partitioner=tf.fixed_size_partitioner(4))
        tf.train.Saver().restore(sess, prefix)
        out[str(parts)] = [sess.run(tf.convert_to_tensor(w)).tolist(),
                           sess.run(tf.convert_to_tensor(m)).tolist()]
with tf.Graph().as_default(), tf.Session() as sess:
    whole = tf.Variable(tf.zeros([7, 3]), name="w")
    tf.train.Saver({"w": whole}).restore(sess, prefix)
    out["whole"] = sess.run(whole).tolist()
print(json.dumps(out))
"""


def test_tensorflow_restores_teachflows_partitioned_checkpoint(tf_python, tmp_path):
    w_value = np.arange(21, dtype=np.float32).reshape(7, 3) / 4
    m_value = np.arange(70, dtype=np.int64) * 3  # offsets past 64: two-byte slice keys
    with tf.Graph().as_default():
        tf.get_variable(
            "w", initializer=tf.constant(w_value), partitioner=tf.fixed_size_partitioner(2)
        )
        tf.get_variable(
            "m", initializer=tf.constant(m_value), partitioner=tf.fixed_size_partitioner(3)
        )
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            prefix = tf.train.Saver().save(sess, str(tmp_path / "model.ckpt"))
    out = json.loads(run_tf(tf_python, RESTORE, prefix).stdout.strip().splitlines()[-1])
    assert out["list_variables"] == [["m", [70]], ["w", [7, 3]]]
    for parts in ("3", "1"):
        assert out[parts] == [w_value.tolist(), m_value.tolist()]
    assert out["whole"] == w_value.tolist()
