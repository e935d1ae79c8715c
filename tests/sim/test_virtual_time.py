"""A traced step replayed in virtual time on the hardware profiles: deterministic, faithful
to the plan's dependencies and to the streams and copy engines of a multi-GPU server."""

import time
from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

import teachflow as tf
from teachflow import sim
from teachflow.runtime.step_stats import StepStats
from teachflow.sim import get_profile
from teachflow.trace.events import bus
from tests.sim.conftest import spans

TASK = "/job:localhost/replica:0/task:0"
CPU0, GPU0, GPU1 = f"{TASK}/device:CPU:0", f"{TASK}/device:GPU:0", f"{TASK}/device:GPU:1"
TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
MiB = 2**20
K80 = get_profile("k80")


def traced(fetch, gpus=2, feed_dict=None, init=False, **config):
    md = tf.RunMetadata()
    with tf.Session(config=tf.ConfigProto(simulated_gpus=gpus, **config)) as sess:
        if init:
            sess.run(tf.global_variables_initializer())
        value = sess.run(fetch, feed_dict, options=TRACE, run_metadata=md)
    return value, md


def data_parallel_step(n_gpus=2, batch=64):
    """One training step of a small network, a tower per GPU, variables on the CPU."""
    rng = np.random.RandomState(0)
    with tf.device("/cpu:0"):
        x = tf.placeholder(tf.float32, [None, 32], name="x")
        y = tf.placeholder(tf.float32, [None, 1], name="y")
        w1 = tf.Variable(rng.randn(32, 64).astype(np.float32), name="w1")
        w2 = tf.Variable(rng.randn(64, 1).astype(np.float32), name="w2")
        xs, ys = tf.split(x, n_gpus), tf.split(y, n_gpus)
    opt = tf.train.GradientDescentOptimizer(0.01)
    grads = []
    for i in range(n_gpus):
        with tf.device(f"/gpu:{i}"), tf.name_scope(f"tower_{i}"):
            h = tf.nn.relu(tf.matmul(xs[i], w1))
            loss = tf.reduce_mean(tf.square(tf.matmul(h, w2) - ys[i]))
            grads.append(opt.compute_gradients(loss, [w1, w2]))
    with tf.device("/cpu:0"):
        avg = [(tf.add_n([g[k][0] for g in grads]) / n_gpus, grads[0][k][1]) for k in range(2)]
        train = opt.apply_gradients(avg)
    feed = {x: rng.randn(batch, 32).astype(np.float32), y: rng.randn(batch, 1).astype(np.float32)}
    return train, feed


# -- the model's rules ------------------------------------------------------------------------
def test_no_op_starts_before_its_inputs_and_control_inputs_are_done():
    train, feed = data_parallel_step()
    _, md = traced(train, feed_dict=feed, init=True)
    vt = sim.virtual_timeline(md)
    ops, moves = spans(vt), spans(vt, "transfer")
    graph = tf.get_default_graph()
    assert len(moves) >= 8  # weights to both GPUs, gradients back
    checked = 0
    for e in ops.values():
        for name in e.inputs:
            producer = ops.get(graph.get_tensor_by_name(name).op.name)
            if producer is None:
                continue  # a fed tensor
            if producer.device == e.device:
                assert producer.end_ns <= e.start_ns
            else:
                move = moves[(name, e.device)]
                assert producer.end_ns <= move.start_ns <= move.end_ns <= e.start_ns
            checked += 1
        for ctl in graph.get_operation_by_name(e.node).control_inputs:
            assert ops[ctl.name].end_ns <= e.start_ns
            checked += 1
    assert checked > 100


def test_a_gpu_stream_runs_one_op_at_a_time_and_each_copy_engine_one_copy():
    train, feed = data_parallel_step()
    _, md = traced(train, feed_dict=feed, init=True)
    vt = sim.virtual_timeline(md)
    lanes = defaultdict(list)
    for e in vt:
        if e.kind in ("op", "transfer"):
            lanes[e.thread_id].append((e.start_ns, e.end_ns))
    names = vt.steps[0].lane_names
    assert {names[t] for t in lanes} >= {
        f"{GPU0} stream",
        f"{GPU1} stream",
        f"{GPU0} host-to-device copy engine",
        f"{GPU0} device-to-host copy engine",
    }
    for tid, spans_ in lanes.items():
        spans_.sort()
        assert all(end <= nxt for (_, end), (nxt, _) in zip(spans_, spans_[1:])), names[tid]
    # every op on GPU:0 is on its one stream
    gpu_threads = {e.thread_id for e in vt if e.kind == "op" and e.device == GPU0}
    assert [names[t] for t in gpu_threads] == [f"{GPU0} stream"]


