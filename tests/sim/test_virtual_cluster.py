"""A cluster's step replayed in virtual time: the partition graphs of every task stitched
together, network transfers on each task's outgoing link, the same timeline every run."""

import re
import time

import numpy as np
import pytest

import teachflow as tf
from teachflow import sim
from teachflow.sim import get_network, get_profile
from teachflow.trace.events import bus
from tests.sim.conftest import spans

PS_TASK = "/job:ps/replica:0/task:0"
PS = f"{PS_TASK}/device:CPU:0"
W0, W1 = "/job:worker/replica:0/task:0/device:CPU:0", "/job:worker/replica:0/task:1/device:CPU:0"
W0_GPU = "/job:worker/replica:0/task:0/device:GPU:0"
TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)
MiB = 2**20
NET = get_network("10gbe")


def network_ns(nbytes, net=NET):
    return round((net.latency_s + nbytes / net.bandwidth) * 1e9)


def traced(c, fetch, feed_dict=None, options=TRACE, worker=0, **config):
    """Run ``fetch`` once (after the initializers) from a session on worker ``worker``."""
    md = tf.RunMetadata()
    config.setdefault("operation_timeout_in_ms", 20_000)
    with tf.Session(c.target("worker", worker), config=tf.ConfigProto(**config)) as sess:
        sess.run(tf.global_variables_initializer())
        value = sess.run(fetch, feed_dict, options=options, run_metadata=md)
    return value, md


def between_graph_step():
    """A training step across tasks: variables on the ps, a tower per worker, the averaged
    gradients applied on the ps (the batch fed to worker 0 and split there)."""
    rng = np.random.RandomState(0)
    with tf.device("/job:ps/task:0"):
        w1 = tf.Variable(rng.randn(32, 64).astype(np.float32), name="w1")
        w2 = tf.Variable(rng.randn(64, 1).astype(np.float32), name="w2")
    with tf.device("/job:worker/task:0"):
        x = tf.placeholder(tf.float32, [None, 32], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        xs, ys = tf.split(x, 2), tf.split(y, 2)
    opt = tf.train.GradientDescentOptimizer(0.01)
    grads = []
    for i in range(2):
        with tf.device(f"/job:worker/task:{i}"), tf.name_scope(f"tower_{i}"):
            h = tf.nn.relu(tf.matmul(xs[i], w1))
            loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - ys[i]))
            grads.append(opt.compute_gradients(loss, [w1, w2]))
    with tf.device("/job:ps/task:0"):
        avg = [(tf.add_n([g[k][0] for g in grads]) / 2.0, grads[0][k][1]) for k in range(2)]
        train = opt.apply_gradients(avg)
    feed = {x: rng.randn(64, 32).astype(np.float32), y: rng.randn(64, 1).astype(np.float32)}
    return train, feed


# -- the model's rules ------------------------------------------------------------------------
def test_a_tensor_pulled_from_the_ps_takes_latency_plus_bytes_over_bandwidth(cluster):
    c = cluster(ps=1, workers=1)
    n = 1_000_000  # 4 MB of float32
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(tf.ones([n]), name="v")
    with tf.device("/job:worker/task:0"):
        total = tf.reduce_sum(v, name="total")
    value, md = traced(c, total)
    assert value == n
    for net in (None, "1gbe"):
        vt = sim.virtual_timeline(md, network=net)
        move = spans(vt, "transfer")[("v/read:0", W0)]
        assert move.src_device == PS and move.nbytes == 4 * n
        assert move.end_ns - move.start_ns == network_ns(4 * n, get_network(net))
        ops = spans(vt)
        assert ops["v/read"].end_ns <= move.start_ns  # sent once its value exists
        assert move.end_ns <= ops["total"].start_ns  # read once it arrived
        assert vt.steps[0].lane_names[move.thread_id] == f"{PS_TASK} network"
    summary = vt.summary()
    assert "of 2 tasks, linked by Gigabit Ethernet" in summary
    assert "ps:0 network out: busy" in summary and "worker:0/CPU:0" in summary


