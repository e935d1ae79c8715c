"""LocalCluster: one server process per task, healthy, killed, restarted, never left behind."""

from __future__ import annotations

import os
import socket

import grpc
import numpy as np
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

import teachflow as tf
from teachflow.cluster import LocalCluster
from teachflow.distributed import launcher

FAST = tf.ConfigProto(operation_timeout_in_ms=3000)
TASKS = [
    "/job:ps/replica:0/task:0",
    "/job:worker/replica:0/task:0",
    "/job:worker/replica:0/task:1",
]


def health(address) -> int:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        req = health_pb2.HealthCheckRequest(service="")
        return stub.Check(req, timeout=10, wait_for_ready=True).status


def process_exists(pid) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def port_is_free(address) -> bool:
    # SO_REUSEADDR: connections left in TIME_WAIT do not count, a listening socket does.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", int(address.rpartition(":")[2])))
            s.listen()
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(ps=1, workers=2, gpus_per_task=2, startup_timeout=30) as c:
        yield c


def test_every_task_is_its_own_healthy_process(cluster):
    assert cluster.spec.jobs == ["ps", "worker"]
    assert cluster.spec.num_tasks("worker") == 2
    assert list(cluster.targets) == TASKS
    assert cluster.alive() and set(cluster.status().values()) == {"running"}
    pids = {cluster.pid("ps", 0), cluster.pid("worker", 0), cluster.pid("worker", 1)}
    assert len(pids) == 3 and os.getpid() not in pids
    for task, target in cluster.targets.items():
        assert target.startswith("grpc://localhost:")
        assert health(target[len("grpc://") :]) == health_pb2.HealthCheckResponse.SERVING, task
    assert cluster.target("worker", 1) == cluster.targets[TASKS[2]]
    with open(cluster.log_path("worker", 0)) as f:
        assert f"listening on {cluster.target('worker', 0)}" in f.read()


def test_remote_session_on_worker_0_runs_the_chapters_example(cluster):
    a = tf.constant(1.0)
    c = a * 3
    with tf.Session(cluster.target("worker", 0)) as sess:
        out = sess.run(c)
    assert out == 3.0 and out.dtype == np.float32


def test_variable_pinned_to_ps_is_used_from_worker_1(cluster):
    with tf.device("/job:ps/task:0"):
        v = tf.Variable([1.0, 2.0], name="weights")
    with tf.device("/job:worker/task:1"):
        doubled = v * 2.0
    with tf.Session(cluster.target("worker", 1), config=FAST) as sess:
        sess.run(v.initializer)
        sess.run(v.assign_add([1.0, 1.0]))
        np.testing.assert_allclose(sess.run(doubled), [4.0, 6.0])
    # The variable lives on the ps: a session on worker 0 sees the same value.
    with tf.Session(cluster.target("worker", 0), config=FAST) as sess:
        np.testing.assert_allclose(sess.run(v), [2.0, 3.0])


def test_workers_get_simulated_gpus_and_the_ps_none(cluster):
    with tf.Session(cluster.target("worker", 0)) as sess:
        names = [d.name for d in sess.list_devices()]
    for w in (0, 1):
        for g in (0, 1):
            assert f"/job:worker/replica:0/task:{w}/device:GPU:{g}" in names
    assert "/job:ps/replica:0/task:0/device:CPU:0" in names
    assert not any(n.startswith("/job:ps") and "GPU" in n for n in names)


def test_leaving_the_context_ends_every_process_and_frees_its_port():
    with LocalCluster(ps=1, workers=1, startup_timeout=30) as c:
        pids = [c.pid("ps", 0), c.pid("worker", 0)]
        addresses = [t[len("grpc://") :] for t in c.targets.values()]
        log_dir = os.path.dirname(c.log_path("ps", 0))
        assert all(process_exists(p) for p in pids)
    assert not c.alive()
    assert c.status() == {
        "/job:ps/replica:0/task:0": "exited with code 0",  # SIGTERM is a clean stop
        "/job:worker/replica:0/task:0": "exited with code 0",
    }
    assert not any(process_exists(p) for p in pids)
    assert all(port_is_free(a) for a in addresses)
    assert not os.path.exists(log_dir)
    c.stop()  # idempotent
    with pytest.raises(RuntimeError, match="cannot be started again"):
        c.start()


