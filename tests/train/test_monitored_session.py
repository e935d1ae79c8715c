"""tf.train.MonitoredSession / MonitoredTrainingSession: creation, hooks, stopping, recovery."""

import os
import threading

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors


class RecordingHook(tf.train.SessionRunHook):
    """Records every call, and asks for the global step on each run."""

    def __init__(self, calls, tag="hook"):
        self.calls = calls
        self.tag = tag

    def begin(self):
        self.calls.append((self.tag, "begin", tf.get_default_graph().finalized))

    def after_create_session(self, session, coord):
        self.calls.append((self.tag, "after_create_session", type(session), type(coord)))

    def before_run(self, run_context):
        self.calls.append((self.tag, "before_run", run_context.original_args.fetches))
        return tf.train.SessionRunArgs({"step": tf.train.get_global_step()})

    def after_run(self, run_context, run_values):
        self.calls.append((self.tag, "after_run", int(run_values.results["step"])))

    def end(self, session):
        self.calls.append((self.tag, "end", type(session)))


def _counter():
    step = tf.train.get_or_create_global_step()
    return step, tf.assign_add(step, 1)


# -- the loop -----------------------------------------------------------------------------------
def test_stop_at_step_hook_ends_the_loop_at_last_step():
    step, train = _counter()
    with tf.train.MonitoredTrainingSession(hooks=[tf.train.StopAtStepHook(last_step=3)]) as sess:
        got = []
        while not sess.should_stop():
            got.append(sess.run(train))
    assert got == [1, 2, 3]
    assert sess.should_stop()


def test_hooks_are_called_in_tensorflows_order():
    calls = []
    step, train = _counter()
    hooks = [RecordingHook(calls, "a"), RecordingHook(calls, "b")]
    with tf.train.MonitoredSession(hooks=hooks) as sess:
        sess.run(train)
        sess.run(train)
    sess_type = type(tf.Session())
    assert calls == [
        ("a", "begin", False),  # before the graph is finalized: hooks may add ops
        ("b", "begin", False),
        ("a", "after_create_session", sess_type, tf.train.Coordinator),
        ("b", "after_create_session", sess_type, tf.train.Coordinator),
        ("a", "before_run", train),
        ("b", "before_run", train),
        ("a", "after_run", 1),
        ("b", "after_run", 1),
        ("a", "before_run", train),
        ("b", "before_run", train),
        ("a", "after_run", 2),
        ("b", "after_run", 2),
        ("a", "end", sess_type),
        ("b", "end", sess_type),
    ]


def test_graph_is_finalized_inside_and_unfinalized_after():
    _counter()
    with tf.train.MonitoredSession() as sess:
        assert sess.graph is tf.get_default_graph() and sess.graph.finalized
        with pytest.raises(RuntimeError, match="Graph is finalized and cannot be modified."):
            tf.constant(1.0)
    assert not tf.get_default_graph().finalized
    assert sess.graph is None  # closed


def test_run_after_stop_raises_and_closing_twice_raises():
    _, train = _counter()
    sess = tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(num_steps=1)])
    sess.run(train)
    assert sess.should_stop()
    with pytest.raises(RuntimeError, match="Run called even after should_stop requested."):
        sess.run(train)
    sess.close()
    with pytest.raises(RuntimeError, match="Session is already closed."):
        sess.close()


def test_out_of_range_ends_the_with_block_cleanly_and_calls_end():
    calls = []
    _counter()
    q = tf.FIFOQueue(5, tf.int32, shapes=[[]])
    with tf.control_dependencies([q.enqueue_many([[1, 2, 3]])]):
        init = q.close()
    scaffold = tf.train.Scaffold(local_init_op=init)
    dequeue = q.dequeue()
    got = []
    with tf.train.MonitoredSession(
        session_creator=tf.train.ChiefSessionCreator(scaffold=scaffold),
        hooks=[RecordingHook(calls)],
    ) as sess:
        while not sess.should_stop():
            got.append(sess.run(dequeue))
    assert got == [1, 2, 3]
    assert calls[-1][:2] == ("hook", "end")


def test_other_errors_propagate_and_skip_end():
    calls = []
    _counter()
    x = tf.placeholder(tf.float32)
    with pytest.raises(errors.InvalidArgumentError):
        with tf.train.MonitoredSession(hooks=[RecordingHook(calls)]) as sess:
            sess.run(x)
    assert not any(c[1] == "end" for c in calls)


