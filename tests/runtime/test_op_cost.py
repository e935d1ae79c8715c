"""Which steps get another thread: chains stay inline, fast steps are learned cheap, and a step
with a deadline still hands its expensive steps off."""

import numpy as np

import teachflow as tf
from teachflow.runtime import op_cost
from teachflow.runtime.plan import expensive_steps_can_overlap
from teachflow.runtime.step import Step


def plan_of(sess, fetches, feed_keys=()):
    for (_, keys), entry in sess._cache.items():
        if tuple(keys) == tuple(feed_keys):
            return entry[2]
    raise AssertionError("no plan cached")


def fake_steps(edges, expensive, n):
    """Plan steps with only their successors and whether they are expensive filled in."""
    succ = [[] for _ in range(n)]
    for a, b in edges:
        succ[a].append(b)
    return [Step(None, (), 0, False, None, tuple(succ[j]), 0, j in expensive) for j in range(n)]


def test_a_chain_of_expensive_steps_never_overlaps():
    steps = fake_steps([(0, 1), (1, 2), (2, 3)], {0, 3}, 4)
    assert not expensive_steps_can_overlap(steps)


def test_two_independent_expensive_steps_can_overlap():
    steps = fake_steps([(0, 2), (1, 2)], {0, 1}, 3)
    assert expensive_steps_can_overlap(steps)


def test_a_logistic_regression_step_learns_its_products_are_cheap(monkeypatch):
    # What counts as fast enough is set far above any product's time here, so the test
    # checks the mechanism (measure, demote, run inline), never this machine's speed.
    monkeypatch.setattr(op_cost, "WORTH_A_THREAD_NS", 10**12)
    x = tf.placeholder(tf.float32, (None, 8))
    theta = tf.Variable(tf.zeros([8, 1]))
    loss = tf.reduce_mean(tf.square(tf.matmul(x, theta) - 1.0))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    feed = {x: np.ones((100, 8), np.float32)}
    with tf.Session(config=tf.ConfigProto(inter_op_parallelism_threads=2)) as sess:
        sess.run(theta.initializer)
        sess.run(train, feed_dict=feed)
        plan = plan_of(sess, train, tuple(feed))
        # dX and dtheta of the product's gradient could overlap: the general path ran once,
        # measured them, and found them cheaper than a hand-off.
        expensive = [s.op.name for s in plan.steps if s.expensive]
        assert expensive == [] and not plan.needs_threads
        before = sess.run(theta)
        sess.run(train, feed_dict=feed)
        assert not np.array_equal(sess.run(theta), before)  # still trains, now inline


def test_hand_offs_slower_than_a_step_are_skipped_but_probed_again():
    clock = [0.0]
    h = op_cost.HandOffs(delay_ns=100_000, clock=lambda: clock[0])
    assert h.worth(None)  # never measured: try
    assert h.worth(5_000_000)
    assert not h.worth(150_000)  # less than two hand-offs
    clock[0] += op_cost.PROBE_SECONDS
    assert h.worth(150_000) and not h.worth(150_000)  # one probe, then skipped again
    for _ in range(40):
        h.note(10_000)  # the machine is idle again
    assert h.worth(100_000)


def test_a_busy_machine_runs_every_step_inline_but_probes_by_the_clock():
    clock = [0.0]
    h = op_cost.HandOffs(delay_ns=2_000_000, clock=lambda: clock[0])  # every core busy
    assert not h.worth(None) and not h.worth(50_000_000)
    decisions = []
    for _ in range(10):
        clock[0] += op_cost.PROBE_SECONDS / 4
        decisions.append(h.worth(50_000_000))
    assert decisions.count(True) == 2  # one hand-off per PROBE_SECONDS re-measures the delay
    for _ in range(40):
        h.note(20_000)
    assert h.worth(50_000_000)


def test_compute_kernels_are_learned_but_waiting_or_stateful_ones_are_not():
    x = tf.placeholder(tf.float32, [1, 4, 4, 1])
    conv = tf.nn.conv2d(x, tf.ones([2, 2, 1, 1]), [1, 1, 1, 1], "SAME")
    q = tf.FIFOQueue(1, tf.float32)
    read = tf.read_file("nowhere")

    def step(op, expensive=True):
        return Step(None, (), 0, False, op, (), 0, expensive)

    assert op_cost.can_learn(step(conv.op))  # registered expensive, but it only computes
    assert not op_cost.can_learn(step(q.dequeue().op))  # it waits
    assert not op_cost.can_learn(step(read.op))  # file I/O
    assert not op_cost.can_learn(step(conv.op, expensive=False))  # cheap already
