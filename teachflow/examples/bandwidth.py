"""Bandwidth saturation, measured: bytes into and out of each task while workers train.

In between-graph data parallelism every worker, every step, pulls all parameters from the
ps tasks and pushes a gradient for each of them back. So the bytes a ps task must move
grow with the number of workers -- one ps task's network link becomes the bottleneck,
and adding workers (or GPUs) stops helping. Sharding the variables over more ps tasks
splits the same traffic between several links.

`measure` trains an MLP asynchronously for a few traced steps per worker and counts the
bytes of every cross-task transfer (`teachflow.trace.traffic`); `sweep` repeats it for
several numbers of workers and ps tasks.

    >>> from teachflow.cluster import LocalCluster
    >>> with LocalCluster(ps=2, workers=3) as cluster:           # doctest: +SKIP
    ...     runs = sweep(cluster, workers=(1, 2, 3), ps=(1, 2))
    ...     print(sweep_table(runs))
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

import teachflow as tf
from teachflow.examples.cluster_info import ClusterInfo, new_container
from teachflow.examples.datasets import make_blobs, one_batch
from teachflow.examples.models import MLPLayer, loss_of, placeholders
from teachflow.trace.traffic import TrafficReport

__all__ = ["BandwidthMeasurement", "measure", "plot_sweep", "sweep", "sweep_table"]

_TRACE = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)


@dataclass
class BandwidthMeasurement:
    """One configuration's traffic: ``report`` has bytes in/out per task."""

    num_workers: int
    num_ps: int
    steps_per_worker: int
    parameter_bytes: int
    seconds: float
    report: TrafficReport

    def ps_tasks(self) -> list[str]:
        return [f"/job:ps/task:{i}" for i in range(self.num_ps)]

    def ps_bytes_in(self) -> list[int]:
        """Bytes received by each ps task (the workers' gradients)."""
        return [self.report.bytes_in(t) for t in self.ps_tasks()]

    def ps_bytes_out(self) -> list[int]:
        """Bytes sent by each ps task (the parameters the workers read)."""
        return [self.report.bytes_out(t) for t in self.ps_tasks()]

    def busiest_ps_bytes(self) -> int:
        """In plus out of the ps task that moved the most: the link that saturates first."""
        return max(i + o for i, o in zip(self.ps_bytes_in(), self.ps_bytes_out()))

    def __str__(self):
        return (
            f"{self.num_workers} worker(s), {self.num_ps} ps: bytes into ps "
            f"{self.ps_bytes_in()}, out of ps {self.ps_bytes_out()} "
            f"({self.steps_per_worker} steps each, {self.parameter_bytes:,} parameter bytes)"
        )


def _build(index, num_ps, data, hidden_units, container):
    graph = tf.Graph()
    with graph.as_default(), tf.container(container):
        # Greedy by size: each variable goes to the ps task holding the fewest bytes so far,
        # so the shards are even whatever the layer sizes.
        greedy = tf.train.GreedyLoadBalancingStrategy(num_ps, tf.train.byte_size_load_fn)
        setter = tf.train.replica_device_setter(
            ps_tasks=num_ps, worker_device=f"/job:worker/task:{index}", ps_strategy=greedy
        )
        with tf.device(setter):
            x, y = placeholders(data.num_features)
            h = x
            sizes = (data.num_features, *hidden_units)
            layers = [
                MLPLayer(n_in, n_out, f"hidden_{k}", seed=k)
                for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))
            ]
            layers.append(MLPLayer(sizes[-1], data.num_classes, "output", None, seed=99))
            for layer in layers:
                h = layer(h)
            loss = loss_of(h, y)
            train_op = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
            init = tf.global_variables_initializer()
    param_bytes = sum(
        int(np.prod(v.shape.as_list())) * 4 for layer in layers for v in layer.variables
    )
    return graph, x, y, train_op, init, param_bytes


def measure(
    cluster,
    num_workers=None,
    num_ps=1,
    steps=4,
    hidden_units=(128, 128),
    num_features=128,
    batch_size=32,
    seed=0,
    timeout_ms=30_000,
) -> BandwidthMeasurement:
    """Train asynchronously for ``steps`` traced steps on each of ``num_workers`` workers,
    with the variables sharded over ``num_ps`` ps tasks; count the bytes per task."""
    info = ClusterInfo(cluster)
    num_workers = num_workers or info.num_tasks("worker")
    info.require("worker", num_workers, "measure")
    info.require("ps", num_ps, "measure")
    data = make_blobs(n_samples=400, num_features=num_features, num_classes=10, seed=seed)
    container = new_container("bandwidth")
    config = tf.ConfigProto(operation_timeout_in_ms=timeout_ms)
    built = [_build(i, num_ps, data, hidden_units, container) for i in range(num_workers)]
    reports = [TrafficReport() for _ in range(num_workers)]
    errors = []
    chief_target = info.target("worker", 0)

    def work(i):
        graph, x, y, train_op, _, _ = built[i]
        rng = np.random.default_rng(seed + i)
        try:
            with tf.Session(info.target("worker", i), graph=graph, config=config) as sess:
                for _ in range(steps):
                    xb, yb = one_batch(data, batch_size, rng)
                    md = tf.RunMetadata()
                    sess.run(train_op, {x: xb, y: yb}, options=_TRACE, run_metadata=md)
                    reports[i].add_run_metadata(md)
        except Exception as e:  # noqa: BLE001 - re-raised by the caller below
            errors.append(e)

    try:
        graph, *_, init, param_bytes = built[0]
        with tf.Session(chief_target, graph=graph, config=config) as sess:
            sess.run(init)  # the chief initializes the shared variables once
        threads = [
            threading.Thread(target=work, args=(i,), daemon=True) for i in range(num_workers)
        ]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(2 * timeout_ms / 1000.0)
        seconds = time.perf_counter() - start
        if errors:
            raise errors[0]
    finally:
        tf.Session.reset(chief_target, [container])
    total = TrafficReport()
    for r in reports:
        total.merge(r)
    return BandwidthMeasurement(num_workers, num_ps, steps, param_bytes, seconds, total)


def sweep(cluster, workers=(1, 2, 3), ps=(1, 2), steps=4, **kwargs) -> list[BandwidthMeasurement]:
    """`measure` for every (number of workers, number of ps tasks) pair."""
    return [measure(cluster, n, p, steps, **kwargs) for p in ps for n in workers]


def sweep_table(measurements) -> str:
    """One line per measurement: bytes into and out of each ps task, and of the busiest."""
    lines = [f"{'workers':>7} {'ps':>3}  {'bytes into each ps':<28}{'busiest ps (in+out)':>20}"]
    for m in measurements:
        into = ", ".join(f"{b:,}" for b in m.ps_bytes_in())
        lines.append(f"{m.num_workers:>7} {m.num_ps:>3}  {into:<28}{m.busiest_ps_bytes():>20,}")
    return "\n".join(lines)


def plot_sweep(measurements, ax=None):
    """A bar chart of `sweep`: per configuration, the bytes into each ps task."""
    from teachflow.viz.traffic_plot import plot_bytes_groups

    groups = [
        (
            f"{m.num_workers} worker{'s' if m.num_workers > 1 else ''}\n{m.num_ps} ps",
            m.ps_bytes_in(),
        )
        for m in measurements
    ]
    return plot_bytes_groups(
        groups, ax=ax, title="gradient bytes into each ps task (fixed steps per worker)"
    )
