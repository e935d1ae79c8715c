"""MonitoredTrainingSession and Saver on a cluster of in-process servers: ps-held variables,
a chief that initializes and checkpoints, a worker that waits for it."""

import os
import threading

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import errors
from tests.distributed.conftest import cluster, session_config  # noqa: F401 - fixtures


def _model(ps_tasks=2):
    """Variables spread over the ps tasks; the step and the update run on the worker."""
    with tf.device(tf.train.replica_device_setter(ps_tasks=ps_tasks)):
        step = tf.train.get_or_create_global_step()  # ps task 0
        w = tf.Variable([1.0, 2.0], name="w")  # ps task 1
        b = tf.Variable(0.5, name="b")  # ps task 0
        train = tf.group(w.assign_add([1.0, 1.0]), tf.assign_add(step, 1))
    return step, w, b, train


def test_chief_initializes_worker_waits_and_checkpoints_are_sharded_per_ps(
    cluster,  # noqa: F811
    session_config,  # noqa: F811
    tmp_path,
):
    c = cluster(ps=2, workers=2)
    ckpt = str(tmp_path)
    done = {}
    failures = []
    worker_waiting = threading.Event()

    def run_worker(index):
        try:
            with tf.Graph().as_default():
                step, w, b, train = _model()
                hooks = [tf.train.StopAtStepHook(last_step=6)]
                if index == 1:
                    worker_waiting.set()
                with tf.train.MonitoredTrainingSession(
                    master=c.target("worker", index),
                    is_chief=index == 0,
                    checkpoint_dir=ckpt if index == 0 else None,
                    hooks=hooks,
                    config=session_config(),
                    max_wait_secs=20,
                ) as sess:
                    runs = 0
                    while not sess.should_stop():
                        sess.run(train)
                        runs += 1
                done[index] = runs
        except Exception as e:  # noqa: BLE001 - reported by the test thread below
            failures.append(e)

    # The worker starts first: it must wait for the chief to initialize the ps variables.
    worker = threading.Thread(target=run_worker, args=(1,))
    worker.start()
    assert worker_waiting.wait(10)
    chief = threading.Thread(target=run_worker, args=(0,))
    chief.start()
    for t in (worker, chief):
        t.join(30)
        assert not t.is_alive()
    assert not failures, failures
    assert done[0] >= 1 and done[0] + done[1] >= 6
    # The chief's default saver is sharded: each ps task wrote its own data file.
    final = tf.train.latest_checkpoint(ckpt)
    assert final is not None and final.startswith(os.path.join(ckpt, "model.ckpt-"))
    files = os.listdir(ckpt)
    assert os.path.basename(final) + ".data-00000-of-00002" in files
    assert os.path.basename(final) + ".data-00001-of-00002" in files
    assert tf.train.list_variables(ckpt) == [("b", []), ("global_step", []), ("w", [2])]
    saved_step = int(tf.train.load_variable(ckpt, "global_step"))
    assert saved_step >= 6
    # Updates are asynchronous: the other worker may still be updating while the chief saves
    # at the end, so w and the step in the checkpoint may be one update apart.
    w_saved = tf.train.load_variable(ckpt, "w")
    assert w_saved[1] - w_saved[0] == 1.0
    assert abs(w_saved[0] - 1.0 - saved_step) <= 1
    # The variables still live on the ps tasks: a new client session reads them there.
    with tf.Graph().as_default():
        step, w, _, _ = _model()
        with tf.Session(c.target("worker", 1), config=session_config()) as sess:
            assert sess.run(step) >= saved_step


@pytest.mark.parametrize("sharded", [False, True])
def test_saver_saves_and_restores_ps_variables_through_a_remote_session(
    cluster,  # noqa: F811
    session_config,  # noqa: F811
    tmp_path,
    sharded,
):
    c = cluster(ps=2, workers=1)
    step, w, b, _ = _model()
    saver = tf.train.Saver(sharded=sharded)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run([w.assign([5.0, 6.0]), b.assign(7.0)])
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
        assert path == str(tmp_path / "model.ckpt-0")
        shards = sorted(n for n in os.listdir(tmp_path) if ".data-" in n)
        assert shards == (
            ["model.ckpt-0.data-00000-of-00002", "model.ckpt-0.data-00001-of-00002"]
            if sharded
            else ["model.ckpt-0.data-00000-of-00001"]
        )
        sess.run(tf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        saver.restore(sess, path)
        assert sess.run(b) == 7.0
        np.testing.assert_array_equal(sess.run(w), [5.0, 6.0])


def test_sharded_save_runs_on_the_tasks_that_hold_the_variables(
    cluster,  # noqa: F811
    session_config,  # noqa: F811
    tmp_path,
):
    c = cluster(ps=2, workers=1)
    _, w, _, _ = _model()
    saver = tf.train.Saver(sharded=True)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(tf.global_variables_initializer())
        meta = tf.RunMetadata()
        sess.run(
            saver.saver_def.save_tensor_name,
            {saver.saver_def.filename_tensor_name: str(tmp_path / "m")},
            options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
            run_metadata=meta,
        )
    where = {n.node_name: d.device for d in meta.step_stats.dev_stats for n in d.node_stats}
    assert where["save/SaveV2"].startswith("/job:ps/replica:0/task:0/")
    assert where["save/SaveV2_1"].startswith("/job:ps/replica:0/task:1/")
    assert where["save/MergeV2Checkpoints"].startswith("/job:ps/replica:0/task:1/")
    np.testing.assert_array_equal(tf.train.load_variable(str(tmp_path / "m"), "w"), [1.0, 2.0])


def test_a_worker_without_a_chief_gives_up_after_max_wait_secs(
    cluster,  # noqa: F811
    session_config,  # noqa: F811
):
    c = cluster(ps=1, workers=2)
    _model(ps_tasks=1)
    with pytest.raises(errors.DeadlineExceededError, match="Session was not ready after waiting"):
        tf.train.MonitoredTrainingSession(
            master=c.target("worker", 1),
            is_chief=False,
            config=session_config(),
            max_wait_secs=0.5,
        )
    tf.get_default_graph()._unsafe_unfinalize()


def test_monitored_training_session_on_a_local_cluster_of_processes(tmp_path):
    from teachflow.cluster import LocalCluster

    local = LocalCluster(ps=2, workers=1)
    try:
        step, w, _, train = _model()
        with tf.train.MonitoredTrainingSession(
            master=local.target("worker", 0),
            checkpoint_dir=str(tmp_path),
            hooks=[tf.train.StopAtStepHook(last_step=3)],
            config=tf.ConfigProto(operation_timeout_in_ms=10_000),
        ) as sess:
            while not sess.should_stop():
                sess.run(train)
    finally:
        local.stop()
    # Each ps process wrote its shard of the checkpoint.
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model.ckpt-3")
    assert (tmp_path / "model.ckpt-3.data-00001-of-00002").exists()
    np.testing.assert_array_equal(tf.train.load_variable(str(tmp_path), "w"), [4.0, 5.0])
