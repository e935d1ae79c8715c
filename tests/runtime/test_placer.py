"""The placer: every rule, the reason it records, soft placement and its errors."""

import functools

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime.placement_reason import PlacementReason, PlacementRule

CPU0 = "/job:localhost/replica:0/task:0/device:CPU:0"
GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


def gpus(n=2, **kw):
    return tf.ConfigProto(simulated_gpus=n, **kw)


def records(sess):
    return {r.node: r for r in sess.placement_records()}


def test_default_is_cpu_without_gpus(sess):
    c = tf.constant(1.0, name="c") + 1.0
    sess.run(c)
    rec = records(sess)["add"]
    assert rec.device == CPU0 and rec.reason == PlacementReason(PlacementRule.DEFAULT)


def test_default_is_gpu0_when_there_is_a_gpu():
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.multiply(a, 2.0, name="b")
    with tf.Session(config=gpus()) as sess:
        np.testing.assert_array_equal(sess.run(b), [2.0, 4.0])
        assert records(sess)["b"].device == GPU0


def test_explicit_partial_spec_is_filled_in():
    with tf.device("/gpu:1"):
        b = tf.add(tf.constant(1.0), 1.0, name="b")
    with tf.device("/cpu:0"):
        c = tf.add(b, 1.0, name="c")
    with tf.Session(config=gpus()) as sess:
        assert sess.run(c) == 3.0
        r = records(sess)
        assert (r["b"].device, str(r["b"].reason), r["b"].requested) == (
            GPU1,
            "explicit",
            "/device:GPU:1",
        )
        assert r["c"].device == CPU0


def test_device_function_is_reported():
    def pin(op):
        return "/cpu:0" if op.type == "AddV2" else "/gpu:0"

    with tf.device(pin):
        x = tf.add(tf.constant(1.0), 2.0, name="x")
    with tf.Session(config=gpus()) as sess:
        sess.run(x)
        assert records(sess)["x"].reason.rule is PlacementRule.DEVICE_FUNCTION
        assert records(sess)["x"].device == CPU0


def test_variable_ops_are_colocated_with_the_variable():
    with tf.device("/gpu:1"):
        v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)  # no device requested: goes with its variable
    with tf.Session(config=gpus()) as sess:
        sess.run(v.initializer)
        assert sess.run(inc) == 2.0
        r = records(sess)
        assert r["v"].device == GPU1
        assert r["AssignAdd"].device == GPU1
        assert r["AssignAdd"].reason.rule is PlacementRule.COLOCATED
        assert str(r["AssignAdd"].reason).startswith("colocated with v")
        assert r["v/read"].device == GPU1


def test_colocate_with_and_incompatible_requests():
    with tf.device("/gpu:0"):
        a = tf.constant(1.0, name="a")
    with tf.colocate_with(a):
        b = tf.identity(a, name="b")
    with tf.Session(config=gpus()) as sess:
        sess.run(b)
        assert records(sess)["b"].device == GPU0
        assert records(sess)["b"].reason == PlacementReason(PlacementRule.COLOCATED, node="a")

    tf.reset_default_graph()
    with tf.device("/gpu:0"):
        v = tf.Variable(1.0, name="v")
    with tf.device("/gpu:1"):
        w = v.assign(2.0)  # an assign lives with its variable, whatever the scope says
    assert w.device == "/device:GPU:0" and w.op.get_attr("_class") == [b"loc:@v"]
    with tf.Session(config=gpus()) as sess:
        sess.run(v.initializer)
        assert sess.run(w) == 2.0
    m = tf.identity(v, name="m")
    m.op._set_attr("_class", [b"loc:@v"])
    m.op._set_device("/device:GPU:1")  # a request that contradicts its colocation group
    with tf.Session(config=gpus()) as sess:
        # TF places the whole graph on a session's first run, so any run reports it.
        with pytest.raises(
            tf.errors.InvalidArgumentError,
            match="Cannot colocate nodes .* incompatible ids: '0' and '1'",
        ):
            sess.run(v.initializer)


def test_generator_goes_with_its_only_consumer():
    k = tf.constant(1.0, name="k")
    with tf.device("/cpu:0"):
        x = tf.add(k, 2.0, name="x")
    with tf.Session(config=gpus()) as sess:
        sess.run(x)
        r = records(sess)
        assert r["k"].device == CPU0
        assert r["k"].reason == PlacementReason(PlacementRule.GENERATOR, node="x")
        assert str(r["k"].reason) == "generator placed with its consumer x"


def test_a_node_placed_in_an_earlier_run_keeps_its_device():
    a = tf.constant(1.0, name="a")
    with tf.Session(config=gpus()) as sess:
        sess.run(a)
        first = records(sess)["a"].device
        with tf.device("/cpu:0"):
            b = tf.identity(a, name="b")
        sess.run(b)
        assert records(sess)["a"].device == first