def test_no_op_starts_before_its_inputs_and_control_inputs_are_done(cluster):
    c = cluster(ps=1, workers=2)
    train, feed = between_graph_step()
    _, md = traced(c, train, feed)
    vt = sim.virtual_timeline(md)
    ops, moves = spans(vt), spans(vt, "transfer")
    assert {e.src_device for e in moves.values()} >= {PS, W0, W1}  # both ways, both workers
    graph = tf.get_default_graph()
    checked = 0
    for e in ops.values():
        for name in e.inputs:
            producer = ops.get(name.rpartition(":")[0])
            if producer is None:
                assert "/_feed_" in name  # a fed value: there from the start
                continue
            if producer.device == e.device:
                assert producer.end_ns <= e.start_ns
            else:
                move = moves[(name, e.device)]
                assert producer.end_ns <= move.start_ns <= move.end_ns <= e.start_ns
            checked += 1
        try:
            op = graph.get_operation_by_name(e.node)
        except KeyError:
            continue  # a cross-task control marker (partitioner's node)
        for ctl in op.control_inputs:
            assert ops[ctl.name].end_ns <= e.start_ns
            checked += 1
    assert checked > 100
    # each lane (a thread, a copy engine, a task's link) runs one thing at a time
    lanes = {}
    for e in vt:
        if e.kind in ("op", "transfer"):
            lanes.setdefault(e.thread_id, []).append((e.start_ns, e.end_ns))
    names = vt.steps[0].lane_names
    assert {f"{PS_TASK} network", "/job:worker/replica:0/task:1 network"} <= set(names.values())
    for tid, busy in lanes.items():
        busy.sort()
        assert all(end <= nxt for (_, end), (nxt, _) in zip(busy, busy[1:])), names[tid]


def test_a_gpu_of_a_worker_keeps_its_card_and_copies_over_pcie(cluster):
    c = cluster(
        ps=1, workers=1, config=tf.ConfigProto(simulated_gpus=1, simulated_gpu_profile="v100")
    )
    with tf.device("/job:ps/task:0/cpu:0"):
        a = tf.Variable(tf.ones([512, 256]), name="a")
    with tf.device("/job:worker/task:0/gpu:0"):
        p = tf.matmul(a, tf.ones([256, 128]), name="p")
    with tf.device("/job:worker/task:0/cpu:0"):
        back = tf.identity(p, name="back")
    _, md = traced(c, back)
    vt = sim.virtual_timeline(md)
    v100 = get_profile("v100")
    step = vt.steps[0]
    assert step.devices[W0_GPU] is v100 and step.devices[PS].key == "host-cpu"
    e = spans(vt)["p"]
    assert e.end_ns - e.start_ns == round((2 * 512 * 128 * 256 / v100.flops + 5e-6) * 1e9)
    moves = spans(vt, "transfer")
    assert moves[("a/read:0", W0_GPU)].end_ns - moves[("a/read:0", W0_GPU)].start_ns == network_ns(
        512 * 256 * 4
    )
    pcie = moves[("p:0", W0)]
    assert pcie.src_device == W0_GPU
    assert pcie.end_ns - pcie.start_ns == round((5e-6 + 512 * 128 * 4 / 12e9) * 1e9)
    assert step.lane_names[pcie.thread_id] == f"{W0_GPU} device-to-host copy engine"