def test_op_and_transfer_durations_follow_the_cost_model():
    with tf.device("/cpu:0"):
        a = tf.ones([512, 256], name="a")
    with tf.device("/gpu:0"):
        c = tf.matmul(a, tf.ones([256, 128]), name="c")
    _, md = traced(c, gpus=1)
    vt = sim.virtual_timeline(md)
    e = spans(vt)["c"]
    expected = 2 * 512 * 128 * 256 / K80.flops + K80.launch_overhead_s
    assert e.end_ns - e.start_ns == round(expected * 1e9)
    move = spans(vt, "transfer")[("a:0", GPU0)]
    assert move.nbytes == 512 * 256 * 4 and move.src_device == CPU0
    assert move.end_ns - move.start_ns == round((10e-6 + move.nbytes / 12e9) * 1e9)
    assert "compute-bound" in vt.summary() or "launch" in vt.summary()


def test_an_unknown_batch_dimension_is_read_off_the_fed_value():
    x = tf.placeholder(tf.float32, [None, 784], name="x")
    with tf.device("/gpu:0"):
        y = tf.matmul(x, tf.zeros([784, 10]), name="y")
        h = tf.nn.softmax(y, name="h")
    _, md = traced(h, gpus=1, feed_dict={x: np.ones((256, 784), np.float32)})
    nodes = {n.name: n for n in sim.virtual_timeline(md).steps[0].nodes}
    assert nodes["y"].cost.flops == 2 * 256 * 10 * 784
    assert nodes["h"].cost.flops == 5 * 256 * 10  # its input's shape, from y's 10 KiB
    assert nodes["x:0"].nbytes == 256 * 784 * 4  # the fed batch crossing to the GPU


def test_memory_mirrors_the_real_allocations_and_returns_to_where_it_began():
    with tf.device("/gpu:0"):
        halves = tf.split(tf.ones([1024, 256]), 2)  # the second half is never read
        y = tf.reduce_sum(halves[0] * 2.0)
    with tf.device("/cpu:0"):
        z = tf.identity(tf.matmul(tf.ones([256, 64]), tf.ones([64, 8])), name="z") + y
    _, md = traced(z, gpus=1)
    vt = sim.virtual_timeline(md)
    real = {  # what the real run allocated for each node's outputs
        ns.node_name: ns.memory[0].total_bytes
        for d in md.step_stats.dev_stats
        for ns in d.node_stats
        if not ns.node_name.startswith("_recv_")
    }
    assert {e.node: e.output_bytes for e in vt if e.kind == "op"} == real
    assert real["split"] == 2 * 512 * 256 * 4
    first, last = {}, {}
    for e in vt:
        if e.kind == "memory":
            first.setdefault(e.device, e.live_bytes - e.delta)
            last[e.device] = e.live_bytes
            assert e.time_ns <= vt.duration_ns
    assert first == last and set(first) == {CPU0, GPU0}


# -- reproducible for a class ------------------------------------------------------------------
def test_the_virtual_timeline_does_not_depend_on_the_host():
    """A run slowed down on purpose (every event makes the host wait) gives the same
    virtual timeline, to the nanosecond, while its real times differ."""

    waited = []

    def slow_down(event):
        waited.append(event)
        time.sleep(0.0005)

    def run(slow):
        tf.reset_default_graph()
        train, feed = data_parallel_step()
        md = tf.RunMetadata()
        with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
            sess.run(tf.global_variables_initializer())
            if slow:
                with bus.subscribed(slow_down):
                    sess.run(train, feed, options=TRACE, run_metadata=md)
            else:
                sess.run(train, feed, options=TRACE, run_metadata=md)
        return sim.virtual_timeline(md)

    fast, slow = run(False), run(True)
    assert len(waited) > 50  # the slow run's host waited 0.5 ms at each of its events
    assert fast == slow
    assert fast.duration_ns == slow.duration_ns > 0