def test_missing_device_is_an_invalid_argument_naming_the_op(sess):
    with tf.device("/gpu:0"):
        m = tf.multiply(tf.constant(1.0), 2.0, name="m")
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(m)
    msg = str(info.value)
    assert "Cannot assign a device for operation" in msg
    assert "was explicitly assigned to /device:GPU:0 but available devices are" in msg
    assert CPU0 in msg


def test_soft_placement_falls_back_and_says_why():
    with tf.device("/gpu:3"):
        m = tf.multiply(tf.constant(1.0), 2.0, name="m")
    cfg = tf.ConfigProto(allow_soft_placement=True)
    with tf.Session(config=cfg) as sess:
        assert sess.run(m) == 2.0
        r = records(sess)["m"]
        assert r.device == CPU0
        assert str(r.reason) == "soft placement fallback from /device:GPU:3 (no such device)"
        assert (r.reason.rule, r.reason.requested, r.reason.detail) == (
            PlacementRule.SOFT_PLACEMENT,
            "/device:GPU:3",
            "no such device",
        )


def test_no_gpu_kernel_for_strings_or_integer_variables():
    with tf.device("/gpu:0"):
        s = tf.constant("text", name="s")
        iv = tf.Variable(1, name="iv")
    with tf.Session(config=gpus()) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="no supported kernel for GPU"):
            sess.run(s)
    with tf.Session(config=gpus(allow_soft_placement=True)) as sess:
        assert sess.run(s) == b"text"
        sess.run(iv.initializer)
        r = records(sess)
        assert r["s"].device == CPU0 and r["s"].reason.detail == "no kernel for it there"
        assert r["iv"].device == CPU0


def test_log_device_placement_prints_tensorflow_lines(capsys):
    c = tf.add(tf.constant(1.0, name="a"), 1.0, name="c")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(c)
    out = capsys.readouterr().out
    assert f"c: (AddV2): {CPU0}" in out
    assert f"a: (Const): {CPU0}" in out


def test_cross_device_edges_become_transfers():
    with tf.device("/gpu:0"):
        a = tf.constant([1.0, 2.0], name="a") * 2.0
    with tf.device("/gpu:1"):
        b = tf.add(a, 1.0, name="b")
    md = tf.RunMetadata()
    opts = tf.RunOptions(output_partition_graphs=True)
    with tf.Session(config=gpus()) as sess:
        np.testing.assert_array_equal(sess.run(b, options=opts, run_metadata=md), [3.0, 5.0])
    # TensorFlow's GraphDef messages, as TF's RunMetadata holds: strings in attr `s`.
    ops = {nd.op for part in md.partition_graphs for nd in part.node}
    assert {"_Send", "_Recv"} <= ops
    send = next(nd for part in md.partition_graphs for nd in part.node if nd.op == "_Send")
    assert send.device == GPU0 and send.attr["recv_device"].s == GPU1.encode()
    assert "node {" in str(md.partition_graphs[0])


@functools.lru_cache(maxsize=2)
def _chain_on_two_devices(n):
    """A graph of ``n`` nodes: a chain alternating between two devices, every 10 nodes in
    their own device scope (so the placer sees about n groups and n / 10 requests)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [], name="x")
        for i in range(n - 1):
            with tf.device(f"/cpu:{(i // 10) % 2}"):
                x = tf.identity(x)
    return g


def test_placement_time_per_node_does_not_grow_with_the_graph():
    # Each group was looked up in a list of the groups seen so far: 16k nodes took 1.8 s
    # (5x the time per node of 1k nodes), 20k nodes 4 s.
    from teachflow.runtime.devices import make_local_devices
    from teachflow.runtime.placer import Placer
    from tests.scaling import growth

    devices = make_local_devices(tf.ConfigProto(device_count={"CPU": 2}))

    def prepare(n):
        g = _chain_on_two_devices(n)
        placer = Placer(devices, "/job:localhost/replica:0/task:0")
        return lambda: placer.place_new_ops(g)

    assert growth(prepare, 1000, 16000) < 2.5


def test_an_op_added_while_placing_is_placed_by_the_next_call():
    # Another thread may create ops while a session places the graph (a dequeue's run being
    # prepared while the main thread builds q.close()): they are not skipped.
    from teachflow.runtime.placer import Placer

    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
    sess = tf.Session(graph=g)
    placer = sess._placer
    original = Placer._place_group

    def place_then_grow(self, group):
        with g.as_default():
            tf.constant(2.0, name="late")  # created mid-placement
        Placer._place_group = original
        return original(self, group)

    Placer._place_group = place_then_grow
    try:
        placer.place_new_ops(g)
    finally:
        Placer._place_group = original
    assert a.op in placer.placement
    late = g.get_operation_by_name("late")
    assert late not in placer.placement
    placer.place_new_ops(g)
    assert late in placer.placement
    sess.close()