def test_killed_worker_is_unavailable_the_ps_keeps_state_and_restart_serves_again():
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(5.0, name="v")
    with tf.device("/job:worker/task:1"):
        on_worker_1 = v * 2.0
    with tf.device("/job:worker/task:0"):
        on_worker_0 = v + 1.0
    with LocalCluster(ps=1, workers=2, startup_timeout=30) as cluster:
        with tf.Session(cluster.target("worker", 0), config=FAST) as sess:
            sess.run(v.initializer)
            sess.run(v.assign(7.0))
            assert sess.run(on_worker_1) == 14.0

        old_pid = cluster.pid("worker", 1)
        cluster.kill("worker", 1)
        assert not cluster.alive("worker", 1) and not cluster.alive()
        assert cluster.alive("ps", 0) and cluster.alive("worker", 0)
        assert cluster.status()[TASKS[2]] == "killed by SIGKILL"

        with tf.Session(cluster.target("worker", 0), config=FAST) as sess:
            with pytest.raises(tf.errors.UnavailableError, match=r"/job:worker/replica:0/task:1"):
                sess.run(on_worker_1)
            assert sess.run(on_worker_0) == 8.0  # the ps kept its variable

        cluster.restart("worker", 1)
        assert cluster.alive() and cluster.pid("worker", 1) != old_pid
        with tf.Session(cluster.target("worker", 1), config=FAST) as sess:
            assert sess.run(on_worker_1) == 14.0
            sess.run(v.assign(10.0))
            assert sess.run(on_worker_1) == 20.0
        with open(cluster.log_path("worker", 1)) as f:
            assert "--- restarted /job:worker/replica:0/task:1 ---" in f.read()


def test_a_task_that_fails_to_start_is_named_with_its_log():
    with pytest.raises(RuntimeError) as info:
        LocalCluster(ps=0, workers=1, gpus_per_task=1, gpu_profile="no-such-gpu")
    message = str(info.value)
    assert "/job:worker/replica:0/task:0 at localhost:" in message
    assert "exited with code 2" in message
    assert "Unknown simulated GPU profile 'no-such-gpu'" in message  # the log's last lines


def test_a_task_not_healthy_in_time_is_named_and_nothing_is_left_running(monkeypatch):
    started = []
    real_spawn = LocalCluster._spawn

    def spawn(self, task):
        real_spawn(self, task)
        started.append(task.process)

    monkeypatch.setattr(LocalCluster, "_spawn", spawn)
    with pytest.raises(
        RuntimeError,
        match=r"task /job:ps/replica:0/task:0 at localhost:\d+ not healthy after 0.01 s",
    ):
        LocalCluster(ps=1, workers=1, startup_timeout=0.01)
    assert len(started) == 2 and all(p.poll() is not None for p in started)


def test_a_taken_port_is_retried_once_with_new_ports(monkeypatch):
    real = launcher.free_ports
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        calls = []

        def first_port_taken(n, host):
            calls.append(n)
            return [taken] if len(calls) == 1 else real(n, host)

        monkeypatch.setattr(launcher, "free_ports", first_port_taken)
        with LocalCluster(ps=0, workers=1, startup_timeout=30) as c:
            assert len(calls) == 2 and c.alive()
            assert c.spec.task_address("worker", 0) != f"localhost:{taken}"

        monkeypatch.setattr(launcher, "free_ports", lambda n, host: [taken] * n)
        with pytest.raises(
            RuntimeError,
            match=rf"port of /job:worker/replica:0/task:0 \(localhost:{taken}\) was taken",
        ):
            LocalCluster(ps=0, workers=1, startup_timeout=30)


