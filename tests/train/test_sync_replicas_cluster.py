"""SyncReplicasOptimizer between graphs on in-process servers: each worker its own graph
and MonitoredTrainingSession; the chief's hook; the forgotten chief queue runner over gRPC."""

import threading
import time

import numpy as np
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers

CONFIG = tf.ConfigProto(operation_timeout_in_ms=10_000)
JOIN_S = 20.0


@pytest.fixture
def spec():
    spec, started = start_servers({"ps": 1, "worker": 2}, tf.train.Server)
    servers = [*started["ps"], *started["worker"]]
    yield spec
    for s in servers:
        s.stop()


def _worker_graph(spec, index, replicas=2, **kwargs):
    graph = tf.Graph()
    with graph.as_default():
        setter = tf.train.replica_device_setter(
            cluster=spec, worker_device=f"/job:worker/task:{index}"
        )
        with tf.device(setter):
            step = tf.train.get_or_create_global_step()
            w = tf.Variable(1.0, name="w")
            opt = tf.train.SyncReplicasOptimizer(
                tf.train.GradientDescentOptimizer(0.25), replicas, total_num_replicas=2, **kwargs
            )
            train = opt.minimize(tf.square(w - 3.0), global_step=step)
    return graph, opt, train, step, w


def _expected_w(updates):
    w = np.float32(1.0)
    for _ in range(updates):
        w = w - np.float32(0.25) * np.float32(2.0) * (w - np.float32(3.0))
    return w


def test_two_workers_with_the_hook_in_monitored_sessions(spec):
    last_step = 6
    results, errors = {}, []

    def work(i):
        graph, opt, train, step, w = _worker_graph(spec, i)
        hooks = [
            opt.make_session_run_hook(is_chief=(i == 0)),
            tf.train.StopAtStepHook(last_step=last_step),
        ]
        try:
            with (
                graph.as_default(),
                tf.train.MonitoredTrainingSession(
                    master=f"grpc://{spec['worker'][i]}",
                    is_chief=(i == 0),
                    hooks=hooks,
                    config=CONFIG,
                ) as sess,
            ):
                runs = 0
                while not sess.should_stop():
                    sess.run(train)
                    runs += 1
            with tf.Session(f"grpc://{spec['worker'][i]}", graph=graph, config=CONFIG) as s:
                results[i] = (runs, *s.run([step, w]))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(JOIN_S)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    for runs, step, w in results.values():
        # One update per two gradients; both workers compute the same gradient from the
        # same weights, so w is exactly `step` SGD steps from its start.
        assert step == last_step and runs >= 1
        np.testing.assert_allclose(w, _expected_w(last_step), rtol=1e-6)
    # Closing the chief's session stopped its queue runner, blocked in take_grad as it was.
    deadline = time.monotonic() + JOIN_S
    while [t for t in threading.enumerate() if t.name.startswith("QueueRunnerThread-sync")]:
        assert time.monotonic() < deadline, "the chief's queue runner outlived its session"
        time.sleep(0.005)


def test_worker_without_a_chief_queue_runner_gets_the_message_over_grpc(spec):
    graph, opt, train, _, _ = _worker_graph(spec, 1, missing_chief_timeout_s=0.3)
    with tf.Session(f"grpc://{spec['worker'][1]}", graph=graph, config=CONFIG) as sess:
        with graph.as_default():
            sess.run(tf.global_variables_initializer())
            sess.run([opt.local_step_init_op])
        t0 = time.monotonic()
        with pytest.raises(tf.errors.FailedPreconditionError) as e:
            sess.run(train)
        assert time.monotonic() - t0 < 5.0
    msg = str(e.value)
    assert "chief's queue runner was never started" in msg
    assert "make_session_run_hook(is_chief=True)" in msg
    assert "sync_token_q_Dequeue" in msg and "/job:ps/replica:0/task:0" in msg


def test_chief_in_a_monitored_session_without_the_hook_is_reported(spec):
    """The classic mistake: a chief that never starts the queue runner (no hook)."""
    graph, opt, train, _, _ = _worker_graph(spec, 0, replicas=1, missing_chief_timeout_s=0.3)
    with graph.as_default():
        with tf.train.MonitoredTrainingSession(
            master=f"grpc://{spec['worker'][0]}", is_chief=True, config=CONFIG
        ) as sess:
            sess.run(opt.local_step_init_op)
            with pytest.raises(tf.errors.FailedPreconditionError, match="never started"):
                sess.run(train)
