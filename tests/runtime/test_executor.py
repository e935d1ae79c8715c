"""The executor: parallel inter-op execution, GPU streams, errors, timeouts, events."""

import threading

import numpy as np
import pytest

import teachflow as tf
from teachflow.framework import registry
from teachflow.framework.inference import unary
from teachflow.trace.events import bus
from tests.float_tolerance import assert_matmul_close

# Two "expensive" test ops that meet at a barrier: they can only both finish if the
# executor really runs them at the same time.
_BARRIER = {}
_RELEASE = threading.Event()
_RAN = []


def _meet_kernel(op, device):
    def meet(x):
        _BARRIER["b"].wait()
        return x

    return meet


def _block_kernel(op, device):
    def block(x):
        _RELEASE.wait(timeout=30)
        return x

    return block


def _record_kernel(op, device):
    def record(x):
        _RAN.append(op.name)
        return x

    return record


def _fail_kernel(op, device):
    def fail(x):
        raise tf.errors.InvalidArgumentError(None, None, "this op always fails")

    return fail


registry.register("TestMeet", unary, _meet_kernel, cheap=False)
registry.register("TestBlock", unary, _block_kernel, cheap=False)
registry.register("TestRecord", unary, _record_kernel)
registry.register("TestFail", unary, _fail_kernel)


def make(op_type, x, name):
    return x.graph.create_op(op_type, [x], {}, name=name).outputs[0]


@pytest.fixture(autouse=True)
def reset():
    _BARRIER["b"] = threading.Barrier(2, timeout=10)
    _RELEASE.clear()
    _RAN.clear()
    yield
    _RELEASE.set()


def test_independent_expensive_ops_run_in_parallel():
    x = tf.constant(1.0)
    a = make("TestMeet", x, "a")
    b = make("TestMeet", x, "b")
    cfg = tf.ConfigProto(inter_op_parallelism_threads=2)
    md = tf.RunMetadata()
    trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    with tf.Session(config=cfg) as sess:
        assert sess.run([a, b], options=trace, run_metadata=md) == [1.0, 1.0]
    stats = {ns.node_name: ns for ns in md.step_stats.dev_stats[0].node_stats}
    assert stats["a"].thread_id != stats["b"].thread_id  # two lanes in the timeline


def test_one_inter_op_thread_runs_them_one_after_the_other():
    x = tf.constant(1.0)
    a = make("TestMeet", x, "a")
    b = make("TestMeet", x, "b")
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=1)) as sess:
        with pytest.raises(tf.errors.InternalError, match="BrokenBarrierError"):
            sess.run([a, b])


def test_gpu_ops_run_on_the_gpu_stream_thread():
    with tf.device("/gpu:0"):
        a = make("TestMeet", tf.constant(1.0), "a")
    with tf.device("/gpu:1"):
        b = make("TestMeet", tf.constant(1.0), "b")
    md = tf.RunMetadata()
    trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
        assert sess.run([a, b], options=trace, run_metadata=md) == [1.0, 1.0]
    gpu_threads = {
        d.device: {ns.thread_id for ns in d.node_stats if ns.node_name in ("a", "b")}
        for d in md.step_stats.dev_stats
    }
    threads = [t for ts in gpu_threads.values() for t in ts]
    assert len(threads) == 2 and threads[0] != threads[1]


def test_cheap_gpu_ops_wait_their_turn_on_the_gpu_stream():
    # The expensive op blocks GPU:0's stream; a cheap op of GPU:0 that is ready at the
    # same time must queue behind it (TF's one in-order compute stream), never run
    # beside it on the scheduling thread.
    with tf.device("/gpu:0"):
        x = tf.constant(1.0, name="x")
        slow = make("TestBlock", x, "slow")
        quick = make("TestRecord", x, "quick")
    md = tf.RunMetadata()
    trace = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as sess:
        timer = threading.Timer(0.3, _RELEASE.set)
        timer.start()
        try:
            assert sess.run([slow, quick], options=trace, run_metadata=md) == [1.0, 1.0]
        finally:
            timer.cancel()
    gpu = next(d for d in md.step_stats.dev_stats if d.device.endswith("GPU:0"))
    spans = sorted(
        (ns.all_start_micros, ns.all_start_micros + ns.all_end_rel_micros, ns.node_name)
        for ns in gpu.node_stats
    )
    for (_, end, a), (start, _, b) in zip(spans, spans[1:]):
        assert start >= end, f"{a} and {b} overlap on GPU:0"
    assert len({ns.thread_id for ns in gpu.node_stats}) == 1


