"""tf.train.basic_train_loop: steps until the supervisor stops; an AbortedError restarts."""

import teachflow as tf


def test_loop_runs_until_stop_and_retries_after_abort(tmp_path):
    step = tf.train.get_or_create_global_step()
    bump = tf.assign_add(step, 1)
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_model_secs=0, save_summaries_secs=0)
    calls = []

    def train_step(sess, scale, offset=0):
        calls.append(sess.run(bump) * scale + offset)
        if len(calls) == 2:
            raise tf.errors.AbortedError(None, None, "a server restarted")
        if len(calls) == 4:
            sv.request_stop()

    tf.train.basic_train_loop(sv, train_step, args=[10], kwargs={"offset": 1})
    assert len(calls) == 4 and calls[0] == 11
