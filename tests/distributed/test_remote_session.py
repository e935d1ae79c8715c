"""``tf.Session("grpc://...")``: a remote session behaves like a local one.

Each test starts in-process servers (see conftest.py) and checks what a client sees:
values and their Python types, feeds, nested fetches, a training loop step by step,
traces and partition graphs from every task, placement logs, device lists and errors.
"""

import collections
import threading
import time

import numpy as np
import pytest

import teachflow as tf

pytestmark = pytest.mark.timeout(60)

PS_CPU = "/job:ps/replica:0/task:0/device:CPU:0"
W0_CPU = "/job:worker/replica:0/task:0/device:CPU:0"
W1_CPU = "/job:worker/replica:0/task:1/device:CPU:0"

Pair = collections.namedtuple("Pair", ["left", "right"])


def test_chapter_example_eval_in_a_remote_session(cluster, session_config):
    c = cluster(ps=1, workers=2)
    with tf.device("/job:ps/task:0"):
        a = tf.constant(1.0)
    with tf.device("/job:worker/task:1"):
        b = a + 2
    c_ = a * 3
    with tf.Session(c.target("worker", 0), config=session_config()):
        value = c_.eval()
        assert value == 3.0 and type(value) is np.float32
        assert b.eval() == 3.0


def test_unpinned_graph_runs_on_a_single_server(cluster, session_config):
    c = cluster(ps=0, workers=1)
    a = tf.constant(1.0)
    b = a + 2
    c_ = a * 3
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run([b, c_]) == [3.0, 3.0]
        assert sess.sess_str == c.target("worker", 0).encode()  # TF: bytes


def test_placeholder_feeds(cluster, session_config):
    c = cluster()
    x = tf.placeholder(tf.float32, [None], name="x")
    with tf.device("/job:ps/task:0"):
        y = x * 2.0
    with tf.device("/job:worker/task:1"):
        z = y + 1.0
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        out = sess.run(z, {x: [1.0, 2.0, 3.0]})
        np.testing.assert_array_equal(out, [3.0, 5.0, 7.0])
        assert out.dtype == np.float32
        # The same signature again (cached partitions), new values.
        np.testing.assert_array_equal(sess.run(z, {x: [0.5]}), [2.0])
        # Python ints fed to a float placeholder are converted, as locally.
        np.testing.assert_array_equal(sess.run(y, {x: [1, 2]}), [2.0, 4.0])


def test_feeding_an_intermediate_tensor_cuts_the_graph_there(cluster, session_config):
    c = cluster()
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.device("/job:worker/task:1"):
        b = x + 100.0
    with tf.device("/job:ps/task:0"):
        d = b * 10.0
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        # x is not needed when b is fed: no "must feed" error.
        assert sess.run(d, {b: 2.0}) == 20.0
        assert sess.run(d, {x: 1.0}) == 1010.0
        # Fetching a fed tensor gives back the fed value.
        assert sess.run([b, d], {b: 3.0}) == [3.0, 30.0]


def _fetch_zoo(ps=None, worker=None):
    """Fetches of many kinds, pinned to ``ps`` and ``worker`` (None: unpinned)."""
    with tf.device(ps):
        f32 = tf.constant(1.5, name="f32")
        f64 = tf.constant(2.5, tf.float64, name="f64")
        i32 = tf.constant(7, name="i32")
        i64 = tf.constant([1, 2], tf.int64, name="i64")
        boolean = tf.constant([True, False], name="boolean")
        s = tf.constant(b"hi", name="s")
    with tf.device(worker):
        strs = tf.constant([[b"a", b"bc"], [b"", b"d\x00e"]], name="strs")
        matrix = tf.reshape(tf.range(6, dtype=tf.float32), [2, 3], name="matrix")
        empty = tf.zeros([0, 3], tf.int32, name="empty")
    noop = tf.no_op(name="noop")
    return {
        "scalars": [f32, f64, i32],
        "arrays": (i64, boolean, matrix, empty),
        "strings": {"one": s, "many": strs},
        "pair": Pair(f32, noop),
        "op": noop,
        "again": f32,
    }


