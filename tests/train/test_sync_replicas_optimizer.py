"""SyncReplicasOptimizer in one process: the graph it builds, aggregated updates, stale
gradients of backup workers, the chief's hook, and the missing-chief message.

Several "workers" here share one local session: each builds its own train op (its own
``sync_rep_local_step``) in the same graph, and the accumulators and the token queue are
shared by ``shared_name`` as they are on a ps task. Graph names and devices were checked
against TensorFlow 1.x (tf.compat.v1).
"""

import threading
import time

import numpy as np
import pytest

import teachflow as tf

JOIN_S = 10.0
CONFIG = tf.ConfigProto(operation_timeout_in_ms=10_000)  # a bug fails, never hangs


def _model(target=3.0, lr=0.25):
    """loss = (w - target)^2 on w = 1.0: each update w -= lr * 2 * (w - target)."""
    w = tf.Variable(1.0, name="w")
    loss = tf.square(w - target)
    return w, loss, tf.train.GradientDescentOptimizer(lr)


def _expected_w(updates, w0=1.0, target=3.0, lr=0.25):
    w = np.float32(w0)
    for _ in range(updates):
        w = w - np.float32(lr) * np.float32(2.0) * (w - np.float32(target))
    return w


class _Workers:
    """``n`` workers sharing the variables: each its own SyncReplicasOptimizer and train op."""

    def __init__(self, n, replicas_to_aggregate, **kwargs):
        self.step = tf.train.get_or_create_global_step()
        self.w, loss, _ = _model()
        self.opts, self.train_ops = [], []
        for _ in range(n):
            opt = tf.train.SyncReplicasOptimizer(
                tf.train.GradientDescentOptimizer(0.25),
                replicas_to_aggregate,
                total_num_replicas=n,
                **kwargs,
            )
            self.train_ops.append(opt.minimize(loss, global_step=self.step))
            self.opts.append(opt)
        self.chief = self.opts[0]

    def start(self, sess, num_tokens=-1):
        sess.run(tf.global_variables_initializer())
        sess.run([self.chief.chief_init_op] + [o.local_step_init_op for o in self.opts[1:]])
        sess.run(self.chief.get_init_tokens_op(num_tokens))


def _run_thread(sess, fetch, out):
    def body():
        try:
            out.append(sess.run(fetch))
        except tf.errors.OpError as e:
            out.append(e)

    t = threading.Thread(target=body, daemon=True)
    t.start()
    return t


