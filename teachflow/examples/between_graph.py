"""Between-graph replication: every worker is its own client with its own graph.

Each worker builds the same model inside ``tf.device(tf.train.replica_device_setter(...))``:
the variables land on the ps tasks (shared by all workers through the servers' resource
containers), the rest on the worker itself. Each trains on its own shard of the data in a
``tf.train.MonitoredTrainingSession``; worker 0 is the chief (it initializes the variables;
the others wait for it). Here the workers are threads of this process, each with its own
graph and its own session to its own task -- exactly what separate machines would run.

* `between_graph_async`: each worker applies its gradients as soon as it has them.
  Nobody waits, but a gradient may be computed from parameters that others have changed
  since (a *stale* gradient).
* `between_graph_sync`: `tf.train.SyncReplicasOptimizer` averages ``replicas_to_aggregate``
  gradients per update. One slow worker (``straggler_delay_s``) holds everyone back --
  unless there are *backup workers* (``backup_workers=1``: one gradient fewer is needed, the
  latecomer's is dropped as stale).

    >>> from teachflow.cluster import LocalCluster
    >>> with LocalCluster(ps=1, workers=3) as cluster:          # doctest: +SKIP
    ...     print(between_graph_sync(cluster, backup_workers=1).accuracy > 0.9)
    True
"""

from __future__ import annotations

import threading
import time

import numpy as np

import teachflow as tf
from teachflow.examples.cluster_info import ClusterInfo, new_container
from teachflow.examples.datasets import make_blobs, one_batch
from teachflow.examples.models import SoftmaxModel, accuracy_of, loss_of, placeholders
from teachflow.examples.results import TrainingResult

__all__ = ["between_graph_async", "between_graph_sync"]


class _Worker:
    """One worker's graph: model on the ps, train op, and what the session needs."""

    def __init__(self, index, data, container, make_optimizer, num_ps):
        self.index = index
        self.graph = tf.Graph()
        self.sync_opt = None
        with self.graph.as_default(), tf.container(container):
            setter = tf.train.replica_device_setter(
                ps_tasks=num_ps, worker_device=f"/job:worker/task:{index}"
            )
            with tf.device(setter):
                self.global_step = tf.train.get_or_create_global_step()
                model = SoftmaxModel(data.num_features, data.num_classes)
                self.x, self.y = placeholders(data.num_features)
                logits = model.logits(self.x)
                self.loss = loss_of(logits, self.y)
                self.accuracy = accuracy_of(logits, self.y)
                opt = make_optimizer()
                if isinstance(opt, tf.train.SyncReplicasOptimizer):
                    self.sync_opt = opt
                self.train_op = opt.minimize(self.loss, global_step=self.global_step)


