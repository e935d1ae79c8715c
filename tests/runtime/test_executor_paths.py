"""The executor's fast paths agree with its reference loop on random graphs.

`fast_inline` and `inline_trace` are optimisations of `ReferenceStep` (teachflow/runtime/
executor.py): on random DAGs (data and control edges, two CPUs and two simulated GPUs,
multi-output ops, forwarded inputs, products, and some ops that fail with
InvalidArgumentError) every path gives the same fetched values, the same error (class and
message) and the same events: exactly the same sequence where the reference loop runs on one
thread, the same multiset where GPU streams or the inter-op pool make its order depend on
timing.
"""

import random

import numpy as np
import pytest

import teachflow as tf
from teachflow.runtime.executor import INLINE, INLINE_TRACED, PATHS, REFERENCE, StepContext
from teachflow.runtime.plan import Transfer

CPUS = ["/cpu:0", "/cpu:1"]
GPUS = ["/gpu:0", "/gpu:1"]
SHAPE = (2, 2)


def _value(rng):
    return np.array([[rng.uniform(-2, 2) for _ in range(2)] for _ in range(2)], np.float32)


def _node(rng, graph_nodes, fed):
    """One new op reading earlier tensors: each kind exercises a part of the executor."""
    pick = rng.choice
    kind = rng.choice(["const", "unary", "binary", "binary", "matmul", "split", "identity"])
    if kind == "const" or not graph_nodes:
        return tf.constant(_value(rng))
    x = pick(graph_nodes)
    if kind == "unary":
        return rng.choice([tf.negative, tf.square, tf.tanh, tf.abs])(x)
    if kind == "binary":
        return rng.choice([tf.add, tf.multiply, tf.subtract, tf.maximum])(x, pick(graph_nodes))
    if kind == "matmul":  # registered expensive: worth the inter-op pool
        return tf.matmul(x, pick(graph_nodes))
    if kind == "split":  # a step with two outputs
        return tf.concat(tf.split(x, 2, axis=0)[::-1], axis=0)
    return tf.identity(rng.choice(graph_nodes + fed))  # an output that forwards its input


def random_graph(seed, devices):
    """A random DAG in a new graph: (graph, fetches, feed_dict)."""
    rng = random.Random(seed)
    graph = tf.Graph()
    with graph.as_default():
        fed = []
        feed = {}
        if rng.random() < 0.5:
            x = tf.placeholder(tf.float32, SHAPE, name="x")
            feed[x] = _value(rng)
            fed.append(x)
        nodes = list(fed)
        failing = False  # one op at most: with two, which fails first may depend on timing
        for k in range(rng.randint(4, 24)):
            controls = [rng.choice(nodes).op] if nodes and rng.random() < 0.25 else []
            with tf.device(rng.choice(devices)), tf.control_dependencies(controls):
                if nodes and not failing and rng.random() < 0.06:  # fails when it runs
                    bad = nodes[-1] + np.float32(np.inf)
                    nodes.append(tf.check_numerics(bad, f"step {k} overflowed"))
                    failing = True
                else:
                    nodes.append(_node(rng, nodes, fed))
        fetches = rng.sample(nodes, rng.randint(1, min(4, len(nodes))))
    return graph, fetches, feed


def _canonical(event):
    """What an event says, less its clock times, thread and running totals."""
    if event.kind == "op":
        return ("op", event.device, event.node, event.op_type, event.output_bytes, event.inputs)
    if event.kind == "transfer":
        return ("transfer", event.src_device, event.dst_device, event.tensor, event.nbytes)
    if event.kind == "memory":
        return ("memory", event.device, event.allocator, event.delta, event.node)
    return ("step", event.phase, event.error)


def run_path(sess, fetches, feed, path, record=True):
    """One run of the session's plan for ``fetches`` on ``path``: (values, error, events)."""
    _, feed_tensors, plan, _ = sess._prepare(fetches, tuple(feed))
    ctx = StepContext(step_id=1, record=record)
    values = error = None
    try:
        values = sess._executor.run(plan, [feed[t] for t in feed_tensors], ctx, path=path)
    except tf.errors.OpError as e:
        error = (type(e), e.message)
    return values, error, [_canonical(e) for e in ctx.events()]


def _ancestors(plan, failing):
    """The steps the failing op waits for, directly or not: they ran on every path."""
    preds = {j: [] for j in range(len(plan.steps))}
    for j, step in enumerate(plan.steps):
        for k in step.successors:
            preds[k].append(j)
    seen, stack = set(), [j for j, s in enumerate(plan.steps) if s.op.name == failing]
    while stack:
        for p in preds[stack.pop()]:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return [plan.steps[j] for j in seen]


