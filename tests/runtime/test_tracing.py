"""Traced runs: RunMetadata.step_stats with TensorFlow's field names and figures."""

import numpy as np

import teachflow as tf

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"
TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def test_untraced_run_leaves_step_stats_empty(sess):
    md = tf.RunMetadata()
    sess.run(tf.constant(1.0) + 1.0, run_metadata=md)
    # TensorFlow: an empty StepStats message (the field unset), not None.
    assert md.step_stats.dev_stats == [] and not md.HasField("step_stats")


def test_step_stats_fields(sess):
    a = tf.constant(np.ones(4, np.float32), name="a")
    b = tf.multiply(a, 2.0, name="b")
    md = tf.RunMetadata()
    sess.run(b, options=TRACE, run_metadata=md)
    dev = md.step_stats.device(CPU0)
    stats = {ns.node_name: ns for ns in dev.node_stats}
    assert set(stats) == {"a", "b/y", "b"}
    ns = stats["b"]
    assert ns.timeline_label == "b = Mul(a:0, b/y:0)"
    assert ns.all_start_micros > 1_600_000_000_000_000  # microseconds since the epoch
    assert 0 <= ns.op_start_rel_micros <= ns.op_end_rel_micros <= ns.all_end_rel_micros
    assert ns.thread_id != 0
    (mem,) = ns.memory
    assert mem.allocator_name == "cpu" and mem.total_bytes == 16
    assert mem.peak_bytes >= mem.live_bytes >= 16
    assert ns.output[0].tensor_description.allocation_description.requested_bytes == 16
    # ops start in dependency order
    assert stats["a"].all_start_nanos <= stats["b"].all_start_nanos


def test_transfers_appear_on_the_receiving_device():
    with tf.device("/gpu:0"):
        a = tf.constant([1.0, 2.0, 3.0], name="a") * 2.0
    with tf.device("/gpu:1"):
        b = tf.add(a, 1.0, name="b")
    md = tf.RunMetadata()
    with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
        sess.run(b, options=TRACE, run_metadata=md)
    recv = [ns for ns in md.step_stats.device(GPU1).node_stats if "_Recv" in ns.timeline_label]
    assert len(recv) == 1
    assert recv[0].memory[0].total_bytes == 12
    assert f"from {GPU0}" in recv[0].timeline_label


def test_events_for_a_step_are_built_once_and_memory_returns_to_zero(sess):
    x = tf.fill([1000], 1.0)
    y = x + 1.0
    md = tf.RunMetadata()
    sess.run(y, options=TRACE, run_metadata=md)
    first = md.step_stats
    assert md.step_stats is first
    peaks = [m.peak_bytes for ns in first.dev_stats[0].node_stats for m in ns.memory]
    persistent = sess.devices[0].allocator.persistent_bytes  # the constants
    assert max(peaks) - persistent == 8000  # x and y alive together


def test_the_chapter_communication_case_changes_the_transfer_pattern():
    """Pulling two tensors from another device: with a control dependency the second
    transfer waits for the first consumer, so the two never overlap. As in TF, a transfer
    starts as soon as its source value exists, so the wait goes on the *sending* side: the
    second value is produced (an identity on GPU:0) only after s1 ran on GPU:1."""
    results = {}
    for chained in (False, True):
        tf.reset_default_graph()
        with tf.device("/gpu:0"):
            p1 = tf.fill([100_000], 1.0, name="p1")
            p2 = tf.fill([100_000], 2.0, name="p2")
        with tf.device("/gpu:1"):
            s1 = tf.reduce_sum(p1, name="s1")
        if chained:
            with tf.device("/gpu:0"), tf.control_dependencies([s1]):
                p2 = tf.identity(p2, name="p2_after")
        with tf.device("/gpu:1"):
            s2 = tf.reduce_sum(p2, name="s2")
            total = s1 + s2
        md = tf.RunMetadata()
        with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
            assert sess.run(total, options=TRACE, run_metadata=md) == 300_000.0
        stats = [ns for d in md.step_stats.dev_stats for ns in d.node_stats]
        order = [ns.node_name for ns in sorted(stats, key=lambda ns: ns.all_start_nanos)]
        results[chained] = order
    recvs = [n for n in results[True] if n.startswith("_recv_")]
    assert len(recvs) == 2
    # chained: the second pull happens only after s1 has consumed the first one
    assert results[True].index("s1") < results[True].index(recvs[1])