# -- reproducible for a class ------------------------------------------------------------------
def test_the_virtual_timeline_is_the_same_run_after_run(cluster):
    """The second run is slowed down on purpose (every event makes the host wait): its
    real step takes longer, its virtual one is the same to the nanosecond."""
    c = cluster(ps=1, workers=2)
    train, feed = between_graph_step()
    waited = []

    def slow_down(event):
        waited.append(event)
        time.sleep(0.0005)

    with tf.Session(c.target("worker", 0)) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, feed)  # partitions registered before either measured run
        runs = []
        for slow in (False, True):
            md = tf.RunMetadata()
            if slow:
                with bus.subscribed(slow_down):
                    sess.run(train, feed, options=TRACE, run_metadata=md)
            else:
                sess.run(train, feed, options=TRACE, run_metadata=md)
            runs.append(md)
    fast, slow = runs
    assert len(waited) > 50  # the slow run waited 0.5 ms at each of its events
    vt_fast, vt_slow = sim.virtual_timeline(fast), sim.virtual_timeline(slow)
    assert vt_fast == vt_slow and vt_fast.duration_ns > 0
    assert vt_fast.summary() == vt_slow.summary()


def test_virtual_time_in_the_config_makes_a_remote_sessions_step_stats_virtual(cluster):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(tf.ones([250_000]), name="v")
    with tf.device("/job:worker/task:0"):
        total = tf.reduce_sum(v, name="total")
    only_trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    stats = []
    config = tf.ConfigProto(virtual_time=True, operation_timeout_in_ms=20_000)
    with tf.Session(c.target("worker", 0), config=config) as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(2):
            md = tf.RunMetadata()
            sess.run(total, options=only_trace, run_metadata=md)
            assert md.partition_graphs == []  # asked for internally, not handed out
            stats.append(md.step_stats)
    assert stats[0] == stats[1]
    assert sim.virtual_timeline(md).to_step_stats() == stats[1]
    recv = {ns.node_name: ns for ns in stats[0].device(W0).node_stats}["_recv_v/read:0"]
    assert recv.all_start_micros < 1_000 and recv.op_end_rel_nanos == network_ns(1_000_000)
    assert stats[0].device(W0).thread_names[recv.thread_id] == f"{PS_TASK} network"
    # the real-time path is unchanged: epoch microseconds, the workers' own threads
    _, md_real = traced(c, total, options=only_trace, virtual_time=False)
    starts = [ns.all_start_micros for d in md_real.step_stats.dev_stats for ns in d.node_stats]
    assert min(starts) > 10**15


