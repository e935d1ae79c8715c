"""Model parallelism: one network split across devices, layer by layer.

Instead of copying the whole model to every device (data parallelism), each device holds
and computes *part* of one model: here the hidden layer and its weights live on one
device and the output layer on another. Every step the hidden activations cross from the
first device to the second, and their gradients cross back -- the communication that
makes model parallelism hard to speed up. The devices are two worker tasks when the
cluster has two workers, or two GPUs of one worker otherwise.

The problem is `make_rings`: no straight line separates the rings, so the softmax
classifier of the other examples stays near chance while this small MLP gets at least 95%.

    >>> from teachflow.cluster import LocalCluster
    >>> with LocalCluster(ps=0, workers=2) as cluster:          # doctest: +SKIP
    ...     print(model_parallelism(cluster).accuracy > 0.95)
    True
"""

from __future__ import annotations

import teachflow as tf
from teachflow.examples.cluster_info import (
    ClusterInfo,
    new_container,
    preferred_device,
    task_gpus,
)
from teachflow.examples.datasets import make_rings
from teachflow.examples.models import MLPLayer, accuracy_of, loss_of, placeholders
from teachflow.examples.one_client import ClientGraph, train_one_client
from teachflow.examples.results import TrainingResult

__all__ = ["model_parallelism", "split_devices"]


def split_devices(sess, info):
    """Two devices for the two halves: worker 0 and worker 1 (their first GPU, else CPU),
    or, with one worker, its first two GPUs. ValueError when neither exists."""
    names = [d.name for d in sess.list_devices()]
    if info.num_tasks("worker") >= 2:
        return [preferred_device(names, f"/job:worker/replica:0/task:{i}") for i in range(2)]
    own = task_gpus(names, "/job:worker/replica:0/task:0")
    if len(own) >= 2:
        return own[:2]
    raise ValueError(
        "model_parallelism needs two worker tasks, or one worker with two GPUs "
        f"(LocalCluster(workers=1, gpus_per_task=2)); the cluster has {info.spec}"
    )


def model_parallelism(
    cluster,
    hidden_units=16,
    steps=100,
    batch_size=64,
    learning_rate=0.05,
    data=None,
    seed=0,
    timeout_ms=30_000,
) -> TrainingResult:
    """Train an MLP on `make_rings`: hidden layer on one device, output layer on another.

    Reaches at least 95% test accuracy. ``details`` has the device of each layer and the
    bytes of activations that cross between them per step (each way).
    """
    info = ClusterInfo(cluster)
    info.require("worker", 1, "model_parallelism")
    data = data or make_rings(seed=seed)
    target = info.target("worker", 0)
    config = tf.ConfigProto(operation_timeout_in_ms=timeout_ms)
    container = new_container("model-parallel")
    graph = tf.Graph()
    with tf.Session(target, graph=graph, config=config) as probe:
        first, second = split_devices(probe, info)
    with graph.as_default(), tf.container(container):
        x, y = placeholders(data.num_features)
        # Each layer's weights live on the device that computes the layer.
        with tf.device(first):
            hidden = MLPLayer(data.num_features, hidden_units, "hidden", seed=seed)
            h = hidden(x)
        with tf.device(second):
            output = MLPLayer(hidden_units, data.num_classes, "output", None, seed=seed + 1)
            logits = output(h)
            loss = loss_of(logits, y)
            accuracy = accuracy_of(logits, y)
        # An int64 variable has no GPU kernel (as in TF 1): the step counter stays on a CPU.
        with tf.device(second.rsplit("/device:", 1)[0] + "/device:CPU:0"):
            global_step = tf.train.get_or_create_global_step()
        # Gradients are computed next to the ops they differentiate, so the hidden
        # layer's backward pass runs on the first device too.
        opt = tf.train.AdamOptimizer(learning_rate)
        train_op = opt.minimize(loss, global_step=global_step, colocate_gradients_with_ops=True)
        init = tf.global_variables_initializer()

    crossing = batch_size * hidden_units * 4  # float32 activations (and their gradients)
    return train_one_client(
        "model parallelism",
        ClientGraph(graph, x, y, init, train_op, loss, global_step, accuracy),
        target,
        config,
        container,
        data,
        batch_size=batch_size,
        steps=steps,
        seed=seed,
        details={"hidden_layer": first, "output_layer": second, "bytes_across_per_step": crossing},
    )
