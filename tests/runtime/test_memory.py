"""Memory accounting: live and peak bytes, OOM, and the chapter's control-dependency case."""

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime.memory import Allocator

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
MiB = 2**20
TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def small_gpu(mib, **kw):
    """One simulated GPU whose memory limit is ``mib`` MiB."""
    from teachflow.sim import get_profile

    fraction = mib * MiB / get_profile("teaching").memory_bytes
    return tf.ConfigProto(
        simulated_gpus=1,
        simulated_gpu_profile="teaching",
        gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=fraction, **kw),
    )


def peak(md, device):
    """The step's peak on ``device``, not counting persistent memory (constants)."""
    stats = md.step_stats.device(device).node_stats
    return max(m.peak_bytes for ns in stats for m in ns.memory)


def test_allocator_accounting():
    a = Allocator("GPU_0_bfc", limit=1000)
    a.allocate(400)
    a.allocate(500)
    a.free(400)
    assert (a.live_bytes, a.peak_bytes, a.total_allocated) == (500, 900, 900)
    with pytest.raises(tf.errors.ResourceExhaustedError, match="limit 1000 bytes"):
        a.allocate(600)


def test_live_bytes_return_to_zero_and_fetched_values_survive():
    n = 1024  # float32: 4 KiB per tensor
    x = tf.fill([n], 1.0)
    y = x * 2.0
    z = y + 1.0
    with tf.Session(config=small_gpu(1)) as sess:
        out = sess.run(z)
        np.testing.assert_array_equal(out, np.full(n, 3.0, np.float32))
        alloc = sess.devices[1].allocator
        # Only persistent memory (the small constants that Fill and the adds read) is left.
        assert alloc.live_bytes == alloc.persistent_bytes == 4 * 4
        assert alloc.peak_bytes - alloc.persistent_bytes == 2 * 4 * n  # x freed once z exists


def test_oom_names_node_device_bytes_and_limit():
    with tf.device("/gpu:0"):
        big = tf.fill([2 * MiB], 1.0, name="big")  # 8 MiB of float32
        out = tf.multiply(big, 2.0, name="twice")
    with tf.Session(config=small_gpu(4)) as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError) as info:
            sess.run(out)
    msg = str(info.value)
    assert "OOM when allocating tensor for big" in msg
    assert GPU0 in msg and "GPU_0_bfc" in msg
    assert f"{8 * MiB} bytes" in msg and f"limit {4 * MiB} bytes" in msg
    assert "report_tensor_allocations_upon_oom" in msg


def test_report_tensor_allocations_upon_oom_lists_live_tensors():
    with tf.device("/gpu:0"):
        a = tf.fill([MiB // 2], 1.0, name="a")  # 2 MiB
        b = tf.add(a, 1.0, name="b")  # 2 MiB while a is live
        c = tf.add(b, a, name="c")  # 2 MiB more: over 5 MiB
    opts = tf.RunOptions(report_tensor_allocations_upon_oom=True)
    with tf.Session(config=small_gpu(5)) as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError) as info:
            sess.run(c, options=opts)
    msg = str(info.value)
    assert "Current usage from device" in msg
    assert f"{2 * MiB} bytes: a" in msg and f"{2 * MiB} bytes: b" in msg


def test_variables_are_persistent_memory():
    with tf.device("/gpu:0"):
        v = tf.Variable(tf.zeros([1024]))
    with tf.Session(config=small_gpu(1)) as sess:
        alloc = sess.devices[1].allocator
        sess.run(v.initializer)
        before = alloc.persistent_bytes
        sess.run(tf.assign(v, tf.zeros([2048]), validate_shape=False))
        # The variable grew from 4 to 8 KiB (and the new zeros op brought two 4-byte constants).
        assert alloc.persistent_bytes - before == 4096 + 8
        assert alloc.live_bytes == alloc.persistent_bytes


def _memory_hungry_graph(delay):
    """The chapter's case: ``big`` (2 MiB) is needed only at the very end, while a chain of
    2 MiB tensors (two alive at a time) runs before."""
    n = 512 * 1024
    with tf.device("/gpu:0"):
        big = None
        if not delay:
            big = tf.fill([n], 3.0, name="big")
        x = tf.fill([n], 1.0)
        for _ in range(4):
            x = x + 1.0
        if delay:
            with tf.control_dependencies([x.op]):
                big = tf.fill([n], 3.0, name="big")
        return tf.reduce_sum(x) * big


def test_delaying_a_memory_hungry_op_lowers_the_peak():
    peaks = {}
    for delay in (False, True):
        tf.reset_default_graph()
        out = _memory_hungry_graph(delay)
        md = tf.RunMetadata()
        with tf.Session(config=small_gpu(64)) as sess:
            value = sess.run(out, options=TRACE, run_metadata=md)
        assert value[0] == 5.0 * 512 * 1024 * 3.0
        peaks[delay] = peak(md, GPU0)
    assert peaks[True] < peaks[False]
    # Without the control dependency big waits in memory while the chain runs; with it,
    # one 2 MiB tensor fewer is alive at the peak (scalars add a few bytes).
    assert 6 * MiB <= peaks[False] < 6 * MiB + 64
    assert 4 * MiB <= peaks[True] < 4 * MiB + 64
