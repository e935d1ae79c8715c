"""tf.train.checkpoints_iterator: each new checkpoint once; a timeout ends the wait."""

import os
import threading

import teachflow as tf


def _save(sess, saver, logdir, step):
    return saver.save(sess, os.path.join(logdir, "model"), global_step=step)


def test_yields_each_new_checkpoint_then_times_out(tmp_path):
    logdir = str(tmp_path)
    v = tf.Variable(1.0)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        first = _save(sess, saver, logdir, 1)
        found = []
        for path in tf.train.checkpoints_iterator(logdir, timeout=2.5):
            found.append(path)
            if len(found) == 1:
                # The trainer writes the next one while the evaluator waits.
                threading.Timer(0.2, _save, (sess, saver, logdir, 2)).start()
    assert found == [first, os.path.join(logdir, "model-2")]


def test_timeout_fn_decides_whether_to_keep_waiting(tmp_path):
    calls = []

    def timeout_fn():
        calls.append(1)
        return len(calls) == 2

    assert (
        list(tf.train.checkpoints_iterator(str(tmp_path), timeout=0.1, timeout_fn=timeout_fn)) == []
    )
    assert len(calls) == 2
