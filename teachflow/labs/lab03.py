"""Lab 03 — parallel execution: the exercises of ``notebooks/03_parallel_execution.ipynb``."""

from __future__ import annotations

from teachflow.labs.claims import Claim, Claims
from teachflow.labs.exercise import Exercise, Lab
from teachflow.labs.verifiers import Inspect, SameSet, Text, Value

# The laptop-cpu profile (teachflow.sim.profiles) is "Laptop CPU (4 cores)" at 100 GFLOP/s in
# all: one intra-op thread gets one core's share of it.
LAPTOP_CORES = 4


def counters_graph():
    """The graph of exercise ``ready_at_start`` (built in the default graph); returns its output."""
    import teachflow as tf

    a = tf.constant(2.0, name="a")
    b = tf.constant(3.0, name="b")
    c = tf.add(a, b, name="c")
    d = tf.multiply(a, b, name="d")
    with tf.control_dependencies([c]):
        g = tf.constant(1.0, name="g")
    e = tf.square(d, name="e")
    return tf.add_n([c, e, g], name="f")


def timeline_graph():
    """The graph of exercise ``longest_op`` (built in the default graph); returns its output."""
    import numpy as np

    import teachflow as tf

    x = tf.constant(np.full((700, 700), 0.001, np.float32), name="x")
    small = [tf.reduce_sum(tf.fill([100], float(i)), name=f"small{i}") for i in range(5)]
    big = tf.matmul(x, x, name="big")
    return tf.add_n([*small, tf.reduce_sum(big, name="big_sum")], name="total")


def virtual_step_ms(run_metadata) -> float:
    """The traced step of ``run_metadata`` replayed in virtual time: its length in ms."""
    from teachflow.sim import virtual_timeline

    return virtual_timeline(run_metadata).duration_ns / 1e6


def intra_op_ms(n: int, threads: int, cores: int = LAPTOP_CORES) -> float:
    """One ``n``x``n`` matmul (2n³ FLOPs) split over ``threads`` intra-op threads on the
    laptop-cpu profile, in ms: each thread has one core's FLOP/s, and threads beyond the
    cores add nothing. No clock is read, so the figure is the same on every machine."""
    from teachflow.sim import get_cpu_profile

    per_core = get_cpu_profile("laptop-cpu").flops / cores
    return 2 * n**3 / (per_core * min(threads, cores)) * 1e3


def claims(inter_op: dict, gpus: dict, n: int) -> Claims:
    """The lab's claims, from its traced runs replayed in virtual time.

    ``inter_op``: ``{1: run_metadata, 2: run_metadata}``, the two products traced with
    ``inter_op_parallelism_threads`` 1 and 2; ``gpus``: ``{1: ..., 2: ...}``, the two products
    on one GPU and on two; ``n``: the matrices' size (for the intra-op figure).
    """
    one_thread, two_threads = (virtual_step_ms(inter_op[k]) for k in (1, 2))
    one_gpu, two_gpus = (virtual_step_ms(gpus[k]) for k in (1, 2))
    return Claims(
        [
            Claim(
                "two inter-op threads run two products at once: step / 1 thread's step",
                round(two_threads / one_thread, 3),
                "<=",
                0.6,
            ),
            Claim(
                "two intra-op threads speed up one product: time / 1 thread's time",
                round(intra_op_ms(n, 2) / intra_op_ms(n, 1), 3),
                "<=",
                0.6,
            ),
            Claim(
                "two GPUs work at the same time: step / one GPU's step",
                round(two_gpus / one_gpu, 3),
                "<=",
                0.6,
            ),
        ]
    )


def _check_parallel_config(config) -> str | None:
    import teachflow as tf

    if not isinstance(config, tf.ConfigProto):
        return f"Hand in a `tf.ConfigProto`, not a {type(config).__name__}."
    inter, intra = config.inter_op_parallelism_threads, config.intra_op_parallelism_threads
    if inter == 0 or intra == 0:
        return "0 means 'let the runtime choose'; set both thread counts explicitly."
    if inter < 2:
        return "With fewer than 2 inter-op threads, two independent ops cannot run at once."
    if intra != 1:
        return "Each op's own work should stay on one thread: look at the other setting."
    return None


LAB = Lab(
    "03",
    "Parallel execution",
    [
        Exercise(
            "ready_at_start",
            "Which nodes of counters_graph() are ready (counter at zero) when a step starts?",
            SameSet(["a", "b"], what="node names"),
            hints=(
                "A node's counter starts at the number of things it waits for: its data "
                "inputs *and* its control inputs.",
                "For each op of the graph, count `len(op.inputs) + len(op.control_inputs)`; "
                "the ready ones have 0.",
            ),
            explanation="Only the two constants wait for nothing. `g` has no data input, but "
            "its control dependency on `c` counts: it becomes ready once `c` has run.",
            expects="a list of node names",
        ),
        Exercise(
            "max_parallel",
            "4 independent matmuls, inter_op_parallelism_threads=2: at most how many at once?",
            Value(
                2,
                mistakes={
                    4: "All four are ready at once, but who runs them?",
                    1: "One matmul per inter-op thread: how many threads are there?",
                },
            ),
            hints=(
                "Ready ops wait in a queue until a thread of the inter-op pool takes them.",
                "Trace the run and draw `sim.virtual_timeline(run_metadata)`: count the lanes "
                "of the CPU row (a real-time timeline shows fewer when the laptop is busy).",
            ),
            explanation="Four matmuls are ready at the start, but the pool has two threads, so "
            "two run and the other two wait for a free thread.",
        ),
        Exercise(
            "parallel_config",
            "A ConfigProto where two independent ops can run at once, each on a single thread.",
            Inspect(_check_parallel_config, expects="your ConfigProto"),
            hints=(
                "Two settings of `tf.ConfigProto` control the two thread pools.",
                "One pool runs *different* ops side by side, the other splits *one* op's work.",
            ),
            explanation="`inter_op_parallelism_threads` sizes the pool that runs independent "
            "ops; `intra_op_parallelism_threads` how many threads one op (a matmul) may use.",
            expects="a tf.ConfigProto",
        ),
        Exercise(
            "longest_op",
            "In a traced run of timeline_graph(), which node took the longest?",
            Text(
                "big",
                mistakes={"MatMul": "That is an op type; the question asks for the node name."},
            ),
            hints=(
                "A traced run's metadata has, per device, a `node_stats` entry for every node "
                "with its start time and duration.",
                "Look at the bars of `viz.plot_timeline(run_metadata)`, or sort the node stats "
                "by `op_end_rel_micros`.",
            ),
            explanation="One large matmul costs far more than the small ops around it; a "
            "timeline shows at a glance where a step's time goes.",
            expects="a node name (a string)",
        ),
    ],
)