def test_a_cluster_run_without_partition_graphs_says_which_options_to_pass(cluster):
    c = cluster(ps=1, workers=1)
    with tf.device("/job:ps/task:0"):
        x = tf.constant(2.0)
    with tf.device("/job:worker/task:0"):
        y = x * 3.0
    _, md = traced(c, y, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
    expected = (
        "options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE, output_partition_graphs=True)"
    )
    with pytest.raises(ValueError, match=re.escape(expected)) as info:
        sim.virtual_timeline(md)
    assert "cluster's run without its partition graphs" in str(info.value)
    _, untraced = traced(c, y, options=tf.RunOptions(output_partition_graphs=True))
    with pytest.raises(ValueError, match=re.escape(expected)):
        sim.virtual_timeline(untraced)


# -- the chapter's cases across tasks ---------------------------------------------------------
def _two_pulls(chained):
    """Two 16 MiB variables on the ps, each summed on the worker. Chained: the second is
    read on the ps only after the first sum is done (a control dependency on the ps side:
    a transfer starts once its source value exists)."""
    n = 4 * MiB  # float32: 16 MiB each
    with tf.device("/job:ps/task:0"):
        v1 = tf.Variable(tf.zeros([n]), name="v1")
        v2 = tf.Variable(tf.zeros([n]), name="v2")
    with tf.device("/job:worker/task:0"):
        s1 = tf.reduce_sum(v1, name="s1")
    second = v2.value()
    if chained:
        with tf.device("/job:ps/task:0"), tf.control_dependencies([s1]):
            second = tf.identity(v2, name="v2_after_s1")
    with tf.device("/job:worker/task:0"):
        return tf.add(s1, tf.reduce_sum(second, name="s2"), name="total")


def test_chaining_two_pulls_from_the_ps_makes_the_transfers_take_turns(cluster):
    c = cluster(ps=1, workers=1)
    per_pull = network_ns(16 * MiB)
    vts = {}
    for chained in (False, True):
        tf.reset_default_graph()
        value, md = traced(c, _two_pulls(chained))
        assert value == 0.0
        vts[chained] = vt = sim.virtual_timeline(md)
        ops = spans(vt)
        pulls = sorted(
            (e for e in vt if e.kind == "transfer" and e.src_device == PS), key=lambda e: e.start_ns
        )
        assert [e.nbytes for e in pulls] == [16 * MiB, 16 * MiB]
        first, second = pulls
        assert first.tensor == "v1/read:0"
        assert all(e.end_ns - e.start_ns == per_pull for e in pulls)
        if chained:
            assert second.tensor == "v2_after_s1:0"
            # s1's "done" crosses back to the ps (a 4-byte message) before v2 is read
            done = spans(vt, "transfer")[("s1/_control_0:0", PS)]
            assert done.src_device == W0 and done.nbytes == 4
            assert ops["s1"].end_ns <= done.start_ns
            assert done.end_ns <= ops["v2_after_s1"].start_ns <= second.start_ns
        else:
            # both ready at once: the second queues behind the first on the ps's link
            assert second.tensor == "v2/read:0"
            assert second.start_ns == first.end_ns < ops["s1"].end_ns
    # the ps's link idles while the worker sums: the chained step is longer
    gap = vts[True].duration_ns - vts[False].duration_ns
    assert gap >= spans(vts[True])["s1"].end_ns - spans(vts[True])["s1"].start_ns


def test_workers_pulling_from_one_ps_share_its_outgoing_link(cluster):
    """Bandwidth saturation in virtual time: N workers read the same 4 MB variable; the
    ps sends N copies one after another, so its link is busy N times as long."""
    c = cluster(ps=1, workers=4)
    per_pull = network_ns(4_000_000)
    busy, duration = {}, {}
    for n_workers in (1, 2, 4):
        tf.reset_default_graph()
        with tf.device("/job:ps/task:0"):
            v = tf.Variable(tf.ones([1_000_000]), name="v")
        sums = []
        for i in range(n_workers):
            with tf.device(f"/job:worker/task:{i}"):
                sums.append(tf.reduce_sum(v, name=f"sum_{i}"))
        with tf.device("/job:worker/task:0"):
            total = tf.add_n(sums, name="total") if n_workers > 1 else tf.identity(sums[0])
        value, md = traced(c, total)
        assert value == n_workers * 1_000_000
        step = sim.virtual_timeline(md).steps[0]
        busy[n_workers] = step.lane_busy_ns()[f"{PS_TASK} network"]
        duration[n_workers] = step.duration_ns
        pulls = sorted((n for n in step.nodes if n.src_device == PS), key=lambda n: n.start_ns)
        assert len(pulls) == n_workers
        # one after another on the ps's link: the k-th waited k transfers
        assert [n.start_ns - pulls[0].start_ns for n in pulls] == [
            k * per_pull for k in range(n_workers)
        ]
        assert [n.start_ns - n.ready_ns for n in pulls] == [k * per_pull for k in range(n_workers)]
    assert busy == {n: n * per_pull for n in (1, 2, 4)}
    assert duration[1] < duration[2] < duration[4]
    assert duration[4] - duration[1] >= 3 * per_pull


def test_the_docstring_example_runs_on_a_local_cluster():
    import doctest

    from teachflow.sim import virtual_cluster

    tests = [t for t in doctest.DocTestFinder().find(virtual_cluster) if t.examples]
    assert tests
    for test in tests:
        tf.reset_default_graph()
        result = doctest.DocTestRunner().run(test, out=lambda s: None)
        assert result.failed == 0, test.name
