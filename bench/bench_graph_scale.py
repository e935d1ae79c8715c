"""How graph handling scales: time per node to build, place, prune, plan and partition.

    python bench/bench_graph_scale.py                  # 1k, 10k and 100k nodes
    python bench/bench_graph_scale.py --sizes 20000 --profile

A session does five things with a graph before its first step runs: the program *builds*
it (name uniquification, scopes, control dependencies, collections), the placer *places*
every node, the plan *prunes* it to what the fetches need and orders it, *plans* it
(kernels, slots, dependency counters) and, when asked for partition graphs, *partitions*
it per device; a cluster's master also cuts it per task. Each must be linear (or n log n)
in the number of nodes: a quadratic step is invisible at 1k nodes and takes minutes at 100k.
The table gives microseconds per node for each phase and each size's ratio to the
smallest size; the target is a ratio of at most 2 (per-node time flat).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import teachflow as tf  # noqa: E402
from teachflow.distributed import partitioner  # noqa: E402
from teachflow.runtime.fetches import FetchHandler  # noqa: E402
from teachflow.runtime.partition import partition_graphs  # noqa: E402
from teachflow.runtime.plan import build_plan, prune, topological_order  # noqa: E402

PHASES = ("build", "import", "place", "prune", "plan", "partition", "master_partition")
NODES_PER_BLOCK = 9
TARGET_RATIO = 2.0


def build_graph(n_nodes):
    """A graph of about ``n_nodes`` nodes: a chain of small blocks alternating between two
    devices (every block boundary is a cut edge), each block in a name scope with a
    control dependency on the previous one and its output in a collection, all joined at
    the end by one ``tf.group`` (a node with one control input per block).

    Returns (graph, fetch tensor, target op)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [4], name="x")
        prev = None
        n_blocks = max(1, (n_nodes - 3) // NODES_PER_BLOCK)
        for i in range(n_blocks):
            with tf.device(f"/cpu:{i % 2}"), tf.name_scope("block"):
                y = x * tf.constant(1.5)  # Const, Mul
                y = tf.nn.relu(y + 1.0)  # Const, Add, Relu
                y = tf.reduce_sum(y, keepdims=True) + y  # Const (axes), Sum, Add
                with tf.control_dependencies([prev] if prev is not None else []):
                    x = tf.identity(y, name="out")  # Identity
            tf.add_to_collection("block_outputs", x)
            prev = x.op
        done = tf.group(*tf.get_collection("block_outputs"), name="done")
        fetch = tf.identity(x, name="result")
    return graph, fetch, done


class _Phase:
    """Times one phase. The collector runs first and the objects alive so far are frozen,
    so a phase pays for collecting what *it* allocates, not for a full collection of the
    graph that an earlier phase happened to leave just under the collector's threshold
    (which would land on whichever phase comes next, whatever its own cost)."""

    def __init__(self, times, name):
        self.times, self.name = times, name

    def __enter__(self):
        gc.collect()
        gc.freeze()
        self.t0 = time.process_time()

    def __exit__(self, *exc):
        self.times[self.name] = time.process_time() - self.t0
        gc.unfreeze()


def measure(n_nodes):
    """Seconds per phase for a graph of ``n_nodes``; also the graph's real node count."""
    times = {}
    with _Phase(times, "build"):
        graph, fetch, done = build_graph(n_nodes)
    graph_def = graph.as_graph_def()
    with _Phase(times, "import"):
        imported = tf.Graph()
        with imported.as_default():
            tf.import_graph_def(graph_def, name="")
    del imported, graph_def
    sess = tf.Session(graph=graph, config=tf.ConfigProto(device_count={"CPU": 2}))
    try:
        with _Phase(times, "place"):
            sess._placer.place_new_ops(graph)

        x = graph.get_tensor_by_name("x:0")
        with _Phase(times, "prune"):
            handler = FetchHandler(graph, [fetch, done])
            needed = prune(handler.tensors, handler.targets, {x})
            topological_order(needed, {x})

        with _Phase(times, "plan"):
            plan = build_plan(
                handler.tensors,
                handler.targets,
                [x],
                sess._kernel_for,
                sess._device_for,
                sess.devices[0],
            )

        with _Phase(times, "partition"):
            partition_graphs(plan)

        # The master's cut per task: the two devices stand for two workers.
        workers = {
            d.name: f"/job:worker/replica:0/task:{i}/device:CPU:0"
            for i, d in enumerate(sess.devices)
        }
        placement = {op: workers[dev] for op, dev in sess._placer.placement.items()}
        incarnations = dict.fromkeys(workers.values(), 1)
        with _Phase(times, "master_partition"):
            partitioner.partition(graph, placement, [fetch], [done], [x], incarnations)
    finally:
        sess.close()
    return len(graph.get_operations()), times


def measure_median(n_nodes, repeats):
    """Per phase, the median over ``repeats`` measurements (small graphs are noisy)."""
    runs = [measure(n_nodes) for _ in range(repeats)]
    n = runs[0][0]
    return n, {p: statistics.median(r[1][p] for r in runs) for p in PHASES}


def profile(n_nodes):
    """cProfile every phase at one size; prints the top functions by their own time."""
    prof = cProfile.Profile()
    prof.enable()
    measure(n_nodes)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def table(results):
    """Rows of (nodes, us/node per phase, worst ratio to the smallest size, ok)."""
    base_n, base = results[0]
    out = []
    for n, times in results:
        per_node = {p: times[p] / n * 1e6 for p in PHASES}
        ratios = {p: per_node[p] / (base[p] / base_n * 1e6) for p in PHASES}
        worst = max(ratios.values())
        out.append((n, per_node, ratios, worst, worst <= TARGET_RATIO))
    return out


def print_table(rows):
    header = ["nodes"] + [f"{p} us/node (x)" for p in PHASES] + ["ok"]
    lines = [header]
    for n, per_node, ratios, worst, ok in rows:
        cells = [f"{n}"]
        cells += [f"{per_node[p]:.1f} ({ratios[p]:.2f}x)" for p in PHASES]
        cells.append("yes" if ok else f"NO (worst {worst:.2f}x > {TARGET_RATIO}x)")
        lines.append(cells)
    widths = [max(len(r[i]) for r in lines) + 2 for i in range(len(header))]
    for i, r in enumerate(lines):
        print("".join(c.ljust(w) for c, w in zip(r, widths)))
        if i == 0:
            print("-" * sum(widths))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000", help="node counts, comma-separated")
    p.add_argument("--profile", action="store_true", help="cProfile the largest size instead")
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.profile:
        profile(sizes[-1])
        return
    measure(sizes[0])  # warm up: imports, registries, first-use caches
    # Enough repeats that each size measures about 100k nodes in all (at least one).
    results = [measure_median(n, max(1, min(9, 100_000 // n))) for n in sizes]
    print_table(table(results))
    print_draw_time()


DRAW_NODES, DRAW_TARGET_S = 300, 2.0


def print_draw_time(repeats=3):
    """The graph view drawing every node of a training graph of over 300 nodes (Python layout
    and SVG, no Graphviz): what a student waits for in a notebook cell."""
    from teachflow.viz import show_graph

    graph = tf.Graph()
    with graph.as_default():
        h = tf.placeholder(tf.float32, [None, 8], name="x")
        while len(graph.get_operations()) < DRAW_NODES * 0.85:
            with tf.variable_scope(None, default_name="layer"):
                w = tf.get_variable("w", [8, 8])
                h = tf.nn.relu(tf.matmul(h, w))
        tf.train.GradientDescentOptimizer(0.1).minimize(tf.reduce_mean(tf.square(h)))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            show_graph(graph, max_nodes=None).svg(engine="python")
            times.append(time.perf_counter() - start)
    best = min(times)
    ok = "yes" if best <= DRAW_TARGET_S else f"NO (> {DRAW_TARGET_S} s)"
    print(
        f"\ngraph view, {len(graph.get_operations())} nodes drawn (layout + SVG): "
        f"{best:.2f} s (target <= {DRAW_TARGET_S} s): {ok}"
    )


if __name__ == "__main__":
    main()