def test_virtual_time_in_the_config_makes_step_stats_virtual():
    with tf.device("/gpu:0"):
        y = tf.matmul(tf.ones([256, 256]), tf.ones([256, 256]), name="y")
    _, md = traced(y, gpus=1, virtual_time=True)
    _, md2 = traced(y, gpus=1, virtual_time=True)
    assert md.step_stats == md2.step_stats  # the same, run after run
    stats = {ns.node_name: ns for ns in md.step_stats.device(GPU0).node_stats}
    assert stats["y"].all_start_micros < 1_000  # virtual microseconds since the step began
    expected_ns = round((2 * 256**3 / K80.flops + K80.launch_overhead_s) * 1e9)
    assert stats["y"].op_end_rel_nanos == expected_ns
    assert md.step_stats.device(GPU0).thread_names[stats["y"].thread_id] == f"{GPU0} stream"
    # and virtual_timeline(md) gives the same step
    assert sim.virtual_timeline(md).to_step_stats() == md.step_stats


def test_the_environment_turns_virtual_time_on_for_programs_you_do_not_edit(monkeypatch):
    y = tf.constant(2.0) * 3.0
    monkeypatch.setenv("TEACHFLOW_VIRTUAL_TIME", "1")
    _, md = traced(y, gpus=0)
    assert max(ns.all_start_micros for d in md.step_stats.dev_stats for ns in d.node_stats) < 100
    _, md_real = traced(y, gpus=0, virtual_time=False)  # the config wins over the environment
    assert md_real.step_stats.dev_stats[0].node_stats[0].all_start_micros > 10**15


# -- the chapter's cases, in virtual time -------------------------------------------------------
def _two_pulls(chained):
    """Two tensors made on GPU:0 and summed on GPU:1; chained: the second one is sent only
    after the first sum is done (an identity on GPU:0 with a control dependency)."""
    with tf.device("/gpu:0"):
        p1 = tf.fill([1_000_000], 1.0, name="p1")
        p2 = tf.fill([1_000_000], 2.0, name="p2")
    with tf.device("/gpu:1"):
        s1 = tf.reduce_sum(p1, name="s1")
    second = p2
    if chained:
        with tf.device("/gpu:0"), tf.control_dependencies([s1]):
            second = tf.identity(p2, name="p2_after_s1")
    with tf.device("/gpu:1"):
        s2 = tf.reduce_sum(second, name="s2")
        return tf.add(s1, s2, name="total")


def test_chaining_two_pulls_makes_the_second_transfer_wait_for_the_first_consumer():
    vts = {}
    for chained in (False, True):
        tf.reset_default_graph()
        value, md = traced(_two_pulls(chained))
        assert value == 3_000_000.0
        vts[chained] = sim.virtual_timeline(md)
    for chained, vt in vts.items():
        ops = spans(vt)
        first, second = sorted((e for e in vt if e.kind == "transfer"), key=lambda e: e.start_ns)
        assert first.tensor == "p1:0" and first.dst_device == GPU1
        # 4 MB over the K80s' 12 GB/s peer link
        assert second.end_ns - second.start_ns == round((10e-6 + 4e6 / 12e9) * 1e9)
        if chained:
            assert second.tensor == "p2_after_s1:0"
            assert ops["s1"].end_ns <= ops["p2_after_s1"].start_ns
            assert ops["s1"].end_ns <= second.start_ns
        else:
            # ready at once, the second copy queues behind the first on GPU:1's copy engine
            assert second.start_ns == first.end_ns < ops["s1"].end_ns


def _memory_hungry(delay):
    n = 512 * 1024  # 2 MiB of float32
    with tf.device("/gpu:0"):
        if not delay:
            big = tf.fill([n], 3.0, name="big")
        x = tf.fill([n], 1.0, name="x")
        for _ in range(4):
            x = x + 1.0
        if delay:
            with tf.control_dependencies([x.op]):
                big = tf.fill([n], 3.0, name="big")
        return tf.reduce_sum(x) * big


