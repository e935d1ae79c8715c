"""The plan: pruning to what the fetches need, ordering, slots, and its cost on big graphs."""

import functools

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime.fetches import FetchHandler
from teachflow.runtime.partition import partition_graphs
from teachflow.runtime.plan import build_plan, prune, topological_order
from tests.scaling import growth


@functools.lru_cache(maxsize=4)
def _blocks(n):
    """About ``n`` nodes in blocks of four alternating between two CPUs, each block
    waiting (control dependency) on the one before; returns (graph, fetch, x, blocks)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [2], name="x")
        y, ends = x, []
        for i in range(max(1, (n - 1) // 4)):
            with tf.device(f"/cpu:{i % 2}"):
                deps = [ends[-1].op] if ends else []
                with tf.control_dependencies(deps):
                    y = tf.identity(tf.add(y * 2.0, 1.0))
            ends.append(y)
    return g, y, x, ends


def test_prune_keeps_what_the_fetch_needs_and_cuts_at_feeds():
    a = tf.placeholder(tf.float32, name="a")
    b = tf.identity(a, name="b")
    c = tf.identity(b, name="c")
    unused = tf.identity(a, name="unused")
    needed = prune([c], [], {b})
    assert {op.name for op in needed} == {"c"}
    with tf.control_dependencies([unused]):
        d = tf.identity(c, name="d")
    order = topological_order(prune([d], [], set()), set())
    assert [op.name for op in order] == ["a", "b", "c", "unused", "d"]


def test_a_control_dependency_on_a_fed_placeholder_waits_for_the_feed_only():
    # TF's FeedInputs moves a fed Placeholder's control edges to the fed value (the count
    # of tf.metrics.mean waits so on its values); unfed, the placeholder still complains.
    x = tf.placeholder(tf.float32, [None], name="x")
    with tf.control_dependencies([x]):
        y = tf.identity(tf.constant(2.0), name="y")
    assert {op.name for op in prune([y], [], {x})} == {"y", "Const"}
    with tf.Session() as sess:
        assert sess.run(y, {x: [1.0]}) == 2.0
        with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value .* 'x'"):
            sess.run(y)


def test_a_big_graph_runs_with_the_right_value():
    g, y, x, _ = _blocks(4001)
    with tf.Session(graph=g, config=tf.ConfigProto(device_count={"CPU": 2})) as sess:
        out = sess.run(y, {x: np.zeros(2, np.float32)})
    # y <- 2y + 1 a thousand times from 0: 2**1000 - 1 overflows float32 to inf.
    assert np.isinf(out).all()


def test_prune_and_order_time_per_node_does_not_grow_with_the_graph():
    def prepare(n):
        g, y, x, _ = _blocks(n)
        return lambda: topological_order(prune([y], [], {x}), {x})

    assert growth(prepare, 1000, 8000) < 3.0


def test_plan_and_partition_time_per_node_does_not_grow_with_the_graph():
    sessions = {}

    def planner(n):
        if n not in sessions:
            g, y, x, ends = _blocks(n)
            sess = sessions[n] = tf.Session(graph=g, config=tf.ConfigProto(device_count={"CPU": 2}))
            sess._placer.place_new_ops(g)
            sess.handler = FetchHandler(g, [y, ends]), x
        sess = sessions[n]
        handler, x = sess.handler
        return lambda: build_plan(
            handler.tensors,
            handler.targets,
            [x],
            sess._kernel_for,
            sess._device_for,
            sess.devices[0],
        )

    def partitioner(n):
        plan = planner(n)()
        return lambda: partition_graphs(plan)

    try:
        assert growth(planner, 1000, 8000) < 3.0
        assert growth(partitioner, 1000, 8000) < 3.0
    finally:
        for s in sessions.values():
            s.close()


def test_fetching_many_targets_does_not_compare_each_with_all():
    def prepare(n):
        g = tf.Graph()
        with g.as_default():
            ops = [tf.no_op() for _ in range(n)]
        return lambda: FetchHandler(g, ops + ops)

    assert growth(prepare, 1000, 8000) < 3.0