def _ran(events, step):
    if isinstance(step.op, Transfer):
        return ("transfer", step.op.src.name, step.op.dst.name, step.op.tensor.name) in {
            e[:4] for e in events
        }
    return any(e[0] == "op" and e[2] == step.op.name for e in events)


def _assert_same_events(reference, fast, one_thread, error, plan):
    if one_thread:
        assert fast == reference
        return
    assert fast[0] == reference[0] and fast[-1] == reference[-1]  # the step's start and end
    if error is None:
        assert sorted(fast, key=repr) == sorted(reference, key=repr)
        return
    # After an error, which steps beside the failing one had finished depends on timing;
    # the ones it waited for finished on every path.
    failing = error[1].split("{{node ")[1].split("}}")[0]
    for step in _ancestors(plan, failing):
        assert _ran(reference, step) and _ran(fast, step), step


def _assert_same_outcome(a, b):
    (a_values, a_error, _), (b_values, b_error, _) = a, b
    assert a_error == b_error
    if a_error is None:
        assert len(a_values) == len(b_values)
        assert all(np.array_equal(x, y) for x, y in zip(a_values, b_values))


def _check_paths_agree(config, seed, devices):
    """Traced, the reference loop against `inline_trace`; untraced, against `fast_inline`
    (which records nothing, as the reference loop records nothing untraced)."""
    graph, fetches, feed = random_graph(seed, devices)
    with tf.Session(graph=graph, config=config) as sess:
        _, _, plan, _ = sess._prepare(fetches, tuple(feed))
        one_thread = not sess._executor.uses_threads(plan, StepContext(record=True))
        reference = run_path(sess, fetches, feed, REFERENCE)
        traced = run_path(sess, fetches, feed, INLINE_TRACED)
        _assert_same_outcome(reference, traced)
        _assert_same_events(reference[2], traced[2], one_thread, reference[1], plan)
        untraced = run_path(sess, fetches, feed, REFERENCE, record=False)
        inline = run_path(sess, fetches, feed, INLINE, record=False)
        _assert_same_outcome(reference, untraced)
        _assert_same_outcome(reference, inline)
        assert untraced[2] == inline[2] == []
        return reference[1] is not None


@pytest.mark.parametrize("seed", range(40))
def test_paths_agree_on_two_cpus_one_thread(seed):
    config = tf.ConfigProto(device_count={"CPU": 2}, inter_op_parallelism_threads=1)
    _check_paths_agree(config, seed, CPUS)


@pytest.mark.parametrize("seed", range(40))
def test_paths_agree_with_simulated_gpus_and_the_inter_op_pool(seed):
    config = tf.ConfigProto(
        device_count={"CPU": 2}, simulated_gpus=2, inter_op_parallelism_threads=4
    )
    _check_paths_agree(config, 1000 + seed, CPUS + GPUS)


def test_the_random_graphs_include_failures_transfers_and_control_edges():
    """The property tests above see what they claim to: errors, copies, control inputs."""
    config = tf.ConfigProto(device_count={"CPU": 2}, inter_op_parallelism_threads=1)
    failed = sum(_check_paths_agree(config, seed, CPUS) for seed in range(40))
    graphs = [random_graph(seed, CPUS)[0] for seed in range(40)]
    controls = sum(bool(op.control_inputs) for g in graphs for op in g.get_operations())
    assert failed >= 3 and controls >= 20


def test_the_executor_picks_the_inline_paths_only_where_nothing_can_overlap():
    config = tf.ConfigProto(device_count={"CPU": 2}, simulated_gpus=1)
    with tf.Session(config=config) as sess:
        with tf.device("/cpu:0"):  # unpinned, TF's placer would prefer the GPU
            a = tf.constant(1.0)
            b = a + 2.0
        with tf.device("/gpu:0"):
            c = a * 3.0
        ex = sess._executor
        cpu_plan = sess._prepare(b, ())[2]
        assert ex.path_for(cpu_plan, StepContext()) == INLINE
        assert ex.path_for(cpu_plan, StepContext(record=True)) == INLINE_TRACED
        # A GPU has a stream and a memory limit: only the reference loop keeps them.
        assert ex.path_for(sess._prepare(c, ())[2], StepContext()) == REFERENCE
        assert set(PATHS) == {REFERENCE, INLINE, INLINE_TRACED}
        with pytest.raises(ValueError, match="path must be one of"):
            ex.run(cpu_plan, [], StepContext(), path="fast")