# -- the graph ---------------------------------------------------------------------------------
def test_graph_names_devices_and_init_ops_match_tensorflow():
    with tf.device(tf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:0")):
        step = tf.train.get_or_create_global_step()
        w = tf.Variable([1.0, 2.0], name="w")
        b = tf.Variable(0.5, name="b")
        loss = tf.reduce_sum(w * w) + b * b
        opt = tf.train.SyncReplicasOptimizer(
            tf.train.GradientDescentOptimizer(0.1), replicas_to_aggregate=2, total_num_replicas=3
        )
        train = opt.apply_gradients(opt.compute_gradients(loss), global_step=step)
    g = tf.get_default_graph()
    assert train.name == "Assign_1:0" and train.op.type == "Assign"
    assert train.device == "/job:worker/task:0"
    local = g.get_operation_by_name("sync_rep_local_step")
    assert local.device == "/job:worker/task:0"
    assert [v.op.name for v in tf.local_variables()] == ["sync_rep_local_step"]
    assert opt.local_step_init_op.name == "Assign:0"
    assert opt.chief_init_op.name == "sync_replicas/group_deps"
    acc_w = g.get_operation_by_name("sync_replicas/conditional_accumulator")
    assert acc_w.type == "ResourceConditionalAccumulator" and acc_w.device == "/job:ps/task:1"
    assert acc_w._attrs["shared_name"] == "w:0/grad_accum"
    assert g.get_operation_by_name("sync_replicas/conditional_accumulator_1").device == (
        "/job:ps/task:0"
    )
    take = g.get_operation_by_name("sync_replicas/ResourceAccumulatorTakeGradient")
    assert take.device == "/job:ps/task:1"
    update = g.get_operation_by_name("GradientDescent/update_w/ApplyGradientDescent")
    assert update.inputs[2] is take.outputs[0]
    assert g.get_operation_by_name("GradientDescent").type == "AssignAdd"
    queue = g.get_operation_by_name("sync_token_q")
    assert queue.type == "FIFOQueueV2" and queue._attrs["shared_name"] == "sync_token_q"
    assert queue.device == "/job:ps/task:0"
    dequeue = g.get_operation_by_name("sync_token_q_Dequeue")
    assert {c.name for c in dequeue.control_inputs} == {
        "sync_replicas/ResourceAccumulatorApplyGradient",
        "sync_replicas/ResourceAccumulatorApplyGradient_1",
    }
    qr = opt.get_chief_queue_runner()
    assert qr.queue.name == "sync_token_q"
    assert [op.name for op in qr.enqueue_ops] == ["sync_token_q_EnqueueMany"]
    tokens = opt.get_init_tokens_op()
    assert tokens.type == "QueueEnqueueManyV2" and tokens.device == "/job:ps/task:0"
    assert opt.get_init_tokens_op(0).name == "no_init_tokens"
    with pytest.raises(
        ValueError, match=r"Too few tokens to finish the first step: -5 \(given\) vs -1 \(needed\)"
    ):
        opt.get_init_tokens_op(-5)
    assert opt.get_slot_names() == [] and opt.variables() == []


def test_errors_before_and_without_what_it_needs():
    w, loss, base = _model()
    opt = tf.train.SyncReplicasOptimizer(base, 2)
    with pytest.raises(ValueError, match="Should be called after apply_gradients"):
        opt.get_chief_queue_runner()
    with pytest.raises(ValueError, match="should be called after apply_gradients"):
        opt.get_init_tokens_op()
    with pytest.raises(ValueError, match="apply_gradient should be called before using the hook"):
        opt.make_session_run_hook(True).begin()
    with pytest.raises(ValueError, match="Global step is required to check staleness"):
        opt.apply_gradients(opt.compute_gradients(loss))
    with pytest.raises(ValueError, match="Must supply at least one variable"):
        opt.apply_gradients([], global_step=tf.train.get_or_create_global_step())


# -- aggregated updates --------------------------------------------------------------------
def test_global_step_counts_aggregated_updates_not_worker_steps():
    workers = _Workers(2, replicas_to_aggregate=2)
    last_step = 5
    with tf.Session(config=CONFIG) as sess:
        workers.start(sess)
        coord = tf.train.Coordinator()
        threads = workers.chief.get_chief_queue_runner().create_threads(sess, coord, start=True)
        runs = [0, 0]

        def work(i):
            # Stop on the global step, as StopAtStepHook does: a fixed number of steps per
            # worker would leave the last one waiting for a partner's gradient forever.
            local_step = 0
            while local_step < last_step:
                local_step = sess.run(workers.train_ops[i])
                runs[i] += 1

        runners = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(2)]
        for t in runners:
            t.start()
        for t in runners:
            t.join(JOIN_S)
        assert not any(t.is_alive() for t in runners)
        step, w = sess.run([workers.step, workers.w])
        assert step == last_step
        # Two gradients per update, some dropped as stale: more worker steps than updates.
        assert sum(runs) >= 2 * last_step
        # Every worker computes the same gradient at the same weights, so whichever two
        # gradients made an update, w followed `step` plain SGD steps exactly.
        np.testing.assert_allclose(w, _expected_w(step), rtol=1e-6)
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_S)
        assert not any(t.is_alive() for t in threads)


def test_update_is_the_mean_of_the_aggregated_gradients(sess):
    """Two workers with different data: one update applies the mean of their gradients."""
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(0.0, name="w")
    train_ops, opts = [], []
    for target in (1.0, 5.0):  # gradients 2 * (0 - 1) = -2 and 2 * (0 - 5) = -10
        opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.5), 2)
        train_ops.append(opt.minimize(tf.square(w - target), global_step=step))
        opts.append(opt)
    sess.run(tf.global_variables_initializer())
    sess.run([opts[0].chief_init_op, opts[1].local_step_init_op])
    outs = []
    threads = [_run_thread(sess, op, outs) for op in train_ops]
    sync_op = opts[0].get_chief_queue_runner().enqueue_ops[0]
    sess.run(sync_op)  # takes both gradients: w -= 0.5 * mean(-2, -10) = 3.0
    for t in threads:
        t.join(JOIN_S)
    assert outs == [1, 1]  # each worker's new local step: the token's global step
    assert sess.run([w, step]) == [3.0, 1]


def test_backup_worker_gradient_is_stale_and_dropped(sess):
    workers = _Workers(3, replicas_to_aggregate=2)
    workers.start(sess, num_tokens=0)
    acc = workers.chief._accumulator_list[0][0]
    fast = []
    threads = [_run_thread(sess, workers.train_ops[i], fast) for i in (0, 1)]
    sync_op = workers.chief.get_chief_queue_runner().enqueue_ops[0]
    sess.run(sync_op)  # the two fast workers' gradients make update 1
    for t in threads:
        t.join(JOIN_S)
    assert sess.run(workers.step) == 1
    w_after = sess.run(workers.w)
    # The backup worker computed its gradient at step 0: stale, dropped; it still gets one
    # of the 3 tokens (one per replica) and moves on to step 1.
    assert sess.run(workers.train_ops[2]) == 1
    assert sess.run(acc.num_accumulated()) == 0
    assert sess.run(workers.w) == w_after
    np.testing.assert_allclose(w_after, _expected_w(1))