def _assert_same_structure_and_values(local, remote):
    assert type(local) is type(remote)
    if isinstance(local, dict):
        assert list(local) == list(remote)
        for k in local:
            _assert_same_structure_and_values(local[k], remote[k])
    elif isinstance(local, (list, tuple)):
        assert len(local) == len(remote)
        for a, b in zip(local, remote):
            _assert_same_structure_and_values(a, b)
    elif isinstance(local, np.ndarray):
        assert local.dtype == remote.dtype and local.shape == remote.shape
        np.testing.assert_array_equal(local, remote)
    else:
        assert local == remote


def test_nested_fetches_and_value_types_match_a_local_session(cluster, session_config):
    c = cluster()
    remote_graph = tf.Graph()
    with remote_graph.as_default():
        remote_fetches = _fetch_zoo("/job:ps/task:0", "/job:worker/task:1")
    local_graph = tf.Graph()
    with local_graph.as_default():
        local_fetches = _fetch_zoo()
    with tf.Session(graph=local_graph) as s:
        local = s.run(local_fetches)
    with tf.Session(c.target("worker", 0), graph=remote_graph, config=session_config()) as s:
        remote = s.run(remote_fetches)
    _assert_same_structure_and_values(local, remote)
    # The types a TF1 program sees: numpy scalars for 0-d, bytes for strings.
    assert type(remote["scalars"][0]) is np.float32
    assert type(remote["scalars"][1]) is np.float64
    assert type(remote["scalars"][2]) is np.int32
    assert type(remote["strings"]["one"]) is bytes and remote["strings"]["one"] == b"hi"
    assert remote["strings"]["many"].dtype == object
    assert remote["strings"]["many"][1, 1] == b"d\x00e"
    assert remote["arrays"][1].dtype == np.bool_
    assert remote["arrays"][3].shape == (0, 3) and remote["arrays"][3].dtype == np.int32
    assert remote["op"] is None and remote["pair"].right is None
    assert type(remote["pair"]).__name__ == "Pair"


