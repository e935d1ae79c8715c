"""Fixtures for the views: a traced run on two simulated GPUs, and in-process servers.

Figures are drawn with matplotlib's Agg backend (no display needed) and closed after
each test.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import pytest

import teachflow as tf
from teachflow.distributed.ports import start_servers
from teachflow.trace.events import bus

matplotlib.use("Agg")

GPU0 = "/job:localhost/replica:0/task:0/device:GPU:0"
GPU1 = "/job:localhost/replica:0/task:0/device:GPU:1"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(autouse=True)
def fresh_session_tables():
    """Each test starts a fresh session's colours and step numbers, as a new kernel does."""
    from teachflow.viz import palette, step_numbers

    palette.SESSION.reset()
    step_numbers.SESSION.reset()
    yield
    palette.SESSION.reset()
    step_numbers.SESSION.reset()


def two_gpu_model():
    """A small model split over two GPUs, so that a tensor moves from GPU:0 to GPU:1;
    ``after`` waits on a control dependency on the result."""
    with tf.device("/gpu:0"):
        x = tf.random_normal([200, 200], seed=1, name="x")
        h = tf.matmul(x, x, name="h")
    with tf.device("/gpu:1"):
        y = tf.matmul(h, h, name="y")
        loss = tf.reduce_sum(y, name="loss")
        with tf.control_dependencies([loss]):
            after = tf.identity(y, name="after")
    return loss, after


@pytest.fixture
def traced_run():
    """Three traced runs of `two_gpu_model` on 2 simulated GPUs: ``md`` (RunMetadata of
    the first), ``mds`` (all three), ``events`` (from the event bus), ``session``, ``graph``.
    GPU memory is limited to about 1.2 MB, so that the limit shows on the memory chart."""
    loss, after = two_gpu_model()
    config = tf.ConfigProto(
        simulated_gpus=2,
        gpu_options=tf.GPUOptions(per_process_gpu_memory_fraction=1e-4),
    )
    sess = tf.Session(config=config)
    options = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    mds, events = [], []
    with bus.subscribed(events.append):
        for _ in range(3):
            md = tf.RunMetadata()
            sess.run([loss, after], options=options, run_metadata=md)
            mds.append(md)
    yield SimpleNamespace(
        md=mds[0], mds=mds, events=events, session=sess, graph=tf.get_default_graph()
    )
    sess.close()


@pytest.fixture
def servers():
    """The chapter's cluster in this process on free ports: ps:0, worker:0 (with 2
    simulated GPUs) and worker:1; all stopped after the test."""

    def make_server(spec, job, index):
        if (job, index) == ("worker", 0):
            return tf.train.Server(spec, job, index, config=tf.ConfigProto(simulated_gpus=2))
        return tf.train.Server(spec, job, index)

    spec, servers = start_servers({"ps": 1, "worker": 2}, make_server, host="localhost")
    started = [*servers["ps"], *servers["worker"]]
    yield SimpleNamespace(
        spec=spec, ps=started[0], worker=started[1], worker1=started[2], all=started
    )
    for s in started:
        s.stop()
