"""Lab 09 (parallel training): reference answers pass, typical wrong ones get feedback."""

import teachflow as tf
from teachflow import examples
from teachflow.examples import bandwidth
from teachflow.labs import lab09
from tests.examples.conftest import start_cluster


def test_fresh_gradients(lab):
    acc = tf.ConditionalAccumulator(tf.float32, shape=[])
    g = tf.placeholder(tf.float32, [])
    step = tf.placeholder(tf.int64, [])
    apply = acc.apply_grad(g, local_step=step)
    with tf.Session() as sess:
        sess.run(apply, {g: 1.0, step: 0})
        sess.run(apply, {g: 2.0, step: 0})
        sess.run(acc.take_grad(2))
        for s in (0, 1, 2, 0):
            sess.run(apply, {g: 1.0, step: s})
        counted = sess.run(acc.num_accumulated())
    assert lab.check("fresh_gradients", counted)
    assert "older than" in lab.check("fresh_gradients", 4).feedback


def _sync_opt():
    with tf.device(tf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:0")):
        global_step = tf.train.get_or_create_global_step()
        w = tf.Variable(tf.zeros([2, 3]), name="weights")
        opt = tf.train.SyncReplicasOptimizer(tf.train.GradientDescentOptimizer(0.1), 3)
        opt.minimize(tf.reduce_sum(tf.square(w)), global_step=global_step)
    return opt


def test_chief_hooks(lab):
    opt = _sync_opt()
    stop = tf.train.StopAtStepHook(last_step=100)
    assert lab.check("chief_hooks", [opt.make_session_run_hook(is_chief=True), stop])
    worker = lab.check("chief_hooks", [opt.make_session_run_hook(is_chief=False), stop])
    assert "is_chief=False" in worker.feedback
    assert "nobody runs the chief's init ops" in lab.check("chief_hooks", [stop]).feedback
    endless = lab.check("chief_hooks", opt.make_session_run_hook(is_chief=True))
    assert "never ends" in endless.feedback
    assert "list of hooks" in lab.check("chief_hooks", "hooks").feedback


def test_late_gradient(lab):
    assert lab.check("late_gradient", "b")
    assert "older" in lab.check("late_gradient", "a").feedback


def test_ps_traffic_ratio(lab):
    cluster = start_cluster(ps=1, workers=3)
    try:
        runs = bandwidth.sweep(cluster, workers=(1, 3), ps=(1,), steps=1)
    finally:
        cluster.stop()
    one, three = runs
    ratio = three.ps_bytes_in()[0] / one.ps_bytes_in()[0]
    assert lab.check("ps_traffic_ratio", ratio)
    assert "receives all of them" in lab.check("ps_traffic_ratio", 1.0).feedback


def test_synchronous_updates_point_downhill_on_a_busy_machine(busy_machine):
    directions = lab09.update_directions(seeds=8, updates=40)
    assert directions.sync.shape == directions.async_.shape == (8, 40)
    claims = lab09.claims(directions)
    assert claims.all_hold, str(claims)
    # No clock is read: the same seeds give the same cosines, busy machine or not.
    assert claims[0].measured == 0.36


def test_a_backup_worker_outruns_the_straggler_on_a_busy_machine(busy_machine):
    cluster = start_cluster(ps=1, workers=3)
    try:
        straggler = examples.between_graph_sync(cluster, steps=30, straggler_delay_s=0.1)
        with_backup = examples.between_graph_sync(
            cluster, steps=30, straggler_delay_s=0.1, backup_workers=1
        )
    finally:
        cluster.stop()
    claims = lab09.straggler_claims(straggler, with_backup)
    assert claims.all_hold, str(claims)


def test_every_data_parallel_run_reaches_90_percent_on_a_busy_machine(busy_machine):
    cluster = start_cluster(ps=2, workers=3)
    try:
        runs = [
            examples.in_graph_replication(cluster),
            examples.between_graph_async(cluster),
            examples.between_graph_sync(cluster),
        ]
    finally:
        cluster.stop()
    claims = lab09.accuracy_claims(*runs)
    assert len(claims) == 3
    assert claims.all_hold, str(claims)