def test_delaying_a_memory_hungry_op_lowers_the_virtual_peak():
    peaks, big_start = {}, {}
    for delay in (False, True):
        tf.reset_default_graph()
        _, md = traced(_memory_hungry(delay), gpus=1)
        vt = sim.virtual_timeline(md)
        peaks[delay] = vt.steps[0].peak_bytes()[GPU0]
        big_start[delay] = spans(vt)["big"].start_ns
    assert big_start[True] > big_start[False]
    # outputs are allocated when their op starts: x, x + 1 and big alive at once, or not
    assert 6 * MiB <= peaks[False] < 6 * MiB + 64
    assert 4 * MiB <= peaks[True] < 4 * MiB + 64


def test_four_gpus_are_faster_than_one_and_the_transfers_show():
    """The same four 512 x 512 matmuls, on one simulated K80 or one on each of four."""
    vts = {}
    for n_gpus in (1, 4):
        tf.reset_default_graph()
        sums = []
        for i in range(4):
            with tf.device(f"/gpu:{i % n_gpus}"):
                a = tf.random_uniform([512, 512], seed=i)
                sums.append(tf.reduce_sum(tf.matmul(a, a)))
        with tf.device("/cpu:0"):
            total = tf.add_n(sums)
        vts[n_gpus] = sim.virtual_timeline(traced(total, gpus=4)[1])
    speedup = vts[1].duration_ns / vts[4].duration_ns
    assert 3.0 < speedup < 4.0
    moves = [e for e in vts[4] if e.kind == "transfer"]
    assert {e.src_device for e in moves} == {f"{TASK}/device:GPU:{i}" for i in range(4)}
    assert all(e.dst_device == CPU0 and e.nbytes == 4 for e in moves)


# -- what users get -----------------------------------------------------------------------------
def test_several_runs_are_steps_side_by_side_and_views_draw_them():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from teachflow import viz

    with tf.device("/gpu:0"):
        y = tf.matmul(tf.ones([128, 128]), tf.ones([128, 128]), name="y")
    with tf.device("/cpu:0"):
        z = tf.identity(y, name="z")  # back to the host
    runs = [traced(z, gpus=1)[1] for _ in range(2)]
    vt = sim.virtual_timeline(runs)
    assert [s.step_id for s in vt.steps] == [0, 1]
    # two runs of one plan: the same step, numbered 0 and 1
    assert [replace(e, step_id=0) for e in vt.steps[1].events] == vt.steps[0].events
    try:
        fig = viz.plot_timeline(vt)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == ["CPU:0", "GPU:0"]
        assert "2 steps" in fig.axes[0].get_title()
        viz.plot_memory(vt)
        viz.plot_timeline(vt.to_run_metadata())
    finally:
        plt.close("all")
    assert "virtual step 0" in str(vt) and "<VirtualTimeline 2 step(s)" in repr(vt)


def test_runs_that_cannot_be_replayed_say_why():
    y = tf.constant(1.0) + 1.0
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(y, run_metadata=md)
    with pytest.raises(
        ValueError, match="no traced step to replay: run with options=tf.RunOptions"
    ):
        sim.virtual_timeline(md)
    # step stats made by hand (or read back from a file): no plan behind them
    by_hand = tf.RunMetadata(step_stats=StepStats())
    with pytest.raises(ValueError, match="were not recorded by a tf.Session of this process"):
        sim.virtual_timeline(by_hand)
    with pytest.raises(TypeError, match="Expected a tf.RunMetadata from a traced run"):
        sim.virtual_timeline(object())
    with pytest.raises(ValueError, match="Nothing to simulate"):
        sim.virtual_timeline([])


def test_the_docstring_examples_run():
    import doctest

    from teachflow.sim import cost_model, profiles, schedule, virtual_time

    for module in (profiles, cost_model, schedule, virtual_time):
        for test in doctest.DocTestFinder().find(module):
            tf.reset_default_graph()
            result = doctest.DocTestRunner().run(test, out=lambda s: None)
            assert result.failed == 0, test.name
