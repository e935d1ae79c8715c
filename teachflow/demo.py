"""The headless demo: the chapter's small graphs, built, run and explained in a terminal.

python -m teachflow.demo      (or: teachflow demo, or: make demo)
"""

from __future__ import annotations

import numpy as np

import teachflow as tf


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 66 - len(title)))


def first_graph() -> None:
    section("A graph, then a session that runs it")
    tf.reset_default_graph()
    x = tf.Variable(3, name="x")
    y = tf.Variable(4, name="y")
    f = x * x * y + y + 2
    print("ops in the graph:", ", ".join(op.name for op in tf.get_default_graph().get_operations()))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print("f = x*x*y + y + 2 with x=3, y=4  ->", sess.run(f))


def control_dependencies() -> None:
    section("Control dependencies: x and y wait for a and b")
    tf.reset_default_graph()
    a = tf.constant(1.0, name="a")
    b = tf.constant(2.0, name="b")
    with tf.control_dependencies([a, b]):
        x = tf.constant(3.0, name="x")
        y = tf.constant(4.0, name="y")
    z = tf.add(x, y, name="z")
    for t in (x, y):
        waits = ", ".join(op.name for op in t.op.control_inputs)
        print(f"{t.op.name} has no data inputs but waits for: {waits}")
    with tf.Session() as sess:
        print("z = x + y ->", sess.run(z))


def devices() -> None:
    section("Device scopes: what each op asks for")
    tf.reset_default_graph()
    with tf.device("/job:ps/task:0/cpu:0"):
        a = tf.constant(1.0, name="a")
    with tf.device("/job:worker/task:1"):
        with tf.device("/gpu:0"):
            b = tf.multiply(a, 3.0, name="b")
        c = tf.add(b, 1.0, name="c")
    for t in (a, b, c):
        print(f"{t.op.name:>3} requests {t.device!r}")
    print("(a cluster with ps and worker jobs runs these; a local session has only /job:localhost)")


def placement() -> None:
    section("Placing and running on a server with 2 (simulated) GPUs")
    tf.reset_default_graph()
    with tf.device("/cpu:0"):
        w = tf.Variable(tf.ones([256, 256]), name="w")
    x = tf.fill([64, 256], 0.5, name="x")
    with tf.device("/gpu:0"):
        h1 = tf.matmul(x, w, name="h1")
    with tf.device("/gpu:1"):
        h2 = tf.matmul(x, w, name="h2")
    total = tf.reduce_sum(h1 + h2, name="total")
    opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
    meta = tf.RunMetadata()
    shown = ("w", "w/read", "x", "h1", "h2", "add", "total")
    with tf.Session(config=tf.ConfigProto(simulated_gpus=2)) as sess:
        sess.run(w.initializer)
        value = sess.run(total, options=opts, run_metadata=meta)
        # Every entry of x @ w is 0.5 * 256 = 128; h1 + h2 doubles it, over 64 x 256 entries.
        print(f"total = sum(h1 + h2) = {value:,.0f}  (64 x 256 entries of 2 x 0.5 x 256)")
        records = sess.placement_records()
        for r in records:
            if r.node in shown:
                print(f"{r.node:>7} -> {r.device.rsplit('/', 1)[-1]:<12} ({r.reason})")
        helpers = [r.node for r in records if r.node not in shown]
        print(f"(not shown: {', '.join(helpers)} -- the helpers' shapes, values and initializer)")
    for dev in meta.step_stats.dev_stats:
        print(_device_line(dev, shown))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _device_line(dev, shown) -> str:
    """What one device ran, split into the table's nodes, transfers and the helpers."""
    table, moves, others = [], [], []
    for ns in dev.node_stats:
        op = ns.timeline_label.partition(" = ")[2].partition("(")[0]
        if ns.node_name in shown:
            table.append(ns.node_name)
        elif op in ("_Recv", "_Send"):
            moves.append(ns.node_name)
        else:
            others.append(ns.node_name)
    peak = max((m.peak_bytes for ns in dev.node_stats for m in ns.memory), default=0)
    parts = [f"{', '.join(table) or 'none'} of the table"]
    if moves:
        parts.append(f"{_plural(len(moves), 'transfer')} in ({', '.join(moves)})")
    if others:
        parts.append(f"{_plural(len(others), 'helper')} ({', '.join(others)})")
    return (
        f"{dev.device.rsplit('/', 1)[-1]:<12} ran {_plural(len(dev.node_stats), 'node')}: "
        + "; ".join(parts)
        + f"; peak memory {peak / 1024:.0f} KiB"
    )


def cluster() -> None:
    section("A cluster: one ps and two workers, one process each")
    from teachflow.cluster import LocalCluster

    tf.reset_default_graph()
    with LocalCluster(ps=1, workers=2) as c:
        for task, target in c.targets.items():
            print(f"{task:<32} {target}")
        with tf.device("/job:ps/task:0"):
            a = tf.Variable(1.0, name="a")
        with tf.device("/job:worker/task:1"):
            b = tf.add(a, 2.0, name="b")
        c_ = tf.multiply(a, 3.0, name="c")  # unpinned: it runs on the master's task
        with tf.Session(c.target("worker", 1)) as sess:
            sess.run(a.initializer)
            print("a session on worker 1 (the chapter's machine B): c = a * 3 ->", sess.run(c_))
            print("b = a + 2 computed on worker 1 ->", sess.run(b))
        with tf.Session(c.target("worker", 0)) as other:
            other.run(a.assign(10.0))
        with tf.Session(c.target("worker", 1)) as sess:
            print("a second client set a = 10 on the ps; this session sees a =", sess.run(a))


def training() -> None:
    section("Gradient descent on a small linear regression")
    tf.reset_default_graph()
    tf.set_random_seed(42)
    rng = np.random.default_rng(0)
    true_w, true_b = np.array([[2.0], [-3.0]], np.float32), 0.5
    data = rng.normal(size=(256, 2)).astype(np.float32)
    target = data @ true_w + true_b
    X = tf.placeholder(tf.float32, [None, 2], name="X")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(tf.random_normal([2, 1], seed=1), name="w")
    b = tf.Variable(0.0, name="b")
    loss = tf.reduce_mean(tf.square(tf.matmul(X, w) + b - y), name="mse")
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(201):
            _, mse = sess.run([step, loss], {X: data, y: target})
            if i % 50 == 0:
                print(f"step {i:>3}: mse = {mse:.6f}")
        print("learned w =", sess.run(w).ravel().round(3), " b =", round(float(sess.run(b)), 3))


def main() -> None:
    print(f"teachflow {tf.__version__}: TensorFlow 1.x graphs, re-implemented to be watched.")
    first_graph()
    control_dependencies()
    devices()
    placement()
    cluster()
    training()
    print("\nNext: the labs, ten notebooks to run and look at: `make labs` (or `teachflow labs`).")


if __name__ == "__main__":
    main()
