"""Bytes per task from the event stream: synthetic events, and real traced cluster steps."""

import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.trace.events import MemoryEvent, OpEvent, TransferEvent, bus
from teachflow.trace.traffic import TrafficReport, task_of_device, traffic_by_task

PS = "/job:ps/replica:0/task:0/device:CPU:0"
W0 = "/job:worker/replica:0/task:0/device:CPU:0"
W1_GPU = "/job:worker/replica:0/task:1/device:GPU:0"
FULL = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


def _pair(step, src, dst, tensor, nbytes, dst_task="ps_0"):
    return [
        OpEvent(step, src, f"{tensor}/_send_0_{dst_task}", "_Send", 0, 1, 1, 0),
        OpEvent(step, dst, f"{tensor}/_recv_0_{dst_task}", "_Recv", 1, 2, 1, nbytes),
    ]


def test_task_of_device_short_form():
    assert task_of_device(W1_GPU) == "/job:worker/task:1"
    assert task_of_device("/job:ps/task:3/cpu:0") == "/job:ps/task:3"
    assert task_of_device("/device:CPU:0") == "?"


def test_receives_count_in_on_the_receiver_and_out_on_the_sender():
    events = _pair(1, W0, PS, "tower_0/grad_w", 4000) + _pair(1, W1_GPU, PS, "tower_1/grad_w", 4000)
    events += _pair(1, PS, W0, "w/read", 4000, "worker_0")
    r = TrafficReport().add_events(events)
    assert r.bytes_in("/job:ps/task:0") == 8000 and r.bytes_out("/job:ps/task:0") == 4000
    assert r.bytes_out("/job:worker/task:1") == 4000 and r.bytes_in("/job:worker/task:1") == 0
    assert r.links[("/job:worker/task:0", "/job:ps/task:0")] == 4000
    assert r.steps == 1
    assert [t.task for t in r.rows()] == [
        "/job:ps/task:0",
        "/job:worker/task:0",
        "/job:worker/task:1",
    ]
    ps_row = r.rows()[0]
    assert (ps_row.tensors_in, ps_row.tensors_out) == (2, 1)


def test_sends_are_matched_within_their_step_only():
    events = [
        OpEvent(1, W0, "g/_send_0_ps_0", "_Send", 0, 1, 1, 0),
        OpEvent(2, PS, "g/_recv_0_ps_0", "_Recv", 1, 2, 1, 100),  # its send is in step 1
    ]
    r = TrafficReport().add_events(events)
    assert r.bytes_in("/job:ps/task:0") == 100
    assert r.links == {("?", "/job:ps/task:0"): 100}  # sender unknown, not guessed


def test_copies_inside_a_task_and_other_events_are_not_network_traffic():
    events = [
        TransferEvent(1, "/job:worker/replica:0/task:0/device:GPU:0", W0, "x:0", 800, 0, 1, 1),
        OpEvent(1, W0, "add", "AddV2", 0, 1, 1, 8),
    ]
    events += _pair(1, "/job:worker/replica:0/task:0/device:GPU:0", W0, "y", 800, "worker_0")
    r = TrafficReport().add_events(events)
    assert r.tasks == {} and r.links == {}


def test_merge_and_table():
    a = TrafficReport().add_events(_pair(1, W0, PS, "g", 1000))
    b = TrafficReport().add_events(_pair(7, W0, PS, "g", 2500))
    a.merge(b)
    assert a.bytes_in("/job:ps/task:0") == 3500 and a.steps == 2
    lines = a.table().splitlines()
    assert lines[0].split()[:3] == ["task", "bytes", "in"]
    assert lines[1].split()[:3] == ["/job:ps/task:0", "3,500", "0"]
    assert "2 tasks, 2 steps" in repr(a)


def test_run_metadata_without_trace_is_refused():
    md = tf.RunMetadata()
    with pytest.raises(ValueError, match="FULL_TRACE"):
        traffic_by_task(md)


@pytest.fixture
def servers():
    spec, started = start_servers({"ps": 1, "worker": 2}, tf.train.Server)
    yield spec
    for s in [*started["ps"], *started["worker"]]:
        s.stop()


def test_a_traced_cluster_step_from_run_metadata_and_from_the_bus(servers):
    with tf.device("/job:ps/task:0"):
        w = tf.Variable(tf.zeros([100, 10]), name="w")  # 4000 bytes
    with tf.device("/job:worker/task:1"):
        loss = tf.reduce_sum(w * 2.0)
    opt = tf.train.GradientDescentOptimizer(0.1)
    train = opt.minimize(loss, colocate_gradients_with_ops=True)  # backward pass on worker 1
    seen = []
    with tf.Session(f"grpc://{servers['worker'][0]}") as sess:
        sess.run(w.initializer)
        md = tf.RunMetadata()
        with bus.subscribed(seen.append):  # in-process servers publish on this bus
            sess.run(train, options=FULL, run_metadata=md)
    from_md, from_bus = traffic_by_task(md), traffic_by_task(seen)
    for r in (from_md, from_bus):
        # w is read by worker 1 (out of the ps), its gradient comes back (into the ps).
        assert r.bytes_out("/job:ps/task:0") == 4000
        assert r.bytes_in("/job:ps/task:0") == 4000
        assert r.links[("/job:ps/task:0", "/job:worker/task:1")] == 4000
        assert r.links[("/job:worker/task:1", "/job:ps/task:0")] == 4000
    assert from_md.rows() == from_bus.rows()
    both = traffic_by_task([md, md])
    assert both.bytes_in("/job:ps/task:0") == 8000 and both.steps == 2


def test_run_metadata_copies_between_devices_of_a_task_are_not_traffic():
    from teachflow.runtime.step_stats import build_step_stats

    gpu = "/job:worker/replica:0/task:0/device:GPU:0"
    events = [MemoryEvent(1, gpu, "gpu_0_bfc", 0, 512, 512, "x/_feed_0")]
    events += [TransferEvent(1, W0, gpu, "x/_feed_0:0", 512, 0, 1, 1)]  # the feed to the GPU
    events += [MemoryEvent(1, PS, "cpu", 0, 4000, 4000, "g/_recv_0_ps_0")]
    events += _pair(1, gpu, PS, "g", 4000)
    md = tf.RunMetadata(step_stats=build_step_stats(events, [], 0))
    r = traffic_by_task(md)
    assert r.links == {("/job:worker/task:0", "/job:ps/task:0"): 4000}
    assert r.bytes_in("/job:worker/task:0") == 0