def test_chief_hook_inits_tokens_and_starts_the_queue_runner():
    workers = _Workers(1, replicas_to_aggregate=1)
    hook = workers.chief.make_session_run_hook(is_chief=True)
    assert isinstance(hook, tf.train.SessionRunHook)
    hook.begin()
    with tf.Session(config=CONFIG) as sess:
        with pytest.raises(
            RuntimeError,
            match=r"Init op: sync_replicas/group_deps, error: Variables not initialized: global_step, w",
        ):
            hook.after_create_session(sess, tf.train.Coordinator())
        sess.run(tf.global_variables_initializer())
        coord = tf.train.Coordinator()
        hook.after_create_session(sess, coord)
        for _ in range(3):
            sess.run(workers.train_ops[0])
        assert sess.run(workers.step) >= 2
        coord.request_stop()
        coord.join(stop_grace_period_secs=JOIN_S)


def test_stopping_the_chief_ends_its_queue_runner_blocked_in_take_grad():
    workers = _Workers(2, replicas_to_aggregate=2)
    with tf.Session(config=tf.ConfigProto()) as sess:  # no deadline: only the stop frees it
        workers.start(sess)
        coord = tf.train.Coordinator()
        threads = workers.chief.get_chief_queue_runner().create_threads(sess, coord, start=True)
        time.sleep(0.05)
        assert all(t.is_alive() for t in threads)  # waiting for gradients that never come
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_S)
        assert not any(t.is_alive() for t in threads)


# -- the chief's queue runner forgotten: a message, not a hang -------------------------------
def test_missing_chief_queue_runner_is_reported_not_a_hang():
    workers = _Workers(2, replicas_to_aggregate=2, missing_chief_timeout_s=0.3)
    with tf.Session(config=CONFIG) as sess:
        workers.start(sess, num_tokens=0)
        t0 = time.monotonic()
        with pytest.raises(tf.errors.FailedPreconditionError) as e:
            sess.run(workers.train_ops[0])
        assert time.monotonic() - t0 < 5.0
    msg = e.value.message
    assert "waited 0.3 s for a token from the sync token queue 'sync_token_q'" in msg
    assert "chief's queue runner was never started" in msg
    assert "sync_opt.get_chief_queue_runner().create_threads(sess, coord=coord, start=True)" in msg
    assert "make_session_run_hook(is_chief=True)" in msg
    assert "sync_token_q_Dequeue" in str(e.value)


def test_step_deadline_before_the_check_carries_the_same_hint():
    workers = _Workers(1, replicas_to_aggregate=1, missing_chief_timeout_s=30)
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=200)) as sess:
        workers.start(sess, num_tokens=0)
        with pytest.raises(tf.errors.DeadlineExceededError) as e:
            sess.run(workers.train_ops[0])
    assert "Timed out waiting for notification" in e.value.message
    assert "chief's queue runner was never started" in e.value.message


def test_a_started_but_slow_chief_keeps_workers_waiting_as_tf():
    workers = _Workers(2, replicas_to_aggregate=2, missing_chief_timeout_s=0.1)
    with tf.Session(config=CONFIG) as sess:
        workers.start(sess, num_tokens=0)
        coord = tf.train.Coordinator()
        threads = workers.chief.get_chief_queue_runner().create_threads(sess, coord, start=True)
        out = []
        first = _run_thread(sess, workers.train_ops[0], out)
        first.join(0.4)  # longer than the check: the chief is alive, so no error
        assert first.is_alive() and out == []
        assert sess.run(workers.train_ops[1]) == 1
        first.join(JOIN_S)
        assert out == [1]
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=JOIN_S)


def test_timeout_none_waits_like_tensorflow():
    workers = _Workers(1, replicas_to_aggregate=1, missing_chief_timeout_s=None)
    dequeue = tf.get_default_graph().get_operation_by_name("sync_token_q_Dequeue")
    assert dequeue._attrs["missing_chief_timeout_ms"] == 0
    with tf.Session(config=tf.ConfigProto(operation_timeout_in_ms=150)) as sess:
        workers.start(sess, num_tokens=0)
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(workers.train_ops[0])


def test_variable_averages_run_after_each_update(sess):
    class Averages:
        """What SyncReplicasOptimizer needs of an ExponentialMovingAverage: apply(var_list)."""

        def apply(self, var_list):
            self.var_list = var_list
            self.shadow = tf.Variable(0.0, name="shadow")
            return self.shadow.assign_add(1.0).op

    averages = Averages()
    step = tf.train.get_or_create_global_step()
    w = tf.Variable(1.0, name="w")
    opt = tf.train.SyncReplicasOptimizer(
        tf.train.GradientDescentOptimizer(0.25),
        1,
        variable_averages=averages,
        variables_to_average=[w],
    )
    train = opt.minimize(tf.square(w - 3.0), global_step=step)
    assert averages.var_list == [w]
    (sync_op,) = opt.get_chief_queue_runner().enqueue_ops
    assert sync_op.name == "AssignAdd"  # the averages' op now ends the chief's update
    sess.run(tf.global_variables_initializer())
    sess.run([opt.chief_init_op])
    outs = []
    t = _run_thread(sess, train, outs)
    sess.run(sync_op)
    t.join(JOIN_S)
    assert sess.run([step, averages.shadow]) == [1, 1.0]
    assert sess.run(opt._sync_token_queue.size()) == 0  # the worker took the update's token