def test_fetch_by_name_and_operation(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant([1, 2], name="a")
    b = tf.identity(a, name="b")
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        out = sess.run(["a:0", "b:0", b.op])
        np.testing.assert_array_equal(out[0], [1, 2])
        np.testing.assert_array_equal(out[1], [1, 2])
        assert out[2] is None


def test_graph_grows_between_runs(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant(2.0)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(a) == 2.0
        with tf.device("/job:worker/task:1"):
            b = a * 5.0
        # Only the new nodes travel to the master (ExtendSession).
        assert sess.run(b) == 10.0
        d = b + a
        assert sess.run([d, b]) == [12.0, 10.0]


def test_large_tensor_crosses_tasks_in_chunks(cluster, session_config):
    c = cluster()
    n = 3 * (1 << 20)  # 12 MiB of float32: several 4 MiB chunks
    with tf.device("/job:ps/task:0"):
        big = tf.range(n, dtype=tf.float32) * 0.5
    with tf.device("/job:worker/task:1"):
        total = tf.reduce_sum(tf.cast(big, tf.float64))
        tail = big[-3:]
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        t, last, whole = sess.run([total, tail, big])
    assert t == pytest.approx(0.5 * n * (n - 1) / 2)
    np.testing.assert_array_equal(last, [0.5 * (n - 3), 0.5 * (n - 2), 0.5 * (n - 1)])
    assert whole.shape == (n,) and whole.dtype == np.float32 and whole[12345] == 6172.5


def test_strings_cross_tasks(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        s = tf.constant([b"ab", b"", b"\xff\x00"])
    with tf.device("/job:worker/task:1"):
        t = tf.identity(s)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        out = sess.run(t)
    assert out.dtype == object and list(out) == [b"ab", b"", b"\xff\x00"]


def _linear_regression(var_device):
    rng = np.random.RandomState(0)
    xs = rng.randn(32, 3).astype(np.float32)
    ys = (xs @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.25).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.device(var_device):
        w = tf.Variable(tf.zeros([3, 1]), name="w")
        b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    return x, y, xs, ys, loss, train, w, b


def _train(sess, x, y, xs, ys, loss, train, steps=15):
    sess.run(tf.global_variables_initializer())
    return [sess.run([loss, train], {x: xs, y: ys})[0] for _ in range(steps)]


def test_training_loop_matches_a_local_session_step_by_step(cluster, session_config):
    c = cluster()
    local_graph = tf.Graph()
    with local_graph.as_default():
        parts = _linear_regression(None)
        with tf.Session() as sess:
            local = _train(sess, *parts[:6])
            local_w = sess.run(parts[6])
    remote_graph = tf.Graph()
    with remote_graph.as_default():
        parts = _linear_regression("/job:ps/task:0")
        assert parts[6].device == "/job:ps/task:0"
        with tf.Session(c.target("worker", 0), config=session_config()) as sess:
            remote = _train(sess, *parts[:6])
            remote_w = sess.run(parts[6])
    assert local[-1] < local[0] / 10  # it learns
    np.testing.assert_array_equal(remote, local)
    np.testing.assert_array_equal(remote_w, local_w)
    assert all(type(v) is np.float32 for v in remote)


def test_full_trace_has_step_stats_from_every_task(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant([1.0, 2.0], name="a")
    with tf.device("/job:worker/task:1"):
        b = tf.multiply(a, 3.0, name="b")
    d = tf.add(b, a, name="d")  # the master's task (worker 0)
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        np.testing.assert_array_equal(sess.run(d, options=options, run_metadata=md), [4.0, 8.0])
    by_device = {ds.device: [n.node_name for n in ds.node_stats] for ds in md.step_stats.dev_stats}
    assert {PS_CPU, W0_CPU, W1_CPU} <= set(by_device)
    assert "a" in by_device[PS_CPU]
    assert "b" in by_device[W1_CPU]
    assert "d" in by_device[W0_CPU]
    for ds in md.step_stats.dev_stats:
        for n in ds.node_stats:
            assert n.all_end_rel_micros >= 0


def test_no_trace_gives_no_step_stats(cluster, session_config):
    c = cluster()
    a = tf.constant(1.0)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(a, run_metadata=md)
    assert not md.step_stats or not md.step_stats.dev_stats


def test_output_partition_graphs_has_send_recv_pairs(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant(1.0, name="a")
    with tf.device("/job:worker/task:1"):
        b = tf.add(a, 2.0, name="b")
    options = tf.RunOptions(output_partition_graphs=True)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(b, options=options, run_metadata=md) == 3.0
    graphs = [g.node for g in md.partition_graphs]  # GraphDef messages, as in TF
    assert len(graphs) == 2
    devices = [{n.device for n in g} for g in graphs]
    assert {PS_CPU} in devices and {W1_CPU} in devices
    ps_graph = graphs[devices.index({PS_CPU})]
    w1_graph = graphs[devices.index({W1_CPU})]
    assert [n.op for n in ps_graph].count("_Send") == 1
    assert [n.op for n in w1_graph].count("_Recv") == 1
    send = next(n for n in ps_graph if n.op == "_Send")
    recv = next(n for n in w1_graph if n.op == "_Recv")
    assert send.attr["tensor_name"] == recv.attr["tensor_name"]
    assert send.attr["send_device"].text == PS_CPU and send.attr["recv_device"].text == W1_CPU
    add = next(n for n in w1_graph if n.name == "b")
    assert recv.name in add.input


def test_log_device_placement_prints_in_the_client(cluster, session_config, capsys):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant(1.0, name="a")
    with tf.device("/job:worker/task:1"):
        b = tf.add(a, 2.0, name="b")
    d = tf.multiply(b, 2.0, name="d")
    config = session_config(log_device_placement=True)
    with tf.Session(c.target("worker", 0), config=config) as sess:
        assert sess.run(d) == 6.0
    lines = capsys.readouterr().out.splitlines()
    assert f"a: (Const): {PS_CPU}" in lines
    assert f"b: (AddV2): {W1_CPU}" in lines
    assert f"d: (Mul): {W0_CPU}" in lines


def test_list_devices_lists_every_task(cluster, session_config):
    c = cluster(ps=2, workers=2)
    with tf.Session(c.target("worker", 1), config=session_config()) as sess:
        devices = sess.list_devices()
    names = sorted(d.name for d in devices)
    assert names == sorted(
        [
            "/job:ps/replica:0/task:0/device:CPU:0",
            "/job:ps/replica:0/task:1/device:CPU:0",
            W0_CPU,
            W1_CPU,
        ]
    )
    assert all(d.device_type == "CPU" and d.memory_limit_bytes > 0 for d in devices)
    assert len({d.incarnation for d in devices}) == 4


def _error_cases(pin):
    """(name, build) pairs: each build returns a fetch that fails at run time."""

    def unfed():
        x = tf.placeholder(tf.float32, name="x")
        with tf.device(pin):
            return x * 2.0

    def uninitialized():
        with tf.device(pin):
            v = tf.Variable(1.0, name="v")
        return v + 1.0

    def incompatible():
        with tf.device(pin):
            s1 = tf.placeholder_with_default([1, 2], [None])
        return tf.add(s1, tf.constant([1, 2, 3]), name="bad")

    return [("unfed", unfed), ("uninitialized", uninitialized), ("incompatible", incompatible)]


EXPECTED_ERRORS = {
    "unfed": (tf.errors.InvalidArgumentError, ["must feed a value for placeholder", "'x'"]),
    "uninitialized": (tf.errors.FailedPreconditionError, ["uninitialized", "v"]),
    "incompatible": (tf.errors.InvalidArgumentError, ["Incompatible shapes", "[2] vs. [3]"]),
}


@pytest.mark.parametrize("case", ["unfed", "uninitialized", "incompatible"])
def test_remote_errors_have_the_local_class_and_message(cluster, session_config, case):
    c = cluster()
    cls, words = EXPECTED_ERRORS[case]
    messages = {}
    for where, pin, target in [
        ("local", None, ""),
        ("remote", "/job:ps/task:0", c.target("worker", 0)),
    ]:
        g = tf.Graph()
        with g.as_default():
            fetch = dict(_error_cases(pin))[case]()
            config = session_config() if target else None
            with tf.Session(target, config=config) as sess:
                with pytest.raises(cls) as info:
                    sess.run(fetch)
        messages[where] = info.value.message
        for w in words:
            assert w in info.value.message, (where, info.value.message)
    # The session still works after an error.
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(tf.constant(4.0) + 1.0) == 5.0


def test_fetching_an_unknown_name_fails_like_a_local_session(cluster, session_config):
    c = cluster()
    tf.constant(1.0, name="a")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        with pytest.raises((KeyError, ValueError)):
            sess.run("nope:0")


def test_closed_remote_session_refuses_to_run(cluster, session_config):
    c = cluster()
    a = tf.constant(1.0)
    sess = tf.Session(c.target("worker", 0), config=session_config())
    assert sess.run(a) == 1.0
    sess.close()
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(a)


def test_concurrent_steps_on_one_remote_session(cluster, session_config):
    c = cluster()
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.device("/job:ps/task:0"):
        y = x * 2.0
    with tf.device("/job:worker/task:1"):
        z = y + 1.0
    results, failures = {}, []
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:

        def work(i):
            try:
                results[i] = [sess.run(z, {x: float(i * 10 + k)}) for k in range(10)]
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(e)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert not failures
    for i in range(8):
        assert results[i] == [2.0 * (i * 10 + k) + 1.0 for k in range(10)]


def test_bad_targets():
    with pytest.raises(tf.errors.InvalidArgumentError, match="grpc://host:port"):
        tf.Session("grpc://")
    with pytest.raises(tf.errors.NotFoundError, match="No session factory"):
        tf.Session("carrier-pigeon://x:1")


def test_create_local_server_runs_a_session():
    server = tf.train.Server.create_local_server()
    try:
        assert server.target.startswith("grpc://localhost:")
        assert not server.target.endswith(":0")
        a = tf.constant([1.0, 2.0])
        with tf.Session(server.target, config=tf.ConfigProto(operation_timeout_in_ms=10_000)) as s:
            np.testing.assert_array_equal(s.run(a * 3), [3.0, 6.0])
            names = [d.name for d in s.list_devices()]
        assert names == ["/job:localhost/replica:0/task:0/device:CPU:0"]
        assert server.server_def.job_name == "localhost" and server.server_def.task_index == 0
    finally:
        server.stop()


def test_join_returns_after_stop():
    server = tf.train.Server.create_local_server()
    joined = threading.Event()

    def join():
        server.join()
        joined.set()

    t = threading.Thread(target=join, daemon=True)
    t.start()
    time.sleep(0.1)
    assert not joined.is_set()  # join blocks while the server serves
    server.stop()
    t.join(timeout=10)
    assert joined.is_set() and not t.is_alive()
    server.stop()  # stopping twice is harmless
    with pytest.raises(RuntimeError):
        server.start()


def test_server_started_later_with_start_false(session_config):
    server = tf.train.Server.create_local_server(start=False)
    try:
        server.start()
        server.start()  # idempotent, as in TF
        with tf.Session(server.target, config=session_config()) as s:
            assert s.run(tf.constant(2) * 21) == 42
    finally:
        server.stop()


def _registered_graphs(c):
    return sum(len(s.worker_service._graphs) for s in c.all_servers())


def test_closing_a_session_deregisters_its_partitions(cluster, session_config, caplog):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.constant(1.0)
    with tf.device("/job:worker/task:1"):
        b = a + 1.0
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        assert sess.run(b) == 2.0
        assert _registered_graphs(c) == 2
    # CloseSession must not fail on the server (gRPC logs servicer exceptions).
    deadline = time.monotonic() + 2
    while _registered_graphs(c) and time.monotonic() < deadline:
        time.sleep(0.01)
    errors_logged = [r.getMessage() for r in caplog.records if r.name == "grpc._server"]
    assert errors_logged == []
    assert _registered_graphs(c) == 0


CROSSING_VALUES = [
    pytest.param(np.float32(2.5), id="f32_scalar"),
    pytest.param(np.arange(6, dtype=np.float16).reshape(2, 3), id="f16"),
    pytest.param(np.linspace(0, 1, 7), id="f64"),
    pytest.param(np.array([-128, 0, 127], np.int8), id="i8"),
    pytest.param(np.array([-(1 << 15), 7], np.int16), id="i16"),
    pytest.param(np.array([[1 << 30, -5]], np.int32), id="i32"),
    pytest.param(np.array([1 << 60, -(1 << 62)], np.int64), id="i64"),
    pytest.param(np.array([0, 255], np.uint8), id="u8"),
    pytest.param(np.array([[True], [False]]), id="bool"),
    pytest.param(np.zeros((0, 4), np.float32), id="empty"),
    pytest.param(np.int64(-3), id="i64_scalar"),
    pytest.param(np.array(b"one string", dtype=object), id="str_scalar"),
    pytest.param(np.array([[b"a", b"\x00\xff"], [b"", b"z" * 1000]], dtype=object), id="str"),
]


@pytest.mark.parametrize("value", CROSSING_VALUES)
def test_values_of_every_dtype_cross_tasks_unchanged(cluster, session_config, value):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        src = tf.constant(value)
        # A transposed view is not contiguous on the sending side.
        moved = tf.transpose(src) if src.shape.ndims == 2 else tf.identity(src)
    with tf.device("/job:worker/task:1"):
        there = tf.identity(moved)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        got = sess.run(there)
    expected = value.T if np.ndim(value) == 2 else value
    if np.ndim(expected) == 0:
        expected = expected[()] if isinstance(expected, np.ndarray) else expected
        assert type(got) is type(expected) and got == expected
    else:
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


def test_big_string_tensor_crosses_tasks(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        s = tf.fill([3000], tf.constant(b"x" * 3000))  # 9 MB of strings
    with tf.device("/job:worker/task:1"):
        t = tf.identity(s)
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        out = sess.run(t)
    assert out.shape == (3000,) and out[0] == b"x" * 3000 and out[-1] == b"x" * 3000


def test_trace_times_fall_inside_the_step(cluster, session_config):
    c = cluster()
    with tf.device("/job:ps/task:0"):
        a = tf.matmul(tf.ones([50, 50]), tf.ones([50, 50]), name="a")
    with tf.device("/job:worker/task:1"):
        b = tf.reduce_sum(a, name="b")
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        sess.run(b)
        before = time.time()
        assert sess.run(b, options=options, run_metadata=md) == 125000.0
        after = time.time()
    starts = [
        n.all_start_micros / 1e6
        for ds in md.step_stats.dev_stats
        for n in ds.node_stats
        if n.all_start_micros
    ]
    assert starts
    # Every task's times are on the client's clock, in microseconds since the epoch.
    assert before - 1.0 <= min(starts) and max(starts) <= after + 1.0


def test_soft_placement_relaxes_the_device_but_keeps_the_task(cluster, session_config):
    c = cluster()
    with tf.device("/job:worker/task:1/device:GPU:0"):
        a = tf.constant([1.0, 2.0], name="a")
        b = tf.multiply(a, 2.0, name="b")
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="Cannot assign a device"):
            sess.run(b)
    config = session_config(allow_soft_placement=True)
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=config) as sess:
        np.testing.assert_array_equal(sess.run(b, options=options, run_metadata=md), [2.0, 4.0])
    where = {n.node_name: ds.device for ds in md.step_stats.dev_stats for n in ds.node_stats}
    assert where["b"] == W1_CPU


def test_partition_graphs_are_per_device_within_a_task(cluster, session_config):
    # As TF's workers do, a task with two GPUs cuts its own part again between them: the
    # GPU:0 -> GPU:1 edge of worker 0 gets its own _Send/_Recv pair.
    c = cluster(ps=1, workers=1, config=tf.ConfigProto(simulated_gpus=2))
    with tf.device("/job:ps/task:0/cpu:0"):
        a = tf.constant([1.0, 2.0], name="a")
    with tf.device("/job:worker/task:0/gpu:0"):
        b = tf.multiply(a, 2.0, name="b")
    with tf.device("/job:worker/task:0/gpu:1"):
        d = tf.add(b, 1.0, name="d")
    options = tf.RunOptions(output_partition_graphs=True)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        np.testing.assert_array_equal(sess.run(d, options=options, run_metadata=md), [3.0, 5.0])
    by_device = {}
    for g in md.partition_graphs:
        (device,) = {n.device for n in g.node}
        by_device[device] = {n.name: n for n in g.node}
    gpu0 = "/job:worker/replica:0/task:0/device:GPU:0"
    gpu1 = "/job:worker/replica:0/task:0/device:GPU:1"
    assert {PS_CPU, gpu0, gpu1} <= set(by_device)
    send = next(n for n in by_device[gpu0].values() if n.op == "_Send")
    recv = next(n for n in by_device[gpu1].values() if n.op == "_Recv")
    assert send.attr["recv_device"].text == gpu1 and recv.attr["send_device"].text == gpu0
    assert recv.name in by_device[gpu1]["d"].input


def test_each_device_of_a_task_receives_its_own_copy_from_another_task(cluster, session_config):
    # TF cuts per device: two GPUs of a worker that read a ps tensor pull it twice (the
    # reason TF1 models cache variables on the worker's CPU with caching_device).
    c = cluster(ps=1, workers=1, config=tf.ConfigProto(simulated_gpus=2))
    with tf.device("/job:ps/task:0/cpu:0"):
        a = tf.constant([1.0, 2.0], name="a")
    with tf.device("/job:worker/task:0/gpu:0"):
        b = tf.multiply(a, 2.0, name="b")
    with tf.device("/job:worker/task:0/gpu:1"):
        d = tf.multiply(a, 3.0, name="d")
    options = tf.RunOptions(output_partition_graphs=True)
    md = tf.RunMetadata()
    with tf.Session(c.target("worker", 0), config=session_config()) as sess:
        got = sess.run([b, d], options=options, run_metadata=md)
    np.testing.assert_array_equal(got[0], [2.0, 4.0])
    np.testing.assert_array_equal(got[1], [3.0, 6.0])
    nodes = [n for g in md.partition_graphs for n in g.node]
    sends = [n for n in nodes if n.op == "_Send" and n.device == PS_CPU]
    recvs = [n for n in nodes if n.op == "_Recv" and n.attr["send_device"].text == PS_CPU]
    assert sorted(n.attr["recv_device"].text for n in sends) == [
        "/job:worker/replica:0/task:0/device:GPU:0",
        "/job:worker/replica:0/task:0/device:GPU:1",
    ]
    assert sorted(n.device for n in recvs) == sorted(n.attr["recv_device"].text for n in sends)
    assert len({n.name for n in recvs}) == 2


def test_constants_of_closed_sessions_free_their_memory_on_the_worker(cluster, session_config):
    import gc

    c = cluster(ps=0, workers=1)
    allocator = c.server("worker", 0).worker_service.devices[0].allocator
    before = allocator.persistent_bytes
    for _ in range(3):
        with tf.Graph().as_default():
            doubled = tf.constant(np.ones(1000, np.float32)) * 2.0
            with tf.Session(c.target("worker", 0), config=session_config()) as sess:
                sess.run(doubled)
                assert allocator.persistent_bytes >= before + 4000  # the constant, while used
        gc.collect()
        assert allocator.persistent_bytes == before
