"""Lab 03 (parallel execution): reference answers pass, typical wrong ones get feedback."""

import numpy as np

import teachflow as tf
from teachflow.labs import lab03
from teachflow.labs.lab03 import counters_graph, timeline_graph

TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def test_ready_at_start(lab):
    f = counters_graph()
    with tf.Session() as sess:
        assert sess.run(f) == 2.0 + 3.0 + 36.0 + 1.0
    ops = tf.get_default_graph().get_operations()
    ready = [op.name for op in ops if len(op.inputs) + len(op.control_inputs) == 0]
    assert lab.check("ready_at_start", ready)
    wrong = lab.check("ready_at_start", ready + ["g"])
    assert wrong.feedback == "Of the node names asked for, 1 should not be there."


def test_max_parallel(lab):
    assert lab.check("max_parallel", 2)
    assert "who runs them" in lab.check("max_parallel", 4).feedback


def test_max_parallel_is_what_the_runtime_does():
    rng = np.random.default_rng(0)
    ms = [tf.matmul(*(2 * [tf.constant(rng.random((300, 300), np.float32))])) for _ in range(4)]
    config = tf.ConfigProto(inter_op_parallelism_threads=2, intra_op_parallelism_threads=1)
    meta = tf.RunMetadata()
    with tf.Session(config=config) as sess:
        sess.run(ms, options=TRACE, run_metadata=meta)
    threads = {
        ns.thread_id
        for d in meta.step_stats.dev_stats
        for ns in d.node_stats
        if "MatMul" in ns.node_name
    }
    assert 1 <= len(threads) <= 2


def test_parallel_config(lab):
    good = tf.ConfigProto(inter_op_parallelism_threads=2, intra_op_parallelism_threads=1)
    assert lab.check("parallel_config", good)
    assert "0 means" in lab.check("parallel_config", tf.ConfigProto()).feedback
    one = tf.ConfigProto(inter_op_parallelism_threads=1, intra_op_parallelism_threads=1)
    assert "fewer than 2" in lab.check("parallel_config", one).feedback
    intra = tf.ConfigProto(inter_op_parallelism_threads=2, intra_op_parallelism_threads=2)
    assert "other setting" in lab.check("parallel_config", intra).feedback
    assert "ConfigProto" in lab.check("parallel_config", {"inter": 2}).feedback


def test_longest_op(lab):
    total = timeline_graph()
    meta = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(total)
        sess.run(total, options=TRACE, run_metadata=meta)
    stats = [ns for d in meta.step_stats.dev_stats for ns in d.node_stats]
    longest = max(stats, key=lambda ns: ns.op_end_rel_micros)
    assert lab.check("longest_op", longest.node_name)
    assert "op type" in lab.check("longest_op", "MatMul").feedback
    assert not lab.check("longest_op", "total")


def _two_products(n, devices):
    rng = np.random.default_rng(0)
    sums = []
    for i, device in enumerate(devices):
        with tf.device(device):
            x = tf.constant(rng.standard_normal((n, n)).astype(np.float32), name=f"x{i}")
            sums.append(tf.reduce_sum(tf.matmul(x, x, name=f"m{i}")))
    with tf.device("/cpu:0"):
        return tf.add_n(sums)


def _traced(fetch, config):
    meta = tf.RunMetadata()
    with tf.Session(graph=fetch.graph, config=config) as sess:
        sess.run(fetch)
        sess.run(fetch, options=TRACE, run_metadata=meta)
    return meta


def test_every_claim_of_the_lab_holds_on_a_busy_machine(busy_machine):
    n = 600
    inter_op = {}
    for inter in (1, 2):
        with tf.Graph().as_default():
            total = _two_products(n, ["/cpu:0", "/cpu:0"])
            config = tf.ConfigProto(
                inter_op_parallelism_threads=inter, intra_op_parallelism_threads=1
            )
            inter_op[inter] = _traced(total, config)
    gpus = {}
    for count, devices in ((1, ["/gpu:0", "/gpu:0"]), (2, ["/gpu:0", "/gpu:1"])):
        with tf.Graph().as_default():
            result = _two_products(n, devices)
            config = tf.ConfigProto(simulated_gpus=2, intra_op_parallelism_threads=1)
            gpus[count] = _traced(result, config)
    claims = lab03.claims(inter_op=inter_op, gpus=gpus, n=n)
    assert len(claims) == 3
    assert claims.all_hold, str(claims)
    # Virtual time reads no clock: the figures are exactly the model's, however busy the CPU.
    assert [c.measured for c in claims] == [0.5, 0.5, 0.522]


def test_max_parallel_is_what_virtual_time_shows_on_a_busy_machine(lab, busy_machine):
    from teachflow import sim

    rng = np.random.default_rng(0)
    ms = [tf.matmul(*(2 * [tf.constant(rng.random((300, 300), np.float32))])) for _ in range(4)]
    config = tf.ConfigProto(inter_op_parallelism_threads=2, intra_op_parallelism_threads=1)
    meta = tf.RunMetadata()
    with tf.Session(config=config) as sess:
        sess.run(ms)
        sess.run(ms, options=TRACE, run_metadata=meta)
    step = sim.virtual_timeline(meta).steps[0]
    products = [e for e in step.events if e.kind == "op" and e.node.startswith("MatMul")]
    assert len(products) == 4
    at_once = max(sum(p.start_ns <= e.start_ns < p.end_ns for p in products) for e in products)
    assert at_once == 2
    assert lab.check("max_parallel", at_once)