def test_queue_runners_start_with_the_session_and_stop_on_close():
    counter = tf.Variable(0, name="counter")
    q = tf.FIFOQueue(4, tf.int32, shapes=[[]])
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(tf.assign_add(counter, 1))]))
    dequeue = q.dequeue()
    before = set(threading.enumerate())
    with tf.train.MonitoredSession() as sess:
        got = [sess.run(dequeue) for _ in range(6)]
        runners = [t for t in set(threading.enumerate()) - before if "QueueRunner" in t.name]
        assert runners
    assert got == [1, 2, 3, 4, 5, 6]
    for t in runners:
        t.join(5)
    assert not any(t.is_alive() for t in runners)


def test_a_queue_runner_error_stops_the_loop_and_is_raised_on_close():
    q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
    x = tf.placeholder(tf.float32, shape=[])
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(x)]))  # x is never fed
    stopped = threading.Event()
    with pytest.raises(errors.InvalidArgumentError):
        with tf.train.MonitoredSession() as sess:
            for _ in range(500):
                if sess.should_stop():
                    stopped.set()
                    break
                stopped.wait(0.01)
    assert stopped.is_set()
    assert not tf.get_default_graph().finalized


# -- what a run merges ------------------------------------------------------------------------
def test_hook_feeds_and_options_merge_into_the_run():
    x = tf.placeholder(tf.float32, name="x")
    y = tf.placeholder(tf.float32, name="y")
    seen = {}

    class Feeder(tf.train.SessionRunHook):
        def begin(self):
            self._sum = x + y  # hooks build their ops in begin(), before the graph is final

        def before_run(self, run_context):
            return tf.train.SessionRunArgs(
                self._sum, feed_dict={x: 2.0}, options=tf.RunOptions(timeout_in_ms=5000)
            )

        def after_run(self, run_context, run_values):
            seen["sum"] = run_values.results
            seen["timeout"] = run_values.options.timeout_in_ms

    y10 = y * 10.0
    with tf.train.MonitoredSession(hooks=[Feeder()]) as sess:
        assert sess.run(y10, feed_dict={y: 3.0}) == 30.0
        assert seen == {"sum": 5.0, "timeout": 5000}
        with pytest.raises(RuntimeError, match="Same tensor is fed by a SessionRunHook and user."):
            sess.run(y, feed_dict={x: 1.0, y: 1.0})


def test_two_hooks_feeding_one_tensor_is_an_error():
    x = tf.placeholder(tf.float32)
    feeds = [tf.train.FeedFnHook(lambda: {x: 1.0}), tf.train.FeedFnHook(lambda: {x: 2.0})]
    with tf.train.MonitoredSession(hooks=feeds) as sess:
        with pytest.raises(RuntimeError, match="Same tensor is fed by two hooks."):
            sess.run(x)


def test_run_step_fn_runs_with_hooks_and_can_stop():
    step, train = _counter()
    calls = []
    with tf.train.MonitoredSession(hooks=[RecordingHook(calls)]) as sess:

        def step_fn(step_context):
            value = step_context.run_with_hooks(train)
            if value >= 2:
                step_context.request_stop()
            return value

        results = []
        while not sess.should_stop():
            results.append(sess.run_step_fn(step_fn))
    assert results == [1]
    assert [c[2] for c in calls if c[1] == "after_run"] == [1, 2]
    with pytest.raises(ValueError, match="`step_fn` may either have one `step_context`"):
        with tf.train.MonitoredSession() as sess:
            sess.run_step_fn(lambda ctx: None)


def test_singular_monitored_session_gives_the_raw_session():
    step, train = _counter()
    with tf.train.SingularMonitoredSession() as sess:
        sess.run(train)
        raw = sess.raw_session()
        assert isinstance(raw, tf.Session)
        assert raw.run(step) == 1


# -- creating the session ---------------------------------------------------------------------
def test_scaffold_builds_tf_defaults_once():
    tf.Variable(1.0, name="v")
    tf.Variable(0, name="local", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    scaffold = tf.train.Scaffold().finalize()
    assert scaffold.init_op.type == "NoOp"
    assert scaffold.ready_op.dtype == tf.string
    assert tf.get_collection(tf.GraphKeys.READY_OP) == [scaffold.ready_op]
    assert isinstance(scaffold.saver, tf.train.Saver)
    assert tf.get_collection(tf.GraphKeys.SAVERS) == [scaffold.saver]
    assert scaffold.saver.saver_def.sharded  # TF's default saver is sharded
    tf.get_default_graph()._unsafe_unfinalize()
    again = tf.train.Scaffold().finalize()
    assert again.init_op is scaffold.init_op and again.saver is scaffold.saver
    tf.get_default_graph()._unsafe_unfinalize()
    tf.add_to_collection(tf.GraphKeys.READY_OP, scaffold.ready_op)
    with pytest.raises(RuntimeError, match='More than one item in the collection "ready_op"'):
        tf.train.Scaffold().finalize()


def test_scaffold_init_fn_and_copy():
    v = tf.Variable(1.0, name="v")
    seen = []
    scaffold = tf.train.Scaffold(init_fn=lambda scaffold, sess: seen.append(sess.run(v)))
    copy = tf.train.Scaffold(copy_from_scaffold=scaffold)
    with tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=copy)):
        pass
    assert seen == [1.0]
    with pytest.raises(TypeError, match="copy_from_scaffold is not a Scaffold instance."):
        tf.train.Scaffold(copy_from_scaffold=object())