def test_bad_arguments_are_refused_before_anything_starts(monkeypatch):
    with pytest.raises(ValueError, match="at least one task"):
        LocalCluster(ps=0, workers=0)
    with pytest.raises(ValueError, match="gpus_per_task"):
        LocalCluster(gpus_per_task=-1)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with pytest.raises(ValueError, match="2 real GPUs needed .* has 1; use simulated=True"):
        LocalCluster(ps=1, workers=2, gpus_per_task=1, simulated=False)
    c = LocalCluster(start=False)
    with pytest.raises(ValueError, match="No task /job:worker/task:7"):
        c.target("worker", 7)
    c.stop()


def test_config_travels_to_the_tasks_as_json():
    config = tf.ConfigProto(
        device_count={"CPU": 2},
        inter_op_parallelism_threads=3,
        gpu_options=tf.GPUOptions(allow_growth=True),
    )
    text = launcher.config_to_json(config)
    assert text == (
        '{"device_count": {"CPU": 2}, "gpu_options": {"allow_growth": true}, '
        '"inter_op_parallelism_threads": 3}'
    )
    assert launcher.config_from_json(text) == config
    assert launcher.config_to_json(tf.ConfigProto()) == "{}"
    with pytest.raises(ValueError, match='has no "bogus" field'):
        launcher.config_from_json('{"bogus": 1}')


def test_config_reaches_every_server():
    config = tf.ConfigProto(device_count={"CPU": 2})
    with LocalCluster(ps=0, workers=1, config=config, startup_timeout=30) as c:
        with tf.Session(c.target("worker", 0)) as sess:
            names = [d.name for d in sess.list_devices()]
    assert names == [
        "/job:worker/replica:0/task:0/device:CPU:0",
        "/job:worker/replica:0/task:0/device:CPU:1",
    ]


def test_workers_receive_from_a_restarted_ps_on_its_new_side_channel():
    # Worker 1 pulls the ps variable over the ps's side channel; after the ps restarts that
    # connection is dead and the port is new. The next step must find the new one.
    with tf.device("/job:ps/task:0"):
        v = tf.Variable(3.0, name="v")
    with tf.device("/job:worker/task:1"):
        doubled = v * 2.0
    with LocalCluster(ps=1, workers=2, startup_timeout=30) as cluster:
        with tf.Session(cluster.target("worker", 0), config=FAST) as sess:
            sess.run(v.initializer)
            assert sess.run(doubled) == 6.0
        cluster.restart("ps", 0)
        for _ in range(2):  # the first step finds the new port, the second reuses it
            with tf.Session(cluster.target("worker", 0), config=FAST) as sess:
                sess.run(v.initializer)  # the restarted ps lost the variable's value
                assert sess.run(doubled) == 6.0


def test_server_hardening_flags_reach_every_task(tmp_path, monkeypatch):
    cluster = LocalCluster(
        ps=1,
        workers=1,
        start=False,
        file_root=str(tmp_path),
        session_gc_seconds=30,
        max_message_bytes=8 << 20,
    )
    cmd = cluster._command(cluster._task("worker", 0))
    assert cmd[cmd.index("--file-root") + 1] == os.path.realpath(tmp_path)
    assert float(cmd[cmd.index("--session-gc-seconds") + 1]) == 30.0
    assert float(cmd[cmd.index("--max-message-mb") + 1]) == 8.0
    # "auto": confined to the working directory only inside a notebook's kernel; a process
    # that merely imported ipykernel (a test run, a widget library) is not one.
    import ipykernel.kernelapp

    assert LocalCluster(ps=0, workers=1, start=False).file_root is None
    monkeypatch.setattr(ipykernel.kernelapp.IPKernelApp, "initialized", classmethod(lambda c: True))
    assert LocalCluster(ps=0, workers=1, start=False).file_root == os.path.realpath(os.getcwd())
