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
        big = tf.fill([MiB * 3 // 4], 1.0, name="big")  # 3 MiB of float32: fits
        out = tf.multiply(big, 2.0, name="twice")  # 3 MiB more while big is live: does not
    with tf.Session(config=small_gpu(4)) as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError) as info:
            sess.run(out)
    msg = str(info.value)
    assert "OOM when allocating tensor for twice" in msg
    assert GPU0 in msg and "GPU_0_bfc" in msg
    assert f"{3 * MiB} bytes" in msg and f"limit {4 * MiB} bytes" in msg
    assert "report_tensor_allocations_upon_oom" in msg


def test_a_fill_past_the_limit_is_refused_before_it_allocates():
    with tf.device("/gpu:0"):
        big = tf.fill([2 * MiB], 1.0, name="big")  # 8 MiB of float32
    with tf.Session(config=small_gpu(4)) as sess:
        with pytest.raises(tf.errors.ResourceExhaustedError) as info:
            sess.run(big)
    assert info.value.message.split("\n")[0] == (
        f"OOM when allocating tensor with shape[{2 * MiB}] and type float on {GPU0} by "
        "allocator GPU_0_bfc"
    )
    assert f"{8 * MiB} bytes requested" in info.value.message
    assert "{{node big}}" in info.value.message


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


# -- the host CPU's limit, and a step's memory after it fails --------------------------------
CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"


def rss_mib():
    """This process's resident memory (/proc/self/statm), in MiB."""
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / MiB


def test_memory_sizes_read_as_people_write_them():
    from teachflow.runtime.memory import parse_bytes

    assert parse_bytes("2GiB") == 2 * 1024**3
    assert parse_bytes("512MB") == 512 * 1000**2
    assert parse_bytes("64 KiB") == 64 * 1024
    assert parse_bytes(4096) == 4096
    for bad in ("lots", "-5", "0", "5Q"):
        with pytest.raises(ValueError, match="memory"):
            parse_bytes(bad)


def test_the_host_cpu_has_a_guard_but_no_per_step_accounting_by_default(sess, monkeypatch):
    from teachflow.runtime.memory import HOST_MEMORY_FRACTION, physical_memory_bytes

    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    with tf.Session() as s:
        cpu = s.devices[0].allocator
        assert cpu.limit is None  # steps stay on the fast path, keeping no books
        assert cpu.capacity == int(physical_memory_bytes() * HOST_MEMORY_FRACTION)
        plan = s._prepare(tf.constant(1.0) + 1.0, ())[2]
        assert not plan.account_memory


def test_a_cpu_limit_from_the_config_or_the_environment_is_enforced_per_step(monkeypatch):
    x = tf.placeholder(tf.int32, [2])
    y = tf.fill(x, 1.0) * 2.0
    monkeypatch.setenv("TEACHFLOW_CPU_MEMORY_LIMIT", "4MiB")
    with tf.Session() as sess:
        assert [d.memory_limit_bytes for d in sess.list_devices()] == [4 * MiB]
        assert sess.run(y, {x: [256, 256]}).shape == (256, 256)  # 256 KiB per tensor
        with pytest.raises(tf.errors.ResourceExhaustedError, match="OOM when allocating") as e:
            sess.run(y, {x: [1024, 1024]})  # 4 MiB: the fill fits alone, not with mul
        assert "by allocator cpu" in e.value.message and CPU0 in e.value.message
    # The config wins over the environment.
    with tf.Session(config=tf.ConfigProto(cpu_memory_limit="64MiB")) as sess:
        assert sess.run(y, {x: [1024, 1024]}).shape == (1024, 1024)
    monkeypatch.setenv("TEACHFLOW_CPU_MEMORY_LIMIT", "plenty")
    with pytest.raises(tf.errors.InvalidArgumentError, match="TEACHFLOW_CPU_MEMORY_LIMIT"):
        tf.Session()


@pytest.mark.parametrize("cpu_limit", [None, "1GiB"], ids=["inline", "accounted"])
def test_a_failed_step_gives_its_memory_back_at_once(cpu_limit, monkeypatch):
    # A 200 MB fill whose consumer fails: the step's buffers must go when the call returns,
    # not at the next full collection (the collector is off to prove it). Before, a failed
    # step on the accounted path kept them in a cycle (step -> error -> traceback -> step).
    import gc

    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    dims = tf.placeholder(tf.int32, [2])
    bad = tf.reshape(tf.fill(dims, 1.0), [7, -1]) + 1.0  # 50_000_005 values: not 7 rows
    config = tf.ConfigProto(cpu_memory_limit=cpu_limit)
    with tf.Session(config=config) as sess:
        sess.run(bad, {dims: [7, 2]})  # plan built, kernels made
        gc.collect()
        gc.disable()
        try:
            base = rss_mib()
            for _ in range(3):
                with pytest.raises(tf.errors.InvalidArgumentError, match="Input to reshape"):
                    sess.run(bad, {dims: [5, 10_000_001]})
                assert rss_mib() - base < 100, "a failed step's 200 MB stayed resident"
        finally:
            gc.enable()


def test_a_tile_of_a_fill_is_refused_before_it_allocates(monkeypatch):
    # The 221-byte request that made a server build 4 TB: refused by the size check, with
    # TF's words, and nothing resident afterwards.
    monkeypatch.delenv("TEACHFLOW_CPU_MEMORY_LIMIT", raising=False)
    m = tf.placeholder(tf.int32, [2], name="m")
    t = tf.tile(tf.fill([1000, 1000], 1.0), m)
    with tf.Session(config=tf.ConfigProto(cpu_memory_limit="256MiB")) as sess:
        sess.run(t, {m: [1, 1]})
        base = rss_mib()
        with pytest.raises(tf.errors.ResourceExhaustedError) as e:
            sess.run(t, {m: [1000, 1000]})
        assert rss_mib() - base < 50
    assert e.value.message.startswith(
        f"OOM when allocating tensor with shape[1000000,1000000] and type float on {CPU0} "
        "by allocator cpu"
    )
    assert "{{node Tile}}" in e.value.message
