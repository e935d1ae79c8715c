"""``tf.train.SummarySaverHook``: which steps get summaries, the START log, the writer used.

Steps, tags and the SessionLog are those TensorFlow 2.21 writes for the same program
(save_steps=2, six runs: START at 1, summaries at 1, 3, 5)."""

import glob

import pytest

import teachflow as tf


def _events(logdir):
    tf.summary.FileWriterCache.clear()
    (path,) = glob.glob(f"{logdir}/events.*")
    return list(tf.train.summary_iterator(path))


def _train(hook, runs):
    step = tf.train.get_or_create_global_step()
    train = tf.assign_add(step, 1)
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(runs):
            sess.run(train)


def test_summaries_every_two_steps_follow_tensorflow(tmp_path):
    tf.train.get_or_create_global_step()
    ops = [tf.summary.scalar("loss", 0.5), tf.summary.scalar("twice", 1.0)]
    hook = tf.train.SummarySaverHook(save_steps=2, output_dir=str(tmp_path), summary_op=ops)
    _train(hook, 6)
    events = _events(tmp_path)
    logs = [(e.step, e.session_log.status) for e in events if e.HasField("session_log")]
    assert logs == [(1, tf.summary.SessionLog.START)]
    written = [(e.step, e.summary.value[0].tag) for e in events if e.HasField("summary")]
    assert written == [(1, "loss"), (1, "twice"), (3, "loss"), (3, "twice"), (5, "loss")] + [
        (5, "twice")
    ]


def test_scaffold_summary_op_and_a_given_writer(tmp_path):
    tf.train.get_or_create_global_step()
    scaffold = tf.train.Scaffold(summary_op=tf.summary.scalar("x", 1.0))
    writer = tf.summary.FileWriter(str(tmp_path))
    hook = tf.train.SummarySaverHook(save_steps=10, summary_writer=writer, scaffold=scaffold)
    _train(hook, 3)
    writer.close()
    (path,) = glob.glob(f"{tmp_path}/events.*")
    steps = [e.step for e in tf.train.summary_iterator(path) if e.HasField("summary")]
    assert steps == [1]


def test_exactly_one_of_scaffold_and_summary_op():
    with pytest.raises(ValueError, match="Exactly one of scaffold or summary_op must be provided"):
        tf.train.SummarySaverHook(save_steps=1)
    with pytest.raises(ValueError, match="Either every_secs or every_steps"):
        tf.train.SummarySaverHook(summary_op=tf.constant(b""))


def test_begin_needs_a_global_step():
    hook = tf.train.SummarySaverHook(save_steps=1, summary_op=tf.summary.scalar("x", 1.0))
    with pytest.raises(RuntimeError, match="Global step should be created to use SummarySaverHook"):
        hook.begin()