def _train(
    name,
    cluster,
    num_workers,
    num_ps,
    steps,
    batch_size,
    learning_rate,
    data,
    seed,
    timeout_ms,
    sync=None,
    straggler_delay_s=0.0,
):
    info = ClusterInfo(cluster)
    num_workers = num_workers or info.num_tasks("worker")
    num_ps = num_ps or info.num_tasks("ps")
    info.require("worker", num_workers, name)
    info.require("ps", num_ps, name)
    data = data or make_blobs(seed=seed)
    container = new_container(name.replace(" ", "-"))
    config = tf.ConfigProto(operation_timeout_in_ms=timeout_ms)

    def make_optimizer():
        opt = tf.train.GradientDescentOptimizer(learning_rate)
        if sync is None:
            return opt
        return tf.train.SyncReplicasOptimizer(
            opt, replicas_to_aggregate=sync, total_num_replicas=num_workers
        )

    workers = [_Worker(i, data, container, make_optimizer, num_ps) for i in range(num_workers)]
    history, worker_steps, errors = [], [0] * num_workers, []
    lock = threading.Lock()
    started = []
    # Training starts when every worker has its session (the chief initialized the model
    # and the others waited for it), so the time measured is training, not start-up.
    ready = threading.Barrier(
        num_workers, action=lambda: started.append(time.perf_counter()), timeout=timeout_ms / 1000
    )

    def run(worker):
        i = worker.index
        shard = data.shard(i, num_workers)
        rng = np.random.default_rng(seed + 1 + i)
        hooks = [tf.train.StopAtStepHook(last_step=steps)]
        if worker.sync_opt is not None:
            hooks.append(worker.sync_opt.make_session_run_hook(is_chief=(i == 0)))
        slow = straggler_delay_s if i == num_workers - 1 else 0.0
        try:
            with (
                worker.graph.as_default(),
                tf.train.MonitoredTrainingSession(
                    master=info.target("worker", i), is_chief=(i == 0), hooks=hooks, config=config
                ) as sess,
            ):
                ready.wait()
                while not sess.should_stop():
                    xb, yb = one_batch(shard, batch_size, rng)
                    _, loss, step = sess.run(
                        [worker.train_op, worker.loss, worker.global_step],
                        {worker.x: xb, worker.y: yb},
                    )
                    with lock:
                        history.append((int(step), float(loss)))
                        worker_steps[i] += 1
                    if slow:
                        time.sleep(slow)  # a slow machine: its next gradient comes late
        except threading.BrokenBarrierError:
            pass  # another worker failed before training started: its error is reported
        except Exception as e:  # noqa: BLE001 - reported to the caller below
            errors.append(e)
            ready.abort()

    threads = [
        threading.Thread(target=run, args=(w,), name=f"worker-{w.index}", daemon=True)
        for w in workers
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_ms / 1000.0 * 2
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    seconds = time.perf_counter() - started[0] if started else 0.0
    chief = workers[0]
    target = info.target("worker", 0)
    try:
        if errors:
            raise errors[0]
        if any(t.is_alive() for t in threads):
            raise tf.errors.DeadlineExceededError(
                None, None, f"{name}: workers still training after {2 * timeout_ms} ms"
            )
        with tf.Session(target, graph=chief.graph, config=config) as sess:
            acc, step = sess.run(
                [chief.accuracy, chief.global_step], {chief.x: data.x_test, chief.y: data.y_test}
            )
    finally:
        tf.Session.reset(target, [container])
    history.sort(key=lambda h: h[0])
    details = {"worker_steps": worker_steps, "num_ps": num_ps}
    if sync is not None:
        details["replicas_to_aggregate"] = sync
        details["backup_workers"] = num_workers - sync
        # Each update used exactly `sync` gradients: the rest were stale (or left over).
        details["unused_gradients"] = max(0, sum(worker_steps) - sync * int(step))
    return TrainingResult(name, float(acc), history, int(step), seconds, details)


def between_graph_async(
    cluster,
    num_workers=None,
    num_ps=None,
    steps=120,
    batch_size=32,
    learning_rate=0.2,
    data=None,
    seed=0,
    timeout_ms=30_000,
) -> TrainingResult:
    """Asynchronous data parallelism: each worker updates the shared parameters on its own.

    Trains a softmax classifier on `make_blobs` until the global step reaches ``steps``
    (updates from all workers together); reaches at least 90% test accuracy. ``details``
    has each worker's number of steps.
    """
    return _train(
        "between-graph async",
        cluster,
        num_workers,
        num_ps,
        steps,
        batch_size,
        learning_rate,
        data,
        seed,
        timeout_ms,
    )


def between_graph_sync(
    cluster,
    num_workers=None,
    backup_workers=0,
    num_ps=None,
    steps=60,
    batch_size=32,
    learning_rate=0.5,
    straggler_delay_s=0.0,
    data=None,
    seed=0,
    timeout_ms=30_000,
) -> TrainingResult:
    """Synchronous data parallelism with `tf.train.SyncReplicasOptimizer`.

    Each of the ``steps`` updates averages ``num_workers - backup_workers`` gradients.
    ``straggler_delay_s`` makes the last worker sleep after each of its steps:
    without backup workers every update waits for it; with one, the others go on and its
    late gradients are dropped as stale (``details["unused_gradients"]``). Reaches at least
    90% test accuracy.
    """
    info = ClusterInfo(cluster)
    n = num_workers or info.num_tasks("worker")
    if not 0 <= backup_workers < n:
        raise ValueError(f"backup_workers must be in [0, {n}), got {backup_workers}")
    return _train(
        "between-graph sync" + (f" ({backup_workers} backup)" if backup_workers else ""),
        cluster,
        n,
        num_ps,
        steps,
        batch_size,
        learning_rate,
        data,
        seed,
        timeout_ms,
        sync=n - backup_workers,
        straggler_delay_s=straggler_delay_s,
    )