def test_first_error_aborts_the_step_and_names_the_node():
    x = tf.constant(1.0)
    bad = make("TestFail", x, "bad")
    after = make("TestRecord", bad, "after")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError) as info:
            sess.run(after)
    assert "this op always fails" in str(info.value)
    assert info.value.op.name == "bad" and "{{node bad}}" in str(info.value)
    assert _RAN == []


def test_operation_timeout_is_a_deadline_exceeded():
    slow = make("TestBlock", tf.constant(1.0), "slow")
    cfg = tf.ConfigProto(operation_timeout_in_ms=100, inter_op_parallelism_threads=2)
    with tf.Session(config=cfg) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError, match="Timed out.*slow"):
            sess.run(slow)
        _RELEASE.set()


def test_run_options_timeout():
    slow = make("TestBlock", tf.constant(1.0), "slow")
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        with pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(slow, options=tf.RunOptions(timeout_in_ms=50))
        _RELEASE.set()


def test_events_stream_to_subscribers_only_while_subscribed(sess):
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.multiply(a, 2.0, name="b")
    seen = []
    with bus.subscribed(seen.append):
        np.testing.assert_array_equal(sess.run(b), [2.0, 4.0])
    ops = [e for e in seen if e.kind == "op"]
    assert {e.node for e in ops} == {"a", "b/y", "b"}
    assert all(e.end_ns >= e.start_ns for e in ops)
    b_event = next(e for e in ops if e.node == "b")
    assert b_event.op_type == "Mul" and b_event.output_bytes == 8
    assert b_event.inputs == ("a:0", "b/y:0")
    steps = [e.phase for e in seen if e.kind == "step"]
    assert steps == ["start", "end"]
    n = len(seen)
    sess.run(b)
    assert len(seen) == n


def test_parallel_matmuls_agree_with_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 300)).astype(np.float32)
    a = tf.matmul(tf.constant(x), tf.constant(x))
    b = tf.matmul(tf.constant(x), tf.constant(x.T))
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        ra, rb = sess.run([a, b])
    assert ra.dtype == rb.dtype == np.float32
    assert_matmul_close(ra, x, x)
    assert_matmul_close(rb, x, x.T)


def test_waiting_ops_never_starve_the_steps_that_would_free_them():
    """More blocked enqueues than inter-op threads: a dequeue still gets a thread."""
    q = tf.FIFOQueue(1, tf.float32)
    enqueue = q.enqueue(1.0)
    dequeue = q.dequeue()
    config = tf.ConfigProto(inter_op_parallelism_threads=2, operation_timeout_in_ms=10000)
    with tf.Session(config=config) as sess:
        sess.run(enqueue)  # the queue is full now
        producers = [threading.Thread(target=sess.run, args=(enqueue,)) for _ in range(3)]
        for t in producers:
            t.start()
        got = [sess.run(dequeue) for _ in range(4)]
        for t in producers:
            t.join(timeout=10)
        assert got == [1.0] * 4
        assert not any(t.is_alive() for t in producers)


def test_a_timed_out_step_frees_its_memory_and_ends_with_its_error():
    """A deadline ends the step like any error: what the step allocated is freed (a device
    with a limit keeps no phantom bytes), and its end event says why it ended."""
    with tf.device("/gpu:0"):
        x = tf.constant(np.ones(256, np.float32), name="x")
        doubled = tf.multiply(x, 2.0, name="doubled")  # 1 KiB allocated on the GPU
        slow = make("TestBlock", doubled, "slow")
    seen = []
    with tf.Session(config=tf.ConfigProto(simulated_gpus=1)) as sess:
        gpu = next(d for d in sess._devices if d.device_type == "GPU")
        sess.run(doubled)  # the constants' bytes are the kernels', counted once built
        before = gpu.allocator.live_bytes
        with bus.subscribed(seen.append), pytest.raises(tf.errors.DeadlineExceededError):
            sess.run(slow, options=tf.RunOptions(timeout_in_ms=100))
        _RELEASE.set()
        assert gpu.allocator.live_bytes == before
    memory = [e for e in seen if e.kind == "memory" and e.device == gpu.name]
    assert [e.delta for e in memory] == [1024, -1024]
    end = seen[-1]
    assert end.kind == "step" and end.phase == "end" and "Timed out" in end.error