def test_model_not_ready_after_init_is_a_runtime_error():
    tf.Variable(1.0, name="v")
    scaffold = tf.train.Scaffold(init_op=tf.no_op())
    with pytest.raises(RuntimeError, match="Init operations did not make model ready.*v"):
        tf.train.MonitoredSession(tf.train.ChiefSessionCreator(scaffold=scaffold))
    tf.get_default_graph()._unsafe_unfinalize()


def test_chief_restores_from_checkpoint_dir(tmp_path):
    ckpt = str(tmp_path)
    step, train = _counter()
    v = tf.Variable(1.0, name="v")
    grow = tf.group(train, tf.assign_add(v, 1.0))
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=ckpt, hooks=[tf.train.StopAtStepHook(last_step=3)]
    ) as sess:
        while not sess.should_stop():
            sess.run(grow)
    # save at creation (step 0) and at the end (step 3), as TF's CheckpointSaverHook does.
    assert tf.train.get_checkpoint_state(ckpt).all_model_checkpoint_paths == [
        os.path.join(ckpt, "model.ckpt-0"),
        os.path.join(ckpt, "model.ckpt-3"),
    ]
    assert os.path.exists(os.path.join(ckpt, "graph.pbtxt"))
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=ckpt, hooks=[tf.train.StopAtStepHook(num_steps=2)]
    ) as sess:
        assert sess.run([step, v]) == [3, 4.0]  # restored, not re-initialized
        while not sess.should_stop():
            sess.run(grow)
    assert tf.train.latest_checkpoint(ckpt) == os.path.join(ckpt, "model.ckpt-5")
    np.testing.assert_equal(tf.train.load_variable(ckpt, "v"), 6.0)


def test_checkpoint_every_n_steps_and_chief_only_hooks(tmp_path):
    _, train = _counter()
    calls = []
    with tf.train.MonitoredTrainingSession(
        checkpoint_dir=str(tmp_path),
        save_checkpoint_steps=2,
        chief_only_hooks=[RecordingHook(calls, "chief")],
        hooks=[tf.train.StopAtStepHook(last_step=5)],
        log_step_count_steps=None,
    ) as sess:
        while not sess.should_stop():
            sess.run(train)
    names = sorted(n for n in os.listdir(tmp_path) if n.endswith(".index"))
    assert names == [f"model.ckpt-{i}.index" for i in (0, 2, 4, 5)]
    assert calls[0] == ("chief", "begin", False)


def test_no_checkpoint_dir_saves_nothing_and_summaries_are_ignored(tmp_path):
    _, train = _counter()
    with tf.train.MonitoredTrainingSession(
        save_summaries_steps=1, save_summaries_secs=None, hooks=[tf.train.StopAtStepHook(1)]
    ) as sess:
        sess.run(train)
    assert os.listdir(tmp_path) == []


def test_worker_session_gives_up_when_nobody_initializes():
    tf.Variable(1.0, name="v")
    creator = tf.train.WorkerSessionCreator(max_wait_secs=0.3)
    with pytest.raises(errors.DeadlineExceededError, match="Session was not ready after waiting"):
        tf.train.MonitoredSession(session_creator=creator)
    tf.get_default_graph()._unsafe_unfinalize()


def test_session_is_recreated_after_an_aborted_error():
    step, train = _counter()
    created = []

    class Creator(tf.train.SessionCreator):
        def __init__(self):
            self._chief = tf.train.ChiefSessionCreator()

        def create_session(self):
            created.append(1)
            return self._chief.create_session()

    class AbortOnce(tf.train.SessionRunHook):
        aborted = False

        def after_run(self, run_context, run_values):
            if not AbortOnce.aborted:
                AbortOnce.aborted = True
                raise errors.AbortedError(None, None, "ps task restarted")

    with tf.train.MonitoredSession(session_creator=Creator(), hooks=[AbortOnce()]) as sess:
        assert sess.run(train) == 1  # the new session re-initialized the model
    assert len(created) == 2
